// The KPI read model over a real journal: a ledger runs commands at chosen instants,
// the model reads the journal, and every number is checked against one worked out by
// hand (the comments show the arithmetic). Also: the calendar (ISO weeks, month ends,
// UTC days), strict dates and the request limits, the null rules, and that a model
// fed in pieces equals one fed at once.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/ledger.hpp"
#include "kpi/kpi.hpp"
#include "support/seed.hpp"
#include "support/temp_dir.hpp"

namespace livechain::kpi {
namespace {

using namespace engine;
using test_support::TempDir;

constexpr const char* kGtinA = "04006381333931";
constexpr const char* kGtinB = "00036000291452";
constexpr TimeMs kHourMs = 3'600'000;
// 2026-12-06 00:00 UTC, a Sunday (day 20793).
constexpr TimeMs kSunday = 1'796'515'200'000;
constexpr DayNumber kSundayDay = 20793;

enum Kpi : size_t {
  turnover,
  fill,
  fulfilment,
  accuracy,
  stock_value,
  cash,
  margin,
  returns_cost,
  stockout,
  return_rate,
  on_time,
  return_time
};

DayNumber date(const char* text) {
  auto day = parse_date("date", text);
  EXPECT_TRUE(day.has_value()) << text;
  return day.value_or(0);
}

class KpiModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::init(dir_.file("ledger.db")).has_value());
    auto opened = Ledger::open(dir_.file("ledger.db"), clock_);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    ledger_ = std::move(*opened);
    at(kSunday + 9 * kHourMs);
    for (const Command& command :
         std::vector<Command>{PutSku{kGtinA, "Pencil"}, PutSku{kGtinB, "Soap"},
                              PutLocation{"DC-N", LocationKind::dc, "north"},
                              PutLocation{"ST-E", LocationKind::store, "east"},
                              PutChannel{"live-1", ChannelKind::live_room}}) {
      must(command);
    }
  }
  void at(TimeMs time_ms) { clock_.set_ms(time_ms); }
  Reply must(const Command& command) {
    auto reply = ledger_->execute(command);
    EXPECT_TRUE(reply.has_value()) << reply.error().to_string();
    return reply.value_or(Reply{});
  }
  void reserve(const char* order, const char* gtin, const char* location, int64_t qty) {
    Reserve request;
    request.order_id = order;
    request.channel_id = "live-1";
    request.lines = {LineRequest{gtin, qty, location}};
    request.ttl_ms = 2 * kHourMs;
    must(request);
  }
  // The worked scenario of docs/kpi.md, Sunday 2026-12-06 … Monday 2026-12-14.
  void run_scenario() {
    // Sunday (day 1).
    at(kSunday + 10 * kHourMs);
    must(ReceiveStock{kGtinA, "DC-N", 100});  // on hand 100, A active
    must(ReceiveStock{kGtinB, "ST-E", 10});   // 110, B active
    at(kSunday + 11 * kHourMs);
    Reserve both;
    both.order_id = "o1";
    both.channel_id = "live-1";
    both.lines = {LineRequest{kGtinA, 10, "DC-N"}, LineRequest{kGtinB, 10, "ST-E"}};
    both.ttl_ms = 2 * kHourMs;
    must(both);  // reservation 1: B has nothing available → B out
    at(kSunday + 11 * kHourMs + 30 * 60'000);
    must(Commit{1, {LineRequest{kGtinA, 8, "DC-N"}}});  // 8 of A + 10 of B: on hand 92
    at(kSunday + 12 * kHourMs);
    must(AdjustStock{kGtinA, "DC-N", -2, "cycle count"});  // 92 → 90 at A@DC-N
    at(kSunday + 13 * kHourMs);
    must(ShipTransfer{kGtinA, "DC-N", "ST-E", 20});  // transfer 1: on hand 70
    // Monday.
    const TimeMs monday = kSunday + 24 * kHourMs;
    at(monday + 9 * kHourMs);
    must(ReceiveTransfer{1, 20});  // 20 h after shipping: on hand 90
    at(monday + 10 * kHourMs);
    must(ReceiveStock{kGtinB, "ST-E", 5});  // B back in: 95
    at(monday + 11 * kHourMs);
    reserve("o2", kGtinB, "ST-E", 5);  // reservation 2: B out again (counted once today)
    at(monday + 11 * kHourMs + 5 * 60'000);
    must(Release{2});
    at(monday + 12 * kHourMs);
    must(ReceiveReturn{kGtinA, "ST-E", 2, "damaged", std::nullopt});  // return 1
    at(monday + 18 * kHourMs);
    must(GradeReturn{1, ReturnGrade::restock, 1});  // on hand 96
    // Tuesday: nothing. Wednesday.
    const TimeMs wednesday = kSunday + 3 * 24 * kHourMs;
    at(wednesday + 12 * kHourMs);
    must(GradeReturn{1, ReturnGrade::scrap, 1});  // return 1 finished: 48 h
    at(wednesday + 13 * kHourMs);
    must(ShipTransfer{kGtinB, "ST-E", "DC-N", 5});  // transfer 2: B out, on hand 91
    at(wednesday + 14 * kHourMs);
    reserve("o3", kGtinA, "DC-N", 10);  // reservation 3
    at(wednesday + 14 * kHourMs + 10 * 60'000);
    must(Commit{3, {}});  // 10 sold: on hand 81
    // Monday 2026-12-14: transfer 2 arrives 4 of 5 after 5 days and 1 h (121 h).
    at(kSunday + 8 * 24 * kHourMs + 14 * kHourMs);
    must(ReceiveTransfer{2, 4});  // B back in: on hand 85
  }
  Model caught_up() {
    Model model;
    auto applied = model.catch_up(ledger_->journal());
    EXPECT_TRUE(applied.has_value()) << applied.error().to_string();
    return model;
  }
  std::vector<Row> rows(const Model& model, Period period, const char* from, const char* to,
                        DayNumber today) {
    auto query = make_query(period, std::string(from), std::string(to), today);
    EXPECT_TRUE(query.has_value()) << query.error().to_string();
    return query ? model.rows(*query, today) : std::vector<Row>{};
  }

  TempDir dir_;
  ManualClock clock_{kSunday};
  std::unique_ptr<Ledger> ledger_;
};

void expect_value(const Row& row, Kpi kpi, std::optional<double> expected) {
  SCOPED_TRACE(std::string(definitions()[kpi].name) + " of " + format_date(row.start_day));
  if (!expected) {
    EXPECT_FALSE(row.values[kpi].has_value()) << *row.values[kpi];
    return;
  }
  ASSERT_TRUE(row.values[kpi].has_value());
  EXPECT_NEAR(*row.values[kpi], *expected, 1e-9);
}

void expect_money_null(const Row& row) {
  for (Kpi kpi : {stock_value, cash, margin, returns_cost}) expect_value(row, kpi, std::nullopt);
}

TEST_F(KpiModelTest, DaysWorkedByHand) {
  run_scenario();
  Model model = caught_up();
  auto days = rows(model, Period::day, "2026-12-05", "2026-12-16", date("2026-12-16"));
  ASSERT_EQ(days.size(), 12u);
  // Saturday 12-05: before the first event, no data at all.
  for (Kpi kpi : {turnover, fill, stockout, return_rate}) expect_value(days[0], kpi, std::nullopt);
  // Sunday: closing on hand 70, 18 spot units sold → 70 / 18 days of cover.
  const Row& sunday = days[1];
  EXPECT_EQ(format_date(sunday.start_day), "2026-12-06");
  expect_value(sunday, turnover, 70.0 / 18.0);
  expect_value(sunday, fill, 100.0 * 18 / 20);             // 8 + 10 of 10 + 10
  expect_value(sunday, fulfilment, std::nullopt);          // nothing received
  expect_value(sunday, accuracy, 100.0 * (1 - 2.0 / 92));  // |−2| of max(92, 90)
  expect_value(sunday, stockout, 50.0);                    // B out, of A and B active
  expect_value(sunday, return_rate, 0.0);                  // 0 returned of 18 sold
  expect_value(sunday, on_time, std::nullopt);
  expect_value(sunday, return_time, std::nullopt);
  expect_money_null(sunday);
  // Monday: B out at midnight and again at 11:00 — one SKU-day. Transfer 1 took 20 h.
  const Row& monday = days[2];
  expect_value(monday, turnover, std::nullopt);  // nothing sold
  expect_value(monday, fill, std::nullopt);      // nothing committed (o2 released)
  expect_value(monday, fulfilment, 20.0);
  expect_value(monday, accuracy, std::nullopt);
  expect_value(monday, stockout, 50.0);
  expect_value(monday, return_rate, std::nullopt);  // 2 returned, 0 sold: no denominator
  expect_value(monday, on_time, 100.0);
  expect_value(monday, return_time, std::nullopt);  // return 1 not finished yet
  // Tuesday: no events; levels carried (nothing out).
  expect_value(days[3], stockout, 0.0);
  expect_value(days[3], turnover, std::nullopt);
  // Wednesday: return 1 finished 48 h after receipt; 10 sold, closing 81; B out.
  const Row& wednesday = days[4];
  expect_value(wednesday, return_time, 48.0);
  expect_value(wednesday, turnover, 81.0 / 10);
  expect_value(wednesday, fill, 100.0);
  expect_value(wednesday, stockout, 50.0);
  // Monday 12-14: transfer 2 took 121 h, late.
  const Row& next_monday = days[9];
  EXPECT_EQ(format_date(next_monday.start_day), "2026-12-14");
  expect_value(next_monday, fulfilment, 121.0);
  expect_value(next_monday, on_time, 0.0);
  expect_value(next_monday, stockout, 50.0);  // B out at midnight, back in at 14:00
  // Tuesday 12-15 is before today (12-16): carried, nothing out. 12-16 too.
  expect_value(days[10], stockout, 0.0);
  expect_value(days[11], stockout, 0.0);
}

TEST_F(KpiModelTest, WeeksAndMonthsWorkedByHand) {
  run_scenario();
  Model model = caught_up();
  auto weeks = rows(model, Period::week, "2026-12-06", "2026-12-14", date("2026-12-14"));
  ASSERT_EQ(weeks.size(), 3u);
  // ISO weeks start on Monday: Sunday 12-06 belongs to the week of 11-30.
  EXPECT_EQ(format_date(weeks[0].start_day), "2026-11-30");
  EXPECT_EQ(format_date(weeks[1].start_day), "2026-12-07");
  EXPECT_EQ(format_date(weeks[2].start_day), "2026-12-14");
  expect_value(weeks[0], turnover, 70.0 / 18.0);  // only Sunday has data
  // Week of 12-07: closing on hand Mon 96, Tue 96, Wed … Sun 81 → 597; 10 sold.
  expect_value(weeks[1], turnover, 597.0 / 10);
  expect_value(weeks[1], fill, 100.0);
  expect_value(weeks[1], fulfilment, 20.0);
  expect_value(weeks[1], accuracy, std::nullopt);
  // SKU-days out: Mon 1, Tue 0, Wed … Sun 1 each → 6 of 7 × 2 active.
  expect_value(weeks[1], stockout, 100.0 * 6 / 14);
  expect_value(weeks[1], return_rate, 100.0 * 2 / 10);
  expect_value(weeks[1], on_time, 100.0);
  expect_value(weeks[1], return_time, 48.0);
  expect_money_null(weeks[1]);
  // The week of 12-14 so far (today is its Monday).
  expect_value(weeks[2], fulfilment, 121.0);
  expect_value(weeks[2], on_time, 0.0);

  auto months = rows(model, Period::month, "2026-11-01", "2026-12-31", date("2026-12-14"));
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(format_date(months[0].start_day), "2026-11-01");
  for (size_t kpi = 0; kpi < kKpiCount; ++kpi) EXPECT_FALSE(months[0].values[kpi].has_value());
  const Row& december = months[1];
  EXPECT_EQ(format_date(december.start_day), "2026-12-01");
  // Days 12-06 … 12-14: closing on hand 70 + 597 + 85 = 752; 18 + 10 spot units sold.
  expect_value(december, turnover, 752.0 / 28);
  expect_value(december, fill, 100.0 * 28 / 30);
  expect_value(december, fulfilment, (20.0 + 121.0) / 2);
  expect_value(december, accuracy, 100.0 * (1 - 2.0 / 92));
  expect_value(december, stockout, 100.0 * 8 / 18);  // 1 + 6 + 1 of 2 + 14 + 2
  expect_value(december, return_rate, 100.0 * 2 / 28);
  expect_value(december, on_time, 50.0);
  expect_value(december, return_time, 48.0);
  expect_money_null(december);
}

TEST_F(KpiModelTest, FutureDaysAreNullAndEmptyModelIsAllNull) {
  Model empty;
  auto query = make_query(Period::day, std::nullopt, std::nullopt, kSundayDay);
  ASSERT_TRUE(query.has_value());
  auto rows_empty = empty.rows(*query, kSundayDay);
  ASSERT_EQ(rows_empty.size(), kDayRowsDefault);
  EXPECT_EQ(rows_empty.back().start_day, kSundayDay);
  for (const Row& row : rows_empty) {
    for (const auto& value : row.values) EXPECT_FALSE(value.has_value());
  }
  run_scenario();
  Model model = caught_up();
  // Today is Sunday 12-06 by the clock of the query, but events exist up to 12-14:
  // the model counts through its last event day; 12-15 and later are the future.
  auto days = rows(model, Period::day, "2026-12-14", "2026-12-20", kSundayDay);
  ASSERT_EQ(days.size(), 7u);
  expect_value(days[0], on_time, 0.0);
  for (size_t i = 1; i < days.size(); ++i) {
    for (const auto& value : days[i].values) EXPECT_FALSE(value.has_value());
  }
}

TEST_F(KpiModelTest, FedInPiecesEqualsFedAtOnce) {
  run_scenario();
  Model whole = caught_up();
  // Feed a second model one event at a time from the stored bytes.
  Model pieces;
  uint64_t size = ledger_->journal().tree_size();
  for (uint64_t seq = 0; seq < size; ++seq) {
    auto bytes = ledger_->journal().event(seq);
    ASSERT_TRUE(bytes.has_value());
    ASSERT_TRUE(pieces.apply(seq, *bytes).has_value());
  }
  EXPECT_EQ(pieces.next_seq(), size);
  EXPECT_EQ(whole.next_seq(), size);
  EXPECT_EQ(pieces.last_event_ms(), whole.last_event_ms());
  auto a = rows(whole, Period::day, "2026-12-01", "2026-12-31", date("2026-12-31"));
  auto b = rows(pieces, Period::day, "2026-12-01", "2026-12-31", date("2026-12-31"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].values, b[i].values) << i;
  // Catching up again reads nothing new.
  auto again = whole.catch_up(ledger_->journal());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0u);
}

TEST_F(KpiModelTest, RollbackAdjustmentsAreNotCounts) {
  at(kSunday + 10 * kHourMs);
  must(ReceiveStock{kGtinA, "DC-N", 50});
  must(AdjustStock{kGtinA, "DC-N", 5, "rollback to 1 ms: test"});
  Model model = caught_up();
  auto day = model.day(kSundayDay);
  ASSERT_TRUE(day.has_value());
  EXPECT_EQ(day->adjusted_abs_units, 0);
  EXPECT_EQ(day->on_hand_close_units, 55);  // the units still moved
  auto days = rows(model, Period::day, "2026-12-06", "2026-12-06", kSundayDay);
  expect_value(days[0], accuracy, std::nullopt);
}

TEST_F(KpiModelTest, PresaleSellsButLeavesOnHand) {
  at(kSunday + 10 * kHourMs);
  must(ReceiveStock{kGtinA, "DC-N", 40});
  must(PlanPresale{kGtinB, "DC-N", 100});
  Reserve presale;
  presale.order_id = "p1";
  presale.channel_id = "live-1";
  presale.presale = true;
  presale.lines = {LineRequest{kGtinB, 30, "DC-N"}};
  must(presale);
  must(Commit{1, {}});
  reserve("s1", kGtinA, "DC-N", 10);
  must(Commit{2, {}});
  Model model = caught_up();
  auto day = model.day(kSundayDay);
  ASSERT_TRUE(day.has_value());
  EXPECT_EQ(day->sold_units, 40);       // 30 presale + 10 spot
  EXPECT_EQ(day->sold_spot_units, 10);  // turnover's denominator
  EXPECT_EQ(day->on_hand_close_units, 30);
  auto days = rows(model, Period::day, "2026-12-06", "2026-12-06", kSundayDay);
  expect_value(days[0], turnover, 30.0 / 10);
  expect_value(days[0], return_rate, 0.0);
  // B is never active: it never had units on hand, so only A counts (not out).
  expect_value(days[0], stockout, 0.0);
}

// An auditor: a seeded random workload over ten days (receipts, adjustments, reserve →
// commit | release | expire, transfers shipped, re-routed and received short, returns
// graded and reworked). After the last command of each day the engine's own balances
// say what the model's closing levels must be: network on hand, and the SKUs active
// (ever had units on hand) and out (nothing available). Totals must match too.
TEST_F(KpiModelTest, RandomWorkloadMatchesTheEngine) {
  std::mt19937_64 rng(test_support::test_seed(std::random_device{}()));
  must(PutLocation{"DC-S", LocationKind::dc, "south"});
  const char* gtins[] = {kGtinA, kGtinB};
  const char* locations[] = {"DC-N", "ST-E", "DC-S"};
  auto pick = [&](auto& options) { return options[rng() % std::size(options)]; };
  struct Close {
    int64_t on_hand_units = 0;
    int64_t skus_active = 0;
    int64_t skus_out = 0;
  };
  std::map<DayNumber, Close> expected;
  std::set<std::string> ever_active;
  std::vector<uint64_t> pending, in_transit, returns;
  int64_t returned_units = 0;
  TimeMs now_ms = kSunday;
  for (int step = 0; step < 600; ++step) {
    now_ms += static_cast<TimeMs>(rng() % (40 * 60'000));  // 0 … 40 min: ~10 days in all
    at(now_ms);
    Result<Reply> reply = std::unexpected(Error{ErrorCode::invalid_state, "", ""});
    switch (rng() % 10) {
      case 0:
      case 1:
        reply =
            ledger_->execute(ReceiveStock{pick(gtins), pick(locations), 1 + int64_t(rng() % 15)});
        break;
      case 2: {
        int64_t delta = 1 + int64_t(rng() % 3);
        reply = ledger_->execute(
            AdjustStock{pick(gtins), pick(locations), rng() % 3 ? -delta : delta, "count"});
        break;
      }
      case 3:
      case 4: {
        Reserve request;
        request.order_id = "r" + std::to_string(step);
        request.channel_id = "live-1";
        request.lines = {LineRequest{pick(gtins), 1 + int64_t(rng() % 6), pick(locations)}};
        request.ttl_ms = (1 + int64_t(rng() % 4)) * kHourMs / 2;
        reply = ledger_->execute(request);
        if (reply) pending.push_back(std::get<ReservationView>(*reply).reservation_id);
        break;
      }
      case 5: {
        if (pending.empty()) break;
        uint64_t id = pending[rng() % pending.size()];
        std::erase(pending, id);
        if (rng() % 3 == 0) {
          reply = ledger_->execute(Release{id});
        } else {
          reply = ledger_->execute(Commit{id, {}});
        }
        break;
      }
      case 6: {
        const char* from = pick(locations);
        const char* to = pick(locations);
        if (from == to) break;
        reply = ledger_->execute(ShipTransfer{pick(gtins), from, to, 1 + int64_t(rng() % 5)});
        if (reply) in_transit.push_back(std::get<TransferView>(*reply).transfer_id);
        break;
      }
      case 7: {
        if (in_transit.empty()) break;
        uint64_t id = in_transit[rng() % in_transit.size()];
        if (rng() % 4 == 0) {
          reply = ledger_->execute(RerouteTransfer{id, pick(locations), std::nullopt});
          break;
        }
        std::erase(in_transit, id);
        auto view = ledger_->engine().transfer(id);
        ASSERT_TRUE(view.has_value());
        int64_t received = view->shipped_units - int64_t(rng() % 2);
        reply = ledger_->execute(ReceiveTransfer{id, received});
        break;
      }
      case 8: {
        int64_t qty = 1 + int64_t(rng() % 3);
        reply = ledger_->execute(
            ReceiveReturn{pick(gtins), pick(locations), qty, "damaged", std::nullopt});
        if (reply) {
          returns.push_back(std::get<ReturnView>(*reply).return_id);
          returned_units += qty;
        }
        break;
      }
      default: {
        if (returns.empty()) break;
        uint64_t id = returns[rng() % returns.size()];
        auto view = ledger_->engine().return_view(id);
        ASSERT_TRUE(view.has_value());
        if (view->rework_units > 0 && rng() % 2 == 0) {
          reply = ledger_->execute(CompleteRework{id, std::nullopt});
        } else if (view->quarantine_units > 0) {
          reply = ledger_->execute(
              GradeReturn{id, static_cast<ReturnGrade>(rng() % 3), 1 + int64_t(rng() % 2)});
        }
        break;
      }
    }
    (void)reply;  // refusals (not enough stock, a reservation already expired) are fine
    // The engine's levels after this command close its day (until a later one does).
    auto stock = ledger_->engine().stock(std::nullopt);
    ASSERT_TRUE(stock.has_value());
    Close close;
    std::map<std::string, int64_t> available;
    std::map<std::string, int64_t> on_hand;
    for (const BalanceView& row : *stock) {
      close.on_hand_units += row.balance.on_hand_units;
      on_hand[row.gtin] += row.balance.on_hand_units;
      available[row.gtin] += row.balance.on_hand_units - row.balance.reserved_units;
    }
    for (const auto& [gtin, units] : on_hand) {
      if (units > 0) ever_active.insert(gtin);
    }
    for (const std::string& gtin : ever_active) {
      close.skus_active += 1;
      if (available[gtin] <= 0) close.skus_out += 1;
    }
    expected[day_of(now_ms)] = close;
  }
  Model model = caught_up();
  int64_t sold_units = 0, model_returned_units = 0;
  size_t days_checked = 0;
  for (const auto& [day, close] : expected) {
    auto totals = model.day(day);
    if (!totals) continue;  // no stock event that day (only refusals)
    SCOPED_TRACE(format_date(day));
    EXPECT_EQ(totals->on_hand_close_units, close.on_hand_units);
    EXPECT_EQ(totals->skus_active_close, close.skus_active);
    EXPECT_EQ(totals->skus_out_close, close.skus_out);
    EXPECT_LE(totals->sku_days_out, totals->sku_days_active);
    sold_units += totals->sold_units;
    model_returned_units += totals->returned_units;
    days_checked += 1;
  }
  EXPECT_GE(days_checked, 5u);
  int64_t engine_sold = 0;
  auto final_stock = ledger_->engine().stock(std::nullopt);
  ASSERT_TRUE(final_stock.has_value());
  for (const BalanceView& row : *final_stock) engine_sold += row.balance.sold_units;
  EXPECT_EQ(sold_units, engine_sold);
  EXPECT_EQ(model_returned_units, returned_units);
}

TEST_F(KpiModelTest, UtcMidnightSplitsDaysMonthsAndYearsNotTheIsoWeek) {
  // 2026-12-31T23:59:59.999Z and one millisecond later, 2027-01-01T00:00:00.000Z.
  const TimeMs new_year = kSunday + 26 * 24 * kHourMs;
  at(new_year - 1);
  must(ReceiveStock{kGtinA, "DC-N", 10});  // closing on hand of 12-31: 10
  at(new_year);
  reserve("o1", kGtinA, "DC-N", 5);
  must(Commit{1, {}});  // 5 sold on 01-01, closing 5
  Model model = caught_up();
  const DayNumber today = date("2027-01-01");
  auto days = rows(model, Period::day, "2026-12-31", "2027-01-01", today);
  ASSERT_EQ(days.size(), 2u);
  expect_value(days[0], turnover, std::nullopt);  // nothing sold on 12-31
  expect_value(days[0], stockout, 0.0);
  expect_value(days[1], turnover, 5.0 / 5);  // 5 unit-days over 5 sold
  auto months = rows(model, Period::month, "2026-12-01", "2027-01-31", today);
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(format_date(months[1].start_day), "2027-01-01");
  expect_value(months[0], turnover, std::nullopt);
  expect_value(months[0], return_rate, std::nullopt);
  expect_value(months[1], turnover, 1.0);
  // Both days are in the ISO week of Monday 2026-12-28: (10 + 5) unit-days / 5 sold.
  auto weeks = rows(model, Period::week, "2026-12-31", "2027-01-01", today);
  ASSERT_EQ(weeks.size(), 1u);
  EXPECT_EQ(format_date(weeks[0].start_day), "2026-12-28");
  expect_value(weeks[0], turnover, 3.0);
}

TEST(KpiCalendar, IsoWeeksStartOnMonday) {
  EXPECT_EQ(format_date(period_start(Period::week, date("2026-12-06"))), "2026-11-30");  // Sun
  EXPECT_EQ(format_date(period_start(Period::week, date("2026-12-07"))), "2026-12-07");  // Mon
  EXPECT_EQ(format_date(period_start(Period::week, date("2027-01-01"))), "2026-12-28");  // Fri
  EXPECT_EQ(format_date(period_start(Period::week, date("2021-01-03"))), "2020-12-28");  // Sun
  EXPECT_EQ(format_date(period_start(Period::week, 0)), "1969-12-29");  // 1970-01-01 a Thu
  EXPECT_EQ(period_next(Period::week, date("2026-12-28")), date("2027-01-04"));
}

TEST(KpiCalendar, MonthEnds) {
  EXPECT_EQ(format_date(period_start(Period::month, date("2024-02-29"))), "2024-02-01");
  EXPECT_EQ(format_date(period_next(Period::month, date("2024-02-01"))), "2024-03-01");
  EXPECT_EQ(period_next(Period::month, date("2024-02-01")) - date("2024-02-01"), 29);  // leap
  EXPECT_EQ(period_next(Period::month, date("2023-02-01")) - date("2023-02-01"), 28);
  EXPECT_EQ(period_next(Period::month, date("2000-02-01")) - date("2000-02-01"), 29);
  EXPECT_EQ(period_next(Period::month, date("2100-02-01")) - date("2100-02-01"), 28);
  EXPECT_EQ(format_date(period_next(Period::month, date("2026-12-01"))), "2027-01-01");
  EXPECT_EQ(format_date(period_start(Period::month, date("2026-12-31"))), "2026-12-01");
}

TEST(KpiCalendar, UtcDays) {
  EXPECT_EQ(day_of(kSunday), kSundayDay);
  EXPECT_EQ(day_of(kSunday - 1), kSundayDay - 1);  // 23:59:59.999 the day before
  EXPECT_EQ(day_of(kSunday + 86'400'000 - 1), kSundayDay);
  EXPECT_EQ(day_of(0), 0);
  EXPECT_EQ(day_of(-1), -1);
  EXPECT_EQ(format_date(kSundayDay), "2026-12-06");
  EXPECT_EQ(format_date(kDayNumberMax), "9999-12-31");
}

TEST(KpiCalendar, DatesParseStrictly) {
  EXPECT_EQ(date("2024-02-29"), 19782);
  EXPECT_EQ(date("1970-01-01"), 0);
  for (const char* bad : {"2023-02-29", "2026-13-01", "2026-00-10", "2026-01-32", "1969-12-31",
                          "2026-1-01", "2026-01-1", " 2026-01-01", "2026-01-01 ", "2026/01/01",
                          "2026-01-01T00:00:00Z", "", "20260101", "+026-01-01", "10000-01-01"}) {
    auto parsed = parse_date("from", bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().field, "from");
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid_argument);
  }
}

TEST(KpiQuery, LimitsAndDefaults) {
  const DayNumber today = date("2026-12-07");
  // Defaults: to is today, from gives 31 days / 12 weeks / 12 months ending there.
  auto days = make_query(Period::day, std::nullopt, std::nullopt, today);
  ASSERT_TRUE(days.has_value());
  EXPECT_EQ(days->to_day, today);
  EXPECT_EQ(days->from_day, today - 30);
  auto weeks = make_query(Period::week, std::nullopt, std::nullopt, today);
  ASSERT_TRUE(weeks.has_value());
  EXPECT_EQ(format_date(weeks->from_day), "2026-09-21");  // 11 Mondays before 12-07
  auto months = make_query(Period::month, std::nullopt, std::nullopt, today);
  ASSERT_TRUE(months.has_value());
  EXPECT_EQ(format_date(months->from_day), "2026-01-01");
  // Exactly at the limits, and one beyond.
  EXPECT_TRUE(make_query(Period::day, "2026-01-01", "2027-01-01", today).has_value());  // 366
  auto days_over = make_query(Period::day, "2026-01-01", "2027-01-02", today);
  ASSERT_FALSE(days_over.has_value());
  EXPECT_EQ(days_over.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(days_over.error().field, "to");
  // 260 weeks: Mondays 2021-12-13 … 2026-11-30.
  EXPECT_TRUE(make_query(Period::week, "2021-12-13", "2026-12-06", today).has_value());
  auto weeks_over = make_query(Period::week, "2021-12-12", "2026-12-06", today);
  ASSERT_FALSE(weeks_over.has_value());
  EXPECT_EQ(weeks_over.error().field, "to");
  EXPECT_TRUE(make_query(Period::month, "2017-01-15", "2026-12-31", today).has_value());  // 120
  auto months_over = make_query(Period::month, "2016-12-31", "2026-12-01", today);
  ASSERT_FALSE(months_over.has_value());
  EXPECT_EQ(months_over.error().field, "to");
  // from after to; a bad date names its field; a bad period names `period`.
  auto backwards = make_query(Period::day, "2026-12-08", "2026-12-07", today);
  ASSERT_FALSE(backwards.has_value());
  EXPECT_EQ(backwards.error().field, "from");
  EXPECT_EQ(make_query(Period::day, "2026-12-08", "2026-12-32", today).error().field, "to");
  EXPECT_EQ(make_query(Period::day, "yesterday", std::nullopt, today).error().field, "from");
  EXPECT_EQ(parse_period("period", "year").error().field, "period");
  EXPECT_EQ(*parse_period("period", "week"), Period::week);
}

TEST(KpiDefinitions, TwelveInThreeGroups) {
  ASSERT_EQ(definitions().size(), kKpiCount);
  size_t per_group[3] = {0, 0, 0};
  for (const Definition& definition : definitions()) {
    per_group[static_cast<size_t>(definition.group)] += 1;
    EXPECT_FALSE(definition.formula.empty()) << definition.name;
    EXPECT_TRUE(definition.name.ends_with(definition.unit)) << definition.name;
  }
  EXPECT_EQ(per_group[0], 4u);
  EXPECT_EQ(per_group[1], 4u);
  EXPECT_EQ(per_group[2], 4u);
  EXPECT_EQ(definitions()[turnover].name, "inventory_turnover_days");
  EXPECT_EQ(std::get<double>(definitions()[fill].target), 98.6);
}

TEST(KpiValues, ZeroDenominatorsAreNull) {
  DayTotals nothing;
  auto values = values_of(nothing, 1, 100);
  for (const auto& value : values) EXPECT_FALSE(value.has_value());
  DayTotals sold;
  sold.sold_units = 4;
  sold.sold_spot_units = 4;
  values = values_of(sold, 2, 100);
  EXPECT_DOUBLE_EQ(*values[turnover], 25.0);    // 100 unit-days / 4 sold
  EXPECT_DOUBLE_EQ(*values[return_rate], 0.0);  // a real zero, not null
  EXPECT_FALSE(values[fill].has_value());
  EXPECT_FALSE(values_of(sold, 0, 100)[turnover].has_value());  // no day with data
}

}  // namespace
}  // namespace livechain::kpi
