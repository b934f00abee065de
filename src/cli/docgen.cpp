#include "cli/docgen.h"

#include "kconfig/catalog.h"
#include "kconfig/features.h"
#include "util/error.h"
#include "util/file.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <functional>
#include <vector>

namespace beaver::cli {

namespace {

// A command and its path from the top: {"config", "explain"}.
struct Cmd {
  CLI::App* app;
  std::vector<std::string> path;
};

void collect(CLI::App* app, std::vector<std::string> path, std::vector<Cmd>& out) {
  out.push_back({app, path});
  for (CLI::App* sub : app->get_subcommands({})) {
    auto p = path;
    p.push_back(sub->get_name());
    collect(sub, p, out);
  }
}

std::vector<Cmd> commands(CLI::App& app) {
  std::vector<Cmd> out;
  collect(&app, {}, out);
  return out;
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool is_flag(const CLI::Option* o) { return o->get_items_expected_max() == 0 || o->get_type_size() == 0; }

std::vector<const CLI::Option*> options_of(CLI::App* app) {
  std::vector<const CLI::Option*> out;
  for (const CLI::Option* o : app->get_options({}))
    if (!o->get_group().empty()) out.push_back(o);  // group "" = hidden
  return out;
}

// What a value is, for completion: by the option's name and, where one name
// means two things (--base is a revision, but a config for `config`), the command.
enum class Value { None, Rev, Dir, File, Profile, Feature, Words, Kernel };

Value value_of(const std::vector<std::string>& path, const CLI::Option* o) {
  if (is_flag(o)) return Value::None;
  const std::string cmd = path.empty() ? "" : path.front();
  std::string name = o->get_lnames().empty() ? (o->get_snames().empty() ? "" : o->get_snames().front()) : o->get_lnames().front();
  if (o->get_positional()) {
    if (cmd == "matrix") return Value::Kernel;
    if (cmd == "config") return Value::None;  // a symbol
    return cmd == "demo" ? Value::None : Value::Rev;
  }
  if (name == "repo" || name == "dir" || name == "out") return Value::Dir;
  if (name == "tree") return Value::Kernel;
  if (name == "enable" || name == "disable") return Value::Profile;
  if (name == "features") return Value::Feature;
  if (name == "format" || name == "color" || name == "role") return Value::Words;
  if (name == "base") return cmd == "config" ? Value::Kernel : Value::Rev;
  if (name == "upstream" || name == "since" || name == "old-base" || name == "new-base" || name == "onto" || name == "u")
    return Value::Rev;
  if (name == "o" || name == "output" || name == "mail" || name == "waivers" || name == "index" || name == "report" ||
      name == "config" || name == "fragment" || name == "manifest")
    return Value::File;
  return Value::None;
}

// The words an option takes, read from its definition: "Output format: a, b, c"
// (add_format_option), "Colour: auto (...), always or never", --role.
std::vector<std::string> words_of(const CLI::Option* o) {
  const std::string& d = o->get_description();
  std::vector<std::string> out;
  auto at = d.find("format: ");
  if (at != std::string::npos) {
    std::string list = d.substr(at + 8);
    list = list.substr(0, list.find_first_of(";)"));  // "a, b, c" (grammar.h) or "a|b|c"
    std::size_t i = 0;
    while (i <= list.size()) {
      while (i < list.size() && list[i] == ' ') ++i;
      std::size_t j = list.find_first_of("|,", i);
      if (j == std::string::npos) j = list.size();
      if (j > i) out.push_back(list.substr(i, j - i));
      i = j + 1;
    }
  } else if (!o->get_lnames().empty() && o->get_lnames().front() == "color") {
    out = {"auto", "always", "never"};
  } else if (!o->get_lnames().empty() && o->get_lnames().front() == "role") {
    out = {"guest", "host"};
  }
  return out;
}

std::string metavar(const CLI::Option* o) {
  std::string t = o->get_type_name();
  return t.empty() ? "VALUE" : t;
}

// roff: a backslash is \e, a line may not start with . or ', hyphens in names are \-.
std::string roff(std::string_view s) {
  std::string out;
  bool bol = true;
  for (char c : s) {
    if (bol && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') out += "\\e";
    else out += c;
    bol = c == '\n';
  }
  return out;
}

std::string roff_name(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

std::string page_name(const std::vector<std::string>& path) {
  return path.empty() ? "beaver" : "beaver-" + joined(path, "-");
}

std::string man_page(const Cmd& c, const std::vector<Cmd>& all) {
  std::string name = page_name(c.path), upper;
  for (char ch : name) upper += char(std::toupper(static_cast<unsigned char>(ch)));
  std::string desc = c.app->get_description();
  std::string first = desc.substr(0, desc.find('\n'));
  std::string out = fmt::format(".TH {} 1 \"\" \"beaver {}\" \"beaver manual\"\n.SH NAME\n{} \\- {}\n", upper, BEAVER_VERSION,
                                roff_name(name), roff(c.path.empty() ? "know what is in your confidential-computing kernel" : first));
  std::string synopsis = ".B beaver" + (c.path.empty() ? std::string() : " " + roff_name(joined(c.path, " ")));
  std::string positionals;
  for (const CLI::Option* o : options_of(c.app))
    if (o->get_positional()) positionals += " [" + roff(o->get_name(true)) + "...]";
  if (c.path.empty()) synopsis += "\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]";
  else synopsis += "\n[\\fIOPTIONS\\fR]" + positionals;
  out += ".SH SYNOPSIS\n" + synopsis + "\n.SH DESCRIPTION\n" + roff(desc) + "\n";
  std::string opts;
  for (const CLI::Option* o : options_of(c.app)) {
    if (o->get_positional()) continue;
    std::vector<std::string> names;
    for (const auto& s : o->get_snames()) names.push_back("\\fB\\-" + roff_name(s) + "\\fR");
    for (const auto& l : o->get_lnames()) names.push_back("\\fB\\-\\-" + roff_name(l) + "\\fR");
    opts += ".TP\n" + joined(names, ", ") + (is_flag(o) ? "" : " \\fI" + roff(metavar(o)) + "\\fR") + "\n" +
            roff(o->get_description()) + "\n";
  }
  if (!opts.empty()) out += ".SH OPTIONS\n" + opts;
  if (c.path.empty()) {
    out += ".SH COMMANDS\n";
    for (const Cmd& sub : all)
      if (sub.path.size() == 1)
        out += fmt::format(".TP\n\\fBbeaver {}\\fR(1)\n{}\n", roff_name(sub.path.front()), roff(sub.app->get_description()));
  }
  // The footer's "Exit status: ..." paragraph (grammar.h add_exit_status) is the EXIT STATUS section.
  std::string footer = c.app->get_footer(), exit_status;
  if (std::size_t at = footer.find("Exit status: "); at != std::string::npos) {
    std::size_t end = footer.find("\n\n", at);
    exit_status = footer.substr(at + 13, end == std::string::npos ? std::string::npos : end - at - 13);
    footer.erase(at, end == std::string::npos ? std::string::npos : end + 2 - at);
    while (!footer.empty() && footer.back() == '\n') footer.pop_back();
    for (char& ch : exit_status)
      if (ch == '\n') ch = ' ';
  }
  if (!footer.empty()) out += ".SH NOTES\n.nf\n" + roff(footer) + "\n.fi\n";
  out += ".SH EXIT STATUS\n" +
         (exit_status.empty() ? std::string("0: success. 2: usage or input error, with a message naming the input.")
                              : roff(exit_status)) +
         "\n";
  out += ".SH ENVIRONMENT\n.TP\n\\fBNO_COLOR\\fR\nNo colour (unless \\fB\\-\\-color=always\\fR).\n.TP\n\\fBBEAVER_TRACE\\fR\n"
         "Timings of each phase on stderr (as \\fB\\-v\\fR).\n.TP\n\\fBBEAVER_PAGER\\fR, \\fBPAGER\\fR\n"
         "The pager for long output on a terminal (default: less with LESS=FRX); empty or cat: none.\n.TP\n"
         "\\fBCI\\fR\nWhen set, progress lines on stderr even when it is not a terminal.\n";
  std::vector<std::string> see;
  if (!c.path.empty()) see.push_back("\\fBbeaver\\fR(1)");
  for (const Cmd& other : all)
    if (other.path.size() > c.path.size() && std::equal(c.path.begin(), c.path.end(), other.path.begin()) && !c.path.empty())
      see.push_back("\\fB" + roff_name(page_name(other.path)) + "\\fR(1)");
  see.push_back("\\fBbeaver\\-probe\\fR(1)");
  see.push_back("\\fBgit\\fR(1)");
  out += ".SH SEE ALSO\n" + joined(see, ", ") + "\n";
  return out;
}

std::string shell_words(const std::vector<std::string>& v) { return joined(v, " "); }

std::vector<std::string> profile_names() {
  std::vector<std::string> out;
  for (const auto& p : kconfig::builtin_catalog()) out.push_back(p.name);
  return out;
}

std::vector<std::string> feature_ids() {
  std::vector<std::string> out;
  for (const auto& f : kconfig::builtin_features()) out.push_back(f.id);
  return out;
}

std::vector<std::string> option_names(const CLI::Option* o) {
  std::vector<std::string> out;
  for (const auto& s : o->get_snames()) out.push_back("-" + s);
  for (const auto& l : o->get_lnames()) out.push_back("--" + l);
  return out;
}

std::string bash(const std::vector<Cmd>& all) {
  std::string out = R"(# bash completion for beaver, generated by `beaver --generate-completion bash` from its CLI.
_beaver_refs() {
  # git's own completion helper when it is loaded, else the refs of the repository here.
  if declare -F __git_complete_refs >/dev/null 2>&1; then __git_complete_refs --cur="$cur"; return; fi
  local refs
  refs=$(git for-each-ref --format='%(refname:short)' 2>/dev/null)
  # a range: complete the part after .. or ...
  local pre=""
  case $cur in *...*) pre=${cur%...*}...; ;; *..*) pre=${cur%..*}..; ;; esac
  COMPREPLY=($(compgen -P "$pre" -W "$refs HEAD" -- "${cur#"$pre"}"))
}
_beaver() {
  local cur prev cmd="" sub="" i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -*) ;;
      *) if [ -z "$cmd" ]; then cmd=${COMP_WORDS[i]}; elif [ -z "$sub" ] && [ "$cmd" = config ] && [ "${COMP_WORDS[i]}" = explain ]; then sub=explain; fi ;;
    esac
  done
  local key=$cmd${sub:+ $sub} opts="" values=""
  case $key in
)";
  std::string top;
  for (const Cmd& c : all)
    if (c.path.size() == 1) top += (top.empty() ? "" : " ") + c.path.front();
  for (const Cmd& c : all) {
    std::vector<std::string> names;
    std::string value_cases;
    Value positional = Value::None;
    for (const CLI::Option* o : options_of(c.app)) {
      if (o->get_positional()) {
        positional = value_of(c.path, o);
        continue;
      }
      auto n = option_names(o);
      names.insert(names.end(), n.begin(), n.end());
      std::string action;
      switch (value_of(c.path, o)) {
        case Value::Rev: action = "_beaver_refs"; break;
        case Value::Dir: action = "COMPREPLY=($(compgen -d -- \"$cur\"))"; break;
        case Value::File: action = "COMPREPLY=($(compgen -f -- \"$cur\"))"; break;
        case Value::Kernel: action = "COMPREPLY=($(compgen -f -W \"debian:6.1 debian:6.12\" -- \"$cur\"))"; break;
        case Value::Profile: action = "COMPREPLY=($(compgen -W \"" + shell_words(profile_names()) + "\" -- \"$cur\"))"; break;
        case Value::Feature: action = "COMPREPLY=($(compgen -W \"" + shell_words(feature_ids()) + "\" -- \"$cur\"))"; break;
        case Value::Words: action = "COMPREPLY=($(compgen -W \"" + shell_words(words_of(o)) + "\" -- \"$cur\"))"; break;
        case Value::None: action = is_flag(o) ? "" : "return"; break;
      }
      if (!action.empty()) value_cases += "        " + joined(n, "|") + ") " + action + "; return ;;\n";
    }
    std::string words = c.path.empty() ? top : shell_words(names);
    if (c.path.size() == 1 && c.path.front() == "config") words += " explain";
    std::string pos;
    switch (positional) {
      case Value::Rev: pos = "_beaver_refs"; break;
      case Value::Kernel: pos = "COMPREPLY=($(compgen -f -W \"debian:6.1 debian:6.12\" -- \"$cur\"))"; break;
      default: pos = c.path.empty() ? "COMPREPLY=($(compgen -W \"" + top + " help\" -- \"$cur\"))" : ""; break;
    }
    out += fmt::format("    \"{}\")\n      case $prev in\n{}      esac\n      opts=\"{}\"\n", joined(c.path, " "), value_cases,
                       c.path.empty() ? shell_words(names) : words);
    if (!pos.empty()) out += fmt::format("      if [[ $cur != -* ]]; then {}; return; fi\n", pos);
    out += "      ;;\n";
  }
  out += R"(  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _beaver beaver
)";
  return out;
}

std::string fish_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "'";
}

// Inside a zsh _arguments spec in single quotes: ' ends it, [ ] : are syntax.
std::string zsh_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else if (c == '[' || c == ']' || c == ':') out += std::string("\\") + c;
    else out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string zsh(const std::vector<Cmd>& all) {
  std::string out = "#compdef beaver\n# zsh completion for beaver, generated by `beaver --generate-completion zsh` from its CLI.\n"
                    "__beaver_refs() {\n  local -a refs\n  refs=(${(f)\"$(git for-each-ref --format='%(refname:short)' 2>/dev/null)\"} HEAD)\n"
                    "  compadd -a refs\n}\n"
                    "_beaver() {\n  local -a cmds\n  cmds=(\n";
  for (const Cmd& c : all)
    if (c.path.size() == 1) out += "    '" + c.path.front() + ":" + zsh_text(c.app->get_description()) + "'\n";
  out += "    'help:options and examples of a command'\n  )\n"
         "  if (( CURRENT == 2 )); then _describe 'command' cmds; return; fi\n"
         "  local key=$words[2]\n  [[ $key == config && $words[3] == explain ]] && key='config explain'\n"
         "  case $key in\n";
  for (const Cmd& c : all) {
    if (c.path.empty()) continue;
    std::string specs;
    for (const CLI::Option* o : options_of(c.app)) {
      std::string action;
      switch (value_of(c.path, o)) {
        case Value::Rev: action = "__beaver_refs"; break;
        case Value::Dir: action = "_files -/"; break;
        case Value::File:
        case Value::Kernel: action = "_files"; break;
        case Value::Profile: action = "(" + shell_words(profile_names()) + ")"; break;
        case Value::Feature: action = "(" + shell_words(feature_ids()) + ")"; break;
        case Value::Words: action = "(" + shell_words(words_of(o)) + ")"; break;
        case Value::None: action = is_flag(o) ? "" : " "; break;
      }
      if (o->get_positional()) {
        if (!action.empty() && action != " ") specs += "      '*:" + zsh_text(o->get_name(true)) + ":" + action + "' \\\n";
        continue;
      }
      std::string desc = zsh_text(o->get_description());
      std::string value = is_flag(o) ? "" : ":" + zsh_text(metavar(o)) + ":" + action;
      for (const std::string& n : option_names(o)) specs += "      '" + n + "[" + desc + "]" + value + "' \\\n";
    }
    if (c.path.size() == 1 && c.path.front() == "config") specs += "      '1:command:(explain)' \\\n";
    out += fmt::format("    '{}')\n      _arguments -s \\\n{}      ;;\n", joined(c.path, " "), specs);
  }
  out += "  esac\n}\n_beaver \"$@\"\n";
  return out;
}

std::string fish(const std::vector<Cmd>& all) {
  std::string out = "# fish completion for beaver, generated by `beaver --generate-completion fish` from its CLI.\n"
                    "function __beaver_refs\n    git for-each-ref --format='%(refname:short)' 2>/dev/null; echo HEAD\nend\n"
                    "complete -c beaver -f\n";
  std::string top;
  for (const Cmd& c : all)
    if (c.path.size() == 1) top += (top.empty() ? "" : " ") + c.path.front();
  for (const Cmd& c : all) {
    std::string cond = c.path.empty() ? "__fish_use_subcommand"
                       : c.path.size() == 1 ? "__fish_seen_subcommand_from " + c.path.front()
                                            : "__fish_seen_subcommand_from " + c.path.back();
    if (c.path.size() == 1)
      out += fmt::format("complete -c beaver -n '__fish_use_subcommand' -a {} -d {}\n", c.path.front(),
                         fish_quote(c.app->get_description()));
    for (const CLI::Option* o : options_of(c.app)) {
      std::string args;
      switch (value_of(c.path, o)) {
        case Value::Rev: args = " -r -a '(__beaver_refs)'"; break;
        case Value::Dir: args = " -r -a '(__fish_complete_directories)'"; break;
        case Value::File: args = " -r -F"; break;
        case Value::Kernel: args = " -r -F -a 'debian:6.1 debian:6.12'"; break;
        case Value::Profile: args = " -r -a '" + shell_words(profile_names()) + "'"; break;
        case Value::Feature: args = " -r -a '" + shell_words(feature_ids()) + "'"; break;
        case Value::Words: args = " -r -a '" + shell_words(words_of(o)) + "'"; break;
        case Value::None: args = is_flag(o) ? "" : " -r"; break;
      }
      if (o->get_positional()) {
        if (args.find("-a") != std::string::npos) out += fmt::format("complete -c beaver -n '{}'{}\n", cond, args.substr(3));
        continue;
      }
      std::string names;
      for (const auto& s : o->get_snames()) names += " -s " + s;
      for (const auto& l : o->get_lnames()) names += " -l " + l;
      out += fmt::format("complete -c beaver -n '{}'{}{} -d {}\n", cond, names, args, fish_quote(o->get_description()));
    }
  }
  return out;
}

}  // namespace

std::string man_from_help(std::string_view name, std::string_view help) {
  // The sections of a --help text: "Usage: ...", paragraphs, "Options:" with
  // "  --opt ARG   text" lines, "Exit status: ...", "Examples:".
  std::string upper;
  for (char ch : name) upper += char(std::toupper(static_cast<unsigned char>(ch)));
  std::vector<std::string> lines;
  for (std::size_t at = 0; at <= help.size();) {
    std::size_t nl = help.find('\n', at);
    if (nl == std::string_view::npos) nl = help.size();
    lines.emplace_back(help.substr(at, nl - at));
    at = nl + 1;
  }
  std::string synopsis, description, options, exit_status, examples, section;
  for (const std::string& l : lines) {
    if (l.starts_with("Usage: ")) synopsis = l.substr(7);
    else if (l == "Options:") section = "options";
    else if (l == "Examples:") section = "examples";
    else if (l.starts_with("Exit status: ")) exit_status = l.substr(13), section = "exit";
    else if (section == "options" && l.starts_with("  ")) {
      std::string body = l.substr(2);
      std::size_t gap = body.find("  ");
      std::string head = body.substr(0, gap), text = gap == std::string::npos ? "" : body.substr(body.find_first_not_of(' ', gap));
      options += ".TP\n\\fB" + roff_name(head) + "\\fR\n" + roff(text) + "\n";
    } else if (section == "examples" && l.starts_with("  ")) examples += roff(l.substr(2)) + "\n";
    else if (section == "exit" && !l.empty()) exit_status += " " + l;
    else if (section.empty() && !synopsis.empty()) description += (l.empty() ? std::string("\n.PP\n") : roff(l) + "\n");
  }
  std::string out = fmt::format(".TH {} 1 \"\" \"beaver {}\" \"beaver manual\"\n.SH NAME\n{} \\- prove, inside a guest, that the VM is really "
                                "confidential\n.SH SYNOPSIS\n{}\n.SH DESCRIPTION\n{}",
                                upper, BEAVER_VERSION, roff_name(name), roff(synopsis), description);
  if (!options.empty()) out += ".SH OPTIONS\n" + options;
  if (!exit_status.empty()) out += ".SH EXIT STATUS\n" + roff(exit_status) + "\n";
  if (!examples.empty()) out += ".SH EXAMPLES\n.nf\n" + examples + ".fi\n";
  return out + ".SH SEE ALSO\n\\fBbeaver\\fR(1)\n";
}

void generate_man(CLI::App& app, const std::string& dir, const std::string& probe_help) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("{}: cannot create the directory: {}", dir, ec.message());
  std::vector<Cmd> all = commands(app);
  for (const Cmd& c : all) write_file(dir + "/" + page_name(c.path) + ".1", man_page(c, all));
  if (!probe_help.empty()) {
    std::ifstream in(probe_help, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) throw Error("{}: cannot read it", probe_help);
    if (text.empty()) throw Error("{}: empty (the text of beaver-probe --help)", probe_help);
    write_file(dir + "/beaver-probe.1", man_from_help("beaver-probe", text));
  }
}

std::string generate_completion(CLI::App& app, const std::string& shell) {
  std::vector<Cmd> all = commands(app);
  if (shell == "bash") return bash(all);
  if (shell == "zsh") return zsh(all);
  if (shell == "fish") return fish(all);
  throw Error("--generate-completion: no completion for '{}' (bash, zsh or fish)", shell);
}

}  // namespace beaver::cli
