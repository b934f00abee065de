// The difference between two versions of a patch (`beaver delta`, and
// `rebase-diff --full`), the way `git range-diff` shows it: both patches are
// normalised (no "index" lines, hunk headers without line numbers, so a patch
// that only moved is unchanged), then diffed against each other. Lines of the
// result start with the outer sign (how the patch changed) followed by the
// patch's own line (what the patch does).
#pragma once

#include <string>
#include <string_view>

namespace beaver::match {

// The normalised form of a patch compared by interdiff().
std::string normalize_patch(std::string_view diff_text);

// A unified diff (3 lines of context) from the first patch to the second,
// with `old_label` / `new_label` in its header; empty when they agree.
std::string interdiff(std::string_view old_patch, std::string_view new_patch, std::string_view old_label,
                      std::string_view new_label);

// A one-line summary of an interdiff: "+3 -1 lines in the patch (drivers/x.c, ...)" or "".
std::string interdiff_summary(std::string_view interdiff_text);

}  // namespace beaver::match
