// Rule state records in the engine (issue 11, events 60–65): put, replace, remove,
// validation naming the field, an unchanged put journaling nothing, the snapshot
// section (tag 3), and replay through a real Ledger (snapshot + tail) giving the same
// records.
#include <gtest/gtest.h>

#include <string>

#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "support/temp_dir.hpp"

namespace livechain::engine {
namespace {

constexpr TimeMs kStartMs = 1'800'000'000'000;

TEST(RuleStateEngine, PutReplaceRemoveAndNothingForAnUnchangedRecord) {
  Engine engine;
  journal::BatchBuilder batch;
  auto run = [&](PutRuleState c) { return engine.execute(c, kStartMs, batch); };
  ASSERT_TRUE(run({RuleStateKind::lane, "l1", R"({"a":1})"}).has_value());
  ASSERT_TRUE(run({RuleStateKind::shipment, "l1", R"({"b":1})"}).has_value());
  EXPECT_EQ(batch.event_count(), 2u);
  ASSERT_TRUE(run({RuleStateKind::lane, "l1", R"({"a":1})"}).has_value());
  EXPECT_EQ(batch.event_count(), 2u) << "unchanged: nothing journaled";
  ASSERT_TRUE(run({RuleStateKind::lane, "l1", R"({"a":2})"}).has_value());
  ASSERT_TRUE(run({RuleStateKind::shipment, "l1", ""}).has_value());  // removed
  ASSERT_TRUE(run({RuleStateKind::shipment, "zz", ""}).has_value());  // absent: nothing
  EXPECT_EQ(batch.event_count(), 4u);
  const auto& records = engine.state().rule_states();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records.at({RuleStateKind::lane, "l1"}), R"({"a":2})");
  EXPECT_EQ(run({RuleStateKind::lane, "", "{}"}).error().field, "key");
  EXPECT_EQ(run({RuleStateKind::lane, std::string(300, 'k'), "{}"}).error().field, "key");
  EXPECT_EQ(run({RuleStateKind::lane, "k", std::string(70'000, ' ')}).error().field, "state");
  EXPECT_EQ(batch.event_count(), 4u);
}

TEST(RuleStateEngine, EventsCarryKinds60To69AndSnapshotSection3RoundTrips) {
  Engine engine;
  journal::BatchBuilder batch;
  for (uint8_t kind = 0; kind <= kRuleStateKindLast; ++kind) {
    ASSERT_TRUE(engine
                    .execute(PutRuleState{static_cast<RuleStateKind>(kind), "k",
                                          "{\"kind\":" + std::to_string(kind) + "}"},
                             kStartMs, batch)
                    .has_value());
  }
  std::vector<Bytes> leaves;
  ASSERT_TRUE(journal::for_each_framed_event(batch.blob(), batch.event_count(),
                                             [&](uint32_t, std::span<const uint8_t> data) {
                                               leaves.emplace_back(data.begin(), data.end());
                                             })
                  .has_value());
  ASSERT_EQ(leaves.size(), 10u);
  for (size_t i = 0; i < leaves.size(); ++i) EXPECT_EQ(leaves[i][0], 60 + i);
  EXPECT_EQ(describe_stored_event(leaves[3])->kind, "shipment_put");
  EXPECT_EQ(describe_stored_event(leaves[6])->kind, "live_session_put");
  EXPECT_EQ(describe_stored_event(leaves[7])->kind, "plan_decided");
  EXPECT_EQ(describe_stored_event(leaves[8])->kind, "factory_put");
  EXPECT_EQ(describe_stored_event(leaves[9])->kind, "production_order_put");
  Engine replayed;
  for (const Bytes& leaf : leaves) ASSERT_TRUE(replayed.apply_stored_event(leaf).has_value());
  EXPECT_EQ(replayed.state().rule_states(), engine.state().rule_states());
  Bytes bytes = engine.state().serialize();
  auto restored = LedgerState::deserialize(bytes);
  ASSERT_TRUE(restored.has_value()) << restored.error().to_string();
  EXPECT_EQ(restored->rule_states(), engine.state().rule_states());
  EXPECT_EQ(restored->serialize(), bytes);
}

TEST(RuleStateLedger, RecordsSurviveReopenFromSnapshotAndTail) {
  test_support::TempDir dir;
  std::string db = dir.file("rules.db");
  ASSERT_TRUE(Ledger::init(db).has_value());
  ManualClock clock(kStartMs);
  LedgerState::RuleStateMap before;
  {
    auto ledger = Ledger::open(db, clock);
    ASSERT_TRUE(ledger.has_value());
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(
          (*ledger)
              ->execute(PutRuleState{RuleStateKind::session_plan, "s/" + std::to_string(i % 4),
                                     "{\"i\":" + std::to_string(i) + "}"})
              .has_value());
    }
    ASSERT_TRUE((*ledger)->write_snapshot().has_value());
    ASSERT_TRUE((*ledger)->execute(PutRuleState{RuleStateKind::session_plan, "s/0", ""}));
    ASSERT_TRUE((*ledger)->execute(PutRuleState{RuleStateKind::warehouse, "wh", "{}"}));
    before = (*ledger)->engine().state().rule_states();
  }
  auto reader = Ledger::open_reader(db);
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ((*reader)->engine().state().rule_states(), before);
  EXPECT_EQ(before.size(), 4u);
}

}  // namespace
}  // namespace livechain::engine
