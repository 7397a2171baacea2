// The red rule (docs/alerts.md "Turnover below benchmark"): turnover per SKU × location
// from the ledger's cumulative sold units and on hand, against a configured benchmark
// or the pair's own trailing average; a clearance promotion proposal when 20% below.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>
#include <numeric>

#include "alerts/rules.hpp"

namespace livechain::alerts {

namespace json = boost::json;

RuleChange TurnoverRules::review(const std::vector<TurnoverSample>& samples, TimeMs now_ms) {
  RuleChange change;
  std::vector<engine::Command> alerts;  // journaled after every record
  json::array reviewed;
  size_t raised = 0;
  for (const TurnoverSample& sample : samples) {
    std::string key = sample.gtin + "/" + sample.location_id;
    auto found = pairs_.find(key);
    if (found == pairs_.end()) {
      if (pairs_.size() >= options_.turnover_pairs_max) continue;  // documented bound
      Pair& fresh = pairs_[key];
      fresh.at_ms = now_ms;
      fresh.sold = sample.sold_units;
      fresh.on_hand = sample.on_hand_units;
    } else {
      Pair& p = found->second;
      double average_on_hand = (static_cast<double>(p.on_hand) + sample.on_hand_units) / 2.0;
      int64_t sold = sample.sold_units - p.sold;
      if (average_on_hand > 0 && sold >= 0) {
        double turnover = static_cast<double>(sold) / average_on_hand;
        std::optional<double> benchmark;
        std::string benchmark_source;
        if (auto configured = options_.turnover_benchmarks.find(sample.gtin);
            configured != options_.turnover_benchmarks.end()) {
          benchmark = configured->second;
          benchmark_source = "configured";
        } else if (!p.history.empty()) {
          benchmark = std::accumulate(p.history.begin(), p.history.end(), 0.0) /
                      static_cast<double>(p.history.size());
          benchmark_source = "trailing_average";
        }
        json::object row{{"sku", sample.gtin},
                         {"location", sample.location_id},
                         {"turnover", turnover},
                         {"sold_units", sold},
                         {"average_on_hand", average_on_hand}};
        if (benchmark) row["benchmark"] = *benchmark;
        if (benchmark && *benchmark > 0) {
          auto alert =
              turnover_alert(sample.gtin, sample.location_id, turnover, *benchmark, options_);
          if (alert && !p.raised) {
            json::object evidence = json::parse(alert->evidence_json).as_object();
            evidence["sold_units"] = sold;
            evidence["average_on_hand"] = average_on_hand;
            evidence["window_start_ms"] = p.at_ms;
            evidence["window_end_ms"] = now_ms;
            evidence["benchmark_source"] = benchmark_source;
            alert->evidence_json = json::serialize(evidence);
            alerts.emplace_back(std::move(*alert));
            ++raised;
          } else if (!alert && p.raised) {
            alerts.emplace_back(engine::ResolveAlert{
                0,
                "turnover_below_benchmark",
                {{"location", sample.location_id}, {"sku", sample.gtin}},
                fmt::format("turnover {:.3f} back within 20% of {:.3f}", turnover, *benchmark)});
          }
          p.raised = alert.has_value();
        }
        reviewed.emplace_back(std::move(row));
        p.history.push_back(turnover);
        while (static_cast<int64_t>(p.history.size()) > options_.turnover_trailing_windows) {
          p.history.pop_front();
        }
      }
      p.at_ms = now_ms;
      p.sold = sample.sold_units;
      p.on_hand = sample.on_hand_units;
    }
    const Pair& p = pairs_.at(key);
    json::array history;
    for (double t : p.history) history.emplace_back(t);
    json::object body{{"at_ms", p.at_ms},
                      {"sold", p.sold},
                      {"on_hand", p.on_hand},
                      {"history", std::move(history)},
                      {"raised", p.raised}};
    change.commands.emplace_back(
        engine::PutRuleState{engine::RuleStateKind::turnover, key, json::serialize(body)});
  }
  for (engine::Command& alert : alerts) change.commands.push_back(std::move(alert));
  last_review_ms_ = now_ms;
  change.view = json::object{{"reviewed_at_ms", now_ms},
                             {"pairs", samples.size()},
                             {"windows_closed", reviewed.size()},
                             {"alerts_raised", raised},
                             {"turnovers", std::move(reviewed)}};
  return change;
}

Result<void> TurnoverRules::restore(const std::string& key, const std::string& body_json) {
  auto bad = [&] { return std::unexpected(bad_state("turnover " + key)); };
  boost::system::error_code ec;
  json::value v = json::parse(body_json, ec);
  if (ec || !v.is_object()) return bad();
  const json::object& o = v.get_object();
  Pair p;
  const json::value* at = o.if_contains("at_ms");
  const json::value* sold = o.if_contains("sold");
  const json::value* on_hand = o.if_contains("on_hand");
  const json::value* history = o.if_contains("history");
  const json::value* was_raised = o.if_contains("raised");
  if (!at || !at->is_int64() || !sold || !sold->is_int64() || !on_hand || !on_hand->is_int64() ||
      !history || !history->is_array() || !was_raised || !was_raised->is_bool()) {
    return bad();
  }
  p.at_ms = at->as_int64();
  p.sold = sold->as_int64();
  p.on_hand = on_hand->as_int64();
  for (const json::value& t : history->get_array()) {
    if (!t.is_number()) return bad();
    p.history.push_back(t.to_number<double>());
  }
  p.raised = was_raised->get_bool();
  last_review_ms_ = std::max(last_review_ms_, p.at_ms);
  pairs_[key] = std::move(p);
  return {};
}

}  // namespace livechain::alerts
