#include "git/repository.h"
#include "git/shallow.h"

#include "git/pack_backend.h"

#include "util/error.h"
#include "util/process.h"
#include "util/term.h"
#include "util/trace.h"

#include <fmt/format.h>

#include <filesystem>
#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <cerrno>
#include <cstring>
#include <iconv.h>
#include <malloc.h>
#include <mutex>

namespace beaver::git {

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // Diffing allocates and frees large buffers per file; letting glibc
    // return them to the kernel each time costs a page fault per page.
    mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_TOP_PAD, 16 * 1024 * 1024);
    // Objects are read from a repository git wrote; re-hashing every object
    // on read only costs time.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(32) * 1024 * 1024);
    // A kernel's big directories (drivers/, arch/*/boot/dts) are trees of
    // 100+ KiB that every commit walks through: keep them parsed. Blobs are
    // not cached (measured on u-boot: only a quarter are read twice, and
    // cache eviction cost more than it saved); the pack backend keeps their
    // delta bases.
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, static_cast<size_t>(4) * 1024 * 1024);
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_BLOB, static_cast<size_t>(0));
    // git 2.39 opens repositories with these (repositoryformatversion 1);
    // libgit2 1.5 refuses any extension it is not told about. Names are
    // lower case: libgit2 compares them with the config's lower-cased keys.
    // objectFormat is libgit2's own (sha1 only; sha256 is refused in open()).
    const char* extensions[] = {"noop", "noop-v1", "preciousobjects", "partialclone", "worktreeconfig"};
    git_libgit2_opts(GIT_OPT_SET_EXTENSIONS, extensions, std::size(extensions));
  });
}

std::vector<std::string> environment_object_dirs() {
  std::vector<std::string> out;
  namespace fs = std::filesystem;
  auto add = [&](std::string dir) {
    if (dir.empty()) return;
    std::error_code ec;
    fs::path p = fs::absolute(dir, ec);
    if (ec) return;
    std::string s = p.lexically_normal().string();
    if (!s.empty() && s.back() == '/') s.pop_back();
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  if (const char* d = std::getenv("GIT_OBJECT_DIRECTORY")) add(d);
  if (const char* alt = std::getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES")) {
    // git's parse_alt_odb_entry(): entries separated by ':', one that starts
    // with '"' is a C-quoted string (which may hold the separator).
    std::string_view rest = alt;
    while (!rest.empty()) {
      std::string entry;
      if (rest[0] == '"') {
        std::size_t i = 1;
        for (; i < rest.size() && rest[i] != '"'; ++i) {
          if (rest[i] == '\\' && i + 1 < rest.size()) {
            char c = rest[++i];
            if (c >= '0' && c <= '7' && i + 2 < rest.size()) {
              entry += char((c - '0') * 64 + (rest[i + 1] - '0') * 8 + (rest[i + 2] - '0'));
              i += 2;
              continue;
            }
            entry += c == 'n' ? '\n' : c == 't' ? '\t' : c;
          } else {
            entry += rest[i];
          }
        }
        rest.remove_prefix(std::min(rest.size(), i + 1));
        if (!rest.empty() && rest[0] == ':') rest.remove_prefix(1);
      } else {
        std::size_t colon = rest.find(':');
        entry = std::string(rest.substr(0, colon));
        rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
      }
      add(entry);
    }
  }
  return out;
}

void set_up_objects(git_repository* repo) {
  std::vector<std::string> dirs = environment_object_dirs();
  if (dirs.empty()) return;
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo) != 0) return;
  for (auto& d : dirs) git_odb_add_disk_alternate(odb, d.c_str());
  git_odb_free(odb);
}

std::optional<Oid> Oid::from_hex(std::string_view hex) {
  if (hex.size() != GIT_OID_HEXSZ) return std::nullopt;
  Oid o;
  std::string s(hex);
  if (git_oid_fromstr(&o.raw, s.c_str()) != 0) return std::nullopt;
  return o;
}

std::string Oid::hex() const {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &raw);
  return buf;
}

std::string last_error() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

namespace {
// The object format git says the repository at `path` uses ("sha1",
// "sha256"), or "" when git cannot tell.
std::string object_format_of(const std::string& path) {
  try {
    ProcessResult r = run_process({"git", "-C", path, "rev-parse", "--show-object-format"});
    if (r.exit_code != 0) return "";
    return r.out.substr(0, r.out.find('\n'));
  } catch (const Error&) {
    return "";
  }
}

std::string config_string(git_config* cfg, const char* name) {
  git_buf buf = GIT_BUF_INIT;
  std::string out;
  if (git_config_get_string_buf(&buf, cfg, name) == 0) out.assign(buf.ptr, buf.size);
  git_buf_dispose(&buf);
  return out;
}

// The promisor remote of a partial clone, as git's promisor-remote.c finds
// it: extensions.partialClone, else the first remote.<name>.promisor=true.
std::string promisor_of(git_repository* repo) {
  git_config* cfg = nullptr;
  if (git_repository_config_snapshot(&cfg, repo) != 0) return "";
  std::string name = config_string(cfg, "extensions.partialclone");
  if (name.empty()) {
    // Every entry, matched by hand: libgit2 1.5's regex iterator
    // (git_config_iterator_glob_new) leaks PCRE2's match data.
    git_config_iterator* it = nullptr;
    if (git_config_iterator_new(&it, cfg) == 0) {
      git_config_entry* e = nullptr;
      while (name.empty() && git_config_next(&e, it) == 0) {
        std::string_view key = e->name;  // remote.<name>.promisor, lower-cased
        if (key.size() <= 7 + 9 || !key.starts_with("remote.") || !key.ends_with(".promisor")) continue;
        int on = 0;
        if (git_config_parse_bool(&on, e->value) == 0 && on) name = key.substr(7, key.size() - 7 - 9);
      }
      git_config_iterator_free(it);
    }
  }
  git_config_free(cfg);
  return name;
}
}  // namespace

Repository Repository::open(const std::string& path) {
  init_library();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), 0, nullptr) != 0) {
    std::string why = last_error();
    if (object_format_of(path) == "sha256")
      throw Error("{}: object format sha256 is not supported yet (beaver reads sha1 repositories)", path);
    throw Error("{}: not a git repository ({})", path, why);
  }
  Repository r;
  r.repo_.reset(raw, git_repository_free);
  r.git_dir_ = git_repository_path(raw);
  {
    git_config* cfg = nullptr;
    std::string format;
    if (git_repository_config_snapshot(&cfg, raw) == 0) {
      format = config_string(cfg, "extensions.objectformat");
      git_config_free(cfg);
    }
    for (auto& c : format) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (!format.empty() && format != "sha1")
      throw Error("{}: object format {} is not supported yet (beaver reads sha1 repositories)", path, format);
  }
  const char* common = git_repository_commondir(raw);
  r.common_dir_ = common && *common ? common : r.git_dir_;
  if (r.common_dir_.back() != '/') r.common_dir_ += '/';
  r.promisor_ = promisor_of(raw);
  set_up_objects(raw);
  // A work tree is one with a .git in it: libgit2 also calls the parent of
  // a config-less bare mirror a work tree, which git does not.
  if (const char* wd = git_repository_workdir(raw); wd && !git_repository_is_bare(raw)) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(wd) / ".git", ec)) r.workdir_ = wd;
  }
  r.path_ = path;
  // Reads through beaver's pack backend (pack_backend.h): a walk of u-boot's
  // 105k commits takes 1.0 s instead of 1.3-1.7 s. The delta cache stays
  // small: this handle reads commits and trees, the workers' own handles
  // read blobs. Without it libgit2's own backends serve.
  PackBackendOptions po;
  po.delta_cache_bytes = std::size_t(16) << 20;
  if (install_pack_backend(raw, po) != 0) {
    // libgit2's own backends serve: correct, but slower (a version 1 .idx, or
    // a damaged one beside good packs, which git skips).
    if (tracing()) fmt::print(stderr, "beaver: trace: beaver's pack reader is off: {}\n", last_error());
    warn_once(fmt::format("{}: a pack index beaver's pack reader does not read (version 1 or damaged), so libgit2 "
                          "reads the objects, about 40% slower; `git -C {} repack -a -d` rewrites the packs "
                          "(BEAVER_TRACE=1 says which file and why)",
                          r.git_dir_ + "objects/pack", path));
    git_error_clear();
  }
  reload_shallow(raw);  // a clone deepened since an earlier open in this process
  return r;
}

std::vector<std::string> Repository::git_command() const {
  std::vector<std::string> cmd = {"git", "--git-dir=" + git_dir_};
  if (!workdir_.empty()) cmd.push_back("--work-tree=" + workdir_);
  cmd.insert(cmd.end(), {"-c", "core.quotePath=true"});
  // A partial clone: git would fetch every missing blob from the promisor
  // remote on demand (git 2.39 has no switch for that; GIT_NO_LAZY_FETCH is
  // 2.44). With every transport refused the fetch fails at once, writes
  // nothing and touches no network; the blob is then missing, as in a mirror.
  if (partial())
    for (const char* p : {"protocol.allow=never", "protocol.file.allow=never", "protocol.git.allow=never",
                          "protocol.ssh.allow=never", "protocol.http.allow=never", "protocol.https.allow=never",
                          "protocol.ext.allow=never"})
      cmd.insert(cmd.end(), {"-c", p});
  return cmd;
}

git_repository* Repository::open_handle() const {
  git_repository* raw = nullptr;
  int rc = workdir_.empty() ? git_repository_open_bare(&raw, git_dir_.c_str())
                            : git_repository_open_ext(&raw, workdir_.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  if (rc != 0) throw Error("{}: cannot open the repository: {}", path_, last_error());
  set_up_objects(raw);
  return raw;
}

RevisionSet Repository::resolve(const std::vector<std::string>& args) const {
  RevisionSet out;
  if (args.empty()) return out;
  auto cmd = git_command();
  cmd.push_back("rev-parse");
  cmd.push_back("--revs-only");
  // Everything after --end-of-options is a revision, never an option or a path.
  for (auto& a : args) {
    if (a.size() > 1 && a[0] == '-' && a != "--all" && a != "--branches" && a != "--tags" &&
        a != "--remotes" && a.rfind("--branches=", 0) != 0 && a.rfind("--tags=", 0) != 0 &&
        a.rfind("--glob=", 0) != 0 && a.rfind("--exclude=", 0) != 0)
      throw Error("{}: not a revision (options go before the revisions)", a);
    cmd.push_back(a);
  }
  cmd.push_back("--");
  ProcessResult r = run_process(cmd);
  if (r.exit_code != 0) {
    std::string msg = r.err;
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg.resize(nl);
    throw Error("bad revision in '{}': {}", fmt::join(args, " "), msg.empty() ? "git rev-parse failed" : msg);
  }
  std::size_t pos = 0;
  while (pos < r.out.size()) {
    std::size_t nl = r.out.find('\n', pos);
    if (nl == std::string::npos) nl = r.out.size();
    std::string_view line(r.out.data() + pos, nl - pos);
    pos = nl + 1;
    bool neg = !line.empty() && line[0] == '^';
    if (neg) line.remove_prefix(1);
    auto oid = Oid::from_hex(line);
    if (!oid) continue;
    // Peel tags to commits; refs to trees or blobs are not revisions here.
    git_object* obj = nullptr;
    if (git_object_lookup(&obj, repo_.get(), &oid->raw, GIT_OBJECT_ANY) != 0)
      throw Error("{}: object is missing from the repository", oid->hex());
    git_object* peeled = nullptr;
    int rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc != 0) continue;
    Oid c(*git_object_id(peeled));
    git_object_free(peeled);
    (neg ? out.exclude : out.include).push_back(c);
  }
  return out;
}

Oid Repository::resolve_commit(const std::string& rev) const {
  // Message searches (":/text", "^{/text}") go to git: libgit2 1.5 leaks its
  // regex match data there, and git is the reference for what they mean.
  bool search = rev.starts_with(":/") || rev.find("{/") != std::string::npos;
  git_object* obj = nullptr;
  if (!search && git_revparse_single(&obj, repo_.get(), (rev + "^{commit}").c_str()) == 0) {
    Oid o(*git_object_id(obj));
    git_object_free(obj);
    return o;
  }
  auto cmd = git_command();
  cmd.insert(cmd.end(), {"rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"});
  ProcessResult r = run_process(cmd);
  std::string out = r.out.substr(0, r.out.find('\n'));
  auto oid = Oid::from_hex(out);
  if (r.exit_code != 0 || !oid) throw Error("{}: unknown revision or not a commit", rev);
  return *oid;
}

std::vector<Oid> Repository::walk_sorted(const RevisionSet& revs, unsigned sorting, std::size_t limit) const {
  // libgit2 1.5 follows parents a shallow clone does not have: git walks it.
  if (!shallow_commits(repo_.get())->raw.empty()) return walk_with_git(revs, sorting, limit);
  git_revwalk* raw = nullptr;
  if (git_revwalk_new(&raw, repo_.get()) != 0) throw Error("revwalk: {}", last_error());
  RevwalkPtr walk(raw);
  git_revwalk_sorting(raw, sorting);
  for (auto& o : revs.include)
    if (git_revwalk_push(raw, &o.raw) != 0) throw Error("{}: {}", o.hex(), last_error());
  for (auto& o : revs.exclude)
    if (git_revwalk_hide(raw, &o.raw) != 0) throw Error("{}: {}", o.hex(), last_error());
  std::vector<Oid> out;
  git_oid id;
  int rc = 0;
  while (out.size() < limit && (rc = git_revwalk_next(&id, raw)) == 0) out.emplace_back(id);
  if (rc != 0 && rc != GIT_ITEROVER) throw Error("walking the history: {}", last_error());
  return out;
}

std::vector<Oid> Repository::walk_with_git(const RevisionSet& revs, unsigned sorting, std::size_t limit) const {
  std::vector<Oid> out;
  if (revs.include.empty() || limit == 0) return out;
  auto cmd = git_command();
  cmd.insert(cmd.end(), {"rev-list", "--stdin"});
  if (sorting & GIT_SORT_TOPOLOGICAL) cmd.push_back("--topo-order");
  if (sorting & GIT_SORT_REVERSE) cmd.push_back("--reverse");
  if (limit != SIZE_MAX) cmd.push_back(fmt::format("--max-count={}", limit));
  std::string input;
  for (auto& o : revs.include) input += o.hex() + "\n";
  for (auto& o : revs.exclude) input += "^" + o.hex() + "\n";
  ProcessOptions po;
  po.input = input;
  LineSplitter lines;
  auto take = [&](std::string_view line) {
    if (auto oid = Oid::from_hex(line.substr(0, 40))) out.push_back(*oid);
  };
  ProcessResult r = run_process(cmd, po, [&](std::string_view chunk) { lines.feed(chunk, take); });
  lines.flush(take);
  if (r.exit_code != 0) {
    std::string msg = r.err.substr(0, r.err.find('\n'));
    throw Error("walking the history (git rev-list, shallow clone): {}", msg.empty() ? "git rev-list failed" : msg);
  }
  return out;
}

bool Repository::shallow() const { return !shallow_commits(repo_.get())->raw.empty(); }

std::vector<Oid> Repository::walk(const RevisionSet& revs) const {
  return walk_sorted(revs, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE, SIZE_MAX);
}

std::vector<Oid> Repository::walk_newest(const RevisionSet& revs, std::size_t limit) const {
  // git log's order, streamed (GIT_SORT_TIME would sort the whole history first)
  return walk_sorted(revs, GIT_SORT_NONE, limit);
}

namespace {
// Like git log: a message whose commit declares another encoding is shown in
// UTF-8. Bytes iconv cannot convert are kept as they are.
std::string to_utf8(const std::string& text, const char* encoding) {
  iconv_t cd = iconv_open("UTF-8", encoding);
  if (cd == reinterpret_cast<iconv_t>(-1)) return text;
  std::string out(text.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(text.data());
  std::size_t in_left = text.size();
  char* dst = out.data();
  std::size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in, &in_left, &dst, &out_left) != static_cast<std::size_t>(-1)) break;
    if (errno != EILSEQ && errno != EINVAL) break;
    if (out_left == 0) break;
    *dst++ = *in++;  // keep the byte
    --in_left;
    --out_left;
  }
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

bool is_utf8_name(std::string_view e) {
  std::string l;
  for (char c : e) l += char(std::tolower(static_cast<unsigned char>(c)));
  return l == "utf-8" || l == "utf8";
}
}  // namespace

CommitInfo Repository::commit_info(const Oid& id) const { return read_commit_info(repo_.get(), id); }

std::vector<std::string> Repository::config_values(const std::string& key) const {
  std::vector<std::string> out;
  git_config* cfg = nullptr;
  if (git_repository_config_snapshot(&cfg, repo_.get()) != 0) throw Error("{}: reading git config: {}", path_, last_error());
  git_config_iterator* it = nullptr;
  if (git_config_multivar_iterator_new(&it, cfg, key.c_str(), nullptr) == 0) {
    git_config_entry* e = nullptr;
    while (git_config_next(&e, it) == 0)
      if (e->value) out.emplace_back(e->value);
    git_config_iterator_free(it);
  }
  git_config_free(cfg);
  return out;
}

std::optional<std::string> Repository::config_value(const std::string& key) const {
  std::vector<std::string> all = config_values(key);
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::optional<std::string> Repository::config_path(const std::string& key) const {
  std::optional<std::string> v = config_value(key);
  if (!v || v->empty()) return std::nullopt;
  std::string path = *v;
  if (path == "~" || path.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (!home || !*home) throw Error("git config {}: {}: HOME is not set", key, path);
    path = std::string(home) + path.substr(1);
  } else if (path.starts_with("~")) {
    throw Error("git config {}: {}: only ~/ is understood (not ~user/)", key, path);
  }
  if (path.front() != '/') path = (workdir_.empty() ? common_dir_ : workdir_) + path;
  return path;
}

CommitInfo read_commit_info(git_repository* repo, const Oid& id) {
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &id.raw) != 0)
    throw Error("commit {}: {}", id.hex(), last_error());
  CommitPtr c(raw);
  CommitInfo info;
  info.id = id;
  info.parents = visible_parents(repo, raw);  // none for a shallow clone's boundary commits, as for git
  auto person = [](const git_signature* s) {
    Person p;
    if (!s) return p;
    p.name = s->name ? s->name : "";
    p.email = s->email ? s->email : "";
    p.time = s->when.time;
    p.offset = s->when.offset;
    return p;
  };
  info.author = person(git_commit_author(raw));
  info.committer = person(git_commit_committer(raw));
  const char* msg = git_commit_message_raw(raw);
  info.message = msg ? msg : "";
  if (const char* enc = git_commit_message_encoding(raw); enc && !is_utf8_name(enc)) {
    info.encoding = enc;
    info.message = to_utf8(info.message, enc);
    info.author.name = to_utf8(info.author.name, enc);
    info.committer.name = to_utf8(info.committer.name, enc);
  }
  return info;
}

std::vector<std::pair<std::string, Oid>> Repository::tags() const {
  std::vector<std::pair<std::string, Oid>> out;
  git_strarray names{};
  if (git_tag_list(&names, repo_.get()) != 0) throw Error("listing tags: {}", last_error());
  for (std::size_t i = 0; i < names.count; ++i) {
    std::string ref = std::string("refs/tags/") + names.strings[i];
    git_object* obj = nullptr;
    if (git_revparse_single(&obj, repo_.get(), (ref + "^{commit}").c_str()) != 0) continue;
    out.emplace_back(names.strings[i], Oid(*git_object_id(obj)));
    git_object_free(obj);
  }
  git_strarray_dispose(&names);
  return out;
}

RevisionSet Repository::all_refs() const {
  RevisionSet out;
  git_reference_iterator* it = nullptr;
  if (git_reference_iterator_glob_new(&it, repo_.get(), "refs/*") != 0) throw Error("listing refs: {}", last_error());
  git_reference* ref = nullptr;
  while (git_reference_next(&ref, it) == 0) {
    ReferencePtr r(ref);
    std::string name = git_reference_name(ref);
    if (name.rfind("refs/heads/", 0) != 0 && name.rfind("refs/tags/", 0) != 0 &&
        name.rfind("refs/remotes/", 0) != 0)
      continue;
    git_object* obj = nullptr;
    if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) != 0) continue;
    out.include.emplace_back(*git_object_id(obj));
    git_object_free(obj);
  }
  git_reference_iterator_free(it);
  std::sort(out.include.begin(), out.include.end());
  out.include.erase(std::unique(out.include.begin(), out.include.end()), out.include.end());
  return out;
}

std::optional<Oid> Repository::lookup_commit_prefix(std::string_view hex) const {
  if (hex.size() < 4 || hex.size() > GIT_OID_HEXSZ) return std::nullopt;
  git_oid prefix;
  if (git_oid_fromstrn(&prefix, hex.data(), hex.size()) != 0) return std::nullopt;
  git_commit* c = nullptr;
  if (git_commit_lookup_prefix(&c, repo_.get(), &prefix, hex.size()) != 0) return std::nullopt;
  CommitPtr owned(c);
  return Oid(*git_commit_id(c));
}

std::optional<Oid> Repository::merge_base(const Oid& a, const Oid& b) const {
  if (shallow()) {  // libgit2 1.5 would follow the parents a shallow clone lacks
    auto cmd = git_command();
    cmd.insert(cmd.end(), {"merge-base", a.hex(), b.hex()});
    ProcessResult r = run_process(cmd);
    if (r.exit_code != 0) return std::nullopt;
    return Oid::from_hex(r.out.substr(0, 40));
  }
  git_oid out;
  if (git_merge_base(&out, repo_.get(), &a.raw, &b.raw) != 0) return std::nullopt;
  return Oid(out);
}

}  // namespace beaver::git
