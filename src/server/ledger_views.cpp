#include "server/ledger_views.hpp"

#include <algorithm>

#include "core/bytes.hpp"
#include "engine/engine.hpp"
#include "journal/checkpoint.hpp"
#include "journal/merkle.hpp"
#include "server/json_views.hpp"
#include "store/store.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {
struct ReadView {
  std::unique_ptr<journal::JournalStorage> storage;
  std::unique_ptr<journal::Journal> journal;
};

Result<ReadView> open_view(const std::string& db_path) {
  LC_TRY(storage, store::open_sqlite(db_path, store::OpenMode::reader));
  LC_TRY(journal, journal::Journal::open(*storage, std::nullopt));
  return ReadView{std::move(storage), std::move(journal)};
}

json::array hashes_json(const std::vector<journal::Hash>& hashes) {
  json::array out;
  for (const journal::Hash& hash : hashes) out.push_back(json::string(to_hex(hash)));
  return out;
}
}  // namespace

LedgerViews::LedgerViews(std::string db_path, std::shared_ptr<const journal::Signer> log_signer,
                         std::string origin)
    : db_path_(std::move(db_path)), log_signer_(std::move(log_signer)), origin_(std::move(origin)) {
  if (origin_.empty() && log_signer_) origin_ = journal::default_origin(log_signer_->public_key());
}

Result<std::string> LedgerViews::checkpoint() {
  if (!log_signer_) {
    return fail(ErrorCode::invalid_state, "signing_key",
                "this server has no signing key, so it cannot sign checkpoints");
  }
  LC_TRY(view, open_view(db_path_));
  const journal::TreeHead& head = view.journal->last_head();
  journal::Checkpoint checkpoint{
      origin_, head.tree_size, head.tree_size == 0 ? journal::empty_tree_hash() : head.root, {}};
  return journal::format_signed_note(journal::sign_checkpoint(*log_signer_, checkpoint));
}

Result<json::object> LedgerViews::head() {
  LC_TRY(view, open_view(db_path_));
  const journal::TreeHead& head = view.journal->last_head();
  LC_TRY(public_key, view.storage->get_meta(journal::kPublicKeyMetaKey));
  json::object out{{"tree_size", head.tree_size}, {"root", to_hex(head.root)},
                   {"time_ms", head.time_ms},     {"time", format_time(head.time_ms)},
                   {"algorithm", "Ed25519"},      {"hash", "SHA-256, RFC 6962"}};
  out["signature"] = head.tree_size > 0 ? json::value(to_hex(head.signature)) : json::value();
  out["public_key"] = public_key ? json::value(*public_key) : json::value();
  if (log_signer_) {
    auto vkey =
        journal::make_verifier_key(origin_, journal::kNoteTypeEd25519, log_signer_->public_key());
    out["origin"] = origin_;
    if (vkey) out["vkey"] = journal::format_verifier_key(*vkey);
  }
  return out;
}

Result<json::object> LedgerViews::event(uint64_t seq) {
  LC_TRY(view, open_view(db_path_));
  if (seq >= view.journal->tree_size()) {
    return fail(ErrorCode::not_found, "seq",
                "no event " + std::to_string(seq) + "; the journal holds " +
                    std::to_string(view.journal->tree_size()));
  }
  LC_TRY(bytes, view.journal->event(seq));
  LC_TRY(description, engine::describe_stored_event(bytes));
  json::object fields;
  json::array field_list;
  for (const engine::EventField& field : description.fields) {
    json::value value =
        field.is_number ? json::value(std::stoll(field.value)) : json::value(field.value);
    field_list.push_back(json::object{{"name", field.name}, {"value", value}});
  }
  return json::object{{"seq", seq},
                      {"kind", description.kind},
                      {"time_ms", description.time_ms},
                      {"time", format_time(description.time_ms)},
                      {"fields", std::move(field_list)},
                      {"event", to_hex(bytes)},
                      {"leaf_hash", to_hex(journal::leaf_hash(bytes))}};
}

Result<json::object> LedgerViews::event_redacted(
    uint64_t seq, const std::function<bool(std::string_view, std::string_view)>& sees) {
  LC_TRY(view, event(seq));
  std::string kind(view.at("kind").as_string());
  json::array& fields = view.at("fields").as_array();
  json::array kept;
  json::array redacted;
  for (const json::value& field : fields) {
    std::string_view name = field.as_object().at("name").as_string();
    if (sees(kind, name)) {
      kept.push_back(field);
    } else if (std::find(redacted.begin(), redacted.end(), json::value(name)) == redacted.end()) {
      redacted.push_back(json::string(name));
    }
  }
  if (redacted.empty()) return view;
  fields = std::move(kept);
  view["redacted"] = std::move(redacted);
  view.erase("event");
  return view;
}

Result<json::object> LedgerViews::inclusion_proof(uint64_t seq, std::optional<uint64_t> size) {
  LC_TRY(view, open_view(db_path_));
  uint64_t tree_size = size.value_or(view.journal->tree_size());
  if (tree_size > view.journal->tree_size()) {
    return fail(ErrorCode::invalid_argument, "size",
                "beyond the journal's " + std::to_string(view.journal->tree_size()) + " events");
  }
  if (seq >= tree_size) {
    return fail(ErrorCode::invalid_argument, "seq",
                "must be below size " + std::to_string(tree_size));
  }
  LC_TRY(bytes, view.journal->event(seq));
  LC_TRY(proof, view.journal->inclusion_proof(seq, tree_size));
  LC_TRY(root, view.journal->root_at(tree_size));
  return json::object{{"seq", seq},
                      {"tree_size", tree_size},
                      {"leaf_hash", to_hex(journal::leaf_hash(bytes))},
                      {"root", to_hex(root)},
                      {"proof", hashes_json(proof)}};
}

Result<json::object> LedgerViews::consistency_proof(uint64_t from_size,
                                                    std::optional<uint64_t> to) {
  LC_TRY(view, open_view(db_path_));
  uint64_t to_size = to.value_or(view.journal->tree_size());
  if (to_size > view.journal->tree_size()) {
    return fail(ErrorCode::invalid_argument, "to",
                "beyond the journal's " + std::to_string(view.journal->tree_size()) + " events");
  }
  if (from_size == 0 || from_size > to_size) {
    return fail(ErrorCode::invalid_argument, "from", "must be in 1.." + std::to_string(to_size));
  }
  LC_TRY(proof, view.journal->consistency_proof(from_size, to_size));
  LC_TRY(old_root, view.journal->root_at(from_size));
  LC_TRY(new_root, view.journal->root_at(to_size));
  return json::object{{"from", from_size},
                      {"to", to_size},
                      {"from_root", to_hex(old_root)},
                      {"to_root", to_hex(new_root)},
                      {"proof", hashes_json(proof)}};
}

}  // namespace livechain::server
