// Review flag, circuit breaker and shadow evaluation (safety.hpp).
#include "forecast/safety.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/assert.hpp"

namespace livechain::forecast {

namespace {

Result<void> check_amount(const char* field, double value) {
  if (!std::isfinite(value) || value < 0) {
    return fail(ErrorCode::invalid_argument, field, "must be finite and ≥ 0");
  }
  return {};
}

}  // namespace

Result<void> validate_policy(const SafetyPolicy& p) {
  if (!(p.review_deviation_max > 0) || !std::isfinite(p.review_deviation_max)) {
    return fail(ErrorCode::invalid_argument, "review_deviation_max", "must be finite and > 0");
  }
  if (!(p.session_error_max > 0) || !std::isfinite(p.session_error_max)) {
    return fail(ErrorCode::invalid_argument, "session_error_max", "must be finite and > 0");
  }
  if (p.breaker_sessions < 1) return fail(ErrorCode::invalid_argument, "breaker_sessions", "< 1");
  if (p.recovery_sessions < 1) {
    return fail(ErrorCode::invalid_argument, "recovery_sessions", "< 1");
  }
  if (p.promotion_sessions_min < 1) {
    return fail(ErrorCode::invalid_argument, "promotion_sessions_min", "< 1");
  }
  if (!(p.promotion_gain_min >= 0 && p.promotion_gain_min < 1)) {
    return fail(ErrorCode::invalid_argument, "promotion_gain_min", "must be within [0, 1)");
  }
  return {};
}

Result<double> session_error(double actual, double forecast) {
  if (auto ok = check_amount("actual", actual); !ok) return std::unexpected(ok.error());
  if (auto ok = check_amount("forecast", forecast); !ok) return std::unexpected(ok.error());
  if (actual == 0) return forecast == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::abs(actual - forecast) / actual;
}

Result<ReviewDecision> review_check(double forecast, double baseline, const SafetyPolicy& policy) {
  if (auto ok = validate_policy(policy); !ok) return std::unexpected(ok.error());
  if (auto ok = check_amount("forecast", forecast); !ok) return std::unexpected(ok.error());
  if (auto ok = check_amount("baseline", baseline); !ok) return std::unexpected(ok.error());
  ReviewDecision decision;
  if (baseline == 0) {
    decision.deviation = forecast == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  } else {
    decision.deviation = std::abs(forecast - baseline) / baseline;
  }
  decision.review = decision.deviation > policy.review_deviation_max;
  return decision;
}

CircuitBreaker::CircuitBreaker(const SafetyPolicy& policy) : policy_(policy) {
  LC_ASSERT(validate_policy(policy).has_value());
}

Result<ActiveModel> CircuitBreaker::record(double actual, double primary_forecast) {
  const auto error = session_error(actual, primary_forecast);
  if (!error) return std::unexpected(error.error());
  const bool bad = *error > policy_.session_error_max;
  bad_streak_ = bad ? bad_streak_ + 1 : 0;
  good_streak_ = bad ? 0 : good_streak_ + 1;
  if (active_ == ActiveModel::primary && bad_streak_ >= policy_.breaker_sessions) {
    active_ = ActiveModel::conservative;
    ++trips_;
    good_streak_ = 0;
  } else if (active_ == ActiveModel::conservative && good_streak_ >= policy_.recovery_sessions) {
    active_ = ActiveModel::primary;
    bad_streak_ = 0;
  }
  LC_ASSERT(bad_streak_ == 0 || good_streak_ == 0);
  return active_;
}

ShadowEvaluator::ShadowEvaluator(const SafetyPolicy& policy)
    : policy_(policy), breaker_active_(policy), breaker_shadow_(policy) {}

Result<void> ShadowEvaluator::record(double actual, double active_forecast,
                                     double shadow_forecast) {
  const auto error_active = session_error(actual, active_forecast);
  if (!error_active) {
    Error e = error_active.error();
    if (e.field == "forecast") e.field = "active_forecast";
    return std::unexpected(e);
  }
  const auto error_shadow = session_error(actual, shadow_forecast);
  if (!error_shadow) {
    Error e = error_shadow.error();
    if (e.field == "forecast") e.field = "shadow_forecast";
    return std::unexpected(e);
  }
  // Both inputs were validated above, so the breakers cannot refuse them.
  const bool recorded = breaker_active_.record(actual, active_forecast).has_value() &&
                        breaker_shadow_.record(actual, shadow_forecast).has_value();
  LC_ASSERT(recorded);
  ++sessions_;
  shadow_wins_ += *error_shadow < *error_active ? 1 : 0;
  actual_sum_ += actual;
  error_active_ += std::abs(actual - active_forecast);
  error_shadow_ += std::abs(actual - shadow_forecast);
  signed_active_ += active_forecast - actual;
  signed_shadow_ += shadow_forecast - actual;
  return {};
}

PromotionReport ShadowEvaluator::report() const {
  PromotionReport r;
  r.sessions = sessions_;
  r.shadow_wins = shadow_wins_;
  r.trips_active = breaker_active_.trips();
  r.trips_shadow = breaker_shadow_.trips();
  const double total = actual_sum_ > 0 ? actual_sum_ : NAN;
  r.wape_active = error_active_ / total, r.wape_shadow = error_shadow_ / total;
  r.bias_active = signed_active_ / total, r.bias_shadow = signed_shadow_ / total;
  if (sessions_ < policy_.promotion_sessions_min) {
    r.reason =
        fmt::format("only {} of {} sessions scored", sessions_, policy_.promotion_sessions_min);
  } else if (!(actual_sum_ > 0)) {
    r.reason = "no demand in the scored sessions";
  } else if (!(r.wape_shadow <= (1 - policy_.promotion_gain_min) * r.wape_active)) {
    r.reason = fmt::format("shadow WAPE {:.3f} is not {:.0f}% below active {:.3f}", r.wape_shadow,
                           100 * policy_.promotion_gain_min, r.wape_active);
  } else if (2 * shadow_wins_ < sessions_) {
    r.reason = fmt::format("shadow wins only {} of {} sessions", shadow_wins_, sessions_);
  } else if (r.trips_shadow > r.trips_active) {
    r.reason = fmt::format("shadow would have tripped the breaker {} times (active {})",
                           r.trips_shadow, r.trips_active);
  } else {
    r.promote = true;
    r.reason = fmt::format("shadow WAPE {:.3f} vs active {:.3f}, wins {} of {} sessions",
                           r.wape_shadow, r.wape_active, shadow_wins_, sessions_);
  }
  return r;
}

std::string PromotionReport::to_text() const {
  return fmt::format(
      "sessions {}\nWAPE active {:.3f} shadow {:.3f}\nbias active {:+.3f} shadow {:+.3f}\n"
      "shadow wins {}\nbreaker trips active {} shadow {}\npromote {}: {}\n",
      sessions, wape_active, wape_shadow, bias_active, bias_shadow, shadow_wins, trips_active,
      trips_shadow, promote ? "yes" : "no", reason);
}

}  // namespace livechain::forecast
