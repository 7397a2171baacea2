// src/cli/ledger_commands.cpp — `livechain ledger …`: audit the journal from outside.
//
// Every subcommand opens the database read-only (store::OpenMode::reader), so it can
// run beside a live writer, and builds a Journal without a signer: nothing here can
// append or re-sign. `ledger rebuild` is registered elsewhere (it writes); it finds
// this group with root.get_subcommand("ledger").
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli.hpp"
#include "core/bytes.hpp"
#include "journal/journal.hpp"
#include "store/store.hpp"

namespace livechain::cli {
namespace {

using journal::Hash;
using journal::Journal;
using journal::JournalStorage;
using journal::PublicKey;

// The meta key under which `livechain init` stores the journal's Ed25519 public key
// as lowercase hex.

// Prints `error` for people and leaves the command with exit code 1.
[[noreturn]] void exit_with(std::string_view command, const Error& error) {
  std::fprintf(stderr, "livechain ledger %.*s: %s\n", static_cast<int>(command.size()),
               command.data(), error.to_string().c_str());
  throw CommandExit{kExitFailure};
}

template <class T>
T unwrap(Result<T> result, std::string_view command) {
  if (!result) exit_with(command, result.error());
  return std::move(*result);
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_hashes(const std::vector<Hash>& hashes) {
  std::string out = "[";
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i > 0) out += ",";
    out += json_string(to_hex(hashes[i]));
  }
  return out + "]";
}

// "2024-05-01T12:00:00.123Z" for a head time, so people need not convert epoch ms.
std::string utc_text(TimeMs time_ms) {
  std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm parts{};
  if (time_ms < 0 || gmtime_r(&seconds, &parts) == nullptr) return "?";
  char text[40];
  size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
  std::snprintf(text + length, sizeof text - length, ".%03dZ", static_cast<int>(time_ms % 1000));
  return text;
}

struct OpenedJournal {
  std::unique_ptr<JournalStorage> storage;  // outlives journal (declared first)
  std::unique_ptr<Journal> journal;
};

OpenedJournal open_journal(const std::string& db, std::string_view command) {
  OpenedJournal opened;
  opened.storage = unwrap(store::open_sqlite(db, store::OpenMode::reader), command);
  opened.journal = unwrap(Journal::open(*opened.storage, std::nullopt), command);
  return opened;
}

Result<PublicKey> parse_public_key(std::string_view hex, std::string field) {
  auto bytes = from_hex(hex);
  PublicKey key{};
  if (!bytes || bytes->size() != key.size()) {
    return fail(ErrorCode::invalid_argument, std::move(field),
                "expected 64 hex digits (a 32-byte Ed25519 public key)");
  }
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

// The key stored in the database's meta table. That key proves only that the file is
// self-consistent: whoever can rewrite the database can replace it too. An auditor
// verifies against a key held independently (--pubkey).
Result<PublicKey> stored_public_key(JournalStorage& storage) {
  auto value = storage.get_meta(journal::kPublicKeyMetaKey);
  if (!value) return std::unexpected(value.error());
  if (!value->has_value()) {
    return fail(ErrorCode::not_found, journal::kPublicKeyMetaKey,
                "no public key stored in the database; pass --pubkey");
  }
  return parse_public_key(**value, journal::kPublicKeyMetaKey);
}

Result<std::string> public_key_pem(const PublicKey& key) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()),
      &EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!pkey || !bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) {
    return fail(ErrorCode::invalid_argument, journal::kPublicKeyMetaKey, "not a valid Ed25519 public key");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

void add_verify(CLI::App& ledger, CliOptions& options) {
  struct Args {
    std::string db;
    std::string pubkey_hex;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = ledger.add_subcommand(
      "verify", "Recompute every checksum, Merkle root and signature of the journal");
  command->add_option("--db", args->db, "Database file")->required();
  command->add_option("--pubkey", args->pubkey_hex,
                      "Ed25519 public key (hex) to verify against; default: the key stored in "
                      "the database (meta \"public_key\")");
  command->callback([args, &options] {
    auto storage = unwrap(store::open_sqlite(args->db, store::OpenMode::reader), "verify");
    PublicKey key = unwrap(args->pubkey_hex.empty() ? stored_public_key(*storage)
                                                    : parse_public_key(args->pubkey_hex, "pubkey"),
                           "verify");
    journal::VerifyReport report = unwrap(journal::verify_journal(*storage, key), "verify");
    std::string root = to_hex(report.last_head.root);
    if (report.ok && options.json) {
      std::printf(
          "{\"ok\":true,\"events\":%llu,\"batches\":%llu,\"tree_size\":%llu,"
          "\"root\":\"%s\",\"public_key\":\"%s\"}\n",
          static_cast<unsigned long long>(report.events_checked),
          static_cast<unsigned long long>(report.batches_checked),
          static_cast<unsigned long long>(report.last_head.tree_size), root.c_str(),
          to_hex(key).c_str());
    } else if (report.ok) {
      std::printf("ok: %llu events in %llu batches, tree size %llu, root %s\n",
                  static_cast<unsigned long long>(report.events_checked),
                  static_cast<unsigned long long>(report.batches_checked),
                  static_cast<unsigned long long>(report.last_head.tree_size), root.c_str());
    } else if (options.json) {
      std::printf(
          "{\"ok\":false,\"first_bad_seq\":%llu,\"reason\":%s,\"events_checked\":%llu,"
          "\"batches_checked\":%llu}\n",
          static_cast<unsigned long long>(report.first_bad_seq.value_or(0)),
          json_string(report.reason).c_str(),
          static_cast<unsigned long long>(report.events_checked),
          static_cast<unsigned long long>(report.batches_checked));
    } else {
      std::printf("FAILED at seq %llu: %s\n",
                  static_cast<unsigned long long>(report.first_bad_seq.value_or(0)),
                  report.reason.c_str());
    }
    if (!report.ok) throw CommandExit{kExitFailure};
  });
}

void add_root(CLI::App& ledger, CliOptions& options) {
  auto db = std::make_shared<std::string>();
  CLI::App* command = ledger.add_subcommand("root", "Print the latest signed tree head");
  command->add_option("--db", *db, "Database file")->required();
  command->callback([db, &options] {
    OpenedJournal opened = open_journal(*db, "root");
    const journal::TreeHead& head = opened.journal->last_head();
    bool signed_head = head.tree_size > 0;  // the empty tree has no signed head
    std::string root = to_hex(head.root);
    std::string signature = signed_head ? to_hex(head.signature) : "";
    if (options.json) {
      std::printf("{\"tree_size\":%llu,\"root\":\"%s\",\"time_ms\":%lld,\"signature\":%s}\n",
                  static_cast<unsigned long long>(head.tree_size), root.c_str(),
                  static_cast<long long>(head.time_ms),
                  signed_head ? json_string(signature).c_str() : "null");
      return;
    }
    std::printf("tree size %llu\nroot %s\n", static_cast<unsigned long long>(head.tree_size),
                root.c_str());
    if (!signed_head) {
      std::printf("(empty journal: no signed tree head yet)\n");
      return;
    }
    std::printf("time_ms %lld (%s)\nsignature %s\n", static_cast<long long>(head.time_ms),
                utc_text(head.time_ms).c_str(), signature.c_str());
  });
}

void print_proof(const char* label, const std::vector<Hash>& proof) {
  std::printf("%s (%zu hashes):\n", label, proof.size());
  for (const Hash& hash : proof) std::printf("%s\n", to_hex(hash).c_str());
}

void add_prove(CLI::App& ledger, CliOptions& options) {
  struct Args {
    std::string db;
    uint64_t seq = 0;
    uint64_t tree_size = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command =
      ledger.add_subcommand("prove", "Print an inclusion proof of one event in the Merkle tree");
  command->add_option("--db", args->db, "Database file")->required();
  command->add_option("--seq", args->seq, "Sequence number (leaf index) of the event")->required();
  CLI::Option* size_option =
      command->add_option("--size", args->tree_size, "Tree size; default: the current size");
  command->callback([args, size_option, &options] {
    OpenedJournal opened = open_journal(args->db, "prove");
    Journal& journal = *opened.journal;
    uint64_t tree_size = size_option->count() > 0 ? args->tree_size : journal.tree_size();
    Bytes event = unwrap(journal.event(args->seq), "prove");
    std::vector<Hash> proof = unwrap(journal.inclusion_proof(args->seq, tree_size), "prove");
    Hash root = unwrap(journal.root_at(tree_size), "prove");
    std::string leaf = to_hex(journal::leaf_hash(event));
    if (options.json) {
      std::printf(
          "{\"seq\":%llu,\"tree_size\":%llu,\"root\":\"%s\",\"leaf_hash\":\"%s\","
          "\"event\":\"%s\",\"proof\":%s}\n",
          static_cast<unsigned long long>(args->seq), static_cast<unsigned long long>(tree_size),
          to_hex(root).c_str(), leaf.c_str(), to_hex(event).c_str(), json_hashes(proof).c_str());
      return;
    }
    std::printf("seq %llu\ntree size %llu\nroot %s\nleaf hash %s\nevent %s\n",
                static_cast<unsigned long long>(args->seq),
                static_cast<unsigned long long>(tree_size), to_hex(root).c_str(), leaf.c_str(),
                to_hex(event).c_str());
    print_proof("proof", proof);
  });
}

void add_consistency(CLI::App& ledger, CliOptions& options) {
  struct Args {
    std::string db;
    uint64_t old_size = 0;
    uint64_t new_size = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = ledger.add_subcommand(
      "consistency", "Print a proof that the tree of one size is a prefix of a larger one");
  command->add_option("--db", args->db, "Database file")->required();
  command->add_option("--from-size", args->old_size, "Older tree size (> 0)")->required();
  CLI::Option* to_option =
      command->add_option("--to-size", args->new_size, "Newer tree size; default: current size");
  command->callback([args, to_option, &options] {
    OpenedJournal opened = open_journal(args->db, "consistency");
    Journal& journal = *opened.journal;
    uint64_t new_size = to_option->count() > 0 ? args->new_size : journal.tree_size();
    std::vector<Hash> proof =
        unwrap(journal.consistency_proof(args->old_size, new_size), "consistency");
    std::string old_root = to_hex(unwrap(journal.root_at(args->old_size), "consistency"));
    std::string new_root = to_hex(unwrap(journal.root_at(new_size), "consistency"));
    if (options.json) {
      std::printf(
          "{\"old_size\":%llu,\"new_size\":%llu,\"old_root\":\"%s\",\"new_root\":\"%s\","
          "\"proof\":%s}\n",
          static_cast<unsigned long long>(args->old_size),
          static_cast<unsigned long long>(new_size), old_root.c_str(), new_root.c_str(),
          json_hashes(proof).c_str());
      return;
    }
    std::printf("old size %llu\nnew size %llu\nold root %s\nnew root %s\n",
                static_cast<unsigned long long>(args->old_size),
                static_cast<unsigned long long>(new_size), old_root.c_str(), new_root.c_str());
    print_proof("proof", proof);
  });
}

void add_pubkey(CLI::App& ledger, CliOptions& options) {
  struct Args {
    std::string db;
    bool pem = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command =
      ledger.add_subcommand("pubkey", "Print the journal's Ed25519 public key (tree-head signer)");
  command->add_option("--db", args->db, "Database file")->required();
  command->add_flag("--pem", args->pem, "Print as SubjectPublicKeyInfo PEM");
  command->callback([args, &options] {
    auto storage = unwrap(store::open_sqlite(args->db, store::OpenMode::reader), "pubkey");
    PublicKey key = unwrap(stored_public_key(*storage), "pubkey");
    std::string pem = args->pem ? unwrap(public_key_pem(key), "pubkey") : "";
    if (options.json) {
      std::printf("{\"algorithm\":\"Ed25519\",\"public_key\":\"%s\"%s%s}\n", to_hex(key).c_str(),
                  args->pem ? ",\"pem\":" : "", args->pem ? json_string(pem).c_str() : "");
    } else if (args->pem) {
      std::fputs(pem.c_str(), stdout);
    } else {
      std::printf("%s\n", to_hex(key).c_str());
    }
  });
}

}  // namespace

void add_ledger_commands(CLI::App& root, CliOptions& options) {
  CLI::App* ledger = root.add_subcommand(
      "ledger", "Audit the journal: verify it, print signed heads, prove inclusion/consistency");
  ledger->require_subcommand(1);
  add_verify(*ledger, options);
  add_root(*ledger, options);
  add_prove(*ledger, options);
  add_consistency(*ledger, options);
  add_pubkey(*ledger, options);
}

}  // namespace livechain::cli
