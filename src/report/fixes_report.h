// The four faces of a `beaver fixes` report (see stack_report.h).
#pragma once

#include "match/fixes.h"
#include "report/stack_report.h"

#include <nlohmann/json.hpp>

#include <string>

namespace beaver::report {

nlohmann::json fixes_json(const match::FixesReport& r);
std::string fixes_text(const match::FixesReport& r, bool color);
std::string fixes_markdown(const match::FixesReport& r, const Links& links);
std::string fixes_html(const match::FixesReport& r, const Links& links);

// What the columns of the text face mean (printed under it unless -q).
std::string fixes_legend();

}  // namespace beaver::report
