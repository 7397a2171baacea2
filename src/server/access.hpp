// src/server/access.hpp — internal: who may do what. Roles come from API keys; each
// route needs one permission; each response field has a data level (spec: public,
// internal, sensitive, core) and is masked for roles that may not see that level.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"

namespace livechain::server {

enum class Role : uint8_t { admin, planner, live_operator, warehouse, supplier, auditor };
inline constexpr Role kAllRoles[] = {Role::admin,     Role::planner,  Role::live_operator,
                                     Role::warehouse, Role::supplier, Role::auditor};

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view text);

enum class Permission : uint8_t {
  none,                // health, readiness, metrics, the OpenAPI document
  stock_read,          // balances, transfers, returns, the stock stream
  reservations_read,   // GET /v1/reservations/{id}
  reservations_write,  // reserve, commit, release
  catalog_write,       // SKUs, locations, channels, region distances, their imports
  planning_write,      // presale plans
  movements_write,     // receipts, adjustments, transfers, returns, stock import
  signals_write,       // live-room signals
  ledger_read,         // tree heads, events, proofs: every partner may verify
  alerts_read,         // GET /v1/alerts
  alerts_write,        // raise, acknowledge, resolve alerts
  webhooks_admin,      // webhook endpoints, deliveries, replay
  stock_rollback,      // restore stock to an earlier instant (admin only)
};
std::string_view permission_name(Permission permission);
bool role_allows(Role role, Permission permission);

enum class DataLevel : uint8_t { public_, internal, sensitive, core };
// Buyer data (region, pseudonymous id) is sensitive: admin and live operators see it.
// Costs and margins are core: admin only. Everyone may see public and internal.
bool role_sees(Role role, DataLevel level);

// Whether `role` may read field `field` of a ledger event of kind `event_kind`
// (engine::event_kind_name). Tree heads and proofs are open to every partner, but an
// event says no more than the routes about the same thing would: reservation events
// show only their reservation id to roles without reservations_read, order ids are
// hidden from those roles on returns too, and idempotency keys (which carry the API
// key that sent them) are shown to admin only.
bool role_sees_event_field(Role role, std::string_view event_kind, std::string_view field);

struct Caller {
  Role role = Role::auditor;
  std::string key_id;
};

// The active API keys by the SHA-256 of their secret. Thread-safe; reloaded from the
// key database when it changed (revocations take effect within one reload period).
class KeyRing {
 public:
  explicit KeyRing(std::unique_ptr<store::ApiKeyStore> store) : store_(std::move(store)) {}
  // Reloads when the key database changed since the last call. Errors: io_error.
  Result<void> refresh();
  // Caller for an "Authorization: Bearer <key>" header value; nullopt when the header
  // is missing, malformed, or the key unknown or revoked.
  std::optional<Caller> authenticate(std::string_view authorization) const;
  size_t size() const;

 private:
  std::unique_ptr<store::ApiKeyStore> store_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Caller> by_secret_sha256_;  // GUARDED_BY(mutex_)
  std::optional<int64_t> loaded_version_;
  // Bumped on every reload; per-thread caches of recent headers are valid only for the
  // generation they were filled in, so a revoked key stops working with the reload.
  std::atomic<uint64_t> generation_{1};
};

}  // namespace livechain::server
