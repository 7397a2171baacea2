// API v1: idempotency keys on requests the engine does not answer as one command.
//  - Requests made of several commands (CSV imports, batches of reservations): the
//    request's body claims the key first (engine::KeyGuard); only then are its commands
//    submitted, each under a derived key "KEY/N", so a retry with the same body replays
//    every row's first answer and a retry with another body is a 422 before anything
//    is applied.
//  - Writes answered outside the engine (answer_once: rule state, signals, observed
//    stock, webhooks): the claim goes with the write's own commands, and the answer is
//    journaled under "KEY/answer" (engine::RecordAnswer) before it is sent.
#include <cstdio>

#include "core/assert.hpp"
#include "core/bytes.hpp"
#include "server/api.hpp"
#include "server/problem.hpp"

namespace livechain::server {

using namespace livechain::engine;

namespace {
// FNV-1a 64 of the route and the raw body: "same body" for a multi-command request.
uint64_t body_fingerprint(std::string_view route, std::string_view body) {
  return fnv1a_64(body, fnv1a_64(std::string_view("\xff", 1), fnv1a_64(route)));
}
}  // namespace

void Api::claim_key(const ApiRequest& request, Respond respond, std::function<void()> then) {
  if (request.idempotency_key.empty()) return then();
  std::vector<Command> commands;
  commands.push_back(with_idempotency_key(KeyGuard{body_fingerprint(request.path, request.body)},
                                          request.idempotency_key));
  auto submitted =
      submit_commands(std::move(commands), [respond, then = std::move(then)](Replies&& replies) {
        if (!replies.front()) {
          Error error = replies.front().error();
          if (error.field == "idempotency_key") error.field = "Idempotency-Key";
          return respond(problem_from_error(error));
        }
        then();
      });
  if (!submitted) respond(problem_from_error(submitted.error()));
}

namespace {
constexpr std::string_view kAnswerSuffix = "/answer";

Command claim_command(const std::string& key, uint64_t request_fingerprint) {
  return with_idempotency_key(KeyGuard{request_fingerprint}, key);
}

ApiResponse key_problem(unsigned status, std::string_view slug, std::string_view detail) {
  return problem(status, slug, status == 409 ? "Conflict" : "Invalid argument", detail,
                 "Idempotency-Key");
}

// What a request with an already claimed key gets, decided on the engine thread:
// nullopt when the key is free.
std::optional<ApiResponse> answer_for_claimed_key(const LedgerState& state, const std::string& key,
                                                  uint64_t request_fingerprint) {
  const KeyedReplyEntry* claim = state.keyed_reply(key);
  if (claim == nullptr && state.idempotency(key) == nullptr) return std::nullopt;
  uint64_t expected = command_fingerprint(Command{KeyGuard{request_fingerprint}});
  if (claim == nullptr || claim->request_fingerprint != expected) {
    return key_problem(422, "idempotency_conflict",
                       "this Idempotency-Key was used for a different request");
  }
  const KeyedReplyEntry* answer = state.keyed_reply(key + std::string(kAnswerSuffix));
  if (answer == nullptr) {
    // The write was journaled with its claim, but the server stopped (or the answer
    // did not fit) before the answer was: the change is in effect, its answer is gone.
    return key_problem(409, "answer_lost",
                       "this request was applied, but its answer was not kept (the server "
                       "restarted before recording it); read the resource to see its state");
  }
  auto reply = decode_reply(answer->reply);
  LC_ASSERT(reply.has_value() && std::holds_alternative<StoredAnswer>(*reply));
  auto& stored = std::get<StoredAnswer>(*reply);
  ApiResponse response{stored.status, std::move(stored.content_type), std::move(stored.body), {}};
  response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}
}  // namespace

void Api::answer_once(const ApiRequest& request, Respond respond,
                      std::function<void(std::vector<Command>, Respond)> run, AnswerOnce hooks) {
  if (request.idempotency_key.empty()) return run({}, std::move(respond));
  const std::string key = request.idempotency_key;
  const uint64_t fingerprint = body_fingerprint(request.path, request.body);
  {
    std::lock_guard lock(keys_in_flight_mutex_);
    if (!keys_in_flight_.insert(key).second) {
      return respond(key_problem(409, "request_in_progress",
                                 "a request with this Idempotency-Key is still running; retry "
                                 "once it has been answered"));
    }
  }
  // Every path below answers through `finish`, which frees the key.
  Respond finish = [this, key, respond](ApiResponse&& response) {
    {
      std::lock_guard lock(keys_in_flight_mutex_);
      keys_in_flight_.erase(key);
    }
    respond(std::move(response));
  };
  // Journals the claim and a 2xx answer, then sends the answer. Only successes are
  // remembered: a refused request retried is evaluated again.
  Respond record = [this, key, fingerprint, finish, stored = hooks.stored](ApiResponse&& response) {
    if (response.status < 200 || response.status > 299) return finish(std::move(response));
    ApiResponse kept = stored ? stored(response) : response;
    std::vector<Command> commands;
    commands.push_back(claim_command(key, fingerprint));
    if (kept.body.size() <= kStoredAnswerBytesMax) {
      commands.push_back(with_idempotency_key(
          RecordAnswer{static_cast<uint16_t>(kept.status), kept.content_type, kept.body},
          key + std::string(kAnswerSuffix)));
    }
    auto shared = std::make_shared<ApiResponse>(std::move(response));
    auto submitted = submit_commands(std::move(commands), [finish, shared](Replies&& replies) {
      for (const auto& reply : replies) {
        if (!reply) {
          std::fprintf(stderr, "idempotency answer not recorded: %s\n",
                       reply.error().to_string().c_str());
        }
      }
      finish(std::move(*shared));
    });
    if (!submitted) {
      std::fprintf(stderr, "idempotency answer not recorded: %s\n",
                   submitted.error().to_string().c_str());
      finish(std::move(*shared));
    }
  };
  auto run_on_io = deps_.run_on_io;
  auto read = deps_.sequencer->read_async([key, fingerprint, finish, record, run_on_io,
                                           run = std::move(run),
                                           replayed = hooks.replayed](const Engine& engine) {
    auto answer = answer_for_claimed_key(engine.state(), key, fingerprint);
    if (!answer) {
      return run_on_io([run, key, fingerprint, record] {
        std::vector<Command> claim;
        claim.push_back(claim_command(key, fingerprint));
        run(std::move(claim), record);
      });
    }
    if (answer->status >= 200 && answer->status <= 299 && replayed) {
      auto shared = std::make_shared<ApiResponse>(std::move(*answer));
      return run_on_io([replayed, shared, finish] { replayed(std::move(*shared), finish); });
    }
    finish(std::move(*answer));
  });
  if (!read) finish(problem_from_error(read.error()));
}

std::string derived_key(const std::string& idempotency_key, size_t index) {
  return idempotency_key + "/" + std::to_string(index);
}

}  // namespace livechain::server
