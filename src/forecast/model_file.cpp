// The model file (model.hpp, save_model/load_model). Text, one record per line:
//
//   LCFM <version>
//   method <ets|theta|snaive|auto>
//   horizon <H>
//   conformal <steps or 0> <residuals>      then one "p10 p50 p90" line per step
//   series <count>                          then one line per series, tab-separated:
//     id, method, ETS spec (ANN…), period, last_day, step_days, scale, non_negative,
//     "alpha beta gamma phi level trend", "season_1 … season_m"
//   end
//
// Doubles are written in the shortest form that reads back to the same bits, so a
// loaded model forecasts identically. Another version is refused (corruption).
#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/assert.hpp"
#include "forecast/model.hpp"

namespace livechain::forecast {

namespace {

std::string spec_text(const EtsSpec& spec) {
  return ets_spec_name(spec);
}

std::optional<EtsSpec> parse_spec(std::string_view text) {
  EtsSpec spec;
  if (text.size() < 3 || (text[0] != 'A' && text[0] != 'M')) return std::nullopt;
  spec.error = text[0] == 'A' ? ErrorKind::additive : ErrorKind::multiplicative;
  size_t i = 1;
  if (text.substr(1, 2) == "Ad") {
    spec.trend = TrendKind::damped, i = 3;
  } else if (text[1] == 'A' || text[1] == 'N') {
    spec.trend = text[1] == 'A' ? TrendKind::additive : TrendKind::none, i = 2;
  } else {
    return std::nullopt;
  }
  if (i + 1 != text.size()) return std::nullopt;
  const char s = text[i];
  if (s != 'N' && s != 'A' && s != 'M') return std::nullopt;
  spec.season = s == 'N'   ? SeasonKind::none
                : s == 'A' ? SeasonKind::additive
                           : SeasonKind::multiplicative;
  return spec;
}

std::vector<std::string_view> split(std::string_view text, char by) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == by) {
      if (i > start || by == '\t') parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

template <class T>
bool parse_number(std::string_view text, T* out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

struct Reader {
  std::istringstream in;
  std::string file;
  size_t line_number = 0;
  std::string line;

  bool next() {
    ++line_number;
    return static_cast<bool>(std::getline(in, line));
  }
  std::unexpected<Error> corrupt(const std::string& why) const {
    return fail(ErrorCode::corruption, file, fmt::format("line {}: {}", line_number, why));
  }
  // "key value…": the values after `key`, or an error.
  Result<std::vector<std::string_view>> keyed(std::string_view key) {
    if (!next()) return corrupt(fmt::format("missing '{}'", key));
    auto parts = split(line, ' ');
    if (parts.empty() || parts[0] != key) return corrupt(fmt::format("expected '{}'", key));
    parts.erase(parts.begin());
    return parts;
  }
};

Result<SeriesModel> parse_series(Reader& r) {
  if (!r.next()) return r.corrupt("missing series line");
  const auto f = split(r.line, '\t');
  if (f.size() != 10) return r.corrupt("a series line has 10 tab-separated fields");
  SeriesModel s;
  s.id = std::string(f[0]);
  s.method = std::string(f[1]);
  const auto spec = parse_spec(f[2]);
  int non_negative = 0;
  if (s.id.empty() || !spec || !parse_number(f[3], &s.state.period) ||
      !parse_number(f[4], &s.last_day) || !parse_number(f[5], &s.step_days) ||
      !parse_number(f[6], &s.scale) || !parse_number(f[7], &non_negative)) {
    return r.corrupt("malformed series fields");
  }
  s.state.spec = *spec;
  s.non_negative = non_negative != 0;
  const auto params = split(f[8], ' ');
  double* targets[] = {&s.state.alpha, &s.state.beta,  &s.state.gamma,
                       &s.state.phi,   &s.state.level, &s.state.trend};
  if (params.size() != 6) return r.corrupt("6 parameters expected");
  for (size_t i = 0; i < 6; ++i) {
    if (!parse_number(params[i], targets[i])) return r.corrupt("malformed parameter");
  }
  for (const auto& v : split(f[9], ' ')) {
    double value = 0;
    if (!parse_number(v, &value)) return r.corrupt("malformed season");
    s.state.season.push_back(value);
  }
  if (s.state.period < 1 || s.state.season.size() != static_cast<size_t>(s.state.period) ||
      s.step_days < 1) {
    return r.corrupt("the season count must equal the period");
  }
  return s;
}

}  // namespace

Result<void> save_model(const ForecastModel& model, const std::filesystem::path& file) {
  std::string text =
      fmt::format("LCFM {}\nmethod {}\nhorizon {}\n", model.version, model.method, model.horizon);
  const size_t steps = model.has_intervals ? model.conformal.by_step.size() : 0;
  text += fmt::format("conformal {} {}\n", steps, model.conformal.residuals);
  for (size_t h = 0; h < steps; ++h) {
    const auto& q = model.conformal.by_step[h];
    text += fmt::format("{} {} {}\n", q.p10, q.p50, q.p90);
  }
  text += fmt::format("series {}\n", model.series.size());
  for (const auto& s : model.series) {
    LC_ASSERT(s.id.find_first_of("\t\n") == std::string::npos);
    text += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{} {} {} {} {} {}\t", s.id, s.method,
                        spec_text(s.state.spec), s.state.period, s.last_day, s.step_days, s.scale,
                        s.non_negative ? 1 : 0, s.state.alpha, s.state.beta, s.state.gamma,
                        s.state.phi, s.state.level, s.state.trend);
    for (size_t k = 0; k < s.state.season.size(); ++k) {
      text += fmt::format("{}{}", k == 0 ? "" : " ", s.state.season[k]);
    }
    text += '\n';
  }
  text += "end\n";
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return fail(ErrorCode::io_error, file.string(), "cannot write the model");
  return {};
}

Result<ForecastModel> load_model(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, file.string(), "cannot open (missing or unreadable)");
  std::ostringstream text;
  text << in.rdbuf();
  Reader r{std::istringstream(text.str()), file.string(), 0, {}};
  ForecastModel model;
  auto magic = r.keyed("LCFM");
  if (!magic) return r.corrupt("not a livechain forecast model (no LCFM header)");
  if (magic->size() != 1 || !parse_number((*magic)[0], &model.version) ||
      model.version != kModelFormatVersion) {
    return r.corrupt(fmt::format("format version {} (this build reads {})",
                                 magic->empty() ? "?" : std::string((*magic)[0]),
                                 kModelFormatVersion));
  }
  auto method = r.keyed("method");
  if (!method) return std::unexpected(method.error());
  if (method->size() != 1) return r.corrupt("one method expected");
  model.method = std::string((*method)[0]);
  auto horizon = r.keyed("horizon");
  if (!horizon) return std::unexpected(horizon.error());
  if (horizon->size() != 1 || !parse_number((*horizon)[0], &model.horizon) || model.horizon < 1) {
    return r.corrupt("malformed horizon");
  }
  auto conformal = r.keyed("conformal");
  if (!conformal) return std::unexpected(conformal.error());
  size_t steps = 0;
  if (conformal->size() != 2 || !parse_number((*conformal)[0], &steps) ||
      !parse_number((*conformal)[1], &model.conformal.residuals) ||
      (steps != 0 && steps != static_cast<size_t>(model.horizon))) {
    return r.corrupt("malformed conformal header");
  }
  model.has_intervals = steps > 0;
  for (size_t h = 0; h < steps; ++h) {
    if (!r.next()) return r.corrupt("missing quantiles");
    const auto q = split(r.line, ' ');
    ResidualQuantiles rq;
    if (q.size() != 3 || !parse_number(q[0], &rq.p10) || !parse_number(q[1], &rq.p50) ||
        !parse_number(q[2], &rq.p90)) {
      return r.corrupt("malformed quantiles");
    }
    model.conformal.by_step.push_back(rq);
  }
  auto series = r.keyed("series");
  if (!series) return std::unexpected(series.error());
  size_t count = 0;
  if (series->size() != 1 || !parse_number((*series)[0], &count))
    return r.corrupt("malformed series count");
  for (size_t i = 0; i < count; ++i) {
    auto s = parse_series(r);
    if (!s) return std::unexpected(s.error());
    if (!model.series.empty() && !(model.series.back().id < s->id)) {
      return r.corrupt("series ids must be sorted and unique");
    }
    model.series.push_back(std::move(*s));
  }
  if (!r.next() || r.line != "end") return r.corrupt("missing 'end' (truncated file)");
  return model;
}

}  // namespace livechain::forecast
