#include "backport/backport.h"

#include "git/shallow.h"
#include "index/query.h"
#include "kconfig/features.h"
#include "match/apply.h"
#include "match/fixes.h"
#include "match/parallel.h"
#include "match/view.h"
#include "message/message.h"
#include "util/error.h"
#include "util/process.h"
#include "util/text.h"
#include "util/trace.h"

#include <fmt/format.h>

#include <git2/email.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace beaver::backport {

std::string category_of(std::size_t steps) {
  if (steps <= 5) return "bugfix";
  if (steps <= 50) return "feature";
  return "mass";
}

namespace {

using Id = std::int64_t;

bool is_hex40(std::string_view s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// One textual dependency: lines a step's hunk removes or sits next to were
// last changed by `commit` (40 hex), at FILE:LINE of the step's parent.
struct Dependency {
  std::string commit, path;
  int line = 0;
  bool removed = false;  // it removed lines the branch still has next to the hunk
};

struct Analysis {
  std::vector<Dependency> deps;
  std::vector<std::string> notes;  // what could not be read
};

// The line ranges (1-based, inclusive) of the parent's file that a step's
// hunks remove or touch, with one line of context on each side (git-deps'
// default): git's three-way merge conflicts when the branch changed those.
std::vector<std::pair<int, int>> hunk_ranges(git_patch* patch, int file_lines, std::vector<std::pair<int, int>>& changed) {
  std::vector<std::pair<int, int>> ranges;
  for (std::size_t h = 0; h < git_patch_num_hunks(patch); ++h) {
    const git_diff_hunk* hunk = nullptr;
    if (git_patch_get_hunk(&hunk, nullptr, patch, h) != 0) continue;
    int a, b;
    if (hunk->old_lines > 0) {
      a = hunk->old_start - 1;
      b = hunk->old_start + hunk->old_lines;
      changed.emplace_back(hunk->old_start, hunk->old_start + hunk->old_lines - 1);
    } else {  // an insertion after line old_start
      a = hunk->old_start;
      b = hunk->old_start + 1;
    }
    a = std::max(a, 1);
    b = std::min(b, file_lines);
    if (a > b) continue;
    if (!ranges.empty() && a <= ranges.back().second + 1) ranges.back().second = std::max(ranges.back().second, b);
    else ranges.emplace_back(a, b);
  }
  return ranges;
}

int count_lines(git_repository* repo, const git_oid& blob_id) {
  git_blob* blob = nullptr;
  if (git_blob_lookup(&blob, repo, &blob_id) != 0) return -1;
  auto size = git_blob_rawsize(blob);
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob));
  int n = int(std::count(data, data + size, '\n'));
  if (size > 0 && data[size - 1] != '\n') ++n;
  git_blob_free(blob);
  return n;
}

// What one file of a step needs of the step's parent: the line ranges to
// blame (or, for a binary file, the file's last change).
struct BlameJob {
  std::size_t step = 0;  // index into the level's steps
  std::string commit, parent, path;
  std::vector<std::pair<int, int>> ranges, changed;
  // Lines the branch has next to the ranges that upstream removed before the
  // step (blame cannot see a removal): (parent line they followed, a line of them).
  std::vector<std::pair<int, std::string>> removed;
  bool binary = false;
  bool blame = true;  // false: only removals to trace
};

// The pure removals of the diff from the branch's file to the parent's that
// touch `ranges` (parent lines): blame names who wrote the lines a step
// needs, not who removed the lines the branch still has around them.
// How the branch's file differs from the parent's around the ranges: whether
// any parent line in them is not the branch's (then blame says who wrote
// it), and the removals next to them. A file whose differences all lie
// elsewhere needs nothing: the pick of that file merges as on the parent.
struct NearChanges {
  bool touched = true;
  std::vector<std::pair<int, std::string>> removed;
};

NearChanges changes_near(git_repository* handle, const git_oid& onto_blob, const git_oid& parent_blob,
                         const std::vector<std::pair<int, int>>& ranges) {
  struct Collect {
    const std::vector<std::pair<int, int>>* ranges;
    std::vector<std::pair<int, std::string>> out;
    bool in_removal = false;  // the current hunk is a pure removal near a range
    int at = 0;
    bool have_text = false;
    bool touched = false;  // a hunk's parent lines meet a range
  } collect{&ranges, {}, false, 0, false, false};
  git_blob *a = nullptr, *b = nullptr;
  if (git_blob_lookup(&a, handle, &onto_blob) != 0 || git_blob_lookup(&b, handle, &parent_blob) != 0) {
    git_blob_free(a);
    return {};  // unreadable: blame decides
  }
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  opts.context_lines = 0;
  auto hunk_cb = [](const git_diff_delta*, const git_diff_hunk* h, void* payload) -> int {
    auto* c = static_cast<Collect*>(payload);
    c->in_removal = false;
    if (h->new_lines != 0) {  // lines of the parent: blame sees who wrote them
      int first = h->new_start, last = h->new_start + h->new_lines - 1;
      for (auto& [x, y] : *c->ranges)
        if (first <= y && last >= x) c->touched = true;
      return 0;
    }
    int after = h->new_start;         // the removal sat after this parent line
    for (auto& [x, y] : *c->ranges)
      if (after + 1 >= x && after <= y) {
        c->in_removal = true;
        c->at = after;
        c->have_text = false;
        break;
      }
    return 0;
  };
  auto line_cb = [](const git_diff_delta*, const git_diff_hunk*, const git_diff_line* l, void* payload) -> int {
    auto* c = static_cast<Collect*>(payload);
    if (!c->in_removal || c->have_text || l->origin != GIT_DIFF_LINE_DELETION) return 0;
    std::string text(l->content, l->content_len);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (trim(text).empty()) return 0;  // blank: another line of the block says more
    c->out.emplace_back(c->at, std::move(text));
    c->have_text = true;
    return 0;
  };
  git_diff_blobs(a, nullptr, b, nullptr, &opts, nullptr, nullptr, hunk_cb, line_cb, &collect);
  git_blob_free(a);
  git_blob_free(b);
  NearChanges out;
  out.touched = collect.touched;
  out.removed = std::move(collect.out);
  return out;
}

// A step's blame jobs, from its diff against its first parent (libgit2, no
// context lines). Files the step adds need nothing of the parent.
void blame_jobs(git_repository* handle, const git::Oid& step, std::size_t index, git_tree* onto_tree,
                std::vector<BlameJob>& jobs, std::vector<std::string>& notes) {
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, handle, &step.raw) != 0) {
    notes.push_back(fmt::format("{}: cannot read the commit: {}", short_id(step.hex()), git::last_error()));
    return;
  }
  git::CommitPtr commit(c);
  if (git::visible_parents(handle, commit.get()).empty()) return;  // a root: nothing before it
  git_commit* p = nullptr;
  git_tree *old_tree = nullptr, *new_tree = nullptr;
  if (git_commit_parent(&p, commit.get(), 0) != 0) return;
  git::CommitPtr parent(p);
  if (git_commit_tree(&old_tree, p) != 0 || git_commit_tree(&new_tree, commit.get()) != 0) {
    notes.push_back(fmt::format("{}: cannot read its trees: {}", short_id(step.hex()), git::last_error()));
    return;
  }
  git::TreePtr t1(old_tree), t2(new_tree);
  git_diff_options dopts;
  git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
  dopts.context_lines = 0;
  git_diff* d = nullptr;
  if (git_diff_tree_to_tree(&d, handle, old_tree, new_tree, &dopts) != 0) {
    notes.push_back(fmt::format("{}: cannot diff: {}", short_id(step.hex()), git::last_error()));
    return;
  }
  git::DiffPtr diff(d);
  git_diff_find_options fopts;
  git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
  fopts.flags = GIT_DIFF_FIND_RENAMES;
  git_diff_find_similar(d, &fopts);
  std::string parent_hex = git::Oid(*git_commit_id(p)).hex();
  for (std::size_t k = 0; k < git_diff_num_deltas(d); ++k) {
    const git_diff_delta* delta = git_diff_get_delta(d, k);
    if (delta->status == GIT_DELTA_ADDED || delta->status == GIT_DELTA_UNTRACKED) continue;  // nothing of the parent
    // The file as the branch has it: nothing since the branch point to need.
    git_tree_entry* entry = nullptr;
    std::optional<git_oid> onto_blob;
    if (onto_tree && git_tree_entry_bypath(&entry, onto_tree, delta->old_file.path) == 0) {
      bool same = git_oid_equal(git_tree_entry_id(entry), &delta->old_file.id) != 0;
      if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB) onto_blob = *git_tree_entry_id(entry);
      git_tree_entry_free(entry);
      if (same) continue;
    }
    BlameJob job;
    job.step = index;
    job.commit = step.hex();
    job.parent = parent_hex;
    job.path = delta->old_file.path;
    job.binary = (delta->flags & GIT_DIFF_FLAG_BINARY) != 0;
    if (!job.binary) {
      git_patch* raw_patch = nullptr;
      if (git_patch_from_diff(&raw_patch, d, k) != 0 || !raw_patch) {
        notes.push_back(fmt::format("{}: cannot diff {}: {}", short_id(step.hex()), job.path, git::last_error()));
        continue;
      }
      git::PatchPtr patch(raw_patch);
      job.binary = (git_patch_get_delta(raw_patch)->flags & GIT_DIFF_FLAG_BINARY) != 0;
      if (!job.binary) {
        int n = count_lines(handle, delta->old_file.id);
        if (n < 0) {
          notes.push_back(fmt::format("{}: cannot read {} of its parent: {}", short_id(step.hex()), job.path, git::last_error()));
          continue;
        }
        job.ranges = hunk_ranges(raw_patch, n, job.changed);
        if (job.ranges.empty()) continue;  // an empty file, a mode change, a pure rename
        if (onto_blob) {
          NearChanges near = changes_near(handle, *onto_blob, delta->old_file.id, job.ranges);
          if (!near.touched && near.removed.empty()) continue;  // the differences lie elsewhere in the file
          job.removed = std::move(near.removed);
          job.blame = near.touched;
        }
      }
    }
    jobs.push_back(std::move(job));
  }
}

void trace_removals(const git::Repository& repo, const BlameJob& job, const git::Oid& onto, Analysis& out);

// Blames a job's ranges over onto..PARENT: lines the branch already has
// (boundary commits) need nothing.
Analysis run_blame(const git::Repository& repo, const BlameJob& job, const git::Oid& onto) {
  Analysis out;
  std::vector<std::string> cmd = repo.git_command();
  if (job.binary) {
    // No lines to blame: the last change of the file since the branch point.
    cmd.insert(cmd.end(), {"rev-list", "-1", job.parent, "^" + onto.hex(), "--", job.path});
    ProcessResult r = run_process(cmd);
    if (r.exit_code != 0) {
      out.notes.push_back(fmt::format("{}: git rev-list of {} failed: {}", short_id(job.commit), job.path, trim(r.err)));
      return out;
    }
    std::string id(trim(r.out));
    if (is_hex40(id)) out.deps.push_back({id, job.path, 0});
    return out;
  }
  if (!job.blame) {
    trace_removals(repo, job, onto, out);
    return out;
  }
  cmd.insert(cmd.end(), {"blame", "--porcelain"});
  for (auto& [a, b] : job.ranges) cmd.insert(cmd.end(), {"-L", fmt::format("{},{}", a, b)});
  cmd.insert(cmd.end(), {onto.hex() + ".." + job.parent, "--", job.path});
  ProcessResult r = run_process(cmd);
  if (r.exit_code != 0) {
    out.notes.push_back(fmt::format("{}: git blame of {} failed: {}", short_id(job.commit), job.path, trim(r.err)));
    return out;
  }
  // Porcelain: a header "<40 hex> <orig line> <final line> [<count>]" per
  // line; "boundary" in the first block of a commit the range excludes.
  std::unordered_set<std::string> boundary;
  std::vector<std::pair<std::string, int>> lines;
  std::string current;
  for_each_line(r.out, [&](std::string_view line) {
    if (line.empty() || line[0] == '\t') return;
    if (line.size() > 41 && line[40] == ' ' && is_hex40(line.substr(0, 40))) {
      current = std::string(line.substr(0, 40));
      std::string_view rest = line.substr(41);
      auto sp = rest.find(' ');
      if (sp == std::string_view::npos) return;
      lines.emplace_back(current, std::atoi(std::string(rest.substr(sp + 1)).c_str()));
    } else if (line == "boundary") {
      boundary.insert(current);
    }
  });
  // Blamed commit -> the first line it owns, a changed line before a context
  // line (the reason names what the step really rewrites).
  auto is_changed = [&](int n) {
    return std::any_of(job.changed.begin(), job.changed.end(), [n](auto& range) { return n >= range.first && n <= range.second; });
  };
  std::unordered_map<std::string, std::pair<bool, int>> first;  // (context only, line)
  for (auto& [id, n] : lines) {
    if (boundary.count(id)) continue;
    std::pair<bool, int> key(!is_changed(n), n);
    auto [it, fresh] = first.emplace(id, key);
    if (!fresh) it->second = std::min(it->second, key);
  }
  for (auto& [id, at] : first) out.deps.push_back({id, job.path, at.second});
  trace_removals(repo, job, onto, out);
  return out;
}

// Who removed the lines the branch still has next to the hunk: the newest
// commit since the branch point that changed how often the text occurs.
void trace_removals(const git::Repository& repo, const BlameJob& job, const git::Oid& onto, Analysis& out) {
  for (auto& [line, text] : job.removed) {
    std::vector<std::string> log = repo.git_command();
    log.insert(log.end(), {"log", "-n", "1", "--format=%H", "-S" + text, onto.hex() + ".." + job.parent, "--", job.path});
    ProcessResult lr = run_process(log);
    std::string id(trim(lr.out));
    if (lr.exit_code != 0 || !is_hex40(id)) {
      out.notes.push_back(fmt::format("{}: cannot tell which upstream commit removed \"{}\" from {}", short_id(job.commit),
                                      text, job.path));
      continue;
    }
    out.deps.push_back({id, job.path, std::max(line, 1), true});
  }
}

struct StepState {
  Step step;
  Id id = -1;
  bool analysed = false;
};

}  // namespace

Plan plan(const git::Repository& repo, const Options& o) {
  auto t0 = std::chrono::steady_clock::now();
  PhaseTimer timer("backport");
  Plan out;
  out.upstream_rev = o.upstream;
  out.onto_rev = o.onto;
  git::Oid upstream = repo.resolve_commit(o.upstream);
  git::Oid onto = repo.resolve_commit(o.onto);
  out.upstream_oid = upstream.hex();
  out.onto_oid = onto.hex();
  if (o.revisions.empty() && o.paths.empty() && o.features.empty() && !o.fixes)
    throw Error("backport: nothing asked for: name upstream commits or ranges, --paths, --feature or --fixes");
  std::vector<const kconfig::Feature*> features;
  for (auto& f : o.features) {
    const kconfig::Feature* feature = kconfig::find_feature(f);
    if (!feature) {
      std::string known;
      for (auto& k : kconfig::builtin_features()) known += (known.empty() ? "" : ", ") + k.id;
      throw Error("--feature {}: not a feature of the catalog (known: {})", f, known);
    }
    features.push_back(feature);
  }
  auto base = repo.merge_base(onto, upstream);
  if (!base)
    throw Error("{} and {} have no common history{}", o.onto, o.upstream,
                repo.shallow() ? " in this shallow clone (git fetch --unshallow)" : "");
  out.merge_base = base->hex();

  match::IndexView view(repo, {upstream, onto}, o.index_path, o.on_progress);
  index::Database& db = view.db;
  index::Reader& reader = view.reader;
  const match::CommitGraph& graph = view.graph;
  std::vector<bool> in_upstream = graph.reachable({upstream});
  std::vector<bool> in_onto = graph.reachable({onto});
  std::vector<bool> candidate(graph.size(), false);  // upstream commits the branch does not reach
  std::vector<std::size_t> order(graph.size(), 0);
  {
    std::size_t k = 0;
    for (auto& oid : graph.range({upstream}, {onto})) {
      auto id = graph.id(oid);
      if (!id) continue;
      candidate[std::size_t(*id)] = true;
      order[std::size_t(*id)] = ++k;
    }
  }
  timer.phase("graph");

  auto describe = db.prepare("SELECT oid, subject, author_name, author_email, is_merge, files, insertions, deletions, "
                             "t.tag, t.release FROM commits LEFT JOIN first_tags t ON t.commit_id = id WHERE id = ?");
  auto subject_of = [&](Id id) {
    describe.bind(1, id);
    std::string s = describe.step() ? describe.text(1) : "";
    describe.reset();
    return s;
  };
  auto paths_of = db.prepare("SELECT path, old_path FROM paths WHERE commit_id = ? ORDER BY seq");

  // What the branch carries: its own commits matched against upstream's.
  std::vector<index::CommitRecord> own;
  for (auto& oid : graph.range({onto}, {upstream})) {
    auto rec = reader.commit(oid);
    if (rec && !rec->merge) own.push_back(std::move(*rec));
  }
  std::vector<std::vector<match::Pairing>> pairs(own.size());
  match::for_each_matched(
      repo, view.path(), candidate, own.size(),
      [&](match::UpstreamMatcher& m, std::size_t k) { pairs[k] = m.match(own[k]).pairs; }, o.on_match);
  std::unordered_map<Id, std::pair<std::string, std::string>> carried_as;  // upstream id -> (branch commit, how)
  for (std::size_t k = 0; k < own.size(); ++k)
    for (auto& p : pairs[k])
      if (auto oid = git::Oid::from_hex(p.commit))
        if (auto id = graph.id(*oid)) carried_as.emplace(*id, std::make_pair(own[k].oid, p.how));
  timer.phase("carried");

  // Fixes and reverts of upstream commits since the branch point: target -> (fix, is revert).
  std::unordered_map<Id, std::vector<std::pair<Id, bool>>> followups;
  {
    auto st = db.prepare("SELECT commit_id, kind, resolved FROM refs WHERE kind IN ('fixes', 'reverts') AND resolved IS NOT NULL");
    while (st.step()) {
      Id fix = st.int64(0);
      std::string_view blob = st.blob(2);
      if (fix < 0 || std::size_t(fix) >= graph.size() || !candidate[std::size_t(fix)] || blob.size() != GIT_OID_RAWSZ) continue;
      auto target = graph.id(index::oid_of_blob(blob));
      if (!target || !candidate[std::size_t(*target)] || *target == fix) continue;
      followups[*target].emplace_back(fix, st.text(1) == "reverts");
    }
  }
  auto reverted_by = [&](Id id) -> std::optional<Id> {
    auto it = followups.find(id);
    if (it == followups.end()) return std::nullopt;
    for (auto& [f, revert] : it->second)
      if (revert && !carried_as.count(f)) return f;
    return std::nullopt;
  };
  timer.phase("references");

  // The plan, as it grows.
  std::unordered_map<Id, std::size_t> in_plan;  // id -> index in states
  std::vector<StepState> states;
  std::unordered_set<Id> carried_seen, not_planned_seen;
  std::size_t depth_cut = 0, size_cut = 0;
  auto note_carried = [&](Id id, const std::string& needed_by) {
    if (!carried_seen.insert(id).second) return;
    Carried c;
    c.commit = graph.oid(id).hex();
    c.subject = subject_of(id);
    if (in_onto[std::size_t(id)]) {
      c.carried_as = c.commit;
      c.how = "same";
    } else {
      c.carried_as = carried_as[id].first;
      c.how = carried_as[id].second;
    }
    c.needed_by = needed_by;
    out.carried.push_back(std::move(c));
  };
  auto not_planned = [&](Id id, const std::string& commit, const std::string& why) {
    if (id >= 0 && !not_planned_seen.insert(id).second) return;
    out.not_planned.push_back({commit, id >= 0 ? subject_of(id) : "", why});
  };
  // Adds an upstream commit to the plan (or says why not); returns its state.
  std::function<StepState*(Id, const std::string&, const std::string&, const std::string&, int)> add;
  add = [&](Id id, const std::string& role, const std::string& needed_by, const std::string& reason, int depth) -> StepState* {
    std::string hex = graph.oid(id).hex();
    if (in_onto[std::size_t(id)] || carried_as.count(id)) {
      note_carried(id, needed_by);
      return nullptr;
    }
    if (!candidate[std::size_t(id)]) {
      not_planned(id, hex, fmt::format("not in {}", o.upstream));
      return nullptr;
    }
    if (auto it = in_plan.find(id); it != in_plan.end()) {
      StepState& s = states[it->second];
      if (!needed_by.empty() &&
          std::find(s.step.needed_by.begin(), s.step.needed_by.end(), needed_by) == s.step.needed_by.end())
        s.step.needed_by.push_back(needed_by);
      if (!reason.empty()) s.step.reasons.push_back(reason);
      // Asked for after all: the strongest role wins.
      if (role == "requested" && s.step.role != "requested") s.step.role = role;
      s.step.depth = std::min(s.step.depth, depth);
      return &s;
    }
    describe.bind(1, id);
    if (!describe.step()) {
      describe.reset();
      not_planned(id, hex, "not in the index");
      return nullptr;
    }
    Step st;
    st.commit = hex;
    st.subject = describe.text(1);
    st.author = describe.text(2) + " <" + describe.text(3) + ">";
    bool merge = describe.int64(4) != 0;
    st.files = int(describe.int64(5));
    st.lines = int(describe.int64(6) + describe.int64(7));
    st.release = describe.text(9).empty() ? describe.text(8) : describe.text(9);
    describe.reset();
    if (merge) {
      not_planned(id, hex, role == "requested" ? "a merge commit: name the commits it merges (M^1..M^2)"
                                               : fmt::format("a merge commit whose conflict resolution {} needs: "
                                                             "bring those lines by hand", short_id(needed_by)));
      return nullptr;
    }
    if (role != "revert" && !o.keep_reverted)
      if (auto r = reverted_by(id)) {
        not_planned(id, hex, fmt::format("reverted upstream by {} (\"{}\"){}", short_id(graph.oid(*r).hex()), subject_of(*r),
                                         needed_by.empty() ? "" : "; needed by " + short_id(needed_by)));
        return nullptr;
      }
    if (depth > o.max_depth) {
      ++depth_cut;
      return nullptr;
    }
    if (states.size() >= o.max_steps) {
      ++size_cut;
      return nullptr;
    }
    st.role = role;
    if (!needed_by.empty()) st.needed_by.push_back(needed_by);
    if (!reason.empty()) st.reasons.push_back(reason);
    st.depth = depth;
    st.order = order[std::size_t(id)];
    paths_of.bind(1, id);
    while (paths_of.step()) st.paths.push_back(paths_of.text(0));
    paths_of.reset();
    in_plan[id] = states.size();
    states.push_back({std::move(st), id, false});
    return &states.back();
  };

  // The request.
  for (auto& rev : o.revisions) {
    bool range = rev.find("..") != std::string::npos || rev.starts_with("^");
    std::vector<git::Oid> commits;
    if (range) commits = repo.walk(repo.resolve({rev}));
    else commits.push_back(repo.resolve_commit(rev));
    for (auto& c : commits) {
      auto id = graph.id(c);
      if (!id) {
        not_planned(-1, c.hex(), fmt::format("not in {} (not indexed)", o.upstream));
        continue;
      }
      if (range) {
        describe.bind(1, *id);
        bool merge = describe.step() && describe.int64(4) != 0;
        describe.reset();
        if (merge) continue;  // a range's merges: their commits are in the range
      }
      add(*id, "requested", "", range ? fmt::format("in {}", rev) : "asked for", 0);
    }
  }
  if (!o.paths.empty()) {
    auto st = db.prepare("SELECT commit_id, path, old_path FROM paths");
    std::set<Id> hits;
    auto under = [&](const std::string& p) {
      for (auto& want : o.paths) {
        std::string w = want;
        while (w.size() > 1 && w.back() == '/') w.pop_back();
        if (w == "." || p == w || (p.size() > w.size() && p.starts_with(w) && p[w.size()] == '/')) return true;
      }
      return false;
    };
    while (st.step()) {
      Id id = st.int64(0);
      if (id < 0 || std::size_t(id) >= graph.size() || !candidate[std::size_t(id)]) continue;
      if (under(st.text(1)) || under(st.text(2))) hits.insert(id);
    }
    for (Id id : hits) {
      describe.bind(1, id);
      bool merge = describe.step() && describe.int64(4) != 0;
      describe.reset();
      if (!merge) add(id, "requested", "", "touches " + fmt::format("{}", fmt::join(o.paths, ", ")), 0);
    }
  }
  for (auto* f : features) {
    // The commits since the branch point that added a marker's text (or its
    // file) or a `config SYMBOL` line: the feature as upstream built it.
    auto search = [&](const std::vector<std::string>& args, const std::string& what) {
      auto cmd = repo.git_command();
      cmd.insert(cmd.end(), {"log", "--no-merges", "--format=%H"});
      cmd.insert(cmd.end(), args.begin(), args.end() - 2);
      cmd.push_back(onto.hex() + ".." + upstream.hex());
      cmd.insert(cmd.end(), args.end() - 2, args.end());
      ProcessResult r = run_process(cmd);
      if (r.exit_code != 0) throw Error("--feature {}: git log failed: {}", f->id, trim(r.err));
      std::size_t n = 0;
      for_each_line(r.out, [&](std::string_view line) {
        if (auto oid = git::Oid::from_hex(trim(line)))
          if (auto id = graph.id(*oid)) {
            add(*id, "requested", "", fmt::format("feature {}: {}", f->id, what), 0);
            ++n;
          }
      });
      if (n == 0) out.limits.push_back(fmt::format("feature {}: {} is already on {} (or never upstream)", f->id, what, o.onto));
    };
    for (auto& group : f->markers)
      for (auto& m : group) {
        if (m.text.empty()) search({"--diff-filter=A", "--", m.path}, m.describe());
        else search({"-S" + m.text, "--", m.path}, m.describe());
      }
    for (auto& s : f->symbols) search({"-Sconfig " + s.symbol + "\n", "--", "*Kconfig*"}, "config " + s.symbol);
  }
  if (o.fixes) {
    match::FixesOptions fo;
    fo.upstream = o.upstream;
    fo.branch = o.onto;
    fo.index_path = o.index_path;
    match::FixesReport fr = match::run_fixes(repo, fo);
    for (auto& m : fr.missing) {
      auto oid = git::Oid::from_hex(m.commit);
      auto id = oid ? graph.id(*oid) : std::nullopt;
      if (!id) continue;
      std::string target = m.fixes.empty() ? "" : m.fixes[0];
      std::string reason = fmt::format("{} {}{}", m.revert ? "reverts" : "fixes", short_id(target),
                                       m.fixed_in_branch_as.empty() ? ""
                                                                    : fmt::format(", carried as {}", short_id(m.fixed_in_branch_as[0])));
      add(*id, m.revert ? "revert" : "fix", target, reason, 0);
    }
  }
  std::set<std::string> requested_paths;
  for (auto& s : states) requested_paths.insert(s.step.paths.begin(), s.step.paths.end());
  timer.phase("request");

  // Prerequisites and follow-ups, level by level, blamed on every core.
  std::vector<std::string> notes;
  for (;;) {
    std::vector<std::size_t> todo;
    for (std::size_t k = 0; k < states.size(); ++k)
      if (!states[k].analysed) todo.push_back(k);
    if (todo.empty()) break;
    // The jobs of the level (diffs: quick, here), then the blames on every core.
    std::vector<Analysis> results(todo.size());
    std::vector<BlameJob> jobs;
    {
      std::unique_ptr<git_repository, git::Deleter<git_repository, git_repository_free>> handle(repo.open_handle());
      git_commit* oc = nullptr;
      git_tree* ot = nullptr;
      if (git_commit_lookup(&oc, handle.get(), &onto.raw) != 0 || git_commit_tree(&ot, oc) != 0)
        throw Error("{}: cannot read its tree: {}", o.onto, git::last_error());
      git::CommitPtr onto_commit(oc);
      git::TreePtr onto_tree(ot);
      for (std::size_t k = 0; k < todo.size(); ++k)
        blame_jobs(handle.get(), graph.oid(states[todo[k]].id), k, ot, jobs, results[k].notes);
    }
    std::vector<Analysis> blamed(jobs.size());
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex mutex;
    auto work = [&] {
      try {
        for (std::size_t k; (k = next++) < jobs.size();) blamed[k] = run_blame(repo, jobs[k], onto);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        next = jobs.size();
      }
    };
    std::size_t workers = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), jobs.size());
    std::vector<std::thread> threads;
    for (std::size_t t = 1; t < workers; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      Analysis& into = results[jobs[k].step];
      into.deps.insert(into.deps.end(), blamed[k].deps.begin(), blamed[k].deps.end());
      into.notes.insert(into.notes.end(), blamed[k].notes.begin(), blamed[k].notes.end());
    }
    for (std::size_t k = 0; k < todo.size(); ++k) {
      std::size_t at = todo[k];
      states[at].analysed = true;
      Id self = states[at].id;
      std::string hex = states[at].step.commit;
      int depth = states[at].step.depth;
      notes.insert(notes.end(), results[k].notes.begin(), results[k].notes.end());
      // One reason per (prerequisite, file): the first line it owns.
      std::map<std::pair<std::string, std::string>, std::pair<bool, int>> first;  // (removed, line): lines it wrote first
      for (auto& d : results[k].deps) {
        auto key = std::make_pair(d.commit, d.path);
        std::pair<bool, int> value(d.removed, d.line);
        auto [it, fresh] = first.emplace(key, value);
        if (!fresh) it->second = std::min(it->second, value);
      }
      for (auto& [key, value] : first) {
        auto [removed, line] = value;
        auto oid = git::Oid::from_hex(key.first);
        auto id = oid ? graph.id(*oid) : std::nullopt;
        if (!id || *id == self) continue;
        std::string reason =
            line <= 0 ? fmt::format("{} changes the binary file {}, last changed by it", short_id(hex), key.second)
            : removed ? fmt::format("{}'s hunk at {}:{} needs lines it removed", short_id(hex), key.second, line)
                      : fmt::format("{}'s hunk at {}:{} needs lines from it", short_id(hex), key.second, line);
        add(*id, "prerequisite", hex, reason, depth + 1);
      }
      if (o.follow_fixes)
        if (auto it = followups.find(self); it != followups.end())
          for (auto& [fix, revert] : it->second) {
            if (revert && !o.keep_reverted) continue;  // the step itself left the plan
            add(fix, revert ? "revert" : "fix", hex, fmt::format("{} {}", revert ? "reverts" : "Fixes:", short_id(hex)), depth);
          }
    }
  }
  if (depth_cut)
    out.limits.push_back(fmt::format("{} prerequisite(s) deeper than {} level(s) were not followed (--max-depth)", depth_cut,
                                     o.max_depth));
  if (size_cut)
    out.limits.push_back(fmt::format("the plan stopped at {} steps; {} more were not added (--max-steps)", o.max_steps, size_cut));
  out.limits.insert(out.limits.end(), notes.begin(), notes.end());
  timer.phase("prerequisites");

  // Upstream order, then the proof: every step picked in memory, in order.
  std::sort(states.begin(), states.end(), [](const StepState& a, const StepState& b) { return a.step.order < b.step.order; });
  match::TreePicker picker(repo, /*scratch=*/true);
  git::Oid tree = picker.tree_of(onto);
  for (auto& s : states) {
    match::PickResult r = picker.pick(*git::Oid::from_hex(s.step.commit), tree);
    if (r.kind == match::PickResult::Conflicts) {
      s.step.result = "conflicts";
      // What the branch has that the step's upstream parent lacks, in each
      // conflicting file: the branch's own commits, or upstream's that came
      // to the branch by another way (a release merged from another line).
      std::string parent_hex;
      if (auto c = reader.commit(*git::Oid::from_hex(s.step.commit)); c && !c->parents.empty()) parent_hex = c->parents[0];
      for (auto& c : r.conflicts) {
        Conflict conflict{c.path, c.lines, {}};
        if (!parent_hex.empty()) {
          auto cmd = repo.git_command();
          cmd.insert(cmd.end(), {"rev-list", "-n", "5", onto.hex(), "^" + parent_hex, "--", c.path});
          ProcessResult lr = run_process(cmd);
          if (lr.exit_code == 0)
            for_each_line(lr.out, [&](std::string_view line) {
              if (is_hex40(trim(line))) conflict.changed_on_branch.emplace_back(trim(line));
            });
        }
        s.step.conflicts.push_back(std::move(conflict));
      }
      continue;
    }
    s.step.result = r.kind == match::PickResult::Empty ? "empty" : "applies";
    tree = r.tree;
  }
  timer.phase("proof");

  // Size and category.
  std::set<std::string> files;
  std::map<std::string, int> subsystems;
  std::size_t lines = 0, real = 0;
  for (auto& s : states) {
    out.steps.push_back(std::move(s.step));
    Step& st = out.steps.back();
    ++out.summary[st.role == "requested" ? "requested" : st.role == "prerequisite" ? "prerequisites" : st.role == "fix" ? "fixes" : "reverts"];
    ++out.summary[st.result];
    if (st.result == "empty") continue;
    ++real;
    lines += std::size_t(st.lines);
    std::set<std::string> mine;
    for (auto& p : st.paths) {
      files.insert(p);
      auto slash = p.find('/');
      std::string top = slash == std::string::npos ? "(top)" : p.substr(0, slash);
      if (slash != std::string::npos) {
        auto second = p.find('/', slash + 1);
        if (second != std::string::npos) top = p.substr(0, second);
      }
      mine.insert(top);
    }
    for (auto& t : mine) ++subsystems[t];
  }
  for (auto& [k, v] : subsystems) out.subsystems.emplace_back(k, v);
  std::stable_sort(out.subsystems.begin(), out.subsystems.end(), [](auto& a, auto& b) { return a.second > b.second; });
  out.category = category_of(real);
  out.summary["steps"] = out.steps.size();
  out.summary["commits"] = real;
  out.summary["files"] = files.size();
  out.summary["lines"] = lines;
  out.summary["carried"] = out.carried.size();
  out.summary["not_planned"] = out.not_planned.size();
  for (const char* k : {"requested", "prerequisites", "fixes", "reverts", "applies", "empty", "conflicts"}) out.summary[k] += 0;

  // The naive answer: every upstream commit since the branch point touching
  // the files the request touches.
  if (!requested_paths.empty()) {
    auto st = db.prepare("SELECT commit_id, path FROM paths");
    std::unordered_set<Id> naive;
    while (st.step()) {
      Id id = st.int64(0);
      if (id >= 0 && std::size_t(id) < graph.size() && candidate[std::size_t(id)] && requested_paths.count(st.text(1)))
        naive.insert(id);
    }
    out.naive = naive.size();
  }
  out.summary["naive"] = out.naive;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

namespace {

// Whether the paragraph is a trailer block: every line "Token: value", a
// continuation (leading space) or git's own "(cherry picked from ...)".
bool is_trailer_block(std::string_view paragraph) {
  bool any = false, all = true;
  for_each_line(paragraph, [&](std::string_view line) {
    if (line.empty()) return;
    any = true;
    if (line[0] == ' ' || line[0] == '\t' || line.starts_with("(cherry picked from")) return;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(line.begin(), line.begin() + std::ptrdiff_t(colon),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }))
      all = false;
  });
  return any && all;
}

// git format-patch's file name: NNNN-subject-with-dashes.patch.
std::string patch_file_name(std::size_t n, std::string_view subject) {
  std::string slug;
  for (char c : subject) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') slug += c;
    else if (!slug.empty() && slug.back() != '-') slug += '-';
    if (slug.size() >= 52) break;
  }
  while (!slug.empty() && (slug.back() == '-' || slug.back() == '.')) slug.pop_back();
  return fmt::format("{:04}-{}.patch", n, slug.empty() ? "patch" : slug);
}

}  // namespace

std::string backport_message(const std::string& upstream_message, const Step& step,
                             const std::vector<std::pair<std::string, std::string>>& needed_by_subjects, Reference reference) {
  std::string_view raw = upstream_message;
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == ' ' || raw.back() == '\r')) raw.remove_suffix(1);
  std::size_t nl = raw.find('\n');
  std::string_view subject = raw.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : trim(raw.substr(nl + 1));
  std::string out(subject);
  out += "\n\n";
  if (reference == Reference::Upstream) out += fmt::format("commit {} upstream.\n\n", step.commit);
  out += body;
  std::vector<std::string> trailers;
  for (auto& [commit, subj] : needed_by_subjects) trailers.push_back(fmt::format("Stable-dep-of: {} (\"{}\")", short_id(commit), subj));
  if (reference == Reference::CherryPick) trailers.push_back(fmt::format("(cherry picked from commit {})", step.commit));
  if (!trailers.empty()) {
    std::size_t last = body.rfind("\n\n");
    std::string_view last_paragraph = last == std::string_view::npos ? body : body.substr(last + 2);
    if (body.empty()) out.resize(out.size() - 1);  // one blank line after the subject
    else out += is_trailer_block(last_paragraph) ? "\n" : "\n\n";
    for (auto& t : trailers) out += t + "\n";
  } else {
    if (body.empty()) out.resize(out.size() - 1);
    else out += "\n";
  }
  while (out.size() >= 2 && out.ends_with("\n\n")) out.pop_back();
  return out;
}

std::string apply(const git::Repository& repo, const Plan& plan, const ApplyOptions& options) {
  if (options.branch.empty() && options.series_dir.empty()) throw Error("backport: nothing to write (a branch or a series)");
  std::vector<const Step*> steps;
  for (auto& s : plan.steps) {
    if (s.result == "conflicts")
      throw Error("backport: {} (\"{}\") conflicts on {}: nothing was written; resolve it by hand or leave it out",
                  short_id(s.commit), s.subject, plan.onto_rev);
    if (s.result == "applies") steps.push_back(&s);
  }
  if (steps.empty()) throw Error("backport: every step is already on {}: nothing to write", plan.onto_rev);
  match::TreePicker picker(repo, /*scratch=*/false);
  git_repository* handle = picker.get();
  std::string ref_name;
  if (!options.branch.empty()) {
    ref_name = "refs/heads/" + options.branch;
    if (git_reference_is_valid_name(ref_name.c_str()) != 1) throw Error("--apply {}: not a valid branch name", options.branch);
    git_reference* existing = nullptr;
    if (git_reference_lookup(&existing, handle, ref_name.c_str()) == 0) {
      git_reference_free(existing);
      if (!options.force) throw Error("--apply {}: the branch exists (--force replaces it)", options.branch);
    }
  }
  // The committer as git finds it: GIT_COMMITTER_NAME/EMAIL, else user.name/email.
  git_signature* committer = nullptr;
  const char* env_name = std::getenv("GIT_COMMITTER_NAME");
  const char* env_email = std::getenv("GIT_COMMITTER_EMAIL");
  if (env_name && *env_name && env_email && *env_email) {
    if (git_signature_now(&committer, env_name, env_email) != 0)
      throw Error("backport: GIT_COMMITTER_NAME/EMAIL: {}", git::last_error());
  } else if (git_signature_default(&committer, handle) != 0) {
    throw Error("backport: no committer identity: set user.name and user.email (git config) or GIT_COMMITTER_NAME "
                "and GIT_COMMITTER_EMAIL");
  }
  std::unique_ptr<git_signature, git::Deleter<git_signature, git_signature_free>> committer_owned(committer);

  std::unordered_map<std::string, std::string> subjects;
  for (auto& s : plan.steps) subjects[s.commit] = s.subject;
  git::Oid onto = *git::Oid::from_hex(plan.onto_oid);
  git::Oid head = onto, tree = picker.tree_of(onto);
  std::vector<std::pair<git::Oid, const Step*>> made;
  for (const Step* s : steps) {
    git::Oid upstream = *git::Oid::from_hex(s->commit);
    match::PickResult r = picker.pick(upstream, tree);
    if (r.kind == match::PickResult::Conflicts)  // the plan is stale: the branch moved
      throw Error("backport: {} no longer applies to {}: plan again", short_id(s->commit), plan.onto_rev);
    if (r.kind == match::PickResult::Empty) continue;
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, handle, &upstream.raw) != 0) throw Error("{}: {}", s->commit, git::last_error());
    git::CommitPtr original(c);
    std::vector<std::pair<std::string, std::string>> needs;
    if (s->role == "prerequisite")
      for (auto& n : s->needed_by) needs.emplace_back(n, subjects.count(n) ? subjects[n] : "");
    std::string message = backport_message(git_commit_message(c), *s, needs, options.reference);
    git_tree* t = nullptr;
    git_commit* parent = nullptr;
    if (git_tree_lookup(&t, handle, &r.tree.raw) != 0 || git_commit_lookup(&parent, handle, &head.raw) != 0)
      throw Error("backport: {}", git::last_error());
    git::TreePtr tree_owned(t);
    git::CommitPtr parent_owned(parent);
    const git_commit* parents[] = {parent};
    git_oid id;
    if (git_commit_create(&id, handle, nullptr, git_commit_author(c), committer, nullptr, message.c_str(), t, 1, parents) != 0)
      throw Error("backport: cannot write the commit for {}: {}", short_id(s->commit), git::last_error());
    head = git::Oid(id);
    tree = r.tree;
    made.emplace_back(head, s);
  }
  if (made.empty()) throw Error("backport: every step is already on {}: nothing to write", plan.onto_rev);

  if (!options.series_dir.empty()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(options.series_dir, ec);
    if (ec) throw Error("--series {}: {}", options.series_dir, ec.message());
    for (std::size_t k = 0; k < made.size(); ++k) {
      git_commit* c = nullptr;
      if (git_commit_lookup(&c, handle, &made[k].first.raw) != 0) throw Error("backport: {}", git::last_error());
      git::CommitPtr commit(c);
      git_commit* p = nullptr;
      git_tree *old_tree = nullptr, *new_tree = nullptr;
      git_commit_parent(&p, c, 0);
      git::CommitPtr parent(p);
      if (!p || git_commit_tree(&old_tree, p) != 0 || git_commit_tree(&new_tree, c) != 0)
        throw Error("backport: {}", git::last_error());
      git::TreePtr t1(old_tree), t2(new_tree);
      git_diff* d = nullptr;
      if (git_diff_tree_to_tree(&d, handle, old_tree, new_tree, nullptr) != 0) throw Error("backport: {}", git::last_error());
      git::DiffPtr diff(d);
      // GIT_EMAIL_CREATE_OPTIONS_INIT's fields, spelled out (the macro leaves
      // some to zero-initialisation, which -Wmissing-field-initializers flags).
      git_email_create_options eo{};
      eo.version = GIT_EMAIL_CREATE_OPTIONS_VERSION;
      git_diff_options_init(&eo.diff_opts, GIT_DIFF_OPTIONS_VERSION);
      eo.diff_opts.flags = GIT_DIFF_SHOW_BINARY;
      git_diff_find_options_init(&eo.diff_find_opts, GIT_DIFF_FIND_OPTIONS_VERSION);
      git_buf buf = GIT_BUF_INIT;
      std::string message = git_commit_message(c);
      std::size_t nl = message.find('\n');
      std::string summary = message.substr(0, nl);
      std::string body = nl == std::string::npos ? "" : std::string(trim(std::string_view(message).substr(nl + 1)));
      if (git_email_create_from_diff(&buf, d, k + 1, made.size(), git_commit_id(c), summary.c_str(), body.c_str(),
                                     git_commit_author(c), &eo) != 0)
        throw Error("backport: cannot format {}: {}", short_id(made[k].second->commit), git::last_error());
      std::string text(buf.ptr, buf.size);
      git_buf_dispose(&buf);
      fs::path file = fs::path(options.series_dir) / patch_file_name(k + 1, summary);
      std::ofstream f(file, std::ios::binary);
      f << text;
      if (!f.flush()) throw Error("--series: cannot write {}", file.string());
    }
  }
  if (!ref_name.empty()) {
    git_reference* ref = nullptr;
    std::string log = fmt::format("beaver backport onto {}", plan.onto_rev);
    if (git_reference_create(&ref, handle, ref_name.c_str(), &head.raw, options.force ? 1 : 0, log.c_str()) != 0)
      throw Error("--apply {}: {}", options.branch, git::last_error());
    git_reference_free(ref);
  }
  return head.hex();
}

}  // namespace beaver::backport
