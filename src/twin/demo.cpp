// `livechain demo`: a mega session replayed minute by minute through a CommandTransport
// (demo.hpp). Each simulated minute becomes one round of commands: due payments,
// cancellations and late payments, TTL expiry, factory output (hourly), the policy's
// transfers (every 15 minutes), due transfer receipts, then the minute's new orders.
// The demo waits for the round's replies (durable) before the next minute, and sleeps
// so a minute lasts 60 s / speed of wall time.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <thread>

#include "core/assert.hpp"
#include "twin/demo.hpp"
#include "twin/policy.hpp"
#include "twin/rng.hpp"
#include "twin/session.hpp"

namespace livechain::twin {

namespace {

constexpr size_t kTopSkus = 5;
constexpr size_t kAlertsMax = 6;
constexpr double kLowStockShare = 0.2;  // alert under 20% of the session's opening stock

enum class Due : uint8_t { pay, cancel, pay_late, transfer_arrive, production_arrive };
struct DueCommand {
  Due kind = Due::pay;
  uint32_t sku = 0;
  uint64_t id = 0;  // reservation or transfer id
  int64_t units = 0;
};

// What an order's Reserve was for, to read its reply.
struct OrderIntent {
  uint32_t sku = 0;
  int64_t units = 0;
};

// A snapshot of available units by sku × location that the policy reads; its moves
// are applied to the snapshot and queued as commands.
class SnapshotView final : public StockView, public MoveSink {
 public:
  SnapshotView(std::vector<int64_t> available, size_t locations)
      : available_(std::move(available)), locations_(locations) {}
  int64_t available_units(uint32_t sku, uint32_t location) const override {
    return available_[sku * locations_ + location];
  }
  Result<void> move(const Move& move) override {
    if (move.from != kNoLocation) available_[move.sku * locations_ + move.from] -= move.qty_units;
    const bool now = move.from == kNoLocation && move.lead_time_h <= 0;
    available_[move.sku * locations_ + move.to] += now ? move.qty_units : 0;
    moves.push_back(move);
    return {};
  }
  std::vector<Move> moves;

 private:
  std::vector<int64_t> available_;
  size_t locations_;
};

class Demo {
 public:
  Demo(const DemoOptions& options, CommandTransport& transport, const std::atomic<bool>& stop)
      : options_(options), transport_(transport), stop_(stop) {}

  Result<DemoResult> run(const std::function<void(const DemoFrame&)>& on_frame);

 private:
  Result<void> setup();
  Result<void> play_minute(uint32_t minute, TimeMs now_ms);
  Result<void> drain_after_session(TimeMs from_ms);
  Result<std::vector<Result<engine::Reply>>> send(std::vector<engine::Command>&& commands,
                                                  TimeMs now_ms);
  enum class Round : uint8_t { stock, replenish, react };
  Result<void> policy_round(Round round, TimeMs now_ms);
  void due_commands(TimeMs until_ms, std::vector<engine::Command>& commands,
                    std::vector<DueCommand>& kinds);
  void read_due_replies(const std::vector<DueCommand>& kinds,
                        const std::vector<Result<engine::Reply>>& replies, size_t offset,
                        TimeMs now_ms);
  void read_order_replies(const std::vector<OrderIntent>& intents,
                          const std::vector<Result<engine::Reply>>& replies, size_t offset,
                          TimeMs now_ms);
  Result<void> refresh_frame(TimeMs now_ms, uint64_t orders_this_minute);
  void alert(TimeMs now_ms, const std::string& text);
  bool sleep_until(std::chrono::steady_clock::time_point deadline);

  const DemoOptions& options_;
  CommandTransport& transport_;
  const std::atomic<bool>& stop_;
  Scenario scenario_;
  std::vector<Sku> skus_;
  std::vector<Location> locations_;
  Network network_;
  std::unique_ptr<Policy> policy_;
  SessionPlan plan_;
  std::vector<uint32_t> top_;              // sku indexes of the top agenda SKUs
  std::vector<int64_t> opening_units_;     // per top SKU, selling stock at the start
  std::vector<bool> stockout_alerted_;     // per sku
  std::vector<bool> low_alerted_;          // per top SKU
  std::multimap<TimeMs, DueCommand> due_;  // scheduled payments, cancels, receipts
  std::vector<bool> off_sale_;
  std::vector<Demand> demand_;  // this minute's orders, for the policy's react()
  Rng demand_rng_{options_.seed, kDemand};
  Rng pay_rng_{options_.seed, kPayment};
  TimeMs offset_ms_ = 0;  // session times are shifted to start after the ledger's last event
  uint64_t next_order_ = 1;
  DemoFrame frame_;
  std::chrono::steady_clock::time_point wall_start_;
};

Result<std::vector<Result<engine::Reply>>> Demo::send(std::vector<engine::Command>&& commands,
                                                      TimeMs now_ms) {
  const size_t count = commands.size();
  if (count == 0) return std::vector<Result<engine::Reply>>{};
  auto replies = transport_.send(std::move(commands), now_ms);
  if (!replies) return replies;
  if (replies->size() != count) {
    return fail(ErrorCode::invalid_state, "transport", "reply count differs from command count");
  }
  frame_.commands += count;
  return replies;
}

Result<void> Demo::setup() {
  auto mega = find_scenario("mega");
  LC_ASSERT(mega.has_value());
  scenario_ = *mega;
  for (const auto& assignment :
       {fmt::format("scale={}", options_.scale), fmt::format("skus={}", options_.skus),
        fmt::format("duration_minutes={}", options_.duration_minutes)}) {
    auto set = set_param(scenario_, assignment);
    if (!set) return set;
  }
  skus_ = make_brand(options_.seed, options_.skus, scenario_.param("material_price_factor"));
  locations_ = make_locations();
  network_ = Network{&skus_, &locations_, 0};
  auto policy = make_policy(options_.policy, network_);
  if (!policy) return std::unexpected(policy.error());
  policy_ = std::move(*policy);
  plan_ = plan_session(scenario_, options_.seed, 0, options_.skus);
  // Start a day after whatever the ledger already holds (a re-run on the same database).
  auto engine_now = transport_.engine_now_ms();
  if (!engine_now) return std::unexpected(engine_now.error());
  if (*engine_now >= plan_.start_ms) {
    offset_ms_ = (*engine_now - plan_.start_ms) / kDayMs * kDayMs + kDayMs;
  }
  auto catalog = send(catalog_commands(skus_, locations_), plan_.start_ms + offset_ms_);
  if (!catalog) return std::unexpected(catalog.error());
  for (const auto& reply : *catalog) {
    if (!reply) return std::unexpected(reply.error());
  }
  // The top SKUs by planned demand, for the screen.
  std::vector<std::pair<double, uint32_t>> demand;
  for (size_t k = 0; k < plan_.agenda.size(); ++k) {
    double sum = 0;
    for (double r : plan_.rate[k]) sum += r;
    demand.emplace_back(-sum, plan_.agenda[k]);
  }
  std::sort(demand.begin(), demand.end());
  if (options_.surge_factor > 1) top_.push_back(plan_.agenda[0]);  // the surge is news
  for (size_t i = 0; i < demand.size() && top_.size() < kTopSkus; ++i) {
    if (std::find(top_.begin(), top_.end(), demand[i].second) == top_.end()) {
      top_.push_back(demand[i].second);
    }
  }
  off_sale_.assign(skus_.size(), false);
  stockout_alerted_.assign(skus_.size(), false);
  low_alerted_.assign(top_.size(), false);
  return policy_round(Round::stock, plan_.start_ms + offset_ms_);
}

// Stocking (before the session), replenishment or the answer to the minute's orders:
// the policy reads a fresh snapshot, its moves become ReceiveStock / ShipTransfer
// commands; production orders become a ReceiveStock when they are due.
Result<void> Demo::policy_round(Round round, TimeMs now_ms) {
  std::vector<std::string> gtins, location_ids;
  for (const auto& s : skus_) gtins.push_back(s.gtin);
  for (const auto& l : locations_) location_ids.push_back(l.id);
  auto available = transport_.available_units(gtins, location_ids);
  if (!available) return std::unexpected(available.error());
  SnapshotView view(std::move(*available), locations_.size());
  if (round == Round::stock) {
    SessionForecast f;
    f.tier = 2;
    f.forecast_units = plan_.forecast_units;
    f.agenda = plan_.agenda;
    for (const auto& r : plan_.rate) {
      double sum = 0;
      for (double x : r) sum += x;
      f.weight.push_back(sum);
    }
    f.coverage = scenario_.param("coverage");
    f.factory_share = scenario_.param("factory_share");
    fill_forecast_curve(f, plan_, plan_.start_ms + offset_ms_);
    f.forecast_error_sd = scenario_.param("forecast_error_sd");
    f.factory_lead_time_h = scenario_.param("factory_lead_time_hours");
    f.transit_time_factor = 1;  // the demo's lanes take their plain lead time
    if (auto r = policy_->stock(f, view, view); !r) return r;
  } else if (round == Round::replenish) {
    if (auto r = policy_->replenish(view, off_sale_, view); !r) return r;
  } else {
    if (auto r = policy_->react(demand_, now_ms, view, off_sale_, view); !r) return r;
  }
  std::vector<engine::Command> commands;
  std::vector<Move> sent;
  for (const auto& move : view.moves) {
    if (move.from == kNoLocation && move.lead_time_h > 0) {
      due_.emplace(now_ms + static_cast<TimeMs>(move.lead_time_h * static_cast<double>(kHourMs)),
                   DueCommand{Due::production_arrive, move.sku, 0, move.qty_units});
      alert(now_ms, fmt::format("EMERGENCY production {} × {} due in {:.1f} h", move.qty_units,
                                skus_[move.sku].name, move.lead_time_h));
      continue;
    }
    commands.push_back(move_command(move, network_));
    sent.push_back(move);
  }
  auto replies = send(std::move(commands), now_ms);
  if (!replies) return std::unexpected(replies.error());
  for (size_t i = 0; i < sent.size(); ++i) {
    const Move& move = sent[i];
    const auto& reply = (*replies)[i];
    if (!reply) {
      ++frame_.unexpected_replies;
      alert(now_ms, "rejected: " + reply.error().to_string());
      continue;
    }
    if (move.from == kNoLocation) continue;
    ++frame_.transfers;
    const uint32_t km = kDistanceKm[locations_[move.from].region][locations_[move.to].region];
    const TimeMs lead_ms = static_cast<TimeMs>(transfer_lead_time_h(km) * kHourMs);
    due_.emplace(now_ms + lead_ms,
                 DueCommand{Due::transfer_arrive, move.sku,
                            std::get<engine::TransferView>(*reply).transfer_id, move.qty_units});
    alert(now_ms, fmt::format("transfer {} × {} {} → {}", move.qty_units, skus_[move.sku].name,
                              locations_[move.from].id, locations_[move.to].id));
  }
  return {};
}

void Demo::due_commands(TimeMs until_ms, std::vector<engine::Command>& commands,
                        std::vector<DueCommand>& kinds) {
  while (!due_.empty() && due_.begin()->first < until_ms) {
    const DueCommand d = due_.begin()->second;
    due_.erase(due_.begin());
    if (d.kind == Due::transfer_arrive) {
      commands.push_back(engine::ReceiveTransfer{d.id, std::nullopt});
    } else if (d.kind == Due::production_arrive) {
      commands.push_back(
          engine::ReceiveStock{skus_[d.sku].gtin, locations_[network_.factory].id, d.units});
    } else if (d.kind == Due::cancel) {
      commands.push_back(engine::Release{d.id});
    } else {
      commands.push_back(engine::Commit{d.id, {}});
    }
    kinds.push_back(d);
  }
}

void Demo::read_due_replies(const std::vector<DueCommand>& kinds,
                            const std::vector<Result<engine::Reply>>& replies, size_t offset,
                            TimeMs now_ms) {
  for (size_t i = 0; i < kinds.size(); ++i) {
    const auto& reply = replies[offset + i];
    const DueCommand& d = kinds[i];
    if (d.kind == Due::pay_late) {
      // The model: a payment after the TTL must be refused as expired.
      if (reply || reply.error().code != ErrorCode::reservation_expired) {
        ++frame_.unexpected_replies;
      }
      continue;
    }
    if (!reply) {
      ++frame_.unexpected_replies;
      alert(now_ms, "rejected: " + reply.error().to_string());
      continue;
    }
    if (d.kind == Due::pay) {
      const auto& view = std::get<engine::ReservationView>(*reply);
      const int64_t units = view.lines[0].committed_units.value_or(0);
      ++frame_.orders_committed;
      frame_.units_sold += units;
      frame_.gmv_cny += static_cast<double>(units) * skus_[d.sku].price_cny *
                        (1 - scenario_.param("promo_depth"));
    }
  }
}

void Demo::read_order_replies(const std::vector<OrderIntent>& intents,
                              const std::vector<Result<engine::Reply>>& replies, size_t offset,
                              TimeMs now_ms) {
  const double ttl_min = scenario_.param("ttl_minutes");
  const double pay_rate = scenario_.param("pay_rate");
  for (size_t i = 0; i < intents.size(); ++i) {
    const auto& reply = replies[offset + i];
    const OrderIntent& o = intents[i];
    if (!reply) {
      if (reply.error().code == ErrorCode::insufficient_stock) {
        frame_.units_lost += o.units;
        demand_.push_back(Demand{o.sku, kNoLocation, o.units});
        if (!stockout_alerted_[o.sku]) {
          stockout_alerted_[o.sku] = true;
          alert(now_ms,
                fmt::format("STOCKOUT {}: orders are being turned away", skus_[o.sku].name));
        }
      } else {
        ++frame_.unexpected_replies;
        alert(now_ms, "rejected: " + reply.error().to_string());
      }
      continue;
    }
    ++frame_.orders_reserved;
    const auto& reservation = std::get<engine::ReservationView>(*reply);
    const uint64_t id = reservation.reservation_id;
    uint32_t location = kNoLocation;
    for (uint32_t l = 0; l < locations_.size(); ++l) {
      if (locations_[l].id == reservation.lines[0].location_id) location = l;
    }
    if (location != kNoLocation) demand_.push_back(Demand{o.sku, location, o.units});
    const double fate = pay_rng_.uniform();
    Due kind = Due::pay;
    double after_min = 0;
    if (fate < pay_rate) {
      after_min = pay_rng_.uniform(0.2, 0.9) * ttl_min;
    } else if (fate < pay_rate + (1 - pay_rate) * 0.3) {
      kind = Due::cancel;
      after_min = pay_rng_.uniform(0.1, 0.8) * ttl_min;
    } else if (fate < pay_rate + (1 - pay_rate) * 0.4) {
      kind = Due::pay_late;
      after_min = ttl_min + pay_rng_.uniform(1, 5);
    } else {
      continue;  // never pays: the TTL releases it
    }
    // Rounds are a minute apart: a payment due within the TTL is sent no later than
    // its minute, a late one no earlier than its own.
    const TimeMs at_ms = now_ms + static_cast<TimeMs>(after_min * kMinuteMs);
    due_.emplace(at_ms, DueCommand{kind, o.sku, id, o.units});
  }
}

Result<void> Demo::play_minute(uint32_t minute, TimeMs now_ms) {
  std::vector<engine::Command> commands;
  std::vector<DueCommand> kinds;
  due_commands(now_ms + kMinuteMs, commands, kinds);
  commands.push_back(engine::ExpireDue{});
  if (minute % 60 == 0) {  // factory output, a share of the forecast each hour
    const double units = plan_.forecast_units * scenario_.param("production_share_per_hour");
    double total = 0;
    for (const auto& r : plan_.rate) {
      for (double x : r) total += x;
    }
    for (size_t k = 0; k < plan_.agenda.size(); ++k) {
      double sum = 0;
      for (double x : plan_.rate[k]) sum += x;
      const int64_t qty =
          std::min<int64_t>(static_cast<int64_t>(units * sum / total), engine::kLineQtyMax);
      if (qty > 0) {
        commands.push_back(engine::ReceiveStock{skus_[plan_.agenda[k]].gtin,
                                                locations_[network_.factory].id, qty});
      }
    }
  }
  const size_t orders_at = commands.size();
  std::vector<OrderIntent> intents;
  for (size_t k = 0; k < plan_.agenda.size(); ++k) {
    if (minute < plan_.intro_minute[k]) continue;
    const uint32_t sku = plan_.agenda[k];
    const double surge = k == 0 ? options_.surge_factor : 1.0;
    const int64_t count = demand_rng_.poisson(plan_.rate[k][minute] * surge);
    for (int64_t i = 0; i < count; ++i) {
      const double u = demand_rng_.uniform();
      const int64_t units = u < 0.87 ? 1 : (u < 0.98 ? 2 : 3);
      double r = demand_rng_.uniform();
      uint32_t region = 0;
      while (region + 1 < kRegions && r >= kBuyerRegionMix[region]) {
        r -= kBuyerRegionMix[region++];
      }
      engine::Reserve reserve;
      reserve.order_id =
          fmt::format("demo-{}-{}", (plan_.start_ms + offset_ms_) / 1000, next_order_++);
      reserve.channel_id = kChannel;
      reserve.buyer_region = kRegionNames[region];
      reserve.lines.push_back(engine::LineRequest{skus_[sku].gtin, units, std::nullopt});
      reserve.ttl_ms = static_cast<int64_t>(scenario_.param("ttl_minutes")) * kMinuteMs;
      commands.push_back(std::move(reserve));
      intents.push_back({sku, units});
      frame_.units_demanded += units;
    }
  }
  frame_.orders += intents.size();
  auto replies = send(std::move(commands), now_ms);
  if (!replies) return std::unexpected(replies.error());
  read_due_replies(kinds, *replies, 0, now_ms);
  demand_.clear();
  read_order_replies(intents, *replies, orders_at, now_ms);
  if (policy_->reacts() && !demand_.empty()) {
    if (auto r = policy_round(Round::react, now_ms); !r) return r;
  }
  if (minute % 15 == 14) {
    if (auto r = policy_round(Round::replenish, now_ms); !r) return r;
  }
  return refresh_frame(now_ms, intents.size());
}

Result<void> Demo::refresh_frame(TimeMs now_ms, uint64_t orders_this_minute) {
  frame_.sim_ms = now_ms;
  frame_.orders_last_minute = orders_this_minute;
  frame_.fill_rate = frame_.units_demanded > 0
                         ? 1.0 - static_cast<double>(frame_.units_lost) /
                                     static_cast<double>(frame_.units_demanded)
                         : 1.0;
  frame_.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count();
  std::vector<std::string> gtins, location_ids;
  for (uint32_t sku : top_) gtins.push_back(skus_[sku].gtin);
  for (const auto& l : locations_) location_ids.push_back(l.id);
  auto available = transport_.available_units(gtins, location_ids);
  if (!available) return std::unexpected(available.error());
  frame_.top_skus.clear();
  for (size_t t = 0; t < top_.size(); ++t) {
    DemoSkuStock s{skus_[top_[t]].gtin, skus_[top_[t]].name, {}, 0};
    for (size_t l = 0; l < locations_.size(); ++l) {
      const int64_t units = (*available)[t * locations_.size() + l];
      if (locations_[l].kind == engine::LocationKind::returns_center) continue;
      s.available_by_region[locations_[l].region] += units;
      if (engine::sells_to_buyers(locations_[l].kind)) s.selling_available_units += units;
    }
    if (opening_units_.size() < top_.size()) opening_units_.push_back(s.selling_available_units);
    const double low = kLowStockShare * static_cast<double>(opening_units_[t]);
    if (!low_alerted_[t] && static_cast<double>(s.selling_available_units) < low) {
      low_alerted_[t] = true;
      alert(now_ms, fmt::format("LOW STOCK {}: {} units left to sell (< {:.0f}% of the opening)",
                                s.name, s.selling_available_units, kLowStockShare * 100));
    }
    frame_.top_skus.push_back(std::move(s));
  }
  return {};
}

void Demo::alert(TimeMs now_ms, const std::string& text) {
  const TimeMs since_ms = now_ms - (plan_.start_ms + offset_ms_);
  frame_.alerts.insert(frame_.alerts.begin(), fmt::format("[{:02d}:{:02d}] {}", since_ms / kHourMs,
                                                          (since_ms % kHourMs) / kMinuteMs, text));
  if (frame_.alerts.size() > kAlertsMax) frame_.alerts.resize(kAlertsMax);
}

// Sleeps in short steps so a stop request is seen quickly. Returns false if stopped.
bool Demo::sleep_until(std::chrono::steady_clock::time_point deadline) {
  while (!stop_.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        deadline - now, std::chrono::milliseconds(50)));
  }
  return false;
}

// After the last minute: payments, cancellations and transfers still due are sent at
// their own minute (without pacing), then a final TTL expiry.
Result<void> Demo::drain_after_session(TimeMs from_ms) {
  TimeMs now_ms = from_ms;
  while (!due_.empty() && !stop_.load()) {
    now_ms = std::max(now_ms + kMinuteMs, due_.begin()->first / kMinuteMs * kMinuteMs);
    std::vector<engine::Command> commands;
    std::vector<DueCommand> kinds;
    due_commands(now_ms + kMinuteMs, commands, kinds);
    commands.push_back(engine::ExpireDue{});
    auto replies = send(std::move(commands), now_ms);
    if (!replies) return std::unexpected(replies.error());
    read_due_replies(kinds, *replies, 0, now_ms);
  }
  if (stop_.load()) return {};
  const TimeMs end_ms = now_ms + static_cast<TimeMs>(scenario_.param("ttl_minutes")) * kMinuteMs;
  auto expired = send({engine::ExpireDue{}}, end_ms);
  if (!expired) return std::unexpected(expired.error());
  return refresh_frame(end_ms, 0);
}

Result<DemoResult> Demo::run(const std::function<void(const DemoFrame&)>& on_frame) {
  wall_start_ = std::chrono::steady_clock::now();
  if (auto s = setup(); !s) return std::unexpected(s.error());
  frame_.duration_min = plan_.duration_min;
  const uint32_t minutes = options_.minutes_max > 0
                               ? std::min(options_.minutes_max, plan_.duration_min)
                               : plan_.duration_min;
  const TimeMs start_ms = plan_.start_ms + offset_ms_;
  const auto wall_minute = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(60.0 / options_.speed));
  DemoResult result;
  for (uint32_t minute = 0; minute < minutes; ++minute) {
    if (stop_.load()) break;
    const TimeMs now_ms = start_ms + static_cast<TimeMs>(minute) * kMinuteMs;
    if (auto r = play_minute(minute, now_ms); !r) return std::unexpected(r.error());
    frame_.minute = minute + 1;
    const auto deadline = wall_start_ + wall_minute * (minute + 1);
    frame_.behind = std::chrono::steady_clock::now() > deadline + wall_minute;
    if (on_frame) on_frame(frame_);
    if (!sleep_until(deadline)) break;
  }
  if (!stop_.load()) {
    auto drained = drain_after_session(start_ms + static_cast<TimeMs>(minutes) * kMinuteMs);
    if (!drained) return std::unexpected(drained.error());
  }
  result.interrupted = stop_.load();
  transport_.close();
  frame_.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count();
  result.last = frame_;
  return result;
}

std::string bar(int64_t units, int64_t scale_units) {
  const int width =
      scale_units > 0
          ? static_cast<int>(std::min<int64_t>(10, (units * 10 + scale_units - 1) / scale_units))
          : 0;
  return std::string(static_cast<size_t>(std::max(0, width)), '#');
}

}  // namespace

Result<void> check_demo_options(const DemoOptions& options) {
  if (!(options.speed >= 1 && options.speed <= 100'000)) {
    return fail(ErrorCode::invalid_argument, "speed", "must be within 1–100000");
  }
  if (!(options.scale > 0 && options.scale <= 1)) {
    return fail(ErrorCode::invalid_argument, "scale", "must be within (0, 1]");
  }
  if (options.skus < 5 || options.skus > kSkusMax) {
    return fail(ErrorCode::invalid_argument, "skus", fmt::format("must be within 5–{}", kSkusMax));
  }
  if (options.duration_minutes < 30 || options.duration_minutes > 480) {
    return fail(ErrorCode::invalid_argument, "duration_minutes", "must be within 30–480");
  }
  if (!(options.surge_factor >= 1 && options.surge_factor <= 100)) {
    return fail(ErrorCode::invalid_argument, "surge_factor", "must be within 1–100");
  }
  const auto ids = policy_ids();
  if (std::find(ids.begin(), ids.end(), options.policy) == ids.end()) {
    return fail(
        ErrorCode::not_found, "policy",
        fmt::format("unknown policy '{}'; known: {}", options.policy, fmt::join(ids, ", ")));
  }
  return {};
}

Result<DemoResult> run_demo(const DemoOptions& options, CommandTransport& transport,
                            const std::function<void(const DemoFrame&)>& on_frame,
                            const std::atomic<bool>& stop) {
  if (auto checked = check_demo_options(options); !checked) {
    return std::unexpected(checked.error());
  }
  Demo demo(options, transport, stop);
  return demo.run(on_frame);
}

std::string render_frame(const DemoFrame& f, bool tty) {
  const TimeMs hh = f.minute / 60, mm = f.minute % 60;
  if (!tty) {
    std::string line = fmt::format(
        "t={:02d}:{:02d} orders/min={} orders={} fill={:.4f} sold={} lost={} gmv={:.0f} "
        "transfers={} unexpected={}",
        hh, mm, f.orders_last_minute, f.orders, f.fill_rate, f.units_sold, f.units_lost, f.gmv_cny,
        f.transfers, f.unexpected_replies);
    if (!f.alerts.empty()) line += " alert=\"" + f.alerts.front() + "\"";
    return line + "\n";
  }
  std::string out = fmt::format(
      "livechain demo — a mega session replayed into the durable ledger\n"
      "session {:02d}:{:02d} / {:02d}:{:02d}   wall {:.0f} s{}\n\n"
      "orders/min {:>9}   orders {:>10}   reserved {:>10}   paid {:>10}\n"
      "fill rate  {:>9.2f}%  sold units {:>6}   lost units {:>8}   GMV {:>12.0f} CNY\n"
      "transfers  {:>9}   engine commands {:>12}   unexpected replies {}\n\n",
      hh, mm, f.duration_min / 60, f.duration_min % 60, f.wall_s,
      f.behind ? "   (behind real time: the ledger is the bottleneck)" : "", f.orders_last_minute,
      f.orders, f.orders_reserved, f.orders_committed, f.fill_rate * 100, f.units_sold,
      f.units_lost, f.gmv_cny, f.transfers, f.commands, f.unexpected_replies);
  out += fmt::format("{:<16}", "top SKUs");
  for (const char* region : region_names()) out += fmt::format("{:>9}", region);
  // central holds the factory: stock there is not yet at a selling location.
  out += fmt::format("{:>10}\n", "to sell");
  int64_t scale_units = 1;
  for (const auto& s : f.top_skus) scale_units = std::max(scale_units, s.selling_available_units);
  for (const auto& s : f.top_skus) {
    out += fmt::format("{:<16}", s.name);
    for (int64_t units : s.available_by_region) out += fmt::format("{:>9}", units);
    out += fmt::format("{:>10} {}\n", s.selling_available_units,
                       bar(s.selling_available_units, scale_units));
  }
  out += "\nalerts\n";
  if (f.alerts.empty()) out += "  (none)\n";
  for (const auto& a : f.alerts) out += "  " + a + "\n";
  out += "\nCtrl-C stops cleanly.\n";
  return out;
}

}  // namespace livechain::twin
