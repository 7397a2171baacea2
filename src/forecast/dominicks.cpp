// Dominick's orange juice (dominicks_oj/README.md): 913 store × brand weekly series;
// fixed origin at week 147, holdout weeks 148–160. A global direct GBM (Poisson on
// packages / series level, one row per series × horizon) is trained on the same layout
// at earlier origins (weeks 95, 108, 121, 134: features from weeks ≤ origin, targets the
// 13 weeks after), once with sales history only and once adding the week's own and
// competitor prices, deal and feature flags (known in advance: promotions are planned).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>

#include "core/assert.hpp"
#include "forecast/real_detail.hpp"

namespace livechain::forecast {

namespace {

constexpr int kOrigin = 147;
constexpr int kHorizon = 13;
constexpr int kTrainOrigins[] = {95, 108, 121, 134};  // the last one is also the validation
constexpr int kBrands = 11;

struct Week {
  int week = 0;
  double packages = 0, price_package = 0, price_oz = 0, deal = 0, feat = 0;
  double prices[kBrands] = {};
};

struct Series {
  int store = 0, brand = 0;
  std::vector<Week> weeks;  // sorted by week
};

Result<Week> parse_week(const std::string& file, const detail::CsvTable& table, size_t r,
                        const std::vector<size_t>& columns) {
  std::vector<double> values;
  for (size_t c : columns) {
    auto value = detail::parse_cell(file, table, r, c);
    if (!value) return std::unexpected(value.error());
    if (!std::isfinite(*value) || *value < 0) {
      return fail(
          ErrorCode::corruption, file,
          fmt::format("row {} column {} ({}): missing or negative", r + 2, c + 1, table.header[c]));
    }
    values.push_back(*value);
  }
  Week w{static_cast<int>(values[2]), values[3], values[4], values[5], values[6], values[7], {}};
  for (int b = 0; b < kBrands; ++b) w.prices[b] = values[8 + static_cast<size_t>(b)];
  return w;
}

Result<std::vector<Series>> read_series(const std::filesystem::path& path) {
  auto table = detail::read_csv(path);
  if (!table) return std::unexpected(table.error());
  std::vector<std::string> names{
      "store", "brand", "week", "packages", "own_price_per_package", "own_price_per_oz",
      "deal",  "feat"};
  for (int b = 1; b <= kBrands; ++b) names.push_back(fmt::format("price{}", b));
  std::vector<size_t> columns;
  for (const auto& name : names) {
    auto index = detail::column_index(path.string(), *table, name);
    if (!index) return std::unexpected(index.error());
    columns.push_back(*index);
  }
  std::map<std::pair<int, int>, Series> by_key;
  for (size_t r = 0; r < table->rows.size(); ++r) {
    auto week = parse_week(path.string(), *table, r, columns);
    if (!week) return std::unexpected(week.error());
    const int store = std::atoi(table->rows[r][columns[0]].c_str());
    const int brand = std::atoi(table->rows[r][columns[1]].c_str());
    if (brand < 1 || brand > kBrands) {
      return fail(ErrorCode::corruption, path.string(), fmt::format("row {}: brand", r + 2));
    }
    Series& series = by_key[{store, brand}];
    series.store = store, series.brand = brand;
    series.weeks.push_back(*week);
  }
  std::vector<Series> all;
  for (auto& [key, series] : by_key) {
    std::sort(series.weeks.begin(), series.weeks.end(),
              [](const Week& a, const Week& b) { return a.week < b.week; });
    all.push_back(std::move(series));
  }
  return all;
}

constexpr size_t kRegressors = 5;
constexpr double kRidge = 1e-6;         // relative to the number of weeks
constexpr double kPoolingWeight = 0.5;  // share of the brand's pooled slopes

// The log-linear demand regressors of a week: log own package price, deal, feat, log of
// the cheapest and of the mean competitor price per ounce.
std::array<double, kRegressors> regressors(const Week& w, int brand) {
  double cheapest = INFINITY, mean = 0;
  for (int b = 0; b < kBrands; ++b) {
    if (b + 1 == brand) continue;
    cheapest = std::min(cheapest, std::log(w.prices[b]));
    mean += std::log(w.prices[b]) / (kBrands - 1);
  }
  return {std::log(w.price_package), w.deal, w.feat, cheapest, mean};
}

// A series' centred moments over its weeks ≤ origin, and the log-linear model built on
// them: log y = mean_y + slope · (x − mean_x).
struct LogLinear {
  std::array<double, kRegressors> mean_x{};
  double mean_y = NAN;
  double sxx[kRegressors][kRegressors] = {};
  double sxy[kRegressors] = {};
  size_t weeks = 0;
  std::vector<double> slope;  // empty: no model (too few weeks)
};

LogLinear moments_at(const Series& series, int origin) {
  LogLinear m;
  std::vector<std::array<double, kRegressors>> xs;
  std::vector<double> ys;
  for (const Week& w : series.weeks) {
    if (w.week > origin) break;
    if (!(w.packages > 0) || !(w.price_package > 0)) return m;
    xs.push_back(regressors(w, series.brand));
    ys.push_back(std::log(w.packages));
  }
  m.weeks = xs.size();
  if (m.weeks < 4 * kRegressors) return m;
  m.mean_y = 0;
  for (size_t k = 0; k < m.weeks; ++k) {
    m.mean_y += ys[k] / static_cast<double>(m.weeks);
    for (size_t i = 0; i < kRegressors; ++i) m.mean_x[i] += xs[k][i] / static_cast<double>(m.weeks);
  }
  for (size_t k = 0; k < m.weeks; ++k) {
    for (size_t i = 0; i < kRegressors; ++i) {
      const double xi = xs[k][i] - m.mean_x[i];
      for (size_t j = 0; j < kRegressors; ++j) m.sxx[i][j] += xi * (xs[k][j] - m.mean_x[j]);
      m.sxy[i] += xi * (ys[k] - m.mean_y);
    }
  }
  return m;
}

// Solves (sxx + ridge·I) b = sxy by Gaussian elimination with partial pivoting.
std::vector<double> solve_slopes(const double sxx[kRegressors][kRegressors],
                                 const double sxy[kRegressors], double ridge) {
  double a[kRegressors][kRegressors + 1];
  for (size_t i = 0; i < kRegressors; ++i) {
    for (size_t j = 0; j < kRegressors; ++j) a[i][j] = sxx[i][j] + (i == j ? ridge : 0.0);
    a[i][kRegressors] = sxy[i];
  }
  for (size_t c = 0; c < kRegressors; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < kRegressors; ++r) {
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    }
    for (size_t k = 0; k <= kRegressors; ++k) std::swap(a[c][k], a[pivot][k]);
    if (std::abs(a[c][c]) < 1e-12) a[c][c] = 1e-12;  // a regressor constant in the window
    for (size_t r = 0; r < kRegressors; ++r) {
      if (r == c) continue;
      const double f = a[r][c] / a[c][c];
      for (size_t k = c; k <= kRegressors; ++k) a[r][k] -= f * a[c][k];
    }
  }
  std::vector<double> slope(kRegressors);
  for (size_t i = 0; i < kRegressors; ++i) slope[i] = a[i][kRegressors] / a[i][i];
  return slope;
}

// Per-series log-linear models at an origin, their slopes shrunk towards the slopes
// pooled over every store of the same brand (kPoolingWeight).
std::vector<LogLinear> fit_log_linear(const std::vector<Series>& all, int origin) {
  std::vector<LogLinear> models;
  double pooled_xx[kBrands][kRegressors][kRegressors] = {};
  double pooled_xy[kBrands][kRegressors] = {};
  size_t pooled_weeks[kBrands] = {};
  for (const Series& series : all) {
    models.push_back(moments_at(series, origin));
    const LogLinear& m = models.back();
    const int b = series.brand - 1;
    if (!std::isfinite(m.mean_y)) continue;
    pooled_weeks[b] += m.weeks;
    for (size_t i = 0; i < kRegressors; ++i) {
      for (size_t j = 0; j < kRegressors; ++j) pooled_xx[b][i][j] += m.sxx[i][j];
      pooled_xy[b][i] += m.sxy[i];
    }
  }
  for (size_t s = 0; s < all.size(); ++s) {
    LogLinear& m = models[s];
    const int b = all[s].brand - 1;
    if (!std::isfinite(m.mean_y)) continue;
    const auto own = solve_slopes(m.sxx, m.sxy, kRidge * static_cast<double>(m.weeks));
    const auto pooled =
        solve_slopes(pooled_xx[b], pooled_xy[b], kRidge * static_cast<double>(pooled_weeks[b]));
    m.slope.resize(kRegressors);
    for (size_t i = 0; i < kRegressors; ++i) {
      m.slope[i] = kPoolingWeight * pooled[i] + (1 - kPoolingWeight) * own[i];
    }
  }
  return models;
}

double log_linear_forecast(const LogLinear& model, const Week& w, int brand) {
  if (model.slope.empty()) return NAN;
  const auto x = regressors(w, brand);
  double log_value = model.mean_y;
  for (size_t i = 0; i < kRegressors; ++i) log_value += model.slope[i] * (x[i] - model.mean_x[i]);
  return std::exp(std::clamp(log_value, -20.0, 20.0));
}

// What is known of a series at an origin: its sales history (and, for the covariate
// model, its past prices and promotions).
struct History {
  double level = NAN;  // median packages of the last 13 observed weeks
  double last = NAN, mean8 = NAN, median26 = NAN, base = NAN, lift = NAN, price_median = NAN;
  int count = 0;
};

History history_at(const Series& series, int origin) {
  History h;
  std::vector<double> values, base, promo, prices;
  for (const Week& w : series.weeks) {
    if (w.week > origin) break;
    values.push_back(w.packages);
    prices.push_back(w.price_package);
    (w.deal > 0 || w.feat > 0 ? promo : base).push_back(w.packages);
  }
  h.count = static_cast<int>(values.size());
  if (values.empty()) return h;
  const auto tail = [&](const std::vector<double>& v, size_t n) {
    return std::vector<double>(v.end() - static_cast<std::ptrdiff_t>(std::min(n, v.size())),
                               v.end());
  };
  h.level = detail::median_of(tail(values, 13));
  h.last = values.back();
  const auto last8 = tail(values, 8);
  h.mean8 = 0;
  for (double v : last8) h.mean8 += v / static_cast<double>(last8.size());
  h.median26 = detail::median_of(tail(values, 26));
  h.base = detail::median_of(tail(base, 13));
  const double promo_median = detail::median_of(tail(promo, 13));
  h.lift = h.base > 0 ? promo_median / h.base : NAN;
  h.price_median = detail::median_of(tail(prices, 26));
  return h;
}

float rel(double value, double level) {
  return value > 0 && level > 0 ? static_cast<float>(std::log(value / level)) : NAN;
}

std::vector<std::string> oj_feature_names(bool covariates) {
  std::vector<std::string> names{"log_level", "last_rel", "mean8_rel", "median26_rel",
                                 "count",     "horizon",  "brand"};
  if (!covariates) return names;
  for (const char* name :
       {"loglinear_rel", "elasticity", "base_rel", "promo_lift", "deal", "feat", "log_price",
        "price_rel_history", "price_rel_competitors", "price_rel_cheapest"}) {
    names.emplace_back(name);
  }
  for (int b = 1; b <= kBrands; ++b) names.push_back(fmt::format("price{}", b));
  return names;
}

std::vector<float> oj_features(const Series& series, const History& h, const LogLinear& model,
                               const Week& w, int origin, bool covariates) {
  std::vector<float> row{rel(h.level, 1.0),
                         rel(h.last, h.level),
                         rel(h.mean8, h.level),
                         rel(h.median26, h.level),
                         static_cast<float>(h.count),
                         static_cast<float>(w.week - origin),
                         static_cast<float>(series.brand)};
  if (!covariates) return row;
  double competitors = 0, cheapest = INFINITY;
  for (int b = 0; b < kBrands; ++b) {
    if (b + 1 == series.brand) continue;
    competitors += w.prices[b] / (kBrands - 1);
    cheapest = std::min(cheapest, w.prices[b]);
  }
  const double elasticity = model.slope.empty() ? NAN : model.slope[0];
  for (float value :
       {rel(log_linear_forecast(model, w, series.brand), h.level), static_cast<float>(elasticity),
        rel(h.base, h.level), static_cast<float>(h.lift), static_cast<float>(w.deal),
        static_cast<float>(w.feat), rel(w.price_package, 1.0), rel(w.price_package, h.price_median),
        rel(w.price_oz, competitors), rel(w.price_oz, cheapest)}) {
    row.push_back(std::isfinite(value) ? value : NAN);
  }
  for (int b = 0; b < kBrands; ++b) row.push_back(static_cast<float>(w.prices[b]));
  return row;
}

}  // namespace

namespace {

struct Rows {
  FeatureMatrix x;
  std::vector<double> actual, level, last, mean8, scale;
  std::vector<bool> promoted;
  std::vector<std::string> keys;  // "store,brand,week" of each row
};

// Mean |Δ packages| between consecutive observed weeks ≤ origin (the MASE scale).
double mase_scale(const Series& series, int origin) {
  double sum = 0;
  int count = 0;
  for (size_t k = 1; k < series.weeks.size() && series.weeks[k].week <= origin; ++k) {
    sum += std::abs(series.weeks[k].packages - series.weeks[k - 1].packages);
    ++count;
  }
  return count > 0 ? sum / count : NAN;
}

Rows build_rows(const std::vector<Series>& all, std::span<const int> origins, bool covariates) {
  Rows rows;
  rows.x.names = oj_feature_names(covariates);
  for (const int origin : origins) {
    const auto models =
        covariates ? fit_log_linear(all, origin) : std::vector<LogLinear>(all.size());
    for (size_t s = 0; s < all.size(); ++s) {
      const Series& series = all[s];
      const History h = history_at(series, origin);
      const double scale = mase_scale(series, origin);
      for (const Week& w : series.weeks) {
        if (w.week <= origin || w.week > origin + kHorizon) continue;
        rows.x.add_row(oj_features(series, h, models[s], w, origin, covariates));
        rows.actual.push_back(w.packages);
        const double fitted = log_linear_forecast(models[s], w, series.brand);
        rows.level.push_back(covariates && fitted > 0 ? fitted : h.level);
        rows.last.push_back(std::isfinite(h.last) ? h.last : 0.0);
        rows.mean8.push_back(std::isfinite(h.mean8) ? h.mean8 : 0.0);
        rows.scale.push_back(scale);
        rows.promoted.push_back(w.deal > 0 || w.feat > 0);
        rows.keys.push_back(fmt::format("{},{},{}", series.store, series.brand, w.week));
      }
    }
  }
  LC_ASSERT(rows.actual.size() == rows.x.rows());
  return rows;
}

struct Fitted {
  std::vector<double> forecast;
  double scale = 1.0, weight = 1.0;
};

// Fits on the rows of `origins` and forecasts the rows of `target` (level × ratio; the
// naive forecast where a series has no level).
Result<std::vector<double>> fit_rows(const std::vector<Series>& all, std::span<const int> origins,
                                     const Rows& target, bool covariates, const GbmParams& params) {
  const Rows train = build_rows(all, origins, covariates);
  FeatureMatrix x;
  x.names = train.x.names;
  std::vector<double> y, weights;
  const size_t width = x.names.size();
  for (size_t r = 0; r < train.actual.size(); ++r) {
    if (!(train.level[r] > 0)) continue;
    x.add_row(std::span<const float>(train.x.values.data() + r * width, width));
    y.push_back(train.actual[r] / train.level[r]);
    weights.push_back(train.level[r]);
  }
  auto model = GbmModel::fit(x, y, weights, params);
  if (!model) return std::unexpected(model.error());
  auto ratio = model->predict(target.x);
  if (!ratio) return std::unexpected(ratio.error());
  std::vector<double> forecast(target.actual.size());
  for (size_t r = 0; r < forecast.size(); ++r) {
    forecast[r] = target.level[r] > 0 ? target.level[r] * (*ratio)[r] : target.last[r];
  }
  return forecast;
}

// The blend w·gbm + (1−w)·level (level = the log-linear regression for the covariate
// model, the recent median without), w from kBlendWeights.
constexpr double kBlendWeights[] = {0.0, 0.25, 0.5, 0.75, 1.0};

std::vector<double> blend(const std::vector<double>& gbm, const Rows& rows, double weight) {
  std::vector<double> out(rows.actual.size());
  for (size_t r = 0; r < out.size(); ++r) {
    const double level = rows.level[r] > 0 ? rows.level[r] : rows.last[r];
    out[r] = (weight > 0 ? weight * gbm[r] : 0.0) + (1 - weight) * level;
  }
  return out;
}

// Selects the blend weight and the WAPE scale on the last training origin (GBM fitted
// on the earlier ones), then refits on every training origin and forecasts the holdout.
Result<Fitted> fit_and_forecast(const std::vector<Series>& all, const Rows& holdout,
                                bool covariates, const GbmParams& params) {
  const std::span<const int> origins = kTrainOrigins;
  const auto earlier = origins.first(origins.size() - 1);
  const int last[] = {origins.back()};
  const Rows validation = build_rows(all, last, covariates);
  auto checked = fit_rows(all, earlier, validation, covariates, params);
  if (!checked) return std::unexpected(checked.error());
  Fitted fitted;
  double best = INFINITY;
  for (const double weight : kBlendWeights) {
    auto candidate = blend(*checked, validation, weight);
    const double scale = detail::wape_scale(validation.actual, candidate);
    for (double& value : candidate) value *= scale;
    const double error = wape(validation.actual, candidate).value_or(INFINITY);
    if (error < best) best = error, fitted.weight = weight, fitted.scale = scale;
  }
  auto forecast = fit_rows(all, origins, holdout, covariates, params);
  if (!forecast) return std::unexpected(forecast.error());
  fitted.forecast = blend(*forecast, holdout, fitted.weight);
  for (double& value : fitted.forecast) value *= fitted.scale;
  return fitted;
}

void score_both(const Rows& holdout, const std::string& method, const std::vector<double>& forecast,
                double seconds, std::vector<MethodScore>* scores) {
  scores->push_back(detail::score_method("dominicks", "oj-all", method, holdout.actual, forecast,
                                         holdout.scale, seconds));
  std::vector<double> actual, predicted, scale;
  for (size_t r = 0; r < holdout.actual.size(); ++r) {
    if (!holdout.promoted[r]) continue;
    actual.push_back(holdout.actual[r]);
    predicted.push_back(forecast[r]);
    scale.push_back(holdout.scale[r]);
  }
  scores->push_back(
      detail::score_method("dominicks", "oj-promoted", method, actual, predicted, scale, seconds));
}

PredictionFile oj_file(const std::string& name, const Rows& holdout,
                       const std::vector<double>& forecast) {
  PredictionFile file{name, "store,brand,week,packages\n"};
  for (size_t r = 0; r < forecast.size(); ++r) {
    file.csv += fmt::format("{},{:.3f}\n", holdout.keys[r], std::max(0.0, forecast[r]));
  }
  return file;
}

}  // namespace

Result<RealReport> evaluate_dominicks(const std::filesystem::path& data_dir,
                                      const GbmParams& params) {
  auto all = read_series(data_dir / "oj_weekly.csv.gz");
  if (!all) return std::unexpected(all.error());
  RealReport report;
  report.seed = params.seed;
  const int origin[] = {kOrigin};
  const Rows holdout_plain = build_rows(*all, origin, false);
  score_both(holdout_plain, "naive", holdout_plain.last, 0.0, &report.scores);
  score_both(holdout_plain, "mean8", holdout_plain.mean8, 0.0, &report.scores);
  for (const bool covariates : {false, true}) {
    const Rows holdout = covariates ? build_rows(*all, origin, true) : holdout_plain;
    if (covariates) score_both(holdout, "loglinear", blend({}, holdout, 0.0), 0.0, &report.scores);
    const auto started = std::chrono::steady_clock::now();
    auto forecast = fit_and_forecast(*all, holdout, covariates, params);
    if (!forecast) return std::unexpected(forecast.error());
    const std::string method =
        fmt::format("{} w={:.2f}", covariates ? "livechain" : "livechain-nocov", forecast->weight);
    score_both(holdout, method, forecast->forecast, detail::seconds_since(started), &report.scores);
    report.predictions.push_back(oj_file(covariates ? "dominicks_oj.csv" : "dominicks_oj_nocov.csv",
                                         holdout, forecast->forecast));
  }
  LC_ASSERT(report.predictions.size() == 2);
  return report;
}

}  // namespace livechain::forecast
