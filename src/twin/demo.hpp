// src/twin/demo.hpp — public: `livechain demo`, a simulated mega session replayed in
// compressed real time through a durable command path.
//
// The demo generates the twin's brand and network, plans one mega session (twin
// scenario "mega", fixed length), stocks it with a policy, and then plays it minute by
// minute: each simulated minute's commands (reserves, payments, cancellations, TTL
// expiry, transfers, factory output) go through a CommandTransport and the demo waits
// for their replies before the next minute. The wall clock only paces the replay; all
// engine time is simulated, so a run is a function of (seed, options) apart from where
// a Ctrl-C lands. docs/twin.md ("The demo") has the details.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/commands.hpp"
#include "twin/twin.hpp"

namespace livechain::twin {

// "Send commands, get replies": the demo's only way to the ledger. The in-process
// implementation runs the Sequencer over the SQLite journal; an HTTP client can
// implement the same three calls. Not thread-safe; one caller.
class CommandTransport {
 public:
  virtual ~CommandTransport() = default;
  // Executes `commands` in order, each stamped `now_ms` (simulated; REQUIRES: not
  // earlier than a previous call's), and returns one reply per command once all of
  // them are durable. Errors: the transport's own failure (busy, io_error,
  // shutting_down); a command's rejection is a reply, not an error.
  virtual Result<std::vector<Result<engine::Reply>>> send(std::vector<engine::Command>&& commands,
                                                          TimeMs now_ms) = 0;
  // Available (on hand − reserved) units for every gtin × location pair, row-major
  // (gtins outer); 0 for an unknown SKU, location or balance. Errors: the transport's.
  virtual Result<std::vector<int64_t>> available_units(
      const std::vector<std::string>& gtins, const std::vector<std::string>& location_ids) = 0;
  // The ledger's engine time (time of its last event; 0 when empty).
  virtual Result<TimeMs> engine_now_ms() = 0;
  // Stops taking commands and makes everything sent durable. Idempotent.
  virtual void close() = 0;
};

// Creates the SQLite database at `db_path` (and its folder and signing key) unless it
// exists, opens it for writing and starts a Sequencer over it. Errors: busy (field
// "db") when another process writes it; io_error, corruption.
Result<std::unique_ptr<CommandTransport>> open_sequencer_transport(const std::string& db_path);

// Sends commands to a running `livechain serve` at host:port with `api_key`, the way a
// live platform's integration would: reservations in order through POST
// /v1/reservations/batch, payments, cancellations and stock moves concurrently over
// `connections` keep-alive connections. `clock` must be the server's clock (the demo
// runs the server in-process on simulated time); send() advances it to now_ms.
// Errors: io_error when the server does not answer.
Result<std::unique_ptr<CommandTransport>> open_http_transport(const std::string& host,
                                                              uint16_t port,
                                                              const std::string& api_key,
                                                              ManualClock& clock,
                                                              size_t connections = 16);

struct DemoOptions {
  uint64_t seed = 1;
  double speed = 60;                // simulated seconds per wall second (3 h in 3 min)
  double scale = 0.01;              // of mega's 150,000 orders/min peak (1,500/min)
  uint32_t duration_minutes = 180;  // session length
  uint32_t minutes_max = 0;         // stop after this many session minutes (0: all)
  uint32_t skus = 40;
  double surge_factor = 5;  // the first agenda SKU sells this × its plan (the plan does not know)
  std::string policy = "planned";  // docs/planning.md: beats baseline on fill at equal stock
};

struct DemoSkuStock {
  std::string gtin;
  std::string name;
  std::array<int64_t, kRegionCount> available_by_region{};  // all non-returns locations
  int64_t selling_available_units = 0;                      // at DCs, front warehouses and stores
};

// What the live screen shows; also the final summary.
struct DemoFrame {
  TimeMs sim_ms = 0;
  uint32_t minute = 0;  // session minutes played
  uint32_t duration_min = 0;
  uint64_t orders = 0;
  uint64_t orders_last_minute = 0;
  uint64_t orders_reserved = 0;
  uint64_t orders_committed = 0;
  int64_t units_demanded = 0;
  int64_t units_lost = 0;
  int64_t units_sold = 0;
  double gmv_cny = 0;
  double fill_rate = 1;
  uint64_t transfers = 0;
  uint64_t commands = 0;
  uint64_t unexpected_replies = 0;  // rejections the model did not predict (should be 0)
  double wall_s = 0;
  bool behind = false;                 // the transport could not keep up with the requested speed
  std::vector<DemoSkuStock> top_skus;  // the session's top 5 SKUs by planned demand
  std::vector<std::string> alerts;     // the latest first, at most 6
};

struct DemoResult {
  DemoFrame last;
  bool interrupted = false;
};

// Checks the options without touching a database. Errors: as run_demo's
// invalid_argument and not_found.
Result<void> check_demo_options(const DemoOptions& options);

// Plays the demo. `on_frame` (may be empty) runs after every simulated minute played;
// `stop` is polled between minutes and while waiting (a Ctrl-C handler sets it).
// Errors: invalid_argument (field "speed", "scale", "skus", "duration_minutes",
// "surge_factor"); not_found (field "policy"); any transport error; invalid_state if the
// transport replies with the wrong number of replies. Closes the transport on success.
Result<DemoResult> run_demo(const DemoOptions& options, CommandTransport& transport,
                            const std::function<void(const DemoFrame&)>& on_frame,
                            const std::atomic<bool>& stop);

// The live screen as text. `tty`: a full screen (the caller clears it); otherwise one
// line per frame.
std::string render_frame(const DemoFrame& frame, bool tty);

}  // namespace livechain::twin
