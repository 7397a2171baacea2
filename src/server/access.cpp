#include "server/access.hpp"

#include <array>

#include "core/bytes.hpp"
#include "journal/merkle.hpp"

namespace livechain::server {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::admin:
      return "admin";
    case Role::planner:
      return "planner";
    case Role::live_operator:
      return "live_operator";
    case Role::warehouse:
      return "warehouse";
    case Role::supplier:
      return "supplier";
    case Role::auditor:
      return "auditor";
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role role : kAllRoles) {
    if (role_name(role) == text) return role;
  }
  return std::nullopt;
}

std::string_view permission_name(Permission permission) {
  switch (permission) {
    case Permission::none:
      return "none";
    case Permission::stock_read:
      return "stock_read";
    case Permission::reservations_read:
      return "reservations_read";
    case Permission::reservations_write:
      return "reservations_write";
    case Permission::catalog_write:
      return "catalog_write";
    case Permission::planning_write:
      return "planning_write";
    case Permission::movements_write:
      return "movements_write";
    case Permission::signals_write:
      return "signals_write";
    case Permission::ledger_read:
      return "ledger_read";
    case Permission::alerts_read:
      return "alerts_read";
    case Permission::alerts_write:
      return "alerts_write";
    case Permission::webhooks_admin:
      return "webhooks_admin";
    case Permission::stock_rollback:
      return "stock_rollback";
  }
  return "unknown";
}

bool role_allows(Role role, Permission permission) {
  if (role == Role::admin) return true;
  switch (permission) {
    case Permission::none:
    case Permission::stock_read:
    case Permission::ledger_read:
      return true;
    case Permission::reservations_read:
      return role != Role::supplier;
    case Permission::reservations_write:
    case Permission::signals_write:
      return role == Role::live_operator;
    case Permission::catalog_write:
    case Permission::planning_write:
      return role == Role::planner;
    case Permission::movements_write:
      return role == Role::warehouse;
    case Permission::alerts_read:
      return true;
    case Permission::alerts_write:
      // Whoever acts on alerts: planning, the live room, the warehouse.
      return role == Role::planner || role == Role::live_operator || role == Role::warehouse;
    case Permission::webhooks_admin:
      return false;  // admin only (secrets)
    case Permission::stock_rollback:
      return false;  // admin only: it rewrites stock (audited)
  }
  return false;
}

bool role_sees_event_field(Role role, std::string_view event_kind, std::string_view field) {
  if (role == Role::admin) return true;
  if (field == "idempotency_key") return false;
  if (role_allows(role, Permission::reservations_read)) return true;
  static constexpr std::string_view kReservationEvents[] = {"reserved", "committed", "released",
                                                            "expired", "reservation_extended"};
  for (std::string_view kind : kReservationEvents) {
    if (event_kind == kind) return field == "reservation_id";
  }
  return field != "order_id";
}

bool role_sees(Role role, DataLevel level) {
  switch (level) {
    case DataLevel::public_:
    case DataLevel::internal:
      return true;
    case DataLevel::sensitive:
      return role == Role::admin || role == Role::live_operator;
    case DataLevel::core:
      return role == Role::admin;
  }
  return false;
}

Result<void> KeyRing::refresh() {
  auto version = store_->change_counter();
  if (!version) return std::unexpected(version.error());
  if (loaded_version_ == *version) return {};
  auto keys = store_->active_keys();
  if (!keys) return std::unexpected(keys.error());
  std::unordered_map<std::string, Caller> fresh;
  for (const store::ActiveApiKey& key : *keys) {
    auto role = parse_role(key.role);
    if (!role) continue;  // a role this build does not know grants nothing
    fresh.emplace(key.secret_sha256_hex, Caller{*role, key.key_id});
  }
  std::lock_guard lock(mutex_);
  by_secret_sha256_.swap(fresh);
  loaded_version_ = *version;
  generation_.fetch_add(1, std::memory_order_release);
  return {};
}

std::optional<Caller> KeyRing::authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() || authorization.size() > 256) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return std::nullopt;
    }
  }
  // Hashing and the locked lookup cost more than the rest of a small request, and a
  // connection sends the same header every time: remember the last few per thread.
  struct CacheEntry {
    const KeyRing* ring = nullptr;
    uint64_t generation = 0;
    std::string authorization;
    std::optional<Caller> caller;
  };
  constexpr size_t kCacheEntries = 4;
  thread_local std::array<CacheEntry, kCacheEntries> cache;
  thread_local size_t next_slot = 0;
  uint64_t generation = generation_.load(std::memory_order_acquire);
  for (const CacheEntry& entry : cache) {
    if (entry.ring == this && entry.generation == generation &&
        entry.authorization == authorization) {
      return entry.caller;
    }
  }
  std::string_view key = authorization.substr(kScheme.size());
  auto hash = journal::sha256(std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  std::optional<Caller> caller;
  {
    std::lock_guard lock(mutex_);
    auto found = by_secret_sha256_.find(to_hex(hash));
    if (found != by_secret_sha256_.end()) caller = found->second;
  }
  cache[next_slot] = CacheEntry{this, generation, std::string(authorization), caller};
  next_slot = (next_slot + 1) % kCacheEntries;
  return caller;
}

size_t KeyRing::size() const {
  std::lock_guard lock(mutex_);
  return by_secret_sha256_.size();
}

}  // namespace livechain::server
