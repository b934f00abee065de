#include "probe/output.h"

#include "util/markup.h"

#include <cstdio>

namespace beaver::probe {

namespace {

std::size_t count(const ProbeResult& r, const char* result) {
  std::size_t n = 0;
  for (auto& c : r.checks) n += c.result == result;
  return n;
}

}  // namespace

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : valid_utf8(s)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string xml_escape(std::string_view s) { return markup_escape(s); }

std::string format_human(const ProbeResult& r, bool color) {
  auto paint = [&](const std::string& s, const char* sgr) { return color ? std::string("\033[") + sgr + "m" + s + "\033[0m" : s; };
  const Detection& d = r.detection;
  std::string out = "beaver-probe: TEE " + paint(d.tee, "1") + "; CPU " + d.cpu_vendor +
                    (d.under_hypervisor ? ", hypervisor " + (d.hypervisor.empty() ? std::string("?") : d.hypervisor) : ", no hypervisor") +
                    (r.kernel_release.empty() ? "" : ", kernel " + r.kernel_release) + "\n";
  for (auto& s : d.signals)
    out += "  signal " + s.source + ": " + s.detail + (s.strong && !s.says.empty() ? "" : s.says.empty() ? "" : " [weak]") + "\n";
  for (auto& c : r.checks) {
    const char* tag = c.result == "pass" ? "[ PASS ]" : c.result == "fail" ? "[ FAIL ]" : "[ SKIP ]";
    const char* sgr = c.result == "pass" ? "32" : c.result == "fail" ? "31;1" : "33";
    out += paint(tag, sgr) + " " + c.id + ": " + c.detail + "\n";
    if (!c.hint.empty() && c.result != "pass") out += "         hint: " + c.hint + "\n";
  }
  for (auto& f : r.attestation.report.fields) out += "  report " + f.name + ": " + f.value + "\n";
  out += r.qualified() ? paint("qualified", "32;1") + ": every check passed or was skipped\n"
                       : paint("not qualified", "31;1") + ": " + std::to_string(count(r, "fail")) + " check(s) failed\n";
  // Details quote what the guest's files say (kernel release, sysfs values):
  // nothing of theirs may drive the terminal.
  return terminal_text(out, true, true);
}

std::string format_tap(const ProbeResult& r) {
  std::string out = "TAP version 13\n1.." + std::to_string(r.checks.size()) + "\n";
  std::size_t n = 0;
  for (auto& c : r.checks) {
    ++n;
    std::string line = (c.result == "fail" ? "not ok " : "ok ") + std::to_string(n) + " - " + c.id;
    if (c.result == "skip") line += " # SKIP " + c.detail;
    else line += ": " + c.detail;
    for (auto& ch : line)
      if (ch == '\n') ch = ' ';
    out += line + "\n";
    if (c.result == "fail" && !c.hint.empty()) out += "  ---\n  hint: \"" + json_escape(c.hint) + "\"\n  ...\n";
  }
  out += "# tee: " + r.detection.tee + "\n";
  return terminal_text(out, true);
}

std::string format_junit(const ProbeResult& r) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"beaver-probe\">\n";
  out += "  <testsuite name=\"beaver-probe\" tests=\"" + std::to_string(r.checks.size()) + "\" failures=\"" +
         std::to_string(count(r, "fail")) + "\" skipped=\"" + std::to_string(count(r, "skip")) + "\" errors=\"0\">\n";
  out += "    <properties><property name=\"tee\" value=\"" + xml_escape(r.detection.tee) + "\"/></properties>\n";
  for (auto& c : r.checks) {
    out += "    <testcase classname=\"beaver-probe\" name=\"" + xml_escape(c.id) + "\">";
    if (c.result == "fail")
      out += "<failure message=\"" + xml_escape(c.detail) + "\">" + xml_escape(c.hint) + "</failure>";
    else if (c.result == "skip")
      out += "<skipped message=\"" + xml_escape(c.detail) + "\"/>";
    else
      out += "<system-out>" + xml_escape(c.detail) + "</system-out>";
    out += "</testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string format_json(const ProbeResult& r) {
  const Detection& d = r.detection;
  auto str = [](std::string_view s) { return "\"" + json_escape(s) + "\""; };
  std::string out = "{\n  \"tee\": " + str(d.tee) + ",\n  \"qualified\": " + (r.qualified() ? "true" : "false") + ",\n";
  out += "  \"cpu_vendor\": " + str(d.cpu_vendor) + ",\n  \"hypervisor\": " + (d.under_hypervisor ? str(d.hypervisor) : "null") + ",\n";
  out += "  \"kernel\": " + str(r.kernel_release) + ",\n";
  out += "  \"checks\": [";
  for (std::size_t k = 0; k < r.checks.size(); ++k) {
    auto& c = r.checks[k];
    out += std::string(k ? "," : "") + "\n    {\"id\": " + str(c.id) + ", \"result\": " + str(c.result) + ", \"detail\": " + str(c.detail) +
           ", \"hint\": " + (c.hint.empty() ? "null" : str(c.hint)) + "}";
  }
  out += "\n  ],\n  \"signals\": [";
  for (std::size_t k = 0; k < d.signals.size(); ++k) {
    auto& s = d.signals[k];
    out += std::string(k ? "," : "") + "\n    {\"source\": " + str(s.source) + ", \"says\": " + (s.says.empty() ? "null" : str(s.says)) +
           ", \"strong\": " + (s.strong ? "true" : "false") + ", \"detail\": " + str(s.detail) + "}";
  }
  out += "\n  ],\n  \"report\": ";
  const Attestation& a = r.attestation;
  if (a.blob.empty() || !a.report.error.empty()) {
    out += "null";
  } else {
    out += "{\"kind\": " + str(a.report.kind) + ", \"method\": " + str(a.method) + ", \"provider\": " +
           (a.provider.empty() ? "null" : str(a.provider)) + ", \"size\": " + std::to_string(a.blob.size()) + ", \"fields\": {";
    for (std::size_t k = 0; k < a.report.fields.size(); ++k)
      out += std::string(k ? ", " : "") + str(a.report.fields[k].name) + ": " + str(a.report.fields[k].value);
    out += "}}";
  }
  out += "\n}\n";
  return out;
}

}  // namespace beaver::probe
