// API v1: live-room signals (NDJSON) and the verifiable ledger.
#include <fmt/format.h>

#include <charconv>

#include "server/api.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
// Optional unsigned query parameter. Errors name the parameter.
Result<std::optional<uint64_t>> query_number(const ApiRequest& request, std::string_view name) {
  const std::string* text = request.query_value(name);
  if (text == nullptr) return std::optional<uint64_t>();
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || error != std::errc() || end != text->data() + text->size()) {
    return fail(ErrorCode::invalid_argument, std::string(name),
                "must be a non-negative integer, got '" + text->substr(0, 32) + "'");
  }
  return std::optional<uint64_t>(value);
}
}  // namespace

void Api::signals_ingest(ApiRequest& request, Respond respond) {
  auto lines = parse_signal_lines(request.body, deps_.limits);
  if (!lines) {
    return respond(problem(413, "too_many_lines", "Too many lines", lines.error().detail, "body"));
  }
  if (lines->empty()) {
    return respond(problem(422, "invalid_argument", "Invalid argument",
                           "the body holds no NDJSON line", "body"));
  }
  auto parsed = std::make_shared<std::vector<SignalLine>>(std::move(*lines));
  Metrics* metrics = deps_.metrics;
  store::SignalStore* signals = deps_.signals;
  auto run_blocking = deps_.run_blocking;
  auto on_signals = deps_.on_signals;
  auto sequencer = deps_.sequencer;
  // Stored signals are stamped with the server's clock (the demo's simulated one, a
  // test's fixed one), like every command, never with the wall clock behind its back.
  const Clock* clock = deps_.clock;
  // SKUs must be known to the ledger: checked on the engine thread, stored off it. The
  // claim of an Idempotency-Key is journaled with the answer (answer_once).
  answer_once(request, std::move(respond), [=](std::vector<Command>, Respond respond) {
    auto read = sequencer->read_async(
        [parsed, metrics, signals, run_blocking, respond, on_signals, clock](const Engine& engine) {
          for (SignalLine& line : *parsed) {
            if (line.signal && !line.signal->gtin.empty() &&
                !engine.state().find_sku(line.signal->gtin)) {
              line.signal = fail(ErrorCode::not_found, "sku", "unknown sku " + line.signal->gtin);
            }
          }
          run_blocking([parsed, metrics, signals, respond, on_signals, clock] {
            std::vector<store::LiveSignal> accepted;
            json::array results;
            for (const SignalLine& line : *parsed) {
              if (line.signal) {
                accepted.push_back(*line.signal);
                results.push_back(json::object{{"line", line.line}, {"status", "accepted"}});
              } else {
                const Error& error = line.signal.error();
                results.push_back(json::object{{"line", line.line},
                                               {"status", "rejected"},
                                               {"field", api_field_name(error.field)},
                                               {"detail", error.detail}});
              }
            }
            if (!accepted.empty()) {
              auto appended = signals->append(accepted, clock->now_ms());
              if (!appended) return respond(problem_from_error(appended.error()));
            }
            // Alert rules (issue 11) see the signals once they are stored.
            if (!accepted.empty() && on_signals) on_signals(accepted);
            size_t rejected = parsed->size() - accepted.size();
            metrics->count_signals(accepted.size(), rejected);
            respond(json_response(200, json::object{{"accepted", accepted.size()},
                                                    {"rejected", rejected},
                                                    {"results", std::move(results)}}));
          });
        });
    if (!read) respond(problem_from_error(read.error()));
  });
}

void Api::ledger(RouteId route, const Params& params, const ApiRequest& request,
                 const Caller& caller, Respond respond) {
  LedgerViews* views = deps_.ledger;
  auto answer = [respond](Result<json::object>&& result, ErrorOrigin origin) {
    if (!result) return respond(problem_from_error(result.error(), origin));
    respond(json_response(200, *result));
  };
  switch (route) {
    case RouteId::ledger_head:
      return deps_.run_blocking([views, answer] { answer(views->head(), ErrorOrigin::body); });
    case RouteId::ledger_checkpoint:
      // A C2SP checkpoint is a signed note: text, not JSON (c2sp.org/tlog-checkpoint).
      return deps_.run_blocking([views, respond] {
        auto note = views->checkpoint();
        if (!note) return respond(problem_from_error(note.error(), ErrorOrigin::body));
        respond(ApiResponse{200, "text/plain; charset=utf-8", std::move(*note), {}});
      });
    case RouteId::ledger_event: {
      uint64_t seq = 0;
      const std::string& text = params.at(0);
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seq);
      if (error != std::errc() || end != text.data() + text.size()) {
        return respond(problem(404, "not_found", "Not found", "no event '" + text + "'", "seq"));
      }
      return deps_.run_blocking([views, answer, seq, role = caller.role] {
        auto sees = [role](std::string_view kind, std::string_view field) {
          return role_sees_event_field(role, kind, field);
        };
        answer(views->event_redacted(seq, sees), ErrorOrigin::path);
      });
    }
    case RouteId::ledger_inclusion_proof: {
      auto seq = query_number(request, "seq");
      auto size = query_number(request, "size");
      if (!seq || !size) return respond(problem_from_error(!seq ? seq.error() : size.error()));
      if (!*seq)
        return respond(problem(422, "invalid_argument", "Invalid argument", "is required", "seq"));
      return deps_.run_blocking([views, answer, seq = **seq, size = *size] {
        answer(views->inclusion_proof(seq, size), ErrorOrigin::body);
      });
    }
    default: {
      auto from = query_number(request, "from");
      auto to = query_number(request, "to");
      if (!from || !to) return respond(problem_from_error(!from ? from.error() : to.error()));
      if (!*from)
        return respond(problem(422, "invalid_argument", "Invalid argument", "is required", "from"));
      return deps_.run_blocking([views, answer, from = **from, to = *to] {
        answer(views->consistency_proof(from, to), ErrorOrigin::body);
      });
    }
  }
}

}  // namespace livechain::server
