// src/forecast/model.hpp — trained per-series models behind `livechain forecast
// train|predict|backtest`: fit on a SalesTable, save to a versioned text file, load it
// back, and forecast P10/P50/P90.
//
// Every series model is kept in ETS state form (EtsModel: spec, smoothing parameters,
// level, trend and next-cycle seasonal states), so one forecast function serves them
// all and a loaded model forecasts bit-identically:
//  - "ets": ets_auto (AICc);
//  - "theta": the benchmark Theta as ETS(A,A,M|N) states: level = ½·SES level + ½·line
//    at n, trend = ½·slope, seasons = the last cycle's classical indices; alpha is the
//    SES alpha, beta = gamma = 0 (used only when newer data updates the states);
//  - "snaive": ETS(A,N,A) with level 0, seasons = the last cycle, gamma = 1;
//  - "auto": per series, the one of ets/theta/snaive with the lowest mean sMAPE over
//    rolling origins n − k·h (k = 1 … origins); ets when no origin fits.
// Intervals: split conformal (conformal.hpp) on the rolling-origin residuals of the
// chosen method, scaled by each series' MASE scale (lag = period, 1 when too short),
// pooled over series per step.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "forecast/conformal.hpp"
#include "forecast/forecast.hpp"
#include "forecast/series_csv.hpp"

namespace livechain::forecast {

inline constexpr int kModelFormatVersion = 1;

struct SeriesModel {
  std::string id;
  std::string method;  // ets, theta or snaive
  EtsModel state;      // states after the last observation
  int64_t last_day = 0;
  int step_days = 1;
  double scale = 0;  // interval scale (MASE denominator); 0 = no interval width
  bool non_negative = true;
};

struct ForecastModel {
  int version = kModelFormatVersion;
  std::string method;  // as trained: ets, theta, snaive or auto
  int horizon = 0;     // trained horizon: the conformal quantiles cover steps 1 … horizon
  bool has_intervals = false;
  ConformalModel conformal;
  std::vector<SeriesModel> series;  // sorted by id
};

struct TrainOptions {
  std::string method = "auto";  // ets, theta, snaive, auto
  int horizon = 0;              // 1 … kHorizonMax
  int period = 0;               // 0: from the step (1 day → 7, 7 days → 52, else 1)
  int origins = 3;              // rolling origins for intervals and auto, 0 … 10
};

// Default seasonal period of a step in days.
int default_period(int step_days);

// Fits every series. Errors: "method", "horizon", "period", "origins" out of range;
// "series" naming the series id when it has fewer than 4 values or cannot be fitted.
Result<ForecastModel> train_model(const SalesTable& table, const TrainOptions& options);

// Writes the model ("LCFM <version>" header, one line per series, doubles as exact
// round-trip text). Errors: io_error naming the file.
Result<void> save_model(const ForecastModel& model, const std::filesystem::path& file);

// Reads a model written by save_model. Errors: io_error (missing), corruption naming
// the line (another format version, a malformed line).
Result<ForecastModel> load_model(const std::filesystem::path& file);

struct PredictionRow {
  std::string id;
  int64_t day = 0;
  int step = 1;
  double point = 0;
  Interval interval;
};

// Forecasts `horizon` steps after each series' last date. With `newer` (may be null),
// only the series it names are forecast, and its observations after the model's last
// date update the states with the saved smoothing parameters first (older ones must
// be the training data and are skipped). Errors: "horizon" < 1 or above the trained
// horizon; "series_id" naming the line of an id the model does not know; "date" for
// a step other than the model's, or a gap after the model's last date; "sales" when a
// multiplicative model meets a value ≤ 0.
Result<std::vector<PredictionRow>> predict_model(const ForecastModel& model, int horizon,
                                                 const SalesTable* newer);

struct BacktestScore {
  std::string method;
  double smape = 0, mase = 0, wape = 0;
  int points = 0, failures = 0;
  double seconds = 0;
};

// Rolling-origin backtest of snaive, theta, ets and auto: origins n − k·h for
// k = 1 … origins (a series too short for an origin skips it), scored on the h points
// after each. Errors: "origins" outside [1, 10]; "horizon"; "period"; "series" when no
// origin fits any series.
Result<std::vector<BacktestScore>> backtest_methods(const SalesTable& table, int origins,
                                                    int horizon, int period);

}  // namespace livechain::forecast
