// The Kconfig language of the Linux kernel: a parser for a whole kernel tree
// (`$(srctree)/Kconfig` and everything it sources for one ARCH), with the
// macro language of scripts/Kconfig.include evaluated against the real
// toolchain. It follows the kernel's own implementation closely:
// scripts/kconfig/lexer.l (tokens, strings, help text, `$(...)` in words),
// parser.y (the grammar of 6.1 and 6.12, a superset of both), preprocess.c
// (variables, functions, `$(shell,...)`), menu.c (how dependencies of `if`,
// `menu`, `choice` and `depends on` reach every property) and expr.h (the
// expression tree). Evaluating symbols (values, visibility, select) is not
// done here; this file gives an evaluator everything it needs, unsimplified.
//
// Differences from the kernel, each on purpose:
//  - Every error is collected ("FILE:LINE:COL: message") and parsing goes on
//    (statement-level recovery, like the `error T_EOL` rules of parser.y);
//    parse_tree() throws one beaver::Error listing them at the end. The
//    kernel exits at the first preprocessor error and at a missing file.
//  - An unterminated string (newline or end of file inside quotes) is an
//    error; the kernel only warns ("multi-line strings not supported").
//  - `option WORDS...` (kernels before 5.13) and `transitional` (6.18) are
//    accepted as config options and recorded, and `optional` and a named
//    choice (6.1) are accepted as well as 6.12's bool-only choices.
//  - Environment variables come from ParseOptions (defaults: what
//    `make ARCH=x86_64 olddefconfig` exports with gcc), never from this
//    process's environment, so a parse does not depend on who runs it.
//  - `$(info,...)` and `$(warning-if,...)` are recorded in Kconfig::messages
//    and Kconfig::warnings instead of being printed.
//  - `'m'` is not rewritten to `m && MODULES` and expressions are not
//    simplified (menu.c does both in menu_finalize); an evaluator does that.
//    The automatic sub-menus below a symbol (menu.c's "menuconfig without
//    menuconfig") are not built: children are what the files nest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace beaver::kconfig {

// A place in a Kconfig file. `file` is the name as the kernel prints it: the
// path given to `source` after expansion (relative to the source tree), e.g.
// "arch/x86/Kconfig"; it points into the owning Kconfig and lives as long.
struct Location {
  std::string_view file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes
};

// "FILE:LINE:COL" (the form of every message).
std::string to_string(const Location& loc);

enum class SymbolType { Unknown, Bool, Tristate, String, Int, Hex };
std::string_view to_string(SymbolType type);  // "unknown", "bool", "tristate", "string", "int", "hex"

struct Symbol;

// --- Expressions (expr.h) ----------------------------------------------------
//
// Precedence as parser.y: `||` < `&&` < `!`; comparisons (`=`, `!=`, `<`,
// `<=`, `>`, `>=`) only join two leaves (symbols or constants) and bind
// tighter than everything; `(...)` groups. `!A = B` is `!(A = B)`.
enum class ExprKind { Symbol, Const, Not, And, Or, Equal, Unequal, Less, LessEqual, Greater, GreaterEqual };

// What a leaf constant is. The kernel looks every word up as a symbol; "y",
// "m" and "n" (quoted or not) are its three constant symbols, quoted words
// are constant symbols, and an unquoted number is an undefined symbol whose
// value is its name. Here they are constants, so evaluators need no lookup.
enum class ConstKind { Tristate, String, Number };

struct Expr {
  ExprKind kind = ExprKind::Const;
  const Expr* left = nullptr;   // Not: the operand; And, Or, comparisons: left side
  const Expr* right = nullptr;  // And, Or, comparisons: right side
  Symbol* symbol = nullptr;     // Symbol: the symbol (possibly never defined)
  std::string_view text;        // Symbol: its name; Const: the value ("y", "m", "n", "64", "0x100", any string)
  ConstKind const_kind = ConstKind::String;  // Const only
  bool quoted = false;          // Const written in quotes
};

// Kernel-like text of an expression: "X86_64 && CPU_SUP_AMD",
// "!(A || B)", "A=y", "\"str\"". Parentheses only where precedence needs
// them. nullptr prints as "y" (no condition).
std::string to_string(const Expr* e);

// --- Symbols and their properties (menu.c, expr.h "struct property") ---------

enum class PropertyKind {
  Prompt,        // `prompt "text" [if COND]`, or the text after a type (`bool "text"`)
  Default,       // `default EXPR [if COND]`, `def_bool`/`def_tristate` (def_type says which)
  Select,        // `select SYM [if COND]`
  Imply,         // `imply SYM [if COND]`
  Range,         // `range LOW HIGH [if COND]`
  DependsOn,     // one `depends on EXPR` line (its expression in expr)
  Help,          // `help` and its text
  Modules,       // `modules` (this symbol is the MODULES symbol)
  Option,        // `option WORDS` (old kernels): the words in text
  Transitional,  // `transitional` (6.18)
  Optional,      // `optional` in a choice (6.1)
};
std::string_view to_string(PropertyKind kind);

struct MenuNode;

struct Property {
  PropertyKind kind = PropertyKind::Prompt;
  Location loc;                  // the line of the property; column of its keyword
  const MenuNode* node = nullptr;  // the definition (config block, choice) it belongs to
  std::string text;              // Prompt: the text (leading blanks removed, like the kernel); Help: the text; Option: the words
  const Expr* expr = nullptr;    // Default: value; Select/Imply: the target (a Symbol leaf); Range: low; DependsOn: the expression
  const Expr* expr2 = nullptr;   // Range: high
  const Expr* cond = nullptr;    // own `if COND` (nullptr: none)
  // Inherited dependency: the definition's `depends on` lines and those of
  // every enclosing if/menu/choice, ANDed outermost first (node->dep;
  // nullptr: none). The kernel's prop->visible.expr is cond && dep.
  const Expr* dep = nullptr;
  // Prompt only: the `visible if` of every enclosing menu, ANDed innermost
  // first as menu_add_prompt does (nullptr: none).
  const Expr* visibility = nullptr;
  SymbolType def_type = SymbolType::Unknown;  // Default from def_bool/def_tristate: Bool/Tristate
};

struct Symbol {
  std::string name;               // empty for an unnamed choice
  SymbolType type = SymbolType::Unknown;
  bool is_choice = false;         // the symbol of a `choice` block
  bool modules = false;           // has `modules` (or `option modules`)
  bool transitional = false;      // has `transitional`
  bool optional = false;          // a choice with `optional` (6.1)
  std::vector<const MenuNode*> definitions;  // each config/menuconfig/choice block, in parse order
  std::vector<Property> properties;          // of every definition, in parse order (like sym->prop)
  const MenuNode* choice = nullptr;          // member of a choice: the (last) choice node it is in

  bool defined() const { return !definitions.empty(); }
  // Properties of one kind, in order.
  std::vector<const Property*> all(PropertyKind kind) const;
};

// --- The menu tree -----------------------------------------------------------

enum class NodeKind { Root, Config, MenuConfig, Choice, Menu, Comment, If };
std::string_view to_string(NodeKind kind);

struct MenuNode {
  NodeKind kind = NodeKind::Root;
  Location loc;                       // the `config`/`menu`/`if`... keyword
  Symbol* symbol = nullptr;           // Config, MenuConfig, Choice
  std::optional<std::string> prompt;  // Menu, Comment, Root (mainmenu): the title; Config/Choice: the last prompt text
  const Expr* prompt_cond = nullptr;  // own `if` of that prompt
  const Expr* depends = nullptr;      // own `depends on` lines ANDed; If: the `if` condition
  const Expr* dep = nullptr;          // parent's dep && depends: what menu_finalize puts in menu->dep
  const Expr* visible_if = nullptr;   // Menu: its `visible if` lines ANDed
  std::string help;                   // Config, Choice: the help text ("" when none)
  MenuNode* parent = nullptr;
  std::vector<MenuNode*> children;
};

// A message with its place (errors, warnings, $(info,...)).
struct Diagnostic {
  Location loc;
  std::string message;
  std::string str() const;  // "FILE:LINE:COL: message"
};

// A parsed Kconfig tree. Owns every node, symbol, expression and string;
// addresses are stable for its lifetime (moving it keeps them).
class Kconfig {
public:
  Kconfig();
  Kconfig(Kconfig&&) noexcept;
  Kconfig& operator=(Kconfig&&) noexcept;
  Kconfig(const Kconfig&) = delete;
  Kconfig& operator=(const Kconfig&) = delete;
  ~Kconfig();

  const MenuNode& root() const { return *root_; }
  // `mainmenu` text, expanded ("Linux/x86_64 6.12.57 Kernel Configuration").
  const std::string& mainmenu() const { return mainmenu_; }

  // A symbol by name (defined or only referenced), or nullptr.
  const Symbol* find(std::string_view name) const;
  // Every symbol: defined ones, referenced-only ones (no definitions), and
  // choices (is_choice), in order of first appearance.
  const std::deque<Symbol>& symbols() const { return symbols_; }
  // Number of distinct names defined by `config`/`menuconfig`.
  std::size_t defined_count() const;
  // The MODULES symbol (`modules`), or nullptr.
  const Symbol* modules_symbol() const { return modules_; }

  // Every file read, in order (names as in Location::file).
  const std::vector<std::string_view>& files() const { return files_; }
  // Warnings the kernel prints too (type redefinition, prompt redefinition,
  // missing newline at end of file, ignored characters, $(warning-if,...)).
  const std::vector<Diagnostic>& warnings() const { return warnings_; }
  // `$(info,...)` output.
  const std::vector<Diagnostic>& messages() const { return messages_; }
  // Environment variables the files referenced, with their values (what the
  // kernel writes to include/config/auto.conf.cmd).
  const std::map<std::string, std::string>& env_used() const { return env_used_; }
  // Number of `$(shell,...)` commands run (cache misses) and answered from a cache.
  int shell_runs() const { return shell_runs_; }
  int shell_cached() const { return shell_cached_; }

private:
  friend class Parser;
  std::deque<Symbol> symbols_;
  std::unordered_map<std::string_view, Symbol*> by_name_;
  std::deque<MenuNode> nodes_;
  std::deque<Expr> exprs_;
  std::deque<std::string> strings_;  // interned file names and constants
  MenuNode* root_ = nullptr;
  Symbol* modules_ = nullptr;
  std::string mainmenu_;
  std::vector<std::string_view> files_;
  std::vector<Diagnostic> warnings_, messages_;
  std::map<std::string, std::string> env_used_;
  int shell_runs_ = 0, shell_cached_ = 0;
};

// --- Parsing -----------------------------------------------------------------

struct ParseOptions {
  std::filesystem::path source_dir;  // the kernel tree ($(srctree))
  std::string arch = "x86_64";       // ARCH
  std::string srcarch;               // SRCARCH; empty: from arch like the top Makefile (x86_64, i386 → x86)
  std::string top = "Kconfig";       // the first file (KBUILD_KCONFIG), relative to source_dir
  // Added to or replacing the defaults of default_environment().
  std::map<std::string, std::string> env;
  // Run `$(shell,...)` (false: every $(shell,...) expands to "" without
  // running anything; for fuzzing and tests that must not touch the system).
  bool shell = true;
  // Working directory of $(shell,...) (the kernel's objtree; cc-option
  // creates and removes .tmp_$$ there). Empty: source_dir.
  std::filesystem::path shell_cwd;
  // A file that keeps $(shell,...) results between runs, keyed by the
  // command, the working directory, the environment and the toolchain
  // (`$(CC) --version`, `$(LD) -v`). Empty: results are kept in memory only
  // (for the life of the process).
  std::filesystem::path shell_cache;
  // Read the files `source` names (false: `source` lines are parsed and
  // their files ignored; for fuzzing, where a file is all there is).
  bool follow_source = true;
  std::size_t max_errors = 20;  // listed in the thrown error; the rest is counted
};

// The environment `make ARCH=... olddefconfig` gives Kconfig with the GNU
// toolchain (top Makefile, scripts/kconfig/Makefile): ARCH, SRCARCH, SUBARCH,
// srctree, objtree, CC=gcc, LD=ld, AR, NM, OBJCOPY, OBJDUMP, READELF, STRIP,
// CPP, HOSTCC, HOSTCXX, CROSS_COMPILE, CLANG_FLAGS (empty), RUSTC, BINDGEN,
// PAHOLE, PYTHON3, PERL, KERNELVERSION (from the top Makefile),
// CC_VERSION_TEXT and RUSTC_VERSION_TEXT (asked from the tools when
// options.shell), KBUILD_DEFCONFIG; then options.env on top.
std::map<std::string, std::string> default_environment(const ParseOptions& options);

// KERNELVERSION as the top Makefile computes it from VERSION, PATCHLEVEL,
// SUBLEVEL and EXTRAVERSION ("6.12.117", "6.13-rc4"); "" when there are none.
std::string makefile_kernel_version(std::string_view makefile);

// Parses the whole tree from options.top. Throws beaver::Error listing every
// error ("FILE:LINE:COL: message", at most max_errors and a count).
Kconfig parse_tree(const ParseOptions& options);

// Parses `text` as if it were the file options.top (files it sources are
// read from options.source_dir). Same errors as parse_tree.
Kconfig parse_text(std::string_view text, const ParseOptions& options);

// --- The macro language (preprocess.c) ---------------------------------------
//
// Variables (`A = v` recursive, `A := v` simple, `A += v` append), references
// `$(A)`, calls `$(f,arg,...)` of user functions (recursive variables with
// $(1), $(2)...) and of the built-ins `shell`, `info`, `warning-if`,
// `error-if`, `filename`, `lineno`; undefined names fall back to the
// environment, then to "". Used by the lexer; public for tests and tools.
class Preprocessor {
public:
  enum class Flavor { Recursive, Simple, Append };

  struct Hooks {
    // Runs a shell command, returns its stdout as do_shell keeps it.
    std::function<std::string(const std::string& command)> shell;
    std::function<void(const std::string& message)> error;    // error-if, bad references
    std::function<void(const std::string& message)> warning;  // warning-if
    std::function<void(const std::string& message)> info;     // info
  };

  Preprocessor(std::map<std::string, std::string> env, Hooks hooks);

  // Where the lexer is, for $(filename), $(lineno) and messages.
  void set_position(const Location& loc) { pos_ = loc; }
  const Location& position() const { return pos_; }

  // Expands every `$(...)` in `in`.
  std::string expand_string(std::string_view in);
  // Expands one token (lexer.l's expand_token): stops at the first
  // character that is not [A-Za-z0-9_-] outside `$(...)`; `in` is advanced.
  std::string expand_one_token(std::string_view& in);
  // Expands what follows a '$' (`(...)` or nothing: a lone '$'); `in` is
  // advanced past it.
  std::string expand_dollar(std::string_view& in);

  void add_variable(const std::string& name, const std::string& value, Flavor flavor);

  const std::map<std::string, std::string>& env_used() const { return env_used_; }

  // Thrown inside an expansion for errors that the kernel treats as fatal
  // (pperror); the lexer catches it, reports it and goes on.
  struct Failure {
    std::string message;
  };

private:
  struct Variable {
    std::string value;
    Flavor flavor = Flavor::Recursive;
    int exp_count = 0;
  };
  std::string expand(std::string_view& in, bool token, const std::vector<std::string>& args);
  std::string expand_dollar_args(std::string_view& in, const std::vector<std::string>& args);
  std::string eval_clause(std::string_view clause, const std::vector<std::string>& args);
  std::string call_builtin(const std::string& name, const std::vector<std::string>& argv, bool& found);

  std::map<std::string, std::string> env_;
  std::map<std::string, std::string> env_used_;
  std::unordered_map<std::string, Variable> variables_;
  Hooks hooks_;
  Location pos_;
  std::size_t budget_ = 0;  // clause evaluations left in this top-level expansion
  int depth_ = 0;
};

// --- $(shell,...) with caches ------------------------------------------------

// Runs `/bin/sh -c COMMAND` in `cwd` with `env` added to this process's
// environment, and keeps stdout like preprocess.c's do_shell (first 4095
// bytes, trailing newlines removed, newlines turned into spaces). Answers
// are cached in memory for the life of the process and, when `cache_file`
// is given, in that file, keyed by the command, cwd, env and `toolchain_id`.
class ShellRunner {
public:
  ShellRunner(std::filesystem::path cwd, std::map<std::string, std::string> env,
              std::filesystem::path cache_file, std::string toolchain_id);
  ~ShellRunner();  // writes the cache file when something new was learned
  ShellRunner(const ShellRunner&) = delete;
  ShellRunner& operator=(const ShellRunner&) = delete;

  std::string run(const std::string& command);
  int runs() const { return runs_; }
  int cached() const { return cached_; }
  void save();  // writes the cache file now (temporary file + rename)
  // Forgets the process-wide memory cache (tests of the cache file).
  static void clear_memory_cache();

private:
  std::string key(const std::string& command) const;
  std::filesystem::path cwd_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> env_list_;
  std::filesystem::path cache_file_;
  std::string fingerprint_;
  std::map<std::string, std::string> disk_;  // key → output
  bool dirty_ = false;
  int runs_ = 0, cached_ = 0;
};

namespace detail {

// Tokens of lexer.l.
enum class Tok {
  Eof, Eol, Word, WordQuote, HelpText, AssignVal,
  Bool, Choice, Comment, Config, DefBool, DefTristate, Default, Depends, EndChoice, EndIf, EndMenu,
  Help, Hex, If, Imply, Int, MainMenu, Menu, MenuConfig, Modules, On, Prompt, Range, Select, Source,
  String, Tristate, Visible, Option, Optional, Transitional,
  Or, And, Equal, Unequal, Less, LessEqual, Greater, GreaterEqual, Not, OpenParen, CloseParen,
  ColonEqual, PlusEqual,
};
std::string_view to_string(Tok t);  // for messages: "'endif'", "end of line", "word"...

struct Token {
  Tok tok = Tok::Eof;
  std::string text;  // Word, WordQuote, HelpText, AssignVal: the (expanded) text
  Location loc;
};

// The lexer: a stack of files whose tokens are spliced like the kernel's
// (a sourced file's tokens come where its `source` line was), with the
// second stage of yylex (blank lines dropped, assignments switch to the
// raw-value state) and the help-text state started by the parser.
class Lexer {
public:
  using Report = std::function<void(const Location&, const std::string&)>;
  Lexer(Preprocessor& pp, Report error, Report warning);

  // Pushes a file (its name as in Location::file, and its text).
  void push(std::string_view name, std::string text, const Location& included_from);
  bool including(std::string_view name) const;  // is `name` on the stack (recursion)?
  std::size_t depth() const { return files_.size(); }
  std::string_view file() const;  // the innermost file ("" when none)

  Token next();
  void start_help();  // after `help` and its end of line: the next token is HelpText

private:
  struct File {
    std::string_view name;
    std::string text;
    std::size_t pos = 0;
    int line = 1;
    std::size_t line_start = 0;
    Location included_from;
  };
  enum class State { Initial, AssignVal, Help };
  Token lex1();
  Token lex_help(File& f);
  Token lex_string(File& f, char quote, Location start);
  Location here(const File& f) const;
  void newline(File& f);

  Preprocessor& pp_;
  Report error_, warning_;
  std::vector<File> files_;
  State state_ = State::Initial;
  Tok prev_ = Tok::Eol, prev_prev_ = Tok::Eol;
};

}  // namespace detail

}  // namespace beaver::kconfig
