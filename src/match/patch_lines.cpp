#include "match/patch_lines.h"

#include "git/diff.h"
#include "git/pack_backend.h"
#include "util/error.h"
#include "util/process.h"
#include "git/patch_id.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "util/text.h"
#include "util/trace.h"

namespace beaver::match {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// A line that alone says nothing about a change: short and without a word.
bool trivial(std::string_view stripped) {
  if (stripped.size() > 3) return false;
  for (char c : stripped)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') return false;
  return true;
}

}  // namespace

LineSet line_set(std::string_view text, bool inverted) {
  LineSet set;
  std::vector<std::uint64_t> weak;
  bool in_hunk = false;
  int remaining_old = 0, remaining_new = 0;
  std::string stripped;
  for_each_line(text, [&](std::string_view line) {
    if (in_hunk && (remaining_old > 0 || remaining_new > 0)) {
      char sign = line.empty() ? ' ' : line[0];
      if (sign == '\\') return;
      if (sign == '-') --remaining_old;
      else if (sign == '+') --remaining_new;
      else {
        --remaining_old;
        --remaining_new;
        sign = ' ';
      }
      stripped.assign(1, inverted && sign == '-' ? '+' : inverted && sign == '+' ? '-' : sign);
      for (char c : line.empty() ? std::string_view() : line.substr(1))
        if (!is_space(c)) stripped += c;
      bool is_trivial = trivial(std::string_view(stripped).substr(1));
      if (sign == ' ') {
        if (!is_trivial) set.context.push_back(git::hash64(stripped));
        return;
      }
      std::uint64_t h = git::hash64(stripped);
      (is_trivial ? weak : set.lines).push_back(h);
      return;
    }
    in_hunk = false;
    if (line.starts_with("diff ")) {
      ++set.files;
    } else if (line.starts_with("@@ -")) {
      // @@ -a[,b] +c[,d] @@
      auto count = [](std::string_view s, std::size_t at) {
        std::size_t comma = s.find_first_of(", ", at);
        if (comma == std::string_view::npos || s[comma] == ' ') return 1;
        int n = 0;
        for (std::size_t k = comma + 1; k < s.size() && s[k] >= '0' && s[k] <= '9'; ++k) n = n * 10 + (s[k] - '0');
        return n;
      };
      std::size_t plus = line.find(" +", 4);
      if (plus == std::string_view::npos) return;
      remaining_old = count(line, 4);
      remaining_new = count(line, plus + 2);
      in_hunk = true;
    }
  });
  if (set.lines.empty()) set.lines = std::move(weak);
  std::sort(set.lines.begin(), set.lines.end());
  std::sort(set.context.begin(), set.context.end());
  for (std::size_t k = 0; k < set.lines.size(); ++k) set.distinct += k == 0 || set.lines[k] != set.lines[k - 1];
  return set;
}

namespace {

// Size of the multiset intersection of two sorted vectors, and how many distinct values it has.
std::pair<std::size_t, std::size_t> intersect(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::size_t common = 0, distinct = 0, i = 0, j = 0;
  bool have_last = false;
  std::uint64_t last = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else {
      ++common;
      if (!have_last || a[i] != last) ++distinct;
      have_last = true;
      last = a[i];
      ++i;
      ++j;
    }
  }
  return {common, distinct};
}

}  // namespace

Similarity compare(const LineSet& a, const LineSet& b) {
  Similarity s;
  std::tie(s.common, s.common_distinct) = intersect(a.lines, b.lines);
  std::size_t ctx = intersect(a.context, b.context).first;
  if (!a.context.empty() || !b.context.empty())
    s.context = 2.0 * double(ctx) / double(a.context.size() + b.context.size());
  double na = double(a.lines.size()), nb = double(b.lines.size());
  if (na + nb > 0) s.dice = 2.0 * double(s.common) / (na + nb);
  if (na > 0) s.in_first = double(s.common) / na;
  if (nb > 0) s.in_second = double(s.common) / nb;
  return s;
}

DiffCache::DiffCache(const git::Repository& repo, bool keep_text) : repo_(repo), keep_text_(keep_text) {
  git_repository* raw = nullptr;
  try {
    raw = repo.open_handle();
  } catch (const beaver::Error&) {  // libgit2's own handle still serves
  }
  if (raw) {
    handle_.reset(raw);
    git::PackBackendOptions po;
    po.delta_cache_bytes = std::size_t(64) << 20;
    git::install_pack_backend(raw, po);  // on failure libgit2's own backends still serve
  }
}

DiffCache::~DiffCache() = default;

DiffCache::Entry& DiffCache::entry(const git::Oid& commit) {
  auto it = texts_.find(commit);
  if (it != texts_.end() && !it->second.text_dropped) return it->second;
  std::unique_ptr<LineSet> kept;
  if (it != texts_.end()) {
    kept = std::move(it->second.lines);
    texts_.erase(it);
  }
  Entry e;
  auto t0 = std::chrono::steady_clock::now();
  if (!git_) git_ = std::make_unique<git::ExactRenderer>(repo_);
  git::DiffRender r = git_->render(handle_ ? handle_.get() : repo_.get(), commit);
  e.text = std::move(r.text);
  e.error = std::move(r.error);
  if (tracing()) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (secs > 0.02)
      fmt::print(stderr, "beaver: trace: diff of {} took {:.3f}s ({} bytes{})\n", commit.hex().substr(0, 12), secs,
                 e.text.size(), r.needs_git ? ", by git" : "");
  }
  e.lines = std::move(kept);
  return texts_.emplace(commit, std::move(e)).first->second;
}

const std::string& DiffCache::text(const git::Oid& commit, std::string* error) {
  Entry& e = entry(commit);
  if (error) *error = e.error;
  return e.text;
}

LineSet DiffCache::lines_in(const git::Oid& commit, const std::vector<std::string>& paths) {
  std::vector<std::string> argv = repo_.git_command();
  argv.insert(argv.end(), {"diff-tree", "-p", "-M", "--root", "--no-color", "--no-ext-diff", "--no-textconv",
                           "--no-relative", "--src-prefix=a/", "--dst-prefix=b/", commit.hex(), "--"});
  for (auto& p : paths) argv.push_back(":(literal)" + p);
  ProcessResult r = run_process(argv);
  if (r.exit_code != 0) return lines(commit);  // let the full rendering report what is wrong
  return line_set(r.out);
}

const LineSet& DiffCache::lines(const git::Oid& commit) {
  auto it = texts_.find(commit);
  if (it != texts_.end() && it->second.lines) return *it->second.lines;
  Entry& e = entry(commit);
  if (!e.lines) e.lines = std::make_unique<LineSet>(line_set(e.text));
  if (!keep_text_) {
    std::string().swap(e.text);
    e.text_dropped = true;
  }
  return *e.lines;
}

}  // namespace beaver::match
