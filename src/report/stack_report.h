// The four faces of a `beaver stack` report: terminal text, JSON (the
// contract of docs/json.md), Markdown (merge-request comments) and HTML.
#pragma once

#include "match/stack.h"
#include "report/common.h"

#include <nlohmann/json.hpp>

#include <string>

namespace beaver::report {

nlohmann::json stack_json(const match::StackReport& r);
std::string stack_text(const match::StackReport& r, bool color);
std::string stack_markdown(const match::StackReport& r, const Links& links);
std::string stack_html(const match::StackReport& r, const Links& links);

// The status's badge colour class (upstream, modified, posted, unposted, ...).
std::string status_class(std::string_view status);

// What the columns of the text face mean (printed under it unless -q).
std::string stack_legend();

}  // namespace beaver::report
