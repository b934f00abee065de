// Why a Kconfig symbol does not have the value someone asked for, and which
// minimal set of changes to user-settable symbols would give it that value.
// Works on an Evaluator loaded with the configuration in question, so every
// condition is the one the kernel evaluates (menu.c's finalized expressions).
//
// The search for changes ("a plan") walks the failing part of a condition
// down to symbols that have a prompt: `depends on A && !B` needs A set and B
// cleared; a promptless symbol is reached through what selects it or its
// defaults; `||` takes the cheapest branch. A condition on a constant, an
// integer comparison or a toolchain symbol (CC_IS_CLANG, ...) cannot be
// changed from a .config and is reported as such. The depth is bounded and
// loops are cut, so a plan is minimal per branch, not globally optimal.
#pragma once

#include "kconfig/eval.h"

#include <string>
#include <string_view>
#include <vector>

namespace beaver::kconfig {

struct Assignment {
  std::string symbol;
  std::string value;   // "y", "m" or "n"
  std::string reason;  // "SEV_GUEST depends on it", "selects TSM_REPORTS", "`depends on !X86_X32` forbids it"
};

struct Explanation {
  std::string symbol;
  std::string wanted;  // "y", "m" or "n"
  std::string actual;  // its value now ("n" for an unwritten bool/tristate)
  bool defined = false;     // the tree defines it
  bool has_prompt = false;  // a user can set it directly
  bool satisfied = false;   // actual meets wanted (y meets m; m does not meet y)
  // Sentences, most important first: what blocks it, from where.
  std::vector<std::string> reasons;
  // What stands in the way, as NAME=VALUE of user-settable symbols (or the
  // unchangeable term, e.g. "CC_IS_CLANG=n (set by the toolchain)").
  std::vector<std::string> blockers;
  // Symbols whose `select` can set it (promptless symbols), "NAME=VALUE".
  std::vector<std::string> selected_by;
  // Changes that would make it stick, in the order to apply; empty when it
  // is satisfied or no plan was found (fixable then says which).
  std::vector<Assignment> fix;
  bool fixable = false;

  // The reasons and the fix as one paragraph.
  std::string text() const;
};

// Why `name` is not `wanted` (Tri::Y or Tri::M: at least that; Tri::N: off)
// in the configuration `ev` has loaded.
Explanation explain(Evaluator& ev, std::string_view name, Tri wanted);

}  // namespace beaver::kconfig
