#include "kconfig/explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace beaver::kconfig {

namespace {

bool meets(Tri value, Tri wanted) { return wanted == Tri::N ? value == Tri::N : value >= wanted; }

std::string tri_text(Tri t) { return std::string(1, to_char(t)); }

// Symbols a .config cannot change: the toolchain's answers and the arch.
bool toolchain_symbol(const Symbol& s) {
  static const char* const prefixes[] = {"CC_", "AS_", "LD_", "GCC_", "CLANG_", "RUSTC_", "PAHOLE_", "TOOLCHAIN_", "TOOLS_"};
  for (const char* p : prefixes)
    if (s.name.rfind(p, 0) == 0) return true;
  return false;
}

void flatten(const Expr* e, ExprKind kind, std::vector<const Expr*>& out) {
  if (e && e->kind == kind) {
    flatten(e->left, kind, out);
    flatten(e->right, kind, out);
  } else if (e) {
    out.push_back(e);
  }
}

bool has_prompt(const Symbol& s) {
  return std::any_of(s.properties.begin(), s.properties.end(),
                     [](const Property& p) { return p.kind == PropertyKind::Prompt; });
}

struct Plan {
  bool ok = true;
  std::vector<Assignment> changes;
  std::vector<std::string> stuck;  // why not ok

  std::size_t cost() const { return ok ? changes.size() : SIZE_MAX; }
  static Plan fail(std::string why) {
    Plan p;
    p.ok = false;
    p.stuck.push_back(std::move(why));
    return p;
  }
  // Adds `other`'s changes; a symbol asked for two values makes it fail.
  void merge(const Plan& other) {
    if (!other.ok) {
      ok = false;
      stuck.insert(stuck.end(), other.stuck.begin(), other.stuck.end());
      return;
    }
    for (const Assignment& a : other.changes) {
      auto it = std::find_if(changes.begin(), changes.end(), [&](const Assignment& c) { return c.symbol == a.symbol; });
      if (it == changes.end()) {
        changes.push_back(a);
      } else if (it->value != a.value) {
        ok = false;
        stuck.push_back(fmt::format("{} would need to be both {} and {}", a.symbol, it->value, a.value));
      }
    }
  }
};

class Planner {
public:
  explicit Planner(Evaluator& ev) : ev_(ev) {}

  // Makes `e` evaluate to at least `level` (Y or M), or to n (level N).
  Plan need(const Expr* e, Tri level, const std::string& because) {
    if (meets(ev_.eval(e), level)) return {};
    if (!e) return Plan::fail(because + ", unconditionally");
    switch (e->kind) {
      case ExprKind::Symbol: {
        if (!e->symbol || !e->symbol->defined())
          return Plan::fail(fmt::format("{} is not defined in this tree", e->text));
        return set(*e->symbol, level, because);
      }
      case ExprKind::Const: return Plan::fail(fmt::format("the constant {} in `{}`", to_string(e), because));
      case ExprKind::Not: return need(e->left, level == Tri::N ? Tri::Y : Tri::N, because);
      case ExprKind::And:
      case ExprKind::Or: {
        std::vector<const Expr*> terms;
        flatten(e, e->kind, terms);
        const bool all = (e->kind == ExprKind::And) == (level != Tri::N);
        if (all) {
          Plan p;
          for (const Expr* t : terms)
            if (!meets(ev_.eval(t), level)) p.merge(need(t, level, because));
          return p;
        }
        Plan best = Plan::fail("");
        best.stuck.clear();
        for (const Expr* t : terms) {
          Plan p = need(t, level, because);
          if (p.cost() < best.cost()) best = std::move(p);
          else if (!p.ok && !best.ok) best.stuck.insert(best.stuck.end(), p.stuck.begin(), p.stuck.end());
        }
        return best;
      }
      case ExprKind::Equal:
      case ExprKind::Unequal: {
        const Expr* s = e->left->kind == ExprKind::Symbol ? e->left : e->right;
        const Expr* c = s == e->left ? e->right : e->left;
        if (s->kind == ExprKind::Symbol && c->kind == ExprKind::Const && c->const_kind == ConstKind::Tristate &&
            s->symbol && s->symbol->defined() &&
            is_boolish(s->symbol->type)) {
          const Tri cv = tri_from(c->text);
          const bool want_equal = (e->kind == ExprKind::Equal) == (level != Tri::N);
          Tri target = want_equal ? cv : (cv == Tri::N ? Tri::Y : Tri::N);
          return set(*s->symbol, target, because, /*exact=*/want_equal);
        }
        break;
      }
      default: break;
    }
    return Plan::fail(fmt::format("`{}` is {} (a comparison a .config change cannot be planned for)", to_string(e),
                                  tri_text(ev_.eval(e))));
  }

  // Gives `s` the value `level` (at least, unless exact; N: off).
  Plan set(const Symbol& s, Tri level, const std::string& because, bool exact = false) {
    const Tri cur = ev_.tri(s);
    if (exact ? cur == level : meets(cur, level)) return {};
    if (s.is_choice) {
      // A choice has no name to set; what matters is its visibility.
      for (const Property& p : s.properties)
        if (p.kind == PropertyKind::Prompt) return need(ev_.condition(p), level == Tri::N ? Tri::N : Tri::M, because);
      return {};
    }
    if (toolchain_symbol(s)) return Plan::fail(fmt::format("{}={} (set by the toolchain, not by .config)", s.name, tri_text(cur)));
    if (active_.count(&s) || depth_ > 12) return Plan::fail(fmt::format("{} (a dependency loop or too deep)", s.name));
    active_.insert(&s);
    ++depth_;
    Plan out = level == Tri::N ? clear(s, because) : raise(s, level, because);
    --depth_;
    active_.erase(&s);
    return out;
  }

  // Makes a prompt of `s` visible (cheapest prompt).
  Plan visible(const Symbol& s) {
    std::vector<Plan> options;
    for (const Property& p : s.properties)
      if (p.kind == PropertyKind::Prompt) options.push_back(need_each(ev_.condition(p), Tri::M, s.name));
    return cheapest(std::move(options), fmt::format("{} has no prompt", s.name));
  }

private:
  // need() for each failing conjunct of a prompt's condition, each with the
  // term as the reason: "INTEL_TDX_HOST depends on !KEXEC_CORE".
  Plan need_each(const Expr* cond, Tri level, const std::string& owner) {
    std::vector<const Expr*> terms;
    flatten(cond, ExprKind::And, terms);
    Plan out;
    for (const Expr* t : terms)
      if (!meets(ev_.eval(t), level)) out.merge(need(t, level, fmt::format("{} depends on {}", owner, to_string(t))));
    return out;
  }

  Plan raise(const Symbol& s, Tri level, const std::string& because) {
    if (s.type == SymbolType::Bool) level = Tri::Y;
    const std::string value = tri_text(level);
    std::vector<Plan> options;
    // Through a prompt: set it, and make the prompt visible.
    // A bool's prompt at m is visible (the kernel rounds it up to y).
    const Tri cond_level = s.type == SymbolType::Bool ? Tri::M : level;
    for (const Property& p : s.properties) {
      if (p.kind != PropertyKind::Prompt) continue;
      Plan plan = need_each(ev_.condition(p), cond_level, s.name);
      Plan mine;
      mine.changes.push_back({s.name, value, because});
      plan.merge(mine);
      options.push_back(std::move(plan));
    }
    // Through what selects it.
    for (const Evaluator::Reverse& r : ev_.selected_by(s)) {
      Plan plan = set(*r.from, level, fmt::format("selects {}; {}", s.name, because));
      plan.merge(need(ev_.condition(*r.prop), level, fmt::format("{} selects {} only then", r.from->name, s.name)));
      options.push_back(std::move(plan));
    }
    // A promptless symbol through its defaults.
    if (!has_prompt(s))
      for (const Property& p : s.properties) {
        if (p.kind != PropertyKind::Default) continue;
        Plan plan = need(ev_.condition(p), level, fmt::format("{} defaults to on only then", s.name));
        plan.merge(need(p.expr, level, fmt::format("{} takes its default from it", s.name)));
        options.push_back(std::move(plan));
      }
    return cheapest(std::move(options), fmt::format("{} cannot be set (no prompt, select or default reaches it)", s.name));
  }

  Plan clear(const Symbol& s, const std::string& because) {
    Plan out;
    if (ev_.reverse_dependency(s) != Tri::N) {
      for (const Evaluator::Reverse& r : ev_.selected_by(s)) {
        if (ev_.tri(*r.from) == Tri::N || ev_.eval(ev_.condition(*r.prop)) == Tri::N) continue;
        std::vector<Plan> options;
        options.push_back(set(*r.from, Tri::N, fmt::format("selects {}; {}", s.name, because)));
        options.push_back(need(ev_.condition(*r.prop), Tri::N, fmt::format("{} selects {} only then", r.from->name, s.name)));
        out.merge(cheapest(std::move(options), fmt::format("{} selects {}", r.from->name, s.name)));
      }
    }
    if (ev_.visibility(s) != Tri::N && has_prompt(s)) {
      Plan mine;
      mine.changes.push_back({s.name, "n", because});
      out.merge(mine);
      return out;
    }
    // Invisible and on: its default (or implication) keeps it. Make a
    // prompt visible and set it to n, or turn off what it depends on, or
    // the condition of its default.
    if (ev_.reverse_dependency(s) == Tri::N) {
      std::vector<Plan> options;
      for (const Property& p : s.properties) {
        if (p.kind != PropertyKind::Prompt) continue;
        Plan plan = need_each(ev_.condition(p), Tri::M, s.name);
        Plan mine;
        mine.changes.push_back({s.name, "n", because});
        plan.merge(mine);
        options.push_back(std::move(plan));
      }
      if (const Expr* dir = ev_.direct_dependency_expr(s))
        options.push_back(need(dir, Tri::N, fmt::format("{} depends on it", s.name)));
      for (const Property& p : s.properties)
        if (p.kind == PropertyKind::Default && ev_.eval(ev_.condition(p)) != Tri::N) {
          options.push_back(need(ev_.condition(p), Tri::N, fmt::format("{} defaults to on only then", s.name)));
          break;
        }
      out.merge(cheapest(std::move(options), fmt::format("{} is on by its default and nothing can turn it off", s.name)));
    }
    return out;
  }

  // The plan with the fewest changes; when none works, every reason why
  // (or `none` when there was no way to try).
  static Plan cheapest(std::vector<Plan> options, const std::string& none) {
    Plan best = Plan::fail(none);
    for (Plan& p : options)
      if (p.cost() < best.cost()) best = std::move(p);
    if (!best.ok && !options.empty()) {
      best.stuck.clear();
      for (const Plan& p : options) best.stuck.insert(best.stuck.end(), p.stuck.begin(), p.stuck.end());
    }
    return best;
  }

  Evaluator& ev_;
  std::set<const Symbol*> active_;
  int depth_ = 0;
};

std::string where(const Symbol& s) {
  if (s.definitions.empty()) return "";
  return fmt::format(" ({}:{})", s.definitions.front()->loc.file, s.definitions.front()->loc.line);
}

// "A (n), !B (B=y)": the failing terms of a condition with the values behind them.
std::vector<std::string> failing_terms(Evaluator& ev, const Expr* cond, Tri level) {
  std::vector<const Expr*> terms;
  flatten(cond, ExprKind::And, terms);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Expr* t : terms) {
    if (meets(ev.eval(t), level)) continue;
    std::string text = to_string(t);
    if (!seen.insert(text).second) continue;
    // The symbols inside with their values.
    std::vector<std::string> values;
    std::vector<const Expr*> stack{t};
    while (!stack.empty()) {
      const Expr* x = stack.back();
      stack.pop_back();
      if (!x) continue;
      if (x->kind == ExprKind::Symbol && x->symbol) {
        std::string v = fmt::format("{}={}", x->text, ev.text_of(x));
        if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
      } else {
        stack.push_back(x->right);
        stack.push_back(x->left);
      }
    }
    out.push_back(t->kind == ExprKind::Symbol ? fmt::format("{} (now {})", text, ev.text_of(t))
                                              : fmt::format("`{}` (now {})", text, fmt::join(values, ", ")));
  }
  return out;
}

// For each prompt of `s` whose condition fails at `level`: its failing terms, joined.
std::vector<std::string> prompt_needs(Evaluator& ev, const Symbol& s, Tri level) {
  std::vector<std::string> out;
  for (const Property& p : s.properties) {
    if (p.kind != PropertyKind::Prompt) continue;
    auto terms = failing_terms(ev, ev.condition(p), level);
    if (!terms.empty()) out.push_back(fmt::format("{}", fmt::join(terms, " and ")));
  }
  return out;
}

// A plan into the explanation: the fix and its blockers (the symbols it
// changes, other than the one explained), or why there is none.
void take_plan(Evaluator& ev, Plan plan, Explanation& x) {
  if (plan.ok) {
    x.fixable = true;
    for (const Assignment& a : plan.changes)
      if (a.symbol != x.symbol) x.blockers.push_back(a.symbol + "=" + ev.value(*ev.kconfig().find(a.symbol)));
    x.fix = std::move(plan.changes);
    return;
  }
  std::sort(plan.stuck.begin(), plan.stuck.end());
  plan.stuck.erase(std::unique(plan.stuck.begin(), plan.stuck.end()), plan.stuck.end());
  plan.stuck.erase(std::remove(plan.stuck.begin(), plan.stuck.end(), ""), plan.stuck.end());
  x.blockers = std::move(plan.stuck);
}

}  // namespace

std::string Explanation::text() const {
  std::string out = fmt::format("{}", fmt::join(reasons, " "));
  if (satisfied) return out;
  if (!fix.empty()) {
    std::vector<std::string> parts;
    for (const Assignment& a : fix) parts.push_back(a.symbol + "=" + a.value);
    out += fmt::format(" To make it stick: {}.", fmt::join(parts, ", "));
  } else if (defined && !fixable) {
    out += " No change to user-settable symbols makes it stick.";
  }
  return out;
}

Explanation explain(Evaluator& ev, std::string_view name, Tri wanted) {
  Explanation x;
  x.symbol = std::string(name);
  x.wanted = tri_text(wanted);
  const Symbol* s = ev.kconfig().find(name);
  if (!s || !s->defined()) {
    x.actual = "";
    x.reasons.push_back(fmt::format("{} is not defined by any Kconfig file of this tree.", name));
    return x;
  }
  x.defined = true;
  x.has_prompt = has_prompt(*s);
  const Tri cur = ev.tri(*s);
  x.actual = ev.value(*s);
  if (!is_boolish(s->type)) {
    // A value symbol takes a user value only when a prompt is visible.
    x.satisfied = ev.visibility(*s) != Tri::N;
    if (x.satisfied || !x.has_prompt) {
      x.reasons.push_back(fmt::format("{} is a {} symbol{}; its value is \"{}\".", name, to_string(s->type),
                                      x.has_prompt ? "" : " without a prompt", x.actual));
      x.satisfied = x.satisfied || !x.has_prompt;
      return x;
    }
    for (const std::string& needs : prompt_needs(ev, *s, Tri::M))
      x.reasons.push_back(fmt::format("{}{} cannot be set, so its default \"{}\" is used: its prompt needs {}.", name,
                                      where(*s), x.actual, needs));
    Planner planner(ev);
    take_plan(ev, planner.visible(*s), x);
    return x;
  }
  // A bool asked for m counts as y.
  if (wanted == Tri::M && s->type == SymbolType::Bool) wanted = Tri::Y;
  x.satisfied = meets(cur, wanted);
  for (const Evaluator::Reverse& r : ev.selected_by(*s))
    x.selected_by.push_back(fmt::format("{}={}", r.from->name, ev.value(*r.from)));
  if (x.satisfied) {
    x.reasons.push_back(fmt::format("{}={}.", name, x.actual));
    return x;
  }

  Planner planner(ev);
  Plan plan;
  if (wanted == Tri::N) {
    if (ev.reverse_dependency(*s) != Tri::N) {
      std::vector<std::string> by;
      for (const Evaluator::Reverse& r : ev.selected_by(*s))
        if (ev.tri(*r.from) != Tri::N && ev.eval(ev.condition(*r.prop)) != Tri::N)
          by.push_back(fmt::format("{}={}{}", r.from->name, ev.value(*r.from), where(*r.from)));
      x.reasons.push_back(fmt::format("{} is {} because it is selected by {}.", name, x.actual, fmt::join(by, ", ")));
    } else if (!x.has_prompt || ev.visibility(*s) == Tri::N) {
      x.reasons.push_back(fmt::format("{} has no visible prompt; its default makes it {}.", name, x.actual));
    } else {
      x.reasons.push_back(fmt::format("{} is {} (its value in the configuration).", name, x.actual));
    }
    plan = planner.set(*s, Tri::N, "requested off");
  } else if (!x.has_prompt) {
    x.reasons.push_back(fmt::format("{} has no prompt{}: it cannot be set directly, only selected{}.", name, where(*s),
                                    x.selected_by.empty() ? " (nothing selects it)" : " by " + fmt::format("{}", fmt::join(x.selected_by, ", "))));
    plan = planner.set(*s, wanted, "requested");
  } else {
    const Tri vis = ev.visibility(*s);
    if (vis == Tri::N || (wanted == Tri::Y && vis == Tri::M)) {
      for (const std::string& needs : prompt_needs(ev, *s, s->type == SymbolType::Bool ? Tri::M : wanted))
        x.reasons.push_back(fmt::format("{}{} {}: its prompt needs {}.", name, where(*s),
                                        vis == Tri::N ? "cannot be set" : "can only be m", needs));
    } else if (const Symbol* choice = ev.choice_of(*s)) {
      const Symbol* chosen = ev.chosen(*choice);
      x.reasons.push_back(fmt::format("{} is in a choice where {} is chosen.", name, chosen ? chosen->name : "nothing"));
    } else {
      x.reasons.push_back(fmt::format("{} can be set but is {} in this configuration.", name, x.actual));
    }
    plan = planner.set(*s, wanted, "requested");
  }
  take_plan(ev, std::move(plan), x);
  return x;
}

}  // namespace beaver::kconfig
