// API v1: idempotency keys on requests made of several commands (CSV imports, batches
// of reservations). The request's body claims the key first (engine::KeyGuard); only
// then are its commands submitted, each under a derived key "KEY/N", so a retry with
// the same body replays every row's first answer and a retry with another body is a
// 422 before anything is applied.
#include "server/api.hpp"
#include "server/problem.hpp"

namespace livechain::server {

using namespace livechain::engine;

namespace {
// FNV-1a 64 of the route and the raw body: "same body" for a multi-command request.
uint64_t body_fingerprint(std::string_view route, std::string_view body) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (std::string_view part : {route, std::string_view("\xff", 1), body}) {
    for (unsigned char c : part) hash = (hash ^ c) * 0x100000001b3ull;
  }
  return hash;
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

std::string derived_key(const std::string& idempotency_key, size_t index) {
  return idempotency_key + "/" + std::to_string(index);
}

}  // namespace livechain::server
