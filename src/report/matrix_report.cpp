#include "report/matrix_report.h"

#include "report/escape.h"
#include "report/html.h"
#include "util/term.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>

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

namespace {

// A column heading people can read: "Debian 6.12 cloud" rather than
// "linux-config-6.12:cloud-amd64" or "config-6.12.38+deb13-cloud-amd64"; the
// full name stays in the tooltip and the legend. Names that would collide keep
// their full form.
std::string distro_of(const Column& c) {
  std::string all = c.name + " " + c.spec + " " + c.version;
  if (c.spec.starts_with("debian:") || all.find("+deb") != std::string::npos || c.name.starts_with("linux-config-") ||
      c.name.starts_with("linux-image-") || c.name.ends_with("-amd64") || c.name.ends_with("-arm64"))
    return "Debian";  // Debian's flavours end with their architecture (config-6.1.0-27-cloud-amd64)
  if (all.find("ubuntu") != std::string::npos || all.find("-generic") != std::string::npos) return "Ubuntu";
  if (all.find(".fc") != std::string::npos) return "Fedora";
  if (all.find(".el") != std::string::npos) return "RHEL";
  return "";
}

std::string flavour_of(const Column& c) {
  // The words after the version: "cloud-amd64" -> "cloud"; architectures and ABI numbers dropped.
  std::string tail = c.name.substr(c.name.rfind(':') == std::string::npos ? 0 : c.name.rfind(':') + 1);
  std::string out;
  std::size_t i = 0;
  while (i <= tail.size()) {
    std::size_t j = tail.find_first_of("-_.+", i);
    if (j == std::string::npos) j = tail.size();
    std::string w = tail.substr(i, j - i);
    static const char* const kSkip[] = {"amd64", "arm64", "x86_64", "x86", "i386", "686", "pae", "armmp", "lpae", "ppc64el",
                                        "s390x", "riscv64", "config", "linux", "image", "unsigned", "deb", "deb12", "deb13"};
    bool skip = w.empty() || std::isdigit(static_cast<unsigned char>(w[0])) || w.starts_with("deb1") ||
                std::find(std::begin(kSkip), std::end(kSkip), w) != std::end(kSkip);
    if (!skip) out += (out.empty() ? "" : "-") + w;
    i = j + 1;
  }
  return out;
}

std::vector<std::string> short_names(const Matrix& m) {
  std::vector<std::string> out;
  for (const Column& c : m.kernels) {
    std::string distro = c.kind == "git" || c.kind == "tree" ? "" : distro_of(c);
    std::string name = c.name;
    if (!distro.empty()) {
      std::string v = c.version;
      std::size_t dot = v.find('.');
      if (dot != std::string::npos) v = v.substr(0, v.find_first_not_of("0123456789", dot + 1));
      std::string flavour = flavour_of(c);
      name = distro + (v.empty() ? "" : " " + v) + (flavour.empty() ? "" : " " + flavour);
    }
    if (name.size() > 24) name = name.substr(0, 23) + "…";
    out.push_back(name);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    bool clash = false;
    for (std::size_t j = 0; j < out.size(); ++j) clash |= i != j && out[i] == out[j];
    if (clash) {
      for (std::size_t j = i + 1; j < out.size(); ++j)
        if (out[j] == out[i]) out[j] = m.kernels[j].name;
      out[i] = m.kernels[i].name;
    }
  }
  return out;
}

}  // namespace

std::string matrix_html(const Matrix& m) {
  std::vector<std::string> names = short_names(m);
  // Why not, as in the text face: per feature, the kernels with the same answer together.
  struct Why {
    std::size_t feature;
    const Cell* cell;
    std::vector<std::size_t> kernels;
  };
  std::vector<Why> whys;
  std::vector<std::vector<std::size_t>> why_of(m.kernels.size(), std::vector<std::size_t>(m.features.size(), 0));
  for (std::size_t i = 0; i < m.features.size(); ++i)
    for (std::size_t k = 0; k < m.kernels.size(); ++k) {
      const Cell& x = m.kernels[k].cells[i];
      if (x.status == Status::Supported) continue;
      auto same = std::find_if(whys.begin(), whys.end(), [&](const Why& w) {
        return w.feature == i && w.cell->status == x.status && w.cell->reason == x.reason;
      });
      if (same == whys.end()) same = whys.insert(whys.end(), Why{i, &x, {}});
      same->kernels.push_back(k);
      why_of[k][i] = std::size_t(same - whys.begin());
    }
  auto why_anchor = [&](std::size_t w) { return anchor_id("why-", m.features[whys[w].feature]->id + "-" + std::to_string(w)); };

  std::string body = "<p class=\"legend\"><span><span class=\"badge upstream\">yes</span> supported</span>"
                     "<span><span class=\"badge warn\">off</span> code present but not enabled</span>"
                     "<span><span class=\"badge neutral\">no</span> absent</span>"
                     "<span class=\"muted\">A cell that is not yes links to why, below.</span></p>\n";
  body += "<section class=\"rows\"><table class=\"matrix\"><thead><tr><th>feature</th>";
  for (std::size_t k = 0; k < m.kernels.size(); ++k) {
    const Column& c = m.kernels[k];
    body += fmt::format("<th class=\"k\" title=\"{}\">{}<div class=\"muted\">{}</div></th>", html_escape(c.name + " — " + c.spec),
                        html_escape(names[k]), html_escape(kernel_subtitle(c) + (c.kind.empty() ? "" : " · " + c.kind)));
  }
  body += "</tr></thead><tbody>\n";
  for_rows(
      m,
      [&](const std::string& tech) {
        body += fmt::format("<tr class=\"group grp\"><th colspan=\"{}\">{}</th></tr>\n", m.kernels.size() + 1, html_escape(tech));
      },
      [&](std::size_t i) {
        const kconfig::Feature* f = m.features[i];
        std::string statuses;
        for (Status s : {Status::Supported, Status::Disabled, Status::Absent})
          for (const Column& c : m.kernels)
            if (c.cells[i].status == s) {
              statuses += std::string(statuses.empty() ? "" : " ") + matrix::status_name(s);
              break;
            }
        std::string anchor = anchor_id("f-", f->id);
        body += row_open(anchor, statuses, f->technology + " " + f->role);
        body += fmt::format("<td>{} <code>{}</code> <span class=\"muted\">{} · since {}</span><div>{}</div></td>",
                            anchor_link(anchor, "#"), html_escape(f->id), html_escape(f->role), html_escape(f->since),
                            html_escape(f->title));
        for (std::size_t k = 0; k < m.kernels.size(); ++k) {
          const Cell& x = m.kernels[k].cells[i];
          // Every cell has a second line, so that rows are as high as each other.
          std::string missing = fmt::format("<small>{}</small>", html_escape(x.evidence));
          if (x.status != Status::Supported && !x.missing.empty()) {
            std::string first = x.missing.front();
            if (first.size() > 28) first = first.substr(0, 27) + "…";
            missing = fmt::format("<small>{}{}</small>", html_escape(first), x.missing.size() > 1 ? " …" : "");
          } else if (x.evidence == "arch" || x.evidence == "version") {
            missing = fmt::format("<small>{}</small>", x.evidence == "arch" ? "other arch" : "by version");
          }
          std::string inner = word(x.status) + missing;
          if (x.status != Status::Supported) inner = fmt::format("<a href=\"#{}\">{}</a>", why_anchor(why_of[k][i]), inner);
          body += fmt::format("<td class=\"cell {}\" title=\"{}\">{}</td>", matrix::status_name(x.status), html_escape(x.reason),
                              inner);
        }
        body += "</tr>\n";
      });
  body += "</tbody></table></section>\n";

  body += "<h2>Kernels</h2>\n<dl class=\"kernels\">\n";
  for (std::size_t k = 0; k < m.kernels.size(); ++k) {
    const Column& c = m.kernels[k];
    body += fmt::format("<dt>{}</dt><dd>{}{}{}{}</dd>\n", html_escape(names[k]), html_escape(c.name),
                        c.spec != c.name ? " · <code>" + html_escape(c.spec) + "</code>" : "",
                        c.config.empty() || c.config == c.spec ? "" : " · config " + html_escape(c.config),
                        html_escape(" · " + kernel_subtitle(c) + (c.arch.empty() ? "" : " · " + c.arch)));
  }
  body += "</dl>\n";

  if (!whys.empty()) {
    std::string rows;
    for (std::size_t w = 0; w < whys.size(); ++w) {
      std::vector<std::string> who;
      for (std::size_t k : whys[w].kernels) who.push_back(html_escape(names[k]));
      const kconfig::Feature* f = m.features[whys[w].feature];
      rows += row_open(why_anchor(w), matrix::status_name(whys[w].cell->status), f->technology + " " + f->role);
      rows += fmt::format("<td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>\n", html_escape(f->id),
                          badge(word(whys[w].cell->status), whys[w].cell->status == Status::Disabled ? "warn" : "neutral"),
                          fmt::join(who, ", "), html_escape(whys[w].cell->reason));
    }
    body += section("Why not", whys.size(),
                    "<table class=\"sortable\"><thead><tr><th>feature</th><th>answer</th><th>kernels</th><th>why</th></tr>"
                    "</thead><tbody>\n" + rows + "</tbody></table>\n");
  }
  std::string warnings;
  for (std::size_t k = 0; k < m.kernels.size(); ++k)
    for (const std::string& w : m.kernels[k].warnings)
      warnings += fmt::format("<li><b>{}</b>: {}</li>\n", html_escape(names[k]), html_escape(w));
  if (!warnings.empty()) body += "<h2>Warnings</h2>\n<ul>\n" + warnings + "</ul>\n";
  std::vector<Card> cards = {{"kernels", m.kernels.size(), "neutral", ""},
                             {"features", m.features.size(), "neutral", ""},
                             {"supported", m.count(Status::Supported), "upstream", "supported"},
                             {"not enabled", m.count(Status::Disabled), "warn", "disabled"},
                             {"absent", m.count(Status::Absent), "neutral", "absent"}};
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
