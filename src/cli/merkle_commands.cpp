// src/cli/merkle_commands.cpp — `livechain merkle …`: RFC 9162 Merkle tools over stdin.
//
//   merkle root                      leaves on stdin → root hash
//   merkle inclusion --index I       leaves on stdin → audit path of leaf I
//   merkle consistency --old-size M  leaves on stdin → consistency proof M → N
//   merkle verify-inclusion --index I --size N (--leaf-hex L | --leaf-hash H) --root R
//   merkle verify-consistency --old-size M --old-root R1 --size N --root R2
//
// Leaves are hex, one per line: an empty line is the empty leaf, a final newline does
// not add a leaf, CRLF line ends are accepted. Proofs (verify-*) are read from stdin as
// 64-digit hex hashes, one per line. Output is hex (one hash per line) or, with --json,
// one JSON object. Bad input → message on stderr naming the field or stdin line, exit 1;
// a proof that does not verify → "invalid", exit 1.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli.hpp"
#include "core/assert.hpp"
#include "core/bytes.hpp"
#include "core/error.hpp"
#include "journal/merkle.hpp"

namespace livechain::cli {
namespace {

using journal::Hash;

// Limits on stdin, so a runaway pipe fails with a message instead of exhausting memory.
// Leaf hashes are kept in memory (32 bytes each): 10M leaves ≈ 320 MB.
inline constexpr uint64_t kMerkleStdinLeavesMax = 10'000'000;
// One line of hex: 2 MiB of digits, i.e. leaves of up to 1 MiB.
inline constexpr size_t kMerkleStdinLineLengthMax = 2 * 1024 * 1024;
// Proof hashes read by verify-*: well above the longest valid proof for 64-bit tree
// sizes (64 for inclusion, at most two per level for consistency).
inline constexpr size_t kMerkleProofHashesMax = 256;

// Reads stdin line by line through a fixed buffer. Strips "\n" / "\r\n"; a final line
// without a newline still counts, a final newline does not start another line.
class StdinLines {
 public:
  // Returns true with the next line in `line`, false at end of input.
  // Errors: limit_exceeded (field "stdin line N") for an over-long line; io_error.
  Result<bool> next(std::string& line) {
    line.clear();
    bool saw_any = false;
    while (true) {
      if (position_ == filled_) {
        if (!refill()) break;
      }
      saw_any = true;
      const char* begin = buffer_.data() + position_;
      const char* end = buffer_.data() + filled_;
      const char* newline = static_cast<const char*>(std::memchr(begin, '\n', end - begin));
      const char* stop = newline != nullptr ? newline : end;
      if (line.size() + static_cast<size_t>(stop - begin) > kMerkleStdinLineLengthMax + 1) {
        return fail(
            ErrorCode::limit_exceeded, field(line_number_ + 1),
            "line longer than " + std::to_string(kMerkleStdinLineLengthMax) + " characters");
      }
      line.append(begin, stop);
      position_ = static_cast<size_t>(stop - buffer_.data());
      if (newline != nullptr) {
        ++position_;
        break;
      }
    }
    if (std::ferror(stdin)) return fail(ErrorCode::io_error, "stdin", "read failed");
    if (!saw_any) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > kMerkleStdinLineLengthMax) {
      return fail(ErrorCode::limit_exceeded, field(line_number_ + 1),
                  "line longer than " + std::to_string(kMerkleStdinLineLengthMax) + " characters");
    }
    ++line_number_;
    return true;
  }

  uint64_t line_number() const { return line_number_; }
  static std::string field(uint64_t line_number) {
    return "stdin line " + std::to_string(line_number);
  }

 private:
  bool refill() {
    position_ = 0;
    filled_ = std::fread(buffer_.data(), 1, buffer_.size(), stdin);
    return filled_ > 0;
  }

  std::array<char, 64 * 1024> buffer_;
  size_t position_ = 0;
  size_t filled_ = 0;
  uint64_t line_number_ = 0;
};

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes hex into `out` (reused between lines, so reading leaves does not allocate
// per line). Errors: invalid_argument naming `field`, with the offending column.
Result<void> decode_hex(std::string_view text, const std::string& field, Bytes& out) {
  if (text.size() % 2 != 0) {
    return fail(ErrorCode::invalid_argument, field,
                "odd number of hex digits (" + std::to_string(text.size()) + ")");
  }
  out.resize(text.size() / 2);
  for (size_t i = 0; i < text.size(); ++i) {
    if (hex_digit_value(text[i]) < 0) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      const std::string shown =
          (c >= 0x20 && c < 0x7f) ? std::string(1, text[i]) : "\\x" + to_hex({&c, 1});
      return fail(ErrorCode::invalid_argument, field,
                  "not hex: '" + shown + "' at column " + std::to_string(i + 1));
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] =
        static_cast<uint8_t>(hex_digit_value(text[2 * i]) << 4 | hex_digit_value(text[2 * i + 1]));
  }
  return {};
}

// Errors: invalid_argument naming `field` unless `text` is 64 hex digits.
Result<Hash> parse_hash(std::string_view text, const std::string& field) {
  Bytes bytes;
  if (Result<void> decoded = decode_hex(text, field, bytes); !decoded) {
    return std::unexpected(decoded.error());
  }
  if (bytes.size() != sizeof(Hash)) {
    return fail(
        ErrorCode::invalid_argument, field,
        "a hash is 64 hex digits (32 bytes), got " + std::to_string(text.size()) + " digits");
  }
  Hash hash;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

// Reads leaves (hex data, one per line) and returns their leaf hashes.
Result<std::vector<Hash>> read_leaf_hashes() {
  StdinLines lines;
  std::vector<Hash> leaf_hashes;
  std::string line;
  Bytes data;
  while (true) {
    Result<bool> more = lines.next(line);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    if (leaf_hashes.size() == kMerkleStdinLeavesMax) {
      return fail(ErrorCode::limit_exceeded, StdinLines::field(lines.line_number()),
                  "more than " + std::to_string(kMerkleStdinLeavesMax) + " leaves");
    }
    Result<void> decoded = decode_hex(line, StdinLines::field(lines.line_number()), data);
    if (!decoded) return std::unexpected(decoded.error());
    leaf_hashes.push_back(journal::leaf_hash(data));
  }
  LC_ASSERT(leaf_hashes.size() <= kMerkleStdinLeavesMax);
  return leaf_hashes;
}

// Reads a proof: one 64-digit hex hash per line.
Result<std::vector<Hash>> read_proof() {
  StdinLines lines;
  std::vector<Hash> proof;
  std::string line;
  while (true) {
    Result<bool> more = lines.next(line);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    const std::string field = StdinLines::field(lines.line_number());
    if (proof.size() == kMerkleProofHashesMax) {
      return fail(ErrorCode::limit_exceeded, field,
                  "more than " + std::to_string(kMerkleProofHashesMax) + " proof hashes");
    }
    Result<Hash> hash = parse_hash(line, field);
    if (!hash) return std::unexpected(hash.error());
    proof.push_back(*hash);
  }
  LC_ASSERT(proof.size() <= kMerkleProofHashesMax);
  return proof;
}

// ---------------------------------------------------------------- output

void print_proof(const CliOptions& options, const std::string& json_prefix,
                 const std::vector<Hash>& proof) {
  if (!options.json) {
    for (const Hash& hash : proof) std::printf("%s\n", to_hex(hash).c_str());
    return;
  }
  std::string out = "{" + json_prefix + "\"proof\":[";
  for (size_t i = 0; i < proof.size(); ++i) {
    out += (i == 0 ? "\"" : ",\"") + to_hex(proof[i]) + "\"";
  }
  out += "]}\n";
  std::fputs(out.c_str(), stdout);
}

// Prints valid/invalid; an invalid proof is a failed command (exit 1).
void print_verdict(const CliOptions& options, bool valid) {
  if (options.json) {
    std::printf("{\"valid\":%s}\n", valid ? "true" : "false");
  } else {
    std::printf("%s\n", valid ? "valid" : "invalid");
  }
  if (!valid) throw CommandExit{kExitFailure};
}

// Runs a command body; an Error becomes a stderr message and exit code 1. Exceptions
// stay inside the CLI: CommandExit is caught by main().
template <class Body>
void run_command(const char* name, Body body) {
  Result<void> result = body();
  if (!result) {
    std::fflush(stdout);
    std::fprintf(stderr, "livechain merkle %s: %s\n", name, result.error().to_string().c_str());
    throw CommandExit{kExitFailure};
  }
}

// ---------------------------------------------------------------- commands

// CLI11 reads integers with strtoull, which takes "-1" as 2^64-1 and saturates values
// above 2^64-1; this check rejects both before conversion (a usage error, exit 2).
const CLI::Validator kUint64Text(
    [](std::string& text) -> std::string {
      uint64_t value = 0;
      const char* end = text.data() + text.size();
      auto [stop, error] = std::from_chars(text.data(), end, value);
      if (text.empty() || error != std::errc() || stop != end) {
        return "'" + text + "' is not an integer in 0.." + std::to_string(UINT64_MAX);
      }
      return std::string();
    },
    "UINT64");

struct MerkleArgs {
  uint64_t index = 0;
  uint64_t size = 0;
  uint64_t old_size = 0;
  std::string leaf_hex;
  std::string leaf_hash;
  std::string root;
  std::string old_root;
  CLI::Option* leaf_hex_option = nullptr;
  CLI::Option* leaf_hash_option = nullptr;
};

CLI::App* add_leaf_command(CLI::App& merkle, const char* name, const char* description) {
  CLI::App* command = merkle.add_subcommand(name, description);
  command->fallthrough();  // lets the global --json follow the subcommand
  return command;
}

void add_root(CLI::App& merkle, const CliOptions& options) {
  CLI::App* command = add_leaf_command(merkle, "root", "Print the root of the leaves on stdin");
  command->callback([&options] {
    run_command("root", [&]() -> Result<void> {
      Result<std::vector<Hash>> leaves = read_leaf_hashes();
      if (!leaves) return std::unexpected(leaves.error());
      const std::string root = to_hex(journal::root_from_leaf_hashes(*leaves));
      if (options.json) {
        std::printf("{\"root\":\"%s\",\"tree_size\":%zu}\n", root.c_str(), leaves->size());
      } else {
        std::printf("%s\n", root.c_str());
      }
      return {};
    });
  });
}

void add_inclusion(CLI::App& merkle, const CliOptions& options,
                   const std::shared_ptr<MerkleArgs>& args) {
  CLI::App* command =
      add_leaf_command(merkle, "inclusion", "Print the audit path of leaf --index (0-based)");
  command->add_option("--index", args->index, "Leaf index, 0-based")
      ->check(kUint64Text)
      ->required();
  command->callback([&options, args] {
    run_command("inclusion", [&]() -> Result<void> {
      Result<std::vector<Hash>> leaves = read_leaf_hashes();
      if (!leaves) return std::unexpected(leaves.error());
      if (args->index >= leaves->size()) {
        return fail(ErrorCode::invalid_argument, "--index",
                    std::to_string(args->index) + " is out of range for " +
                        std::to_string(leaves->size()) + " leaves");
      }
      Result<std::vector<Hash>> proof =
          journal::inclusion_proof(*leaves, args->index, leaves->size());
      if (!proof) return std::unexpected(proof.error());
      print_proof(options,
                  "\"leaf_index\":" + std::to_string(args->index) +
                      ",\"tree_size\":" + std::to_string(leaves->size()) + ",",
                  *proof);
      return {};
    });
  });
}

void add_consistency(CLI::App& merkle, const CliOptions& options,
                     const std::shared_ptr<MerkleArgs>& args) {
  CLI::App* command = add_leaf_command(merkle, "consistency",
                                       "Print the consistency proof from --old-size to all leaves");
  command->add_option("--old-size", args->old_size, "Size of the older tree (>= 1)")
      ->check(kUint64Text)
      ->required();
  command->callback([&options, args] {
    run_command("consistency", [&]() -> Result<void> {
      Result<std::vector<Hash>> leaves = read_leaf_hashes();
      if (!leaves) return std::unexpected(leaves.error());
      if (args->old_size == 0 || args->old_size > leaves->size()) {
        return fail(ErrorCode::invalid_argument, "--old-size",
                    std::to_string(args->old_size) + " must be between 1 and the " +
                        std::to_string(leaves->size()) + " leaves given");
      }
      Result<std::vector<Hash>> proof =
          journal::consistency_proof(*leaves, args->old_size, leaves->size());
      if (!proof) return std::unexpected(proof.error());
      print_proof(options,
                  "\"old_size\":" + std::to_string(args->old_size) +
                      ",\"tree_size\":" + std::to_string(leaves->size()) + ",",
                  *proof);
      return {};
    });
  });
}

// The leaf to verify: --leaf-hex (data, leaf-hashed here) or --leaf-hash (already hashed).
Result<Hash> verified_leaf(const MerkleArgs& args) {
  if (args.leaf_hash_option->count() > 0) return parse_hash(args.leaf_hash, "--leaf-hash");
  Bytes data;
  Result<void> decoded = decode_hex(args.leaf_hex, "--leaf-hex", data);
  if (!decoded) return std::unexpected(decoded.error());
  return journal::leaf_hash(data);
}

void add_verify_inclusion(CLI::App& merkle, const CliOptions& options,
                          const std::shared_ptr<MerkleArgs>& args) {
  CLI::App* command =
      add_leaf_command(merkle, "verify-inclusion", "Verify an inclusion proof read from stdin");
  command->add_option("--index", args->index, "Leaf index, 0-based")
      ->check(kUint64Text)
      ->required();
  command->add_option("--size", args->size, "Tree size")->check(kUint64Text)->required();
  args->leaf_hex_option = command->add_option("--leaf-hex", args->leaf_hex, "Leaf data, hex");
  args->leaf_hash_option =
      command->add_option("--leaf-hash", args->leaf_hash, "Leaf hash, 64 hex digits");
  args->leaf_hex_option->excludes(args->leaf_hash_option);
  command->add_option("--root", args->root, "Root hash, 64 hex digits")->required();
  command->callback([&options, args] {
    if (args->leaf_hex_option->count() + args->leaf_hash_option->count() == 0) {
      throw CLI::RequiredError("--leaf-hex or --leaf-hash");  // a usage error: exit 2
    }
    run_command("verify-inclusion", [&]() -> Result<void> {
      Result<Hash> leaf = verified_leaf(*args);
      if (!leaf) return std::unexpected(leaf.error());
      Result<Hash> root = parse_hash(args->root, "--root");
      if (!root) return std::unexpected(root.error());
      Result<std::vector<Hash>> proof = read_proof();
      if (!proof) return std::unexpected(proof.error());
      print_verdict(options,
                    journal::verify_inclusion(args->index, args->size, *leaf, *proof, *root));
      return {};
    });
  });
}

void add_verify_consistency(CLI::App& merkle, const CliOptions& options,
                            const std::shared_ptr<MerkleArgs>& args) {
  CLI::App* command =
      add_leaf_command(merkle, "verify-consistency", "Verify a consistency proof read from stdin");
  command->add_option("--old-size", args->old_size, "Size of the older tree")
      ->check(kUint64Text)
      ->required();
  command->add_option("--old-root", args->old_root, "Older root, 64 hex digits")->required();
  command->add_option("--size", args->size, "Size of the newer tree")
      ->check(kUint64Text)
      ->required();
  command->add_option("--root", args->root, "Newer root, 64 hex digits")->required();
  command->callback([&options, args] {
    run_command("verify-consistency", [&]() -> Result<void> {
      Result<Hash> old_root = parse_hash(args->old_root, "--old-root");
      if (!old_root) return std::unexpected(old_root.error());
      Result<Hash> root = parse_hash(args->root, "--root");
      if (!root) return std::unexpected(root.error());
      Result<std::vector<Hash>> proof = read_proof();
      if (!proof) return std::unexpected(proof.error());
      print_verdict(options, journal::verify_consistency(args->old_size, args->size, *old_root,
                                                         *root, *proof));
      return {};
    });
  });
}

}  // namespace

// Registers `merkle` and its five subcommands on `root`. `options` must outlive parsing
// (the callbacks read options.json). Callbacks print results on stdout, errors on stderr,
// and leave by CommandExit{kExitFailure} on bad input or a proof that does not verify.
void add_merkle_commands(CLI::App& root, CliOptions& options) {
  CLI::App* merkle = root.add_subcommand("merkle", "RFC 9162 Merkle tree tools (SHA-256)");
  merkle->require_subcommand(1);
  merkle->fallthrough();
  // Option values must outlive this function: CLI11 parses (and runs callbacks) later.
  // Only one subcommand runs per invocation, so they can share one MerkleArgs.
  auto args = std::make_shared<MerkleArgs>();
  add_root(*merkle, options);
  add_inclusion(*merkle, options, args);
  add_consistency(*merkle, options, args);
  add_verify_inclusion(*merkle, options, args);
  add_verify_consistency(*merkle, options, args);
}

}  // namespace livechain::cli
