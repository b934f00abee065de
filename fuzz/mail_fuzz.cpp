// libFuzzer target for beaver::mail: parse_message(), extract_diff() and
// git_style_diff() on arbitrary bytes must not crash or throw, and must
// keep the invariants documented in mail.h.
#include "mail/mail.h"

#include "message/message.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace beaver::mail;

void check(bool ok) {
  if (!ok) std::abort();
}

bool lower_hex40(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool iso_date(std::string_view d) {  // "YYYY-MM-DDTHH:MM:SSZ"
  if (d.size() != 20) return false;
  for (std::size_t i = 0; i < d.size(); ++i) {
    char c = d[i];
    switch (i) {
      case 4: case 7: if (c != '-') return false; break;
      case 10: if (c != 'T') return false; break;
      case 13: case 16: if (c != ':') return false; break;
      case 19: if (c != 'Z') return false; break;
      default: if (c < '0' || c > '9') return false;
    }
  }
  return true;
}

void check_diff(std::string_view text) {
  ExtractedDiff d = extract_diff_detail(text);
  check(d.text == extract_diff(text));
  // Lines end with '\n', and no CR is left before one.
  check(d.text.empty() || d.text.back() == '\n');
  check(d.text.find("\r\n") == std::string::npos);
  // Each output line is an input line, or " " for an empty one: at most one
  // byte more per line, and one for a missing final newline.
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  check(d.text.size() <= text.size() + lines + 2);
  // Extracting again changes nothing.
  ExtractedDiff again = extract_diff_detail(d.text);
  check(again.text == d.text);
  check(again.truncated == d.truncated);
  if (!d.text.empty()) {
    std::string git = git_style_diff(d.text);
    check(git.empty() || git.back() == '\n');
    // A git diff stays what it was.
    if (d.text.rfind("diff --git ", 0) == 0 && d.text.find("\n--- ") == std::string::npos &&
        d.text.find("\nIndex: ") == std::string::npos && d.text.find("\ndiff ") == std::string::npos)
      check(git == d.text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  check_diff(raw);

  std::vector<Problem> problems;
  std::optional<Mail> mail = parse_message(raw, "fuzz@0", problems);
  for (const Problem& p : problems) {
    check(p.where == "fuzz@0");
    check(!p.what.empty());
  }
  if (!mail) {
    check(!problems.empty());  // never a silent skip
    return 0;
  }
  check(mail->source == "fuzz@0");
  check(mail->subject.find('\n') == std::string::npos && mail->subject.find('\r') == std::string::npos);
  check(mail->norm_subject == beaver::message::normalize_subject(mail->subject));
  check(mail->message_id.find('\n') == std::string::npos);
  check(mail->message_id.empty() || (mail->message_id.front() != '<' || mail->message_id.back() != '>'));
  bool no_id_problem = false;
  for (const Problem& p : problems) no_id_problem |= p.what == "no Message-ID";
  check(mail->message_id.empty() == no_id_problem);
  check(mail->date.empty() || iso_date(mail->date));
  if (mail->date.empty()) check(mail->time == 0 || mail->time < -62135596800 || mail->time > 253402300799);
  check(mail->version >= 0 && mail->index >= 0 && mail->total >= 0);
  if (!mail->has_diff) {
    check(mail->fingerprint.patch_id.empty());
    check(mail->fingerprint.files.empty());
  }
  check(mail->fingerprint.patch_id.empty() || lower_hex40(mail->fingerprint.patch_id));
  return 0;
}
