// libFuzzer target for beaver::message: parse(), normalize_subject(),
// subject_key() and is_revert_subject() on arbitrary bytes must not crash,
// must stay fast, and must keep the invariants documented in message.h.
#include "message/message.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace beaver::message;

void check(bool ok) {
  if (!ok) std::abort();
}

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_commit_id(std::string_view s) { return s.size() >= 7 && s.size() <= 40 && lower_hex(s); }

bool collapsed(std::string_view s) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.back() == ' ') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return false;
    if (c == ' ' && i + 1 < s.size() && s[i + 1] == ' ') return false;
  }
  return true;
}

void check_subject_functions(std::string_view subject) {
  std::string n = normalize_subject(subject);
  check(collapsed(n));
  check(n.size() <= subject.size());
  check(normalize_subject(n) == n);  // idempotent
  std::string k = subject_key(subject);
  check(subject_key(k) == k);
  check(k.size() <= n.size());
  (void)is_revert_subject(subject);
  check(is_revert_subject(n) == is_revert_subject(subject));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  Message m = parse(raw);

  const int lines = count_lines(raw);
  check(m.line_count == lines);
  auto in_range = [&](int line) { return line >= 1 && line <= lines; };

  // Subject: one line, never longer than the input; body: a suffix of it.
  check(m.subject.find('\n') == std::string::npos);
  check(m.subject.size() <= raw.size());
  check(m.body.size() <= raw.size());
  check(raw.substr(raw.size() - m.body.size()) == m.body);

  for (const Trailer& t : m.trailers) {
    check(in_range(t.line));
    check(!t.key.empty());
    check(t.value.find('\n') == std::string::npos);
  }
  int last_line = 0;
  for (const FixesRef& f : m.fixes) {
    check(in_range(f.line));
    check(f.line > last_line);  // one per line, in order
    last_line = f.line;
    check(f.commit.empty() || is_commit_id(f.commit));
    check(f.well_formed == f.problem.empty());
    if (f.well_formed) check(f.commit.size() >= 12 && !f.subject.empty());
    if (f.commit.empty()) check(!f.problem.empty());
  }
  last_line = 0;
  for (const CommitRef& r : m.refs) {
    check(in_range(r.line));
    check(r.line > last_line);
    last_line = r.line;
    check(is_commit_id(r.commit));
    check(to_string(r.kind) != "unknown");
  }
  for (const StableHint& h : m.stable) {
    check(in_range(h.line));
    check(h.address == "stable@vger.kernel.org" || h.address == "stable@kernel.org");
  }
  for (const std::string& p : m.prefixes) check(!p.empty());
  if (m.tag) {
    check(m.tag->version >= 0 && m.tag->index >= 0 && m.tag->total >= 0);
    check(m.tag->raw.size() >= 2 && m.tag->raw.front() == '[' && m.tag->raw.back() == ']');
  }
  check(m.normalized_subject == normalize_subject(m.subject));

  check_subject_functions(m.subject);
  // Raw bytes as a subject too (newlines, NULs and all), bounded to keep runs fast.
  check_subject_functions(raw.substr(0, 4096));
  return 0;
}
