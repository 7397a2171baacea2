// src/journal/checkpoint.hpp
//
// Tree heads in the formats other transparency-log tooling reads, so consortium
// members can witness the ledger without our code:
//   - C2SP signed notes (c2sp.org/signed-note): text, a blank line, then
//     "— <key name> base64(key id || signature)" lines; verifier keys
//     "<name>+<hex key id>+base64(type || public key)".
//   - C2SP checkpoints (c2sp.org/tlog-checkpoint): origin, tree size and base64 root
//     hash (RFC 6962) as the note text, signed by the log's Ed25519 key (type 0x01).
//   - C2SP Ed25519 cosignatures (c2sp.org/tlog-cosignature, type 0x04): a witness
//     signs "cosignature/v1\ntime <unix s>\n" + the checkpoint text, after it has
//     checked that the checkpoint is consistent with the last one it saw.
// Pure computation over strings plus Ed25519 (signer.hpp); no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "journal/merkle.hpp"
#include "journal/signer.hpp"

namespace livechain::journal {

// Signature type bytes of c2sp.org/signed-note.
inline constexpr uint8_t kNoteTypeEd25519 = 0x01;
inline constexpr uint8_t kNoteTypeCosignatureV1 = 0x04;

// Limits on notes we parse (the spec asks verifiers to accept at least 16 signatures).
inline constexpr size_t kNoteBytesMax = 64 * 1024;
inline constexpr size_t kNoteSignaturesMax = 64;
inline constexpr size_t kNoteKeyNameBytesMax = 256;

// A note verifier key: who signs (name), the 32-bit id derived from name, type and
// key, the signature type, and the Ed25519 public key.
struct NoteVerifierKey {
  std::string name;
  uint32_t key_id = 0;
  uint8_t type = kNoteTypeEd25519;
  PublicKey public_key{};
};

// SHA-256(name || "\n" || type || public key)[:4] as a big-endian uint32.
uint32_t note_key_id(std::string_view name, uint8_t type, const PublicKey& public_key);

// The verifier key for `public_key` under `name` (its key id computed).
// Errors: invalid_argument (field "name") for an empty name, one longer than
// kNoteKeyNameBytesMax, or one holding a space, '+' or a control character.
Result<NoteVerifierKey> make_verifier_key(std::string_view name, uint8_t type,
                                          const PublicKey& public_key);

// "<name>+<8 hex digits>+base64(type || key)".
std::string format_verifier_key(const NoteVerifierKey& key);

// Parses a verifier key of type 0x01 or 0x04. Errors: invalid_argument (field "vkey")
// naming the part at fault, including a key id that does not match name, type and key.
Result<NoteVerifierKey> parse_verifier_key(std::string_view text);

struct NoteSignature {
  std::string key_name;
  uint32_t key_id = 0;
  Bytes signature;  // what follows the key id: 64 bytes (0x01) or 8 + 64 (0x04)
};

struct SignedNote {
  std::string text;  // ends in "\n"; excludes the blank separator line
  std::vector<NoteSignature> signatures;
};

// Splits a signed note at its last blank line and parses every signature line.
// Errors: invalid_argument (field "note") for a note over kNoteBytesMax, invalid
// UTF-8 or control characters, no blank line, a malformed signature line, bad base64,
// or more than kNoteSignaturesMax signatures.
Result<SignedNote> parse_signed_note(std::string_view note);

// text + "\n" + one "— name base64" line per signature.
std::string format_signed_note(const SignedNote& note);

// The Ed25519 signature line of `signer` (type 0x01) over `text` under `key_name`.
NoteSignature sign_note(const Signer& signer, std::string_view key_name, std::string_view text);

// Checks `note` against `key`, per the spec: signatures whose name and id match the
// key are verified; any failure rejects the note. Errors: not_found (field "note")
// when no signature matches the key; invalid_argument (field "note") when one fails.
// For a cosignature key (0x04) the timestamped message is checked and the
// cosignature's timestamp (unix seconds) returned; for 0x01 the result is 0.
Result<uint64_t> verify_note(const SignedNote& note, const NoteVerifierKey& key);

struct Checkpoint {
  std::string origin;
  uint64_t tree_size = 0;
  Hash root{};
  std::vector<std::string> extension_lines;
};

// The origin a log uses when none is configured: "livechain.local/" and the first 16
// hex digits of SHA-256(public key), unique per signing key.
std::string default_origin(const PublicKey& log_public_key);

// "origin\nsize\nbase64(root)\n" plus the extension lines.
std::string checkpoint_text(const Checkpoint& checkpoint);

// Errors: invalid_argument (field "checkpoint") for fewer than three lines, an empty
// origin, a size that is not canonical decimal, a root that is not 32 bytes of
// base64, an empty extension line, or text not ending in a newline.
Result<Checkpoint> parse_checkpoint_text(std::string_view text);

// The log side: the checkpoint of (size, root) signed by the log's key under origin.
SignedNote sign_checkpoint(const Signer& log_signer, const Checkpoint& checkpoint);

// The witness side: a cosignature (type 0x04) over `checkpoint_text` at `time_s`.
NoteSignature cosign_checkpoint(const Signer& witness_signer, std::string_view witness_name,
                                std::string_view checkpoint_text, uint64_t time_s);

// The witness's rule before cosigning: `next` has the same origin as `previous`, is
// not smaller, and `proof` (RFC 9162 consistency proof from previous to next) holds;
// equal sizes need equal roots. Errors: invalid_state (field "checkpoint") for an
// origin change or a smaller tree; corruption (field "proof") for a proof that does
// not verify — the log has forked or rewritten its history.
Result<void> check_consistent(const Checkpoint& previous, const Checkpoint& next,
                              std::span<const Hash> proof);

// RFC 4648 §4 base64 with padding (the encoding signed notes use).
std::string base64_encode(std::span<const uint8_t> bytes);
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace livechain::journal
