// git's settings that change what `git log -p` prints, hence the ids of
// `git log -p | git patch-id --stable` on one machine: diff.algorithm,
// diff.context, diff.noprefix, diff.indentHeuristic, diff.interHunkContext,
// diff.suppressBlankEmpty and diff.renames, from every config git reads (the
// system's, the user's, the repository's, includes, GIT_CONFIG_* and `git -c`
// in the environment: git itself is asked).
//
// beaver's ids are those of git's defaults: the same on every machine, and
// the ones public-inbox computes for mailed patches. When a setting is
// active beaver says so once; `beaver patch-id --git-config` follows them
// (every diff is then rendered by `git diff-tree -p` with the same settings
// as options: plumbing reads only some of them from the config).
//
// core.bigFileThreshold is not here: it is part of git's rules for every
// diff (a larger blob is binary), and beaver always follows it (DiffSettings).
#pragma once

#include "git/repository.h"

#include <string>
#include <vector>

namespace beaver::git {

struct DiffConfig {
  struct Setting {
    std::string key;    // as git prints it (lower case): "diff.context"
    std::string value;  // as written; "true" for a bare key
  };
  std::vector<Setting> active;  // the settings whose values are not git's defaults

  // `git diff-tree` options that give what `git log -p` prints under the
  // active settings (`-U5`, `--diff-algorithm=histogram`, `--no-prefix`, ...);
  // diff.suppressBlankEmpty and diff.indentHeuristic diff-tree reads itself.
  std::vector<std::string> diff_tree_options() const;
  // "diff.context=5, diff.noprefix=true"
  std::string describe() const;
};

// Asks `git config` for the settings above. Never throws: when git cannot
// say, no setting is active.
DiffConfig read_diff_config(const Repository& repo);

// Says once (warn_once) that git would print other patch-ids on this machine,
// and why; nothing when no setting is active.
void warn_diff_config(const DiffConfig& config);

}  // namespace beaver::git
