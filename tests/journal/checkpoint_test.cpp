// Tests of C2SP signed notes, checkpoints and cosignatures (journal/checkpoint.hpp).
#include "journal/checkpoint.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace livechain::journal {
namespace {

using livechain::test_support::TempDir;

// The example of c2sp.org/signed-note ("Verifier keys" § Example): an independent
// vector for the key id, the vkey encoding, base64 and Ed25519 over the note text.
constexpr std::string_view kSpecVkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr std::string_view kSpecNote =
    "This is an example message.\n"
    "\n"
    "\xE2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

Hash hash_of(std::string_view text) {
  return sha256(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

TEST(SignedNoteTest, TheSpecExampleVerifies) {
  auto key = parse_verifier_key(kSpecVkey);
  ASSERT_TRUE(key.has_value()) << key.error().to_string();
  EXPECT_EQ(key->name, "example.com/foo");
  EXPECT_EQ(key->key_id, 0x530d903au);
  EXPECT_EQ(key->type, kNoteTypeEd25519);
  EXPECT_EQ(format_verifier_key(*key), kSpecVkey);

  auto note = parse_signed_note(kSpecNote);
  ASSERT_TRUE(note.has_value()) << note.error().to_string();
  EXPECT_EQ(note->text, "This is an example message.\n");
  ASSERT_EQ(note->signatures.size(), 1u);
  EXPECT_EQ(note->signatures[0].signature.size(), 64u);
  EXPECT_TRUE(verify_note(*note, *key).has_value());
  EXPECT_EQ(format_signed_note(*note), kSpecNote);

  // One changed byte of text breaks it; a note with only unknown keys is not_found.
  SignedNote tampered = *note;
  tampered.text = "This is an example massage.\n";
  auto broken = verify_note(tampered, *key);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().code, ErrorCode::invalid_argument);
  SignedNote renamed = *note;
  renamed.signatures[0].key_name = "example.com/bar";
  auto unknown = verify_note(renamed, *key);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST(SignedNoteTest, Base64RoundTripsAndRefusesNonCanonicalInput) {
  for (std::string_view text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    Bytes bytes(text.begin(), text.end());
    std::string encoded = base64_encode(bytes);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << text;
    EXPECT_EQ(*decoded, bytes);
  }
  EXPECT_EQ(base64_encode(Bytes{'f', 'o', 'o', 'b', 'a'}), "Zm9vYmE=");  // RFC 4648 §10
  EXPECT_FALSE(base64_decode("Zm9vYmE").has_value());                    // missing padding
  EXPECT_FALSE(base64_decode("Zm9vYmF=").has_value());  // non-zero bits under padding
  EXPECT_FALSE(base64_decode("Zm=vYmE=").has_value());  // padding in the middle
  EXPECT_FALSE(base64_decode("Zm9v YmE").has_value());  // not in the alphabet
}

TEST(SignedNoteTest, MalformedNotesNameTheReason) {
  struct Case {
    std::string note;
    std::string reason;
  };
  std::vector<Case> cases = {
      {"text\n", "no blank line"},
      {"text\n\n", "no signature lines"},
      {"text\n\n- example.com/foo AAAAAAA=\n", "em dash"},
      {"text\n\n\xE2\x80\x94 example.com/foo\n", "key name"},
      {"text\n\n\xE2\x80\x94 example.com/foo AAAA\n", "key id and the signature"},
      {"text\n\n\xE2\x80\x94 example.com/foo !!!!\n", "key id and the signature"},
      {"te\x01xt\n\n\xE2\x80\x94 a AAAAAAA=\n", "control characters"},
      {"te\xFFxt\n\n\xE2\x80\x94 a AAAAAAA=\n", "UTF-8"},
      {"text\n\n\xE2\x80\x94 a AAAAAAA=", "ends in a newline"},
  };
  for (const Case& c : cases) {
    auto parsed = parse_signed_note(c.note);
    ASSERT_FALSE(parsed.has_value()) << c.note;
    EXPECT_EQ(parsed.error().field, "note");
    EXPECT_NE(parsed.error().detail.find(c.reason), std::string::npos)
        << c.note << " -> " << parsed.error().detail;
  }
  std::string many = "text\n\n";
  for (size_t i = 0; i <= kNoteSignaturesMax; ++i) many += "\xE2\x80\x94 a AAAAAAA=\n";
  auto too_many = parse_signed_note(many);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, ErrorCode::limit_exceeded);
  auto too_long = parse_signed_note(std::string(kNoteBytesMax + 1, 'a'));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, ErrorCode::limit_exceeded);
}

TEST(SignedNoteTest, AVkeyWhoseBase64HoldsAPlusParses) {
  // Base64 uses '+': only the first two '+' separate the parts.
  PublicKey public_key{};
  public_key.fill(0xFB);  // 0x01 FB FB … encodes with '+' characters
  auto key = make_verifier_key("example.com/plus", kNoteTypeEd25519, public_key);
  ASSERT_TRUE(key.has_value());
  std::string text = format_verifier_key(*key);
  ASSERT_GT(std::count(text.begin(), text.end(), '+'), 2) << text;
  auto parsed = parse_verifier_key(text);
  ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().to_string();
  EXPECT_EQ(parsed->public_key, public_key);
}

TEST(SignedNoteTest, VerifierKeysAreChecked) {
  auto key = parse_verifier_key(kSpecVkey);
  ASSERT_TRUE(key.has_value());
  std::string wrong_id(kSpecVkey);
  wrong_id.replace(wrong_id.find("530d903a"), 8, "530d903b");
  for (std::string_view bad :
       {std::string_view("example.com/foo"), std::string_view("example.com/foo+530d903a"),
        std::string_view(wrong_id),
        std::string_view("a b+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
        std::string_view("example.com/foo+530d90+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
        std::string_view("example.com/foo+530d903a+AekyeRrm")}) {
    auto parsed = parse_verifier_key(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().field, "vkey");
  }
  EXPECT_FALSE(make_verifier_key("has space", kNoteTypeEd25519, key->public_key).has_value());
  EXPECT_FALSE(make_verifier_key("a+b", kNoteTypeEd25519, key->public_key).has_value());
  EXPECT_FALSE(make_verifier_key("", kNoteTypeEd25519, key->public_key).has_value());
}

TEST(CheckpointTest, TextRoundTripAndStrictParsing) {
  Checkpoint checkpoint{"livechain.local/brand", 20852163, hash_of("root"), {}};
  std::string text = checkpoint_text(checkpoint);
  auto parsed = parse_checkpoint_text(text);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
  EXPECT_EQ(parsed->origin, checkpoint.origin);
  EXPECT_EQ(parsed->tree_size, checkpoint.tree_size);
  EXPECT_EQ(parsed->root, checkpoint.root);

  // The C2SP example checkpoint's body parses (origin, size, root) as given there.
  auto example = parse_checkpoint_text(
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  ASSERT_TRUE(example.has_value()) << example.error().to_string();
  EXPECT_EQ(example->tree_size, 20852163u);
  EXPECT_EQ(base64_encode(example->root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");

  for (std::string_view bad :
       {"origin\n1\n", "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "origin\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "origin\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "origin\n1\nAAAA\n",
        "origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
        "origin\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="}) {
    auto refused = parse_checkpoint_text(bad);
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_EQ(refused.error().field, "checkpoint");
  }
}

TEST(CheckpointTest, LogSignsWitnessCosignsBothVerify) {
  TempDir dir;
  Signer log = Signer::create(dir.file("log.key")).value();
  Signer witness = Signer::create(dir.file("witness.key")).value();
  Checkpoint checkpoint{"livechain.local/brand", 7, hash_of("seven"), {}};

  SignedNote note = sign_checkpoint(log, checkpoint);
  auto log_key = make_verifier_key("livechain.local/brand", kNoteTypeEd25519, log.public_key());
  ASSERT_TRUE(log_key.has_value());
  auto reparsed = parse_signed_note(format_signed_note(note));
  ASSERT_TRUE(reparsed.has_value()) << reparsed.error().to_string();
  EXPECT_TRUE(verify_note(*reparsed, *log_key).has_value());
  // A vkey round-trips through its text form.
  auto log_key_text = parse_verifier_key(format_verifier_key(*log_key));
  ASSERT_TRUE(log_key_text.has_value());
  EXPECT_EQ(log_key_text->public_key, log.public_key());

  reparsed->signatures.push_back(
      cosign_checkpoint(witness, "witness.example/w1", reparsed->text, 1679315147));
  auto witness_key =
      make_verifier_key("witness.example/w1", kNoteTypeCosignatureV1, witness.public_key());
  ASSERT_TRUE(witness_key.has_value());
  auto cosigned = parse_signed_note(format_signed_note(*reparsed));
  ASSERT_TRUE(cosigned.has_value());
  auto time_s = verify_note(*cosigned, *witness_key);
  ASSERT_TRUE(time_s.has_value()) << time_s.error().to_string();
  EXPECT_EQ(*time_s, 1679315147u);
  EXPECT_TRUE(verify_note(*cosigned, *log_key).has_value());  // still signed by the log

  // The same witness key under the plain Ed25519 type has another key id: not found.
  auto as_plain = make_verifier_key("witness.example/w1", kNoteTypeEd25519, witness.public_key());
  EXPECT_EQ(verify_note(*cosigned, *as_plain).error().code, ErrorCode::not_found);
  // A cosignature whose timestamp is changed does not verify.
  cosigned->signatures.back().signature[7] ^= 1;
  EXPECT_EQ(verify_note(*cosigned, *witness_key).error().code, ErrorCode::invalid_argument);
}

TEST(CheckpointTest, ConsistencyIsCheckedBeforeCosigning) {
  std::vector<Hash> leaves;
  for (int i = 0; i < 13; ++i) leaves.push_back(leaf_hash(hash_of(std::to_string(i))));
  auto at = [&](uint64_t size) {
    return Checkpoint{"log", size, root_from_leaf_hashes(std::span(leaves).first(size)), {}};
  };
  auto proof = consistency_proof(leaves, 5, 13).value();
  EXPECT_TRUE(check_consistent(at(5), at(13), proof).has_value());
  EXPECT_TRUE(check_consistent(at(13), at(13), {}).has_value());
  EXPECT_TRUE(
      check_consistent(Checkpoint{"log", 0, empty_tree_hash(), {}}, at(13), {}).has_value());

  // A fork: the same size-13 tree with one leaf rewritten.
  std::vector<Hash> forked = leaves;
  forked[2] = leaf_hash(hash_of("rewritten"));
  Checkpoint fork{"log", 13, root_from_leaf_hashes(forked), {}};
  auto refused = check_consistent(at(5), fork, proof);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::corruption);
  EXPECT_EQ(refused.error().field, "proof");

  EXPECT_EQ(check_consistent(at(13), at(5), {}).error().code, ErrorCode::invalid_state);
  Checkpoint other = at(13);
  other.origin = "another-log";
  EXPECT_EQ(check_consistent(at(5), other, proof).error().code, ErrorCode::invalid_state);
}

}  // namespace
}  // namespace livechain::journal
