// tests/cli/merkle_cli_test.cpp
//
// Runs the real `livechain merkle …` binary (LIVECHAIN_BINARY) with stdin from a temp
// file and checks stdout, stderr and the exit code. Expected hashes are the published
// RFC 6962 reference-tree values of rfc6962/vectors.json (8 leaves: "", 00, 10, 2021,
// 3031, 40414243, 5051525354555657, 606162636465666768696a6b6c6d6e6f); the few used here
// are spelled out because this test binary already has another Boost.JSON user.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// ---------------------------------------------------------------- reference tree

const std::vector<std::string> kLeaves = {"",
                                          "00",
                                          "10",
                                          "2021",
                                          "3031",
                                          "40414243",
                                          "5051525354555657",
                                          "606162636465666768696a6b6c6d6e6f"};

// vectors.json "roots": MTH of the first n leaves, n = 0..8.
const std::array<std::string, 9> kRoots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// vectors.json "leaf_hashes"[5] (leaf 40414243).
const std::string kLeafHash5 = "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658";

struct ProofVector {
  uint64_t first;   // leaf index (inclusion) or size1 (consistency)
  uint64_t second;  // tree size (inclusion) or size2 (consistency)
  std::vector<std::string> proof;
};

// vectors.json "inclusion_proofs" (0-based leaf indices).
const std::vector<ProofVector> kInclusionProofs = {
    {0, 1, {}},
    {0,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

// vectors.json "consistency_proofs".
const std::vector<ProofVector> kConsistencyProofs = {
    {1, 1, {}},
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

// ---------------------------------------------------------------- running the binary

using livechain::test_support::read_file;
using livechain::test_support::RunResult;

// Runs `livechain <args>` with `input` on stdin; stdout/stderr go to a temp dir.
RunResult run_livechain(const std::vector<std::string>& args, const std::string& input) {
  livechain::test_support::TempDir dir;
  return livechain::test_support::run_program(LIVECHAIN_BINARY, args, dir.path(), input);
}

// The first `count` reference leaves, one per line, each ending in `line_end`.
std::string leaves_input(size_t count, const std::string& line_end = "\n") {
  std::string input;
  for (size_t i = 0; i < count; ++i) input += kLeaves[i] + line_end;
  return input;
}

std::string lines(const std::vector<std::string>& hashes) {
  std::string out;
  for (const std::string& hash : hashes) out += hash + "\n";
  return out;
}

std::string json_array(const std::vector<std::string>& hashes) {
  std::string out = "[";
  for (size_t i = 0; i < hashes.size(); ++i) out += (i == 0 ? "\"" : ",\"") + hashes[i] + "\"";
  return out + "]";
}

std::string flip_last_digit(std::string hash) {
  hash.back() = hash.back() == '0' ? '1' : '0';
  return hash;
}

// ---------------------------------------------------------------- root

TEST(MerkleCli, RootOfEveryPrefixOfTheReferenceTree) {
  for (size_t size = 0; size <= 8; ++size) {
    RunResult run = run_livechain({"merkle", "root"}, leaves_input(size));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, kRoots[size] + "\n") << "size " << size;
  }
}

TEST(MerkleCli, RootAcceptsCrlfAndAMissingFinalNewline) {
  EXPECT_EQ(run_livechain({"merkle", "root"}, leaves_input(8, "\r\n")).out, kRoots[8] + "\n");
  std::string input = leaves_input(8);
  input.pop_back();  // no newline after the last leaf
  EXPECT_EQ(run_livechain({"merkle", "root"}, input).out, kRoots[8] + "\n");
  // A lone newline is one empty leaf; no input at all is the empty tree.
  EXPECT_EQ(run_livechain({"merkle", "root"}, "\n").out, kRoots[1] + "\n");
  EXPECT_EQ(run_livechain({"merkle", "root"}, "").out, kRoots[0] + "\n");
}

TEST(MerkleCli, RootAsJson) {
  RunResult run = run_livechain({"--json", "merkle", "root"}, leaves_input(8));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "{\"root\":\"" + kRoots[8] + "\",\"tree_size\":8}\n");
  RunResult after = run_livechain({"merkle", "root", "--json"}, leaves_input(3));
  EXPECT_EQ(after.out, "{\"root\":\"" + kRoots[3] + "\",\"tree_size\":3}\n");
}

// ---------------------------------------------------------------- proofs

TEST(MerkleCli, InclusionMatchesPublishedProofs) {
  for (const ProofVector& v : kInclusionProofs) {
    const std::string index = std::to_string(v.first);
    RunResult run =
        run_livechain({"merkle", "inclusion", "--index", index}, leaves_input(v.second));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, lines(v.proof)) << "index " << index << " size " << v.second;
    RunResult json =
        run_livechain({"--json", "merkle", "inclusion", "--index", index}, leaves_input(v.second));
    EXPECT_EQ(json.out, "{\"leaf_index\":" + index + ",\"tree_size\":" + std::to_string(v.second) +
                            ",\"proof\":" + json_array(v.proof) + "}\n");
  }
}

TEST(MerkleCli, ConsistencyMatchesPublishedProofs) {
  for (const ProofVector& v : kConsistencyProofs) {
    const std::string old_size = std::to_string(v.first);
    RunResult run =
        run_livechain({"merkle", "consistency", "--old-size", old_size}, leaves_input(v.second));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, lines(v.proof)) << old_size << " -> " << v.second;
    RunResult json = run_livechain({"--json", "merkle", "consistency", "--old-size", old_size},
                                   leaves_input(v.second));
    EXPECT_EQ(json.out, "{\"old_size\":" + old_size + ",\"tree_size\":" + std::to_string(v.second) +
                            ",\"proof\":" + json_array(v.proof) + "}\n");
  }
}

// ---------------------------------------------------------------- verification

TEST(MerkleCli, VerifyInclusionAcceptsValidAndRejectsTamperedProofs) {
  for (const ProofVector& v : kInclusionProofs) {
    const std::vector<std::string> args = {
        "merkle", "verify-inclusion",       "--index",    std::to_string(v.first),
        "--size", std::to_string(v.second), "--leaf-hex", kLeaves[v.first],
        "--root", kRoots[v.second]};
    RunResult valid = run_livechain(args, lines(v.proof));
    EXPECT_EQ(valid.exit_code, 0) << valid.err;
    EXPECT_EQ(valid.out, "valid\n");
    for (size_t i = 0; i < v.proof.size(); ++i) {
      std::vector<std::string> tampered = v.proof;
      tampered[i] = flip_last_digit(tampered[i]);
      RunResult invalid = run_livechain(args, lines(tampered));
      EXPECT_EQ(invalid.exit_code, 1) << "element " << i;
      EXPECT_EQ(invalid.out, "invalid\n");
    }
    std::vector<std::string> longer = v.proof;
    longer.push_back(kRoots[v.second]);
    EXPECT_EQ(run_livechain(args, lines(longer)).exit_code, 1);
  }
}

TEST(MerkleCli, VerifyInclusionWithLeafHashAndJson) {
  const ProofVector& v = kInclusionProofs[2];  // leaf 5 of 8
  const std::vector<std::string> base = {"merkle", "verify-inclusion", "--index", "5", "--size",
                                         "8",      "--root",           kRoots[8]};
  std::vector<std::string> by_hash = base;
  by_hash.insert(by_hash.end(), {"--leaf-hash", kLeafHash5});
  EXPECT_EQ(run_livechain(by_hash, lines(v.proof)).exit_code, 0);
  std::vector<std::string> wrong_hash = base;
  wrong_hash.insert(wrong_hash.end(), {"--leaf-hash", flip_last_digit(kLeafHash5)});
  EXPECT_EQ(run_livechain(wrong_hash, lines(v.proof)).exit_code, 1);

  std::vector<std::string> json = {"--json"};
  json.insert(json.end(), by_hash.begin(), by_hash.end());
  RunResult valid = run_livechain(json, lines(v.proof));
  EXPECT_EQ(valid.out, "{\"valid\":true}\n");
  RunResult invalid = run_livechain(json, lines({v.proof[0], v.proof[1]}));
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_EQ(invalid.out, "{\"valid\":false}\n");
}

TEST(MerkleCli, VerifyConsistencyAcceptsValidAndRejectsTamperedProofs) {
  for (const ProofVector& v : kConsistencyProofs) {
    const std::vector<std::string> args = {
        "merkle",     "verify-consistency", "--old-size", std::to_string(v.first),
        "--old-root", kRoots[v.first],      "--size",     std::to_string(v.second),
        "--root",     kRoots[v.second]};
    RunResult valid = run_livechain(args, lines(v.proof));
    EXPECT_EQ(valid.exit_code, 0) << valid.err;
    EXPECT_EQ(valid.out, "valid\n");
    for (size_t i = 0; i < v.proof.size(); ++i) {
      std::vector<std::string> tampered = v.proof;
      tampered[i] = flip_last_digit(tampered[i]);
      RunResult invalid = run_livechain(args, lines(tampered));
      EXPECT_EQ(invalid.exit_code, 1) << v.first << " -> " << v.second << " element " << i;
      EXPECT_EQ(invalid.out, "invalid\n");
    }
  }
  RunResult json = run_livechain({"--json", "merkle", "verify-consistency", "--old-size", "6",
                                  "--old-root", kRoots[6], "--size", "8", "--root", kRoots[7]},
                                 lines(kConsistencyProofs[2].proof));
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_EQ(json.out, "{\"valid\":false}\n");
}

// ---------------------------------------------------------------- bad input

void expect_failure(const RunResult& run, const std::vector<std::string>& stderr_parts) {
  EXPECT_EQ(run.exit_code, 1) << run.err;
  for (const std::string& part : stderr_parts) {
    EXPECT_NE(run.err.find(part), std::string::npos)
        << "stderr lacks '" << part << "': " << run.err;
  }
}

TEST(MerkleCli, BadLeafInputNamesTheLine) {
  expect_failure(run_livechain({"merkle", "root"}, "00\n10\nzz\n"), {"stdin line 3", "not hex"});
  expect_failure(run_livechain({"merkle", "root"}, "00\n123\n"), {"stdin line 2", "odd"});
  expect_failure(run_livechain({"merkle", "inclusion", "--index", "8"}, leaves_input(8)),
                 {"--index", "out of range"});
  expect_failure(run_livechain({"merkle", "consistency", "--old-size", "0"}, leaves_input(8)),
                 {"--old-size"});
  expect_failure(run_livechain({"merkle", "consistency", "--old-size", "9"}, leaves_input(8)),
                 {"--old-size"});
}

TEST(MerkleCli, BadHashesNameTheField) {
  const std::vector<std::string> proof = kInclusionProofs[1].proof;
  const std::vector<std::string> verify = {"merkle", "verify-inclusion", "--index", "0", "--size",
                                           "8",      "--leaf-hex",       ""};
  std::vector<std::string> short_root = verify;
  short_root.insert(short_root.end(), {"--root", kRoots[8].substr(0, 62)});
  expect_failure(run_livechain(short_root, lines(proof)), {"--root", "64 hex digits"});
  std::vector<std::string> good = verify;
  good.insert(good.end(), {"--root", kRoots[8]});
  expect_failure(run_livechain(good, lines({proof[0], proof[1].substr(2), proof[2]})),
                 {"stdin line 2", "64 hex digits"});
  expect_failure(run_livechain(good, lines({proof[0], "x" + proof[1].substr(1)})),
                 {"stdin line 2", "not hex"});
  std::vector<std::string> bad_leaf = {
      "merkle", "verify-inclusion", "--index", "0",      "--size",
      "8",      "--leaf-hex",       "0g",      "--root", kRoots[8]};
  expect_failure(run_livechain(bad_leaf, lines(proof)), {"--leaf-hex", "not hex"});
  expect_failure(run_livechain({"merkle", "verify-consistency", "--old-size", "6", "--old-root",
                                "abc", "--size", "8", "--root", kRoots[8]},
                               ""),
                 {"--old-root"});
}

TEST(MerkleCli, OverLongLineHitsTheLimit) {
  const std::string line(2 * 1024 * 1024 + 2, 'a');  // limit is 2 MiB of hex digits
  expect_failure(run_livechain({"merkle", "root"}, "00\n" + line + "\n"),
                 {"stdin line 2", "limit_exceeded"});
}

TEST(MerkleCli, MalformedNumbersAreUsageErrors) {
  RunResult negative = run_livechain({"merkle", "inclusion", "--index", "-1"}, leaves_input(8));
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_NE(negative.err.find("--index"), std::string::npos) << negative.err;
  RunResult too_big =
      run_livechain({"merkle", "inclusion", "--index", "18446744073709551616"}, leaves_input(8));
  EXPECT_EQ(too_big.exit_code, 2);
  RunResult missing = run_livechain(
      {"merkle", "verify-inclusion", "--index", "0", "--size", "1", "--root", kRoots[1]}, "");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--leaf-hex or --leaf-hash"), std::string::npos) << missing.err;
}

}  // namespace
