// libFuzzer target for beaver::kconfig: arbitrary bytes parsed as one
// Kconfig file (no $(shell,...), no sourced files: the tree does not exist)
// must either parse or throw beaver::Error, never crash or hang, and what
// parses must keep the invariants of kconfig.h.
#include "kconfig/kconfig.h"
#include "util/error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace beaver::kconfig;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_expr(const Expr* e) {
  if (!e) return;
  switch (e->kind) {
    case ExprKind::Symbol: check(e->symbol && e->text == e->symbol->name); break;
    case ExprKind::Const: check(!e->symbol); break;
    case ExprKind::Not: check(e->left && !e->right); break;
    default:
      check(e->left && e->right);
      if (e->kind != ExprKind::And && e->kind != ExprKind::Or) {
        // Comparisons join two leaves.
        check(e->left->kind == ExprKind::Symbol || e->left->kind == ExprKind::Const);
        check(e->right->kind == ExprKind::Symbol || e->right->kind == ExprKind::Const);
      }
  }
  (void)to_string(e);
}

void check_node(const MenuNode& n, int lines) {
  for (const MenuNode* c : n.children) {
    check(c->parent == &n);
    check(c->loc.line >= 1 && c->loc.line <= lines + 1);
    check(c->loc.file == "Kconfig");
    if (c->kind == NodeKind::Config || c->kind == NodeKind::MenuConfig || c->kind == NodeKind::Choice)
      check(c->symbol != nullptr);
    check_expr(c->depends);
    check_expr(c->dep);
    check_expr(c->visible_if);
    check_node(*c, lines);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';

  ParseOptions options;
  options.source_dir = "/nonexistent/beaver-kconfig-fuzz";
  options.shell = false;
  options.follow_source = false;
  try {
    Kconfig k = parse_text(text, options);
    check(k.root().kind == NodeKind::Root);
    check_node(k.root(), lines);
    std::size_t defined = 0;
    for (const Symbol& s : k.symbols()) {
      if (!s.is_choice && s.defined()) ++defined;
      for (const MenuNode* d : s.definitions) check(d->symbol == &s);
      for (const Property& p : s.properties) {
        check(p.node && p.node->symbol == &s);
        check(p.loc.line >= 1 && p.loc.line <= lines + 1);
        check_expr(p.expr);
        check_expr(p.expr2);
        check_expr(p.cond);
        check_expr(p.dep);
        check_expr(p.visibility);
        check(p.dep == p.node->dep);
        if (p.kind == PropertyKind::Select || p.kind == PropertyKind::Imply) check(p.expr != nullptr);
      }
      if (!s.is_choice && s.defined()) check(k.find(s.name) == &s);
    }
    check(defined == k.defined_count());
  } catch (const beaver::Error& e) {
    // Every error names the file, line and column.
    check(std::string_view(e.what()).rfind("Kconfig:", 0) == 0);
  }
  return 0;
}
