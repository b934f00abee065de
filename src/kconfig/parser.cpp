// The Kconfig parser: a recursive-descent port of scripts/kconfig/parser.y
// (the union of the 6.1 and 6.12 grammars) building the menu tree the way
// menu.c's menu_add_entry / menu_add_menu / menu_end_menu do, with the
// dependency propagation of menu_finalize (parent's dep && own `depends on`)
// done as each entry ends. Errors are collected with statement-level
// recovery (parser.y's `error T_EOL` rules) and thrown together at the end.
#include "kconfig/kconfig.h"
#include "util/error.h"
#include "util/process.h"

#include <fmt/format.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <sys/utsname.h>

namespace beaver::kconfig {

using detail::Tok;
using detail::Token;

namespace {

constexpr std::size_t kMaxCollected = 10000;  // errors kept (the rest only counted)

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return false;
  out = std::move(ss).str();
  return true;
}

bool is_number(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    for (char c : s.substr(2))
      if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
  }
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Tool version texts asked once per process (`$(CC) --version` is ~10 ms).
std::string tool_output(const std::string& command, const std::string& cwd) {
  static std::mutex mutex;
  static std::map<std::string, std::string> memo;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = memo.find(command); it != memo.end()) return it->second;
  std::string out;
  try {
    ProcessOptions po;
    po.cwd = cwd;
    out = run_process({"/bin/sh", "-c", command}, po).out;
  } catch (const std::exception&) {
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  memo[command] = out;
  return out;
}

std::string without(std::string s, char c) {
  std::erase(s, c);
  return s;
}

std::string subarch() {
  struct utsname u {};
  if (uname(&u) != 0) return "x86";
  std::string m = u.machine;
  if (m == "x86_64" || (m.size() == 4 && m[0] == 'i' && m.substr(2) == "86")) return "x86";
  if (m == "aarch64" || m == "arm64") return "arm64";
  if (m.rfind("arm", 0) == 0) return "arm";
  if (m == "s390x") return "s390";
  if (m.rfind("ppc", 0) == 0) return "powerpc";
  if (m.rfind("mips", 0) == 0) return "mips";
  if (m.rfind("riscv", 0) == 0) return "riscv";
  if (m.rfind("loongarch", 0) == 0) return "loongarch";
  return m;
}

std::string kernel_version(const std::filesystem::path& source_dir) {
  std::string text;
  if (!read_file(source_dir / "Makefile", text)) return "";
  return makefile_kernel_version(text);
}

}  // namespace

std::string makefile_kernel_version(std::string_view makefile) {
  std::map<std::string, std::string> v;
  std::istringstream in{std::string(makefile)};
  std::string line;
  int n = 0;
  while (std::getline(in, line) && ++n < 40) {
    for (const char* key : {"VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"}) {
      std::string k = key;
      if (line.rfind(k, 0) != 0) continue;
      std::size_t eq = line.find('=');
      if (eq == std::string::npos || line.find_first_not_of(" \t", k.size()) != eq) continue;
      std::string value = line.substr(eq + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.pop_back();
      v[k] = value;
    }
  }
  // $(VERSION)$(if $(PATCHLEVEL),.$(PATCHLEVEL)$(if $(SUBLEVEL),.$(SUBLEVEL)))$(EXTRAVERSION)
  std::string out = v["VERSION"];
  if (!v["PATCHLEVEL"].empty()) {
    out += "." + v["PATCHLEVEL"];
    if (!v["SUBLEVEL"].empty()) out += "." + v["SUBLEVEL"];
  }
  return out + v["EXTRAVERSION"];
}

namespace {

std::string default_srcarch(const std::string& arch) {
  if (arch == "i386" || arch == "x86_64") return "x86";
  if (arch == "sparc32" || arch == "sparc64") return "sparc";
  if (arch == "parisc64") return "parisc";
  if (arch == "sh64") return "sh";
  return arch;
}

std::filesystem::path absolute_dir(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::path a = std::filesystem::absolute(p.empty() ? "." : p, ec);
  return ec ? p : a.lexically_normal();
}

}  // namespace

std::map<std::string, std::string> default_environment(const ParseOptions& options) {
  std::map<std::string, std::string> env;
  std::string srctree = absolute_dir(options.source_dir).string();
  while (srctree.size() > 1 && srctree.back() == '/') srctree.pop_back();
  env["ARCH"] = options.arch;
  env["SRCARCH"] = options.srcarch.empty() ? default_srcarch(options.arch) : options.srcarch;
  env["SUBARCH"] = subarch();
  env["srctree"] = srctree;
  env["objtree"] = ".";
  env["CROSS_COMPILE"] = "";
  env["CC"] = "gcc";
  env["LD"] = "ld";
  env["AR"] = "ar";
  env["NM"] = "nm";
  env["OBJCOPY"] = "objcopy";
  env["OBJDUMP"] = "objdump";
  env["READELF"] = "readelf";
  env["STRIP"] = "strip";
  env["HOSTCC"] = "gcc";
  env["HOSTCXX"] = "g++";
  env["CLANG_FLAGS"] = "";
  env["RUSTC"] = "rustc";
  env["BINDGEN"] = "bindgen";
  env["PAHOLE"] = "pahole";
  env["PYTHON3"] = "python3";
  env["PERL"] = "perl";
  env["KERNELVERSION"] = kernel_version(options.source_dir);
  for (const auto& [k, v] : options.env) env[k] = v;
  if (!options.env.count("CPP")) env["CPP"] = env["CC"] + " -E";
  // CC_VERSION_TEXT and RUSTC_VERSION_TEXT as the top Makefile computes them.
  const std::string cwd = srctree;
  if (!env.count("CC_VERSION_TEXT"))
    env["CC_VERSION_TEXT"] =
        options.shell ? without(tool_output("LC_ALL=C " + env["CC"] + " --version 2>/dev/null | head -n 1", cwd), '#')
                      : "";
  if (!env.count("RUSTC_VERSION_TEXT"))
    env["RUSTC_VERSION_TEXT"] =
        options.shell ? without(tool_output(env["RUSTC"] + " --version 2>/dev/null", cwd), '#') : "";
  return env;
}

class Parser {
public:
  explicit Parser(const ParseOptions& options)
      : options_(options),
        env_(default_environment(options)),
        pp_(env_, hooks()),
        lex_(
            pp_, [this](const Location& loc, const std::string& m) { error(loc, m); },
            [this](const Location& loc, const std::string& m) { warning(loc, m); }) {
    k_.nodes_.emplace_back();
    k_.root_ = &k_.nodes_.back();
    k_.root_->kind = NodeKind::Root;
    current_menu_ = k_.root_;
    source_dir_ = absolute_dir(options.source_dir);
  }

  Kconfig run(const std::string* top_text) {
    const std::string_view top = intern(options_.top);
    std::string text;
    if (top_text) {
      text = *top_text;
    } else if (!read_file(resolve(options_.top), text)) {
      throw Error("{}: can't open file \"{}\"", (source_dir_ / options_.top).string(), options_.top);
    }
    k_.files_.push_back(top);
    lex_.push(top, std::move(text), Location{});

    if (peek().tok == Tok::MainMenu) mainmenu();
    while (peek().tok != Tok::Eof) statement();

    for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it)
      error(it->node->loc, fmt::format("missing '{}' for this {}", end_word(it->node->kind),
                                       to_string(it->node->kind)));
    if (k_.mainmenu_.empty() && !k_.root_->prompt) k_.root_->prompt = "Main menu";
    k_.mainmenu_ = *k_.root_->prompt;
    k_.env_used_ = pp_.env_used();
    if (shell_) {
      k_.shell_runs_ = shell_->runs();
      k_.shell_cached_ = shell_->cached();
      shell_->save();
    }

    if (!errors_.empty()) {
      std::string msg;
      const std::size_t shown = std::min(errors_.size(), std::max<std::size_t>(options_.max_errors, 1));
      for (std::size_t i = 0; i < shown; ++i) msg += (i ? "\n" : "") + errors_[i].str();
      if (error_count_ > shown) msg += fmt::format("\n... and {} more errors", error_count_ - shown);
      throw Error(msg);
    }
    return std::move(k_);
  }

private:
  struct SyntaxError {
    Location loc;
    std::string message;
  };
  struct Block {
    MenuNode* node;
  };

  // --- diagnostics ---
  void error(const Location& loc, std::string message) {
    ++error_count_;
    if (errors_.size() < kMaxCollected) errors_.push_back(Diagnostic{loc, std::move(message)});
  }
  void warning(const Location& loc, std::string message) {
    if (k_.warnings_.size() < kMaxCollected) k_.warnings_.push_back(Diagnostic{loc, std::move(message)});
  }

  Preprocessor::Hooks hooks() {
    Preprocessor::Hooks h;
    h.shell = [this](const std::string& command) -> std::string {
      if (!options_.shell) return "";
      if (!shell_) {
        std::string toolchain;
        if (!options_.shell_cache.empty())
          toolchain = env_["CC_VERSION_TEXT"] + "\n" +
                      tool_output(env_["LD"] + " -v 2>/dev/null | head -n 1", source_dir_.string());
        std::filesystem::path cwd = options_.shell_cwd.empty() ? source_dir_ : options_.shell_cwd;
        shell_ = std::make_unique<ShellRunner>(cwd, env_, options_.shell_cache, toolchain);
      }
      return shell_->run(command);
    };
    // Preprocessor messages name the file and the lexer's line (yylineno).
    h.error = [this](const std::string& m) { error(pp_.position(), m); };
    h.warning = [this](const std::string& m) { warning(pp_.position(), m); };
    h.info = [this](const std::string& m) {
      if (k_.messages_.size() < kMaxCollected) k_.messages_.push_back(Diagnostic{pp_.position(), m});
    };
    return h;
  }

  // --- tokens ---
  const Token& peek() {
    if (!peeked_) peeked_ = lex_.next();
    return *peeked_;
  }
  Token take() {
    peek();
    Token t = std::move(*peeked_);
    peeked_.reset();
    return t;
  }
  bool accept(Tok t) {
    if (peek().tok != t) return false;
    take();
    return true;
  }
  [[noreturn]] void fail(const Token& t, std::string message) { throw SyntaxError{t.loc, std::move(message)}; }
  static std::string describe(const Token& t) {
    switch (t.tok) {
      case Tok::Eol: return "end of line";
      case Tok::Eof: return "end of file";
      case Tok::Word: return fmt::format("'{}'", t.text);
      case Tok::WordQuote: return fmt::format("\"{}\"", t.text);
      default: return fmt::format("'{}'", detail::to_string(t.tok));
    }
  }
  void expect_eol() {
    const Token& t = peek();
    if (t.tok == Tok::Eol || t.tok == Tok::Eof) {
      if (t.tok == Tok::Eol) take();
      return;
    }
    fail(t, fmt::format("unexpected {}, expected end of line", describe(t)));
  }
  // After an error: drop the rest of the statement.
  void skip_line() {
    while (true) {
      Tok t = peek().tok;
      if (t == Tok::Eof) return;
      take();
      if (t == Tok::Eol || t == Tok::HelpText) return;
    }
  }
  void recover(const SyntaxError& e) {
    error(e.loc, e.message);
    skip_line();
  }

  // --- storage ---
  std::string_view intern(std::string_view s) {
    if (auto it = interned_.find(s); it != interned_.end()) return it->second;
    k_.strings_.emplace_back(s);
    std::string_view v = k_.strings_.back();
    interned_.emplace(v, v);
    return v;
  }
  const Expr* make(ExprKind kind, const Expr* l, const Expr* r) {
    k_.exprs_.emplace_back();
    Expr& e = k_.exprs_.back();
    e.kind = kind;
    e.left = l;
    e.right = r;
    return &e;
  }
  const Expr* and_(const Expr* a, const Expr* b) {
    if (!a) return b;
    if (!b) return a;
    return make(ExprKind::And, a, b);
  }
  Symbol* lookup(std::string_view name) {
    if (auto it = k_.by_name_.find(name); it != k_.by_name_.end()) return it->second;
    k_.symbols_.emplace_back();
    Symbol* s = &k_.symbols_.back();
    s->name = std::string(name);
    k_.by_name_.emplace(std::string_view(s->name), s);
    return s;
  }
  const Expr* leaf(const Token& t) {
    k_.exprs_.emplace_back();
    Expr& e = k_.exprs_.back();
    const std::string& w = t.text;
    e.quoted = t.tok == Tok::WordQuote;
    if (w == "y" || w == "m" || w == "n") {
      e.kind = ExprKind::Const;
      e.const_kind = ConstKind::Tristate;
      e.text = intern(w);
    } else if (e.quoted || is_number(w)) {
      e.kind = ExprKind::Const;
      e.const_kind = e.quoted ? ConstKind::String : ConstKind::Number;
      e.text = intern(w);
    } else {
      e.kind = ExprKind::Symbol;
      e.symbol = lookup(w);
      e.text = e.symbol->name;
    }
    return &e;
  }
  MenuNode* add_entry(NodeKind kind, Symbol* sym, const Location& loc) {
    k_.nodes_.emplace_back();
    MenuNode* n = &k_.nodes_.back();
    n->kind = kind;
    n->symbol = sym;
    n->loc = loc;
    n->parent = current_menu_;
    current_menu_->children.push_back(n);
    if (sym) sym->definitions.push_back(n);
    return n;
  }
  Property& add_prop(MenuNode* n, PropertyKind kind, const Location& loc) {
    n->symbol->properties.emplace_back();
    Property& p = n->symbol->properties.back();
    p.kind = kind;
    p.loc = loc;
    p.node = n;
    return p;
  }
  // menu_finalize's propagation for one entry, and its properties.
  void finish_entry(MenuNode* n, std::size_t first_prop) {
    n->dep = and_(n->parent ? n->parent->dep : nullptr, n->depends);
    if (!n->symbol) return;
    for (std::size_t i = first_prop; i < n->symbol->properties.size(); ++i) n->symbol->properties[i].dep = n->dep;
  }
  void set_type(MenuNode* n, SymbolType type) {
    Symbol* s = n->symbol;
    if (s->type == type) return;
    if (s->type == SymbolType::Unknown) {
      s->type = type;
      return;
    }
    warning(n->loc, fmt::format("ignoring type redefinition of '{}' from '{}' to '{}'",
                                s->name.empty() ? "<choice>" : s->name, to_string(s->type), to_string(type)));
  }
  void add_prompt(MenuNode* n, std::string text, const Expr* cond, const Location& loc) {
    std::size_t lead = 0;
    while (lead < text.size() && std::isspace(static_cast<unsigned char>(text[lead]))) ++lead;
    if (lead) {
      warning(loc, "leading whitespace ignored");
      text.erase(0, lead);
    }
    if (n->prompt) warning(loc, "prompt redefined");
    n->prompt = text;
    n->prompt_cond = cond;
    if (!n->symbol) return;
    Property& p = add_prop(n, PropertyKind::Prompt, loc);
    p.text = std::move(text);
    p.cond = cond;
    // Apply all upper menus' visibilities to actual prompts.
    for (const MenuNode* m = n->parent; m; m = m->parent)
      if (m->visible_if) p.visibility = and_(p.visibility, m->visible_if);
  }

  // --- expressions (parser.y's expr) ---
  const Expr* expr() {
    const Expr* l = and_expr();
    while (peek().tok == Tok::Or) {
      take();
      l = make(ExprKind::Or, l, and_expr());
    }
    return l;
  }
  const Expr* and_expr() {
    const Expr* l = unary();
    while (peek().tok == Tok::And) {
      take();
      l = make(ExprKind::And, l, unary());
    }
    return l;
  }
  const Expr* unary() {
    if (++depth_ > 1000) {
      --depth_;
      fail(peek(), "expression nested too deeply");
    }
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    const Token& t = peek();
    if (t.tok == Tok::Not) {
      take();
      return make(ExprKind::Not, unary(), nullptr);
    }
    if (t.tok == Tok::OpenParen) {
      take();
      const Expr* e = expr();
      if (peek().tok != Tok::CloseParen) fail(peek(), fmt::format("unexpected {}, expected ')'", describe(peek())));
      take();
      return e;
    }
    if (t.tok != Tok::Word && t.tok != Tok::WordQuote)
      fail(t, fmt::format("unexpected {}, expected a symbol, a constant, '!' or '('", describe(t)));
    const Expr* l = leaf(take());
    ExprKind kind;
    switch (peek().tok) {
      case Tok::Equal: kind = ExprKind::Equal; break;
      case Tok::Unequal: kind = ExprKind::Unequal; break;
      case Tok::Less: kind = ExprKind::Less; break;
      case Tok::LessEqual: kind = ExprKind::LessEqual; break;
      case Tok::Greater: kind = ExprKind::Greater; break;
      case Tok::GreaterEqual: kind = ExprKind::GreaterEqual; break;
      default: return l;
    }
    Token op = take();
    const Token& r = peek();
    if (r.tok != Tok::Word && r.tok != Tok::WordQuote)
      fail(r, fmt::format("unexpected {} after '{}', expected a symbol or a constant", describe(r),
                          detail::to_string(op.tok)));
    return make(kind, l, leaf(take()));
  }
  const Expr* if_expr() {
    if (!accept(Tok::If)) return nullptr;
    return expr();
  }
  Token word_quote(const Token& after) {
    if (peek().tok != Tok::WordQuote)
      fail(peek(), fmt::format("unexpected {} after '{}', expected a quoted string", describe(peek()),
                               detail::to_string(after.tok)));
    return take();
  }
  Token symbol_name(const Token& after) {
    if (peek().tok != Tok::Word)
      fail(peek(), fmt::format("unexpected {} after '{}', expected a symbol name", describe(peek()),
                               detail::to_string(after.tok)));
    return take();
  }

  // --- statements ---
  MenuNode* innermost(NodeKind kind) const {
    for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it)
      if (it->node->kind == kind) return it->node;
    return nullptr;
  }
  static std::string_view end_word(NodeKind kind) {
    return kind == NodeKind::Menu ? "endmenu" : kind == NodeKind::Choice ? "endchoice" : "endif";
  }

  void mainmenu() {
    try {
      Token kw = take();
      Token text = word_quote(kw);
      expect_eol();
      k_.root_->prompt = text.text;
      k_.root_->loc = kw.loc;
    } catch (const SyntaxError& e) {
      recover(e);
    }
  }

  void statement() {
    const Token& t = peek();
    const bool in_choice = innermost(NodeKind::Choice) != nullptr;
    try {
      switch (t.tok) {
        case Tok::Config: config(NodeKind::Config); return;
        case Tok::Comment: comment(); return;
        case Tok::If: if_block(); return;
        case Tok::EndMenu:
        case Tok::EndChoice:
        case Tok::EndIf: end(); return;
        default: break;
      }
      if (in_choice) {
        if (t.tok == Tok::Word) fail(t, fmt::format("unknown statement \"{}\"", t.text));
        fail(t, fmt::format("invalid statement in a choice: {}", describe(t)));
      }
      switch (t.tok) {
        case Tok::MenuConfig: config(NodeKind::MenuConfig); return;
        case Tok::Choice: choice(); return;
        case Tok::Menu: menu(); return;
        case Tok::Source: source(); return;
        case Tok::MainMenu: fail(t, "'mainmenu' must be the first statement");
        case Tok::Word: assignment(); return;
        default: fail(t, fmt::format("invalid statement: unexpected {}", describe(t)));
      }
    } catch (const SyntaxError& e) {
      recover(e);
    }
  }

  void assignment() {
    Token name = take();
    Preprocessor::Flavor flavor;
    switch (peek().tok) {
      case Tok::Equal: flavor = Preprocessor::Flavor::Recursive; break;
      case Tok::ColonEqual: flavor = Preprocessor::Flavor::Simple; break;
      case Tok::PlusEqual: flavor = Preprocessor::Flavor::Append; break;
      default: fail(name, fmt::format("unknown statement \"{}\"", name.text));
    }
    take();
    std::string value;
    if (peek().tok == Tok::AssignVal) value = take().text;
    expect_eol();
    try {
      pp_.set_position(name.loc);
      pp_.add_variable(name.text, value, flavor);
    } catch (const Preprocessor::Failure& f) {
      error(name.loc, f.message);
    }
  }

  // config_option_list and its choice/menu/comment siblings.
  enum class Options { Config, Choice, Menu, Comment };
  void options(MenuNode* n, Options which) {
    while (true) {
      const Token& t = peek();
      const Tok tok = t.tok;
      try {
        if (tok == Tok::Depends) {
          Token kw = take();
          if (peek().tok != Tok::On)
            fail(peek(), fmt::format("unexpected {} after 'depends', expected 'on'", describe(peek())));
          take();
          const Expr* e = expr();
          expect_eol();
          n->depends = and_(n->depends, e);
          if (n->symbol) add_prop(n, PropertyKind::DependsOn, kw.loc).expr = e;
          continue;
        }
        if (which == Options::Comment) return;
        if (which == Options::Menu) {
          if (tok != Tok::Visible) return;
          take();
          const Expr* e = if_expr();
          expect_eol();
          n->visible_if = and_(n->visible_if, e);
          continue;
        }
        if (tok == Tok::Help) {
          Token kw = take();
          if (peek().tok != Tok::Eol)
            fail(peek(), fmt::format("unexpected {} after 'help', expected end of line", describe(peek())));
          take();
          lex_.start_help();
          Token text = take();
          const std::string& name = n->symbol->name.empty() ? std::string("<choice>") : n->symbol->name;
          if (!n->help.empty())
            warning(kw.loc, fmt::format("'{}' defined with more than one help text -- only the last one will be used",
                                        name));
          if (text.text.find_first_not_of(" \f\n\r\t\v") == std::string::npos)
            warning(kw.loc, fmt::format("'{}' defined with blank help text", name));
          n->help = text.text;
          add_prop(n, PropertyKind::Help, kw.loc).text = std::move(text.text);
          continue;
        }
        if (tok == Tok::Prompt) {
          Token kw = take();
          Token text = word_quote(kw);
          const Expr* cond = if_expr();
          expect_eol();
          add_prompt(n, text.text, cond, kw.loc);
          continue;
        }
        if (which == Options::Choice) {
          if (tok == Tok::Bool || tok == Tok::Tristate) {
            Token kw = take();
            set_type(n, tok == Tok::Bool ? SymbolType::Bool : SymbolType::Tristate);
            if (peek().tok == Tok::WordQuote) {
              Token text = take();
              const Expr* cond = if_expr();
              add_prompt(n, text.text, cond, kw.loc);
            }
            expect_eol();
            continue;
          }
          if (tok == Tok::Default) {
            Token kw = take();
            const Expr* target = leaf(symbol_name(kw));
            const Expr* cond = if_expr();
            expect_eol();
            Property& p = add_prop(n, PropertyKind::Default, kw.loc);
            p.expr = target;
            p.cond = cond;
            continue;
          }
          if (tok == Tok::Optional) {
            Token kw = take();
            expect_eol();
            n->symbol->optional = true;
            add_prop(n, PropertyKind::Optional, kw.loc);
            continue;
          }
          return;
        }
        // config / menuconfig
        switch (tok) {
          case Tok::Bool:
          case Tok::Tristate:
          case Tok::Int:
          case Tok::Hex:
          case Tok::String: {
            Token kw = take();
            set_type(n, tok == Tok::Bool       ? SymbolType::Bool
                        : tok == Tok::Tristate ? SymbolType::Tristate
                        : tok == Tok::Int      ? SymbolType::Int
                        : tok == Tok::Hex      ? SymbolType::Hex
                                               : SymbolType::String);
            if (peek().tok == Tok::WordQuote) {
              Token text = take();
              const Expr* cond = if_expr();
              expect_eol();
              add_prompt(n, text.text, cond, kw.loc);
            } else {
              expect_eol();
            }
            continue;
          }
          case Tok::Default:
          case Tok::DefBool:
          case Tok::DefTristate: {
            Token kw = take();
            const Expr* value = expr();
            const Expr* cond = if_expr();
            expect_eol();
            Property& p = add_prop(n, PropertyKind::Default, kw.loc);
            p.expr = value;
            p.cond = cond;
            if (tok != Tok::Default) {
              p.def_type = tok == Tok::DefBool ? SymbolType::Bool : SymbolType::Tristate;
              set_type(n, p.def_type);
            }
            continue;
          }
          case Tok::Select:
          case Tok::Imply: {
            Token kw = take();
            const Expr* target = leaf(symbol_name(kw));
            const Expr* cond = if_expr();
            expect_eol();
            Property& p = add_prop(n, tok == Tok::Select ? PropertyKind::Select : PropertyKind::Imply, kw.loc);
            p.expr = target;
            p.cond = cond;
            continue;
          }
          case Tok::Range: {
            Token kw = take();
            auto bound = [&]() {
              const Token& b = peek();
              if (b.tok != Tok::Word && b.tok != Tok::WordQuote)
                fail(b, fmt::format("unexpected {} in 'range', expected a symbol or a number", describe(b)));
              return leaf(take());
            };
            const Expr* lo = bound();
            const Expr* hi = bound();
            const Expr* cond = if_expr();
            expect_eol();
            Property& p = add_prop(n, PropertyKind::Range, kw.loc);
            p.expr = lo;
            p.expr2 = hi;
            p.cond = cond;
            continue;
          }
          case Tok::Modules: {
            Token kw = take();
            expect_eol();
            set_modules(n, kw.loc);
            add_prop(n, PropertyKind::Modules, kw.loc);
            continue;
          }
          case Tok::Transitional: {
            Token kw = take();
            expect_eol();
            n->symbol->transitional = true;
            add_prop(n, PropertyKind::Transitional, kw.loc);
            continue;
          }
          case Tok::Option: {
            Token kw = take();
            std::string words;
            while (peek().tok != Tok::Eol && peek().tok != Tok::Eof) {
              Token w = take();
              if (!words.empty() && w.tok != Tok::Equal && words.back() != '=') words += ' ';
              words += w.tok == Tok::Word        ? w.text
                       : w.tok == Tok::WordQuote ? "\"" + w.text + "\""
                                                 : std::string(detail::to_string(w.tok));
            }
            expect_eol();
            if (words == "modules") set_modules(n, kw.loc);
            add_prop(n, PropertyKind::Option, kw.loc).text = std::move(words);
            continue;
          }
          default: return;
        }
      } catch (const SyntaxError& e) {
        recover(e);
      }
    }
  }

  void set_modules(MenuNode* n, const Location& loc) {
    if (k_.modules_)
      error(loc, fmt::format("symbol '{}' redefines option 'modules' already defined by symbol '{}'", n->symbol->name,
                             k_.modules_->name));
    else
      k_.modules_ = n->symbol;
    n->symbol->modules = true;
  }

  void config(NodeKind kind) {
    Token kw = take();
    Symbol* sym;
    if (peek().tok == Tok::Word) {
      sym = lookup(take().text);
      try {
        expect_eol();
      } catch (const SyntaxError& e) {
        recover(e);
      }
    } else {
      recover(SyntaxError{peek().loc, fmt::format("unexpected {} after '{}', expected a symbol name",
                                                  describe(peek()), detail::to_string(kw.tok))});
      // Parse the block into a symbol nobody can name, so its options do not
      // become errors of their own.
      k_.symbols_.emplace_back();
      sym = &k_.symbols_.back();
    }
    MenuNode* n = add_entry(kind, sym, kw.loc);
    const std::size_t first = sym->properties.size();
    options(n, Options::Config);
    finish_entry(n, first);
    if (MenuNode* choice = innermost(NodeKind::Choice)) sym->choice = choice;
    if (kind == NodeKind::MenuConfig && !n->prompt) warning(kw.loc, "menuconfig statement without prompt");
  }

  void choice() {
    Token kw = take();
    Symbol* sym;
    if (peek().tok == Tok::Word) {
      // A named choice (before 6.11): one symbol for every block of that name.
      std::string name = take().text;
      auto it = named_choices_.find(name);
      if (it == named_choices_.end()) {
        k_.symbols_.emplace_back();
        sym = &k_.symbols_.back();
        sym->name = name;
        sym->is_choice = true;
        named_choices_.emplace(name, sym);
      } else {
        sym = it->second;
      }
    } else {
      k_.symbols_.emplace_back();
      sym = &k_.symbols_.back();
      sym->is_choice = true;
    }
    try {
      expect_eol();
    } catch (const SyntaxError& e) {
      recover(e);
    }
    MenuNode* n = add_entry(NodeKind::Choice, sym, kw.loc);
    const std::size_t first = sym->properties.size();
    options(n, Options::Choice);
    finish_entry(n, first);
    if (!n->prompt) error(kw.loc, "choice must have a prompt");
    blocks_.push_back(Block{n});
    current_menu_ = n;
  }

  // `menu "text"` and `comment "text"`: the text is the entry's prompt.
  MenuNode* titled_entry(NodeKind kind, Options allowed) {
    Token kw = take();
    Token text = word_quote(kw);
    expect_eol();
    MenuNode* n = add_entry(kind, nullptr, kw.loc);
    add_prompt(n, text.text, nullptr, kw.loc);
    options(n, allowed);
    finish_entry(n, 0);
    return n;
  }

  void menu() {
    MenuNode* n = titled_entry(NodeKind::Menu, Options::Menu);
    blocks_.push_back(Block{n});
    current_menu_ = n;
  }

  void comment() { titled_entry(NodeKind::Comment, Options::Comment); }

  void if_block() {
    Token kw = take();
    const Expr* cond = expr();
    expect_eol();
    MenuNode* n = add_entry(NodeKind::If, nullptr, kw.loc);
    n->depends = cond;
    finish_entry(n, 0);
    blocks_.push_back(Block{n});
    current_menu_ = n;
  }

  void end() {
    Token kw = take();
    expect_eol();
    const NodeKind want = kw.tok == Tok::EndMenu ? NodeKind::Menu : kw.tok == Tok::EndChoice ? NodeKind::Choice : NodeKind::If;
    const std::string_view word = detail::to_string(kw.tok);
    if (blocks_.empty()) {
      error(kw.loc, fmt::format("'{}' without matching '{}'", word, to_string(want)));
      return;
    }
    MenuNode* open = blocks_.back().node;
    if (open->kind != want) {
      error(kw.loc, fmt::format("unexpected '{}' within {} block (opened at {})", word, to_string(open->kind),
                                to_string(open->loc)));
    } else if (open->loc.file != kw.loc.file) {
      error(kw.loc, fmt::format("'{}' in different file than '{}' (opened at {})", word, to_string(want),
                                to_string(open->loc)));
    }
    // Close the block anyway, so one mistake does not shift every later entry.
    if (open->kind == NodeKind::Choice) finish_choice(open);
    blocks_.pop_back();
    current_menu_ = open->parent;
  }

  // A choice without a type takes its first typed member's (menu.c before
  // 6.11); 6.11 and later make every choice bool.
  void finish_choice(MenuNode* n) {
    Symbol* s = n->symbol;
    if (s->type != SymbolType::Unknown) return;
    for (const MenuNode* c : n->children)
      if (c->symbol && c->symbol->type != SymbolType::Unknown) {
        s->type = c->symbol->type;
        return;
      }
    s->type = SymbolType::Bool;
  }

  void source() {
    Token kw = take();
    Token name = word_quote(kw);
    expect_eol();
    const std::string_view file = intern(name.text);
    if (lex_.including(file)) {
      error(kw.loc, fmt::format("recursive inclusion of \"{}\"", name.text));
      return;
    }
    if (lex_.depth() > 64) {
      error(kw.loc, "source nested too deeply");
      return;
    }
    if (!options_.follow_source) return;
    std::string text;
    std::error_code ec;
    // Only regular files: never a device or a FIFO that would not end.
    if (name.text.empty() || !std::filesystem::is_regular_file(resolve(name.text), ec) ||
        !read_file(resolve(name.text), text)) {
      error(kw.loc, fmt::format("can't open file \"{}\"", name.text));
      return;
    }
    k_.files_.push_back(file);
    lex_.push(file, std::move(text), kw.loc);
  }

  std::filesystem::path resolve(const std::string& name) const {
    std::filesystem::path p(name);
    return p.is_absolute() ? p : source_dir_ / p;
  }

  ParseOptions options_;
  std::map<std::string, std::string> env_;
  Kconfig k_;
  Preprocessor pp_;
  detail::Lexer lex_;
  std::unique_ptr<ShellRunner> shell_;
  std::filesystem::path source_dir_;
  std::optional<Token> peeked_;
  int depth_ = 0;
  std::vector<Diagnostic> errors_;
  std::size_t error_count_ = 0;
  std::vector<Block> blocks_;
  MenuNode* current_menu_ = nullptr;
  std::unordered_map<std::string_view, std::string_view> interned_;
  std::unordered_map<std::string, Symbol*> named_choices_;
};

Kconfig parse_tree(const ParseOptions& options) { return Parser(options).run(nullptr); }

Kconfig parse_text(std::string_view text, const ParseOptions& options) {
  std::string copy(text);
  return Parser(options).run(&copy);
}

}  // namespace beaver::kconfig
