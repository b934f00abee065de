// beaver index: build or refresh the persistent commit index.
#include "cli/commands.h"
#include "cli/output.h"
#include "git/repository.h"
#include "index/index.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace beaver::cli {

void setup_index(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo();
    std::string index;
    std::vector<std::string> revs;
    std::optional<std::string> release_pattern;
    std::string format = "text", output;
    bool rebuild = false, strict = false, verify = false;
    unsigned threads = 0;
    std::size_t batch = 4096;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("index", "Build or refresh the commit index (patch-ids, trailers, releases)");
  add_repo_option(cmd, o->repo);
  add_index_option(cmd, o->index);
  cmd->add_option("--release-pattern", o->release_pattern,
                  "Glob of release tags; -rc tags never count (default: the index's pattern, first v*). Stored in the "
                  "index: later runs and every command use it; git config beaver.releasePattern sets it too")
      ->option_text("GLOB");
  cmd->add_flag("--rebuild", o->rebuild, "Delete the index and build it again (recovers a corrupt or foreign file)");
  cmd->add_flag("--strict", o->strict, "Exit 1 when a commit could not be read completely (in this run or an earlier one)");
  cmd->add_flag("--verify", o->verify,
                "Check the index instead of updating it: SQLite's integrity check, and every commit reachable from "
                "the indexed tips counted; exit 1 when something is wrong");
  add_format_option(cmd, o->format, {"text", "json"});
  add_output_option(cmd, o->output, "the JSON summary");
  cmd->add_flag_callback(
         "--json",
         [o] {
           warn_deprecated("--json", "--format json");
           o->format = "json";
         },
         "")
      ->group("");
  add_jobs_option(cmd, o->threads, "Worker threads", true);
  cmd->add_option("--batch", o->batch, "Commits written per transaction (what an interruption can lose)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(1), std::size_t(1) << 24))
      ->option_text("N");
  add_revisions_option(cmd, o->revs, "Revisions to index, as git rev-list takes them (default: every branch and tag)");
  cmd->footer(
      "The index lives in beaver/index.sqlite in the common git directory (every worktree shares\n"
      "it) and is updated incrementally: a second run indexes only new commits, and a run on an unchanged repository returns at once. An\n"
      "interrupted run (even kill -9) is resumed by the next one; two runs at once take turns.\n"
      "Commits whose objects are missing are indexed with what could be read and listed.\n\n"
      "Backport references are read from every message: (cherry picked from commit X),\n"
      "commit X upstream., [ Upstream commit X ], Upstream commit X, (backported from commit X),\n"
      "a `commit X` line (RHEL), Git-commit: X (SUSE), master commit: X (Xen), DEP-3's\n"
      "Origin: upstream|backport, URL and Applied-Upstream: URL, Yocto's Upstream-Status:\n"
      "Backport [URL or id], and forge commit URLs on Upstream:/Upstream-Commit: lines or on\n"
      "Link: lines that say upstream. More conventions come from git config\n"
      "beaver.referencePattern (multi-valued): a POSIX extended regular expression whose first\n"
      "group is the commit id, optionally `kind=NAME:` first. The patterns are stored in the\n"
      "index: when they change, the next run reads every commit's references again. A bad\n"
      "pattern is an input error (exit 2). For instance:\n"
      "  git config --add beaver.referencePattern 'kind=gerrit:^Original-Commit-Id: ([0-9a-f]{40})$'\n\n"
      "Examples:\n"
      "  beaver index                          index every branch and tag of the current repository\n"
      "  beaver index --repo ~/linux v6.1..v6.12\n"
      "  beaver index --format json | jq .new_commits\n"
      "  beaver index --rebuild                start over\n"
      "  beaver index --release-pattern 'RELEASE-*'   releases tagged RELEASE-4.18.0 (Xen), remembered\n"
      "  beaver index --verify                 is the index file sound and complete?\n"
      "  beaver index --format json | jq .reference_patterns   the user-defined reference patterns in effect\n"
      "  git config beaver.releasePattern 'RELEASE-*'   the same, for every command and clone of yours\n"
      "  git config --global beaver.index ~/.cache/beaver/linux.sqlite   one index on a faster disk");
  add_exit_status(cmd, "with --strict, when a commit could not be read completely; with --verify, when the index is "
                       "damaged or incomplete");
  cmd->callback([o, cmd, &ctx] {
    if (!o->output.empty() && o->format != "json")
      throw Error("index: -o writes the JSON summary; add --format json (the text summary goes to stderr)");
    git::Repository repo = git::Repository::open(o->repo);
    if (o->verify) {
      index::VerifyReport v = index::verify(repo, o->index);
      for (auto& line : v.integrity) tprint(stderr, "beaver: {}: damaged: {}\n", v.index_path, line);
      if (v.not_indexed_count)
        tprint(stderr, "beaver: {}: {} commit(s) reachable from the indexed tips are not in the index (first: {})\n",
               v.index_path, v.not_indexed_count, v.not_indexed.front());
      tprint(stderr, "beaver: {}: {} ({} commits indexed, {} reachable from {} tips{})\n", v.index_path,
             v.ok() ? "sound" : "run `beaver index --rebuild`", v.indexed, v.reachable, v.reachable ? "the" : "no",
             v.tips_gone ? fmt::format("; {} tips rewritten since", v.tips_gone) : "");
      if (o->format == "json") {
        nlohmann::json j{{"index", v.index_path},         {"ok", v.ok()},           {"integrity", v.integrity},
                         {"indexed", v.indexed},          {"reachable", v.reachable}, {"not_indexed", v.not_indexed},
                         {"not_indexed_count", v.not_indexed_count}, {"tips_gone", v.tips_gone}};
        write_output(o->output, json_text(j));
      }
      ctx.exit_code = v.ok() ? kExitOk : kExitFound;
      return;
    }
    index::UpdateOptions uo;
    uo.index_path = o->index;
    uo.revs = revisions_of(cmd, o->revs);
    uo.release_pattern = o->release_pattern;
    uo.rebuild = o->rebuild;
    uo.threads = o->threads;
    uo.batch = o->batch;
    uo.on_wait = [](const std::string& msg) { tprint(stderr, "beaver: {}\n", msg); };
    Progress progress("indexing");
    uo.on_progress = [&](std::size_t d, std::size_t t) { progress.update(d, t); };
    index::UpdateSummary s = index::update(repo, uo);
    progress.finish();
    bool color = use_color(stderr);
    for (auto& p : s.problems)
      tprint(stderr, "{} commit {}: {}\n", paint("warning:", "33", color), p.commit, p.what);
    if (o->format == "json") {
      nlohmann::json j;
      j["index"] = s.index_path;
      j["up_to_date"] = s.up_to_date;
      j["walked"] = s.walked;
      j["new_commits"] = s.new_commits;
      j["total_commits"] = s.total_commits;
      j["rendered_by_git"] = s.by_git;
      j["refs_unresolved"] = s.refs_unresolved;
      j["seconds"] = s.seconds;
      j["problems"] = nlohmann::json::array();
      for (auto& p : s.problems) j["problems"].push_back({{"commit", p.commit}, {"error", p.what}});
      j["earlier_problems"] = nlohmann::json::array();
      for (auto& p : s.stored_problems) j["earlier_problems"].push_back({{"commit", p.commit}, {"error", p.what}});
      j["release_pattern"] = s.release_pattern;
      j["release_tags"] = s.release_tags;
      j["reference_patterns"] = s.reference_patterns;
      j["refs_reread"] = s.refs_reread;
      j["notes"] = s.notes;
      write_output(o->output, json_text(j));
    }
    if (verbosity() >= 0) {
      if (s.up_to_date)
        tprint(stderr, "beaver: index is up to date ({} commits) in {:.2f}s: {}\n", s.total_commits, s.seconds, s.index_path);
      else
        tprint(stderr, "beaver: indexed {} new commits ({} in the index, {} rendered by git) in {:.1f}s: {}\n",
                   s.new_commits, s.total_commits, s.by_git, s.seconds, s.index_path);
      if (s.refs_reread)
        tprint(stderr, "beaver: the reference conventions changed: references of {} commits read again\n", s.refs_reread);
      if (s.refs_unresolved)
        tprint(stderr, "beaver: {} Fixes:/backport references name no indexed commit or several (see beaver log)\n",
                   s.refs_unresolved);
      if (!s.problems.empty())
        tprint(stderr, "{} {} commit(s) could not be read completely (missing objects); they are indexed without a patch-id\n",
                   paint("warning:", "33", color), s.problems.size());
      if (!s.stored_problems.empty())
        tprint(stderr, "{} {} commit(s) indexed by earlier runs could not be read completely (first: {}: {}); "
                       "`beaver log COMMIT` shows each\n",
               paint("warning:", "33", color), s.stored_problems.size(), s.stored_problems.front().commit,
               s.stored_problems.front().what);
    }
    if (o->strict && (!s.problems.empty() || !s.stored_problems.empty())) ctx.exit_code = kExitFound;
  });
}

}  // namespace beaver::cli
