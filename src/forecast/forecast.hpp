// src/forecast/forecast.hpp — the forecast module's public API.
//
// The module owns demand forecasting: univariate statistical models (naive, seasonal
// naive, Naive2, SES/Holt/damped, ETS state-space models selected by AICc, Theta,
// Croston/TSB), accuracy metrics (sMAPE, MASE, OWA), selection/ensembling of models
// per series by rolling-origin backtest, and the evaluation runners for the M3 and M4
// competition data. It knows nothing about the ledger, the journal or the CLI.
//
// Conventions for every function below:
//  - a series is a contiguous span of doubles, oldest first; `period` is the number of
//    observations per seasonal cycle (1 = no seasonality); `horizon` is the number of
//    steps to forecast;
//  - bad input is an Error value (invalid_argument) naming the field: "series" (empty,
//    NaN/infinite, or too short for the method), "horizon" (≤ 0 or above
//    kHorizonMax), "period" (< 1 or above kPeriodMax), or the parameter's own name;
//  - no function throws, allocates global state or uses randomness; all are
//    deterministic and safe to call concurrently on different data.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace livechain::forecast {

inline constexpr int kHorizonMax = 10'000;
inline constexpr int kPeriodMax = 1'000;
inline constexpr size_t kSeriesLengthMax = 1'000'000;

using Forecast = std::vector<double>;

// Validates the shared inputs. OK when `series` is non-empty, finite, at most
// kSeriesLengthMax long, 1 ≤ period ≤ kPeriodMax and 1 ≤ horizon ≤ kHorizonMax.
Result<void> validate_input(std::span<const double> series, int period, int horizon);

// ---- benchmarks -----------------------------------------------------------------

// Repeats the last observation. Errors: see conventions.
Result<Forecast> naive(std::span<const double> series, int horizon);

// Repeats the last full season: F_h = y[n − period + (h−1) mod period]. Falls back to
// naive when the series is shorter than one period.
Result<Forecast> seasonal_naive(std::span<const double> series, int period, int horizon);

// The M4 "Naive2": naive on data seasonally adjusted by classical multiplicative
// decomposition when seasonality_test() says seasonal, reseasonalised; plain naive
// otherwise (and always when period == 1).
Result<Forecast> naive2(std::span<const double> series, int period, int horizon);

// The M4 benchmarks' 90% autocorrelation test: seasonal when n ≥ 3·period and
// |acf(period)| > 1.645/√n · √(1 + 2·Σ_{k<period} acf(k)²). False for period == 1.
bool seasonality_test(std::span<const double> series, int period);

// Classical multiplicative decomposition's seasonal indices, one per position:
// result[i] is the index of observation i (mean 1 over a cycle). REQUIRES:
// series.size() ≥ 2·period, period ≥ 2, all values > 0 (callers check).
std::vector<double> multiplicative_seasonal_indices(std::span<const double> series, int period);

// The same for the additive decomposition (indices sum to 0 over a cycle). REQUIRES:
// series.size() ≥ 2·period, period ≥ 2.
std::vector<double> additive_seasonal_indices(std::span<const double> series, int period);

// ---- exponential smoothing --------------------------------------------------------

enum class ErrorKind { additive, multiplicative };
enum class TrendKind { none, additive, damped };
enum class SeasonKind { none, additive, multiplicative };

struct EtsSpec {
  ErrorKind error = ErrorKind::additive;
  TrendKind trend = TrendKind::none;
  SeasonKind season = SeasonKind::none;
};

// "ANN", "MAdM", … as in R's forecast::ets.
std::string ets_spec_name(const EtsSpec& spec);

struct EtsModel {
  EtsSpec spec;
  int period = 1;
  double alpha = 0, beta = 0, gamma = 0, phi = 1;
  double level = 0, trend = 0;       // states after the last observation
  std::vector<double> season;        // season[k] = index for step k+1 ahead (k < period)
  double log_likelihood_scaled = 0;  // −½·(n·log SSE + 2·Σ log|ŷ|), R's "lik" convention
  double aicc = 0;
  double sse = 0;  // sum of squared (relative, for multiplicative error) one-step errors
  int parameter_count = 0;
  int observations = 0;
};

// Simple exponential smoothing with a fixed alpha ∈ [0, 1] and initial level y[0].
// alpha == 1 gives the naive forecast. Errors: "alpha" outside [0, 1], conventions.
Result<Forecast> ses_fixed(std::span<const double> series, double alpha, int horizon);

// Fits one ETS model by maximum likelihood (Nelder–Mead over the smoothing parameters
// and the initial level/trend; initial seasonal indices from a classical decomposition
// of the first cycles). Parameter bounds as R's "usual": alpha ∈ [1e-4, 0.9999],
// beta ∈ [1e-4, alpha], gamma ∈ [1e-4, 1 − alpha], phi ∈ [0.8, 0.98].
// Errors: "series" too short (n < 4, or n < 2·period + 2 when seasonal, or values ≤ 0
// for a multiplicative component), "period" (seasonal spec with period < 2).
Result<EtsModel> ets_fit(std::span<const double> series, int period, const EtsSpec& spec);

// Fits every admissible model (additive or multiplicative error; none, additive or
// damped trend; none, additive or multiplicative season; multiplicative season only
// with multiplicative error, as R's default restrict = TRUE; multiplicative parts only
// for strictly positive data; seasonal only when period ≥ 2 and the series holds
// ≥ 2 cycles + 2) and returns the one with the smallest AICc.
Result<EtsModel> ets_auto(std::span<const double> series, int period);

// Point forecasts of a fitted model. REQUIRES: horizon ≥ 1.
Forecast ets_forecast(const EtsModel& model, int horizon);

// SES, Holt and damped Holt as ETS(A,N,N), ETS(A,A,N), ETS(A,Ad,N) fitted by ets_fit.
Result<Forecast> ses(std::span<const double> series, int horizon);
Result<Forecast> holt(std::span<const double> series, int horizon);
Result<Forecast> damped(std::span<const double> series, int horizon);

// ---- Theta --------------------------------------------------------------------------

// The pieces of the benchmark Theta that theta() and the model file's Theta state share:
// the multiplicative seasonal indices (all 1 unless seasonal: period test passed and
// all values > 0), the θ=0 least-squares line on t = 1 … n of the adjusted series, and
// the θ=2 line. REQUIRES: series.size() >= 2.
struct ThetaLines {
  bool seasonal = false;
  std::vector<double> indices;
  double intercept = 0;
  double slope = 0;
  std::vector<double> theta2;
};
ThetaLines theta_lines(std::span<const double> series, int period);

// The M3/M4 benchmark Theta: when seasonality_test() passes (period ≥ 2, values > 0),
// divide by the classical multiplicative seasonal indices; then average the θ=0 line
// (linear regression on time) and SES on the θ=2 line; reseasonalise with the last
// cycle's indices. Errors: conventions; "series" shorter than 3.
Result<Forecast> theta(std::span<const double> series, int period, int horizon);

// ---- intermittent demand ------------------------------------------------------------

// Croston: SES (smoothing alpha) separately on non-zero demand sizes and on the
// intervals between them, initialised with the first non-zero demand and its
// interval; flat forecast size/interval. An all-zero series forecasts 0.
// Errors: "alpha" outside (0, 1], "series" with negative values, conventions.
Result<Forecast> croston(std::span<const double> series, double alpha, int horizon);

// TSB (Teunter–Syntetos–Babai): demand probability p updated every period with beta,
// size z updated on demand periods with alpha; forecast p·z. p starts at the share of
// non-zero periods, z at the first non-zero demand. Errors as croston plus "beta".
Result<Forecast> tsb(std::span<const double> series, double alpha, double beta, int horizon);

// ---- metrics ------------------------------------------------------------------------

// mean(200·|y−ŷ| / (|y|+|ŷ|)); a point where both are 0 counts 0.
// Errors: "forecast" size differs from "actual", empty, or non-finite.
Result<double> smape(std::span<const double> actual, std::span<const double> forecast);

// mean|y−ŷ| / ((1/(n−m)) Σ_{t>m} |x_t − x_{t−m}|) on the training series x with lag m.
// Errors: as smape; "series" no longer than m; "series" with zero scale (constant).
Result<double> mase(std::span<const double> train, int m, std::span<const double> actual,
                    std::span<const double> forecast);

// ½·(smape/smape_naive2 + mase/mase_naive2). Errors: "naive2" figures ≤ 0.
Result<double> owa(double smape_value, double mase_value, double smape_naive2, double mase_naive2);

// ---- per-series forecaster selection ------------------------------------------------

// A named forecaster: fills a forecast of `horizon` steps for the given series.
struct Candidate {
  std::string name;
  Result<Forecast> (*run)(std::span<const double> series, int period, int horizon);
};

// Rolling-origin backtest: for origins n − k·step − horizon (k = 0 … origins−1, each
// leaving ≥ min_train points), every candidate forecasts `horizon` steps and is scored
// by mean sMAPE. Returns the mean of the forecasts (from the full series) of the
// `top_k` candidates with the lowest backtest error (ties: earlier candidate). A
// candidate that fails on an origin scores +∞ there. When no origin fits, the first
// candidate's forecast. Errors: conventions; "candidates" empty; "top_k" < 1.
struct BacktestSpec {
  int origins = 3;
  int step = 0;  // 0: horizon
  int top_k = 1;
  int min_train = 0;  // 0: max(2·period, 8)
};
Result<Forecast> backtest_combine(std::span<const double> series, int period, int horizon,
                                  std::span<const Candidate> candidates, const BacktestSpec& spec);

// ---- evaluation runners (M3, M4) -----------------------------------------------------

struct MethodScore {
  std::string dataset;  // "m3", "m3-monthly", "m4-weekly", …
  std::string method;
  double smape = 0, mase = 0, owa = 0;
  int series = 0;
  double seconds = 0;  // wall time of that method's forecasts over the dataset
  int failures = 0;    // series where the method failed and naive was scored instead
  // Real-data suites (real.hpp) only: the protocol's task ("A-units", "oj-promoted", …),
  // WAPE and bias; sMAPE/OWA are NaN there. The competition suites leave these unset.
  std::string task;
  double wape = NAN, bias = NAN;
  // Conformal P10/P50/P90 (conformal.hpp) of this method, measured on the held-out data:
  // share inside [P10, P90] (nominal 0.8), below P10 (0.1), below P50 (0.5), and the
  // mean pinball loss / mean |y|. NaN when the method has no intervals.
  double coverage_p10_p90 = NAN, below_p10 = NAN, below_p50 = NAN, pinball_scaled = NAN;
};

struct SeriesForecast {
  std::string id;
  Forecast values;
};

struct SuiteReport {
  std::vector<MethodScore> scores;
  std::string submitted_method;  // whose forecasts are in `predictions`
  std::vector<SeriesForecast> predictions;
};

struct EvaluateOptions {
  std::string category;     // M3 only: "" = all, else YEARLY|QUARTERLY|MONTHLY|OTHER
  size_t series_limit = 0;  // 0 = every series (after the category filter)
  int threads = 2;          // worker threads, 1 … 64
  // Rolling origins (n − k·h, k = 1 … interval_origins) whose residuals calibrate the
  // submitted method's conformal P10/P50/P90; 0 = no intervals. 0 … 10.
  int interval_origins = 3;
};

// The submitted method's intervals and their coverage are reported on its overall row
// (dataset "m3", "m4-weekly", "m4-hourly"); calibration residuals are scaled by each
// series' MASE scale on the truncated training part and pooled over series, per step.
//
// Scores every method on M3 (M3-info.csv, M3-train.csv.gz, M3-test.csv.gz in data_dir,
// read in place): sMAPE/MASE (lag = frequency) per category and overall, OWA against
// Naive2. Errors: io_error/corruption naming the file; "category", "threads".
Result<SuiteReport> evaluate_m3(const std::filesystem::path& data_dir,
                                const EvaluateOptions& options);

// The same on M4 "Weekly" (m = 1, h = 13) or "Hourly" (m = 24, h = 48) from
// {frequency}-train.csv.gz / -test.csv.gz. Errors: "frequency", files as evaluate_m3.
Result<SuiteReport> evaluate_m4(const std::filesystem::path& data_dir, const std::string& frequency,
                                const EvaluateOptions& options);

}  // namespace livechain::forecast
