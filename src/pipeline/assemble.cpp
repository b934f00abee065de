#include "pipeline/assemble.h"

#include "git/patch_id.h"
#include "index/query.h"
#include "mail/mail.h"
#include "match/apply.h"
#include "match/parallel.h"
#include "match/view.h"
#include "message/message.h"
#include "util/error.h"
#include "util/file.h"
#include "util/process.h"
#include "util/text.h"
#include "util/trace.h"

#include <fmt/format.h>
#include <git2.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

namespace beaver::pipeline {

namespace fs = std::filesystem;

bool AssembleReport::conflicted() const {
  return std::any_of(targets.begin(), targets.end(), [](auto& t) { return t.conflicted(); });
}

namespace {

constexpr const char* kCommitterName = "beaver assemble";
constexpr const char* kCommitterEmail = "beaver@assemble.invalid";

using IndexPtr = std::unique_ptr<git_index, git::Deleter<git_index, git_index_free>>;
using SignaturePtr = std::unique_ptr<git_signature, git::Deleter<git_signature, git_signature_free>>;

// One patch to apply, whatever its source.
struct Item {
  const PatchSource* source = nullptr;
  std::string source_text;
  bool is_commit = false;
  git::Oid commit;                 // is_commit
  std::string diff;                // a mail's or patch file's diff, as git would print it
  std::string message;             // for a mail or patch file
  std::string message_id, file;
  std::string subject, author_name, author_email;
  std::int64_t author_time = 0;
  int author_offset = 0;
  std::string patch_id, cf_id;
  std::string base_commit;         // a mail's `base-commit:` (format-patch --base), when given
  std::vector<std::pair<std::string, std::string>> preimages;  // path, abbreviated blob id of the diff's "index" line
  std::vector<std::string> paths;  // the files it changes (from the index, or the diff's headers)
  // Upstream verdict (before applying).
  std::string dropped_by, dropped_subject, dropped_release, dropped_how, note, flag_commit, flag_subject, flag_release,
      flag_how;
};

// "+0100" at the end of an RFC 2822 date → minutes east of UTC.
int offset_of_date(std::string_view date) {
  date = trim(date);
  std::size_t sp = date.rfind(' ');
  std::string_view z = sp == std::string_view::npos ? date : date.substr(sp + 1);
  if (z.size() == 5 && (z[0] == '+' || z[0] == '-') && std::all_of(z.begin() + 1, z.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int v = ((z[1] - '0') * 10 + (z[2] - '0')) * 60 + (z[3] - '0') * 10 + (z[4] - '0');
    return z[0] == '-' ? -v : v;
  }
  return 0;
}

// The "index A..B" preimage of every file section of a git diff.
std::vector<std::pair<std::string, std::string>> preimages_of(std::string_view diff) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string path;
  for_each_line(diff, [&](std::string_view line) {
    if (line.starts_with("diff --git ")) {
      std::size_t b = line.rfind(" b/");
      path = b == std::string_view::npos ? "" : std::string(trim(line.substr(b + 3)));
    } else if (line.starts_with("index ") && !path.empty()) {
      std::string_view rest = line.substr(6);
      std::size_t dots = rest.find("..");
      if (dots != std::string_view::npos) {
        std::string pre(rest.substr(0, dots));
        if (pre.find_first_not_of('0') != std::string::npos) out.emplace_back(path, pre);
      }
      path.clear();
    }
  });
  return out;
}

// A mail or a quilt patch, read as `git am` reads it: `git mailinfo`.
Item item_from_mail(const git::Repository& repo, const std::string& raw, const std::string& where, std::vector<std::string>& warnings,
                    bool& skip) {
  Item it;
  skip = false;
  std::vector<mail::Problem> problems;
  auto parsed = mail::parse_message(raw, where, problems);
  if (parsed && parsed->index == 0 && parsed->total > 0) {
    skip = true;  // a cover letter
    return it;
  }
  ScratchDir scratch("beaver-mailinfo");
  fs::path tmp = scratch.path();
  auto cmd = repo.git_command();
  cmd.insert(cmd.end(), {"mailinfo", (tmp / "msg").string(), (tmp / "patch").string()});
  ProcessOptions po;
  po.input = raw;
  ProcessResult r = run_process(cmd, po);
  if (r.exit_code != 0) throw Error("{}: git mailinfo cannot read it: {}", where, trim(r.err));
  std::string date;
  for_each_line(r.out, [&](std::string_view line) {
    auto take = [&](std::string_view key, std::string& into) {
      if (line.starts_with(key)) into = std::string(trim(line.substr(key.size())));
    };
    take("Author: ", it.author_name);
    take("Email: ", it.author_email);
    take("Subject: ", it.subject);
    take("Date: ", date);
  });
  std::string body = read_file((tmp / "msg").string());
  std::string patch = read_file((tmp / "patch").string());
  mail::ExtractedDiff extracted = mail::extract_diff_detail(patch);
  if (extracted.text.empty()) {
    warnings.push_back(fmt::format("{}: \"{}\" carries no diff: skipped", where, it.subject));
    skip = true;
    return it;
  }
  if (extracted.truncated) throw Error("{}: \"{}\": the diff breaks off in the middle of a hunk (a truncated or mangled mail)", where, it.subject);
  it.diff = mail::git_style_diff(extracted.text);
  while (!body.empty() && body.back() == '\n') body.pop_back();
  if (it.subject.empty()) {
    // A quilt patch without a mail header: the description's first line is
    // the subject, as git quiltimport takes it.
    std::size_t start = body.find_first_not_of('\n');
    if (start != std::string::npos) {
      std::size_t nl = body.find('\n', start);
      it.subject = std::string(trim(body.substr(start, nl == std::string::npos ? std::string::npos : nl - start)));
      body = nl == std::string::npos ? "" : body.substr(body.find_first_not_of('\n', nl) == std::string::npos ? body.size() : body.find_first_not_of('\n', nl));
    }
  }
  if (it.subject.empty()) it.subject = fs::path(where).filename().string();
  it.message = it.subject + "\n" + (body.empty() ? "" : "\n" + body + "\n");
  if (parsed) {
    it.message_id = parsed->message_id;
    it.author_time = parsed->time;
  }
  it.author_offset = offset_of_date(date);
  git::Fingerprint fp = git::fingerprint_of(it.diff);
  it.patch_id = fp.patch_id;
  it.cf_id = fp.cf_id;
  it.preimages = preimages_of(it.diff);
  for_each_line(it.diff, [&](std::string_view line) {
    if (!line.starts_with("diff --git ")) return;
    std::size_t b = line.rfind(" b/");
    if (b != std::string_view::npos) it.paths.emplace_back(trim(line.substr(b + 3)));
  });
  for_each_line(patch, [&](std::string_view line) {
    if (line.starts_with("base-commit: ")) it.base_commit = std::string(trim(line.substr(13)));
  });
  return it;
}

std::vector<Item> mbox_items(const git::Repository& repo, const PatchSource& src, std::vector<std::string>& warnings) {
  ScratchDir scratch("beaver-mailsplit");
  fs::path tmp = scratch.path();
  auto cmd = repo.git_command();
  cmd.insert(cmd.end(), {"mailsplit", "-o" + tmp.string(), src.value});
  ProcessResult r = run_process(cmd);
  if (r.exit_code != 0) throw Error("{}: git mailsplit cannot read it: {}", src.value, trim(r.err));
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(tmp)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<Item> out;
  for (std::size_t k = 0; k < files.size(); ++k) {
    bool skip = false;
    Item it = item_from_mail(repo, read_file(files[k]), fmt::format("{} (mail {})", src.value, k + 1),
                             warnings, skip);
    if (skip) continue;
    out.push_back(std::move(it));
  }
  if (out.empty()) throw Error("{}: no patch in this mbox", src.value);
  return out;
}

std::vector<Item> series_items(const git::Repository& repo, const PatchSource& src, std::vector<std::string>& warnings) {
  std::string text = read_file(src.value);
  fs::path dir = fs::path(src.value).parent_path();
  std::vector<std::string> problems;
  std::vector<std::string> files;
  int n = 0;
  for_each_line(text, [&](std::string_view line) {
    ++n;
    std::size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) return;
    std::istringstream words{std::string(line)};
    std::string name, opt;
    words >> name;
    while (words >> opt)
      if (opt != "-p1" && opt != "-p" && opt != "1")
        problems.push_back(fmt::format("{}:{}: {}: option {} (beaver applies patches as -p1, as git am does)", src.value, n, name, opt));
    fs::path p = dir / name;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) problems.push_back(fmt::format("{}:{}: {} not found", src.value, n, p.string()));
    files.push_back(p.string());
  });
  if (!problems.empty()) {
    std::string all;
    for (auto& p : problems) all += (all.empty() ? "" : "\n") + p;
    throw Error("{}", all);
  }
  if (files.empty()) throw Error("{}: the series lists no patch", src.value);
  std::vector<Item> out;
  for (auto& f : files) {
    bool skip = false;
    Item it = item_from_mail(repo, read_file(f), f, warnings, skip);
    if (skip) continue;
    it.file = f;
    out.push_back(std::move(it));
  }
  return out;
}

// Every patch of a target, in order, with the revisions the index needs.
std::vector<Item> resolve_items(const git::Repository& repo, const Target& t, const git::Oid& base, std::vector<git::Oid>& tips,
                                std::vector<std::string>& warnings) {
  std::vector<Item> items;
  auto add_commit = [&](const PatchSource& src, const git::Oid& oid) {
    Item it;
    it.source = &src;
    it.is_commit = true;
    it.commit = oid;
    items.push_back(std::move(it));
  };
  for (auto& src : t.patches) {
    std::size_t first = items.size();
    switch (src.kind) {
      case PatchSource::Kind::Branch: {
        git::Oid tip = repo.resolve_commit(src.value);
        auto mb = repo.merge_base(base, tip);
        if (!mb) throw Error("{}: patches branch {} and base {} share no history", t.name, src.value, t.base);
        tips.push_back(tip);
        git::RevisionSet revs{{tip}, {*mb}};
        std::size_t merges = 0;
        for (auto& oid : repo.walk(revs)) {
          git::CommitInfo info = repo.commit_info(oid);
          if (info.parents.size() > 1) {
            ++merges;
            continue;
          }
          add_commit(src, oid);
        }
        if (merges)
          warnings.push_back(fmt::format("branch {}: {} merge commit(s) skipped (their changes come with the commits they merge)",
                                         src.value, merges));
        break;
      }
      case PatchSource::Kind::Commits:
        for (auto& c : src.commits) {
          if (c.find("..") != std::string::npos) {
            git::RevisionSet revs = repo.resolve({c});
            for (auto& oid : revs.include) tips.push_back(oid);
            for (auto& oid : repo.walk(revs))
              if (repo.commit_info(oid).parents.size() <= 1) add_commit(src, oid);
          } else {
            git::Oid oid = repo.resolve_commit(c);
            tips.push_back(oid);
            add_commit(src, oid);
          }
        }
        break;
      case PatchSource::Kind::Mbox:
        for (auto& it : mbox_items(repo, src, warnings)) items.push_back(std::move(it));
        break;
      case PatchSource::Kind::Series:
        for (auto& it : series_items(repo, src, warnings)) items.push_back(std::move(it));
        break;
    }
    for (std::size_t k = first; k < items.size(); ++k) {
      items[k].source = &src;
      items[k].source_text = src.describe();
    }
    if (items.size() == first && src.kind == PatchSource::Kind::Branch)
      warnings.push_back(fmt::format("branch {} has no commit that {} lacks", src.value, t.base));
  }
  return items;
}

// Is each patch in the base (dropped) or only in upstream (flagged)?
void match_items(const git::Repository& repo, match::IndexView& view, std::vector<Item>& items, const git::Oid& base,
                 const std::optional<git::Oid>& upstream, const AssembleOptions& o) {
  const match::CommitGraph& graph = view.graph;
  std::vector<bool> in_base = graph.reachable({base});
  std::vector<bool> candidate = in_base;
  if (upstream) {
    std::vector<bool> in_up = graph.reachable({*upstream});
    for (std::size_t k = 0; k < candidate.size(); ++k) candidate[k] = candidate[k] || in_up[k];
  }
  auto base_has = [&](const std::string& hex) {
    auto oid = git::Oid::from_hex(hex);
    auto id = oid ? graph.id(*oid) : std::nullopt;
    return id && in_base[std::size_t(*id)];
  };
  // A match that carries all of the patch: the same commit or changes, or a modified version covering it.
  auto covers_all = [](const match::Pairing& p) {
    return p.how == "same" || p.how == "patch-id" || p.how == "context" || p.covered >= 0.999;
  };
  auto accept = [&](Item& it, const match::Pairing& p) {
    std::string release = p.release.empty() ? p.tag : p.release;
    if (base_has(p.commit) && covers_all(p)) {
      if (it.dropped_by.empty()) {
        it.dropped_by = p.commit;
        it.dropped_subject = p.subject;
        it.dropped_release = release;
        it.dropped_how = p.how;
      }
    } else if (it.flag_commit.empty()) {
      it.flag_commit = p.commit;
      it.flag_subject = p.subject;
      it.flag_release = release;
      it.flag_how = p.how;
      if (base_has(p.commit))
        it.note = p.how == "subject"
                      ? fmt::format("the base has a commit with the same subject ({}{}): merged in another form?", short_id(p.commit),
                                    release.empty() ? "" : ", " + release)
                      : fmt::format("the base has a modified version ({}, {}, {:.0f}% of this patch's lines)", short_id(p.commit), p.how,
                                    p.covered * 100);
      else
        it.note = fmt::format("upstream has it ({}{}) but the base does not yet: it drops when the base moves past it",
                              short_id(p.commit), release.empty() ? "" : " in " + release);
    }
  };

  // Commits: the stack matcher.
  std::vector<std::size_t> commit_items;
  std::vector<index::CommitRecord> records;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (!items[k].is_commit) continue;
    auto rec = view.reader.commit(items[k].commit);
    if (!rec) continue;
    items[k].patch_id = rec->patch_id;
    items[k].subject = rec->subject;
    items[k].author_name = rec->author_name;
    items[k].author_email = rec->author_email;
    items[k].paths = rec->paths;
    commit_items.push_back(k);
    records.push_back(std::move(*rec));
  }
  std::vector<std::vector<match::Pairing>> pairs(records.size());
  match::for_each_matched(
      repo, view.path(), candidate, records.size(),
      [&](match::UpstreamMatcher& m, std::size_t k) { pairs[k] = m.match(records[k]).pairs; }, o.on_progress);
  for (std::size_t k = 0; k < records.size(); ++k) {
    Item& it = items[commit_items[k]];
    // A drop wins over a flag whatever the order of the pairs.
    for (auto& p : pairs[k])
      if (base_has(p.commit) && covers_all(p)) accept(it, p);
    for (auto& p : pairs[k]) accept(it, p);
  }

  // Mails and patch files: the same patch-id, else the same changed lines.
  auto by_id = view.db.prepare("SELECT id FROM commits WHERE patch_id = ? ORDER BY committer_time");
  auto by_cf = view.db.prepare("SELECT id FROM commits WHERE cf_id = ? ORDER BY committer_time LIMIT 64");
  auto by_subject = view.db.prepare("SELECT id FROM commits WHERE norm_subject = ? ORDER BY committer_time LIMIT 64");
  auto describe = view.db.prepare(
      "SELECT oid, subject, t.tag, t.release FROM commits LEFT JOIN first_tags t ON t.commit_id = id WHERE id = ?");
  // The ids a bound statement finds among the commits the base or upstream reach.
  auto candidates_of = [&](index::Statement& st) {
    std::vector<std::int64_t> ids;
    while (st.step()) {
      std::int64_t id = st.int64(0);
      if (id >= 0 && std::size_t(id) < candidate.size() && candidate[std::size_t(id)]) ids.push_back(id);
    }
    st.reset();
    return ids;
  };
  auto pairing = [&](std::int64_t id, const char* how) {
    std::optional<match::Pairing> p;
    describe.bind(1, id);
    if (describe.step()) {
      p.emplace();
      p->commit = index::hex_of(describe.blob(0));
      p->subject = describe.text(1);
      p->tag = describe.text(2);
      p->release = describe.text(3);
      p->how = how;
    }
    describe.reset();
    return p;
  };
  for (auto& it : items) {
    if (it.is_commit) continue;
    for (auto [st, hex, how] : {std::tuple{&by_id, it.patch_id, "patch-id"}, std::tuple{&by_cf, it.cf_id, "context"}}) {
      if (hex.empty() || !it.dropped_by.empty()) continue;
      std::string blob = index::blob_of_hex(hex);
      st->bind_blob(1, blob.data(), blob.size());
      for (auto id : candidates_of(*st)) {
        if (auto p = pairing(id, how)) accept(it, *p);
        if (!it.dropped_by.empty()) break;
      }
    }
    // Nothing with the same changes: a commit of the same subject is worth a
    // flag (a mail merged in another form), never a drop.
    if (it.dropped_by.empty() && it.flag_commit.empty()) {
      by_subject.bind(1, message::normalize_subject(it.subject));
      auto ids = candidates_of(by_subject);
      if (!ids.empty())
        if (auto p = pairing(ids.front(), "subject")) {
          p->covered = 0;
          accept(it, *p);
        }
    }
  }
}

// What the picks and applies write, and the assembled commits.
class Assembler {
public:
  Assembler(const git::Repository& repo, bool scratch) : repo_(repo), picker_(repo, scratch) {}

  git_repository* handle() const { return picker_.get(); }
  git::Oid tree_of(const git::Oid& commit) { return picker_.tree_of(commit); }

  // Applies a mail's diff onto `tree`: the new tree, or the failure.
  match::PickResult apply_diff(const Item& it, const git::Oid& tree, ConflictInfo& why) {
    match::PickResult r;
    git_diff* d = nullptr;
    if (git_diff_from_buffer(&d, it.diff.data(), it.diff.size()) != 0) {
      r.kind = match::PickResult::Conflicts;
      why.detail = "libgit2 cannot read the diff: " + git::last_error();
      return r;
    }
    git::DiffPtr diff(d);
    git_tree* t = nullptr;
    if (git_tree_lookup(&t, handle(), &tree.raw) != 0) throw Error("assemble: {}", git::last_error());
    git::TreePtr tree_owned(t);
    struct Where {
      std::string file, hunk;
    } where;
    git_apply_options ao;
    git_apply_options_init(&ao, GIT_APPLY_OPTIONS_VERSION);
    ao.payload = &where;
    ao.delta_cb = [](const git_diff_delta* delta, void* payload) -> int {
      auto* w = static_cast<Where*>(payload);
      w->file = delta->new_file.path ? delta->new_file.path : delta->old_file.path ? delta->old_file.path : "";
      w->hunk.clear();
      return 0;
    };
    ao.hunk_cb = [](const git_diff_hunk* hunk, void* payload) -> int {
      auto* w = static_cast<Where*>(payload);
      w->hunk = std::string(trim(std::string_view(hunk->header, hunk->header_len)));
      return 0;
    };
    git_index* index = nullptr;
    if (git_apply_to_tree(&index, handle(), t, diff.get(), &ao) != 0) {
      r.kind = match::PickResult::Conflicts;
      why.detail = git::last_error();
      if (!where.file.empty()) {
        why.files.push_back(where.file);
        why.hunks.push_back(where.hunk.empty() ? where.file : where.file + ": " + where.hunk);
      }
      return r;
    }
    IndexPtr owned(index);
    git_oid out;
    if (git_index_write_tree_to(&out, index, handle()) != 0) throw Error("assemble: cannot write a tree: {}", git::last_error());
    r.tree = git::Oid(out);
    r.kind = r.tree == tree ? match::PickResult::Empty : match::PickResult::Applies;
    return r;
  }

  match::PickResult pick(const git::Oid& commit, const git::Oid& tree) { return picker_.pick(commit, tree); }

  git::Oid commit(const Item& it, const git::Oid& parent, const git::Oid& tree, std::int64_t& when) {
    git_tree* t = nullptr;
    git_commit* p = nullptr;
    if (git_tree_lookup(&t, handle(), &tree.raw) != 0 || git_commit_lookup(&p, handle(), &parent.raw) != 0)
      throw Error("assemble: {}", git::last_error());
    git::TreePtr tree_owned(t);
    git::CommitPtr parent_owned(p);
    SignaturePtr author;
    std::string message;
    const char* encoding = nullptr;
    git::CommitPtr original;
    if (it.is_commit) {
      git_commit* c = nullptr;
      if (git_commit_lookup(&c, handle(), &it.commit.raw) != 0) throw Error("{}: {}", it.commit.hex(), git::last_error());
      original.reset(c);
      git_signature* s = nullptr;
      if (git_signature_dup(&s, git_commit_author(c)) != 0) throw Error("assemble: {}", git::last_error());
      author.reset(s);
      message = git_commit_message_raw(c);
      encoding = git_commit_message_encoding(c);
    } else {
      git_signature* s = nullptr;
      std::string name = it.author_name.empty() ? kCommitterName : it.author_name;
      std::string email = it.author_email.empty() ? kCommitterEmail : it.author_email;
      std::int64_t time = it.author_time ? it.author_time : when;
      if (git_signature_new(&s, name.c_str(), email.c_str(), time, it.author_offset) != 0)
        throw Error("{}: the author \"{} <{}>\": {}", it.source_text, name, email, git::last_error());
      author.reset(s);
      message = it.message;
    }
    when = std::max<std::int64_t>(when, author->when.time);
    git_signature* cs = nullptr;
    if (git_signature_new(&cs, kCommitterName, kCommitterEmail, when, 0) != 0) throw Error("assemble: {}", git::last_error());
    SignaturePtr committer(cs);
    const git_commit* parents[] = {p};
    git_oid id;
    if (git_commit_create(&id, handle(), nullptr, author.get(), committer.get(), encoding, message.c_str(), t, 1, parents) != 0)
      throw Error("assemble: cannot write the commit for \"{}\": {}", it.subject, git::last_error());
    return git::Oid(id);
  }

  // Paths that differ between two trees.
  std::vector<std::string> changed_paths(const git::Oid& a, const git::Oid& b) {
    git_tree *ta = nullptr, *tb = nullptr;
    if (git_tree_lookup(&ta, handle(), &a.raw) != 0 || git_tree_lookup(&tb, handle(), &b.raw) != 0)
      throw Error("assemble: {}", git::last_error());
    git::TreePtr oa(ta), ob(tb);
    git_diff* d = nullptr;
    if (git_diff_tree_to_tree(&d, handle(), ta, tb, nullptr) != 0) throw Error("assemble: {}", git::last_error());
    git::DiffPtr diff(d);
    std::vector<std::string> out;
    for (std::size_t k = 0; k < git_diff_num_deltas(d); ++k) {
      const git_diff_delta* delta = git_diff_get_delta(d, k);
      out.emplace_back(delta->new_file.path);
      if (std::string_view(delta->old_file.path) != delta->new_file.path) out.emplace_back(delta->old_file.path);
    }
    return out;
  }

private:
  const git::Repository& repo_;
  match::TreePicker picker_;
};

// The base commits (newest first, at most 5) that changed `path` since `since`.
std::vector<std::string> base_changes(const git::Repository& repo, const git::Oid& base, const std::string& since,
                                      const std::string& path) {
  std::vector<std::string> out;
  auto cmd = repo.git_command();
  cmd.insert(cmd.end(), {"rev-list", "-n", "5", base.hex()});
  if (!since.empty()) cmd.push_back("^" + since);
  cmd.insert(cmd.end(), {"--", path});
  ProcessResult r = run_process(cmd);
  if (r.exit_code == 0)
    for_each_line(r.out, [&](std::string_view line) {
      if (trim(line).size() == 40) out.emplace_back(trim(line));
    });
  return out;
}

// A mail's own base when it does not say: the newest base commit whose
// version of the file is the diff's preimage.
std::string preimage_commit(const git::Repository& repo, const git::Oid& base, const std::string& path, const std::string& blob) {
  auto cmd = repo.git_command();
  cmd.insert(cmd.end(), {"log", "-n", "200", "--format=%H", base.hex(), "--", path});
  ProcessResult r = run_process(cmd);
  if (r.exit_code != 0) return "";
  std::string found;
  for_each_line(r.out, [&](std::string_view line) {
    if (!found.empty() || trim(line).size() != 40) return;
    std::string hex(trim(line));
    auto show = repo.git_command();
    show.insert(show.end(), {"rev-parse", "--verify", "-q", hex + ":" + path});
    ProcessResult b = run_process(show);
    if (b.exit_code == 0 && trim(b.out).starts_with(blob)) found = hex;
  });
  return found;
}

// The base commits that changed a conflicting patch's files since its own base.
struct ExplainJob {
  std::size_t patch;   // index into RunResult::patches
  std::string since;   // the patch's own base ("" = find it from the preimages)
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::string>> preimages;
};

struct RunResult {
  git::Oid head, tree;
  std::vector<AssembledPatch> patches;
  std::int64_t when = 0;
  std::vector<ExplainJob> explain;
};

// Runs the explain jobs (git rev-list per file) on every core and puts the
// base commits first in each patch's caused_by.
void explain_conflicts(const git::Repository& repo, const git::Oid& base, RunResult& r) {
  std::vector<std::vector<std::string>> found(r.explain.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t k; (k = next++) < r.explain.size();) {
      const ExplainJob& job = r.explain[k];
      std::set<std::string> seen;
      for (auto& f : job.files) {
        std::string from = job.since;
        if (from.empty())
          for (auto& [path, blob] : job.preimages)
            if (path == f) from = preimage_commit(repo, base, f, blob);
        for (auto& c : base_changes(repo, base, from, f))
          if (seen.insert(c).second) found[k].push_back(c);
      }
    }
  };
  std::vector<std::thread> threads;
  unsigned n = std::min<unsigned>(std::max(2u, 2 * std::thread::hardware_concurrency()), unsigned(r.explain.size()));
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  for (std::size_t k = 0; k < r.explain.size(); ++k) {
    auto& conflict = r.patches[r.explain[k].patch].conflict;
    if (conflict) conflict->caused_by.insert(conflict->caused_by.begin(), found[k].begin(), found[k].end());
  }
  r.explain.clear();
}

RunResult run_items(const git::Repository& repo, Assembler& a, const git::Oid& base, std::vector<Item>& items, bool keep_going,
                    const std::vector<std::string>& labels) {
  RunResult out;
  out.head = base;
  out.tree = a.tree_of(base);
  out.when = repo.commit_info(base).committer.time;
  std::map<std::string, std::vector<std::size_t>> touched;  // path -> patches (index) that changed it
  bool stopped = false;
  for (std::size_t k = 0; k < items.size(); ++k) {
    Item& it = items[k];
    AssembledPatch p;
    p.source = it.source_text;
    p.commit = it.is_commit ? it.commit.hex() : "";
    p.message_id = it.message_id;
    p.file = it.file;
    p.subject = it.subject;
    p.author = it.author_name;
    p.author_email = it.author_email;
    p.patch_id = it.patch_id;
    p.note = it.note;
    if (stopped) {
      p.status = "not-tried";
      out.patches.push_back(std::move(p));
      continue;
    }
    if (!it.dropped_by.empty()) {
      p.status = "dropped-upstream";
      p.upstream_commit = it.dropped_by;
      p.upstream_subject = it.dropped_subject;
      p.release = it.dropped_release;
      p.how = it.dropped_how;
      p.note.clear();
      out.patches.push_back(std::move(p));
      continue;
    }
    if (!it.flag_commit.empty()) {
      p.upstream_commit = it.flag_commit;
      p.upstream_subject = it.flag_subject;
      p.release = it.flag_release;
      p.how = it.flag_how;
    }
    ConflictInfo why;
    match::PickResult r = it.is_commit ? a.pick(it.commit, out.tree) : a.apply_diff(it, out.tree, why);
    if (r.kind == match::PickResult::Conflicts) {
      p.status = "conflict";
      std::string since;
      if (it.is_commit) {
        for (auto& c : r.conflicts) {
          why.files.push_back(c.path);
          if (c.lines.empty()) why.hunks.push_back(c.path);
          for (int line : c.lines) why.hunks.push_back(fmt::format("{}:{}", c.path, line));
        }
        git::CommitInfo info = repo.commit_info(it.commit);
        if (!info.parents.empty()) since = info.parents[0].hex();
      } else if (!it.base_commit.empty()) {
        since = it.base_commit;
      }
      // The base's side is asked of git after the loop, on every core.
      out.explain.push_back({out.patches.size(), since, why.files, it.preimages});
      std::set<std::string> seen;
      for (auto& f : why.files) {
        if (auto t = touched.find(f); t != touched.end())
          for (std::size_t j : t->second) {
            std::string label = fmt::format("{}: {}", labels.empty() ? fmt::format("patch {}", j + 1) : labels[j], items[j].subject);
            if (seen.insert(label).second) why.caused_by.push_back(label);
          }
      }
      p.conflict = std::move(why);
      out.patches.push_back(std::move(p));
      if (!keep_going) stopped = true;
      continue;
    }
    if (r.kind == match::PickResult::Empty) {
      p.status = "already-applied";
      out.patches.push_back(std::move(p));
      continue;
    }
    // The files it changes: known from the index or the diff (a tree diff only when not).
    for (auto& path : it.paths.empty() ? a.changed_paths(out.tree, r.tree) : it.paths) touched[path].push_back(k);
    out.head = a.commit(it, out.head, r.tree, out.when);
    out.tree = r.tree;
    p.status = "applied";
    p.result = out.head.hex();
    out.patches.push_back(std::move(p));
  }
  explain_conflicts(repo, base, out);
  return out;
}

void summarize(TargetAssembly& t) {
  t.summary.clear();
  for (const char* k : {"applied", "dropped-upstream", "already-applied", "conflict", "not-tried", "flagged"}) t.summary[k] = 0;
  for (auto& p : t.patches) {
    ++t.summary[p.status];
    if (!p.note.empty()) ++t.summary["flagged"];
  }
  t.summary["total"] = t.patches.size();
}

void refuse_checked_out(git_repository* handle, const std::string& ref_name, const std::string& target) {
  git_reference* ref = nullptr;
  if (git_reference_lookup(&ref, handle, ref_name.c_str()) != 0) return;
  git::ReferencePtr owned(ref);
  if (git_branch_is_checked_out(ref) == 1)
    throw Error("{}: {} is checked out in a work tree: beaver assemble never changes a work tree (switch that work tree to "
                "another branch)",
                target, ref_name);
}

}  // namespace

TargetAssembly assemble_target(const Target& target, const AssembleOptions& o) {
  PhaseTimer timer("assemble");
  git::Repository repo = git::Repository::open(target.repo);
  TargetAssembly out;
  out.name = target.name;
  out.repo = repo.path();
  out.base = target.base;
  out.upstream = target.upstream;
  out.ref = "refs/heads/beaver/" + target.name;
  if (git_reference_is_valid_name(out.ref.c_str()) != 1) throw Error("{}: {} is not a valid branch name", target.name, out.ref);
  auto resolve = [&](const std::string& rev, const char* key) {
    try {
      return repo.resolve_commit(rev);
    } catch (const Error& e) {
      throw Error("{} (line {}): {} = \"{}\" in {}: {}", target.name, target.line, key, rev, repo.path(), e.what());
    }
  };
  git::Oid base = resolve(target.base, "base");
  out.base_commit = base.hex();
  std::optional<git::Oid> upstream;
  if (!target.upstream.empty()) upstream = resolve(target.upstream, "upstream");
  std::vector<git::Oid> tips{base};
  if (upstream) tips.push_back(*upstream);
  if (o.on_status) o.on_status(fmt::format("{}: reading the patches", target.name));
  std::vector<Item> items = resolve_items(repo, target, base, tips, out.warnings);
  timer.phase("patches");
  if (o.on_status) o.on_status(fmt::format("{}: matching {} patches against {}", target.name, items.size(), target.base));
  match::IndexView view(repo, tips, o.index_path, o.on_progress);
  match_items(repo, view, items, base, upstream, o);
  timer.phase("match");
  if (o.on_status) o.on_status(fmt::format("{}: applying", target.name));
  Assembler a(repo, /*scratch=*/o.dry_run);
  RunResult r = run_items(repo, a, base, items, o.keep_going, {});
  timer.phase("apply");
  out.patches = std::move(r.patches);
  out.head = r.head.hex();
  out.head_time = r.when;
  summarize(out);
  if (!out.conflicted() && !o.dry_run) {
    refuse_checked_out(a.handle(), out.ref, target.name);
    git_reference* ref = nullptr;
    std::string log = fmt::format("beaver assemble {}: {} on {}", target.name, out.summary["applied"], target.base);
    if (git_reference_create(&ref, a.handle(), out.ref.c_str(), &r.head.raw, 1, log.c_str()) != 0)
      throw Error("{}: cannot update {}: {}", target.name, out.ref, git::last_error());
    git_reference_free(ref);
    out.ref_updated = true;
  }
  return out;
}

AssembleReport assemble(const Manifest& manifest, const std::vector<const Target*>& targets, const AssembleOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  AssembleReport out;
  out.manifest = manifest.path;
  for (const Target* t : targets) out.targets.push_back(assemble_target(*t, o));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

CombineReport combine(const Target& a, const Target& b, const CombineOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  git::Repository repo = git::Repository::open(a.repo);
  {
    git::Repository rb = git::Repository::open(b.repo);
    if (rb.common_dir() != repo.common_dir())
      throw Error("combine: {} and {} live in different repositories ({} and {})", a.name, b.name, repo.path(), rb.path());
  }
  CombineReport out;
  out.a = a.name;
  out.b = b.name;
  git::Oid base_a = repo.resolve_commit(a.base), base_b = repo.resolve_commit(b.base);
  git::Oid base;
  if (!o.onto.empty()) {
    base = repo.resolve_commit(o.onto);
    out.base = o.onto;
  } else {
    auto mb = repo.merge_base(base_a, base_b);
    if (mb && *mb == base_a) base = base_b, out.base = b.base;
    else if (mb && *mb == base_b) base = base_a, out.base = a.base;
    else {
      // Neither contains the other: the one committed later.
      bool a_newer = repo.commit_info(base_a).committer.time >= repo.commit_info(base_b).committer.time;
      base = a_newer ? base_a : base_b;
      out.base = a_newer ? a.base : b.base;
    }
  }
  out.base_commit = base.hex();
  std::vector<git::Oid> tips{base};
  std::optional<git::Oid> upstream;
  std::string up = !a.upstream.empty() ? a.upstream : b.upstream;
  if (!up.empty()) upstream = repo.resolve_commit(up), tips.push_back(*upstream);
  std::vector<std::string> warnings;
  if (o.on_status) o.on_status("reading the patches");
  std::vector<Item> ia = resolve_items(repo, a, base, tips, warnings);
  std::vector<Item> ib = resolve_items(repo, b, base, tips, warnings);
  AssembleOptions ao;
  ao.index_path = o.index_path;
  ao.on_progress = o.on_progress;
  if (o.on_status) o.on_status("matching against the base");
  match::IndexView view(repo, tips, o.index_path, o.on_progress);
  std::vector<Item> all = ia;
  all.insert(all.end(), ib.begin(), ib.end());
  match_items(repo, view, all, base, upstream, ao);
  std::vector<Item> ab = all, ba(all.begin() + std::ptrdiff_t(ia.size()), all.end());
  ba.insert(ba.end(), all.begin(), all.begin() + std::ptrdiff_t(ia.size()));
  std::vector<std::string> labels_ab, labels_ba;
  for (std::size_t k = 0; k < ia.size(); ++k) labels_ab.push_back(fmt::format("{}#{}", a.name, k + 1));
  for (std::size_t k = 0; k < ib.size(); ++k) labels_ab.push_back(fmt::format("{}#{}", b.name, k + 1));
  labels_ba.assign(labels_ab.begin() + std::ptrdiff_t(ia.size()), labels_ab.end());
  labels_ba.insert(labels_ba.end(), labels_ab.begin(), labels_ab.begin() + std::ptrdiff_t(ia.size()));

  Assembler asm_(repo, /*scratch=*/o.ref.empty());
  if (o.on_status) o.on_status("applying both orders");
  RunResult rab = run_items(repo, asm_, base, ab, /*keep_going=*/true, labels_ab);
  RunResult rba = run_items(repo, asm_, base, ba, /*keep_going=*/true, labels_ba);
  auto fill = [&](TargetAssembly& t, RunResult& r, const std::string& name, const std::vector<std::string>& labels) {
    t.name = name;
    t.repo = repo.path();
    t.base = out.base;
    t.base_commit = base.hex();
    t.head = r.head.hex();
    t.head_time = r.when;
    t.patches = std::move(r.patches);
    for (std::size_t k = 0; k < t.patches.size() && k < labels.size(); ++k) t.patches[k].source = labels[k] + " " + t.patches[k].source;
    summarize(t);
    t.warnings = warnings;
  };
  fill(out.ab, rab, a.name + "+" + b.name, labels_ab);
  fill(out.ba, rba, b.name + "+" + a.name, labels_ba);

  // Each side alone on the base: a patch that applies alone but not after
  // the other side conflicts with the other side's patches on those files.
  Assembler alone(repo, /*scratch=*/true);
  std::vector<Item> only_a(all.begin(), all.begin() + std::ptrdiff_t(ia.size())), only_b(all.begin() + std::ptrdiff_t(ia.size()), all.end());
  RunResult ra = run_items(repo, alone, base, only_a, true, {});
  RunResult rb = run_items(repo, alone, base, only_b, true, {});
  auto pairs_from = [&](const TargetAssembly& combined, std::size_t first_other, const RunResult& alone_run,
                        const std::string& other_name) {
    for (std::size_t k = 0; k < alone_run.patches.size(); ++k) {
      const AssembledPatch& c = combined.patches[first_other + k];
      if (c.status != "conflict" || alone_run.patches[k].status == "conflict" || !c.conflict) continue;
      for (auto& cause : c.conflict->caused_by) {
        if (!cause.starts_with(other_name + "#")) continue;
        CombinePair pair;
        pair.order = combined.name;
        pair.patch = c.source.substr(0, c.source.find(' ')) + ": " + c.subject;
        pair.with = cause;
        pair.files = c.conflict->files;
        pair.hunks = c.conflict->hunks;
        out.conflicts.push_back(std::move(pair));
      }
    }
  };
  pairs_from(out.ab, ia.size(), rb, a.name);
  pairs_from(out.ba, ib.size(), ra, b.name);

  if (!out.ab.conflicted()) out.combines = true, out.order = out.ab.name;
  else if (!out.ba.conflicted()) out.combines = true, out.order = out.ba.name;
  if (out.combines) {
    const TargetAssembly& t = out.order == out.ab.name ? out.ab : out.ba;
    for (auto& p : t.patches)
      if (p.status == "applied") out.series.push_back(p.source + ": " + p.subject);
    if (!o.ref.empty()) {
      std::string ref = o.ref.starts_with("refs/") ? o.ref : "refs/heads/" + o.ref;
      if (git_reference_is_valid_name(ref.c_str()) != 1) throw Error("combine: {} is not a valid branch name", o.ref);
      refuse_checked_out(asm_.handle(), ref, "combine");
      git::Oid head = *git::Oid::from_hex(t.head);
      git_reference* r = nullptr;
      std::string log = fmt::format("beaver combine {} {}", a.name, b.name);
      if (git_reference_create(&r, asm_.handle(), ref.c_str(), &head.raw, 1, log.c_str()) != 0)
        throw Error("combine: cannot update {}: {}", ref, git::last_error());
      git_reference_free(r);
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace beaver::pipeline
