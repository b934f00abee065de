#include "cli/output.h"

#include <fmt/format.h>

namespace beaver::cli {

void add_repo_option(CLI::App* cmd, std::string& repo) {
  cmd->add_option("--repo", repo, "Repository (work tree, .git or bare)")->capture_default_str();
}

void add_index_option(CLI::App* cmd, std::string& index) {
  cmd->add_option("--index", index, "Index file (default: $GIT_DIR/beaver/index.sqlite)");
}

void add_format_option(CLI::App* cmd, std::string& format, const std::vector<std::string>& allowed) {
  std::string list;
  for (auto& a : allowed) list += (list.empty() ? "" : "|") + a;
  cmd->add_option("--format", format, "Output format: " + list)->capture_default_str()->check(CLI::IsMember(allowed));
}

void print_json(const nlohmann::json& j) {
  fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string safe_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) out += (c < 0x20 || c == 0x7f) ? '?' : char(c);
  return out;
}

std::string markdown_escape(std::string_view s) {
  std::string out;
  for (char c : safe_text(s)) {
    if (c == '|' || c == '*' || c == '_' || c == '`' || c == '<' || c == '>' || c == '[' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace beaver::cli
