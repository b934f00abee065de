#include "kconfig/dotconfig.h"

#include "util/text.h"

#include <cctype>
#include <set>

namespace beaver::kconfig {

namespace {

bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

}  // namespace

std::string DotConfig::get(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? std::string() : it->second.value;
}

DotConfig read_dotconfig(std::string_view text) {
  DotConfig c;
  int lineno = 0;
  auto set = [&](const std::string& name, ConfigEntry e) {
    auto it = c.values.find(name);
    if (it != c.values.end()) {
      if (it->second.value != e.value || it->second.is_string != e.is_string)
        c.problems.push_back({e.line, "CONFIG_" + name + " set again (line " + std::to_string(it->second.line) +
                                          " said " + it->second.value + "); the later value wins"});
      it->second = std::move(e);
      return;
    }
    c.order.push_back(name);
    c.values.emplace(name, std::move(e));
  };
  for_each_line(text, [&](std::string_view line) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = line;
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    if (t.empty()) return;
    if (t.front() == '#') {
      // "# CONFIG_X is not set"
      constexpr std::string_view kNotSet = " is not set";
      if (t.starts_with("# CONFIG_") && t.ends_with(kNotSet)) {
        std::string_view name = t.substr(9, t.size() - 9 - kNotSet.size());
        if (valid_name(name)) set(std::string(name), {"n", false, lineno});
        else c.problems.push_back({lineno, "malformed 'is not set' line"});
        return;
      }
      if (c.version.empty() && t.find("Kernel Configuration") != std::string_view::npos) {
        // "# Linux/x86 6.1.0 Kernel Configuration"
        auto sp = t.find(' ', 2);
        auto end = t.find(" Kernel Configuration");
        if (sp != std::string_view::npos && end != std::string_view::npos && end > sp)
          c.version = std::string(t.substr(sp + 1, end - sp - 1));
      }
      return;
    }
    if (!t.starts_with("CONFIG_")) {
      c.problems.push_back({lineno, "not a config line: '" + std::string(t.substr(0, 60)) + "'"});
      return;
    }
    auto eq = t.find('=');
    if (eq == std::string_view::npos) {
      c.problems.push_back({lineno, "no '=' after " + std::string(t.substr(0, 60))});
      return;
    }
    std::string_view name = t.substr(7, eq - 7);
    std::string_view value = t.substr(eq + 1);
    if (!valid_name(name)) {
      c.problems.push_back({lineno, "bad symbol name '" + std::string(name) + "'"});
      return;
    }
    ConfigEntry e;
    e.line = lineno;
    if (value.starts_with("\"")) {
      std::string s;
      bool closed = false;
      for (std::size_t k = 1; k < value.size(); ++k) {
        if (value[k] == '\\' && k + 1 < value.size()) {
          s += value[++k];
        } else if (value[k] == '"') {
          closed = k + 1 == value.size();
          if (!closed) c.problems.push_back({lineno, "text after the closing quote of CONFIG_" + std::string(name)});
          closed = true;
          break;
        } else {
          s += value[k];
        }
      }
      if (!closed) {
        c.problems.push_back({lineno, "unterminated string for CONFIG_" + std::string(name)});
        return;
      }
      e.value = std::move(s);
      e.is_string = true;
    } else {
      if (value.empty()) {
        c.problems.push_back({lineno, "empty value for CONFIG_" + std::string(name)});
        return;
      }
      for (char ch : value)
        if (std::isspace(static_cast<unsigned char>(ch))) {
          c.problems.push_back({lineno, "space in the value of CONFIG_" + std::string(name)});
          return;
        }
      e.value = std::string(value);
    }
    set(std::string(name), std::move(e));
  });
  return c;
}

std::string write_dotconfig(const DotConfig& config) {
  std::string out;
  std::set<std::string> done;
  auto emit = [&](const std::string& name) {
    if (!done.insert(name).second) return;
    auto it = config.values.find(name);
    if (it == config.values.end()) return;
    const ConfigEntry& e = it->second;
    if (!e.is_string && e.value == "n") {
      out += "# CONFIG_" + name + " is not set\n";
    } else if (e.is_string) {
      out += "CONFIG_" + name + "=\"";
      for (char ch : e.value) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
      }
      out += "\"\n";
    } else {
      out += "CONFIG_" + name + "=" + e.value + "\n";
    }
  };
  for (auto& n : config.order) emit(n);
  for (auto& [n, e] : config.values) emit(n);
  return out;
}

}  // namespace beaver::kconfig
