// `livechain plan formulas --cases FILE`: answers a batch of inventory-policy formula cases
// (src/planning/formulas.hpp; format in docs/planning.md). Prints
// {"results": [...]} on stdout and exits 0 when the file was read, even when some cases
// carry an error; exits 1 (message on stderr naming the field) when the file is
// unreadable, too large, not JSON or not {"cases": [...]}; 2 on a usage error.
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/command_support.hpp"
#include "planning/formulas.hpp"

namespace livechain::cli {

namespace {

Result<std::string> read_cases_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(ErrorCode::invalid_argument, "--cases", "'" + path + "' is not a readable file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::invalid_argument, "--cases", "cannot open '" + path + "'");
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return fail(ErrorCode::invalid_argument, "--cases", "cannot read '" + path + "'");
  if (static_cast<std::uintmax_t>(size) > planning::kFormulaFileBytesMax) {
    return fail(ErrorCode::limit_exceeded, "--cases", "the cases file must be at most 16 MiB");
  }
  in.seekg(0, std::ios::beg);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    return fail(ErrorCode::invalid_argument, "--cases", "cannot read '" + path + "'");
  }
  return text.str();
}

}  // namespace

void add_plan_formulas_commands(CLI::App& root, CliOptions& /*options*/) {
  CLI::App* plan = plan_group(root);
  auto* command = plan->add_subcommand(
      "formulas", "Answer a batch of inventory-policy formula cases (JSON, see docs/planning.md)");
  auto cases_path = std::make_shared<std::string>();
  command->add_option("--cases", *cases_path, "Cases file: {\"cases\": [{id, model, inputs}]}")
      ->required();
  command->callback([cases_path] {
    auto text = read_cases_file(*cases_path);
    if (!text) exit_with_error(text.error());
    auto answers = planning::answer_formula_cases(*text);
    if (!answers) exit_with_error(answers.error());
    std::cout << boost::json::serialize(*answers) << "\n";
  });
}

}  // namespace livechain::cli
