// The report faces without disk: Markdown that fits a merge-request comment,
// the HTML page's filter and anchor markup, the matrix's column names.
#include "matrix/matrix.h"
#include "report/common.h"
#include "report/html.h"
#include "report/matrix_report.h"

#include <gtest/gtest.h>

#include <string>

namespace beaver::report {
namespace {

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

MarkdownTable table(const std::string& title, std::size_t rows, bool folded) {
  MarkdownTable t{title, "| a | b |\n|---|---|\n", {}, folded};
  for (std::size_t i = 0; i < rows; ++i) t.rows.push_back("| " + title + " row " + std::to_string(i) + " | " + std::string(40, 'x') + " |\n");
  return t;
}

TEST(FitMarkdown, KeepsEverythingThatFits) {
  std::string out = fit_markdown("head\n\n", {table("open", 3, false), table("folded", 2, true)});
  EXPECT_EQ(count(out, " row "), 5u);
  EXPECT_NE(out.find("#### open"), std::string::npos);
  EXPECT_NE(out.find("<details><summary>folded</summary>"), std::string::npos);
  EXPECT_EQ(out.find("left out"), std::string::npos);
  // An empty table is not shown at all.
  out = fit_markdown("head\n\n", {table("open", 0, false), table("folded", 1, true)});
  EXPECT_EQ(out.find("#### open"), std::string::npos);
}

TEST(FitMarkdown, CutsFromTheLastTableAndSaysHowMany) {
  // 3,000 rows of ~70 characters: three times GitHub's limit.
  std::string out = fit_markdown("head\n\n", {table("open", 500, false), table("folded", 2500, true)}, "tail\n");
  EXPECT_LE(out.size(), kMarkdownLimit);
  EXPECT_GT(out.size(), kMarkdownLimit - 200);  // as much as fits
  EXPECT_EQ(count(out, "| open row "), 500u) << "the rows people must read are kept first";
  std::size_t kept = count(out, "| folded row ");
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, 2500u);
  EXPECT_NE(out.find("_… " + std::to_string(2500 - kept) + " more rows left out"), std::string::npos);
  EXPECT_TRUE(out.ends_with("tail\n"));
  EXPECT_NE(out.find("</details>"), std::string::npos) << "the cut table is still closed";

  // Even the open table is cut when it alone is too long, and what follows keeps its note.
  out = fit_markdown("head\n\n", {table("open", 3000, false), table("folded", 10, true)});
  EXPECT_LE(out.size(), kMarkdownLimit);
  EXPECT_EQ(count(out, "| folded row "), 0u);
  EXPECT_NE(out.find("_… 10 more rows left out"), std::string::npos);
  // A tiny limit still gives the head and the notes, never more than asked when it can.
  out = fit_markdown("h\n", {table("open", 50, false)}, "", 400);
  EXPECT_LE(out.size(), 400u);
  EXPECT_NE(out.find("more rows left out to fit a 400-character comment"), std::string::npos);
}

TEST(HtmlPage, CardsFilterRowsHaveAnchorsAndTheScriptIsInline) {
  std::string body = "<table class=\"sortable\"><tbody>" + row_open("c-0123456789ab", "unposted false-claim", "A <Author>") +
                     "<td>" + anchor_link("c-0123456789ab", "1") + "</td></tr></tbody></table>";
  std::string page = html_page("t", "s", {{"all", 1, "neutral", ""}, {"unposted", 1, "unposted", "unposted"}}, body);
  EXPECT_NE(page.find("<div class=\"card neutral\">"), std::string::npos) << "a card without a filter is not a link";
  EXPECT_NE(page.find("<a class=\"card unposted\" href=\"#status=unposted\" data-filter=\"unposted\""), std::string::npos);
  EXPECT_NE(page.find("<tr id=\"c-0123456789ab\" data-status=\"unposted false-claim\" data-search=\"A &lt;Author&gt;\">"),
            std::string::npos);
  EXPECT_NE(page.find("<a class=\"anchor\" href=\"#c-0123456789ab\""), std::string::npos);
  // One inline script, nothing fetched.
  EXPECT_EQ(count(page, "<script>"), 1u);
  EXPECT_EQ(count(page, "</script>"), 1u);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_NE(page.find("prefers-color-scheme: dark"), std::string::npos);
  EXPECT_NE(page.find("@media print"), std::string::npos);
  EXPECT_EQ(anchor_id("f-", "snp guest/x\"<"), "f-snp_guest_x__");
  EXPECT_NE(section("Merged upstream", 3, "<table></table>", true).find("<details class=\"section rows\"><summary>Merged upstream (3)"),
            std::string::npos);
}

TEST(MatrixHtml, ShortColumnNamesAndEveryReasonVisible) {
  matrix::Matrix m;
  m.features = matrix::select_features({}, "");
  ASSERT_FALSE(m.features.empty());
  auto column = [&](std::string name, std::string spec, std::string kind, std::string version, matrix::Status st) {
    matrix::Column c{name, spec, kind, version, "x86", "", {}, {}};
    for (std::size_t i = 0; i < m.features.size(); ++i) c.cells.push_back({st, {"X"}, "because of <X>", "config"});
    return c;
  };
  m.kernels.push_back(column("linux-config-6.12:cloud-amd64", "debian:6.12:cloud-amd64", "config", "6.12.38", matrix::Status::Absent));
  m.kernels.push_back(column("config-6.1.0-27-cloud-amd64", "/boot/config-6.1.0-27-cloud-amd64", "config", "6.1.115",
                             matrix::Status::Disabled));
  m.kernels.push_back(column("config-6.1.0-27-amd64", "/boot/config-6.1.0-27-amd64", "config", "6.1.115", matrix::Status::Supported));
  m.kernels.push_back(column("v6.12", "v6.12", "git", "6.12.0", matrix::Status::Absent));
  std::string page = matrix_html(m);
  EXPECT_NE(page.find(">Debian 6.12 cloud<div"), std::string::npos);
  EXPECT_NE(page.find(">Debian 6.1 cloud<div"), std::string::npos);
  EXPECT_NE(page.find(">Debian 6.1<div"), std::string::npos);
  EXPECT_NE(page.find(">v6.12<div"), std::string::npos);
  // The full names are in the legend; every reason is on the page, not only in tooltips.
  EXPECT_NE(page.find("<dt>Debian 6.12 cloud</dt><dd>linux-config-6.12:cloud-amd64"), std::string::npos);
  EXPECT_NE(page.find("<td>because of &lt;X&gt;</td>"), std::string::npos);
  // Kernels with the same answer share one reason row; each cell that is not yes links to it.
  EXPECT_EQ(count(page, "<tr id=\"why-"), 2 * m.features.size());
  EXPECT_EQ(count(page, "<a href=\"#why-"), 3 * m.features.size());

  // Names that would collide keep their full form.
  m.kernels.clear();
  m.kernels.push_back(column("linux-config-6.12:cloud-amd64", "a", "config", "6.12.38", matrix::Status::Absent));
  m.kernels.push_back(column("config-6.12.40-cloud-amd64", "b", "config", "6.12.40", matrix::Status::Absent));
  page = matrix_html(m);
  EXPECT_NE(page.find(">linux-config-6.12:cloud-amd64<div"), std::string::npos);
  EXPECT_NE(page.find(">config-6.12.40-cloud-amd64<div"), std::string::npos);
}

}  // namespace
}  // namespace beaver::report
