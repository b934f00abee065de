// The Kconfig data model: printing expressions, lookups.
#include "kconfig/kconfig.h"

#include <fmt/format.h>

#include <unordered_set>

namespace beaver::kconfig {

std::string to_string(const Location& loc) { return fmt::format("{}:{}:{}", loc.file, loc.line, loc.column); }

std::string Diagnostic::str() const { return to_string(loc) + ": " + message; }

std::string_view to_string(SymbolType type) {
  switch (type) {
    case SymbolType::Bool: return "bool";
    case SymbolType::Tristate: return "tristate";
    case SymbolType::String: return "string";
    case SymbolType::Int: return "int";
    case SymbolType::Hex: return "hex";
    case SymbolType::Unknown: break;
  }
  return "unknown";
}

std::string_view to_string(PropertyKind kind) {
  switch (kind) {
    case PropertyKind::Prompt: return "prompt";
    case PropertyKind::Default: return "default";
    case PropertyKind::Select: return "select";
    case PropertyKind::Imply: return "imply";
    case PropertyKind::Range: return "range";
    case PropertyKind::DependsOn: return "depends on";
    case PropertyKind::Help: return "help";
    case PropertyKind::Modules: return "modules";
    case PropertyKind::Option: return "option";
    case PropertyKind::Transitional: return "transitional";
    case PropertyKind::Optional: return "optional";
  }
  return "?";
}

std::string_view to_string(NodeKind kind) {
  switch (kind) {
    case NodeKind::Root: return "root";
    case NodeKind::Config: return "config";
    case NodeKind::MenuConfig: return "menuconfig";
    case NodeKind::Choice: return "choice";
    case NodeKind::Menu: return "menu";
    case NodeKind::Comment: return "comment";
    case NodeKind::If: return "if";
  }
  return "?";
}

namespace {

// Binding strength, as in parser.y: || < && < ! < comparisons and leaves.
int strength(ExprKind k) {
  switch (k) {
    case ExprKind::Or: return 1;
    case ExprKind::And: return 2;
    case ExprKind::Not: return 3;
    default: return 4;
  }
}

std::string_view op_text(ExprKind k) {
  switch (k) {
    case ExprKind::Equal: return "=";
    case ExprKind::Unequal: return "!=";
    case ExprKind::Less: return "<";
    case ExprKind::LessEqual: return "<=";
    case ExprKind::Greater: return ">";
    case ExprKind::GreaterEqual: return ">=";
    case ExprKind::And: return " && ";
    case ExprKind::Or: return " || ";
    default: return "";
  }
}

void print(const Expr* e, std::string& out, int outer) {
  const int mine = strength(e->kind);
  const bool parens = mine < outer;
  if (parens) out += '(';
  switch (e->kind) {
    case ExprKind::Symbol: out += e->text; break;
    case ExprKind::Const:
      if (e->quoted) {
        out += '"';
        for (char c : e->text) {
          if (c == '"' || c == '\\') out += '\\';
          out += c;
        }
        out += '"';
      } else {
        out += e->text;
      }
      break;
    case ExprKind::Not:
      out += '!';
      print(e->left, out, 3);
      break;
    case ExprKind::And:
    case ExprKind::Or: {
      // Left-associative: a chain A && B && C is nested on the left; walk it
      // without recursion (a file can AND thousands of `depends on` lines).
      std::vector<const Expr*> rights;
      const Expr* l = e;
      while (l->kind == e->kind) {
        rights.push_back(l->right);
        l = l->left;
      }
      print(l, out, mine);
      for (auto it = rights.rbegin(); it != rights.rend(); ++it) {
        out += op_text(e->kind);
        print(*it, out, mine + 1);
      }
      break;
    }
    default:
      print(e->left, out, 4);
      out += op_text(e->kind);
      print(e->right, out, 4);
      break;
  }
  if (parens) out += ')';
}

}  // namespace

std::string to_string(const Expr* e) {
  if (!e) return "y";
  std::string out;
  print(e, out, 0);
  return out;
}

std::vector<const Property*> Symbol::all(PropertyKind kind) const {
  std::vector<const Property*> out;
  for (const Property& p : properties)
    if (p.kind == kind) out.push_back(&p);
  return out;
}

Kconfig::Kconfig() = default;
Kconfig::Kconfig(Kconfig&&) noexcept = default;
Kconfig& Kconfig::operator=(Kconfig&&) noexcept = default;
Kconfig::~Kconfig() = default;

const Symbol* Kconfig::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::size_t Kconfig::defined_count() const {
  std::size_t n = 0;
  for (const Symbol& s : symbols_)
    if (!s.is_choice && s.defined()) ++n;
  return n;
}

}  // namespace beaver::kconfig
