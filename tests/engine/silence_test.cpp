// Notification silences in the engine (issue 11 §4): validation naming the API's
// fields, create/delete journaled as self-contained leaves (kinds 70–71) that replay
// to the same state, the snapshot section (tag 4), ended silences dropped at the next
// creation, and the bound.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/ledger.hpp"

namespace livechain::engine {
namespace {

constexpr TimeMs kStartMs = 1'800'000'000'000;
constexpr TimeMs kHourMs = 3'600'000;

class SilenceEngineTest : public ::testing::Test {
 protected:
  Result<Reply> run(const Command& command) {
    now_ms_ += 10;
    return engine_.execute(command, now_ms_, batch_);
  }
  CreateSilence silence(std::string sku, TimeMs ends_in_ms = kHourMs) {
    return CreateSilence{{{"sku", std::move(sku), true}, {"severity", "red", false}},
                         now_ms_,
                         now_ms_ + ends_in_ms,
                         "stock count"};
  }
  Engine engine_;
  journal::BatchBuilder batch_;
  TimeMs now_ms_ = kStartMs;
};

TEST_F(SilenceEngineTest, CreateAndDeleteAreLeavesThatReplay) {
  auto created = run(silence("06901234567892"));
  ASSERT_TRUE(created.has_value()) << created.error().to_string();
  EXPECT_EQ(std::get<SilenceView>(*created).record.silence_id, 1u);
  ASSERT_TRUE(run(silence("06901234567908")).has_value());
  ASSERT_TRUE(run(DeleteSilence{1}).has_value());
  EXPECT_EQ(run(DeleteSilence{1}).error().code, ErrorCode::not_found);
  ASSERT_EQ(engine_.silences().size(), 1u);
  EXPECT_EQ(engine_.silences()[0].silence_id, 2u);
  EXPECT_FALSE(engine_.silences()[0].matchers[1].is_equal);

  std::vector<Bytes> leaves;
  ASSERT_TRUE(journal::for_each_framed_event(batch_.blob(), batch_.event_count(),
                                             [&](uint32_t, std::span<const uint8_t> data) {
                                               leaves.emplace_back(data.begin(), data.end());
                                             })
                  .has_value());
  ASSERT_EQ(leaves.size(), 3u);
  EXPECT_EQ(leaves[0][0], 70);
  EXPECT_EQ(leaves[2][0], 71);
  auto described = describe_stored_event(leaves[0]);
  ASSERT_TRUE(described.has_value());
  EXPECT_EQ(described->kind, "silence_created");
  Engine replayed;
  for (const Bytes& leaf : leaves) ASSERT_TRUE(replayed.apply_stored_event(leaf).has_value());
  EXPECT_EQ(replayed.silences(), engine_.silences());
  EXPECT_EQ(replayed.state().serialize(), engine_.state().serialize());

  // The snapshot section carries them, and the next id.
  Bytes bytes = engine_.state().serialize();
  auto restored = LedgerState::deserialize(bytes);
  ASSERT_TRUE(restored.has_value()) << restored.error().to_string();
  EXPECT_EQ(restored->serialize(), bytes);
  EXPECT_EQ(restored->silences().next_silence_id(), 3u);
  Bytes truncated(leaves[0].begin(), leaves[0].begin() + 8);
  EXPECT_EQ(Engine().apply_stored_event(truncated).error().code, ErrorCode::corruption);
}

TEST_F(SilenceEngineTest, BadInputNamesTheFieldAndJournalsNothing) {
  auto field_of = [&](const CreateSilence& c) {
    auto reply = run(c);
    return reply ? std::string("(accepted)") : reply.error().field;
  };
  CreateSilence no_matchers = silence("x");
  no_matchers.matchers.clear();
  EXPECT_EQ(field_of(no_matchers), "matchers");
  CreateSilence bad_name = silence("x");
  bad_name.matchers[0].name = "not a name";
  EXPECT_EQ(field_of(bad_name), "matchers[0].name");
  CreateSilence empty_value = silence("");
  EXPECT_EQ(field_of(empty_value), "matchers[0].value");
  CreateSilence backwards = silence("x");
  backwards.ends_at_ms = backwards.starts_at_ms;
  EXPECT_EQ(field_of(backwards), "ends_at");
  CreateSilence past = silence("x");
  past.starts_at_ms = kStartMs - 10 * kHourMs, past.ends_at_ms = kStartMs - kHourMs;
  EXPECT_EQ(field_of(past), "ends_at");
  EXPECT_EQ(field_of(silence("x", 400LL * 24 * kHourMs)), "ends_at");
  CreateSilence long_comment = silence("x");
  long_comment.comment.assign(kSilenceCommentBytesMax + 1, 'c');
  EXPECT_EQ(field_of(long_comment), "comment");
  EXPECT_EQ(batch_.event_count(), 0u);
}

TEST_F(SilenceEngineTest, EndedSilencesAreDroppedAndTheBoundHolds) {
  ASSERT_TRUE(run(silence("a", 100)).has_value());
  now_ms_ += 1'000;  // silence 1 ended
  ASSERT_TRUE(run(silence("b")).has_value());
  ASSERT_EQ(engine_.silences().size(), 1u);
  EXPECT_EQ(engine_.silences()[0].silence_id, 2u);
  for (size_t i = 1; i < kSilencesMax; ++i) {
    ASSERT_TRUE(run(silence("s" + std::to_string(i))).has_value());
  }
  auto refused = run(silence("over"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(refused.error().field, "silences");
}

}  // namespace
}  // namespace livechain::engine
