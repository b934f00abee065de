// The faces of `beaver delta`: how two versions of a patch differ.
#pragma once

#include "match/patch_lines.h"

#include <nlohmann/json.hpp>

#include <string>

namespace beaver::report {

struct DeltaView {
  std::string a_rev, b_rev;  // as the user named them
  std::string a, b;          // full commit ids
  match::Similarity similarity;
  std::string interdiff;  // empty: the same patch up to hunk positions
};

nlohmann::json delta_json(const DeltaView& d);
std::string delta_text(const DeltaView& d, bool color);
std::string delta_markdown(const DeltaView& d);
std::string delta_html(const DeltaView& d);

}  // namespace beaver::report
