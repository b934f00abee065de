#include "git/diff.h"

#include "util/error.h"
#include "util/process.h"
#include "util/quote.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <unordered_set>

namespace beaver::git {

namespace {

// Where rendered lines go: the text, or straight into a PatchParser (which
// saves building the text only to split it again).
class LineSink {
public:
  LineSink(std::string* text, PatchParser* parser) : text_(text), parser_(parser) {}
  void line(std::string_view l) {  // l ends with '\n'
    if (parser_) parser_->line(l);
    else text_->append(l);
  }
  std::string scratch;

private:
  std::string* text_;
  PatchParser* parser_;
};

void append_mode(LineSink& out, const char* what, std::uint32_t mode) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%s %06o\n", what, mode);
  out.line(std::string_view(buf, std::size_t(n)));
}

struct Emit {
  LineSink* out;
  std::string old_name, new_name;
  bool headed;
};

int on_hunk(const git_diff_delta*, const git_diff_hunk* hunk, void* payload) {
  auto* e = static_cast<Emit*>(payload);
  LineSink& out = *e->out;
  if (!e->headed) {
    out.line("--- " + e->old_name + "\n");
    out.line("+++ " + e->new_name + "\n");
    e->headed = true;
  }
  char buf[96];
  int n = std::snprintf(buf, sizeof buf, "@@ -%d,%d +%d,%d @@\n", hunk->old_start, hunk->old_lines, hunk->new_start,
                        hunk->new_lines);
  out.line(std::string_view(buf, std::size_t(n)));
  return 0;
}

int on_line(const git_diff_delta*, const git_diff_hunk*, const git_diff_line* line, void* payload) {
  LineSink& out = *static_cast<Emit*>(payload)->out;
  switch (line->origin) {
    case GIT_DIFF_LINE_CONTEXT:
    case GIT_DIFF_LINE_ADDITION:
    case GIT_DIFF_LINE_DELETION: {
      std::string& l = out.scratch;
      l.assign(1, line->origin);
      l.append(line->content, line->content_len);
      if (line->content_len == 0 || line->content[line->content_len - 1] != '\n') l.push_back('\n');
      out.line(l);
      break;
    }
    case GIT_DIFF_LINE_CONTEXT_EOFNL:
    case GIT_DIFF_LINE_ADD_EOFNL:
    case GIT_DIFF_LINE_DEL_EOFNL:
      out.line("\\ No newline at end of file\n");
      break;
    default:
      break;
  }
  return 0;
}

}  // namespace

namespace {

struct Delta {
  std::string old_path, new_path;
  std::uint32_t old_mode = 0, new_mode = 0;
  git_oid old_id{}, new_id{};
  git_delta_t status = GIT_DELTA_MODIFIED;
};

bool is_tree(std::uint32_t mode) { return (mode & 0170000) == 0040000; }
int kind(std::uint32_t mode) { return int(mode & 0170000); }

// git's base_name_compare(): a tree sorts as if its name ended in '/'.
int entry_compare(const git_tree_entry* a, const git_tree_entry* b) {
  const char* na = git_tree_entry_name(a);
  const char* nb = git_tree_entry_name(b);
  std::size_t la = std::strlen(na), lb = std::strlen(nb);
  std::size_t len = std::min(la, lb);
  int cmp = std::memcmp(na, nb, len);
  if (cmp) return cmp;
  unsigned char c1 = la > len ? static_cast<unsigned char>(na[len]) : (is_tree(git_tree_entry_filemode(a)) ? '/' : 0);
  unsigned char c2 = lb > len ? static_cast<unsigned char>(nb[len]) : (is_tree(git_tree_entry_filemode(b)) ? '/' : 0);
  return c1 < c2 ? -1 : c1 > c2 ? 1 : 0;
}

// Like git's tree-diff: walks two trees in git's entry order and descends
// only into subtrees whose ids differ, so a commit costs what it changed,
// not the size of the tree.
class TreeDiff {
public:
  TreeDiff(git_repository* repo, std::vector<Delta>& out) : repo_(repo), out_(out) {}
  bool run(const git_tree* a, const git_tree* b, const std::string& prefix);
  std::string error;
  bool typechange = false;

private:
  void one_side(const git_tree_entry* e, const std::string& prefix, bool added);
  git_repository* repo_;
  std::vector<Delta>& out_;
};

bool TreeDiff::run(const git_tree* a, const git_tree* b, const std::string& prefix) {
  std::size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
  std::size_t i = 0, j = 0;
  while ((i < na || j < nb) && error.empty()) {
    const git_tree_entry* ea = i < na ? git_tree_entry_byindex(a, i) : nullptr;
    const git_tree_entry* eb = j < nb ? git_tree_entry_byindex(b, j) : nullptr;
    int cmp = !ea ? 1 : !eb ? -1 : entry_compare(ea, eb);
    if (cmp < 0) {
      one_side(ea, prefix, false);
      ++i;
      continue;
    }
    if (cmp > 0) {
      one_side(eb, prefix, true);
      ++j;
      continue;
    }
    ++i;
    ++j;
    std::uint32_t ma = git_tree_entry_filemode(ea), mb = git_tree_entry_filemode(eb);
    if (git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) && ma == mb) continue;
    std::string path = prefix + git_tree_entry_name(ea);
    if (is_tree(ma) && is_tree(mb)) {
      git_tree *ta = nullptr, *tb = nullptr;
      if (git_tree_lookup(&ta, repo_, git_tree_entry_id(ea)) != 0 ||
          git_tree_lookup(&tb, repo_, git_tree_entry_id(eb)) != 0) {
        error = fmt::format("tree {}: {}", path, last_error());
        git_tree_free(ta);
        return false;
      }
      TreePtr pa(ta), pb(tb);
      run(ta, tb, path + "/");
      continue;
    }
    if (kind(ma) != kind(mb)) typechange = true;
    Delta d;
    d.old_path = d.new_path = path;
    d.old_mode = ma;
    d.new_mode = mb;
    git_oid_cpy(&d.old_id, git_tree_entry_id(ea));
    git_oid_cpy(&d.new_id, git_tree_entry_id(eb));
    d.status = GIT_DELTA_MODIFIED;
    out_.push_back(std::move(d));
  }
  return error.empty();
}

void TreeDiff::one_side(const git_tree_entry* e, const std::string& prefix, bool added) {
  std::string path = prefix + git_tree_entry_name(e);
  std::uint32_t mode = git_tree_entry_filemode(e);
  if (is_tree(mode)) {
    git_tree* t = nullptr;
    if (git_tree_lookup(&t, repo_, git_tree_entry_id(e)) != 0) {
      error = fmt::format("tree {}: {}", path, last_error());
      return;
    }
    TreePtr p(t);
    if (added) run(nullptr, t, path + "/");
    else run(t, nullptr, path + "/");
    return;
  }
  Delta d;
  d.old_path = d.new_path = path;
  if (added) {
    d.new_mode = mode;
    git_oid_cpy(&d.new_id, git_tree_entry_id(e));
    d.status = GIT_DELTA_ADDED;
  } else {
    d.old_mode = mode;
    git_oid_cpy(&d.old_id, git_tree_entry_id(e));
    d.status = GIT_DELTA_DELETED;
  }
  out_.push_back(std::move(d));
}

// Could git's rename detection (-M, 50%) pair a deleted file with an added
// one? If not, git prints the commit exactly as libgit2 renders it. Like
// git's diffcore-rename: an exact rename is a deleted and an added entry
// with the same blob; an inexact one needs two regular files whose sizes
// differ by at most half of the larger (estimate_similarity() skips the
// rest without reading them). Undecidable cases say yes: git decides.
bool may_have_renames(git_repository* repo, const std::vector<Delta>& deltas) {
  std::vector<const Delta*> gone, born;
  for (auto& d : deltas) {
    if (d.status == GIT_DELTA_DELETED) gone.push_back(&d);
    else if (d.status == GIT_DELTA_ADDED) born.push_back(&d);
  }
  if (gone.empty() || born.empty()) return false;
  if (gone.size() * born.size() > 1000000) return true;
  for (auto* g : gone)
    for (auto* b : born)
      if (git_oid_equal(&g->old_id, &b->new_id)) return true;
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) != 0) return true;
  auto size_of = [&](const git_oid& id, std::size_t& out) {
    std::size_t len = 0;
    git_object_t type;
    if (git_odb_read_header(&len, &type, odb, &id) != 0) return false;
    out = len;
    return true;
  };
  auto regular = [](std::uint32_t mode) { return kind(mode) == 0100000; };
  std::vector<std::size_t> gone_size, born_size;
  bool ok = true;
  for (auto* g : gone) {
    std::size_t n = 0;
    if (regular(g->old_mode) && !(ok = size_of(g->old_id, n))) break;
    gone_size.push_back(n);
  }
  for (std::size_t i = 0; ok && i < born.size(); ++i) {
    std::size_t n = 0;
    if (regular(born[i]->new_mode) && !(ok = size_of(born[i]->new_id, n))) break;
    born_size.push_back(n);
  }
  git_odb_free(odb);
  if (!ok) return true;
  for (std::size_t i = 0; i < gone.size(); ++i) {
    if (!regular(gone[i]->old_mode)) continue;
    for (std::size_t j = 0; j < born.size(); ++j) {
      if (!regular(born[j]->new_mode)) continue;
      std::size_t a = gone_size[i], b = born_size[j];
      std::size_t max = std::max(a, b), delta = max - std::min(a, b);
      // git: skip when max_size * (MAX_SCORE - minimum_score) < delta_size * MAX_SCORE
      if (!(max * 30000 < delta * 60000)) return true;
    }
  }
  return false;
}

// The content git diffs for one side of a file: the blob, or for a
// submodule (gitlink) the line "Subproject commit <id>".
struct Side {
  std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>> blob;
  std::string text;
  bool present = false;
  const char* data() const { return blob ? static_cast<const char*>(git_blob_rawcontent(blob.get())) : text.data(); }
  std::size_t size() const { return blob ? std::size_t(git_blob_rawsize(blob.get())) : text.size(); }
};

bool load_side(git_repository* repo, std::uint32_t mode, const git_oid& id, const std::string& path, Side& side,
               std::string& error) {
  if (mode == 0) return true;
  side.present = true;
  if (kind(mode) == 0160000) {
    side.text = "Subproject commit " + Oid(id).hex() + "\n";
    return true;
  }
  git_blob* b = nullptr;
  if (git_blob_lookup(&b, repo, &id) != 0) {
    error = fmt::format("{} (blob {}): {}", path, Oid(id).hex(), last_error());
    return false;
  }
  side.blob.reset(b);
  return true;
}

// git's buffer_is_binary(): a NUL byte in the first 8000 bytes.
bool is_binary(const Side& s) {
  std::size_t n = std::min<std::size_t>(s.size(), 8000);
  return s.present && std::memchr(s.data(), 0, n) != nullptr;
}

}  // namespace

DiffSettings diff_settings_for(git_repository* repo) {
  DiffSettings s;
  if (!git_repository_is_bare(repo)) return s;  // work-tree .gitattributes may be anywhere: always look
  // A bare repository: git reads $GIT_DIR/info/attributes, core.attributesFile
  // (default $XDG_CONFIG_HOME/git/attributes) and $(prefix)/etc/gitattributes.
  s.attr_flags = GIT_ATTR_CHECK_INDEX_ONLY | GIT_ATTR_CHECK_NO_SYSTEM;
  std::error_code ec;
  namespace fs = std::filesystem;
  std::vector<std::string> files = {std::string(git_repository_path(repo)) + "info/attributes", "/etc/gitattributes"};
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) files.push_back(std::string(xdg) + "/git/attributes");
  if (const char* home = std::getenv("HOME"); home && *home) files.push_back(std::string(home) + "/.config/git/attributes");
  git_config* cfg = nullptr;
  if (git_repository_config_snapshot(&cfg, repo) == 0) {
    git_buf buf = GIT_BUF_INIT;
    if (git_config_get_path(&buf, cfg, "core.attributesfile") == 0) files.emplace_back(buf.ptr);
    git_buf_dispose(&buf);
    git_config_free(cfg);
  }
  s.check_attributes = false;
  for (auto& f : files)
    if (fs::exists(f, ec)) s.check_attributes = true;
  if (s.check_attributes) s.attr_flags = GIT_ATTR_CHECK_INDEX_ONLY;
  return s;
}

namespace {
// git's verdict from the "diff" attribute.
enum class DiffAttr {
  automatic,  // unset, or a driver with only a funcname: look for NUL bytes
  text,       // `diff`: text even with NUL bytes
  binary,     // `-diff` / `binary`
  git,        // a driver with textconv, binary or command config: let git render it
};

DiffAttr diff_attribute(git_repository* repo, const DiffSettings& settings, const std::string& path) {
  if (!settings.check_attributes) return DiffAttr::automatic;
  const char* value = nullptr;
  if (git_attr_get(&value, repo, settings.attr_flags, path.c_str(), "diff") != 0) return DiffAttr::automatic;
  switch (git_attr_value(value)) {
    case GIT_ATTR_VALUE_TRUE: return DiffAttr::text;
    case GIT_ATTR_VALUE_FALSE: return DiffAttr::binary;
    case GIT_ATTR_VALUE_STRING: break;
    default: return DiffAttr::automatic;
  }
  // A named driver: builtin funcname drivers are harmless, but a configured
  // textconv or binary setting changes the text.
  git_config* cfg = nullptr;
  if (git_repository_config_snapshot(&cfg, repo) != 0) return DiffAttr::git;
  bool custom = false;
  for (const char* key : {"textconv", "binary", "command"}) {
    git_config_entry* e = nullptr;
    if (git_config_get_entry(&e, cfg, fmt::format("diff.{}.{}", value, key).c_str()) == 0) {
      custom = true;
      git_config_entry_free(e);
    }
  }
  git_config_free(cfg);
  return custom ? DiffAttr::git : DiffAttr::automatic;
}
}  // namespace

DiffRender render_diff(git_repository* repo, const Oid& id, const DiffSettings& settings, PatchParser* parser) {
  DiffRender r;
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &id.raw) != 0) {
    r.error = last_error();
    return r;
  }
  CommitPtr commit(raw);
  unsigned nparents = git_commit_parentcount(raw);
  if (nparents > 1) {
    r.merge = true;
    return r;
  }
  git_tree* tree_raw = nullptr;
  if (git_commit_tree(&tree_raw, raw) != 0) {
    r.error = "tree: " + last_error();
    return r;
  }
  TreePtr tree(tree_raw);
  TreePtr parent_tree;
  if (nparents == 1) {
    git_commit* p = nullptr;
    if (git_commit_parent(&p, raw, 0) != 0) {
      r.error = "parent: " + last_error();
      return r;
    }
    CommitPtr parent(p);
    git_tree* pt = nullptr;
    if (git_commit_tree(&pt, p) != 0) {
      r.error = "parent tree: " + last_error();
      return r;
    }
    parent_tree.reset(pt);
  }

  std::vector<Delta> deltas;
  TreeDiff td(repo, deltas);
  if (!td.run(parent_tree.get(), tree.get(), "")) {
    r.error = td.error;
    return r;
  }
  if (td.typechange || may_have_renames(repo, deltas)) {
    r.needs_git = true;
    return r;
  }

  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  opts.flags = GIT_DIFF_INDENT_HEURISTIC | GIT_DIFF_FORCE_TEXT;
  opts.context_lines = 3;
  opts.interhunk_lines = 0;
  LineSink out(&r.text, parser);
  // Rendering stops half-way when a later file turns out to need git.
  auto give_up = [&] {
    r.text.clear();
    if (parser) parser->reset();
  };
  for (auto& d : deltas) {
    Side a, b;
    if (!load_side(repo, d.old_mode, d.old_id, d.old_path, a, r.error) ||
        !load_side(repo, d.new_mode, d.new_id, d.new_path, b, r.error)) {
      give_up();
      return r;
    }
    DiffAttr attr = diff_attribute(repo, settings, d.new_path);
    if (attr == DiffAttr::git || attr == DiffAttr::binary ||
        (attr == DiffAttr::automatic && (is_binary(a) || is_binary(b)))) {
      r.needs_git = true;
      give_up();
      return r;
    }
    std::string qa = quote_path("a/", d.old_path);
    std::string qb = quote_path("b/", d.new_path);
    out.line("diff --git " + qa + " " + qb + "\n");
    if (d.status == GIT_DELTA_ADDED) append_mode(out, "new file mode", d.new_mode);
    else if (d.status == GIT_DELTA_DELETED) append_mode(out, "deleted file mode", d.old_mode);
    else if (d.old_mode != d.new_mode) {
      append_mode(out, "old mode", d.old_mode);
      append_mode(out, "new mode", d.new_mode);
    }
    // The "index" line is skipped by patch-id for text files; it is kept for readers.
    char ha[8], hb[8];
    git_oid_tostr(ha, sizeof ha, &d.old_id);
    git_oid_tostr(hb, sizeof hb, &d.new_id);
    out.line(std::string("index ") + ha + ".." + hb + "\n");
    bool same = a.size() == b.size() && (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size()) == 0);
    if (same) continue;  // a mode change only: no hunks
    // Lines are streamed into the text as xdiff emits them; the "---"/"+++"
    // lines only appear when there is a hunk, as in git.
    Emit emit{&out, d.status == GIT_DELTA_ADDED ? std::string("/dev/null") : qa,
              d.status == GIT_DELTA_DELETED ? std::string("/dev/null") : qb, false};
    int rc;
    if (a.text.empty() && b.text.empty()) {
      // From blob objects, whose ids are known: the buffer variant would
      // hash both contents again only to fill in ids nobody reads.
      // Empty paths: libgit2 would look up gitattributes again for each side
      // (stat()ing every attribute file each time); that was settled above.
      // NULL would not do: libgit2 then looks up a file named "file".
      rc = git_diff_blobs(a.blob.get(), "", b.blob.get(), "", &opts, nullptr, nullptr, on_hunk, on_line, &emit);
    } else {
      rc = git_diff_buffers(a.present ? a.data() : nullptr, a.present ? a.size() : 0, "",
                            b.present ? b.data() : nullptr, b.present ? b.size() : 0, "", &opts,
                            nullptr, nullptr, on_hunk, on_line, &emit);
    }
    if (rc != 0) {
      r.error = fmt::format("{}: {}", d.new_path, last_error());
      give_up();
      return r;
    }
  }
  return r;
}

namespace {
std::vector<std::string> diff_tree_command(const Repository& repo) {
  auto cmd = repo.git_command();
  cmd.insert(cmd.end(), {"diff-tree", "--stdin", "-p", "-M", "-l1000", "--root", "--no-color", "--no-ext-diff",
                         "--no-textconv", "--no-relative", "--src-prefix=a/", "--dst-prefix=b/"});
  return cmd;
}

// Splits diff-tree output into commits: each begins with its id on a line of
// its own; commits without any change print nothing and are reported empty.
class DiffTreeOutput {
public:
  DiffTreeOutput(const std::vector<Oid>& commits, std::size_t start, const std::function<void(BatchResult&&)>& sink)
      : commits_(commits), done(start), sink_(sink) {}
  void line(std::string_view line) {
    if (line.size() == 41 && line[40] == '\n') {
      if (auto oid = Oid::from_hex(line.substr(0, 40))) {
        emit();
        while (done < commits_.size() && !(commits_[done] == *oid)) sink_(BatchResult{commits_[done++], {}, {}});
        if (done < commits_.size()) ++done;
        current = BatchResult{*oid, {}, {}};
        return;
      }
    }
    if (current) current->text.append(line);
  }
  void emit() {
    if (current) sink_(std::move(*current));
    current.reset();
  }
  void finish() {
    emit();
    for (; done < commits_.size(); ++done) sink_(BatchResult{commits_[done], {}, {}});
  }
  const std::vector<Oid>& commits_;
  std::size_t done;  // index of the next commit whose output has not started
  std::optional<BatchResult> current;

private:
  const std::function<void(BatchResult&&)>& sink_;
};
}  // namespace

DiffTreeSession::DiffTreeSession(const Repository& repo) : repo_(repo) {}
DiffTreeSession::~DiffTreeSession() = default;

void DiffTreeSession::run(const std::vector<Oid>& commits, const std::function<void(BatchResult&&)>& on_commit) {
  if (commits.empty()) return;
  if (!child_.running()) child_.start(diff_tree_command(repo_));
  // A line that is not an object id is echoed back and flushed by git: it
  // marks the end of this request's output.
  std::string marker = fmt::format("beaver-end-of-batch-{}", ++requests_);
  std::string input;
  input.reserve(commits.size() * 41 + marker.size() + 1);
  for (auto& c : commits) input += c.hex() + '\n';
  input += marker + '\n';
  DiffTreeOutput out(commits, 0, on_commit);
  if (child_.exchange(input, marker, [&](std::string_view line) { out.line(line); })) {
    out.finish();
    // git keeps every object it parsed: start a fresh one before it grows large.
    if (child_.resident_bytes() > (std::size_t(192) << 20)) child_.finish();
    return;
  }
  // git stopped (a missing object is fatal to it): the one-shot path finds
  // the commit it failed on and reports it; the rest is diffed again.
  child_.finish();
  std::size_t resume = out.current ? out.done - 1 : out.done;
  out.current.reset();
  std::vector<Oid> rest(commits.begin() + std::ptrdiff_t(resume), commits.end());
  git_diff_tree_batch(repo_, rest, on_commit);
}

void git_diff_tree_batch(const Repository& repo, const std::vector<Oid>& commits,
                         const std::function<void(BatchResult&&)>& on_commit) {
  std::size_t start = 0;
  while (start < commits.size()) {
    std::string input;
    input.reserve((commits.size() - start) * 41);
    for (std::size_t i = start; i < commits.size(); ++i) input += commits[i].hex() + '\n';
    ProcessOptions po;
    po.input = input;
    DiffTreeOutput out(commits, start, on_commit);
    LineSplitter lines;
    auto on_line = [&](std::string_view line) { out.line(line); };
    ProcessResult pr =
        run_process(diff_tree_command(repo), po, [&](std::string_view chunk) { lines.feed(chunk, on_line); });
    lines.flush(on_line);
    if (pr.exit_code == 0) {
      out.finish();
      return;
    }
    std::size_t done = out.done;
    std::optional<BatchResult> current = std::move(out.current);
    // git stopped on a commit it could not read. That is `current` when its
    // output had started, else the next one; a commit's header is printed
    // lazily, so `current` may also be complete. Each is retried alone.
    std::string msg = pr.err;
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (msg.empty()) msg = fmt::format("git diff-tree exited with status {}", pr.exit_code);
    auto alone = [&](const Oid& id) {
      std::optional<BatchResult> got;
      if (commits.size() - start == 1 && commits[start] == id) return BatchResult{id, {}, msg};
      git_diff_tree_batch(repo, {id}, [&](BatchResult&& b) { got = std::move(b); });
      return got ? std::move(*got) : BatchResult{id, {}, {}};
    };
    if (current) {
      Oid id = current->commit;
      current.reset();
      on_commit(alone(id));
    }
    if (done < commits.size()) {
      on_commit(alone(commits[done]));
      ++done;
    }
    start = done;
  }
}

}  // namespace beaver::git
