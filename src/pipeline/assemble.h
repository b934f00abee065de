// `beaver assemble` and `beaver combine`: a target's base plus its patches,
// in order, as `refs/heads/beaver/TARGET`, made without a work tree, the git
// index or any other ref (trees merged in memory by match::TreePicker;
// posted patches applied with libgit2's git_apply_to_tree after `git
// mailsplit` / `git mailinfo` read them as `git am` does).
//
// Each patch ends with one status:
//   applied           on the tree (a commit of the assembled branch)
//   dropped-upstream  the stack matcher finds it in the base (identical, same
//                     changed lines, or a modified version that covers all
//                     of it): not applied; `upstream_commit` and `release` say where
//   already-applied   applying it changes nothing
//   conflict          it does not apply; `conflict` says where and what in the
//                     base (or an earlier patch) changed those files since
//                     the patch's own base
// A modified upstream version that covers only part of a patch leaves it
// applied and flagged (`note`). Assembly is deterministic: author data from
// each patch, the committer "beaver assemble <beaver@assemble.invalid>" with a
// date derived from the inputs (the latest of the base's committer date and
// the patches' author dates so far), so the same inputs give the same ids.
#pragma once

#include "git/repository.h"
#include "pipeline/manifest.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace beaver::pipeline {

struct ConflictInfo {
  std::vector<std::string> files;
  std::vector<std::string> hunks;      // "FILE:LINE" where git puts the conflict, or the hunk header that failed
  std::vector<std::string> caused_by;  // base commits (40 hex) since the patch's own base that change those files,
                                       // and earlier patches of the assembly that touch them ("patch N: subject")
  std::string detail;                  // libgit2's or git's own words, when it had some
};

struct AssembledPatch {
  std::string source;       // "branch vendor/snp", "mbox series/x.mbox", "series patches/series", "commits ..."
  std::string commit;       // the patch's commit (40 hex), or "" for a mail or a patch file
  std::string message_id;   // for a mail
  std::string file;         // for a quilt patch: the file
  std::string subject, author, author_email;
  std::string patch_id;     // git patch-id --stable of its diff
  std::string status;       // applied | dropped-upstream | already-applied | conflict
  std::string upstream_commit, upstream_subject, release, how;  // the upstream match (dropped, or flagged)
  std::string note;         // why it is flagged (a partial upstream match, a later upstream release)
  std::string result;       // the assembled commit that carries it (applied)
  std::optional<ConflictInfo> conflict;
};

struct TargetAssembly {
  std::string name, repo, base, base_commit, upstream, ref;
  std::string head;          // the assembled head (40 hex): the base's commit when nothing applied
  bool ref_updated = false;  // false after a conflict (or with dry_run)
  std::vector<AssembledPatch> patches;
  std::map<std::string, std::size_t> summary;  // per status, plus "total", "flagged"
  std::vector<std::string> warnings;           // mails without a diff, cover letters skipped, ...
  std::int64_t head_time = 0;                  // the committer date of head (KBUILD_BUILD_TIMESTAMP)
  bool conflicted() const { return summary.count("conflict") && summary.at("conflict") > 0; }
};

struct AssembleReport {
  std::string manifest;
  std::vector<TargetAssembly> targets;
  double seconds = 0;
  bool conflicted() const;
};

struct AssembleOptions {
  std::string index_path;   // "" = the repository's default
  bool keep_going = false;  // a conflicting patch is skipped and assembly goes on (the ref is not updated)
  bool dry_run = false;     // never update the ref
  std::function<void(const std::string&)> on_status;
  std::function<void(std::size_t, std::size_t)> on_progress;
};

AssembleReport assemble(const Manifest& manifest, const std::vector<const Target*>& targets, const AssembleOptions& options);
TargetAssembly assemble_target(const Target& target, const AssembleOptions& options);

// `beaver combine A B`: both patch sets on one base.
struct CombinePair {
  std::string order;       // "A+B" or "B+A": the order in which it conflicts
  std::string patch;       // "B#N: subject": the patch that conflicts (applied alone on the base, it does not)
  std::string with;        // "A#M: subject": the other side's patch that touched those files before it
  std::vector<std::string> files;
  std::vector<std::string> hunks;
};

struct CombineReport {
  std::string a, b, base, base_commit;
  bool combines = false;  // one order applies without conflict
  std::string order;      // "A+B" or "B+A" (the first that applies), or ""
  TargetAssembly ab, ba;  // each order assembled (dry run)
  std::vector<CombinePair> conflicts;  // patches of one side that conflict because of the other's
  std::vector<std::string> series;     // the combined series (subjects, in order) when they combine
  double seconds = 0;
};

struct CombineOptions {
  std::string onto;  // "" = the newer base
  std::string index_path;
  std::string ref;   // when set and they combine: write the combined branch here (refs/heads/...)
  std::function<void(const std::string&)> on_status;
  std::function<void(std::size_t, std::size_t)> on_progress;
};

CombineReport combine(const Target& a, const Target& b, const CombineOptions& options);

}  // namespace beaver::pipeline
