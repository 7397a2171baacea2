// src/journal/checkpoint.cpp — C2SP signed notes, checkpoints and cosignatures.
#include "journal/checkpoint.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace livechain::journal {
namespace {

constexpr std::string_view kEmDashSpace = "\xE2\x80\x94 ";  // U+2014 then a space
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::unexpected<Error> note_error(std::string detail) {
  return fail(ErrorCode::invalid_argument, "note", std::move(detail));
}

// A key name is non-empty, bounded, and holds no spaces, '+' or control characters.
bool valid_key_name(std::string_view name) {
  if (name.empty() || name.size() > kNoteKeyNameBytesMax) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == '+' || byte == 0x7F;
  });
}

// Structural UTF-8 check (lead/continuation bytes, no overlong two-byte forms), enough
// to refuse binary garbage; the note's bytes are signed as they are.
bool valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t continuation = 0;
    if (lead >= 0xC2 && lead < 0xE0) {
      continuation = 1;
    } else if (lead >= 0xE0 && lead < 0xF0) {
      continuation = 2;
    } else if (lead >= 0xF0 && lead < 0xF5) {
      continuation = 3;
    } else if (lead >= 0x80) {
      return false;  // a stray continuation byte or an invalid lead byte
    }
    if (continuation >= text.size() - i) return false;  // truncated sequence
    for (size_t k = 1; k <= continuation; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += continuation + 1;
  }
  return true;
}

void put_u32(Bytes& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

void put_u64(Bytes& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

uint64_t read_u64(std::span<const uint8_t> bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

std::span<const uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string cosignature_message(std::string_view checkpoint_text, uint64_t time_s) {
  std::string message = "cosignature/v1\ntime " + std::to_string(time_s) + "\n";
  message += checkpoint_text;
  return message;
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string base64_encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t group = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kBase64Alphabet[(group >> shift) & 0x3F];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t group = uint32_t{bytes[i]} << 16;
    if (rest == 2) group |= uint32_t{bytes[i + 1]} << 8;
    out += kBase64Alphabet[(group >> 18) & 0x3F];
    out += kBase64Alphabet[(group >> 12) & 0x3F];
    out += rest == 2 ? kBase64Alphabet[(group >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

std::optional<Bytes> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t group = 0;
    int padding = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      uint32_t sextet = 0;
      if (c == '=') {
        // Padding only in the last group's last one or two places.
        if (i + 4 != text.size() || k < 2) return std::nullopt;
        ++padding;
      } else {
        if (padding > 0) return std::nullopt;
        size_t position = kBase64Alphabet.find(c);
        if (position == std::string_view::npos) return std::nullopt;
        sextet = static_cast<uint32_t>(position);
      }
      group = (group << 6) | sextet;
    }
    out.push_back(static_cast<uint8_t>(group >> 16));
    if (padding < 2) out.push_back(static_cast<uint8_t>(group >> 8));
    if (padding < 1) out.push_back(static_cast<uint8_t>(group));
    // Canonical encoding: the bits under the padding are zero.
    if ((padding == 1 && (group & 0xFF) != 0) || (padding == 2 && (group & 0xFFFF) != 0)) {
      return std::nullopt;
    }
  }
  return out;
}

uint32_t note_key_id(std::string_view name, uint8_t type, const PublicKey& public_key) {
  Bytes message(name.begin(), name.end());
  message.push_back('\n');
  message.push_back(type);
  message.insert(message.end(), public_key.begin(), public_key.end());
  Hash digest = sha256(message);
  return (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) | (uint32_t{digest[2]} << 8) |
         digest[3];
}

Result<NoteVerifierKey> make_verifier_key(std::string_view name, uint8_t type,
                                          const PublicKey& public_key) {
  if (!valid_key_name(name)) {
    return fail(ErrorCode::invalid_argument, "name",
                "a key name is 1-" + std::to_string(kNoteKeyNameBytesMax) +
                    " bytes with no spaces, '+' or control characters");
  }
  return NoteVerifierKey{std::string(name), note_key_id(name, type, public_key), type, public_key};
}

std::string format_verifier_key(const NoteVerifierKey& key) {
  char id_hex[9];
  std::snprintf(id_hex, sizeof id_hex, "%08x", key.key_id);
  Bytes material{key.type};
  material.insert(material.end(), key.public_key.begin(), key.public_key.end());
  return key.name + "+" + id_hex + "+" + base64_encode(material);
}

Result<NoteVerifierKey> parse_verifier_key(std::string_view text) {
  auto bad = [](std::string detail) {
    return fail(ErrorCode::invalid_argument, "vkey", std::move(detail));
  };
  // name+id+key: the name holds no '+', the id is hex, and the base64 key may hold '+'.
  size_t first = text.find('+');
  size_t second = first == std::string_view::npos ? first : text.find('+', first + 1);
  if (second == std::string_view::npos) return bad("expected <name>+<hex key id>+<base64 key>");
  std::string_view name = text.substr(0, first);
  std::string_view id_hex = text.substr(first + 1, second - first - 1);
  if (!valid_key_name(name)) return bad("the key name is empty, too long or holds a space");
  uint32_t key_id = 0;
  auto [end, error] = std::from_chars(id_hex.data(), id_hex.data() + id_hex.size(), key_id, 16);
  if (id_hex.size() != 8 || error != std::errc() || end != id_hex.data() + id_hex.size()) {
    return bad("the key id must be 8 hex digits");
  }
  auto material = base64_decode(text.substr(second + 1));
  if (!material || material->size() != 33) {
    return bad("the key must be base64 of a type byte and a 32-byte Ed25519 public key");
  }
  uint8_t type = (*material)[0];
  if (type != kNoteTypeEd25519 && type != kNoteTypeCosignatureV1) {
    return bad("signature type " + std::to_string(type) +
               " is not supported (0x01 Ed25519, 0x04 Ed25519 cosignature)");
  }
  PublicKey public_key{};
  std::copy(material->begin() + 1, material->end(), public_key.begin());
  if (note_key_id(name, type, public_key) != key_id) {
    return bad("the key id does not match the name, type and key");
  }
  return NoteVerifierKey{std::string(name), key_id, type, public_key};
}

Result<SignedNote> parse_signed_note(std::string_view note) {
  if (note.size() > kNoteBytesMax) {
    return fail(ErrorCode::limit_exceeded, "note",
                "a note is at most " + std::to_string(kNoteBytesMax) + " bytes");
  }
  if (!valid_utf8(note)) return note_error("not valid UTF-8");
  for (char c : note) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') {
      return note_error("control characters other than newline");
    }
  }
  if (note.empty() || note.back() != '\n') {
    return note_error("a signed note ends in a newline");
  }
  // The text ends at the last blank line ("\n\n"); the signature block follows it.
  size_t separator = note.rfind("\n\n");
  if (separator == std::string_view::npos) {
    return note_error("no blank line before the signatures");
  }
  SignedNote parsed;
  parsed.text = std::string(note.substr(0, separator + 1));
  std::string_view block = note.substr(separator + 2);
  if (block.empty()) return note_error("no signature lines");
  while (!block.empty()) {
    size_t end = block.find('\n');
    std::string_view line = block.substr(0, end);
    block.remove_prefix(end + 1);
    if (parsed.signatures.size() == kNoteSignaturesMax) {
      return fail(ErrorCode::limit_exceeded, "note",
                  "at most " + std::to_string(kNoteSignaturesMax) + " signatures");
    }
    if (!line.starts_with(kEmDashSpace)) {
      return note_error("a signature line starts with an em dash and a space");
    }
    line.remove_prefix(kEmDashSpace.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return note_error("a signature line is '— <key name> <base64>'");
    }
    std::string_view name = line.substr(0, space);
    if (!valid_key_name(name)) {
      return note_error("bad key name in a signature line");
    }
    auto decoded = base64_decode(line.substr(space + 1));
    if (!decoded || decoded->size() < 5) {
      return note_error("a signature is base64 of a key id and the signature");
    }
    uint32_t key_id = (uint32_t{(*decoded)[0]} << 24) | (uint32_t{(*decoded)[1]} << 16) |
                      (uint32_t{(*decoded)[2]} << 8) | (*decoded)[3];
    parsed.signatures.push_back(
        NoteSignature{std::string(name), key_id, Bytes(decoded->begin() + 4, decoded->end())});
  }
  return parsed;
}

std::string format_signed_note(const SignedNote& note) {
  std::string out = note.text + "\n";
  for (const NoteSignature& signature : note.signatures) {
    Bytes payload;
    put_u32(payload, signature.key_id);
    payload.insert(payload.end(), signature.signature.begin(), signature.signature.end());
    out += kEmDashSpace;
    out += signature.key_name + " " + base64_encode(payload) + "\n";
  }
  return out;
}

NoteSignature sign_note(const Signer& signer, std::string_view key_name, std::string_view text) {
  Signature signature = signer.sign(as_bytes(text));
  return NoteSignature{std::string(key_name),
                       note_key_id(key_name, kNoteTypeEd25519, signer.public_key()),
                       Bytes(signature.begin(), signature.end())};
}

Result<uint64_t> verify_note(const SignedNote& note, const NoteVerifierKey& key) {
  bool verified = false;
  uint64_t time_s = 0;
  for (const NoteSignature& line : note.signatures) {
    if (line.key_name != key.name || line.key_id != key.key_id) continue;  // not this key
    Signature signature{};
    bool ok = false;
    if (key.type == kNoteTypeEd25519 && line.signature.size() == signature.size()) {
      std::copy(line.signature.begin(), line.signature.end(), signature.begin());
      ok = verify_signature(key.public_key, as_bytes(note.text), signature);
    } else if (key.type == kNoteTypeCosignatureV1 &&
               line.signature.size() == 8 + signature.size()) {
      time_s = read_u64(line.signature);
      std::copy(line.signature.begin() + 8, line.signature.end(), signature.begin());
      ok = time_s < (uint64_t{1} << 63) &&
           verify_signature(key.public_key, as_bytes(cosignature_message(note.text, time_s)),
                            signature);
    }
    if (!ok) {
      return fail(ErrorCode::invalid_argument, "note",
                  "the signature by " + key.name + " does not verify");
    }
    verified = true;
  }
  if (!verified) return fail(ErrorCode::not_found, "note", "no signature by " + key.name);
  return time_s;
}

std::string default_origin(const PublicKey& log_public_key) {
  return "livechain.local/" + to_hex(sha256(log_public_key)).substr(0, 16);
}

std::string checkpoint_text(const Checkpoint& checkpoint) {
  std::string text = checkpoint.origin + "\n" + std::to_string(checkpoint.tree_size) + "\n" +
                     base64_encode(checkpoint.root) + "\n";
  for (const std::string& line : checkpoint.extension_lines) text += line + "\n";
  return text;
}

Result<Checkpoint> parse_checkpoint_text(std::string_view text) {
  auto bad = [](std::string detail) {
    return fail(ErrorCode::invalid_argument, "checkpoint", std::move(detail));
  };
  if (text.empty() || text.back() != '\n') return bad("the text ends in a newline");
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    size_t end = rest.find('\n');
    lines.push_back(rest.substr(0, end));
    rest.remove_prefix(end + 1);
  }
  if (lines.size() < 3) return bad("a checkpoint has origin, tree size and root hash lines");
  Checkpoint checkpoint;
  if (lines[0].empty()) return bad("the origin line is empty");
  checkpoint.origin = std::string(lines[0]);
  auto size = parse_decimal(lines[1]);
  if (!size) return bad("the tree size is not a decimal number without leading zeroes");
  checkpoint.tree_size = *size;
  auto root = base64_decode(lines[2]);
  if (!root || root->size() != checkpoint.root.size()) {
    return bad("the root hash is not base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), checkpoint.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return bad("extension lines must not be empty");
    checkpoint.extension_lines.emplace_back(lines[i]);
  }
  return checkpoint;
}

SignedNote sign_checkpoint(const Signer& log_signer, const Checkpoint& checkpoint) {
  SignedNote note;
  note.text = checkpoint_text(checkpoint);
  note.signatures.push_back(sign_note(log_signer, checkpoint.origin, note.text));
  return note;
}

NoteSignature cosign_checkpoint(const Signer& witness_signer, std::string_view witness_name,
                                std::string_view checkpoint_text, uint64_t time_s) {
  Signature signature = witness_signer.sign(as_bytes(cosignature_message(checkpoint_text, time_s)));
  Bytes payload;
  put_u64(payload, time_s);
  payload.insert(payload.end(), signature.begin(), signature.end());
  return NoteSignature{
      std::string(witness_name),
      note_key_id(witness_name, kNoteTypeCosignatureV1, witness_signer.public_key()),
      std::move(payload)};
}

Result<void> check_consistent(const Checkpoint& previous, const Checkpoint& next,
                              std::span<const Hash> proof) {
  if (previous.origin != next.origin) {
    return fail(ErrorCode::invalid_state, "checkpoint",
                "origin changed from '" + previous.origin + "' to '" + next.origin + "'");
  }
  if (next.tree_size < previous.tree_size) {
    return fail(ErrorCode::invalid_state, "checkpoint",
                "the tree shrank from " + std::to_string(previous.tree_size) + " to " +
                    std::to_string(next.tree_size) + " leaves");
  }
  bool consistent = previous.tree_size == 0 ? proof.empty()
                                            : verify_consistency(previous.tree_size, next.tree_size,
                                                                 previous.root, next.root, proof);
  if (!consistent) {
    return fail(ErrorCode::corruption, "proof",
                "checkpoint " + std::to_string(next.tree_size) + " is not an extension of " +
                    std::to_string(previous.tree_size) + ": the log forked or was rewritten");
  }
  return {};
}

}  // namespace livechain::journal
