// The demo's in-process transport: engine::Ledger's engine and journal on the SQLite
// database, fronted by engine::Sequencer (the server's single writer, group commit).
// The clock is manual: the demo stamps every command with simulated time.
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "core/assert.hpp"
#include "engine/ledger.hpp"
#include "engine/sequencer.hpp"
#include "twin/demo.hpp"

namespace livechain::twin {

namespace {

class SequencerTransport final : public CommandTransport {
 public:
  explicit SequencerTransport(std::unique_ptr<engine::Ledger> ledger, ManualClock* clock)
      : clock_(clock), ledger_(std::move(ledger)) {
    sequencer_ = std::make_unique<engine::Sequencer>(ledger_->engine_for_sequencer(),
                                                     &ledger_->journal(), *clock_);
    sequencer_->start();
  }
  ~SequencerTransport() override { close(); }

  Result<std::vector<Result<engine::Reply>>> send(std::vector<engine::Command>&& commands,
                                                  TimeMs now_ms) override {
    LC_ASSERT(now_ms >= clock_->now_ms());
    clock_->set_ms(now_ms);
    std::vector<Result<engine::Reply>> replies(commands.size(),
                                               fail(ErrorCode::invalid_state, "demo", "no reply"));
    struct Waiting {
      std::mutex mutex;
      std::condition_variable done;
      size_t pending = 0;
    } waiting;
    const size_t chunk_max = engine::SequencerOptions{}.submission_commands_max;
    for (size_t begin = 0; begin < commands.size(); begin += chunk_max) {
      const size_t end = std::min(commands.size(), begin + chunk_max);
      std::vector<engine::Command> chunk(std::make_move_iterator(commands.begin() + begin),
                                         std::make_move_iterator(commands.begin() + end));
      {
        std::lock_guard lock(waiting.mutex);
        ++waiting.pending;
      }
      auto submitted =
          sequencer_->submit(std::move(chunk), [&, begin](engine::Replies&& chunk_replies) {
            std::move(chunk_replies.begin(), chunk_replies.end(), replies.begin() + begin);
            std::lock_guard lock(waiting.mutex);
            if (--waiting.pending == 0) waiting.done.notify_all();
          });
      if (!submitted) {
        std::unique_lock lock(waiting.mutex);
        --waiting.pending;
        waiting.done.wait(lock, [&] { return waiting.pending == 0; });
        return std::unexpected(submitted.error());
      }
    }
    std::unique_lock lock(waiting.mutex);
    waiting.done.wait(lock, [&] { return waiting.pending == 0; });
    return replies;
  }

  Result<std::vector<int64_t>> available_units(
      const std::vector<std::string>& gtins,
      const std::vector<std::string>& location_ids) override {
    std::vector<int64_t> out(gtins.size() * location_ids.size(), 0);
    auto read = sequencer_->read([&](const engine::Engine& engine) {
      const auto& state = engine.state();
      for (size_t g = 0; g < gtins.size(); ++g) {
        const auto sku = state.find_sku(gtins[g]);
        if (!sku) continue;
        for (size_t l = 0; l < location_ids.size(); ++l) {
          const auto location = state.find_location(location_ids[l]);
          if (!location) continue;
          out[g * location_ids.size() + l] =
              state.balance_or_zero(*sku, *location).available_units();
        }
      }
    });
    if (!read) return std::unexpected(read.error());
    return out;
  }

  Result<TimeMs> engine_now_ms() override {
    TimeMs now_ms = 0;
    auto read =
        sequencer_->read([&](const engine::Engine& engine) { now_ms = engine.state().now_ms(); });
    if (!read) return std::unexpected(read.error());
    return now_ms;
  }

  void close() override {
    if (sequencer_) sequencer_->stop();
  }

 private:
  ManualClock* clock_;  // owned by the holder below, outlives the ledger
  std::unique_ptr<engine::Ledger> ledger_;
  std::unique_ptr<engine::Sequencer> sequencer_;
};

// Owns the clock so it is destroyed after the transport (and its ledger).
class OwningTransport final : public CommandTransport {
 public:
  OwningTransport() : clock_(0) {}
  Result<void> open(const std::string& db_path) {
    auto ledger = engine::Ledger::open(db_path, clock_);
    if (!ledger) return std::unexpected(ledger.error());
    inner_ = std::make_unique<SequencerTransport>(std::move(*ledger), &clock_);
    return {};
  }
  Result<std::vector<Result<engine::Reply>>> send(std::vector<engine::Command>&& commands,
                                                  TimeMs now_ms) override {
    return inner_->send(std::move(commands), now_ms);
  }
  Result<std::vector<int64_t>> available_units(
      const std::vector<std::string>& gtins,
      const std::vector<std::string>& location_ids) override {
    return inner_->available_units(gtins, location_ids);
  }
  Result<TimeMs> engine_now_ms() override { return inner_->engine_now_ms(); }
  void close() override { inner_->close(); }

 private:
  ManualClock clock_;
  std::unique_ptr<SequencerTransport> inner_;
};

}  // namespace

Result<std::unique_ptr<CommandTransport>> open_sequencer_transport(const std::string& db_path) {
  std::error_code error;
  const auto parent = std::filesystem::path(db_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  if (error) return fail(ErrorCode::io_error, "db", parent.string() + ": " + error.message());
  if (!std::filesystem::exists(db_path)) {
    auto key = engine::Ledger::init(db_path);
    if (!key) return std::unexpected(key.error());
  }
  auto transport = std::make_unique<OwningTransport>();
  auto opened = transport->open(db_path);
  if (!opened) return std::unexpected(opened.error());
  return std::unique_ptr<CommandTransport>(std::move(transport));
}

}  // namespace livechain::twin
