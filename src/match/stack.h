// `beaver stack`: what a downstream branch carries. For every non-merge
// commit of BASE..BRANCH: upstream (identical), upstream-modified (same
// change, other diff: context, conflicts, partial, squash), posted (found in
// a mail archive), or unposted; plus what the commit claims about itself and
// which of those claims are false.
#pragma once

#include "git/repository.h"
#include "mail/mail.h"
#include "match/posted.h"
#include "match/upstream.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace beaver::match {

struct StackOptions {
  std::string upstream;            // U
  std::string branch;              // BRANCH
  std::string base;                // empty: merge base of U and BRANCH
  std::vector<std::string> mail;   // archives (mbox, maildir, public-inbox)
  std::string index_path;          // empty: the default
  std::function<void(const std::string&)> on_status;  // progress messages for a TTY
  std::function<void(std::size_t, std::size_t)> on_progress;  // index update progress
  std::function<void(std::size_t, std::size_t)> on_match;     // commits judged so far, of all (any thread)
};

struct Claim {
  std::string kind;        // prefix | cherry_picked_from | commit_upstream | ... | link
  std::string value;       // the prefix, the id as written, or the URL
  std::string resolved;    // 40 hex when the id names an indexed commit
  bool in_upstream = false;
  double similarity = -1;  // diff agreement with the named commit (-1: not compared)
  bool holds = true;
  std::string why;         // when it does not hold (or cannot be checked)
};

struct StackEntry {
  std::string commit, subject, author;
  std::string status;              // upstream | upstream-modified | posted | unposted
  std::vector<Pairing> upstream;   // best first
  std::optional<Posting> posted;
  std::vector<Claim> claimed;
  // The number of upstream commits this commit squashes (2 or more: the
  // upstream pairs it names by reference, or its `part`/`folded` pairs), or 0.
  std::size_t squash_of = 0;
  bool false_claim = false;
  std::string error;               // e.g. objects missing when indexed
};

struct StackReport {
  std::string upstream_rev, branch_rev, base_rev;  // as given
  std::string upstream_oid, branch_oid, base_oid;
  std::vector<StackEntry> entries;  // oldest first
  std::map<std::string, std::size_t> summary;      // per status, plus "false_claims", "total"
  std::size_t mails = 0, mailed_patches = 0;
  std::vector<mail::Problem> mail_problems;
  MatchStats stats;
  double seconds = 0;
};

// Updates the index for U and BRANCH first (instant when up to date).
// Throws beaver::Error for unknown revisions or unreadable archives.
StackReport run_stack(const git::Repository& repo, const StackOptions& options);

// The merge base of upstream and branch; throws beaver::Error naming `what`
// (and suggesting --base) when they share no history.
git::Oid merge_base_or_fail(const git::Repository& repo, const git::Oid& upstream, const git::Oid& branch,
                            const std::string& what);

// Prefixes that claim the commit is upstream, queued, or posted.
bool prefix_claims_upstream(std::string_view prefix);
bool prefix_claims_posted(std::string_view prefix);

}  // namespace beaver::match
