// The kernel's symbol evaluation (symbol.c), dependency propagation
// (menu.c: menu_finalize) and conf_read (confdata.c), for both generations of
// scripts/kconfig. Function names in comments are the kernel's.
#include "kconfig/eval.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>

namespace beaver::kconfig {

char to_char(Tri t) { return t == Tri::Y ? 'y' : t == Tri::M ? 'm' : 'n'; }

Tri tri_from(std::string_view text) { return text == "y" ? Tri::Y : text == "m" ? Tri::M : Tri::N; }

namespace {

// "6.12.57" → 612; 0 when unknown.
int version_number(std::string_view v) {
  int major = 0, minor = 0;
  std::size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) major = major * 10 + (v[i++] - '0');
  if (i >= v.size() || v[i] != '.' || major == 0) return 0;
  ++i;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) minor = minor * 10 + (v[i++] - '0');
  return major * 100 + minor;
}

// The base an int (10) or hex (16) value is written in; 0 for other types.
int number_base(SymbolType t) { return t == SymbolType::Int ? 10 : t == SymbolType::Hex ? 16 : 0; }

// sym_string_valid
bool string_valid(SymbolType type, const std::string& s) {
  switch (type) {
    case SymbolType::String: return true;
    case SymbolType::Int: {
      std::size_t i = 0;
      if (i < s.size() && s[i] == '-') ++i;
      if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      if (s[i] == '0' && i + 1 < s.size()) return false;
      for (; i < s.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      return true;
    }
    case SymbolType::Hex: {
      std::size_t i = 0;
      if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) i = 2;
      if (i >= s.size()) return false;
      for (; i < s.size(); ++i)
        if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
      return true;
    }
    case SymbolType::Bool:
    case SymbolType::Tristate: return !s.empty() && std::strchr("yYmMnN", s[0]) != nullptr;
    case SymbolType::Unknown: break;
  }
  return false;
}

// expr_parse_string: the number a comparison operand stands for.
enum class Kind { String, Signed, Unsigned };
Kind parse_number(const std::string& str, SymbolType type, long long& s, unsigned long long& u) {
  if (is_boolish(type)) {
    s = str == "n" ? 0 : str == "m" ? 1 : str == "y" ? 2 : -1;
    return Kind::Signed;
  }
  errno = 0;
  char* tail = nullptr;
  Kind kind = Kind::Signed;
  switch (type) {
    case SymbolType::Int: s = std::strtoll(str.c_str(), &tail, 10); break;
    case SymbolType::Hex:
      u = std::strtoull(str.c_str(), &tail, 16);
      kind = Kind::Unsigned;
      break;
    default: s = std::strtoll(str.c_str(), &tail, 0); break;
  }
  const bool ok = errno == 0 && *tail == '\0' && tail > str.c_str() && std::isxdigit(static_cast<unsigned char>(tail[-1]));
  return ok ? kind : Kind::String;
}

}  // namespace

Generation generation_of(const Kconfig& kconfig) {
  auto it = kconfig.env_used().find("KERNELVERSION");
  if (it != kconfig.env_used().end()) {
    const int v = version_number(it->second);
    if (v) return v >= 611 ? Generation::Modern : Generation::Classic;
  }
  for (const Symbol& s : kconfig.symbols())
    if (s.is_choice && (!s.name.empty() || s.optional || s.type == SymbolType::Tristate)) return Generation::Classic;
  return Generation::Modern;
}

struct Evaluator::State {
  const Symbol* sym = nullptr;
  // sym->curr
  Tri tri = Tri::N;
  std::string val;
  Tri visible = Tri::N, dir = Tri::Y, rev = Tri::N, imp = Tri::N;
  bool valid = false, write = false;
  // sym->def[S_DEF_USER]
  bool has_user = false;
  Tri user_tri = Tri::N;
  std::string user_val;
  const Symbol* user_choice = nullptr;  // a choice: the member read as y (Classic)
  const Symbol* chosen = nullptr;       // a choice: curr.val (Classic) or the result (Modern)
  // Finalized
  const Expr* dir_expr = nullptr;
  const Expr* rev_expr = nullptr;
  const Expr* imp_expr = nullptr;
  const Symbol* choice = nullptr;          // member of
  std::vector<const Symbol*> members;      // a choice: in menu order
  std::vector<const Symbol*> priority;     // a choice: choice_members (Modern)
  std::vector<Reverse> selectors;
};

Evaluator::State& Evaluator::st(const Symbol& sym) { return states_[ids_.at(&sym)]; }
const Evaluator::State& Evaluator::st(const Symbol& sym) const { return states_[ids_.at(&sym)]; }

Evaluator::Evaluator(const Kconfig& kconfig, Generation generation) : kconfig_(kconfig), generation_(generation) {
  const_mod_.kind = ExprKind::Const;
  const_mod_.const_kind = ConstKind::Tristate;
  const_mod_.text = "m";
  states_.resize(kconfig.symbols().size());
  int id = 0;
  for (const Symbol& s : kconfig.symbols()) {
    ids_.emplace(&s, id);
    states_[id].sym = &s;
    ++id;
  }
  modules_ = kconfig.modules_symbol();
  if (!modules_) modules_ = kconfig.find("MODULES");
  finalize();
}

Evaluator::~Evaluator() = default;

const Expr* Evaluator::and_(const Expr* a, const Expr* b) {
  if (!a) return b;
  if (!b) return a;
  Expr& e = exprs_.emplace_back();
  e.kind = ExprKind::And;
  e.left = a;
  e.right = b;
  return &e;
}

const Expr* Evaluator::or_(const Expr* a, const Expr* b) {
  // expr_alloc_or: a missing side (meaning y) is dropped, like the kernel.
  if (!a) return b;
  if (!b) return a;
  Expr& e = exprs_.emplace_back();
  e.kind = ExprKind::Or;
  e.left = a;
  e.right = b;
  return &e;
}

const Expr* Evaluator::sym_leaf(const Symbol* s) {
  Expr& e = exprs_.emplace_back();
  e.kind = ExprKind::Symbol;
  e.symbol = const_cast<Symbol*>(s);  // Expr's field is non-const; the evaluator never writes through it
  e.text = s->name;
  return &e;
}

// rewrite_m: a bare `m` in a condition becomes `m && MODULES`.
const Expr* Evaluator::rewrite_m(const Expr* e) {
  if (!e) return e;
  switch (e->kind) {
    case ExprKind::Not: {
      const Expr* l = rewrite_m(e->left);
      if (l == e->left) return e;
      Expr& n = exprs_.emplace_back(*e);
      n.left = l;
      return &n;
    }
    case ExprKind::And:
    case ExprKind::Or: {
      const Expr* l = rewrite_m(e->left);
      const Expr* r = rewrite_m(e->right);
      if (l == e->left && r == e->right) return e;
      Expr& n = exprs_.emplace_back(*e);
      n.left = l;
      n.right = r;
      return &n;
    }
    case ExprKind::Const:
      if (e->const_kind == ConstKind::Tristate && e->text == "m" && modules_) return and_(e, sym_leaf(modules_));
      return e;
    default: return e;
  }
}

// menu_finalize: every property's condition, reverse dependencies, direct
// dependencies, choice members; and the menu order for result().
void Evaluator::finalize() {
  const bool classic = generation_ == Generation::Classic;
  std::unordered_map<const MenuNode*, const Expr*> node_dep;
  std::unordered_map<const Symbol*, bool> seen;
  Expr& const_y = exprs_.emplace_back();
  const_y.kind = ExprKind::Const;
  const_y.const_kind = ConstKind::Tristate;
  const_y.text = "y";

  // Members of a choice: its children, through `if` blocks.
  std::function<void(const MenuNode*, State&)> collect = [&](const MenuNode* n, State& choice) {
    for (const MenuNode* c : n->children) {
      if (c->kind == NodeKind::If) {
        collect(c, choice);
      } else if (c->symbol && !c->symbol->is_choice) {
        State& m = st(*c->symbol);
        if (!m.choice) {
          m.choice = n->symbol ? n->symbol : choice.sym;
          choice.members.push_back(c->symbol);
        }
      }
    }
  };

  std::function<void(const MenuNode*)> visit = [&](const MenuNode* n) {
    const MenuNode* parent = n->parent;
    // The choice a node sits in directly (for Classic's parentdep).
    const Expr* parentdep = nullptr;
    if (parent) {
      if (classic && parent->kind == NodeKind::Choice)
        parentdep = sym_leaf(parent->symbol);
      else
        parentdep = node_dep[parent];
    }
    const Expr* dep = n->kind == NodeKind::Root ? nullptr : and_(parentdep, rewrite_m(n->depends));
    node_dep[n] = dep;

    if (n->kind == NodeKind::Choice && n->symbol) collect(n, st(*n->symbol));

    if (const Symbol* sym = n->symbol) {
      State& s = st(*sym);
      if (!sym->is_choice && !seen[sym]) {
        seen[sym] = true;
        order_.push_back(sym);
      }
      // Classic: bool members of a tristate choice need the choice at y.
      const Expr* choice_y = nullptr;
      if (classic && parent && parent->kind == NodeKind::Choice && parent->symbol &&
          parent->symbol->type == SymbolType::Tristate && sym->type != SymbolType::Tristate) {
        Expr& eq = exprs_.emplace_back();
        eq.kind = ExprKind::Equal;
        eq.left = sym_leaf(parent->symbol);
        eq.right = &const_y;
        choice_y = &eq;
      }
      const Property* first_prompt = nullptr;
      for (const Property& p : sym->properties) {
        if (p.node != n) continue;
        switch (p.kind) {
          case PropertyKind::Prompt:
          case PropertyKind::Default:
          case PropertyKind::Select:
          case PropertyKind::Imply:
          case PropertyKind::Range: break;
          default: continue;
        }
        const Expr* own = p.cond;
        if (p.kind == PropertyKind::Prompt) own = and_(own, p.visibility);
        const Expr* c = and_(choice_y, and_(dep, rewrite_m(own)));
        conditions_[&p] = c;
        if (p.kind == PropertyKind::Prompt && !first_prompt) first_prompt = &p;
        if ((p.kind == PropertyKind::Select || p.kind == PropertyKind::Imply) && p.expr && p.expr->symbol) {
          State& target = st(*p.expr->symbol);
          const Expr* term = and_(sym_leaf(sym), c);
          if (p.kind == PropertyKind::Select) {
            target.rev_expr = or_(target.rev_expr, term);
            target.selectors.push_back({sym, &p});
          } else {
            target.imp_expr = or_(target.imp_expr, term);
          }
        }
      }
      const bool in_choice = parent && parent->kind == NodeKind::Choice;
      if (!sym->is_choice && n->children.empty() && (classic || !in_choice)) {
        s.dir_expr = or_(s.dir_expr, dep);
      }
      // Classic: a non-optional choice with a prompt is "selected" at m by its visibility.
      if (classic && sym->is_choice && !sym->optional && first_prompt)
        s.rev_expr = or_(s.rev_expr, and_(conditions_[first_prompt], &const_mod_));
    }
    for (const MenuNode* c : n->children) visit(c);
  };
  visit(&kconfig_.root());
  // A symbol with several definitions, one of them unconditional: the
  // kernel's expr_alloc_or drops the missing side, so dir_expr is the other
  // definitions' dependencies (or_ does the same).
}

SymbolType Evaluator::effective_type(const Symbol& sym) const {
  if (sym.type == SymbolType::Tristate && modules_val_ == Tri::N) return SymbolType::Bool;
  return sym.type;
}

// sym_get_default_prop, sym_get_range_prop: the first property of `kind`
// whose condition is not n.
const Property* Evaluator::active_prop(const Symbol& sym, PropertyKind kind) {
  for (const Property& p : sym.properties)
    if (p.kind == kind && eval(condition(p)) != Tri::N) return &p;
  return nullptr;
}

// sym_get_range_val: a bound in the base of its own type (int 10, hex 16),
// else in the base of the symbol it bounds.
long long Evaluator::range_bound(const Expr* leaf, int base) {
  if (leaf->kind == ExprKind::Symbol && leaf->symbol && number_base(leaf->symbol->type))
    base = number_base(leaf->symbol->type);
  return std::strtoll(text_of(leaf).c_str(), nullptr, base);
}
void Evaluator::calc_visibility(const Symbol& sym) {
  State& s = st(sym);
  const Symbol* choice_sym = generation_ == Generation::Classic ? s.choice : nullptr;
  Tri t = Tri::N;
  for (const Property& p : sym.properties) {
    if (p.kind != PropertyKind::Prompt) continue;
    Tri v = eval(condition(p));
    if (choice_sym && sym.type == SymbolType::Tristate && v == Tri::M && st(*choice_sym).tri == Tri::Y) v = Tri::N;
    t = tri_or(t, v);
  }
  if (t == Tri::M && (sym.type != SymbolType::Tristate || modules_val_ == Tri::N)) t = Tri::Y;
  s.visible = t;
  if (s.choice) return;
  auto calc_dep = [&](const Expr* e, Tri none) {
    Tri v = e ? eval(e) : none;
    if (v == Tri::M && effective_type(sym) == SymbolType::Bool) v = Tri::Y;
    return v;
  };
  s.dir = calc_dep(s.dir_expr, Tri::Y);
  s.rev = calc_dep(s.rev_expr, Tri::N);
  s.imp = calc_dep(s.imp_expr, Tri::N);
}

const Symbol* Evaluator::choice_default(const Symbol& choice) {
  for (const Property& p : choice.properties) {
    if (p.kind != PropertyKind::Default) continue;
    if (eval(condition(p)) == Tri::N) continue;
    if (!p.expr || !p.expr->symbol) continue;
    if (ids_.count(p.expr->symbol) && st(*p.expr->symbol).visible != Tri::N) return p.expr->symbol;
  }
  for (const Symbol* m : st(choice).members)
    if (st(*m).visible != Tri::N) return m;
  return nullptr;
}

// sym_calc_choice before 6.11.
const Symbol* Evaluator::calc_choice_classic(const Symbol& choice) {
  State& c = st(choice);
  for (const Symbol* m : c.members) calc_visibility(*m);
  if (c.user_choice && st(*c.user_choice).visible != Tri::N) return c.user_choice;
  const Symbol* def = choice_default(choice);
  if (!def) c.tri = Tri::N;
  return def;
}

// sym_calc_choice since 6.11.
void Evaluator::calc_choice_modern(const Symbol& choice) {
  State& c = st(choice);
  const Symbol* res = nullptr;
  for (const Symbol* m : c.priority) {
    calc_visibility(*m);
    const State& ms = st(*m);
    if (ms.visible == Tri::N) continue;
    if (ms.has_user && ms.user_tri == Tri::Y) {
      res = m;
      break;
    }
  }
  if (!res) {
    res = choice_default(choice);
    if (res && st(*res).has_user && st(*res).user_tri == Tri::N) res = nullptr;
  }
  if (!res)
    for (const Symbol* m : c.members) {
      const State& ms = st(*m);
      if (ms.visible == Tri::N || ms.has_user) continue;
      res = m;
      break;
    }
  if (!res)
    for (auto it = c.priority.rbegin(); it != c.priority.rend(); ++it)
      if (st(**it).visible != Tri::N) {
        res = *it;
        break;
      }
  for (const Symbol* m : c.members) {
    State& ms = st(*m);
    if (ms.visible == Tri::N) continue;
    ms.tri = m == res ? Tri::Y : Tri::N;
    ms.valid = true;
    ms.write = true;
  }
  c.chosen = res;
}

// sym_validate_range
void Evaluator::validate_range(const Symbol& sym) {
  const int base = number_base(sym.type);
  if (!base) return;
  const Property* range = active_prop(sym, PropertyKind::Range);
  if (!range || !range->expr || !range->expr2) return;
  State& s = st(sym);
  const long long val = std::strtoll(s.val.c_str(), nullptr, base);
  const Expr* bound = range->expr;
  if (val >= range_bound(bound, base)) {
    bound = range->expr2;
    if (val <= range_bound(bound, base)) return;
  }
  s.val = text_of(bound);
}

// sym_calc_value
void Evaluator::calc(const Symbol& sym) {
  State& s = st(sym);
  if (s.valid) return;
  s.valid = true;
  const bool classic = generation_ == Generation::Classic;
  Tri newtri = Tri::N;
  std::string newval;
  switch (sym.type) {
    case SymbolType::Int: newval = classic ? "" : "0"; break;
    case SymbolType::Hex: newval = classic ? "" : "0x0"; break;
    case SymbolType::String: newval = ""; break;
    case SymbolType::Bool:
    case SymbolType::Tristate: newval = "n"; break;
    case SymbolType::Unknown:
      s.val = sym.name;
      s.tri = Tri::N;
      return;
  }
  s.write = false;
  calc_visibility(sym);
  if (s.visible != Tri::N) s.write = true;
  s.tri = newtri;  // the value seen by recursive calls
  s.val = newval;

  const SymbolType type = effective_type(sym);
  if (is_boolish(type)) {
    if (classic && s.choice && s.visible == Tri::Y) {
      newtri = st(*s.choice).chosen == &sym ? Tri::Y : Tri::N;
    } else if (!classic && s.choice) {
      calc_choice_modern(*s.choice);
      newtri = s.tri;
    } else {
      bool user = false;
      if (s.visible != Tri::N && s.has_user) {
        newtri = tri_and(s.user_tri, s.visible);
        user = true;
      }
      if (!user) {
        if (s.rev != Tri::N) s.write = true;
        if (!sym.is_choice) {
          if (const Property* p = active_prop(sym, PropertyKind::Default)) {
            newtri = tri_and(eval(p->expr), eval(condition(*p)));
            if (newtri != Tri::N) s.write = true;
          }
          if (s.imp != Tri::N) {
            s.write = true;
            newtri = tri_or(newtri, s.imp);
            newtri = tri_and(newtri, s.dir);
          }
        }
      }
      newtri = tri_or(newtri, s.rev);
    }
    if (newtri == Tri::M && (type == SymbolType::Bool || (classic && &sym == modules_))) newtri = Tri::Y;
  } else {
    if (s.visible != Tri::N && s.has_user) {
      newval = s.user_val;
    } else if (const Property* p = active_prop(sym, PropertyKind::Default)) {
      if (p->expr && (p->expr->kind == ExprKind::Symbol || p->expr->kind == ExprKind::Const)) {
        s.write = true;
        // ds->curr.val: a bool/tristate symbol's text stays "n" (the kernel
        // never updates curr.val for them); constants and undefined
        // symbols are their name.
        const Expr* ds = p->expr;
        if (ds->kind == ExprKind::Symbol && ids_.count(ds->symbol)) {
          calc(*ds->symbol);
          newval = st(*ds->symbol).val;
        } else {
          newval = std::string(ds->text);
        }
      }
    }
  }
  s.tri = newtri;
  s.val = newval;
  s.chosen = nullptr;
  if (classic && sym.is_choice && newtri == Tri::Y) s.chosen = calc_choice_classic(sym);
  validate_range(sym);
  if (&sym == modules_) modules_val_ = s.tri;
  if (classic && sym.is_choice)
    for (const Symbol* m : s.members) {
      State& ms = st(*m);
      if (s.write && ms.visible != Tri::N) ms.write = true;
    }
  if (sym.is_choice) s.write = false;
}

Tri Evaluator::eval(const Expr* e) {
  if (!e) return Tri::Y;
  switch (e->kind) {
    case ExprKind::Symbol: {
      auto it = ids_.find(e->symbol);
      if (it == ids_.end()) return Tri::N;
      calc(*e->symbol);
      return states_[it->second].tri;
    }
    case ExprKind::Const:
      if (e->const_kind != ConstKind::Tristate) return Tri::N;
      return tri_from(e->text);
    case ExprKind::Not: return tri_not(eval(e->left));
    case ExprKind::And: {
      const Tri l = eval(e->left);
      return tri_and(l, eval(e->right));
    }
    case ExprKind::Or: {
      const Tri l = eval(e->left);
      return tri_or(l, eval(e->right));
    }
    default: break;
  }
  // Comparisons (expr_calc_value).
  auto type_of = [&](const Expr* leaf) {
    if (leaf->kind == ExprKind::Symbol) return leaf->symbol ? leaf->symbol->type : SymbolType::Unknown;
    return leaf->const_kind == ConstKind::Tristate ? SymbolType::Tristate : SymbolType::Unknown;
  };
  const std::string a = text_of(e->left), b = text_of(e->right);
  const SymbolType ta = type_of(e->left), tb = type_of(e->right);
  int res = 0;
  Kind k1 = Kind::String, k2 = Kind::String;
  long long ls = 0, rs = 0;
  unsigned long long lu = 0, ru = 0;
  if (ta != SymbolType::String || tb != SymbolType::String) {
    k1 = parse_number(a, ta, ls, lu);
    k2 = parse_number(b, tb, rs, ru);
  }
  if (k1 == Kind::String || k2 == Kind::String) {
    const int c = std::strcmp(a.c_str(), b.c_str());
    res = (c > 0) - (c < 0);
  } else if (k1 == Kind::Unsigned || k2 == Kind::Unsigned) {
    // The union of the kernel shares storage: a signed value read as unsigned.
    if (k1 == Kind::Signed) lu = static_cast<unsigned long long>(ls);
    if (k2 == Kind::Signed) ru = static_cast<unsigned long long>(rs);
    res = (lu > ru) - (lu < ru);
  } else {
    res = (ls > rs) - (ls < rs);
  }
  bool r = false;
  switch (e->kind) {
    case ExprKind::Equal: r = res == 0; break;
    case ExprKind::Unequal: r = res != 0; break;
    case ExprKind::Less: r = res < 0; break;
    case ExprKind::LessEqual: r = res <= 0; break;
    case ExprKind::Greater: r = res > 0; break;
    case ExprKind::GreaterEqual: r = res >= 0; break;
    default: break;
  }
  return r ? Tri::Y : Tri::N;
}

std::string Evaluator::text_of(const Expr* leaf) {
  if (leaf->kind == ExprKind::Symbol) {
    if (!ids_.count(leaf->symbol)) return std::string(leaf->text);
    return value(*leaf->symbol);
  }
  return std::string(leaf->text);
}

bool Evaluator::within_range(const Symbol& sym, const std::string& text) {
  if (!string_valid(sym.type, text)) return false;
  const int base = number_base(sym.type);
  if (!base) return true;
  const Property* range = active_prop(sym, PropertyKind::Range);
  if (!range || !range->expr || !range->expr2) return true;
  const long long v = std::strtoll(text.c_str(), nullptr, base);
  return v >= range_bound(range->expr, base) && v <= range_bound(range->expr2, base);
}

void Evaluator::invalidate_all() {
  for (State& s : states_) s.valid = false;
  modules_val_ = Tri::N;
}

// conf_read
void Evaluator::load(const DotConfig& config) {
  const bool classic = generation_ == Generation::Classic;
  problems_.clear();
  for (State& s : states_) {
    s.has_user = false;
    s.user_tri = Tri::N;
    s.user_val.clear();
    s.user_choice = nullptr;
    s.chosen = nullptr;
    s.tri = Tri::N;
    s.val.clear();
    s.visible = Tri::N;
    s.write = false;
    if (s.sym->is_choice) s.priority = s.members;
  }
  invalidate_all();
  // Modern choices: a member read from the file moves to the front of its
  // choice's priority list, so the last one read comes first.
  std::vector<std::pair<int, const Symbol*>> read_members;
  for (const std::string& name : config.order) {
    const auto& entry = config.values.at(name);
    const Symbol* sym = kconfig_.find(name);
    if (!sym || !sym->defined()) {
      problems_.push_back({entry.line, "CONFIG_" + name + " is not a symbol of this tree"});
      continue;
    }
    State& s = st(*sym);
    const std::string& v = entry.value;
    auto invalid = [&] {
      problems_.push_back({entry.line, "value '" + v + "' invalid for CONFIG_" + name + " (" +
                                           std::string(to_string(sym->type)) + ")"});
    };
    switch (sym->type) {
      case SymbolType::Tristate:
      case SymbolType::Bool: {
        const char c = entry.is_string || v.empty() ? '\0' : v[0];
        if (c == 'm' && sym->type == SymbolType::Tristate) s.user_tri = Tri::M;
        else if (c == 'y') s.user_tri = Tri::Y;
        else if (c == 'n') s.user_tri = Tri::N;
        else {
          invalid();
          continue;
        }
        s.has_user = true;
        break;
      }
      case SymbolType::String:
        if (!entry.is_string) {
          problems_.push_back({entry.line, "CONFIG_" + name + " is a string and needs quotes; ignored"});
          continue;
        }
        s.user_val = v;
        s.has_user = true;
        break;
      case SymbolType::Int:
      case SymbolType::Hex:
        if (entry.is_string || !string_valid(sym->type, v)) {
          invalid();
          continue;
        }
        s.user_val = v;
        s.has_user = true;
        break;
      case SymbolType::Unknown: continue;
    }
    if (s.choice) {
      if (classic) {
        if (s.user_tri == Tri::Y) st(*s.choice).user_choice = sym;
      } else {
        read_members.emplace_back(entry.line, sym);
      }
    }
  }
  if (!classic) {
    std::sort(read_members.begin(), read_members.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [line, sym] : read_members) {
      auto& pr = st(*st(*sym).choice).priority;
      pr.erase(std::find(pr.begin(), pr.end(), sym));
      pr.insert(pr.begin(), sym);
    }
  }

  if (modules_) calc(*modules_);
  bool changed = !problems_.empty();
  for (const Symbol& sym : kconfig_.symbols()) {
    calc(sym);
    if (sym.is_choice) continue;
    const State& s = st(sym);
    if (s.has_user && s.write) {
      if (is_boolish(sym.type) ? s.user_tri == s.tri : s.user_val == s.val) continue;
    } else if (!s.has_user && !s.write) {
      continue;
    }
    changed = true;
  }
  if (classic) {
    // Reset string, int and hex user values that are out of range.
    for (State& s : states_) {
      if (!s.has_user || s.choice) continue;
      const SymbolType t = s.sym->type;
      if (t != SymbolType::String && t != SymbolType::Int && t != SymbolType::Hex) continue;
      if (within_range(*s.sym, s.user_val)) continue;
      s.has_user = false;
      s.valid = false;
      changed = true;
    }
  }
  if (!changed) {
    invalidate_all();
    if (modules_) calc(*modules_);
  }
}

DotConfig Evaluator::result() {
  DotConfig out;
  for (const Symbol* sym : order_) {
    calc(*sym);
    State& s = st(*sym);
    if (!s.write || sym->type == SymbolType::Unknown) continue;
    ConfigEntry e;
    if (is_boolish(sym->type)) {
      e.value = std::string(1, to_char(s.tri));
    } else {
      e.value = s.val;
      e.is_string = sym->type == SymbolType::String;
    }
    out.order.push_back(sym->name);
    out.values.emplace(sym->name, std::move(e));
  }
  return out;
}

Tri Evaluator::tri(const Symbol& sym) {
  if (!ids_.count(&sym)) return Tri::N;
  calc(sym);
  return st(sym).tri;
}

std::string Evaluator::value(const Symbol& sym) {
  calc(sym);
  const State& s = st(sym);
  if (is_boolish(sym.type)) return std::string(1, to_char(s.tri));
  return s.val;
}


Tri Evaluator::visibility(const Symbol& sym) {
  calc(sym);
  return st(sym).visible;
}
Tri Evaluator::reverse_dependency(const Symbol& sym) {
  calc(sym);
  return st(sym).rev;
}

const Expr* Evaluator::direct_dependency_expr(const Symbol& sym) const { return st(sym).dir_expr; }
const Expr* Evaluator::condition(const Property& prop) const {
  auto it = conditions_.find(&prop);
  return it == conditions_.end() ? nullptr : it->second;
}
const Symbol* Evaluator::choice_of(const Symbol& sym) const { return st(sym).choice; }
const Symbol* Evaluator::chosen(const Symbol& choice) {
  if (generation_ == Generation::Classic) {
    calc(choice);
    return st(choice).chosen;
  }
  for (const Symbol* m : st(choice).members) {
    calc(*m);
    if (st(*m).tri == Tri::Y) return m;
  }
  return nullptr;
}
const std::vector<Evaluator::Reverse>& Evaluator::selected_by(const Symbol& sym) const { return st(sym).selectors; }

}  // namespace beaver::kconfig
