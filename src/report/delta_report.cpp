#include "report/delta_report.h"

#include "report/escape.h"
#include "report/html.h"
#include "util/term.h"
#include "util/text.h"

#include <fmt/format.h>

namespace beaver::report {

namespace {

std::string headline(const DeltaView& d) {
  const match::Similarity& s = d.similarity;
  std::string a = short_id(d.a), b = short_id(d.b);
  return fmt::format("similarity {:.2f} ({} changed lines in common; {:.0f}% of {} in {}, {:.0f}% of {} in {})", s.dice,
                     s.common, s.in_first * 100, a, b, s.in_second * 100, b, a);
}

// The colour (SGR) and CSS class of an interdiff line.
std::pair<const char*, const char*> style_of(std::string_view line) {
  if (line.starts_with("+++") || line.starts_with("---")) return {"1", "dh"};
  if (line.starts_with("+")) return {"32", "da"};
  if (line.starts_with("-")) return {"31", "dd"};
  if (line.starts_with("@@")) return {"36", "dm"};
  return {"", ""};
}

constexpr const char* kSame = "The patches are the same (up to hunk positions).";

}  // namespace

nlohmann::json delta_json(const DeltaView& d) {
  const match::Similarity& s = d.similarity;
  return {{"a", d.a},
          {"b", d.b},
          {"same", d.interdiff.empty()},
          {"similarity", {{"dice", s.dice}, {"common", s.common}, {"in_a", s.in_first}, {"in_b", s.in_second}}},
          {"interdiff", d.interdiff}};
}

std::string delta_text(const DeltaView& d, bool color) {
  std::string out = paint(headline(d), "1", color) + "\n";
  if (d.interdiff.empty()) return out + kSame + "\n";
  for_each_line(d.interdiff, [&](std::string_view line) {
    auto [sgr, css] = style_of(line);
    (void)css;
    out += *sgr ? paint(safe_text(line), sgr, color) : safe_text(line);
    out += '\n';
  });
  return out;
}

std::string delta_markdown(const DeltaView& d) {
  std::string out = fmt::format("### delta {} {}\n\n{}\n\n", markdown_escape(short_id(d.a)),
                                markdown_escape(short_id(d.b)), markdown_escape(headline(d)));
  if (d.interdiff.empty()) return out + kSame + "\n";
  // A fence longer than any run of backticks in the text.
  std::size_t run = 0, longest = 0;
  for (char c : d.interdiff) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  return out + fence + "diff\n" + safe_text(d.interdiff) + (d.interdiff.ends_with('\n') ? "" : "\n") + fence + "\n";
}

std::string delta_html(const DeltaView& d) {
  std::string body = "<p>" + html_escape(headline(d)) + "</p>\n";
  if (d.interdiff.empty()) {
    body += std::string("<p>") + kSame + "</p>\n";
  } else {
    body += "<pre class=\"mono interdiff\">";
    for_each_line(d.interdiff, [&](std::string_view line) {
      auto [sgr, css] = style_of(line);
      (void)sgr;
      if (*css) body += fmt::format("<span class=\"{}\">{}</span>\n", css, html_escape(line));
      else body += html_escape(line) + "\n";
    });
    body += "</pre>\n";
  }
  return html_page(fmt::format("beaver delta {} {}", short_id(d.a), short_id(d.b)),
                   fmt::format("{} vs {}", d.a_rev, d.b_rev), {}, body);
}

}  // namespace beaver::report
