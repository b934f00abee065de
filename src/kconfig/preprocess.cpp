// The Kconfig macro language, after scripts/kconfig/preprocess.c: same
// lookup order (arguments $(1).., variables, built-in functions, the
// environment, then ""), same splitting of arguments on top-level commas,
// same flavors of assignment.
#include "kconfig/kconfig.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace beaver::kconfig {

namespace {

constexpr std::size_t kMaxArgs = 16;                 // FUNCTION_MAX_ARGS
constexpr std::size_t kBudget = 200000;              // clause evaluations per top-level expansion
constexpr std::size_t kMaxExpansion = 1 << 24;       // bytes of one expansion
constexpr int kMaxDepth = 1000;                      // "Too deep recursive expansion"

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

}  // namespace

Preprocessor::Preprocessor(std::map<std::string, std::string> env, Hooks hooks)
    : env_(std::move(env)), hooks_(std::move(hooks)) {}

std::string Preprocessor::expand_string(std::string_view in) {
  if (depth_ == 0) budget_ = kBudget;
  return expand(in, false, {});
}

std::string Preprocessor::expand_one_token(std::string_view& in) {
  if (depth_ == 0) budget_ = kBudget;
  return expand(in, true, {});
}

std::string Preprocessor::expand_dollar(std::string_view& in) {
  if (depth_ == 0) budget_ = kBudget;
  return expand_dollar_args(in, {});
}

// __expand_string: copies `in` up to its end (or the end of a token), with
// every $(...) replaced by its expansion.
std::string Preprocessor::expand(std::string_view& in, bool token, const std::vector<std::string>& args) {
  std::string out;
  std::size_t p = 0, start = 0;
  while (true) {
    if (p < in.size() && in[p] == '$') {
      out.append(in.substr(start, p - start));
      std::string_view rest = in.substr(p + 1);
      out += expand_dollar_args(rest, args);
      if (out.size() > kMaxExpansion) throw Failure{"expansion too large"};
      p = in.size() - rest.size();
      start = p;
      continue;
    }
    if (p >= in.size() || (token && !is_token_char(in[p]))) break;
    ++p;
  }
  out.append(in.substr(start, p - start));
  in.remove_prefix(p);
  return out;
}

std::string Preprocessor::expand_dollar_args(std::string_view& in, const std::vector<std::string>& args) {
  // '$' not followed by '(' loses its special meaning.
  if (in.empty() || in[0] != '(') return "$";
  std::size_t q = 1;
  int nest = 0;
  for (; q < in.size(); ++q) {
    if (in[q] == '(') {
      ++nest;
    } else if (in[q] == ')') {
      if (nest-- == 0) break;
    }
  }
  if (q >= in.size())
    throw Failure{fmt::format("unterminated reference to '{}': missing ')'", in.substr(1))};
  std::string_view clause = in.substr(1, q - 1);
  in.remove_prefix(q + 1);
  return eval_clause(clause, args);
}

std::string Preprocessor::eval_clause(std::string_view clause, const std::vector<std::string>& args) {
  if (budget_ == 0) throw Failure{"too many macro expansions"};
  --budget_;

  // $(1), $(2)...: arguments of the user function being expanded.
  if (!clause.empty() && std::isdigit(static_cast<unsigned char>(clause[0]))) {
    bool digits = clause.size() <= 9;
    for (char c : clause) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits) {
      unsigned long n = std::strtoul(std::string(clause).c_str(), nullptr, 10);
      if (n > 0 && n <= args.size()) return args[n - 1];
    }
  }

  // Split on top-level commas.
  std::vector<std::string_view> parts;
  int nest = 0;
  std::size_t prev = 0;
  for (std::size_t p = 0; p < clause.size(); ++p) {
    char c = clause[p];
    if (nest == 0 && c == ',') {
      if (parts.size() >= kMaxArgs) throw Failure{"too many function arguments"};
      parts.push_back(clause.substr(prev, p - prev));
      prev = p + 1;
    } else if (c == '(') {
      ++nest;
    } else if (c == ')') {
      --nest;
    }
  }
  if (parts.size() >= kMaxArgs) throw Failure{"too many function arguments"};
  parts.push_back(clause.substr(prev));

  ++depth_;
  struct Leave {
    int& d;
    ~Leave() { --d; }
  } leave{depth_};
  if (depth_ > kMaxDepth * 2) throw Failure{"Too deep recursive expansion"};

  std::string_view first = parts[0];
  std::string name = expand(first, false, args);
  std::vector<std::string> argv;
  argv.reserve(parts.size() - 1);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    argv.push_back(expand(part, false, args));
  }

  // Variables (and user-defined functions).
  if (auto it = variables_.find(name); it != variables_.end()) {
    Variable& v = it->second;
    if (argv.empty() && v.exp_count)
      throw Failure{fmt::format("Recursive variable '{}' references itself (eventually)", name)};
    if (v.exp_count > kMaxDepth) throw Failure{"Too deep recursive expansion"};
    if (v.flavor != Flavor::Recursive) return v.value;
    ++v.exp_count;
    std::string value = v.value;  // the map may rehash while expanding
    std::string res;
    try {
      std::string_view in = value;
      res = expand(in, false, argv);
    } catch (...) {
      if (auto again = variables_.find(name); again != variables_.end()) --again->second.exp_count;
      throw;
    }
    if (auto again = variables_.find(name); again != variables_.end()) --again->second.exp_count;
    return res;
  }

  bool found = false;
  std::string res = call_builtin(name, argv, found);
  if (found) return res;

  // Last, the environment.
  if (argv.empty() && !name.empty()) {
    if (auto it = env_.find(name); it != env_.end()) {
      env_used_[name] = it->second;
      return it->second;
    }
  }
  return "";
}

std::string Preprocessor::call_builtin(const std::string& name, const std::vector<std::string>& argv,
                                       bool& found) {
  struct Fn {
    const char* name;
    std::size_t min, max;
  };
  static const Fn table[] = {
      {"error-if", 2, 2}, {"filename", 0, 0}, {"info", 1, 1},
      {"lineno", 0, 0},   {"shell", 1, 1},    {"warning-if", 2, 2},
  };
  const Fn* fn = nullptr;
  for (const Fn& f : table)
    if (name == f.name) fn = &f;
  found = fn != nullptr;
  if (!fn) return "";
  if (argv.size() < fn->min) throw Failure{fmt::format("too few function arguments passed to '{}'", name)};
  if (argv.size() > fn->max) throw Failure{fmt::format("too many function arguments passed to '{}'", name)};

  if (name == "error-if") {
    if (argv[0] == "y") throw Failure{argv[1]};
    return "";
  }
  if (name == "filename") return std::string(pos_.file);
  if (name == "info") {
    if (hooks_.info) hooks_.info(argv[0]);
    return "";
  }
  if (name == "lineno") return std::to_string(pos_.line);
  if (name == "shell") return hooks_.shell ? hooks_.shell(argv[0]) : std::string();
  // warning-if
  if (argv[0] == "y" && hooks_.warning) hooks_.warning(argv[1]);
  return "";
}

void Preprocessor::add_variable(const std::string& name, const std::string& value, Flavor flavor) {
  bool append = false;
  auto it = variables_.find(name);
  if (it != variables_.end()) {
    // For defined variables, += inherits the existing flavor.
    if (flavor == Flavor::Append) {
      flavor = it->second.flavor;
      append = true;
    }
  } else if (flavor == Flavor::Append) {
    // For undefined variables, += assumes the recursive flavor.
    flavor = Flavor::Recursive;
  }
  std::string new_value;
  if (flavor == Flavor::Simple) {
    budget_ = depth_ == 0 ? kBudget : budget_;
    std::string_view in = value;
    new_value = expand(in, false, {});
  } else {
    new_value = value;
  }
  Variable& v = variables_[name];
  v.flavor = flavor;
  if (append) {
    v.value += ' ';
    v.value += new_value;
  } else {
    v.value = std::move(new_value);
  }
}

}  // namespace beaver::kconfig
