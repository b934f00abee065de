// The four faces of a `beaver backport` plan (see stack_report.h).
#pragma once

#include "backport/backport.h"
#include "report/common.h"

#include <nlohmann/json.hpp>

#include <string>

namespace beaver::report {

nlohmann::json backport_json(const backport::Plan& p);
std::string backport_text(const backport::Plan& p, bool color);
// A merge-request description: the series in order, each step's role and reasons.
std::string backport_markdown(const backport::Plan& p, const Links& links);
std::string backport_html(const backport::Plan& p, const Links& links);

// What the columns of the text face mean (printed under it unless -q).
std::string backport_legend();

}  // namespace beaver::report
