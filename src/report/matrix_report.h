// The faces of a `beaver matrix` report (see stack_report.h): features as
// rows grouped by technology, kernels as columns.
#pragma once

#include "matrix/matrix.h"

#include <nlohmann/json.hpp>

#include <string>

namespace beaver::report {

nlohmann::json matrix_json(const matrix::Matrix& m);
std::string matrix_text(const matrix::Matrix& m, bool color);
std::string matrix_markdown(const matrix::Matrix& m);
std::string matrix_html(const matrix::Matrix& m);
// The catalog as a table (beaver matrix --list-features).
std::string features_text(const std::vector<const kconfig::Feature*>& features);

}  // namespace beaver::report
