// src/forecast/nowcast.hpp — the in-session nowcaster (funnel model): updates a live
// session's total forecast minute by minute from the viewers, add-to-cart and units
// reserved so far and the pre-session forecast, for the alert rules to use.
//
// Model (fitted on finished sessions, nowcast_fit):
//  - per signal (viewers, add-to-cart, units), the mean cumulative share of the session
//    total reached by each fraction of the session's planned duration (kProfileBins
//    bins, so sessions of 60 and 480 minutes share one profile);
//  - per signal, its session total per unit of the target (median over sessions), which
//    turns the pre-session forecast P into an expected signal path P·rate·F(t);
//  - the target per unit reserved (payment rate: not every reserved unit is paid).
// At minute t, each signal gives a log pace ratio l = log((observed + ½)/(expected + ½));
// their weighted mean is trusted with weight c = F(t)/(F(t) + k), and
//     total(t) = target already secured + P·exp(c·l)·(1 − F(t)),
// so at t = 0 the nowcast is P and at the end it is what was reserved × the payment
// rate. The weights and k are chosen on the training sessions by per-minute WAPE.
#pragma once

#include <array>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "forecast/forecast.hpp"

namespace livechain::forecast {

inline constexpr int kProfileBins = 100;
inline constexpr int kSessionMinutesMax = 24 * 60;
inline constexpr int kNowcastSignals = 3;  // viewers, add-to-cart, units reserved

// What happened in one session minute (counts in that minute, not cumulative).
struct MinuteSignals {
  double viewers = 0, add_to_cart = 0, units = 0;
};

struct SessionRecord {
  int duration_min = 0;     // planned length (the minutes vector may be shorter or longer)
  double prior_total = 0;   // the pre-session forecast of the target
  double actual_total = 0;  // the target (e.g. units sold) when the session ended
  std::vector<MinuteSignals> minutes;
};

struct NowcastModel {
  // share[s][b]: mean share of signal s's session total reached by fraction b/kProfileBins.
  std::array<std::vector<double>, kNowcastSignals> share;
  std::array<double, kNowcastSignals> per_target{};  // signal total / target (median)
  std::array<double, kNowcastSignals> weight{};      // weights of the pace ratios (sum 1)
  double target_per_unit = 1;                        // target / units reserved (median)
  double credibility_k = 0.1;
  int sessions = 0;
};

// Fits the model. Errors: "sessions" empty (fewer than 2); "duration_min" outside
// [1, kSessionMinutesMax]; "actual_total"/"prior_total" negative or not finite;
// "minutes" with a negative or non-finite value or longer than kSessionMinutesMax.
Result<NowcastModel> nowcast_fit(std::span<const SessionRecord> training);

// The session total forecast after the observed minutes `so_far` (minute 0 first) of
// a session of `duration_min` planned minutes with pre-session forecast `prior_total`.
// Errors: "prior_total" negative or not finite; "duration_min" outside
// [1, kSessionMinutesMax]; "minutes" longer than kSessionMinutesMax or with a negative
// or non-finite value.
Result<double> nowcast_total(const NowcastModel& model, double prior_total, int duration_min,
                             std::span<const MinuteSignals> so_far);

// The same nowcast from cumulative counts: `totals` are the sums of the session's
// signals so far and `elapsed_min` (fractional, ≥ 0) the minutes since its start, so a
// live caller keeps three sums per session instead of every minute. nowcast_total(m,
// P, d, so_far) equals nowcast_from_totals(m, P, d, Σ so_far, so_far.size()). Errors:
// "prior_total", "duration_min" as nowcast_total; "totals" negative or not finite;
// "elapsed_min" negative or not finite.
Result<double> nowcast_from_totals(const NowcastModel& model, double prior_total, int duration_min,
                                   const MinuteSignals& totals, double elapsed_min);

// The nowcast after every minute of a finished session: result[t] uses minutes 0 … t.
// Errors as nowcast_total.
Result<std::vector<double>> nowcast_path(const NowcastModel& model, const SessionRecord& session);

// Parses the twin's history text (docs/twin.md: sessions.csv and signals.csv) into
// session records: target = units_sold, duration = duration_min, prior = the column
// `prior_column` of sessions.csv ("forecast_units" is the planner's pre-session
// forecast); minutes from signals.csv (viewers, add_to_cart, units_reserved). Errors:
// corruption naming the file, line and column.
Result<std::vector<SessionRecord>> parse_twin_history(const std::string& sessions_csv,
                                                      const std::string& signals_csv,
                                                      const std::string& prior_column);

// The model file (docs/forecasting.md "Nowcast model file"): text, "LCNM 1", then one
// "name values…" line per field of NowcastModel, then "end"; doubles in their shortest
// round-trip form, so a loaded model nowcasts identically. Errors: io_error naming the
// file.
Result<void> save_nowcast_model(const NowcastModel& model, const std::filesystem::path& file);
// Errors: io_error (unreadable); corruption naming the file and line (another version,
// a missing or malformed field, a profile that is not kProfileBins + 1 values in [0, 1],
// weights that are negative or sum to 0).
Result<NowcastModel> load_nowcast_model(const std::filesystem::path& file);

}  // namespace livechain::forecast

namespace livechain::forecast {

// Scores the nowcaster on simulated sessions (`dataset` labels the rows): fits on
// `train`, then on `test` reports WAPE of the session totals of the pre-session
// forecasts alone (task "session-total": "history-median" = median of the training
// totals; "pre-session" = each session's prior_total; "pre-session-calibrated" = that
// times the median actual/prior ratio of the training sessions), and of the nowcast
// after every minute (task "per-minute") and at 25% / 50% of the planned duration
// ("at-25%", "at-50%"), started from the calibrated prior ("nowcast") or from the
// history median ("nowcast-history"). Errors: those of nowcast_fit; "test" empty or
// with zero total demand.
Result<std::vector<MethodScore>> evaluate_nowcast(const std::string& dataset,
                                                  std::span<const SessionRecord> train,
                                                  std::span<const SessionRecord> test);

}  // namespace livechain::forecast
