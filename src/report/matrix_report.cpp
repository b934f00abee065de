#include "report/matrix_report.h"

#include "report/escape.h"
#include "report/html.h"
#include "util/term.h"

#include <fmt/format.h>

#include <algorithm>

namespace beaver::report {

using matrix::Cell;
using matrix::Column;
using matrix::Matrix;
using matrix::Status;

namespace {

const char* word(Status s) {
  switch (s) {
    case Status::Supported: return "yes";
    case Status::Disabled: return "off";
    case Status::Absent: return "no";
  }
  return "?";
}

const char* sgr(Status s) {
  switch (s) {
    case Status::Supported: return "32";
    case Status::Disabled: return "33";
    case Status::Absent: return "2";
  }
  return "0";
}

std::string kernel_subtitle(const Column& c) {
  std::string s = c.version.empty() ? "version ?" : c.version;
  return s;
}

// Rows in catalog order, with a heading whenever the technology changes.
template <typename Heading, typename Row>
void for_rows(const Matrix& m, Heading heading, Row row) {
  std::string tech;
  for (std::size_t i = 0; i < m.features.size(); ++i) {
    if (m.features[i]->technology != tech) {
      tech = m.features[i]->technology;
      heading(tech);
    }
    row(i);
  }
}

std::string summary_line(const Matrix& m) {
  return fmt::format("{} feature{} × {} kernel{}: {} supported, {} code present but not enabled, {} absent",
                     m.features.size(), m.features.size() == 1 ? "" : "s", m.kernels.size(), m.kernels.size() == 1 ? "" : "s", m.count(Status::Supported), m.count(Status::Disabled),
                     m.count(Status::Absent));
}

}  // namespace

nlohmann::json matrix_json(const Matrix& m) {
  nlohmann::json features = nlohmann::json::array();
  for (const kconfig::Feature* f : m.features) {
    nlohmann::json syms = nlohmann::json::array();
    for (const auto& r : f->symbols) syms.push_back(r.describe());
    features.push_back({{"id", f->id}, {"title", f->title}, {"technology", f->technology}, {"role", f->role},
                        {"arch", f->arch}, {"since", f->since}, {"symbols", syms}, {"interfaces", f->interfaces}});
  }
  nlohmann::json kernels = nlohmann::json::array();
  for (const Column& c : m.kernels) {
    nlohmann::json cells = nlohmann::json::object();
    for (std::size_t i = 0; i < m.features.size(); ++i) {
      const Cell& x = c.cells[i];
      cells[m.features[i]->id] = {{"supported", x.status == Status::Supported},
                                  {"status", matrix::status_name(x.status)},
                                  {"missing", x.missing},
                                  {"reason", x.reason},
                                  {"evidence", x.evidence}};
    }
    kernels.push_back({{"name", c.name},
                       {"spec", c.spec},
                       {"kind", c.kind},
                       {"version", c.version.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.version)},
                       {"arch", c.arch.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.arch)},
                       {"config", c.config.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.config)},
                       {"warnings", c.warnings},
                       {"features", cells}});
  }
  return {{"features", features},
          {"kernels", kernels},
          {"summary",
           {{"supported", m.count(Status::Supported)}, {"disabled", m.count(Status::Disabled)}, {"absent", m.count(Status::Absent)}}}};
}

std::string matrix_text(const Matrix& m, bool color) {
  std::size_t label = 10;
  for (const auto* f : m.features) label = std::max(label, f->id.size() + 4);
  std::vector<std::size_t> width;
  for (const Column& c : m.kernels) width.push_back(std::max({c.name.size(), kernel_subtitle(c).size(), std::size_t(5)}) + 2);
  auto pad = [](std::string s, std::size_t w) { return s.size() < w ? s + std::string(w - s.size(), ' ') : s; };

  std::string out = paint("beaver matrix", "1", color) + ": " + summary_line(m) + "\n\n";
  std::string head = pad("", label), sub = pad("", label);
  for (std::size_t k = 0; k < m.kernels.size(); ++k) {
    head += pad(m.kernels[k].name, width[k]);
    sub += pad(kernel_subtitle(m.kernels[k]), width[k]);
  }
  auto trim = [](std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  out += paint(trim(head), "1", color) + "\n" + paint(trim(sub), "2", color) + "\n";
  for_rows(
      m, [&](const std::string& tech) { out += paint(tech, "1;4", color) + "\n"; },
      [&](std::size_t i) {
        std::string line = pad("  " + m.features[i]->id, label);
        for (std::size_t k = 0; k < m.kernels.size(); ++k) {
          Status s = m.kernels[k].cells[i].status;
          std::string cell = pad(word(s), width[k]);
          line += paint(cell, sgr(s), color);
        }
        out += trim(line) + "\n";
      });
  out += paint("\nyes = supported · off = code present but not enabled · no = absent\n", "2", color);

  // Why not: per feature, kernels with the same answer together (trees of
  // one release usually share it).
  std::string why;
  for (std::size_t i = 0; i < m.features.size(); ++i) {
    std::vector<std::pair<const Cell*, std::vector<std::string>>> groups;
    for (const Column& c : m.kernels) {
      const Cell& x = c.cells[i];
      if (x.status == Status::Supported) continue;
      auto same = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.first->status == x.status && g.first->reason == x.reason; });
      if (same == groups.end()) groups.push_back({&x, {c.name}});
      else same->second.push_back(c.name);
    }
    for (const auto& [x, names] : groups)
      why += fmt::format("  {} {}  {}\n      {}\n", pad(m.features[i]->id, label - 2), paint(pad(word(x->status), 3), sgr(x->status), color),
                         paint(fmt::format("{}", fmt::join(names, ", ")), "1", color), x->reason);
  }
  if (!why.empty()) out += "\n" + paint("Why not", "1", color) + "\n" + why;
  std::string warnings;
  for (const Column& c : m.kernels)
    for (const std::string& w : c.warnings) warnings += fmt::format("  {}: {}\n", c.name, w);
  if (!warnings.empty()) out += "\n" + paint("Warnings", "1;33", color) + "\n" + warnings;
  return out;
}

std::string matrix_markdown(const Matrix& m) {
  std::string out = "## beaver matrix\n\n" + summary_line(m) + ".\n\n| feature |";
  std::string rule = "|---|";
  for (const Column& c : m.kernels) {
    out += fmt::format(" {}<br>{} |", markdown_escape(c.name), markdown_escape(kernel_subtitle(c)));
    rule += ":---:|";
  }
  out += "\n" + rule + "\n";
  auto mark = [](Status s) -> std::string {
    switch (s) {
      case Status::Supported: return "✅ yes";
      case Status::Disabled: return "🟡 off";
      case Status::Absent: return "❌ no";
    }
    return "?";
  };
  for_rows(
      m,
      [&](const std::string& tech) {
        out += fmt::format("| **{}** |", markdown_escape(tech));
        for (std::size_t k = 0; k < m.kernels.size(); ++k) out += " |";
        out += "\n";
      },
      [&](std::size_t i) {
        out += fmt::format("| `{}` {} |", m.features[i]->id, markdown_escape(m.features[i]->title));
        for (const Column& c : m.kernels) out += " " + mark(c.cells[i].status) + " |";
        out += "\n";
      });
  out += "\n✅ supported · 🟡 code present but not enabled · ❌ absent\n";
  std::string why;
  for (const Column& c : m.kernels) {
    for (std::size_t i = 0; i < m.features.size(); ++i)
      if (c.cells[i].status != Status::Supported)
        why += fmt::format("- **{}** `{}`: {} — {}\n", markdown_escape(c.name), m.features[i]->id, word(c.cells[i].status),
                           markdown_escape(c.cells[i].reason));
    for (const std::string& w : c.warnings) why += fmt::format("- **{}** warning: {}\n", markdown_escape(c.name), markdown_escape(w));
  }
  if (!why.empty()) out += "\n### Why not\n\n" + why;
  return out;
}

std::string matrix_html(const Matrix& m) {
  std::string body = "<p class=\"legend\"><span><span class=\"badge upstream\">yes</span> supported</span>"
                     "<span><span class=\"badge warn\">off</span> code present but not enabled</span>"
                     "<span><span class=\"badge neutral\">no</span> absent</span>"
                     "<span class=\"muted\">Hover a cell for the reason.</span></p>\n";
  body += "<table class=\"matrix\"><thead><tr><th>feature</th>";
  for (const Column& c : m.kernels)
    body += fmt::format("<th class=\"k\" title=\"{}\">{}<div class=\"muted\">{}</div></th>", html_escape(c.spec), html_escape(c.name),
                        html_escape(kernel_subtitle(c) + (c.kind.empty() ? "" : " · " + c.kind)));
  body += "</tr></thead><tbody>\n";
  for_rows(
      m,
      [&](const std::string& tech) {
        body += fmt::format("<tr class=\"group\"><th colspan=\"{}\">{}</th></tr>\n", m.kernels.size() + 1, html_escape(tech));
      },
      [&](std::size_t i) {
        const kconfig::Feature* f = m.features[i];
        body += fmt::format("<tr><td><code>{}</code> <span class=\"muted\">{} · since {}</span><div>{}</div></td>", html_escape(f->id),
                            html_escape(f->role), html_escape(f->since), html_escape(f->title));
        for (const Column& c : m.kernels) {
          const Cell& x = c.cells[i];
          // Every cell has a second line, so that rows are as high as each other.
          std::string missing = fmt::format("<small>{}</small>", html_escape(x.evidence));
          if (x.status != Status::Supported && !x.missing.empty()) {
            std::string first = x.missing.front();
            if (first.size() > 28) first = first.substr(0, 27) + "…";
            missing = fmt::format("<small>{}{}</small>", html_escape(first), x.missing.size() > 1 ? " …" : "");
          } else if (x.evidence == "arch" || x.evidence == "version") {
            missing = fmt::format("<small>{}</small>", x.evidence == "arch" ? "other arch" : "by version");
          }
          body += fmt::format("<td class=\"cell {}\" title=\"{}\">{}{}</td>", matrix::status_name(x.status), html_escape(x.reason),
                              word(x.status), missing);
        }
        body += "</tr>\n";
      });
  body += "</tbody></table>\n";
  std::string warnings;
  for (const Column& c : m.kernels)
    for (const std::string& w : c.warnings)
      warnings += fmt::format("<li><b>{}</b>: {}</li>\n", html_escape(c.name), html_escape(w));
  if (!warnings.empty()) body += "<h2>Warnings</h2>\n<ul>\n" + warnings + "</ul>\n";
  std::vector<Card> cards = {{"kernels", m.kernels.size(), "neutral"},
                             {"features", m.features.size(), "neutral"},
                             {"supported", m.count(Status::Supported), "upstream"},
                             {"not enabled", m.count(Status::Disabled), "warn"},
                             {"absent", m.count(Status::Absent), "neutral"}};
  return html_page("beaver matrix", "Which confidential-computing features each kernel supports", cards, body);
}

std::string features_text(const std::vector<const kconfig::Feature*>& features) {
  std::string out;
  for (const kconfig::Feature* f : features) {
    std::vector<std::string> syms;
    for (const auto& r : f->symbols) syms.push_back(r.describe());
    out += fmt::format("{:<22} {:<5} {:<6} since {:<5} {}\n", f->id, f->role, f->arch, f->since, f->title);
    out += fmt::format("{:<22} symbols {}\n", "", fmt::join(syms, ", "));
  }
  return out;
}

}  // namespace beaver::report
