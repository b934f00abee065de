// The Kconfig lexer, a hand-written port of scripts/kconfig/lexer.l: the
// same tokens and keywords, the same longest-match rules for words with
// `$(...)` in them (expand_token), strings (with `$(...)` expanded and `\`
// escapes), help text (indentation measured with tabs of 8, ended by a
// shallower line), the raw value after `NAME =`, `:=` or `+=`, and the second
// stage of yylex (no empty statements, assignments detected from the two
// previous tokens). Files form a stack: a sourced file's tokens come in
// place of its `source` line, and its end is an end of line.
#include "kconfig/kconfig.h"

#include <fmt/format.h>

#include <utility>

namespace beaver::kconfig::detail {

namespace {

bool is_word_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

struct Keyword {
  std::string_view text;
  Tok tok;
};

constexpr Keyword kKeywords[] = {
    {"bool", Tok::Bool},
    {"choice", Tok::Choice},
    {"comment", Tok::Comment},
    {"config", Tok::Config},
    {"def_bool", Tok::DefBool},
    {"def_tristate", Tok::DefTristate},
    {"default", Tok::Default},
    {"depends", Tok::Depends},
    {"endchoice", Tok::EndChoice},
    {"endif", Tok::EndIf},
    {"endmenu", Tok::EndMenu},
    {"help", Tok::Help},
    {"hex", Tok::Hex},
    {"if", Tok::If},
    {"imply", Tok::Imply},
    {"int", Tok::Int},
    {"mainmenu", Tok::MainMenu},
    {"menu", Tok::Menu},
    {"menuconfig", Tok::MenuConfig},
    {"modules", Tok::Modules},
    {"on", Tok::On},
    {"prompt", Tok::Prompt},
    {"range", Tok::Range},
    {"select", Tok::Select},
    {"source", Tok::Source},
    {"string", Tok::String},
    {"tristate", Tok::Tristate},
    {"visible", Tok::Visible},
    // Not in 6.12's lexer.l: `option` (before 5.13), `optional` (choices
    // before 6.11), `transitional` (6.18).
    {"option", Tok::Option},
    {"optional", Tok::Optional},
    {"transitional", Tok::Transitional},
};

Tok keyword(std::string_view word) {
  for (const Keyword& k : kKeywords)
    if (k.text == word) return k.tok;
  return Tok::Word;
}

}  // namespace

std::string_view to_string(Tok t) {
  for (const Keyword& k : kKeywords)
    if (k.tok == t) return k.text;
  switch (t) {
    case Tok::Eof: return "end of file";
    case Tok::Eol: return "end of line";
    case Tok::Word: return "word";
    case Tok::WordQuote: return "string";
    case Tok::HelpText: return "help text";
    case Tok::AssignVal: return "value";
    case Tok::Or: return "||";
    case Tok::And: return "&&";
    case Tok::Equal: return "=";
    case Tok::Unequal: return "!=";
    case Tok::Less: return "<";
    case Tok::LessEqual: return "<=";
    case Tok::Greater: return ">";
    case Tok::GreaterEqual: return ">=";
    case Tok::Not: return "!";
    case Tok::OpenParen: return "(";
    case Tok::CloseParen: return ")";
    case Tok::ColonEqual: return ":=";
    case Tok::PlusEqual: return "+=";
    default: return "token";
  }
}

Lexer::Lexer(Preprocessor& pp, Report error, Report warning)
    : pp_(pp), error_(std::move(error)), warning_(std::move(warning)) {}

void Lexer::push(std::string_view name, std::string text, const Location& included_from) {
  File f;
  f.name = name;
  f.text = std::move(text);
  f.included_from = included_from;
  files_.push_back(std::move(f));
}

bool Lexer::including(std::string_view name) const {
  for (const File& f : files_)
    if (f.name == name) return true;
  return false;
}

std::string_view Lexer::file() const { return files_.empty() ? std::string_view() : files_.back().name; }

Location Lexer::here(const File& f) const {
  return Location{f.name, f.line, static_cast<int>(f.pos - f.line_start) + 1};
}

void Lexer::newline(File& f) {
  ++f.line;
  f.line_start = f.pos;  // pos is already past the '\n'
}

void Lexer::start_help() { state_ = State::Help; }

// yylex: the second stage.
Token Lexer::next() {
  Token t;
  while (true) {
    t = lex1();
    if ((prev_ == Tok::Eol || prev_ == Tok::HelpText) && t.tok == Tok::Eol) continue;  // no empty statements
    break;
  }
  if (prev_prev_ == Tok::Eol && prev_ == Tok::Word &&
      (t.tok == Tok::Equal || t.tok == Tok::ColonEqual || t.tok == Tok::PlusEqual))
    state_ = State::AssignVal;
  prev_prev_ = prev_;
  prev_ = t.tok;
  return t;
}

Token Lexer::lex1() {
  while (!files_.empty()) {
    File& f = files_.back();
    const std::string& s = f.text;

    if (f.pos >= s.size()) {
      Location loc = here(f);
      if (state_ == State::Help) {
        // Help text up to the end of the file.
        return lex_help(f);
      }
      state_ = State::Initial;
      if (prev_ != Tok::Eol && prev_ != Tok::HelpText) warning_(loc, "no new line at end of file");
      files_.pop_back();
      return Token{Tok::Eol, {}, loc};
    }

    if (state_ == State::Help) return lex_help(f);

    const char c = s[f.pos];
    if (state_ == State::AssignVal) {
      if (c == '\n') {
        Location loc = here(f);
        ++f.pos;
        newline(f);
        state_ = State::Initial;
        return Token{Tok::Eol, {}, loc};
      }
      if (c == ' ' || c == '\t') {
        ++f.pos;
        continue;
      }
      Location loc = here(f);
      std::size_t end = s.find('\n', f.pos);
      if (end == std::string::npos) end = s.size();
      Token t{Tok::AssignVal, s.substr(f.pos, end - f.pos), loc};
      f.pos = end;
      return t;
    }

    // INITIAL
    if (c == '#') {
      std::size_t end = s.find('\n', f.pos);
      f.pos = end == std::string::npos ? s.size() : end;
      continue;
    }
    if (c == ' ' || c == '\t') {
      ++f.pos;
      continue;
    }
    if (c == '\\' && f.pos + 1 < s.size() && s[f.pos + 1] == '\n') {
      f.pos += 2;
      newline(f);
      continue;
    }
    if (c == '\n') {
      Location loc = here(f);
      ++f.pos;
      newline(f);
      return Token{Tok::Eol, {}, loc};
    }
    const Location loc = here(f);
    if (c == '"' || c == '\'') {
      ++f.pos;
      return lex_string(f, c, loc);
    }
    if (is_word_char(c) || c == '$') {
      std::size_t end = f.pos;
      bool dollar = false;
      while (end < s.size() && (is_word_char(s[end]) || s[end] == '$')) {
        dollar = dollar || s[end] == '$';
        ++end;
      }
      if (!dollar) {
        std::string_view word(s.data() + f.pos, end - f.pos);
        f.pos = end;
        Tok k = keyword(word);
        return Token{k, k == Tok::Word ? std::string(word) : std::string(), loc};
      }
      // expand_token: the rest of the line, expanded up to the end of one token.
      std::size_t eol = s.find('\n', f.pos);
      if (eol == std::string::npos) eol = s.size();
      std::string_view rest(s.data() + f.pos, eol - f.pos);
      pp_.set_position(loc);
      std::string out;
      try {
        out = pp_.expand_one_token(rest);
        f.pos = eol - rest.size();
      } catch (const Preprocessor::Failure& e) {
        error_(loc, e.message);
        f.pos = eol;
        continue;
      }
      if (out.empty()) continue;
      return Token{Tok::Word, std::move(out), loc};
    }
    auto two = [&](char second) { return f.pos + 1 < s.size() && s[f.pos + 1] == second; };
    auto op = [&](Tok t, std::size_t n) {
      f.pos += n;
      return Token{t, {}, loc};
    };
    switch (c) {
      case '|':
        if (two('|')) return op(Tok::Or, 2);
        break;
      case '&':
        if (two('&')) return op(Tok::And, 2);
        break;
      case '=': return op(Tok::Equal, 1);
      case '!': return two('=') ? op(Tok::Unequal, 2) : op(Tok::Not, 1);
      case '<': return two('=') ? op(Tok::LessEqual, 2) : op(Tok::Less, 1);
      case '>': return two('=') ? op(Tok::GreaterEqual, 2) : op(Tok::Greater, 1);
      case '(': return op(Tok::OpenParen, 1);
      case ')': return op(Tok::CloseParen, 1);
      case ':':
        if (two('=')) return op(Tok::ColonEqual, 2);
        break;
      case '+':
        if (two('=')) return op(Tok::PlusEqual, 2);
        break;
      default: break;
    }
    std::string shown = (c >= 0x20 && c < 0x7f) ? std::string(1, c)
                                                : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    warning_(loc, fmt::format("ignoring unsupported character '{}'", shown));
    ++f.pos;
  }
  return Token{Tok::Eof, {}, Location{}};
}

// <STRING>: after the opening quote.
Token Lexer::lex_string(File& f, char quote, Location start) {
  const std::string& s = f.text;
  std::string text;
  while (true) {
    if (f.pos >= s.size()) {
      error_(start, "unterminated string");
      return Token{Tok::WordQuote, std::move(text), start};
    }
    char c = s[f.pos];
    if (c == '$') {
      std::size_t eol = s.find('\n', f.pos);
      if (eol == std::string::npos) eol = s.size();
      std::string_view rest(s.data() + f.pos + 1, eol - f.pos - 1);
      pp_.set_position(here(f));
      try {
        text += pp_.expand_dollar(rest);
        f.pos = eol - rest.size();
      } catch (const Preprocessor::Failure& e) {
        error_(here(f), e.message);
        f.pos = eol;
        return Token{Tok::WordQuote, std::move(text), start};
      }
      continue;
    }
    if (c == '\\') {
      if (f.pos + 1 < s.size() && s[f.pos + 1] != '\n') {
        text += s[f.pos + 1];
        f.pos += 2;
      } else {
        ++f.pos;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      ++f.pos;
      if (c == quote) return Token{Tok::WordQuote, std::move(text), start};
      text += c;
      continue;
    }
    if (c == '\n') {
      // The kernel warns "multi-line strings not supported" and ends the
      // string here; the newline stays for the statement's end.
      error_(start, "unterminated string");
      return Token{Tok::WordQuote, std::move(text), start};
    }
    std::size_t end = f.pos;
    while (end < s.size() && s[end] != '$' && s[end] != '\'' && s[end] != '"' && s[end] != '\\' && s[end] != '\n')
      ++end;
    text.append(s, f.pos, end - f.pos);
    f.pos = end;
  }
}

// <HELP>: the whole help text at once (zconf_starthelp .. zconf_endhelp).
Token Lexer::lex_help(File& f) {
  const std::string& s = f.text;
  Token t{Tok::HelpText, {}, here(f)};
  int first_ts = 0, last_ts = 0;
  auto end_help = [&]() {
    state_ = State::Initial;
    return std::move(t);
  };
  while (true) {
    if (f.pos >= s.size()) return end_help();
    std::size_t ws = f.pos;
    while (ws < s.size() && (s[ws] == ' ' || s[ws] == '\t')) ++ws;
    if (ws < s.size() && s[ws] == '\n') {
      // [ \t]*\n/[^ \t\n]: a blank line followed by an unindented one ends the text.
      std::size_t after = ws + 1;
      f.pos = after;
      newline(f);
      if (after < s.size() && s[after] != ' ' && s[after] != '\t' && s[after] != '\n') return end_help();
      t.text += '\n';
      continue;
    }
    if (ws > f.pos) {
      // [ \t]+: indentation, tabs to the next multiple of 8.
      int ts = 0;
      for (std::size_t i = f.pos; i < ws; ++i) ts = s[i] == '\t' ? (ts & ~7) + 8 : ts + 1;
      f.pos = ws;
      last_ts = ts;
      if (first_ts) {
        if (ts < first_ts) return end_help();
        t.text.append(static_cast<std::size_t>(ts - first_ts), ' ');
      }
      continue;
    }
    // [^ \t\n].*: a line of text, trailing blanks dropped.
    std::size_t eol = s.find('\n', f.pos);
    if (eol == std::string::npos) eol = s.size();
    std::size_t end = eol;
    while (end > f.pos && (s[end - 1] == ' ' || s[end - 1] == '\t')) --end;
    t.text.append(s, f.pos, end - f.pos);
    f.pos = eol;
    if (!first_ts) first_ts = last_ts;
  }
}

}  // namespace beaver::kconfig::detail
