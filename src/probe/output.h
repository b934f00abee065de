// The probe's four output formats: human lines ("[ PASS ] id: detail"), TAP
// version 13, JUnit XML and JSON ({"tee", "checks": [{"id", "result",
// "detail"}], ...} as in product.md). Hand-written: the probe links nothing.
#pragma once

#include "probe/probe_checks.h"

#include <string>
#include <string_view>

namespace beaver::probe {

std::string json_escape(std::string_view s);
std::string xml_escape(std::string_view s);

std::string format_human(const ProbeResult& r, bool color);
std::string format_tap(const ProbeResult& r);
std::string format_junit(const ProbeResult& r);
std::string format_json(const ProbeResult& r);

}  // namespace beaver::probe
