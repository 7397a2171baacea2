// Alert records in the engine (issue 11): grouping, life cycle, validation naming the
// field, the event codec (kinds 30–33, one self-contained leaf each), the snapshot
// section, and replay through a real Ledger giving the same records.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "support/temp_dir.hpp"

namespace livechain::engine {
namespace {

constexpr TimeMs kStartMs = 1'800'000'000'000;

RaiseAlert raise(std::string kind, AlertSeverity severity, AlertSubject subject,
                 std::string evidence = R"({"n":1})") {
  return RaiseAlert{std::move(kind), severity, std::move(subject), std::move(evidence),
                    R"({"type":"transfer_plan"})"};
}

class AlertEngineTest : public ::testing::Test {
 protected:
  Result<Reply> run(const Command& command) {
    now_ms_ += 10;
    return engine_.execute(command, now_ms_, batch_);
  }
  AlertView view(const Command& command) {
    auto reply = run(command);
    EXPECT_TRUE(reply.has_value()) << reply.error().to_string();
    return reply ? std::get<AlertView>(*reply) : AlertView{};
  }
  Engine engine_;
  journal::BatchBuilder batch_;
  TimeMs now_ms_ = kStartMs;
};

TEST_F(AlertEngineTest, OpenAlertOfSameKindAndSubjectIsUpdatedNotDuplicated) {
  AlertView first = view(raise("add_to_cart_surge", AlertSeverity::yellow,
                               {{"sku", "06901234567892"}, {"session", "s1"}}));
  EXPECT_TRUE(first.changed);
  EXPECT_EQ(first.record.alert_id, 1u);
  EXPECT_EQ(batch_.event_count(), 1u);
  // Subject order does not matter: canonical.
  AlertView same = view(raise("add_to_cart_surge", AlertSeverity::yellow,
                              {{"session", "s1"}, {"sku", "06901234567892"}}));
  EXPECT_FALSE(same.changed);  // identical: nothing journaled
  EXPECT_EQ(batch_.event_count(), 1u);
  AlertView escalated = view(raise("add_to_cart_surge", AlertSeverity::red,
                                   {{"session", "s1"}, {"sku", "06901234567892"}}, "{}"));
  EXPECT_EQ(escalated.record.alert_id, 1u);
  EXPECT_EQ(escalated.record.severity, AlertSeverity::red);
  EXPECT_EQ(escalated.record.updates, 1u);
  EXPECT_EQ(batch_.event_count(), 2u);
  AlertView other = view(raise("add_to_cart_surge", AlertSeverity::yellow,
                               {{"sku", "06901234567908"}, {"session", "s1"}}));
  EXPECT_EQ(other.record.alert_id, 2u);
  EXPECT_EQ(engine_.state().alerts().open_count(), 2u);
}

TEST_F(AlertEngineTest, LifeIsRaisedAcknowledgedResolvedAndEscalationReopens) {
  AlertSubject subject{{"location", "wh-1"}};
  uint64_t id = view(raise("warehouse_anomaly", AlertSeverity::yellow, subject)).record.alert_id;
  AlertView acked = view(AcknowledgeAlert{id, "on it"});
  EXPECT_EQ(acked.record.state, AlertState::acknowledged);
  EXPECT_EQ(acked.record.note, "on it");
  EXPECT_FALSE(view(AcknowledgeAlert{id, ""}).changed);  // repeat: no event
  // A re-raise at the same severity keeps the acknowledgement; a higher one re-arms.
  EXPECT_EQ(
      view(raise("warehouse_anomaly", AlertSeverity::yellow, subject, "{\"r\":2}")).record.state,
      AlertState::acknowledged);
  EXPECT_EQ(view(raise("warehouse_anomaly", AlertSeverity::orange, subject)).record.state,
            AlertState::raised);
  AlertView resolved = view(ResolveAlert{0, "warehouse_anomaly", subject, "fixed"});
  EXPECT_EQ(resolved.record.state, AlertState::resolved);
  EXPECT_EQ(resolved.record.alert_id, id);
  EXPECT_FALSE(view(ResolveAlert{id, "", {}, ""}).changed);
  auto late_ack = run(AcknowledgeAlert{id, ""});
  ASSERT_FALSE(late_ack.has_value());
  EXPECT_EQ(late_ack.error().code, ErrorCode::invalid_state);
  // The group is free again: a new alert.
  EXPECT_EQ(view(raise("warehouse_anomaly", AlertSeverity::yellow, subject)).record.alert_id,
            id + 1);
}

TEST_F(AlertEngineTest, BadInputNamesTheFieldAndJournalsNothing) {
  auto expect_error = [&](const Command& command, ErrorCode code, const std::string& field) {
    uint32_t events = batch_.event_count();
    auto reply = run(command);
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, code);
    EXPECT_EQ(reply.error().field, field);
    EXPECT_EQ(batch_.event_count(), events);
  };
  expect_error(raise("bad kind", AlertSeverity::red, {{"sku", "x"}}), ErrorCode::invalid_argument,
               "kind");
  expect_error(raise("k", AlertSeverity::red, {}), ErrorCode::invalid_argument, "subject");
  expect_error(raise("k", AlertSeverity::red, {{"sku", "a"}, {"sku", "b"}}),
               ErrorCode::invalid_argument, "subject.sku");
  expect_error(raise("k", AlertSeverity::red, {{"sku", std::string(201, 'x')}}),
               ErrorCode::limit_exceeded, "subject.sku");
  AlertSubject many;
  for (int i = 0; i < 9; ++i) many.emplace_back("f" + std::to_string(i), "v");
  expect_error(raise("k", AlertSeverity::red, many), ErrorCode::limit_exceeded, "subject");
  expect_error(raise("k", AlertSeverity::red, {{"a", "b"}}, std::string(4097, ' ')),
               ErrorCode::limit_exceeded, "evidence");
  expect_error(AcknowledgeAlert{42, ""}, ErrorCode::not_found, "alert_id");
  expect_error(ResolveAlert{0, "k", {{"a", "b"}}, ""}, ErrorCode::not_found, "subject");
}

TEST_F(AlertEngineTest, EventsAreSelfContainedLeavesThatRoundTrip) {
  view(raise("sales_over_forecast", AlertSeverity::orange, {{"sku", "06901234567892"}}));
  view(AcknowledgeAlert{1, "seen"});
  view(ResolveAlert{1, "", {}, ""});
  std::vector<Bytes> leaves;
  ASSERT_TRUE(journal::for_each_framed_event(batch_.blob(), batch_.event_count(),
                                             [&](uint32_t, std::span<const uint8_t> data) {
                                               leaves.emplace_back(data.begin(), data.end());
                                             })
                  .has_value());
  ASSERT_EQ(leaves.size(), 3u);
  EXPECT_EQ(leaves[0][0], 30);  // alert_raised
  EXPECT_EQ(leaves[1][0], 32);  // alert_acknowledged
  EXPECT_EQ(leaves[2][0], 33);  // alert_resolved
  auto described = describe_stored_event(leaves[2]);
  ASSERT_TRUE(described.has_value());
  EXPECT_EQ(described->kind, "alert_resolved");
  // Replaying the leaves into a fresh engine gives the same state, byte for byte.
  Engine replayed;
  // The leaves alone (no catalog needed: alerts name no index).
  for (const Bytes& leaf : leaves) ASSERT_TRUE(replayed.apply_stored_event(leaf).has_value());
  EXPECT_EQ(replayed.alert(1)->note, "seen");
  EXPECT_EQ(replayed.alert(1)->state, AlertState::resolved);
  // Truncated bytes are corruption, not a crash.
  Bytes truncated(leaves[0].begin(), leaves[0].begin() + 10);
  EXPECT_EQ(Engine().apply_stored_event(truncated).error().code, ErrorCode::corruption);
}

TEST_F(AlertEngineTest, SnapshotCarriesTheAlertSection) {
  for (int i = 0; i < 5; ++i) {
    view(raise("k" + std::to_string(i % 2), AlertSeverity::yellow,
               {{"sku", "s" + std::to_string(i)}}));
  }
  view(ResolveAlert{2, "", {}, "done"});
  Bytes bytes = engine_.state().serialize();
  auto restored = LedgerState::deserialize(bytes);
  ASSERT_TRUE(restored.has_value()) << restored.error().to_string();
  EXPECT_EQ(restored->serialize(), bytes);
  EXPECT_EQ(restored->alerts().open_count(), 4u);
  EXPECT_EQ(restored->alerts().next_alert_id(), 6u);
  ASSERT_NE(restored->alerts().find(2), nullptr);
  EXPECT_EQ(restored->alerts().find(2)->note, "done");
  // Grouping survives: re-raising an open alert's group updates it.
  Engine engine(std::move(*restored));
  auto reply =
      engine.execute(raise("k0", AlertSeverity::red, {{"sku", "s0"}}), now_ms_ + 10, batch_);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(std::get<AlertView>(*reply).record.alert_id, 1u);
}

TEST(AlertLedgerTest, RecordsSurviveReopenAndRebuild) {
  test_support::TempDir dir;
  std::string db = dir.file("alerts.db");
  ASSERT_TRUE(Ledger::init(db).has_value());
  ManualClock clock(kStartMs);
  Bytes before;
  {
    auto ledger = Ledger::open(db, clock);
    ASSERT_TRUE(ledger.has_value());
    for (int i = 0; i < 20; ++i) {
      clock.advance_ms(5);
      ASSERT_TRUE((*ledger)
                      ->execute(raise("k", AlertSeverity::orange, {{"sku", std::to_string(i % 7)}},
                                      "{\"i\":" + std::to_string(i) + "}"))
                      .has_value());
    }
    ASSERT_TRUE((*ledger)->execute(AcknowledgeAlert{3, "x"}).has_value());
    ASSERT_TRUE((*ledger)->write_snapshot().has_value());
    ASSERT_TRUE((*ledger)->execute(ResolveAlert{1, "", {}, ""}).has_value());
    before = (*ledger)->engine().state().serialize();
  }
  auto reader = Ledger::open_reader(db);  // snapshot + tail
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ((*reader)->engine().state().serialize(), before);
  AlertFilter open;
  open.state = AlertState::raised;
  EXPECT_EQ((*reader)->engine().alerts(open).size(), 5u);  // 7 groups − 1 acked − 1 resolved
}

}  // namespace
}  // namespace livechain::engine
