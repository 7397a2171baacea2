// src/server/ledger_views.hpp — internal: the /v1/ledger/* answers. Each call opens
// its own read-only view of the journal (SQLite WAL readers never block the writer),
// so it sees every batch committed so far. Proofs cost O(tree size) hashing; the
// server runs these calls on its worker thread, never on an I/O thread.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "journal/signer.hpp"

namespace livechain::server {

class LedgerViews {
 public:
  // `log_signer` (the ledger's own key, may be null) signs checkpoints under `origin`
  // (empty: journal::default_origin of the key).
  LedgerViews(std::string db_path, std::shared_ptr<const journal::Signer> log_signer,
              std::string origin);
  // The database file the views read (bulk exports open their own reader on it).
  const std::string& db_path() const { return db_path_; }

  // {tree_size, root, time_ms, time, signature, public_key, algorithm, origin, vkey}.
  Result<boost::json::object> head();
  // {seq, leaf_hash, event (hex), kind, time, fields}. Errors: not_found (field "seq").
  Result<boost::json::object> event(uint64_t seq);
  // The same view with the fields `sees(kind, field)` refuses taken out: they are
  // listed by name under "redacted", and the raw "event" bytes (which hold them) are
  // dropped. The leaf hash stays, so an inclusion proof still verifies the event.
  Result<boost::json::object> event_redacted(
      uint64_t seq, const std::function<bool(std::string_view, std::string_view)>& sees);
  // size nullopt: the current tree size. Errors: invalid_argument naming "seq"/"size".
  Result<boost::json::object> inclusion_proof(uint64_t seq, std::optional<uint64_t> size);
  Result<boost::json::object> consistency_proof(uint64_t from_size, std::optional<uint64_t> to);
  // The latest tree head as a C2SP checkpoint (signed note text) signed by the ledger's
  // key. Errors: invalid_state (field "signing_key") when the server has no key.
  Result<std::string> checkpoint();

 private:
  std::string db_path_;
  std::shared_ptr<const journal::Signer> log_signer_;
  std::string origin_;
};

}  // namespace livechain::server
