#include "cli/output.h"

#include "util/term.h"

#include "util/error.h"
#include "util/file.h"
#include "util/markup.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace beaver::cli {

std::string json_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void write_output(const std::string& path, std::string_view text) {
  if (path.empty() || path == "-") {
    start_pager();
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (std::fflush(stdout) != 0) throw Error("standard output: cannot write: {}", std::strerror(errno));
    return;
  }
  write_file(path, text);
}

void write_report(const std::string& format, const std::string& path, const ReportFaces& faces) {
  std::string text;
  if (format == "json") text = json_text(faces.json());
  else if (format == "markdown") text = faces.markdown();
  else if (format == "html") text = faces.html();
  // The text face quotes subjects, paths, versions and package names read
  // from input: every one of them goes through the terminal sanitiser.
  else {
    bool color = (path.empty() || path == "-") && use_color(stdout);
    text = terminal_text(faces.text(color), true, true);
    if (faces.legend && verbosity() >= 0) text += "\n" + paint(faces.legend(), "2", color);
  }
  write_output(path, text);
}

}  // namespace beaver::cli
