// Evaluating a configuration the way `make olddefconfig` does: a port of the
// kernel's scripts/kconfig/symbol.c (sym_calc_value, sym_calc_visibility,
// choices, ranges), the dependency propagation of menu.c (menu_finalize:
// `m` rewritten to `m && MODULES`, parent dependencies, select and imply
// turned into reverse dependencies) and conf_read/conf_write of confdata.c.
//
// Two generations of the kernel's tool are modelled, because choices changed
// in 6.11: before, a choice is a (possibly tristate) symbol whose value names
// the chosen member; since, choices are bool and the chosen member is the
// first visible one the user set to y, by priority of reading. Everything
// else is the same. tests/kconfig_eval_test.cpp compares the result with the
// real `make olddefconfig` on Debian's configs for both.
//
// Expressions of the model (Evaluator::visibility_expr and friends) are the
// finalized ones, as menu.c leaves them, so an explanation can walk exactly
// what the kernel evaluates.
#pragma once

#include "kconfig/dotconfig.h"
#include "kconfig/kconfig.h"

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace beaver::kconfig {

enum class Tri : std::uint8_t { N = 0, M = 1, Y = 2 };
inline Tri tri_and(Tri a, Tri b) { return a < b ? a : b; }
inline Tri tri_or(Tri a, Tri b) { return a > b ? a : b; }
inline Tri tri_not(Tri a) { return static_cast<Tri>(2 - static_cast<int>(a)); }
char to_char(Tri t);  // 'n', 'm', 'y'
// "y" → Y, "m" → M, anything else → N (how conf reads a tristate value).
Tri tri_from(std::string_view text);
// A bool or tristate symbol type (the ones with a Tri value).
inline bool is_boolish(SymbolType t) { return t == SymbolType::Bool || t == SymbolType::Tristate; }

enum class Generation {
  Classic,  // scripts/kconfig before 6.11 (6.1): choice symbols with values
  Modern,   // 6.11 and later (6.12): bool choices, member priority
};

// The generation of a parsed tree, from its KERNELVERSION (Modern from 6.11);
// a tree without a version is Modern unless it uses a named, optional or
// tristate choice.
Generation generation_of(const Kconfig& kconfig);

class Evaluator {
public:
  // Finalizes the tree (menu.c) once; load() can then be called many times.
  Evaluator(const Kconfig& kconfig, Generation generation);
  explicit Evaluator(const Kconfig& kconfig) : Evaluator(kconfig, generation_of(kconfig)) {}
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // conf_read: takes the user values of `config` (unknown symbols and values
  // the kernel would reject are listed in problems()), then computes every
  // symbol. Replaces what an earlier load() set.
  void load(const DotConfig& config);

  // What `make olddefconfig` writes after load(): every written symbol, in
  // menu order, with the kernel's values ("y", "m", "n", a number, a string).
  DotConfig result();

  // Values after load().
  Tri tri(const Symbol& sym);
  std::string value(const Symbol& sym);  // "y"/"m"/"n" for bool/tristate, else the text
  Tri visibility(const Symbol& sym);     // best prompt visibility (0 when no prompt)
  Tri reverse_dependency(const Symbol& sym);  // from `select`
  // Evaluates a finalized or a parsed expression (nullptr is y).
  Tri eval(const Expr* e);
  // For comparisons: the symbol's value as text (an undefined symbol's is its name).
  std::string text_of(const Expr* leaf);

  // The finalized expressions (nullptr means y).
  const Expr* direct_dependency_expr(const Symbol& sym) const;  // OR of every definition's dependencies
  // A property's finalized condition (its definition's dependencies, its own
  // `if`, and for prompts the enclosing `visible if`).
  const Expr* condition(const Property& prop) const;
  // The choice a symbol is a member of (its Symbol), or nullptr.
  const Symbol* choice_of(const Symbol& sym) const;
  // The chosen member of a choice (after load()), or nullptr.
  const Symbol* chosen(const Symbol& choice);
  // Every symbol that selects `sym`, with the `select` property.
  struct Reverse {
    const Symbol* from = nullptr;
    const Property* prop = nullptr;
  };
  const std::vector<Reverse>& selected_by(const Symbol& sym) const;

  // Problems found by load(): "line N: ..." for values the kernel ignores.
  const std::vector<ConfigProblem>& problems() const { return problems_; }
  Generation generation() const { return generation_; }
  const Kconfig& kconfig() const { return kconfig_; }

private:
  struct State;
  State& st(const Symbol& sym);
  const State& st(const Symbol& sym) const;
  void finalize();
  const Expr* rewrite_m(const Expr* e);
  const Expr* and_(const Expr* a, const Expr* b);
  const Expr* or_(const Expr* a, const Expr* b);
  const Expr* sym_leaf(const Symbol* s);
  void calc(const Symbol& sym);
  void calc_visibility(const Symbol& sym);
  const Symbol* calc_choice_classic(const Symbol& choice);
  void calc_choice_modern(const Symbol& choice);
  const Symbol* choice_default(const Symbol& choice);
  const Property* active_prop(const Symbol& sym, PropertyKind kind);
  long long range_bound(const Expr* leaf, int base);
  void validate_range(const Symbol& sym);
  SymbolType effective_type(const Symbol& sym) const;
  bool within_range(const Symbol& sym, const std::string& text);
  void invalidate_all();

  const Kconfig& kconfig_;
  Generation generation_;
  std::deque<Expr> exprs_;
  std::vector<State> states_;
  std::unordered_map<const Symbol*, int> ids_;
  std::unordered_map<const Property*, const Expr*> conditions_;
  std::vector<const Symbol*> order_;  // symbols in menu order, for result()
  std::vector<ConfigProblem> problems_;
  const Symbol* modules_ = nullptr;
  Tri modules_val_ = Tri::N;
  Expr const_mod_;
};

}  // namespace beaver::kconfig
