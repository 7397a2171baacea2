// The demo's HTTP transport: commands go to `livechain serve` as a live platform's
// integration would send them — reservations in order through POST
// /v1/reservations/batch, payments, cancellations and stock moves concurrently over
// several keep-alive connections — and the JSON answers are turned back into replies.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <thread>

#include "core/assert.hpp"
#include "engine/types.hpp"
#include "twin/demo.hpp"

namespace livechain::twin {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
using engine::Command;
using engine::Reply;

constexpr size_t kBatchReservationsMax = 1'000;  // the server's default batch limit

struct HttpCall {
  http::verb method = http::verb::post;
  std::string target;
  std::string body;  // JSON; empty for none
};

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};

// One keep-alive connection; reconnects once when the server closed it.
class Connection {
 public:
  Connection(std::string host, uint16_t port, std::string authorization)
      : host_(std::move(host)), port_(port), authorization_(std::move(authorization)) {}

  Result<HttpAnswer> call(const HttpCall& call) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      beast::error_code error;
      if (!socket_ || !socket_->is_open()) {
        socket_ = std::make_unique<tcp::socket>(io_);
        socket_->connect(tcp::endpoint(net::ip::make_address(host_), port_), error);
        if (error) return fail(ErrorCode::io_error, "server", "connect: " + error.message());
        socket_->set_option(tcp::no_delay(true));
      }
      http::request<http::string_body> request{call.method, call.target, 11};
      request.set(http::field::host, host_);
      request.set(http::field::authorization, authorization_);
      if (!call.body.empty()) request.set(http::field::content_type, "application/json");
      request.body() = call.body;
      request.prepare_payload();
      http::write(*socket_, request, error);
      http::response<http::string_body> response;
      if (!error) http::read(*socket_, buffer_, response, error);
      if (!error) {
        if (!response.keep_alive()) socket_->close(error);
        return HttpAnswer{response.result_int(), std::move(response.body())};
      }
      socket_->close(error);  // stale keep-alive connection: retry once on a new one
    }
    return fail(ErrorCode::io_error, "server", "no answer from " + host_);
  }

 private:
  std::string host_;
  uint16_t port_;
  std::string authorization_;
  net::io_context io_;
  std::unique_ptr<tcp::socket> socket_;
  beast::flat_buffer buffer_;
};

std::optional<ErrorCode> error_code_from_name(std::string_view name) {
  for (int code = 0; code <= static_cast<int>(ErrorCode::shutting_down); ++code) {
    if (error_code_name(static_cast<ErrorCode>(code)) == name) return static_cast<ErrorCode>(code);
  }
  return std::nullopt;
}

// A problem+json answer as the engine error it reports.
Error problem_error(const HttpAnswer& answer) {
  std::error_code parse_error;
  json::value value = json::parse(answer.body, parse_error);
  if (parse_error || !value.is_object()) {
    return Error{ErrorCode::io_error, "server", "HTTP " + std::to_string(answer.status)};
  }
  const json::object& problem = value.get_object();
  auto text = [&](std::string_view name) {
    const json::value* member = problem.if_contains(name);
    return member && member->is_string() ? std::string(member->get_string()) : std::string();
  };
  std::string type = text("type");
  std::string slug = type.substr(type.rfind('/') + 1);
  return Error{error_code_from_name(slug).value_or(ErrorCode::invalid_state), text("field"),
               text("detail")};
}

int64_t number(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value && value->is_number() ? value->to_number<int64_t>() : 0;
}
std::string text(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

engine::ReservationView reservation_from(const json::object& object) {
  engine::ReservationView view;
  view.reservation_id = static_cast<uint64_t>(number(object, "reservation_id"));
  view.order_id = text(object, "order_id");
  view.channel_id = text(object, "channel");
  std::string status = text(object, "status");
  view.status = status == "committed"  ? engine::ReservationStatus::committed
                : status == "released" ? engine::ReservationStatus::released
                : status == "expired"  ? engine::ReservationStatus::expired
                                       : engine::ReservationStatus::pending;
  view.expires_at_ms = number(object, "expires_at_ms");
  if (const json::value* lines = object.if_contains("lines"); lines && lines->is_array()) {
    for (const json::value& line : lines->get_array()) {
      const json::object& l = line.get_object();
      engine::ReservationLineView out{text(l, "sku"), text(l, "location"), number(l, "qty"),
                                      std::nullopt};
      if (l.contains("committed")) out.committed_units = number(l, "committed");
      view.lines.push_back(std::move(out));
    }
  }
  view.idempotent_replay = object.contains("idempotent_replay");
  return view;
}

// The reply a 2xx answer to `command` stands for.
Result<Reply> reply_from(const Command& command, const HttpAnswer& answer) {
  if (answer.status < 200 || answer.status >= 300) return std::unexpected(problem_error(answer));
  std::error_code parse_error;
  json::value value = json::parse(answer.body, parse_error);
  if (parse_error || !value.is_object()) {
    return fail(ErrorCode::io_error, "server", "unreadable answer: " + answer.body.substr(0, 80));
  }
  const json::object& o = value.get_object();
  return std::visit(
      [&](const auto& c) -> Result<Reply> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, engine::Commit> || std::is_same_v<T, engine::Release> ||
                      std::is_same_v<T, engine::Reserve> ||
                      std::is_same_v<T, engine::ExtendReservation>) {
          return Reply{reservation_from(o)};
        } else if constexpr (std::is_same_v<T, engine::ShipTransfer> ||
                             std::is_same_v<T, engine::ReceiveTransfer>) {
          engine::TransferView view{static_cast<uint64_t>(number(o, "transfer_id")),
                                    text(o, "sku"),
                                    text(o, "from"),
                                    text(o, "to"),
                                    number(o, "shipped"),
                                    std::nullopt};
          if (o.contains("received")) view.received_units = number(o, "received");
          return Reply{view};
        } else if constexpr (std::is_same_v<T, engine::ReceiveStock> ||
                             std::is_same_v<T, engine::AdjustStock> ||
                             std::is_same_v<T, engine::PlanPresale>) {
          engine::BalanceView view{text(o, "sku"), text(o, "location"), {}};
          view.balance.on_hand_units = number(o, "on_hand");
          view.balance.reserved_units = number(o, "reserved");
          return Reply{view};
        } else if constexpr (std::is_same_v<T, engine::ReceiveReturn> ||
                             std::is_same_v<T, engine::GradeReturn> ||
                             std::is_same_v<T, engine::CompleteRework>) {
          return Reply{engine::ReturnView{
              static_cast<uint64_t>(number(o, "return_id")), text(o, "sku"), text(o, "location"),
              number(o, "received"), number(o, "quarantine"), number(o, "rework"),
              number(o, "restocked"), number(o, "scrapped")}};
        } else {
          return Reply{engine::Done{}};
        }
      },
      command);
}

json::array lines_json(const std::vector<engine::LineRequest>& lines) {
  json::array out;
  for (const auto& line : lines) {
    json::object l{{"sku", line.gtin}, {"qty", line.qty_units}};
    if (line.location_id) l["location"] = *line.location_id;
    out.push_back(std::move(l));
  }
  return out;
}

json::object reserve_json(const engine::Reserve& r) {
  json::object out{{"order_id", r.order_id},
                   {"channel", r.channel_id},
                   {"lines", lines_json(r.lines)},
                   {"ttl_ms", r.ttl_ms}};
  if (r.buyer_region) out["region"] = *r.buyer_region;
  if (r.presale) out["presale"] = true;
  if (r.idempotency_key) out["idempotency_key"] = *r.idempotency_key;
  return out;
}

// The request for one command; nullopt for ExpireDue, which the server runs itself
// every second (and the engine before every command).
std::optional<HttpCall> call_for(const Command& command) {
  auto post = [](std::string target, json::object body) {
    return HttpCall{http::verb::post, std::move(target), json::serialize(body)};
  };
  auto put = [](std::string target, json::object body) {
    return HttpCall{http::verb::put, std::move(target), json::serialize(body)};
  };
  return std::visit(
      [&](const auto& c) -> std::optional<HttpCall> {
        using T = std::decay_t<decltype(c)>;
        using namespace engine;
        if constexpr (std::is_same_v<T, PutSku>) {
          return put("/v1/skus/" + c.gtin, {{"name", c.name}});
        } else if constexpr (std::is_same_v<T, PutLocation>) {
          return put("/v1/locations/" + c.location_id,
                     {{"kind", location_kind_name(c.kind)}, {"region", c.region}});
        } else if constexpr (std::is_same_v<T, PutChannel>) {
          return put("/v1/channels/" + c.channel_id, {{"kind", channel_kind_name(c.kind)}});
        } else if constexpr (std::is_same_v<T, PutRegionDistance>) {
          return put("/v1/region-distances",
                     {{"from", c.region_from}, {"to", c.region_to}, {"km", c.distance_km}});
        } else if constexpr (std::is_same_v<T, ReceiveStock>) {
          return post("/v1/receipts",
                      {{"sku", c.gtin}, {"location", c.location_id}, {"qty", c.qty_units}});
        } else if constexpr (std::is_same_v<T, AdjustStock>) {
          return post("/v1/adjustments", {{"sku", c.gtin},
                                          {"location", c.location_id},
                                          {"delta", c.delta_units},
                                          {"reason", c.reason}});
        } else if constexpr (std::is_same_v<T, PlanPresale>) {
          return put("/v1/presale-plans",
                     {{"sku", c.gtin}, {"location", c.location_id}, {"planned", c.planned_units}});
        } else if constexpr (std::is_same_v<T, Reserve>) {
          return post("/v1/reservations", reserve_json(c));
        } else if constexpr (std::is_same_v<T, Commit>) {
          json::object body;
          if (!c.lines.empty()) body["lines"] = lines_json(c.lines);
          return post("/v1/reservations/" + std::to_string(c.reservation_id) + "/commit", body);
        } else if constexpr (std::is_same_v<T, Release>) {
          return post("/v1/reservations/" + std::to_string(c.reservation_id) + "/release", {});
        } else if constexpr (std::is_same_v<T, ExtendReservation>) {
          return post("/v1/reservations/" + std::to_string(c.reservation_id) + "/extend",
                      {{"ttl_ms", c.ttl_ms}});
        } else if constexpr (std::is_same_v<T, ShipTransfer>) {
          return post("/v1/transfers", {{"sku", c.gtin},
                                        {"from", c.from_location_id},
                                        {"to", c.to_location_id},
                                        {"qty", c.qty_units}});
        } else if constexpr (std::is_same_v<T, ReceiveTransfer>) {
          json::object body;
          if (c.received_units) body["received"] = *c.received_units;
          return post("/v1/transfers/" + std::to_string(c.transfer_id) + "/receive", body);
        } else if constexpr (std::is_same_v<T, ReceiveReturn>) {
          json::object body{{"sku", c.gtin},
                            {"location", c.location_id},
                            {"qty", c.qty_units},
                            {"reason", c.reason}};
          if (c.order_id) body["order_id"] = *c.order_id;
          return post("/v1/returns", body);
        } else if constexpr (std::is_same_v<T, GradeReturn>) {
          json::object body{{"grade", return_grade_name(c.grade)}};
          if (c.qty_units) body["qty"] = *c.qty_units;
          return post("/v1/returns/" + std::to_string(c.return_id) + "/grade", body);
        } else if constexpr (std::is_same_v<T, CompleteRework>) {
          json::object body;
          if (c.qty_units) body["qty"] = *c.qty_units;
          return post("/v1/returns/" + std::to_string(c.return_id) + "/rework-done", body);
        } else {
          return std::nullopt;  // ExpireDue
        }
      },
      command);
}

// Commands of one class may run concurrently; classes run in the order given. Payments,
// cancellations, transfer receipts and receipts commute (none can make another fail);
// every other kind commutes only with itself; reservations keep their order.
enum class RunKind { reserve, local, concurrent };
size_t class_of(const Command& command) {
  if (std::holds_alternative<engine::Commit>(command) ||
      std::holds_alternative<engine::Release>(command) ||
      std::holds_alternative<engine::ReceiveTransfer>(command) ||
      std::holds_alternative<engine::ReceiveStock>(command) ||
      std::holds_alternative<engine::ExtendReservation>(command)) {
    return 1000;
  }
  return command.index();
}

class HttpTransport final : public CommandTransport {
 public:
  HttpTransport(const std::string& host, uint16_t port, const std::string& api_key,
                ManualClock& clock, size_t connections)
      : clock_(clock) {
    for (size_t i = 0; i < connections; ++i) {
      connections_.push_back(std::make_unique<Connection>(host, port, "Bearer " + api_key));
    }
  }

  Result<std::vector<Result<Reply>>> send(std::vector<Command>&& commands, TimeMs now_ms) override {
    if (closed_) return fail(ErrorCode::shutting_down, "demo", "transport closed");
    LC_ASSERT(now_ms >= clock_.now_ms());
    clock_.set_ms(now_ms);  // the server stamps these commands with simulated time
    std::vector<Result<Reply>> replies(commands.size(),
                                       fail(ErrorCode::invalid_state, "demo", "no reply"));
    size_t begin = 0;
    while (begin < commands.size()) {
      size_t end = begin + 1;
      while (end < commands.size() && class_of(commands[end]) == class_of(commands[begin])) ++end;
      Result<void> ran = std::holds_alternative<engine::Reserve>(commands[begin])
                             ? reserve_in_order(commands, begin, end, replies)
                             : run_concurrently(commands, begin, end, replies);
      if (!ran) return std::unexpected(ran.error());
      begin = end;
    }
    return replies;
  }

  Result<std::vector<int64_t>> available_units(
      const std::vector<std::string>& gtins,
      const std::vector<std::string>& location_ids) override {
    std::vector<int64_t> out(gtins.size() * location_ids.size(), 0);
    for (size_t g = 0; g < gtins.size(); ++g) {
      auto answer = connections_[0]->call({http::verb::get, "/v1/stock/" + gtins[g], ""});
      if (!answer) return std::unexpected(answer.error());
      if (answer->status == 404) continue;
      if (answer->status != 200) return std::unexpected(problem_error(*answer));
      const json::value stock = json::parse(answer->body);
      for (const json::value& row : stock.at("locations").as_array()) {
        std::string location = text(row.as_object(), "location");
        for (size_t l = 0; l < location_ids.size(); ++l) {
          if (location_ids[l] == location) {
            out[g * location_ids.size() + l] = number(row.as_object(), "available");
          }
        }
      }
    }
    return out;
  }

  Result<TimeMs> engine_now_ms() override {
    auto answer = connections_[0]->call({http::verb::get, "/v1/ledger/head", ""});
    if (!answer) return std::unexpected(answer.error());
    if (answer->status != 200) return std::unexpected(problem_error(*answer));
    return number(json::parse(answer->body).as_object(), "time_ms");
  }

  void close() override { closed_ = true; }

 private:
  Result<void> reserve_in_order(std::vector<Command>& commands, size_t begin, size_t end,
                                std::vector<Result<Reply>>& replies) {
    for (size_t chunk = begin; chunk < end; chunk += kBatchReservationsMax) {
      size_t chunk_end = std::min(end, chunk + kBatchReservationsMax);
      json::array items;
      for (size_t i = chunk; i < chunk_end; ++i) {
        items.push_back(reserve_json(std::get<engine::Reserve>(commands[i])));
      }
      auto answer = connections_[0]->call(
          {http::verb::post, "/v1/reservations/batch",
           json::serialize(json::object{{"reservations", std::move(items)}})});
      if (!answer) return std::unexpected(answer.error());
      if (answer->status != 200) return std::unexpected(problem_error(*answer));
      const json::value parsed = json::parse(answer->body);
      const json::array& results = parsed.at("results").as_array();
      if (results.size() != chunk_end - chunk) {
        return fail(ErrorCode::invalid_state, "server", "batch answer has the wrong length");
      }
      for (size_t k = 0; k < results.size(); ++k) {
        const json::object& result = results[k].as_object();
        unsigned status = static_cast<unsigned>(number(result, "status"));
        if (status == 201) {
          replies[chunk + k] = Reply{reservation_from(result.at("reservation").as_object())};
        } else {
          replies[chunk + k] = std::unexpected(
              problem_error(HttpAnswer{status, json::serialize(result.at("problem"))}));
        }
      }
    }
    return {};
  }

  Result<void> run_concurrently(std::vector<Command>& commands, size_t begin, size_t end,
                                std::vector<Result<Reply>>& replies) {
    size_t workers = std::min(connections_.size(), end - begin);
    std::vector<std::optional<Error>> failures(workers);
    auto work = [&](size_t worker) {
      for (size_t i = begin + worker; i < end; i += workers) {
        auto call = call_for(commands[i]);
        if (!call) {
          replies[i] = Reply{engine::ExpiredView{}};
          continue;
        }
        auto answer = connections_[worker]->call(*call);
        if (!answer) {
          failures[worker] = answer.error();
          return;
        }
        replies[i] = reply_from(commands[i], *answer);
      }
    };
    if (workers == 1) {
      work(0);
    } else {
      std::vector<std::thread> threads;
      for (size_t worker = 0; worker < workers; ++worker) threads.emplace_back(work, worker);
      for (std::thread& thread : threads) thread.join();
    }
    for (auto& failure : failures) {
      if (failure) return std::unexpected(*failure);
    }
    return {};
  }

  ManualClock& clock_;
  std::vector<std::unique_ptr<Connection>> connections_;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<CommandTransport>> open_http_transport(const std::string& host,
                                                              uint16_t port,
                                                              const std::string& api_key,
                                                              ManualClock& clock,
                                                              size_t connections) {
  if (connections == 0) return fail(ErrorCode::invalid_argument, "connections", "must be >= 1");
  auto transport = std::make_unique<HttpTransport>(host, port, api_key, clock, connections);
  if (auto now = transport->engine_now_ms(); !now) return std::unexpected(now.error());
  return std::unique_ptr<CommandTransport>(std::move(transport));
}

}  // namespace livechain::twin
