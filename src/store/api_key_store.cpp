// API keys: random secrets shown once, stored as SHA-256 hashes in PATH.apikeys.
#include <openssl/rand.h>

#include "core/bytes.hpp"
#include "core/identifier.hpp"
#include "journal/merkle.hpp"
#include "store/sqlite_side.hpp"
#include "store/store.hpp"

namespace livechain::store {

namespace {
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS api_keys(
  key_id TEXT PRIMARY KEY,
  secret_sha256 TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  label TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
);)";
constexpr size_t kKeyIdBytes = 4;
constexpr size_t kSecretBytes = 32;

Result<std::string> random_hex(size_t bytes) {
  Bytes buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    return fail(ErrorCode::io_error, "", "no randomness from OpenSSL RAND_bytes");
  }
  return to_hex(buffer);
}

std::string sha256_hex(std::string_view text) {
  auto hash =
      journal::sha256(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  return to_hex(hash);
}
}  // namespace

std::string api_key_db_path(const std::string& db_path) {
  return db_path + ".apikeys";
}

struct ApiKeyStore::Impl {
  side::Database db;
};

ApiKeyStore::ApiKeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiKeyStore::~ApiKeyStore() = default;

Result<std::unique_ptr<ApiKeyStore>> ApiKeyStore::open(const std::string& db_path) {
  auto db = side::open_database(api_key_db_path(db_path), kSchema);
  if (!db) return std::unexpected(db.error());
  return std::unique_ptr<ApiKeyStore>(
      new ApiKeyStore(std::make_unique<Impl>(Impl{std::move(*db)})));
}

Result<std::string> ApiKeyStore::create(std::string_view role, std::string_view label,
                                        TimeMs now_ms, ApiKeyRecord* record) {
  if (!label.empty()) {
    if (auto valid = validate_text("label", label, kNameLengthMax); !valid) {
      return std::unexpected(valid.error());
    }
  }
  auto key_id = random_hex(kKeyIdBytes);
  auto secret = random_hex(kSecretBytes);
  if (!key_id || !secret) return std::unexpected(key_id ? secret.error() : key_id.error());
  std::string key = "lc_" + *key_id + "_" + *secret;
  auto insert = side::prepare(impl_->db.get(),
                              "INSERT INTO api_keys(key_id, secret_sha256, role, label, "
                              "created_at_ms) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!insert) return std::unexpected(insert.error());
  side::bind_text(insert->get(), 1, *key_id);
  side::bind_text(insert->get(), 2, sha256_hex(key));
  side::bind_text(insert->get(), 3, role);
  side::bind_text(insert->get(), 4, label);
  sqlite3_bind_int64(insert->get(), 5, now_ms);
  if (sqlite3_step(insert->get()) != SQLITE_DONE) {
    return std::unexpected(side::sqlite_error(impl_->db.get(), "insert api key"));
  }
  if (record) *record = ApiKeyRecord{*key_id, std::string(role), std::string(label), now_ms, {}};
  return key;
}

Result<std::vector<ApiKeyRecord>> ApiKeyStore::list() {
  auto select = side::prepare(impl_->db.get(),
                              "SELECT key_id, role, label, created_at_ms, revoked_at_ms FROM "
                              "api_keys ORDER BY created_at_ms, key_id");
  if (!select) return std::unexpected(select.error());
  std::vector<ApiKeyRecord> out;
  int rc;
  while ((rc = sqlite3_step(select->get())) == SQLITE_ROW) {
    ApiKeyRecord record{side::column_text(select->get(), 0), side::column_text(select->get(), 1),
                        side::column_text(select->get(), 2), sqlite3_column_int64(select->get(), 3),
                        std::nullopt};
    if (sqlite3_column_type(select->get(), 4) != SQLITE_NULL) {
      record.revoked_at_ms = sqlite3_column_int64(select->get(), 4);
    }
    out.push_back(std::move(record));
  }
  if (rc != SQLITE_DONE) return std::unexpected(side::sqlite_error(impl_->db.get(), "list"));
  return out;
}

Result<void> ApiKeyStore::revoke(std::string_view key_id, TimeMs now_ms) {
  auto keys = list();
  if (!keys) return std::unexpected(keys.error());
  auto found = std::find_if(keys->begin(), keys->end(),
                            [&](const ApiKeyRecord& record) { return record.key_id == key_id; });
  if (found == keys->end()) {
    return fail(ErrorCode::not_found, "key_id", "no API key " + std::string(key_id));
  }
  if (found->revoked_at_ms) {
    return fail(ErrorCode::invalid_state, "key_id",
                "API key " + std::string(key_id) + " is already revoked");
  }
  auto update =
      side::prepare(impl_->db.get(), "UPDATE api_keys SET revoked_at_ms = ?2 WHERE key_id = ?1");
  if (!update) return std::unexpected(update.error());
  side::bind_text(update->get(), 1, key_id);
  sqlite3_bind_int64(update->get(), 2, now_ms);
  if (sqlite3_step(update->get()) != SQLITE_DONE) {
    return std::unexpected(side::sqlite_error(impl_->db.get(), "revoke"));
  }
  return {};
}

Result<std::vector<ActiveApiKey>> ApiKeyStore::active_keys() {
  auto select =
      side::prepare(impl_->db.get(),
                    "SELECT secret_sha256, key_id, role FROM api_keys WHERE revoked_at_ms IS NULL");
  if (!select) return std::unexpected(select.error());
  std::vector<ActiveApiKey> out;
  int rc;
  while ((rc = sqlite3_step(select->get())) == SQLITE_ROW) {
    out.push_back(ActiveApiKey{side::column_text(select->get(), 0),
                               side::column_text(select->get(), 1),
                               side::column_text(select->get(), 2)});
  }
  if (rc != SQLITE_DONE) return std::unexpected(side::sqlite_error(impl_->db.get(), "keys"));
  return out;
}

Result<int64_t> ApiKeyStore::change_counter() {
  auto select = side::prepare(impl_->db.get(), "PRAGMA data_version");
  if (!select) return std::unexpected(select.error());
  if (sqlite3_step(select->get()) != SQLITE_ROW) {
    return std::unexpected(side::sqlite_error(impl_->db.get(), "data_version"));
  }
  return sqlite3_column_int64(select->get(), 0);
}

}  // namespace livechain::store
