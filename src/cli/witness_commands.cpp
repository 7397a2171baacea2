// src/cli/witness_commands.cpp — checkpoints for consortium witnesses (issue 12 §7).
//
//   ledger checkpoint --db DB [--origin O]   the latest tree head as a C2SP checkpoint,
//                                            signed with the database's key
//   ledger vkey --db DB [--origin O]         the log's verifier key (signed-note vkey)
//   witness init --key FILE --name NAME      a new witness key; prints its cosigner vkey
//   witness cosign --url URL --api-key KEY --log-vkey VKEY --key FILE --name NAME
//                  --state FILE [--out FILE]
//       fetches GET /v1/ledger/checkpoint, checks the log's signature, proves it
//       consistent with the last checkpoint in --state (GET /v1/ledger/proof/consistency),
//       then cosigns it (C2SP tlog-cosignature) and keeps it as the new state. Exit 1,
//       state untouched, when the signature or the proof fails.
//   witness verify --note FILE --log-vkey VKEY [--witness-vkey VKEY]… [--min-witnesses N]
//       checks a (cosigned) checkpoint offline.
// Transport only: the formats and the consistency rule live in journal/checkpoint.hpp.
#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "cli/command_support.hpp"
#include "core/bytes.hpp"
#include "journal/checkpoint.hpp"
#include "journal/journal.hpp"
#include "journal/signer.hpp"
#include "store/store.hpp"

namespace livechain::cli {
namespace {

namespace json = boost::json;

constexpr size_t kResponseBytesMax = 4 << 20;  // a proof of a huge tree stays far below
constexpr long kHttpTimeoutS = 30;

struct WitnessArgs {
  std::string db;
  std::string origin;
  std::string key;
  std::string name;
  std::string url;
  std::string api_key;
  std::string log_vkey;
  std::string state;
  std::string out;
  std::string note;
  std::vector<std::string> witness_vkeys;
  size_t min_witnesses = 0;
};

[[noreturn]] void fail_with(ErrorCode code, std::string field, std::string detail) {
  exit_with_error(Error{code, std::move(field), std::move(detail)});
}

template <typename T>
T must(Result<T> result) {
  if (!result) exit_with_error(result.error());
  return std::move(*result);
}

std::string read_file_text(const std::string& path, const std::string& field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_with(ErrorCode::not_found, field, path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces `path` with `text` so that a crash leaves the old or the new content, never
// a torn file: write a sibling, fsync it, rename over, fsync the directory.
Result<void> write_file_durably(const std::string& path, const std::string& text) {
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return fail(ErrorCode::io_error, "state", temporary + ": cannot be created");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    return fail(ErrorCode::io_error, "state", path + ": cannot be written");
  }
  std::string directory = std::filesystem::absolute(path).parent_path().string();
  int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

size_t collect_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * count > kResponseBytesMax) return 0;  // aborts the transfer
  body->append(data, size * count);
  return size * count;
}

// GET url with the API key; the body of a 200, else an error naming `field`.
Result<std::string> http_get(const std::string& url, const std::string& api_key,
                             const std::string& field) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return fail(ErrorCode::io_error, field, "libcurl failed to start");
  std::string body;
  std::string authorization = "Authorization: Bearer " + api_key;
  curl_slist* headers = curl_slist_append(nullptr, authorization.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, kHttpTimeoutS);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  CURLcode code = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    return fail(ErrorCode::io_error, field, url + ": " + curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return fail(ErrorCode::io_error, field,
                fmt::format("{} answered {}: {}", url, status, body.substr(0, 300)));
  }
  return body;
}

// A checkpoint note signed by the log, and its parsed body.
struct LogCheckpoint {
  journal::SignedNote note;
  journal::Checkpoint checkpoint;
};

// Parses `text` as a signed checkpoint and checks the log's signature; the origin must
// be the log's key name, so a checkpoint of another log signed with a reused key is
// refused too.
Result<LogCheckpoint> verified_checkpoint(std::string_view text,
                                          const journal::NoteVerifierKey& log_key) {
  LC_TRY(note, journal::parse_signed_note(text));
  LC_TRY(time_s, journal::verify_note(note, log_key));
  (void)time_s;
  LC_TRY(checkpoint, journal::parse_checkpoint_text(note.text));
  if (checkpoint.origin != log_key.name) {
    return fail(
        ErrorCode::invalid_argument, "checkpoint",
        "origin '" + checkpoint.origin + "' is not the log key's name '" + log_key.name + "'");
  }
  return LogCheckpoint{std::move(note), std::move(checkpoint)};
}

journal::NoteVerifierKey parse_key_of_type(const std::string& text, uint8_t type,
                                           const std::string& field) {
  auto key = journal::parse_verifier_key(text);
  if (!key) fail_with(ErrorCode::invalid_argument, field, key.error().detail);
  if (key->type != type) {
    fail_with(ErrorCode::invalid_argument, field,
              type == journal::kNoteTypeEd25519
                  ? "a log key has signature type 0x01 (Ed25519)"
                  : "a witness key has signature type 0x04 (Ed25519 cosignature)");
  }
  return *key;
}

Result<std::vector<journal::Hash>> fetch_consistency_proof(const WitnessArgs& a, uint64_t from,
                                                           uint64_t to) {
  LC_TRY(body,
         http_get(fmt::format("{}/v1/ledger/proof/consistency?from={}&to={}", a.url, from, to),
                  a.api_key, "proof"));
  boost::system::error_code parse_error;
  json::value parsed = json::parse(body, parse_error);
  const json::array* hashes = nullptr;
  if (!parse_error && parsed.is_object()) {
    if (const json::value* proof = parsed.get_object().if_contains("proof")) {
      hashes = proof->if_array();
    }
  }
  if (hashes == nullptr) return fail(ErrorCode::invalid_argument, "proof", "not a proof: " + body);
  std::vector<journal::Hash> proof;
  for (const json::value& element : *hashes) {
    auto bytes = element.is_string() ? from_hex(element.get_string()) : std::nullopt;
    if (!bytes || bytes->size() != 32) {
      return fail(ErrorCode::invalid_argument, "proof", "a proof hash is not 64 hex digits");
    }
    journal::Hash hash{};
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    proof.push_back(hash);
  }
  return proof;
}

void run_cosign(const WitnessArgs& a, const CliOptions& options) {
  auto log_key = parse_key_of_type(a.log_vkey, journal::kNoteTypeEd25519, "log_vkey");
  journal::Signer witness = must(journal::Signer::load(a.key));
  if (!journal::make_verifier_key(a.name, journal::kNoteTypeCosignatureV1, witness.public_key())) {
    fail_with(ErrorCode::invalid_argument, "name", "no spaces, '+' or control characters");
  }
  std::string url = a.url;
  LogCheckpoint next = must(verified_checkpoint(
      must(http_get(url + "/v1/ledger/checkpoint", a.api_key, "checkpoint")), log_key));

  std::optional<LogCheckpoint> previous;
  if (std::filesystem::exists(a.state)) {
    previous = must(verified_checkpoint(read_file_text(a.state, "state"), log_key));
  }
  std::vector<journal::Hash> proof;
  if (previous && previous->checkpoint.tree_size > 0 &&
      next.checkpoint.tree_size > previous->checkpoint.tree_size) {
    proof =
        must(fetch_consistency_proof(a, previous->checkpoint.tree_size, next.checkpoint.tree_size));
  }
  if (previous) {
    if (auto consistent = journal::check_consistent(previous->checkpoint, next.checkpoint, proof);
        !consistent) {
      exit_with_error(consistent.error());  // the state keeps the last good checkpoint
    }
  }
  auto now_s = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
  journal::SignedNote cosigned = next.note;
  cosigned.signatures.push_back(journal::cosign_checkpoint(witness, a.name, next.note.text, now_s));
  std::string text = journal::format_signed_note(cosigned);
  // The state keeps the log-signed checkpoint; what we print carries our cosignature.
  if (auto written = write_file_durably(a.state, journal::format_signed_note(next.note));
      !written) {
    exit_with_error(written.error());
  }
  if (!a.out.empty()) {
    if (auto written = write_file_durably(a.out, text); !written) exit_with_error(written.error());
  }
  print(options,
        json::object{{"origin", next.checkpoint.origin},
                     {"tree_size", next.checkpoint.tree_size},
                     {"previous_tree_size",
                      previous ? json::value(previous->checkpoint.tree_size) : json::value()},
                     {"time", now_s},
                     {"note", text}},
        text);
}

void run_verify(const WitnessArgs& a, const CliOptions& options) {
  auto log_key = parse_key_of_type(a.log_vkey, journal::kNoteTypeEd25519, "log_vkey");
  LogCheckpoint checked = must(verified_checkpoint(read_file_text(a.note, "note"), log_key));
  json::array witnesses;
  std::string text = fmt::format("checkpoint of {} at tree size {}: log signature ok",
                                 checked.checkpoint.origin, checked.checkpoint.tree_size);
  size_t cosigned = 0;
  for (const std::string& vkey : a.witness_vkeys) {
    auto key = parse_key_of_type(vkey, journal::kNoteTypeCosignatureV1, "witness_vkey");
    auto time_s = journal::verify_note(checked.note, key);
    if (!time_s && time_s.error().code != ErrorCode::not_found) exit_with_error(time_s.error());
    if (time_s) ++cosigned;
    witnesses.push_back(json::object{{"name", key.name},
                                     {"cosigned", time_s.has_value()},
                                     {"time", time_s ? json::value(*time_s) : json::value()}});
    text += fmt::format("\n  witness {}: {}", key.name,
                        time_s ? fmt::format("cosigned at {}", *time_s) : "no cosignature");
  }
  print(options,
        json::object{{"origin", checked.checkpoint.origin},
                     {"tree_size", checked.checkpoint.tree_size},
                     {"root", to_hex(checked.checkpoint.root)},
                     {"witnesses", std::move(witnesses)},
                     {"cosignatures", cosigned}},
        text);
  if (cosigned < a.min_witnesses) {
    fail_with(ErrorCode::not_found, "witness_vkey",
              fmt::format("{} of the required {} witnesses cosigned", cosigned, a.min_witnesses));
  }
}

// The log's signed checkpoint straight from the database and its key file.
journal::SignedNote database_checkpoint(const std::string& db, const std::string& origin_option,
                                        std::string& origin) {
  journal::Signer signer = must(journal::Signer::load(store::signing_key_path(db)));
  origin = origin_option.empty() ? journal::default_origin(signer.public_key()) : origin_option;
  if (!journal::make_verifier_key(origin, journal::kNoteTypeEd25519, signer.public_key())) {
    fail_with(ErrorCode::invalid_argument, "origin", "no spaces, '+' or control characters");
  }
  auto ledger = open_reader(db);
  const journal::TreeHead& head = ledger->journal().last_head();
  journal::Checkpoint checkpoint{
      origin, head.tree_size, head.tree_size == 0 ? journal::empty_tree_hash() : head.root, {}};
  return journal::sign_checkpoint(signer, checkpoint);
}

}  // namespace

void add_witness_commands(CLI::App& root, CliOptions& options) {
  auto a = std::make_shared<WitnessArgs>();
  CLI::App* ledger = nullptr;
  try {
    ledger = root.get_subcommand("ledger");
  } catch (const CLI::OptionNotFound&) {
    ledger = root.add_subcommand("ledger", "The tamper-evident journal")->require_subcommand(1);
  }
  auto* checkpoint =
      ledger->add_subcommand("checkpoint", "The latest tree head as a signed C2SP checkpoint");
  checkpoint->add_option("--db", a->db)->required();
  checkpoint->add_option("--origin", a->origin, "Origin line (default: from the key)");
  checkpoint->callback([a, &options] {
    std::string origin;
    std::string text = journal::format_signed_note(database_checkpoint(a->db, a->origin, origin));
    print(options, json::object{{"origin", origin}, {"note", text}}, text);
  });
  auto* vkey = ledger->add_subcommand("vkey", "The log's verifier key for its checkpoints");
  vkey->add_option("--db", a->db)->required();
  vkey->add_option("--origin", a->origin, "Origin line (default: from the key)");
  vkey->callback([a, &options] {
    journal::Signer signer = must(journal::Signer::load(store::signing_key_path(a->db)));
    std::string origin =
        a->origin.empty() ? journal::default_origin(signer.public_key()) : a->origin;
    auto key = journal::make_verifier_key(origin, journal::kNoteTypeEd25519, signer.public_key());
    if (!key) fail_with(ErrorCode::invalid_argument, "origin", key.error().detail);
    std::string text = journal::format_verifier_key(*key);
    print(options, json::object{{"origin", origin}, {"vkey", text}}, text);
  });

  auto* witness = root.add_subcommand("witness", "Witness the ledger: check and cosign checkpoints")
                      ->require_subcommand(1);
  auto* init = witness->add_subcommand("init", "Create a witness key and print its vkey");
  init->add_option("--key", a->key, "Private key file to create (mode 0600)")->required();
  init->add_option("--name", a->name, "Witness name, e.g. witness.example/w1")->required();
  init->callback([a, &options] {
    journal::Signer signer = must(journal::Signer::create(a->key));
    auto key =
        journal::make_verifier_key(a->name, journal::kNoteTypeCosignatureV1, signer.public_key());
    if (!key) {
      std::filesystem::remove(a->key);
      fail_with(ErrorCode::invalid_argument, "name", key.error().detail);
    }
    std::string text = journal::format_verifier_key(*key);
    print(options, json::object{{"name", a->name}, {"vkey", text}}, text);
  });
  auto* cosign = witness->add_subcommand(
      "cosign", "Fetch the checkpoint, prove it consistent with the last one, cosign it");
  cosign->add_option("--url", a->url, "Base URL of livechain serve")->required();
  cosign->add_option("--api-key", a->api_key, "API key (any role may read the ledger)")->required();
  cosign->add_option("--log-vkey", a->log_vkey, "The log's vkey (livechain ledger vkey)")
      ->required();
  cosign->add_option("--key", a->key, "Witness private key (witness init)")->required();
  cosign->add_option("--name", a->name, "Witness name (as given to witness init)")->required();
  cosign->add_option("--state", a->state, "File keeping the last checkpoint seen")->required();
  cosign->add_option("--out", a->out, "Also write the cosigned checkpoint here");
  cosign->callback([a, &options] { run_cosign(*a, options); });
  auto* verify = witness->add_subcommand("verify", "Check a (cosigned) checkpoint offline");
  verify->add_option("--note", a->note, "Checkpoint file")->required();
  verify->add_option("--log-vkey", a->log_vkey, "The log's vkey")->required();
  verify->add_option("--witness-vkey", a->witness_vkeys, "A witness's vkey (repeatable)");
  verify->add_option("--min-witnesses", a->min_witnesses,
                     "Fail unless this many of the given witnesses cosigned");
  verify->callback([a, &options] { run_verify(*a, options); });
}

}  // namespace livechain::cli
