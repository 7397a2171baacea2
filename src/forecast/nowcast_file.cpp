// The nowcast model file (nowcast.hpp, save_nowcast_model / load_nowcast_model):
//
//   LCNM 1
//   sessions <n>
//   target_per_unit <x>
//   credibility_k <x>
//   per_target <viewers> <add_to_cart> <units>
//   weight <viewers> <add_to_cart> <units>
//   share_viewers <kProfileBins + 1 values>
//   share_add_to_cart <…>
//   share_units <…>
//   end
//
// A fixed order keeps the reader a straight line; another version is refused so that a
// server never nowcasts with a model it half understands.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "forecast/nowcast.hpp"

namespace livechain::forecast {

namespace {

constexpr const char* kShareNames[kNowcastSignals] = {"share_viewers", "share_add_to_cart",
                                                      "share_units"};

std::string numbers(std::span<const double> values) {
  std::string out;
  for (double v : values) out += fmt::format(" {}", v);
  return out;
}

struct LineReader {
  std::istringstream in;
  std::string file;
  size_t line_number = 0;

  Error bad(const std::string& what) const {
    return Error{ErrorCode::corruption, file, fmt::format("line {}: {}", line_number, what)};
  }
  // The next line, which must start with `name`; its numbers after the name.
  Result<std::vector<double>> field(std::string_view name) {
    std::string line;
    ++line_number;
    if (!std::getline(in, line)) return std::unexpected(bad(fmt::format("missing {}", name)));
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word != name) return std::unexpected(bad(fmt::format("expected {}", name)));
    std::vector<double> out;
    while (words >> word) {
      double value = NAN;
      auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
      if (error != std::errc() || end != word.data() + word.size() || !std::isfinite(value)) {
        return std::unexpected(bad(fmt::format("{}: '{}' is not a number", name, word)));
      }
      out.push_back(value);
    }
    return out;
  }
  Result<double> one(std::string_view name) {
    LC_TRY(values, field(name));
    if (values.size() != 1) return std::unexpected(bad(fmt::format("{}: one number", name)));
    return values[0];
  }
};

}  // namespace

Result<void> save_nowcast_model(const NowcastModel& model, const std::filesystem::path& file) {
  std::string text = "LCNM 1\n";
  text += fmt::format("sessions {}\n", model.sessions);
  text += fmt::format("target_per_unit {}\n", model.target_per_unit);
  text += fmt::format("credibility_k {}\n", model.credibility_k);
  text += "per_target" + numbers(model.per_target) + "\n";
  text += "weight" + numbers(model.weight) + "\n";
  for (int s = 0; s < kNowcastSignals; ++s) {
    text += kShareNames[s] + numbers(model.share[static_cast<size_t>(s)]) + "\n";
  }
  text += "end\n";
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out || !out.write(text.data(), static_cast<std::streamsize>(text.size())) || !out.flush()) {
    return fail(ErrorCode::io_error, file.string(), "cannot write the nowcast model");
  }
  return {};
}

Result<NowcastModel> load_nowcast_model(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, file.string(), "cannot read the nowcast model");
  std::stringstream text;
  text << in.rdbuf();
  LineReader reader{std::istringstream(text.str()), file.string()};
  std::string header;
  ++reader.line_number;
  if (!std::getline(reader.in, header) || header != "LCNM 1") {
    return std::unexpected(reader.bad("not a nowcast model of version 1 (LCNM 1)"));
  }
  NowcastModel model;
  LC_TRY(sessions, reader.one("sessions"));
  if (sessions < 2 || sessions > 1e9) return std::unexpected(reader.bad("sessions: 2 or more"));
  model.sessions = static_cast<int>(sessions);
  LC_TRY(per_unit, reader.one("target_per_unit"));
  if (!(per_unit >= 0)) return std::unexpected(reader.bad("target_per_unit: ≥ 0"));
  model.target_per_unit = per_unit;
  LC_TRY(k, reader.one("credibility_k"));
  if (!(k > 0)) return std::unexpected(reader.bad("credibility_k: > 0"));
  model.credibility_k = k;
  LC_TRY(per_target, reader.field("per_target"));
  LC_TRY(weight, reader.field("weight"));
  if (per_target.size() != kNowcastSignals || weight.size() != kNowcastSignals) {
    return std::unexpected(reader.bad("per_target and weight: 3 numbers each"));
  }
  double weight_sum = 0;
  for (size_t s = 0; s < kNowcastSignals; ++s) {
    if (per_target[s] < 0 || weight[s] < 0) {
      return std::unexpected(reader.bad("per_target and weight: ≥ 0"));
    }
    model.per_target[s] = per_target[s];
    model.weight[s] = weight[s];
    weight_sum += weight[s];
  }
  if (!(weight_sum > 0)) return std::unexpected(reader.bad("weight: sum > 0"));
  for (int s = 0; s < kNowcastSignals; ++s) {
    LC_TRY(share, reader.field(kShareNames[s]));
    if (share.size() != kProfileBins + 1) {
      return std::unexpected(
          reader.bad(fmt::format("{}: {} values", kShareNames[s], kProfileBins + 1)));
    }
    for (double v : share) {
      if (v < 0 || v > 1 + 1e-9) return std::unexpected(reader.bad("shares lie in [0, 1]"));
    }
    model.share[static_cast<size_t>(s)] = std::move(share);
  }
  std::string end;
  ++reader.line_number;
  if (!std::getline(reader.in, end) || end != "end") return std::unexpected(reader.bad("no end"));
  return model;
}

}  // namespace livechain::forecast
