// The four faces of `beaver assemble` and `beaver combine` (see stack_report.h).
#pragma once

#include "pipeline/assemble.h"
#include "report/common.h"

#include <nlohmann/json.hpp>

#include <string>

namespace beaver::report {

nlohmann::json assemble_json(const pipeline::AssembleReport& r);
std::string assemble_text(const pipeline::AssembleReport& r, bool color);
std::string assemble_markdown(const pipeline::AssembleReport& r, const Links& links);
std::string assemble_html(const pipeline::AssembleReport& r, const Links& links);
std::string assemble_legend();

nlohmann::json combine_json(const pipeline::CombineReport& r);
std::string combine_text(const pipeline::CombineReport& r, bool color);
std::string combine_markdown(const pipeline::CombineReport& r, const Links& links);
std::string combine_html(const pipeline::CombineReport& r, const Links& links);

}  // namespace beaver::report
