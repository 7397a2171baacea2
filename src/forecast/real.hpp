// src/forecast/real.hpp — evaluation on real data: Douyin live sessions (Task A
// pre-session forecast, Task B in-session nowcast) and Dominick's orange juice (13-week
// holdout with and without price/promotion covariates), each by the protocol in its
// data folder's README. Files are read in place; nothing is copied.
//
// Scores use MethodScore (forecast.hpp) with `task`, `wape` and `bias` set; sMAPE and
// OWA are NaN (not part of these protocols). Every model is a GbmModel trained with one
// thread and GbmParams::seed, so results are identical run to run.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "forecast/forecast.hpp"
#include "forecast/gbm.hpp"

namespace livechain::forecast {

// WAPE = Σ|y−ŷ| / Σy. Errors: "forecast" size differs, empty or non-finite; "actual"
// with Σy ≤ 0.
Result<double> wape(std::span<const double> actual, std::span<const double> forecast);

// Bias = Σ(ŷ−y) / Σy. Errors as wape.
Result<double> bias(std::span<const double> actual, std::span<const double> forecast);

// A scored predictions file, written as OUT/predictions/<file>.
struct PredictionFile {
  std::string file;  // "douyin_task_a.csv", …
  std::string csv;   // with its header line
};

struct RealReport {
  std::vector<MethodScore> scores;
  std::vector<PredictionFile> predictions;
  uint64_t seed = 0;  // GbmParams::seed of every model fitted
};

// ---- Douyin live sessions ------------------------------------------------------------

// One session, as read from sessions.csv.gz. `units`/`gmv` are NaN when missing.
struct LiveSession {
  int session_id = 0;
  std::string host, title;
  bool kol = false;
  int64_t start_minutes = 0;  // minutes since 2021-01-01 00:00 local time
  int hour = 0, weekday = 0;  // weekday 0 = Monday
  double n_products = 0, views = 0, peak_viewers = 0, avg_online_viewers = 0, likes = 0;
  double units = 0, gmv = 0;
};

// Sessions with a target (units and GMV present), sorted by host then start time.
// Errors: io_error/corruption naming the file, row and column.
Result<std::vector<LiveSession>> read_douyin_sessions(const std::filesystem::path& file);

// The pre-session (Task A) feature row of sessions[index] for target "units" or "gmv":
// built ONLY from the same host's sessions that start before it, plus the session's
// own pre-session fields (KOL flag, start hour, weekday, n_products, title).
// REQUIRES: sessions sorted by host then start; index < sessions.size().
std::vector<float> douyin_features(std::span<const LiveSession> sessions, size_t index,
                                   const std::string& target);
std::vector<std::string> douyin_feature_names();

// The host's level before sessions[index]: median of its last 5 earlier targets (NaN
// with no history). The model predicts target / level.
double douyin_level(std::span<const LiveSession> sessions, size_t index, const std::string& target);

// Task A and Task B on douyin_live_chanmama/ (sessions.csv.gz), per its README:
// holdout = sessions from 2021-08-01 of the hosts with earlier sessions (main score),
// cold-start hosts scored separately. Writes douyin_task_a.csv and douyin_task_b.csv.
// The weekly refits also forecast the `calibration_weeks` weeks before August out of
// sample; those forecasts only calibrate the conformal intervals (0 … 8; the August
// forecasts do not depend on it). Errors: "calibration_weeks"; io_error/corruption.
inline constexpr int kDouyinCalibrationWeeks = 3;
Result<RealReport> evaluate_douyin(const std::filesystem::path& data_dir, const GbmParams& params,
                                   int calibration_weeks = kDouyinCalibrationWeeks);

// ---- Dominick's orange juice ------------------------------------------------------------

// Fixed origin at week 147, holdout weeks 148–160, WAPE overall and on promoted weeks
// (deal = 1 or feat > 0), naive reference, GBM without and with covariates. Writes
// dominicks_oj.csv and dominicks_oj_nocov.csv (store,brand,week,packages).
Result<RealReport> evaluate_dominicks(const std::filesystem::path& data_dir,
                                      const GbmParams& params);

}  // namespace livechain::forecast
