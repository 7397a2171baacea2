// API v1, recalls (issue 12 §5).
//
//   POST /v1/recalls         {"batch": <batch id>, "reason"} → 201 the recall report
//                            (200 when the batch was already recalled: nothing changes)
//   GET  /v1/recalls/{batch} → 200 the recall report; 404 when the batch is not recalled
//
// One engine command locks the batch everywhere at once (src/engine/batch_stock.cpp);
// the answer is sent once it is durable, with the report read right after it and the
// time from the request to the durable lock. Each channel that sold the batch or holds
// an open reservation where it lies gets a red `batch_recalled` alert, which reaches
// people through the alert routes, webhooks and e-mail. Transport only.
#include <fmt/format.h>

#include <chrono>
#include <set>

#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"
#include "server/request_parsing.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {

constexpr std::string_view kRecallAlertKind = "batch_recalled";

Result<RecallBatch> parse_recall(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"batch", "reason"}, ""));
  LC_TRY(batch_id, required_integer(body, "batch", "", 1, INT64_MAX));
  LC_TRY(reason, required_string(body, "reason", ""));
  return RecallBatch{static_cast<uint64_t>(batch_id), std::move(reason)};
}

// Order ids link to buyers: roles that may not read reservations get the counts,
// places and regions only.
json::object recall_report_json(const RecallReport& report, bool show_orders) {
  json::object out{{"batch", batch_json(report.batch)}};
  int64_t held = 0;
  json::array places;
  for (const RecallReport::Place& p : report.places) {
    held += p.held_units;
    places.push_back(json::object{{"location", p.location_id},
                                  {"region", p.region},
                                  {"quarantined_units", p.quarantined_units},
                                  {"held_units", p.held_units}});
  }
  out["quarantined_units"] = report.batch.quarantined_units;
  out["held_units"] = held;
  out["in_transit_units"] = report.in_transit_units;
  out["locations"] = std::move(places);
  json::array open;
  for (const RecallReport::OpenReservation& r : report.open_reservations) {
    json::object o{{"reservation_id", r.reservation_id},
                   {"channel", r.channel_id},
                   {"location", r.location_id},
                   {"qty", r.qty_units}};
    if (show_orders) o["order_id"] = r.order_id;
    open.push_back(std::move(o));
  }
  out["open_reservations"] = std::move(open);
  json::array orders;
  for (const RecallReport::Sale& sale : report.sales) {
    json::object o{{"channel", sale.channel_id},
                   {"location", sale.location_id},
                   {"region", sale.region},
                   {"units", sale.units}};
    if (show_orders) {
      o["order_id"] = sale.order_id;
      o["reservation_id"] = sale.reservation_id;
      json::array serials;
      for (uint64_t serial : sale.serials) serials.push_back(serial);
      o["serials"] = std::move(serials);
    }
    orders.push_back(std::move(o));
  }
  out["affected_orders"] = std::move(orders);
  out["affected_orders_total"] = report.sales_total;
  out["affected_orders_truncated"] = static_cast<int64_t>(report.sales.size()) < report.sales_total;
  json::array regions, channels;
  for (const auto& [region, units] : report.sold_units_by_region) {
    regions.push_back(json::object{{"region", region}, {"units", units}});
  }
  for (const auto& [channel, units] : report.sold_units_by_channel) {
    channels.push_back(json::object{{"channel", channel}, {"units", units}});
  }
  out["regions"] = std::move(regions);
  out["channels"] = std::move(channels);
  return out;
}

// The channels to tell: those that sold the batch and those holding it in open orders.
std::vector<std::string> channels_to_notify(const RecallReport& report) {
  std::set<std::string> channels;
  for (const auto& [channel, units] : report.sold_units_by_channel) channels.insert(channel);
  for (const RecallReport::OpenReservation& r : report.open_reservations) {
    channels.insert(r.channel_id);
  }
  return {channels.begin(), channels.end()};
}

std::vector<Command> recall_alerts(const RecallReport& report,
                                   const std::vector<std::string>& channels) {
  std::vector<Command> alerts;
  for (const std::string& channel : channels) {
    int64_t sold = 0, open = 0;
    for (const auto& [name, units] : report.sold_units_by_channel) {
      if (name == channel) sold = units;
    }
    for (const RecallReport::OpenReservation& r : report.open_reservations) {
      if (r.channel_id == channel) ++open;
    }
    json::object evidence{{"batch_id", report.batch.batch_id},
                          {"reason", report.batch.recall_reason},
                          {"sold_units", sold},
                          {"open_reservations", open},
                          {"report", fmt::format("/v1/recalls/{}", report.batch.batch_id)}};
    alerts.push_back(RaiseAlert{
        std::string(kRecallAlertKind), AlertSeverity::red,
        AlertSubject{{"sku", report.batch.gtin}, {"lot", report.batch.lot}, {"channel", channel}},
        json::serialize(evidence), ""});
  }
  return alerts;
}

int64_t elapsed_us(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace

void Api::recall_get(const Params& params, const Caller& caller, Respond respond) {
  auto id = parse_path_id("batch", params.at(0));
  if (!id) {
    return respond(problem_from_error(
        Error{ErrorCode::not_found, "batch", fmt::format("no batch '{}'", params.at(0))},
        ErrorOrigin::path));
  }
  const bool show_orders = role_allows(caller.role, Permission::reservations_read);
  auto read = deps_.sequencer->read_async([id = *id, show_orders, respond](const Engine& engine) {
    auto report = engine.recall_report(id);
    if (!report) return respond(problem_from_error(report.error(), ErrorOrigin::path));
    if (!report->batch.recalled) {
      return respond(problem_from_error(
          Error{ErrorCode::not_found, "batch", fmt::format("batch {} is not recalled", id)},
          ErrorOrigin::path));
    }
    respond(json_response(200, recall_report_json(*report, show_orders)));
  });
  if (!read) respond(problem_from_error(read.error()));
}

void Api::recall_create(ApiRequest& request, const Caller& caller, Respond respond) {
  const auto started = std::chrono::steady_clock::now();
  const TimeMs started_ms = SystemClock().now_ms();
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  auto recall = parse_recall(*body);
  if (!recall) return respond(problem_from_error(recall.error()));
  const bool show_orders = role_allows(caller.role, Permission::reservations_read);
  const uint64_t batch_id = recall->batch_id;
  engine::Sequencer* sequencer = deps_.sequencer;
  auto run_blocking = deps_.run_blocking;
  auto submitted =
      sequencer->submit(std::vector<Command>{std::move(*recall)}, [=](Replies&& replies) {
        if (replies.empty() || !replies[0]) {
          return respond(problem_from_error(replies.empty()
                                                ? Error{ErrorCode::shutting_down, "", "not applied"}
                                                : replies[0].error()));
        }
        const int64_t locked_us = elapsed_us(started);
        // Recalled before this request arrived: a repeat, answered 200, alerting nobody.
        const auto& view = std::get<BatchView>(*replies[0]);
        const bool repeat = view.recalled_at_ms < started_ms;
        auto read = sequencer->read_async([=](const Engine& engine) {
          auto report = engine.recall_report(batch_id);
          if (!report) return respond(problem_from_error(report.error()));
          // The JSON and the alerts are made on the worker, not the engine thread.
          run_blocking([=, report = std::move(*report)] {
            json::object out = recall_report_json(report, show_orders);
            out["recall_to_locked_ms"] = static_cast<double>(locked_us) / 1000.0;
            if (repeat) return respond(json_response(200, std::move(out)));
            std::vector<std::string> channels = channels_to_notify(report);
            json::array notified;
            for (const std::string& channel : channels) notified.push_back(json::string(channel));
            out["notified_channels"] = std::move(notified);
            auto alerts = recall_alerts(report, channels);
            if (alerts.empty()) return respond(json_response(201, std::move(out)));
            auto shared = std::make_shared<json::object>(std::move(out));
            auto raised = sequencer->submit(std::move(alerts), [shared, respond](Replies&& done) {
              for (const auto& reply : done) {
                if (!reply) (*shared)["alert_error"] = reply.error().to_string();
              }
              respond(json_response(201, std::move(*shared)));
            });
            if (!raised) respond(problem_from_error(raised.error()));
          });
        });
        if (!read) respond(problem_from_error(read.error()));
      });
  if (!submitted) respond(problem_from_error(submitted.error()));
}

}  // namespace livechain::server
