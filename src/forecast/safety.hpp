// src/forecast/safety.hpp — the safety rules around a session forecast (spec §2): a
// review flag when a forecast strays from the series' baseline, a circuit breaker that
// falls back to a conservative model after repeated large errors (and recovers), and a
// shadow model scored beside the active one with a promotion report.
//
// Errors are measured per finished session as the absolute percentage error
// APE = |actual − forecast| / actual (actual 0: 0 when the forecast is 0 too, else +∞).
// The classes are plain state machines: not thread safe, no clock, no I/O.
#pragma once

#include <string>

#include "core/error.hpp"

namespace livechain::forecast {

struct SafetyPolicy {
  double review_deviation_max = 0.30;  // review when |forecast − baseline| / baseline above
  double session_error_max = 0.25;     // a session is "bad" when its APE is above
  int breaker_sessions = 3;            // consecutive bad sessions of the primary → trip
  int recovery_sessions = 3;           // consecutive good sessions of the primary → recover
  int promotion_sessions_min = 10;     // shadow sessions needed before a promotion
  double promotion_gain_min = 0.05;    // shadow WAPE ≤ (1 − gain) · active WAPE to promote
};

// Errors: invalid_argument naming the field (thresholds ≤ 0 or not finite, counts < 1,
// gain outside [0, 1)).
Result<void> validate_policy(const SafetyPolicy& policy);

// APE of one session. Errors: "actual" / "forecast" negative or not finite.
Result<double> session_error(double actual, double forecast);

struct ReviewDecision {
  bool review = false;
  double deviation = 0;  // |forecast − baseline| / baseline; +∞ for a zero baseline
};

// Flags a forecast for human review when it deviates from the series' baseline (for a
// live session: the median of the host's recent sessions) by more than
// review_deviation_max. A zero baseline flags any positive forecast. Errors:
// "forecast" / "baseline" negative or not finite; policy errors.
Result<ReviewDecision> review_check(double forecast, double baseline, const SafetyPolicy& policy);

enum class ActiveModel { primary, conservative };

// The circuit breaker. It starts on the primary model. After `breaker_sessions`
// consecutive sessions whose primary APE exceeds session_error_max it trips to the
// conservative model (e.g. the median of the host's last sessions). While tripped, the
// primary keeps forecasting in the background and is scored on every session; after
// `recovery_sessions` consecutive sessions with primary APE ≤ session_error_max it is
// active again. The conservative model's own errors never trip anything (it is the
// floor of trust). REQUIRES: a valid policy (LC_ASSERT).
class CircuitBreaker {
 public:
  explicit CircuitBreaker(const SafetyPolicy& policy);

  // Records one finished session (its actual and the primary model's forecast) and
  // returns the model to use for the NEXT session. Errors: as session_error; the state
  // is unchanged on error.
  Result<ActiveModel> record(double actual, double primary_forecast);

  ActiveModel active() const { return active_; }
  int trips() const { return trips_; }
  int bad_streak() const { return bad_streak_; }
  int good_streak() const { return good_streak_; }

 private:
  SafetyPolicy policy_;
  ActiveModel active_ = ActiveModel::primary;
  int bad_streak_ = 0, good_streak_ = 0, trips_ = 0;
};

struct PromotionReport {
  int sessions = 0;
  double wape_active = 0, wape_shadow = 0;  // Σ|y − ŷ| / Σy over the recorded sessions
  double bias_active = 0, bias_shadow = 0;  // Σ(ŷ − y) / Σy
  int shadow_wins = 0;                      // sessions where the shadow's APE is lower
  int trips_active = 0, trips_shadow = 0;   // breaker trips each would have caused
  bool promote = false;
  std::string reason;  // why (not) promoted, for people

  std::string to_text() const;
};

// Scores a candidate (shadow) model beside the active one on the same sessions; the
// shadow's forecasts are never acted on. The report promotes the shadow when it has
// at least promotion_sessions_min sessions, its WAPE is at most (1 − gain) × the active
// WAPE, it wins at least half the sessions, and its own breaker would not have tripped
// more often than the active one's. REQUIRES: a valid policy (LC_ASSERT).
class ShadowEvaluator {
 public:
  explicit ShadowEvaluator(const SafetyPolicy& policy);

  // Errors: "actual" / "active_forecast" / "shadow_forecast" negative or not finite;
  // nothing is recorded on error.
  Result<void> record(double actual, double active_forecast, double shadow_forecast);

  PromotionReport report() const;

 private:
  SafetyPolicy policy_;
  CircuitBreaker breaker_active_, breaker_shadow_;
  int sessions_ = 0, shadow_wins_ = 0;
  double actual_sum_ = 0, error_active_ = 0, error_shadow_ = 0;
  double signed_active_ = 0, signed_shadow_ = 0;
};

}  // namespace livechain::forecast
