// tests/server/witness_test.cpp — issue 12 §7 against the real server and CLI: the
// ledger's C2SP checkpoint, checked by our parser and independently by Go's
// golang.org/x/mod/sumdb/note; `livechain witness` cosigning, and refusing a log that
// shrank or forked (the witness's state keeps the last good checkpoint).
#include <filesystem>

#include "journal/checkpoint.hpp"
#include "server_fixture.hpp"

namespace {

namespace fs = std::filesystem;

class WitnessTest : public ServerApiTest {
 protected:
  // The log's vkey as `livechain ledger vkey` prints it.
  std::string log_vkey() {
    RunResult printed = cli({"ledger", "vkey", "--db", db_});
    EXPECT_EQ(printed.exit_code, 0) << printed.err;
    std::string text = printed.out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  std::string witness_init(const std::string& name) {
    RunResult created =
        cli({"--json", "witness", "init", "--key", dir_.file("w1.key"), "--name", name});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return str(parse_object(created.out), "vkey");
  }

  RunResult cosign(const std::string& vkey, const std::string& out = "") {
    std::vector<std::string> args = {"--json",
                                     "witness",
                                     "cosign",
                                     "--url",
                                     "http://127.0.0.1:" + std::to_string(port_),
                                     "--api-key",
                                     keys_.at("supplier").key,
                                     "--log-vkey",
                                     vkey,
                                     "--key",
                                     dir_.file("w1.key"),
                                     "--name",
                                     "witness.example/w1",
                                     "--state",
                                     dir_.file("w1.state")};
    if (!out.empty()) {
      args.push_back("--out");
      args.push_back(out);
    }
    return cli(args);
  }

  // Copies every file of the database (s.db*) into `to`, or back from it.
  void copy_database(const std::string& from_dir, const std::string& to_dir) {
    fs::create_directories(to_dir);
    for (const auto& entry : fs::directory_iterator(from_dir)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("s.db", 0) == 0) {
        fs::copy_file(entry.path(), fs::path(to_dir) / name, fs::copy_options::overwrite_existing);
      }
    }
  }
  void remove_database_files() {
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      if (entry.path().filename().string().rfind("s.db", 0) == 0) fs::remove(entry.path());
    }
  }
};

TEST_F(WitnessTest, CheckpointIsASignedNoteOfTheCurrentHead) {
  HttpResponse head = call("auditor", "GET", "/v1/ledger/head");
  ASSERT_EQ(head.status, 200u) << describe(head);
  json::object head_json = parse_object(head.body);
  HttpResponse served = call("auditor", "GET", "/v1/ledger/checkpoint");
  ASSERT_EQ(served.status, 200u) << describe(served);
  EXPECT_EQ(served.media_type(), "text/plain");

  auto key = livechain::journal::parse_verifier_key(str(head_json, "vkey"));
  ASSERT_TRUE(key.has_value()) << key.error().to_string();
  EXPECT_EQ(str(head_json, "vkey"), log_vkey());  // the CLI reads the same key and origin
  EXPECT_EQ(key->name, str(head_json, "origin"));
  auto note = livechain::journal::parse_signed_note(served.body);
  ASSERT_TRUE(note.has_value()) << note.error().to_string() << "\n" << served.body;
  ASSERT_TRUE(livechain::journal::verify_note(*note, *key).has_value());
  auto checkpoint = livechain::journal::parse_checkpoint_text(note->text);
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_EQ(checkpoint->origin, key->name);
  EXPECT_EQ(static_cast<int64_t>(checkpoint->tree_size), num(head_json, "tree_size"));
  EXPECT_EQ(livechain::to_hex(checkpoint->root), str(head_json, "root"));

  // Without a key: 401, like every ledger route.
  EXPECT_TRUE(IsProblem(call("", "GET", "/v1/ledger/checkpoint"), 401, std::nullopt));
}

TEST_F(WitnessTest, WitnessCosignsExtensionsAndRefusesShrinkAndFork) {
  const std::string vkey = log_vkey();
  const std::string witness_vkey = witness_init("witness.example/w1");
  ASSERT_FALSE(witness_vkey.empty());

  // First sight: trusted as is, cosigned, kept.
  const std::string note1 = dir_.file("cosigned1.note");
  RunResult first = cosign(vkey, note1);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  json::object first_json = parse_object(first.out);
  EXPECT_TRUE(first_json.at("previous_tree_size").is_null());
  const int64_t size1 = num(first_json, "tree_size");
  RunResult verified = cli({"witness", "verify", "--note", note1, "--log-vkey", vkey,
                            "--witness-vkey", witness_vkey, "--min-witnesses", "1"});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;

  // Go's signed-note package and ed25519 agree, with none of our code involved.
  RunResult go =
      run_program("/usr/bin/env",
                  {"GO111MODULE=off", "GOPATH=/usr/share/gocode", "GOCACHE=" + dir_.file("gocache"),
                   "go", "run", WITNESS_VERIFY_GO, vkey, witness_vkey, note1},
                  dir_.path());
  ASSERT_EQ(go.exit_code, 0) << go.out << go.err;
  EXPECT_EQ(go.out.rfind("ok " + str(first_json, "origin") + " " + std::to_string(size1) + " ", 0),
            0u)
      << go.out;

  // The log grows: the witness proves the extension and cosigns again.
  receive(kSkuA, "dc-east", 7);
  RunResult second = cosign(vkey);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json::object second_json = parse_object(second.out);
  EXPECT_EQ(num(second_json, "previous_tree_size"), size1);
  const int64_t size2 = num(second_json, "tree_size");
  EXPECT_GT(size2, size1);

  // Keep the database as it is now, grow it, and let the witness see the larger tree.
  ASSERT_EQ(stop_server(), 0);
  const std::string saved = dir_.file("saved");
  copy_database(dir_.path(), saved);
  ASSERT_NO_FATAL_FAILURE(start_server());
  receive(kSkuA, "dc-east", 1);
  RunResult third = cosign(vkey);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  const int64_t size3 = num(parse_object(third.out), "tree_size");
  const std::string state_before = read_file(dir_.file("w1.state"));

  // The operator rolls the database back: the tree shrank. Refused, state kept.
  ASSERT_EQ(stop_server(), 0);
  remove_database_files();
  copy_database(saved, dir_.path());
  ASSERT_NO_FATAL_FAILURE(start_server());
  ASSERT_LT(num(parse_object(call("auditor", "GET", "/v1/ledger/head").body), "tree_size"), size3);
  RunResult shrunk = cosign(vkey);
  EXPECT_EQ(shrunk.exit_code, 1);
  EXPECT_NE(shrunk.err.find("shrank"), std::string::npos) << shrunk.err;
  EXPECT_EQ(read_file(dir_.file("w1.state")), state_before);

  // Then writes other history past the old size: a fork. Refused, state kept.
  for (int i = 0; i < 3; ++i) receive(kSkuB, "dc-west", 2);
  HttpResponse head = call("auditor", "GET", "/v1/ledger/head");
  ASSERT_GT(num(parse_object(head.body), "tree_size"), size3);
  RunResult forked = cosign(vkey);
  EXPECT_EQ(forked.exit_code, 1);
  EXPECT_NE(forked.err.find("forked"), std::string::npos) << forked.err;
  EXPECT_EQ(read_file(dir_.file("w1.state")), state_before);

  // A checkpoint checked against another log's key is refused outright.
  RunResult other_key =
      cli({"witness", "init", "--key", dir_.file("other.key"), "--name", "other.example/log"});
  ASSERT_EQ(other_key.exit_code, 0);
  std::string wrong_vkey = other_key.out.substr(0, other_key.out.find('\n'));
  RunResult wrong = cosign(wrong_vkey);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("log_vkey"), std::string::npos) << wrong.err;  // type 0x04, not 0x01
}

TEST_F(WitnessTest, BadInputNamesTheField) {
  RunResult bad_name = cli({"witness", "init", "--key", dir_.file("x.key"), "--name", "has space"});
  EXPECT_EQ(bad_name.exit_code, 1);
  EXPECT_NE(bad_name.err.find("name"), std::string::npos) << bad_name.err;
  EXPECT_FALSE(fs::exists(dir_.file("x.key")));  // nothing left behind

  RunResult bad_vkey =
      cli({"witness", "verify", "--note", dir_.file("none"), "--log-vkey", "not-a-vkey"});
  EXPECT_EQ(bad_vkey.exit_code, 1);
  EXPECT_NE(bad_vkey.err.find("log_vkey"), std::string::npos) << bad_vkey.err;

  std::ofstream(dir_.file("garbage.note")) << "origin\n1\n\n\xE2\x80\x94 x AAAA\n";
  RunResult garbage =
      cli({"witness", "verify", "--note", dir_.file("garbage.note"), "--log-vkey", log_vkey()});
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("note"), std::string::npos) << garbage.err;
}

// A configured origin is used for the checkpoint and the vkey; a bad one stops start-up.
class WitnessOriginTest : public ServerApiTest {
  std::string config_json() const override { return R"({"ledger_origin":"brand.example/ledger"})"; }
  bool seed() const override { return false; }
};

TEST_F(WitnessOriginTest, ConfiguredOriginIsTheKeyName) {
  HttpResponse served = call("auditor", "GET", "/v1/ledger/checkpoint");
  ASSERT_EQ(served.status, 200u) << describe(served);
  EXPECT_EQ(served.body.rfind("brand.example/ledger\n", 0), 0u) << served.body;
  json::object head = parse_object(call("auditor", "GET", "/v1/ledger/head").body);
  EXPECT_EQ(str(head, "origin"), "brand.example/ledger");
  EXPECT_EQ(str(head, "vkey").rfind("brand.example/ledger+", 0), 0u);

  ASSERT_EQ(stop_server(), 0);
  std::ofstream(dir_.file("bad.json")) << R"({"ledger_origin":"has space"})";
  RunResult refused =
      cli({"serve", "--db", db_, "--listen", "127.0.0.1:0", "--config", dir_.file("bad.json")});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("ledger_origin"), std::string::npos) << refused.err;
}

}  // namespace
