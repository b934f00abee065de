// The four faces of a `beaver rebase-diff` report (see stack_report.h).
#pragma once

#include "match/rebase_diff.h"
#include "report/stack_report.h"

#include <nlohmann/json.hpp>

#include <string>

namespace beaver::report {

nlohmann::json rebase_json(const match::RebaseReport& r);
std::string rebase_text(const match::RebaseReport& r, bool color);
std::string rebase_markdown(const match::RebaseReport& r, const Links& links);
std::string rebase_html(const match::RebaseReport& r, const Links& links);

// What the columns of the text face mean (printed under it unless -q).
std::string rebase_legend();

}  // namespace beaver::report
