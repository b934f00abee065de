// The faces of a `beaver config` report (see stack_report.h), and of one
// `beaver config explain` answer.
#pragma once

#include "kconfig/configure.h"

#include <nlohmann/json.hpp>

#include <string>

namespace beaver::report {

nlohmann::json config_json(const kconfig::ConfigureReport& r);
std::string config_text(const kconfig::ConfigureReport& r, bool color);
std::string config_markdown(const kconfig::ConfigureReport& r);
std::string config_html(const kconfig::ConfigureReport& r);

nlohmann::json explanation_json(const kconfig::Explanation& x);
std::string explanation_text(const kconfig::Explanation& x, bool color);
std::string explanation_markdown(const kconfig::Explanation& x);

}  // namespace beaver::report
