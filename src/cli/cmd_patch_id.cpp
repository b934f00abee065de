// beaver patch-id: `<patch-id> <commit>` for every non-merge commit of the
// ranges, the same set of pairs as `git log -p --no-merges RANGE | git patch-id --stable`.
#include "cli/commands.h"
#include "cli/output.h"
#include "git/config.h"
#include "git/repository.h"
#include "git/scan.h"
#include "util/error.h"
#include "util/term.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace beaver::cli {

void setup_patch_id(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string repo = default_repo();
    std::vector<std::string> revs;
    unsigned threads = 0;
    bool git_config = false;
    std::string format = "text", output;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("patch-id", "Print <patch-id> <commit> for every non-merge commit, as git patch-id --stable");
  add_repo_option(cmd, opts->repo);
  add_jobs_option(cmd, opts->threads, "Worker threads", true);
  add_format_option(cmd, opts->format, {"text", "json"});
  add_output_option(cmd, opts->output, "the ids");
  cmd->add_flag("--git-config", opts->git_config,
                 "Follow the diff settings of git's config (diff.algorithm, diff.context, diff.noprefix, "
                 "diff.indentHeuristic, diff.interHunkContext, diff.suppressBlankEmpty, diff.renames), as "
                 "git log -p does on this machine; slower: every diff is rendered by git");
  add_revisions_option(cmd, opts->revs, "Revisions and ranges as git rev-list takes them, --all too (default: HEAD)");
  cmd->footer(
      "Output equals `git log -p --no-merges RANGE | git patch-id --stable` as a set of pairs;\n"
      "commits with an empty diff and merges print nothing, like git. A commit whose objects are\n"
      "missing (mirrors omit large blobs; a partial clone's blobs, which beaver never fetches) is\n"
      "named on stderr, gets no line, and the exit code is 1.\n\n"
      "The ids are those of git's default diff settings, the same on every machine (and those\n"
      "public-inbox computes). When git's config changes what `git log -p` prints (diff.context,\n"
      "diff.algorithm, ...), beaver says so once; --git-config follows those settings instead.\n"
      "core.bigFileThreshold is always followed: a larger blob is binary, as for git.\n\n"
      "Examples:\n"
      "  beaver patch-id HEAD~10..HEAD\n"
      "  beaver patch-id --repo ~/linux v6.11..v6.12 > ids.txt\n"
      "  beaver patch-id --all\n"
      "  beaver patch-id --git-config HEAD~10..HEAD   as git log -p | git patch-id --stable prints here\n"
      "  beaver patch-id --format json v6.11..v6.12 | jq -r '.ids[] | select(.commit | startswith(\"1a2b\")) | .patch_id'");
  add_exit_status(cmd, "when a commit could not be read (missing objects; it is named on stderr)");
  cmd->callback([opts, cmd, &ctx] {
    git::Repository repo = git::Repository::open(opts->repo);
    std::vector<std::string> revs = revisions_of(cmd, opts->revs);
    if (revs.empty()) revs.push_back("HEAD");
    std::vector<git::Oid> commits = repo.walk(repo.resolve(revs));
    git::DiffConfig diff_config = git::read_diff_config(repo);
    if (!opts->git_config) git::warn_diff_config(diff_config);
    Progress progress("patch-id");
    std::vector<std::pair<std::string, std::string>> errors;  // commit, why
    git::ScanOptions so;
    so.threads = opts->threads;
    if (opts->git_config && !diff_config.active.empty()) {
      so.git_diff.follow_config = true;
      so.git_diff.options = diff_config.diff_tree_options();
    }
    so.on_progress = [&](std::size_t d, std::size_t t) { progress.update(d, t); };
    // Text to standard output streams, batch by batch (through the pager on
    // a terminal); JSON and -o FILE are written whole at the end.
    const bool stream = opts->format == "text" && (opts->output.empty() || opts->output == "-");
    std::string text;
    nlohmann::json ids = nlohmann::json::array();
    so.on_chunk = [&](std::vector<git::ScanResult>& chunk) {
      progress.finish();
      std::string out;
      for (auto& r : chunk) {
        if (!r.error.empty()) errors.emplace_back(r.commit.hex(), r.error);
        if (r.merge || r.fp.patch_id.empty()) continue;
        if (opts->format == "json") {
          ids.push_back({{"patch_id", r.fp.patch_id}, {"commit", r.commit.hex()}});
          continue;
        }
        out += r.fp.patch_id;
        out += ' ';
        out += r.commit.hex();
        out += '\n';
      }
      if (stream && !out.empty()) {
        start_pager();
        std::fwrite(out.data(), 1, out.size(), stdout);
      } else {
        text += out;
      }
    };
    git::scan(repo, commits, so);
    std::fflush(stdout);
    if (opts->format == "json") {
      nlohmann::json j{{"ids", ids}, {"unreadable", nlohmann::json::array()}};
      for (auto& [commit, why] : errors) j["unreadable"].push_back({{"commit", commit}, {"error", why}});
      write_output(opts->output, json_text(j));
    } else if (!stream) {
      write_output(opts->output, text);
    }
    for (auto& [commit, why] : errors) tprint(stderr, "beaver: warning: {}: {}\n", commit, why);
    if (!errors.empty()) {
      tprint(stderr, "beaver: warning: {} commit(s) could not be read; no patch-id printed for them\n", errors.size());
      ctx.exit_code = kExitFound;
    }
  });
}

}  // namespace beaver::cli
