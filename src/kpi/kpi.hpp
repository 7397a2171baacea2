// src/kpi/kpi.hpp — public header of the kpi module.
//
// kpi owns the read model of the journal behind the twelve KPIs (issue 19 §1): their
// definitions (name, group, unit, formula, target), the UTC calendar arithmetic of
// their periods (day; ISO week starting Monday; calendar month), the limits of a
// request, and `Model`, which consumes journal events in sequence order — each event
// updates the totals of its UTC day — and answers rows for a period and a range of
// dates. Weeks and months are sums of their days, computed when asked. The model never
// writes and knows no transport: the server and the CLI feed it from the journal and
// render its rows (docs/kpi.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "journal/journal.hpp"

namespace livechain::kpi {

// ---- definitions ----

enum class Group : uint8_t { operations, finance, customer };
std::string_view group_name(Group group);

// A target as the reports state it: a number ("98.6"), a text ("45 → 30"), or none.
using Target = std::variant<std::monostate, double, std::string_view>;

struct Definition {
  std::string_view name;  // snake_case, unit last: "order_fill_rate_percent"
  Group group;
  std::string_view unit;     // "days", "percent", "hours", "minor_units"
  std::string_view formula;  // the formula in words, with the events it reads
  Target target;
};

inline constexpr size_t kKpiCount = 12;
// The twelve KPIs in a fixed order (four per group: operations, finance, customer).
// Row values use the same order.
std::span<const Definition> definitions();

// ---- periods and dates (UTC) ----

enum class Period : uint8_t { day, week, month };
std::string_view period_name(Period period);
// "day" | "week" | "month". Errors: invalid_argument naming `field`.
Result<Period> parse_period(std::string_view field, std::string_view text);

// A calendar day as the number of days since 1970-01-01 (UTC).
using DayNumber = int64_t;
inline constexpr DayNumber kDayNumberMin = 0;          // 1970-01-01
inline constexpr DayNumber kDayNumberMax = 2'932'896;  // 9999-12-31
DayNumber day_of(TimeMs time_ms);                      // the UTC day holding time_ms (floor)
// Strict "YYYY-MM-DD" (exactly 10 characters, a real calendar date, 1970 … 9999).
// Errors: invalid_argument naming `field`.
Result<DayNumber> parse_date(std::string_view field, std::string_view text);
std::string format_date(DayNumber day);                 // "YYYY-MM-DD"
DayNumber period_start(Period period, DayNumber day);   // Monday of its ISO week; 1st of month
DayNumber period_next(Period period, DayNumber start);  // start of the following period

// ---- requests ----

// At most this many rows per request (docs/limits.md).
inline constexpr size_t kDayRowsMax = 366;
inline constexpr size_t kWeekRowsMax = 260;
inline constexpr size_t kMonthRowsMax = 120;
size_t rows_max(Period period);
// Rows when `from` is not given: the `to` period and the ones before it.
inline constexpr size_t kDayRowsDefault = 31;
inline constexpr size_t kWeekRowsDefault = 12;
inline constexpr size_t kMonthRowsDefault = 12;

// The periods [period_start(from) … period_start(to)], one row each, all of them
// (a period without events still has a row, its values null).
struct Query {
  Period period = Period::day;
  DayNumber from_day = 0;
  DayNumber to_day = 0;
};
// Builds a query from optional "YYYY-MM-DD" texts: `to` defaults to `today`, `from` to
// the default number of rows ending with `to`'s period.
// Errors: invalid_argument naming "from" or "to" (not a date; from after to),
// limit_exceeded naming "to" (more than rows_max(period) rows).
Result<Query> make_query(Period period, const std::optional<std::string>& from,
                         const std::optional<std::string>& to, DayNumber today);

// One period: its first day and the twelve values in definitions() order; nullopt is
// "no data" (no event fed it, a zero denominator, or money the ledger does not hold).
struct Row {
  DayNumber start_day = 0;
  std::array<std::optional<double>, kKpiCount> values;
};

// ---- the read model ----

// Per UTC day: the flows and the closing levels the KPIs are made of (docs/kpi.md).
struct DayTotals {
  int64_t sold_units = 0;                // committed units, spot and presale
  int64_t sold_spot_units = 0;           // of those, spot (they left on hand)
  int64_t committed_units = 0;           // of reservations committed this day
  int64_t committed_reserved_units = 0;  // what those reservations had reserved
  int64_t transfers_received = 0;
  int64_t transfer_ms_sum = 0;      // ship → receive, over transfers received this day
  int64_t transfers_on_time = 0;    // received within kOnTimeMs of shipping
  int64_t adjusted_abs_units = 0;   // |delta| of count adjustments (rollbacks excluded)
  int64_t adjusted_base_units = 0;  // max(on hand before, after) at those rows
  int64_t returned_units = 0;
  int64_t returns_graded = 0;   // returns whose last quarantined unit was graded this day
  int64_t return_ms_sum = 0;    // received → fully graded, over those returns
  int64_t sku_days_active = 0;  // SKUs received at least once, counted this day
  int64_t sku_days_out = 0;     // of those, with no spot stock available at some moment
  // Levels at the day's last event, carried into days without events.
  int64_t on_hand_close_units = 0;
  int64_t skus_active_close = 0;
  int64_t skus_out_close = 0;
};

// Transfers received within this long of shipping are on time (the reports' 48 h).
inline constexpr TimeMs kOnTimeMs = 48 * 3'600'000LL;
// At most this many UTC days with events are kept (about 27 years); beyond, apply()
// fails with limit_exceeded rather than grow without bound.
inline constexpr size_t kDaysKeptMax = 10'000;

// Not thread-safe: one owner at a time (the server holds it behind a mutex).
class Model {
 public:
  Model();
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  // Applies the journal event numbered `seq` (its stored bytes). Events name SKUs,
  // locations and channels by id; the model keeps its own name tables from the
  // catalogue events, so it reads the journal alone.
  // REQUIRES: seq == next_seq(). Errors: corruption (bytes do not decode, or an event
  // names a reservation, transfer or return no earlier event opened), limit_exceeded
  // (kDaysKeptMax). After an error the model may hold part of that event: the caller
  // stops feeding it and reports the error (a journal that verifies never causes one).
  Result<void> apply(uint64_t seq, std::span<const uint8_t> data);
  // Applies every event of `journal` from next_seq() on; returns how many.
  // Errors: those of Journal::replay and apply().
  Result<uint64_t> catch_up(journal::Journal& journal);

  uint64_t next_seq() const;
  // The time of the last applied event (0: none).
  TimeMs last_event_ms() const;

  // The rows of `query`, days after `today` null (they have not happened). Days between
  // the last event and `today` carry the closing levels (stock sat still).
  // REQUIRES: query came from make_query (row count within the limit).
  std::vector<Row> rows(const Query& query, DayNumber today) const;

  // The totals of one day as the model holds them (nullopt: no event that day).
  std::optional<DayTotals> day(DayNumber day) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The twelve values of a period from its summed totals (`days` days with data;
// `on_hand_close_sum` the sum of their closing on-hand units). Exposed for tests.
std::array<std::optional<double>, kKpiCount> values_of(const DayTotals& sum, int64_t days,
                                                       int64_t on_hand_close_sum);

}  // namespace livechain::kpi
