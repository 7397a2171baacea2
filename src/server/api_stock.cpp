// API v1: stock queries, catalog, movements and CSV imports.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
// Cursor of GET /v1/stock: "<sku index>.<row index>" of the next row to return.
struct StockCursor {
  size_t sku = 0;
  size_t row = 0;
};
std::optional<StockCursor> parse_cursor(std::string_view text) {
  StockCursor cursor;
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto first = std::from_chars(text.data(), text.data() + dot, cursor.sku);
  auto second = std::from_chars(text.data() + dot + 1, text.data() + text.size(), cursor.row);
  if (first.ec != std::errc() || first.ptr != text.data() + dot || second.ec != std::errc() ||
      second.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return cursor;
}

// Result<T> → Result<Command> (libstdc++ 12 has no std::expected::transform).
template <class T>
Result<Command> as_command(Result<T>&& parsed) {
  if (!parsed) return std::unexpected(std::move(parsed.error()));
  return Command{std::move(*parsed)};
}

template <class T>
Result<Reply> as_reply(Result<T>&& view) {
  if (!view) return std::unexpected(std::move(view.error()));
  return Reply{std::move(*view)};
}

Result<uint64_t> path_id(std::string_view what, const std::vector<std::string>& params) {
  auto id = parse_path_id("id", params.at(0));
  if (!id) return fail(ErrorCode::not_found, "id", fmt::format("no {} '{}'", what, params.at(0)));
  return id;
}
}  // namespace

void Api::stock_of_sku(const Params& params, Respond respond) {
  auto gtin = gtin_from_text("sku", params.at(0));
  if (!gtin) return respond(problem(404, "not_found", "Not found", gtin.error().detail, "sku"));
  auto read = deps_.sequencer->read_async([gtin = *gtin, respond](const Engine& engine) {
    auto sku = engine.state().find_sku(gtin);
    if (!sku) return respond(problem(404, "not_found", "Not found", "unknown sku " + gtin, "sku"));
    respond(json_response(200, sku_stock_json(engine.state(), *sku)));
  });
  if (!read) respond(problem_from_error(read.error()));
}

void Api::stock_list(const ApiRequest& request, Respond respond) {
  size_t limit = std::min<size_t>(100, deps_.page_size_max);
  if (const std::string* text = request.query_value("limit")) {
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (error != std::errc() || end != text->data() + text->size() || limit == 0 ||
        limit > deps_.page_size_max) {
      return respond(problem(422, "invalid_argument", "Invalid argument",
                             fmt::format("must be 1..{}", deps_.page_size_max), "limit"));
    }
  }
  StockCursor cursor;
  if (const std::string* text = request.query_value("cursor")) {
    auto parsed = parse_cursor(*text);
    if (!parsed) {
      return respond(problem(422, "invalid_argument", "Invalid argument",
                             "not a cursor from an earlier page", "cursor"));
    }
    cursor = *parsed;
  }
  std::optional<std::string> location_filter;
  std::optional<std::string> region_filter;
  if (const std::string* text = request.query_value("location")) location_filter = *text;
  if (const std::string* text = request.query_value("region")) region_filter = *text;
  auto read = deps_.sequencer->read_async([=](const Engine& engine) {
    const LedgerState& state = engine.state();
    std::optional<LocationIndex> location;
    std::optional<uint32_t> region;
    if (location_filter) {
      location = state.find_location(*location_filter);
      if (!location) {
        return respond(problem(422, "not_found", "Unknown location",
                               "no location " + *location_filter, "location"));
      }
    }
    if (region_filter) {
      region = state.find_region(*region_filter);
      if (!region) {
        return respond(
            problem(422, "not_found", "Unknown region", "no region " + *region_filter, "region"));
      }
    }
    json::array items;
    std::optional<StockCursor> next;
    for (size_t sku = cursor.sku; sku < state.skus().size() && !next; ++sku) {
      const auto& refs = state.balance_refs_of_sku(static_cast<SkuIndex>(sku));
      for (size_t row = sku == cursor.sku ? cursor.row : 0; row < refs.size(); ++row) {
        const LocationRecord& record = state.locations()[refs[row].location];
        if (location && refs[row].location != *location) continue;
        if (region && record.region != *region) continue;
        if (items.size() == limit) {
          next = StockCursor{sku, row};
          break;
        }
        json::object item = balance_json(BalanceView{state.skus()[sku].gtin, record.location_id,
                                                     state.balance_at(refs[row].balance_index)});
        item["region"] = state.regions()[record.region];
        items.push_back(std::move(item));
      }
    }
    json::object out{{"items", std::move(items)}};
    out["next_cursor"] =
        next ? json::value(fmt::format("{}.{}", next->sku, next->row)) : json::value();
    respond(json_response(200, out));
  });
  if (!read) respond(problem_from_error(read.error()));
}

void Api::catalog_put(RouteId route, const Params& params, ApiRequest& request, Respond respond) {
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  Result<Command> command = fail(ErrorCode::invalid_argument, "", "");
  json::object echo;
  switch (route) {
    case RouteId::sku_put: {
      auto put = parse_put_sku(params.at(0), *body);
      if (put) echo = json::object{{"sku", put->gtin}, {"name", put->name}};
      command = as_command(std::move(put));
      break;
    }
    case RouteId::location_put: {
      auto put = parse_put_location(params.at(0), *body);
      if (put) {
        echo = json::object{{"location", put->location_id},
                            {"kind", std::string(location_kind_name(put->kind))},
                            {"region", put->region}};
      }
      command = as_command(std::move(put));
      break;
    }
    case RouteId::channel_put: {
      auto put = parse_put_channel(params.at(0), *body);
      if (put) {
        echo = json::object{{"channel", put->channel_id},
                            {"kind", std::string(channel_kind_name(put->kind))}};
      }
      command = as_command(std::move(put));
      break;
    }
    default: {
      auto put = parse_region_distance(*body);
      if (put) {
        echo = json::object{
            {"from", put->region_from}, {"to", put->region_to}, {"km", put->distance_km}};
      }
      command = as_command(std::move(put));
    }
  }
  if (!command) return respond(problem_from_error(command.error()));
  submit(
      std::move(*command), respond, [echo](Reply&&) { return json_response(200, echo); },
      ErrorOrigin::body, request.idempotency_key);
}

void Api::movement(RouteId route, const Params& params, ApiRequest& request, Respond respond) {
  if (route == RouteId::transfer_get || route == RouteId::return_get) {
    bool transfer = route == RouteId::transfer_get;
    auto id = path_id(transfer ? "transfer" : "return", params);
    if (!id) return respond(problem_from_error(id.error(), ErrorOrigin::path));
    auto read = deps_.sequencer->read_async([id = *id, transfer, respond](const Engine& engine) {
      Result<Reply> view =
          transfer ? as_reply(engine.transfer(id)) : as_reply(engine.return_view(id));
      if (!view) return respond(problem_from_error(view.error(), ErrorOrigin::path));
      respond(json_response(200, reply_json(*view)));
    });
    if (!read) respond(problem_from_error(read.error()));
    return;
  }
  auto body = parse_json_object(
      request.body, deps_.limits,
      /*allow_empty=*/route == RouteId::transfer_receive || route == RouteId::return_rework_done);
  if (!body) return respond(malformed_body(body.error()));
  Result<Command> command = fail(ErrorCode::invalid_argument, "", "");
  unsigned status = 200;
  ErrorOrigin origin = ErrorOrigin::body;
  switch (route) {
    case RouteId::receipt_create:
      command = as_command(parse_receipt(*body));
      status = 201;
      break;
    case RouteId::adjustment_create:
      command = as_command(parse_adjustment(*body));
      status = 201;
      break;
    case RouteId::presale_plan_put:
      command = as_command(parse_presale_plan(*body));
      break;
    case RouteId::transfer_create:
      command = as_command(parse_transfer(*body));
      status = 201;
      break;
    case RouteId::return_create:
      command = as_command(parse_return(*body));
      status = 201;
      break;
    default: {
      bool transfer = route == RouteId::transfer_receive || route == RouteId::transfer_reroute;
      auto id = path_id(transfer ? "transfer" : "return", params);
      if (!id) return respond(problem_from_error(id.error(), ErrorOrigin::path));
      origin = ErrorOrigin::path;
      if (route == RouteId::transfer_reroute) {
        command = as_command(parse_transfer_reroute(*id, *body));
      } else if (transfer) {
        command = as_command(parse_transfer_receipt(*id, *body));
      } else if (route == RouteId::return_grade) {
        command = as_command(parse_grade_request(*id, *body));
      } else {
        command = as_command(parse_rework_done(*id, *body));
      }
    }
  }
  if (!command) return respond(problem_from_error(command.error()));
  submit(
      std::move(*command), respond,
      [status](Reply&& reply) { return json_response(status, reply_json(reply)); }, origin,
      request.idempotency_key);
}

void Api::import_bulk(const Params& params, ApiRequest& request, Respond respond) {
  auto kind = parse_import_kind(params.at(0));
  if (!kind) {
    return respond(problem(404, "not_found", "Not found",
                           "no import '" + params.at(0) + "'; use skus, locations or stock",
                           "kind"));
  }
  auto rows = parse_csv_import(*kind, request.body, deps_.limits);
  if (!rows) {
    if (rows.error().code == ErrorCode::limit_exceeded) {
      return respond(problem(413, "too_many_rows", "Too many rows", rows.error().detail, "body"));
    }
    return respond(problem_from_error(rows.error()));
  }
  auto errors = std::make_shared<json::array>();
  std::vector<size_t> submitted_lines;
  std::vector<Command> commands;
  size_t row_count = rows->size();
  auto row_error = [](size_t line, const Error& error) {
    return json::object{{"line", line},
                        {"field", api_field_name(error.field)},
                        {"status", status_for_error(error, ErrorOrigin::body)},
                        {"code", std::string(error_code_name(error.code))},
                        {"detail", error.detail}};
  };
  for (ImportRow& row : *rows) {
    if (!row.command) {
      errors->push_back(row_error(row.line, row.command.error()));
      continue;
    }
    submitted_lines.push_back(row.line);
    commands.push_back(with_idempotency_key(
        std::move(*row.command),
        request.idempotency_key.empty() ? "" : derived_key(request.idempotency_key, row.line)));
  }
  std::string kind_name = params.at(0);
  auto answer = [errors, row_count, kind_name, respond](size_t applied) {
    std::sort(errors->begin(), errors->end(), [](const json::value& a, const json::value& b) {
      return a.at("line").to_number<uint64_t>() < b.at("line").to_number<uint64_t>();
    });
    respond(json_response(200, json::object{{"import", kind_name},
                                            {"rows", row_count},
                                            {"applied", applied},
                                            {"rejected", errors->size()},
                                            {"errors", std::move(*errors)}}));
  };
  if (commands.empty()) return answer(0);
  auto shared_commands = std::make_shared<std::vector<Command>>(std::move(commands));
  claim_key(request, respond,
            [this, shared_commands, errors, submitted_lines, row_error, answer, respond] {
              auto submitted = submit_commands(
                  std::move(*shared_commands),
                  [errors, submitted_lines, row_error, answer](Replies&& replies) {
                    size_t applied = 0;
                    for (size_t k = 0; k < replies.size(); ++k) {
                      if (replies[k]) {
                        ++applied;
                      } else {
                        errors->push_back(row_error(submitted_lines[k], replies[k].error()));
                      }
                    }
                    answer(applied);
                  });
              if (!submitted) respond(problem_from_error(submitted.error()));
            });
}

}  // namespace livechain::server
