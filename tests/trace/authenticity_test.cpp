// Tests of the verdict on a scanned unit code (trace::judge_scan, issue 12 §7).
#include <gtest/gtest.h>

#include "trace/trace.hpp"

namespace livechain::trace {
namespace {

constexpr int64_t kHourMs = 3'600'000;

TEST(JudgeScanTest, NotIssuedIsUnknownWhateverTheHistory) {
  ScanJudgement judgement = judge_scan(false, ScanHistory{5, 0, 10, "east"}, "west", 20);
  EXPECT_EQ(judgement.verdict, Authenticity::unknown);
  EXPECT_EQ(judgement.previous_scans, 0u);
  EXPECT_FALSE(judgement.seen_elsewhere_recently);
  EXPECT_EQ(authenticity_name(judgement.verdict), "unknown");
}

TEST(JudgeScanTest, FirstScanIsGenuineLaterOnesCountTheEarlierScans) {
  ScanJudgement first = judge_scan(true, ScanHistory{}, "east", 1'000);
  EXPECT_EQ(first.verdict, Authenticity::genuine);
  EXPECT_EQ(authenticity_name(first.verdict), "genuine");
  ScanJudgement third = judge_scan(true, ScanHistory{2, 1'000, 2'000, "east"}, "east", 3'000);
  EXPECT_EQ(third.verdict, Authenticity::already_scanned);
  EXPECT_EQ(third.previous_scans, 2u);
  EXPECT_FALSE(third.seen_elsewhere_recently);  // the same region
}

TEST(JudgeScanTest, AnotherRegionWithinTheHourIsSuspiciousAtTheBoundaryItIsNot) {
  const ScanHistory east{1, 0, 10 * kHourMs, "east"};
  EXPECT_TRUE(judge_scan(true, east, "west", 10 * kHourMs + kHourMs - 1).seen_elsewhere_recently);
  EXPECT_FALSE(judge_scan(true, east, "west", 11 * kHourMs).seen_elsewhere_recently);
  // A clock that stepped back still counts as recent.
  EXPECT_TRUE(judge_scan(true, east, "west", 10 * kHourMs - 5).seen_elsewhere_recently);
  // No region on either side: nothing to compare.
  EXPECT_FALSE(judge_scan(true, east, "", 10 * kHourMs + 1).seen_elsewhere_recently);
  EXPECT_FALSE(judge_scan(true, ScanHistory{1, 0, 10 * kHourMs, ""}, "west", 10 * kHourMs + 1)
                   .seen_elsewhere_recently);
  // A custom window.
  EXPECT_FALSE(
      judge_scan(true, east, "west", 10 * kHourMs + 60'000, 60'000).seen_elsewhere_recently);
}

}  // namespace
}  // namespace livechain::trace
