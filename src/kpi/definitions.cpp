// The twelve KPI definitions, the UTC calendar of their periods and the request limits
// (kpi.hpp). Formulas are stated once here; docs/kpi.md explains each one at length.
#include <fmt/format.h>

#include <algorithm>

#include "kpi/kpi.hpp"

namespace livechain::kpi {

namespace {
using namespace std::string_view_literals;

constexpr Definition kDefinitions[kKpiCount] = {
    {"inventory_turnover_days", Group::operations, "days",
     "sum over the period's days of the network's closing on-hand units / spot units sold "
     "(committed) in the period = average on hand / units sold per day. On hand moves with "
     "stock_received, stock_adjusted, committed (spot), transfer_shipped, transfer_received, "
     "return_graded (restock), rework_completed. Null when no spot unit was sold.",
     "45 -> 30"sv},
    {"order_fill_rate_percent", Group::operations, "percent",
     "100 x units committed / units those reservations had reserved, over the reservations "
     "committed in the period (reserved, committed). Null when none was committed.",
     98.6},
    {"fulfilment_time_hours", Group::operations, "hours",
     "mean hours from transfer_shipped to transfer_received over the transfers received in "
     "the period (a re-routed or split transfer keeps its ship time). Null when none was "
     "received.",
     48.0},
    {"stock_accuracy_percent", Group::operations, "percent",
     "100 x (1 - sum |delta| / sum max(on hand before, on hand after)) over the period's "
     "stock_adjusted events at their SKU x location (each is a count's correction; the "
     "compensating adjustments of a rollback are not counts and are left out). Null when "
     "nothing was adjusted.",
     "98-99.8"sv},
    {"stock_value_to_revenue_percent", Group::finance, "percent",
     "100 x closing stock value at unit cost / revenue (committed units x selling price) of "
     "the period. Reads unit costs and prices, which the ledger does not hold yet: null "
     "until it does.",
     std::monostate{}},
    {"cash_tied_in_stock_minor_units", Group::finance, "minor_units",
     "(on hand + in transit + quarantine units) x unit cost at the period's end, in minor "
     "units of the ledger currency. Reads unit costs, which the ledger does not hold yet: "
     "null until it does.",
     std::monostate{}},
    {"gross_margin_percent", Group::finance, "percent",
     "100 x (revenue - cost of goods sold) / revenue, revenue = committed units x price, "
     "cost = committed units x unit cost. Reads prices and costs, which the ledger does not "
     "hold yet: null until it does.",
     std::monostate{}},
    {"cost_of_returns_minor_units", Group::finance, "minor_units",
     "refunds of the period's returned units + scrapped units x unit cost, in minor units. "
     "Reads prices, refunds and costs, which the ledger does not hold yet: null until it "
     "does.",
     std::monostate{}},
    {"stockout_rate_percent", Group::customer, "percent",
     "100 x SKU-days out of stock / SKU-days active. A SKU is active from the first time it "
     "has units on hand; it is out on a day when its spot stock available over the network "
     "(on hand - reserved) was 0 at some moment of that day. Null before any SKU is active.",
     std::monostate{}},
    {"return_rate_percent", Group::customer, "percent",
     "100 x units returned (return_received) / units sold (committed, spot and presale) in "
     "the period. Null when nothing was sold.",
     std::monostate{}},
    {"on_time_delivery_percent", Group::customer, "percent",
     "100 x transfers received within 48 h of shipping / transfers received in the period "
     "(transfer_shipped, transfer_received). Null when none was received.",
     std::monostate{}},
    {"return_processing_time_hours", Group::customer, "hours",
     "mean hours from return_received until its last quarantined unit is graded "
     "(return_graded), over the returns finished in the period. The ledger journals no "
     "refunds: this is the time until a refund can be decided. Null when none finished.",
     std::monostate{}},
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct Civil {
  int64_t year;
  int64_t month;  // 1 … 12
  int64_t day;    // 1 … 31
};
// The inverse (H. Hinnant's civil_from_days).
Civil civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return Civil{year_of_era + era * 400 + (month <= 2), month, day};
}

int64_t days_in_month(int64_t year, int64_t month) {
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Months since January 1970 of the month holding `day`.
int64_t month_index(DayNumber day) {
  Civil civil = civil_from_days(day);
  return (civil.year - 1970) * 12 + (civil.month - 1);
}
DayNumber month_start_of_index(int64_t index) {
  return days_from_civil(1970 + index / 12, index % 12 + 1, 1);
}

size_t rows_between(Period period, DayNumber from_start, DayNumber to_start) {
  switch (period) {
    case Period::day:
      return static_cast<size_t>(to_start - from_start + 1);
    case Period::week:
      return static_cast<size_t>((to_start - from_start) / 7 + 1);
    case Period::month:
      return static_cast<size_t>(month_index(to_start) - month_index(from_start) + 1);
  }
  return 0;
}

size_t rows_default(Period period) {
  switch (period) {
    case Period::day:
      return kDayRowsDefault;
    case Period::week:
      return kWeekRowsDefault;
    case Period::month:
      return kMonthRowsDefault;
  }
  return 1;
}

// The start of the period `count` periods before the one starting at `start`, never
// before 1970-01-01.
DayNumber periods_back(Period period, DayNumber start, size_t count) {
  int64_t back = static_cast<int64_t>(count);
  switch (period) {
    case Period::day:
      return std::max(kDayNumberMin, start - back);
    case Period::week:
      return std::max(kDayNumberMin, start - 7 * back);
    case Period::month:
      return month_start_of_index(std::max<int64_t>(0, month_index(start) - back));
  }
  return start;
}
}  // namespace

std::string_view group_name(Group group) {
  switch (group) {
    case Group::operations:
      return "operations";
    case Group::finance:
      return "finance";
    case Group::customer:
      return "customer";
  }
  return "operations";
}

std::span<const Definition> definitions() {
  return kDefinitions;
}

std::string_view period_name(Period period) {
  switch (period) {
    case Period::day:
      return "day";
    case Period::week:
      return "week";
    case Period::month:
      return "month";
  }
  return "day";
}

Result<Period> parse_period(std::string_view field, std::string_view text) {
  for (Period period : {Period::day, Period::week, Period::month}) {
    if (text == period_name(period)) return period;
  }
  return fail(ErrorCode::invalid_argument, std::string(field), "must be day, week or month");
}

DayNumber day_of(TimeMs time_ms) {
  constexpr TimeMs kDayMs = 86'400'000;
  return time_ms >= 0 ? time_ms / kDayMs : -((-time_ms + kDayMs - 1) / kDayMs);
}

Result<DayNumber> parse_date(std::string_view field, std::string_view text) {
  auto bad = [&] {
    return fail(ErrorCode::invalid_argument, std::string(field),
                "must be a date YYYY-MM-DD between 1970-01-01 and 9999-12-31");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int64_t parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (size_t part = 0; part < 3; ++part) {
    for (size_t i = starts[part]; i < starts[part] + lengths[part]; ++i) {
      if (text[i] < '0' || text[i] > '9') return bad();
      parts[part] = parts[part] * 10 + (text[i] - '0');
    }
  }
  auto [year, month, day] = parts;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    return bad();
  }
  return days_from_civil(year, month, day);
}

std::string format_date(DayNumber day) {
  Civil civil = civil_from_days(day);
  return fmt::format("{:04}-{:02}-{:02}", civil.year, civil.month, civil.day);
}

DayNumber period_start(Period period, DayNumber day) {
  switch (period) {
    case Period::day:
      return day;
    case Period::week: {
      // 1970-01-01 was a Thursday: (day + 3) mod 7 is the days since Monday.
      int64_t since_monday = ((day + 3) % 7 + 7) % 7;
      return day - since_monday;
    }
    case Period::month: {
      Civil civil = civil_from_days(day);
      return days_from_civil(civil.year, civil.month, 1);
    }
  }
  return day;
}

DayNumber period_next(Period period, DayNumber start) {
  switch (period) {
    case Period::day:
      return start + 1;
    case Period::week:
      return start + 7;
    case Period::month: {
      Civil civil = civil_from_days(start);
      return start + days_in_month(civil.year, civil.month) - (civil.day - 1);
    }
  }
  return start + 1;
}

size_t rows_max(Period period) {
  switch (period) {
    case Period::day:
      return kDayRowsMax;
    case Period::week:
      return kWeekRowsMax;
    case Period::month:
      return kMonthRowsMax;
  }
  return 0;
}

Result<Query> make_query(Period period, const std::optional<std::string>& from,
                         const std::optional<std::string>& to, DayNumber today) {
  Query query;
  query.period = period;
  query.to_day = std::clamp(today, kDayNumberMin, kDayNumberMax);
  if (to) {
    LC_TRY(to_day, parse_date("to", *to));
    query.to_day = to_day;
  }
  DayNumber to_start = period_start(period, query.to_day);
  if (from) {
    LC_TRY(from_day, parse_date("from", *from));
    query.from_day = from_day;
  } else {
    query.from_day = periods_back(period, to_start, rows_default(period) - 1);
  }
  if (query.from_day > query.to_day) {
    return fail(
        ErrorCode::invalid_argument, "from",
        fmt::format("{} is after to ({})", format_date(query.from_day), format_date(query.to_day)));
  }
  size_t rows = rows_between(period, period_start(period, query.from_day), to_start);
  if (rows > rows_max(period)) {
    return fail(ErrorCode::limit_exceeded, "to",
                fmt::format("{} to {} spans {} {} rows; at most {} per request",
                            format_date(query.from_day), format_date(query.to_day), rows,
                            period_name(period), rows_max(period)));
  }
  return query;
}

}  // namespace livechain::kpi
