// bench/http/load_client.cpp
//
// Closed-loop load generator for the reserve workload, used identically against livechain
// (HTTP/1.1 keep-alive), Redis (Lua check-and-decrement via EVALSHA, hand-written RESP) and
// PostgreSQL (prepared conditional UPDATE, libpq pipeline mode). Each of N connections keeps
// exactly one request in flight; a request carries one reservation (mode single) or a batch
// (livechain batch endpoint, a Redis pipeline, or several UPDATEs in one transaction).
//
// Why one small client instead of wrk/redis-benchmark/pgbench: the three peers must see the
// same connection count, the same key choice and the same latency accounting, and the
// machine has only two cores shared with the server, so the client is one epoll thread that
// does little more than write prepared bytes and parse the reply header.
//
// Output: one CSV line on stdout per run
//   system,durability,workload,mode,ops_per_s,p50_ms,p99_ms,errors
// and diagnostic lines starting with '#' on stderr (seed, p99.9, max, per-second timeline).
//
// --setup loads the catalog and stock instead of running load.

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// ---------------------------------------------------------------------------------------
// Time and small helpers

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "load_client: %s\n", message.c_str());
  std::exit(2);
}

void append_int(std::string& out, int64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// splitmix64: tiny, fast and good enough to pick SKUs uniformly; seeded per connection so
// a run is reproducible from the printed seed.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound) by multiply-shift (no modulo bias worth measuring at 10^4).
  uint32_t below(uint32_t bound) {
    return static_cast<uint32_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }
};

// GTIN-13 = 12 data digits + GS1 mod-10 check digit (weights 3,1,3,... from the right).
std::string make_gtin(const std::string& prefix, uint32_t index) {
  std::string digits = prefix;
  std::string counter = std::to_string(index);
  if (prefix.size() + counter.size() > 12) die("SKU index does not fit the GTIN prefix");
  digits.append(12 - prefix.size() - counter.size(), '0');
  digits += counter;
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    int digit = digits[digits.size() - 1 - i] - '0';
    sum += (i % 2 == 0) ? digit * 3 : digit;
  }
  digits.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return digits;
}

// ---------------------------------------------------------------------------------------
// Latency histogram, HdrHistogram-style log-linear buckets over nanoseconds: values below
// 128 ns are exact, above that each power of two is split into 128 sub-buckets, so any
// reported percentile is within 0.8% of the true value at 36 KiB per thread and O(1) record.

class Histogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits + 1) * kSub;

  void record(int64_t value_ns) {
    if (value_ns < 0) value_ns = 0;
    ++counts_[index_of(static_cast<uint64_t>(value_ns))];
    ++total_;
    max_ns_ = std::max(max_ns_, value_ns);
  }
  void merge(const Histogram& other) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ns_ = std::max(max_ns_, other.max_ns_);
  }
  uint64_t total() const { return total_; }
  int64_t max_ns() const { return max_ns_; }
  // Smallest bucket value v with at least fraction q of samples <= v (bucket midpoint).
  double quantile_ns(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen > rank) return std::min(bucket_mid_ns(i), static_cast<double>(max_ns_));
    }
    return static_cast<double>(max_ns_);
  }

 private:
  static int index_of(uint64_t v) {
    if (v < kSub) return static_cast<int>(v);
    int exponent = 63 - __builtin_clzll(v);  // >= kSubBits
    int shift = exponent - kSubBits;
    auto mantissa = static_cast<int>((v >> shift) & (kSub - 1));
    return (shift + 1) * kSub + mantissa;
  }
  static double bucket_mid_ns(int index) {
    if (index < kSub) return index;
    int shift = index / kSub - 1;
    double low = static_cast<double>((uint64_t{kSub} + index % kSub) << shift);
    return low + static_cast<double>(uint64_t{1} << shift) / 2.0;
  }
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  int64_t max_ns_ = 0;
};

// ---------------------------------------------------------------------------------------
// Options

enum class Backend { http, redis, postgres };
enum class Workload { hot, spread };
enum class Mode { single, batch };

struct Options {
  std::string backend_name = "http";
  Backend backend = Backend::http;
  std::string host = "127.0.0.1";
  int port = 0;
  std::string api_key;
  std::string pg_conninfo;
  std::string workload_name = "hot";
  Workload workload = Workload::hot;
  std::string mode_name = "single";
  Mode mode = Mode::single;
  int batch_ops = 16;
  int connections = 50;
  int threads = 1;
  double seconds = 10;
  double warmup_seconds = 2;
  double rate_ops_per_s = 0;  // 0 = closed loop, as fast as replies come back
  uint64_t seed = 0;
  uint32_t skus = 10'000;
  std::string gtin_prefix = "690123";
  std::string location = "dc-east";
  std::string channel = "live-1";
  int64_t ttl_ms = 900'000;
  std::string system_label;
  std::string durability_label = "-";
  bool setup = false;
  int64_t hot_units = 50'000'000;          // livechain: added by receipts of <= 1,000,000
  int64_t spread_units = 1'000'000;        // livechain: per SKU, imported by CSV
  int64_t peer_units = 1'000'000'000'000;  // Redis/PostgreSQL: every key, never runs out
  bool idempotency_key = false;
};

// ---------------------------------------------------------------------------------------
// Request outcome as the event loop sees it.

struct Outcome {
  int ops_ok = 0;
  int ops_failed = 0;
  int64_t retry_after_ns = 0;  // > 0: server asked us to back off (HTTP 503 Retry-After)
  bool close = false;          // server will close / closed the connection
};

// Failures by kind ("HTTP 503", "redis error", ...), counted over the whole run including
// warm-up, with the first few details of each kind printed, so a misbehaving run explains
// itself without flooding. Only the failure path takes the lock.
std::mutex g_failures_mutex;
std::map<std::string, int64_t> g_failures_by_kind;
void report_failure(const std::string& kind, std::string_view detail) {
  std::lock_guard lock(g_failures_mutex);
  if (++g_failures_by_kind[kind] <= 3) {
    std::fprintf(stderr, "# failure: %s: %.*s\n", kind.c_str(),
                 static_cast<int>(std::min<size_t>(detail.size(), 300)), detail.data());
  }
}

// Picks the SKU index of the next reservation.
struct KeyPicker {
  Workload workload;
  uint32_t skus;
  Rng rng;
  uint32_t next() { return workload == Workload::hot ? 0 : rng.below(skus); }
};

// ---------------------------------------------------------------------------------------
// Byte-stream protocols (HTTP, RESP). A protocol builds request bytes and parses replies
// out of a receive buffer; the connection owns the socket.

class StreamProtocol {
 public:
  virtual ~StreamProtocol() = default;
  // Appends the next request; sets ops to the reservations it carries. false: no more work.
  virtual bool build(std::string& out, int& ops) = 0;
  // Parses replies from in[0..] for the request in flight (ops reservations); returns the
  // bytes consumed (pipelined replies may be consumed before all have arrived) and sets
  // complete once the whole request is answered.
  virtual size_t parse(std::string_view in, int ops, Outcome& outcome, bool& complete) = 0;
};

// -- HTTP -------------------------------------------------------------------------------

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

struct HttpReply {
  int status = 0;
  std::string_view body;
  std::string chunked_body;  // holds the decoded body when the reply was chunked
  int64_t retry_after_ns = 0;
  bool close = false;
};

// Parses one HTTP/1.1 response (Content-Length or chunked). Returns bytes consumed or 0.
size_t parse_http_reply(std::string_view in, HttpReply& reply) {
  size_t header_end = in.find("\r\n\r\n");
  if (header_end == std::string_view::npos) return 0;
  std::string_view head = in.substr(0, header_end);
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.")) {
    die("malformed HTTP status line: " + std::string(status_line.substr(0, 80)));
  }
  std::from_chars(status_line.data() + 9, status_line.data() + 12, reply.status);
  int64_t content_length = -1;
  bool chunked = false;
  reply.close = status_line.starts_with("HTTP/1.0");
  while (line_end != std::string_view::npos) {
    size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    std::string_view line = head.substr(
        start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals_prefix(line, "content-length:")) {
      std::from_chars(value.data(), value.data() + value.size(), content_length);
    } else if (iequals_prefix(line, "transfer-encoding:")) {
      chunked = value.find("chunked") != std::string_view::npos;
    } else if (iequals_prefix(line, "retry-after:")) {
      int64_t seconds = 0;
      std::from_chars(value.data(), value.data() + value.size(), seconds);
      reply.retry_after_ns = seconds * 1'000'000'000;
    } else if (iequals_prefix(line, "connection:")) {
      reply.close = value.find("close") != std::string_view::npos;
    }
  }
  size_t body_start = header_end + 4;
  if (!chunked) {
    if (content_length < 0) content_length = 0;  // no body (e.g. 204) or unsupported
    if (in.size() < body_start + static_cast<size_t>(content_length)) return 0;
    reply.body = in.substr(body_start, static_cast<size_t>(content_length));
    return body_start + static_cast<size_t>(content_length);
  }
  reply.chunked_body.clear();
  size_t pos = body_start;
  for (;;) {
    size_t size_end = in.find("\r\n", pos);
    if (size_end == std::string_view::npos) return 0;
    size_t chunk_size = 0;
    std::from_chars(in.data() + pos, in.data() + size_end, chunk_size, 16);
    pos = size_end + 2;
    if (chunk_size == 0) {
      // Trailer section ends with an empty line.
      size_t trailer_end = in.find("\r\n", pos);
      if (trailer_end == std::string_view::npos) return 0;
      while (trailer_end != pos) {
        pos = trailer_end + 2;
        trailer_end = in.find("\r\n", pos);
        if (trailer_end == std::string_view::npos) return 0;
      }
      reply.body = reply.chunked_body;
      return pos + 2;
    }
    if (in.size() < pos + chunk_size + 2) return 0;
    reply.chunked_body.append(in.substr(pos, chunk_size));
    pos += chunk_size + 2;
  }
}

class HttpReserveProtocol : public StreamProtocol {
 public:
  HttpReserveProtocol(const Options& options, const std::vector<std::string>& gtins,
                      KeyPicker picker, std::string order_prefix)
      : options_(options), gtins_(gtins), picker_(picker), order_prefix_(std::move(order_prefix)) {
    const bool batch = options.mode == Mode::batch;
    head_ = std::string("POST ") + (batch ? "/v1/reservations/batch" : "/v1/reservations") +
            " HTTP/1.1\r\nHost: " + options.host + "\r\nAuthorization: Bearer " + options.api_key +
            "\r\nContent-Type: application/json\r\n";
  }

  bool build(std::string& out, int& ops) override {
    body_.clear();
    const bool batch = options_.mode == Mode::batch;
    ops = batch ? options_.batch_ops : 1;
    if (batch) body_ += "{\"reservations\":[";
    for (int i = 0; i < ops; ++i) {
      if (i > 0) body_ += ',';
      append_reservation();
    }
    if (batch) body_ += "]}";
    out += head_;
    if (options_.idempotency_key && !batch) {
      out += "Idempotency-Key: ";
      out += order_prefix_;
      append_int(out, sequence_);
      out += "\r\n";
    }
    out += "Content-Length: ";
    append_int(out, static_cast<int64_t>(body_.size()));
    out += "\r\n\r\n";
    out += body_;
    return true;
  }

  size_t parse(std::string_view in, int ops, Outcome& outcome, bool& complete) override {
    HttpReply reply;
    size_t used = parse_http_reply(in, reply);
    if (used == 0) return 0;
    complete = true;
    outcome.close = reply.close;
    if (options_.mode == Mode::single) {
      if (reply.status >= 200 && reply.status < 300) {
        outcome.ops_ok = 1;
      } else {
        outcome.ops_failed = 1;
        note_status(reply);
      }
    } else if (reply.status != 200) {
      outcome.ops_failed = ops;
      note_status(reply);
    } else {
      count_batch_results(reply.body, ops, outcome);
    }
    if (reply.status == 503) {
      // Back off as told, but no longer than 50 ms: the run is only seconds long and the
      // point is to count the rejection, not to idle.
      outcome.retry_after_ns = std::clamp<int64_t>(reply.retry_after_ns, 1'000'000, 50'000'000);
    }
    return used;
  }

 private:
  void append_reservation() {
    ++sequence_;
    body_ += "{\"order_id\":\"";
    body_ += order_prefix_;
    append_int(body_, sequence_);
    body_ += "\",\"channel\":\"";
    body_ += options_.channel;
    body_ += "\",\"lines\":[{\"sku\":\"";
    body_ += gtins_[picker_.next()];
    body_ += "\",\"qty\":1,\"location\":\"";
    body_ += options_.location;
    body_ += "\"}],\"ttl_ms\":";
    append_int(body_, options_.ttl_ms);
    body_ += '}';
  }

  void note_status(const HttpReply& reply) {
    report_failure("HTTP " + std::to_string(reply.status), reply.body);
  }

  // The batch reply is {"results":[{"status":201,...},...]}; only each element's own
  // "status" counts, so parse it as JSON rather than scanning for the word.
  void count_batch_results(std::string_view body, int ops, Outcome& outcome) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(body, ec);
    const boost::json::array* results = nullptr;
    if (!ec && value.is_object()) {
      if (auto* field = value.as_object().if_contains("results")) results = field->if_array();
    }
    if (results == nullptr) {
      outcome.ops_failed = ops;
      report_failure("batch reply without results", body);
      return;
    }
    int ok = 0;
    for (const auto& element : *results) {
      const boost::json::value* status =
          element.is_object() ? element.as_object().if_contains("status") : nullptr;
      if (status != nullptr && status->is_int64() && status->as_int64() >= 200 &&
          status->as_int64() < 300) {
        ++ok;
      } else {
        report_failure("batch element " + (status != nullptr && status->is_int64()
                                               ? std::to_string(status->as_int64())
                                               : std::string("without status")),
                       boost::json::serialize(element));
      }
    }
    outcome.ops_ok = std::min(ok, ops);
    outcome.ops_failed = ops - outcome.ops_ok;
  }

  const Options& options_;
  const std::vector<std::string>& gtins_;
  KeyPicker picker_;
  std::string order_prefix_;
  std::string head_;
  std::string body_;
  int64_t sequence_ = 0;
};

// Setup over HTTP: a shared list of prepared requests, each expected to answer 2xx.
struct SharedRequestList {
  std::vector<std::string> requests;
  size_t next = 0;  // single event-loop thread in setup, so no atomics needed
  int64_t failures = 0;
};

// True when a JSON reply holds a non-empty "errors" array (per-row import errors).
bool has_row_errors(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) return false;
  const boost::json::value* errors = value.as_object().if_contains("errors");
  return errors != nullptr && errors->is_array() && !errors->as_array().empty();
}

class HttpListProtocol : public StreamProtocol {
 public:
  explicit HttpListProtocol(SharedRequestList& list) : list_(list) {}
  bool build(std::string& out, int& ops) override {
    if (list_.next >= list_.requests.size()) return false;
    out += list_.requests[list_.next++];
    ops = 1;
    return true;
  }
  size_t parse(std::string_view in, int, Outcome& outcome, bool& complete) override {
    HttpReply reply;
    size_t used = parse_http_reply(in, reply);
    if (used == 0) return 0;
    complete = true;
    outcome.close = reply.close;
    if (reply.status >= 200 && reply.status < 300) {
      outcome.ops_ok = 1;
      // Bulk imports answer 2xx and apply the valid rows, reporting the others.
      if (has_row_errors(reply.body)) {
        report_failure("import row errors", reply.body);
        ++list_.failures;
      }
    } else {
      outcome.ops_failed = 1;
      ++list_.failures;
      report_failure("setup HTTP " + std::to_string(reply.status), reply.body);
    }
    return used;
  }

 private:
  SharedRequestList& list_;
};

// -- RESP (Redis) -----------------------------------------------------------------------

void append_resp_command(std::string& out, std::initializer_list<std::string_view> args) {
  out += '*';
  append_int(out, static_cast<int64_t>(args.size()));
  out += "\r\n";
  for (std::string_view arg : args) {
    out += '$';
    append_int(out, static_cast<int64_t>(arg.size()));
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
}

struct RespValue {
  char type = 0;
  int64_t integer = 0;
  std::string_view text;  // simple string, error or bulk payload
};

// Parses one RESP reply (no arrays needed here). Returns bytes consumed or 0.
size_t parse_resp(std::string_view in, RespValue& value) {
  size_t line_end = in.find("\r\n");
  if (line_end == std::string_view::npos) return 0;
  value.type = in[0];
  std::string_view line = in.substr(1, line_end - 1);
  switch (value.type) {
    case ':':
      std::from_chars(line.data(), line.data() + line.size(), value.integer);
      return line_end + 2;
    case '+':
    case '-':
      value.text = line;
      return line_end + 2;
    case '$': {
      int64_t length = 0;
      std::from_chars(line.data(), line.data() + line.size(), length);
      if (length < 0) return line_end + 2;  // nil
      size_t end = line_end + 2 + static_cast<size_t>(length) + 2;
      if (in.size() < end) return 0;
      value.text = in.substr(line_end + 2, static_cast<size_t>(length));
      return end;
    }
    default:
      die("unexpected RESP reply type: " + std::string(in.substr(0, 60)));
  }
}

const char* kRedisReserveScript =
    "local a=tonumber(redis.call('GET',KEYS[1])) "
    "if a and a>=tonumber(ARGV[1]) then return redis.call('DECRBY',KEYS[1],ARGV[1]) "
    "else return -1 end";

class RedisReserveProtocol : public StreamProtocol {
 public:
  RedisReserveProtocol(const Options& options, const std::vector<std::string>& keys,
                       KeyPicker picker, std::string sha)
      : options_(options), keys_(keys), picker_(picker), sha_(std::move(sha)) {}

  bool build(std::string& out, int& ops) override {
    ops = options_.mode == Mode::batch ? options_.batch_ops : 1;
    for (int i = 0; i < ops; ++i) {
      append_resp_command(out, {"EVALSHA", sha_, "1", keys_[picker_.next()], "1"});
    }
    replies_seen_ = 0;
    ok_ = 0;
    return true;
  }

  // One request = ops pipelined replies; they are consumed as they arrive.
  size_t parse(std::string_view in, int ops, Outcome& outcome, bool& complete) override {
    size_t used = 0;
    while (replies_seen_ < ops) {
      RespValue value;
      size_t n = parse_resp(in.substr(used), value);
      if (n == 0) break;
      used += n;
      ++replies_seen_;
      if (value.type == ':' && value.integer >= 0) {
        ++ok_;
      } else {
        if (value.type == '-') {
          report_failure("redis error", value.text);
        } else {
          report_failure("redis insufficient stock", "script returned -1");
        }
      }
    }
    if (replies_seen_ == ops) {
      complete = true;
      outcome.ops_ok = ok_;
      outcome.ops_failed = ops - ok_;
    }
    return used;
  }

 private:
  const Options& options_;
  const std::vector<std::string>& keys_;
  KeyPicker picker_;
  std::string sha_;
  int replies_seen_ = 0;
  int ok_ = 0;
};

// ---------------------------------------------------------------------------------------
// Connections. The event loop sees one interface for stream sockets and libpq.

class Connection {
 public:
  virtual ~Connection() = default;
  virtual int fd() const = 0;
  // Sends the next request; false when the request source is exhausted (setup lists).
  virtual bool send_request() = 0;
  virtual bool wants_write() const = 0;
  virtual void on_writable() = 0;
  // Reads what is available; returns an outcome when the in-flight request completed.
  virtual std::optional<Outcome> on_readable() = 0;
  int ops_in_flight = 0;
  int64_t started_ns = 0;  // send time, or the scheduled time under --rate
  bool idle = true;
  bool registered_out = false;
};

int connect_tcp(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket: " + std::string(std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) die("bad IPv4 host " + host);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    die("connect " + host + ":" + std::to_string(port) + ": " + std::strerror(errno));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

class StreamConnection : public Connection {
 public:
  StreamConnection(std::string host, int port, std::unique_ptr<StreamProtocol> protocol)
      : host_(std::move(host)), port_(port), protocol_(std::move(protocol)) {
    fd_ = connect_tcp(host_, port_);
    in_.reserve(64 * 1024);
  }
  ~StreamConnection() override {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const override { return fd_; }

  bool send_request() override {
    out_.clear();
    out_offset_ = 0;
    if (!protocol_->build(out_, ops_in_flight)) return false;
    flush();
    return true;
  }
  bool wants_write() const override { return out_offset_ < out_.size(); }
  void on_writable() override { flush(); }

  std::optional<Outcome> on_readable() override {
    char buffer[64 * 1024];
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return std::nullopt;
    if (n <= 0) {
      Outcome outcome;
      outcome.close = true;
      if (!idle) {
        report_failure("connection closed by peer", "");
        outcome.ops_failed = ops_in_flight;
      }
      return outcome;
    }
    in_.append(buffer, static_cast<size_t>(n));
    if (idle) return std::nullopt;  // stray bytes; kept for the next parse
    Outcome outcome;
    bool complete = false;
    in_.erase(0, protocol_->parse(in_, ops_in_flight, outcome, complete));
    if (!complete) return std::nullopt;
    return outcome;
  }

  // After the server closed the connection (HTTP Connection: close), open a new one.
  void reconnect() {
    close(fd_);
    fd_ = connect_tcp(host_, port_);
    in_.clear();
    out_.clear();
    out_offset_ = 0;
  }

 private:
  void flush() {
    while (out_offset_ < out_.size()) {
      ssize_t n = send(fd_, out_.data() + out_offset_, out_.size() - out_offset_, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        // The peer closed or reset: drop the request; the next read reports the
        // connection closed, which fails the request's reservations and reconnects.
        out_offset_ = out_.size();
        return;
      }
      out_offset_ += static_cast<size_t>(n);
    }
  }

  std::string host_;
  int port_;
  std::unique_ptr<StreamProtocol> protocol_;
  int fd_ = -1;
  std::string out_;
  size_t out_offset_ = 0;
  std::string in_;
};

const char* kPgReserveSql = "UPDATE stock SET avail = avail - $2 WHERE sku = $1 AND avail >= $2";

PGconn* connect_pg(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK)
    die("postgres connect: " + std::string(PQerrorMessage(conn)));
  return conn;
}

void pg_exec_or_die(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    die("postgres: " + std::string(PQresultErrorMessage(result)) + " in " + sql.substr(0, 100));
  }
  PQclear(result);
}

// One request = the reservation UPDATEs followed by a Sync. In the extended protocol all
// statements before a Sync run in one implicit transaction, so a batch of 16 is one
// transaction with one commit (one WAL flush), as the benchmark intends, without the two
// extra round trips of BEGIN/COMMIT; a single is an ordinary autocommit statement.
class PgConnection : public Connection {
 public:
  PgConnection(const Options& options, const std::vector<std::string>& skus, KeyPicker picker)
      : options_(options), skus_(skus), picker_(picker) {
    conn_ = connect_pg(options.pg_conninfo);
    pg_exec_or_die(conn_, "SET synchronous_commit = on");
    PGresult* prepared = PQprepare(conn_, "reserve", kPgReserveSql, 2, nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      die("postgres prepare: " + std::string(PQresultErrorMessage(prepared)));
    }
    PQclear(prepared);
    if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
      die("postgres pipeline mode: " + std::string(PQerrorMessage(conn_)));
    }
  }
  ~PgConnection() override { PQfinish(conn_); }
  int fd() const override { return PQsocket(conn_); }

  bool send_request() override {
    ops_in_flight = options_.mode == Mode::batch ? options_.batch_ops : 1;
    // Row locks are held to commit, so a batch touching rows in random order deadlocks
    // against other batches (1 s deadlock_timeout, then abort). Any real application
    // locks in a fixed order; sorting the picks is that order.
    picks_.clear();
    for (int i = 0; i < ops_in_flight; ++i) picks_.push_back(picker_.next());
    std::sort(picks_.begin(), picks_.end());
    for (uint32_t pick : picks_) {
      const char* values[2] = {skus_[pick].c_str(), "1"};
      if (PQsendQueryPrepared(conn_, "reserve", 2, values, nullptr, nullptr, 0) != 1) {
        die("postgres send: " + std::string(PQerrorMessage(conn_)));
      }
    }
    if (PQpipelineSync(conn_) != 1) die("postgres sync: " + std::string(PQerrorMessage(conn_)));
    ok_ = 0;
    flush_pending_ = PQflush(conn_) == 1;
    return true;
  }
  bool wants_write() const override { return flush_pending_; }
  void on_writable() override { flush_pending_ = PQflush(conn_) == 1; }

  std::optional<Outcome> on_readable() override {
    if (PQconsumeInput(conn_) != 1) die("postgres read: " + std::string(PQerrorMessage(conn_)));
    if (flush_pending_) flush_pending_ = PQflush(conn_) == 1;
    // Each statement yields its result then NULL; the Sync yields PGRES_PIPELINE_SYNC and
    // completes the request. The bound keeps a protocol surprise from spinning forever.
    for (int guard = 0; guard < 4 * ops_in_flight + 8 && !PQisBusy(conn_); ++guard) {
      PGresult* result = PQgetResult(conn_);
      if (result == nullptr) continue;
      ExecStatusType status = PQresultStatus(result);
      if (status == PGRES_PIPELINE_SYNC) {
        PQclear(result);
        Outcome outcome;
        outcome.ops_ok = ok_;
        outcome.ops_failed = ops_in_flight - ok_;
        return outcome;
      }
      if (status == PGRES_COMMAND_OK && std::strcmp(PQcmdTuples(result), "1") == 0) {
        ++ok_;
      } else if (status == PGRES_COMMAND_OK) {
        report_failure("postgres insufficient stock", "0 rows updated");
      } else {
        const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        report_failure("postgres " + std::string(PQresStatus(status)) + " " +
                           (sqlstate != nullptr ? sqlstate : ""),
                       PQresultErrorMessage(result));
      }
      PQclear(result);
    }
    return std::nullopt;
  }

 private:
  const Options& options_;
  const std::vector<std::string>& skus_;
  KeyPicker picker_;
  PGconn* conn_ = nullptr;
  std::vector<uint32_t> picks_;
  int ok_ = 0;
  bool flush_pending_ = false;
};

// ---------------------------------------------------------------------------------------
// Event loop: one per thread, over its share of the connections.

struct ThreadResult {
  Histogram histogram;
  int64_t ops_ok = 0;
  int64_t ops_failed = 0;
  int64_t warmup_ops_failed = 0;
  int64_t requests = 0;
  std::vector<int64_t> ops_per_second;  // completions per wall-clock second of the window
  std::vector<int64_t> max_ns_per_second;
};

struct LoopWindow {
  int64_t start_ns;       // first send
  int64_t measure_ns;     // warm-up ends, recording starts
  int64_t end_ns;         // stop sending, stop recording
  double rate_ops_per_s;  // this thread's share; 0 = closed loop
  int ops_per_request;
};

void set_events(int epoll_fd, Connection& conn) {
  epoll_event event{};
  event.events = EPOLLIN | (conn.wants_write() ? EPOLLOUT : 0u);
  event.data.ptr = &conn;
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, conn.fd(), &event);
  conn.registered_out = conn.wants_write();
}

void reconnect(int epoll_fd, Connection& conn) {
  auto* stream = dynamic_cast<StreamConnection*>(&conn);
  if (stream == nullptr) die("postgres connection lost");
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, stream->fd(), nullptr);
  stream->reconnect();
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = &conn;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, stream->fd(), &event) != 0) die("epoll_ctl re-add");
  conn.registered_out = false;
}

// Runs until end_ns (load) or until every connection finds its source exhausted (setup).
void run_loop(std::vector<std::unique_ptr<Connection>>& connections, const LoopWindow& window,
              ThreadResult& result) {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  for (auto& conn : connections) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = conn.get();
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, conn->fd(), &event) != 0) die("epoll_ctl add");
  }
  const auto window_seconds =
      window.end_ns == 0
          ? size_t{0}
          : static_cast<size_t>((window.end_ns - window.measure_ns + 999'999'999) / 1'000'000'000);
  result.ops_per_second.assign(window_seconds + 1, 0);
  result.max_ns_per_second.assign(window_seconds + 1, 0);

  // Timers: connections waiting for their paced slot (--rate) or a 503 back-off.
  using Timer = std::pair<int64_t, Connection*>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
  const int64_t interval_ns =
      window.rate_ops_per_s > 0
          ? static_cast<int64_t>(1e9 * window.ops_per_request / window.rate_ops_per_s)
          : 0;
  int64_t next_slot_ns = window.start_ns;
  size_t active = connections.size();

  // Starts the next request on conn at or after earliest_ns; paced runs take the next
  // slot and measure latency from it, so a stalled server cannot hide queueing delay
  // (coordinated omission).
  auto launch = [&](Connection& conn, int64_t now, int64_t earliest_ns) {
    int64_t at = std::max(now, earliest_ns);
    if (interval_ns > 0) {
      at = std::max(next_slot_ns, earliest_ns);
      next_slot_ns += interval_ns;
    }
    if (at > now) {
      conn.idle = true;
      timers.emplace(at, &conn);
      return;
    }
    conn.started_ns = interval_ns > 0 ? at : now;
    if (!conn.send_request()) {
      conn.idle = true;
      --active;
      return;
    }
    conn.idle = false;
    ++result.requests;
    if (conn.wants_write() != conn.registered_out) set_events(epoll_fd, conn);
  };

  int64_t now = now_ns();
  for (auto& conn : connections) launch(*conn, now, window.start_ns);

  std::array<epoll_event, 256> events;
  while (active > 0) {
    now = now_ns();
    if (window.end_ns > 0 && now >= window.end_ns) break;
    while (!timers.empty() && timers.top().first <= now) {
      Connection* conn = timers.top().second;
      int64_t due = timers.top().first;
      timers.pop();
      conn->started_ns = interval_ns > 0 ? due : now;
      if (!conn->send_request()) {
        --active;
        continue;
      }
      conn->idle = false;
      ++result.requests;
      if (conn->wants_write() != conn->registered_out) set_events(epoll_fd, *conn);
    }
    int64_t wait_ns = 100'000'000;
    if (!timers.empty()) wait_ns = std::min(wait_ns, timers.top().first - now);
    if (window.end_ns > 0) wait_ns = std::min(wait_ns, window.end_ns - now);
    wait_ns = std::max<int64_t>(wait_ns, 0);
    timespec timeout{wait_ns / 1'000'000'000, wait_ns % 1'000'000'000};
    int ready =
        epoll_pwait2(epoll_fd, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die("epoll_pwait2: " + std::string(std::strerror(errno)));
    }
    now = now_ns();
    for (int i = 0; i < ready; ++i) {
      auto& conn = *static_cast<Connection*>(events[i].data.ptr);
      const bool was_idle = conn.idle;
      if (events[i].events & EPOLLOUT) {
        conn.on_writable();
        if (conn.wants_write() != conn.registered_out) set_events(epoll_fd, conn);
      }
      if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      std::optional<Outcome> outcome = conn.on_readable();
      if (!outcome) continue;
      if (outcome->close) reconnect(epoll_fd, conn);
      // An idle connection closed by the server is only reopened: it is already waiting
      // on a timer (or its setup list is exhausted).
      if (was_idle) continue;
      conn.idle = true;
      const int64_t latency_ns = now - conn.started_ns;
      if (now >= window.measure_ns && (window.end_ns == 0 || now < window.end_ns)) {
        result.histogram.record(latency_ns);
        result.ops_ok += outcome->ops_ok;
        result.ops_failed += outcome->ops_failed;
        auto second = static_cast<size_t>((now - window.measure_ns) / 1'000'000'000);
        if (second < result.ops_per_second.size()) {
          result.ops_per_second[second] += outcome->ops_ok;
          result.max_ns_per_second[second] = std::max(result.max_ns_per_second[second], latency_ns);
        }
      } else if (now < window.measure_ns) {
        result.warmup_ops_failed += outcome->ops_failed;
      }
      launch(conn, now, now + outcome->retry_after_ns);
    }
  }
  close(epoll_fd);
}

// ---------------------------------------------------------------------------------------
// Blocking helpers for setup (Redis, PostgreSQL) and the Redis script load.

class BlockingRedis {
 public:
  BlockingRedis(const std::string& host, int port) : fd_(connect_tcp(host, port)) {
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
  }
  ~BlockingRedis() { close(fd_); }
  // Sends a prepared command and returns its single reply (bulk/simple as text).
  RespValue call(const std::string& command) {
    size_t sent = 0;
    while (sent < command.size()) {
      ssize_t n = send(fd_, command.data() + sent, command.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) die("redis send: " + std::string(std::strerror(errno)));
      sent += static_cast<size_t>(n);
    }
    for (;;) {
      RespValue value;
      size_t used = parse_resp(in_, value);
      if (used > 0) {
        last_ = in_.substr(0, used);
        in_.erase(0, used);
        // Re-parse from the stable copy so text views stay valid after the erase.
        parse_resp(last_, value);
        if (value.type == '-') die("redis: " + std::string(value.text));
        return value;
      }
      char buffer[4096];
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) die("redis recv: connection closed");
      in_.append(buffer, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string in_;
  std::string last_;
};

std::string redis_load_script(const Options& options) {
  BlockingRedis redis(options.host, options.port);
  std::string command;
  append_resp_command(command, {"SCRIPT", "LOAD", kRedisReserveScript});
  return std::string(redis.call(command).text);
}

std::string redis_key(const std::string& gtin) {
  return "stock:" + gtin;
}

void setup_redis(const Options& options, const std::vector<std::string>& gtins) {
  BlockingRedis redis(options.host, options.port);
  std::string units = std::to_string(options.peer_units);
  // MSET in chunks keeps each command small and the whole load to a few round trips.
  for (size_t begin = 0; begin < gtins.size(); begin += 1000) {
    std::string command;
    size_t end = std::min(gtins.size(), begin + 1000);
    command += '*';
    append_int(command, static_cast<int64_t>(1 + 2 * (end - begin)));
    command += "\r\n$4\r\nMSET\r\n";
    for (size_t i = begin; i < end; ++i) {
      std::string key = redis_key(gtins[i]);
      for (const std::string& arg : {key, units}) {
        command += '$';
        append_int(command, static_cast<int64_t>(arg.size()));
        command += "\r\n" + arg + "\r\n";
      }
    }
    redis.call(command);
  }
  std::fprintf(stderr, "# redis: %zu keys set to %" PRId64 " units, script sha %s\n", gtins.size(),
               options.peer_units, redis_load_script(options).c_str());
}

void setup_postgres(const Options& options, const std::vector<std::string>& gtins) {
  PGconn* conn = connect_pg(options.pg_conninfo);
  pg_exec_or_die(conn, "DROP TABLE IF EXISTS stock");
  // fillfactor below 100 leaves room on each page for HOT updates, which is how a tuned
  // PostgreSQL would hold a hot counter row; the benchmark should not handicap the peer.
  pg_exec_or_die(conn,
                 "CREATE TABLE stock (sku text PRIMARY KEY, avail bigint NOT NULL) "
                 "WITH (fillfactor = 70)");
  std::string sql = "INSERT INTO stock (sku, avail) VALUES ";
  for (size_t i = 0; i < gtins.size(); ++i) {
    if (i > 0) sql += ',';
    sql += "('" + gtins[i] + "'," + std::to_string(options.peer_units) + ")";
  }
  pg_exec_or_die(conn, sql);
  pg_exec_or_die(conn, "VACUUM ANALYZE stock");
  PQfinish(conn);
  std::fprintf(stderr, "# postgres: %zu rows set to %" PRId64 " units\n", gtins.size(),
               options.peer_units);
}

std::string http_request(const Options& options, std::string_view method, std::string_view path,
                         std::string_view content_type, std::string_view body) {
  std::string request;
  request += method;
  request += ' ';
  request += path;
  request += " HTTP/1.1\r\nHost: " + options.host + "\r\nAuthorization: Bearer " + options.api_key +
             "\r\nContent-Type: ";
  request += content_type;
  request += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  return request;
}

// Runs a list of HTTP requests over several connections, so the server's group commit can
// batch them; returns the number of failed requests. Order matters only between phases.
int64_t run_http_phase(const Options& options, std::vector<std::string> requests,
                       const char* what) {
  SharedRequestList list;
  list.requests = std::move(requests);
  std::vector<std::unique_ptr<Connection>> connections;
  int count = std::min<int>(options.connections, static_cast<int>(list.requests.size()));
  for (int i = 0; i < count; ++i) {
    connections.push_back(std::make_unique<StreamConnection>(
        options.host, options.port, std::make_unique<HttpListProtocol>(list)));
  }
  ThreadResult result;
  int64_t start = now_ns();
  run_loop(connections, LoopWindow{start, start, 0, 0, 1}, result);
  std::fprintf(stderr, "# setup %s: %zu requests, %" PRId64 " failed, %.1f s\n", what,
               list.requests.size(), list.failures, (now_ns() - start) / 1e9);
  return list.failures;
}

void setup_http(const Options& options, const std::vector<std::string>& gtins) {
  int64_t failures = 0;
  failures += run_http_phase(options,
                             {http_request(options, "PUT", "/v1/locations/" + options.location,
                                           "application/json", R"({"kind":"dc","region":"east"})"),
                              http_request(options, "PUT", "/v1/channels/" + options.channel,
                                           "application/json", R"({"kind":"live_room"})")},
                             "locations+channels");
  // The catalog by CSV import (<= 10,000 rows per request); one PUT first so that the
  // single-item route is exercised too.
  failures += run_http_phase(options,
                             {http_request(options, "PUT", "/v1/skus/" + gtins[0],
                                           "application/json", R"({"name":"bench hot item"})")},
                             "hot sku");
  std::vector<std::string> requests;
  for (size_t begin = 0; begin < gtins.size(); begin += 10'000) {
    std::string csv = "sku,name\n";
    for (size_t i = begin; i < std::min(gtins.size(), begin + 10'000); ++i) {
      csv += gtins[i] + ",bench item " + std::to_string(i) + "\n";
    }
    requests.push_back(http_request(options, "POST", "/v1/import/skus", "text/csv", csv));
  }
  failures += run_http_phase(options, std::move(requests), "sku import");
  // Spread stock by CSV import (<= 10,000 rows per request), then the hot SKU's extra
  // units by receipts (<= 1,000,000 each). Receipts come second so they add on top
  // whether the import sets or adds balances.
  requests.clear();
  for (size_t begin = 0; begin < gtins.size(); begin += 10'000) {
    std::string csv = "sku,location,qty\n";
    for (size_t i = begin; i < std::min(gtins.size(), begin + 10'000); ++i) {
      csv += gtins[i] + "," + options.location + "," + std::to_string(options.spread_units) + "\n";
    }
    requests.push_back(http_request(options, "POST", "/v1/import/stock", "text/csv", csv));
  }
  failures += run_http_phase(options, std::move(requests), "stock import");
  requests.clear();
  for (int64_t left = options.hot_units; left > 0; left -= 1'000'000) {
    std::string body = "{\"sku\":\"" + gtins[0] + "\",\"location\":\"" + options.location +
                       "\",\"qty\":" + std::to_string(std::min<int64_t>(left, 1'000'000)) + "}";
    requests.push_back(http_request(options, "POST", "/v1/receipts", "application/json", body));
  }
  failures += run_http_phase(options, std::move(requests), "hot receipts");
  if (failures > 0) die("setup failed: " + std::to_string(failures) + " requests");
}

// ---------------------------------------------------------------------------------------

void parse_options(int argc, char** argv, Options& options) {
  CLI::App app{"Closed-loop reserve load generator for livechain, Redis and PostgreSQL"};
  app.add_option("--backend", options.backend_name, "http | redis | postgres")
      ->check(CLI::IsMember({"http", "redis", "postgres"}));
  app.add_option("--host", options.host, "IPv4 address (http, redis)");
  app.add_option("--port", options.port, "TCP port (http, redis)");
  app.add_option("--api-key", options.api_key, "bearer key (http)");
  app.add_option("--pg", options.pg_conninfo, "libpq conninfo (postgres)");
  app.add_option("--workload", options.workload_name, "hot (one SKU) | spread (uniform)")
      ->check(CLI::IsMember({"hot", "spread"}));
  app.add_option("--mode", options.mode_name, "single | batch")
      ->check(CLI::IsMember({"single", "batch"}));
  app.add_option("--batch", options.batch_ops, "reservations per request in batch mode")
      ->check(CLI::Range(1, 1000));
  app.add_option("--connections", options.connections, "connections, one request in flight each")
      ->check(CLI::Range(1, 10'000));
  app.add_option("--threads", options.threads, "event-loop threads")->check(CLI::Range(1, 16));
  app.add_option("--seconds", options.seconds, "measured seconds")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--warmup-seconds", options.warmup_seconds, "unmeasured seconds first")
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--rate", options.rate_ops_per_s,
                 "target reservations/s across all connections (0 = closed loop)");
  app.add_option("--seed", options.seed, "PRNG seed for the spread workload (0 = from clock)");
  app.add_option("--skus", options.skus, "SKUs in the spread workload")
      ->check(CLI::Range(1u, 999'999u));
  app.add_option("--gtin-prefix", options.gtin_prefix, "GS1 company prefix of generated GTINs");
  app.add_option("--location", options.location, "livechain location id");
  app.add_option("--channel", options.channel, "livechain channel id");
  app.add_option("--ttl-ms", options.ttl_ms, "livechain reservation TTL");
  app.add_option("--system", options.system_label, "label for the output line");
  app.add_option("--durability", options.durability_label, "label for the output line");
  app.add_flag("--setup", options.setup, "load catalog and stock instead of running load");
  app.add_option("--hot-units", options.hot_units, "livechain setup: units of the hot SKU");
  app.add_option("--spread-units", options.spread_units, "livechain setup: units of each SKU");
  app.add_option("--peer-units", options.peer_units, "redis/postgres setup: units of each SKU");
  app.add_flag("--idempotency-key", options.idempotency_key,
               "livechain single mode: send an Idempotency-Key header");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    std::exit(app.exit(error));
  }
  options.backend = options.backend_name == "http"    ? Backend::http
                    : options.backend_name == "redis" ? Backend::redis
                                                      : Backend::postgres;
  options.workload = options.workload_name == "hot" ? Workload::hot : Workload::spread;
  options.mode = options.mode_name == "single" ? Mode::single : Mode::batch;
  if (options.system_label.empty()) {
    options.system_label = options.backend == Backend::http ? "livechain" : options.backend_name;
  }
  if (options.backend == Backend::postgres && options.pg_conninfo.empty()) {
    die("--pg CONNINFO is required for the postgres backend");
  }
  if (options.backend != Backend::postgres && options.port == 0) die("--port is required");
  if (options.backend == Backend::http && options.api_key.empty()) die("--api-key is required");
  if (options.seed == 0) options.seed = static_cast<uint64_t>(std::time(nullptr));
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  parse_options(argc, argv, options);

  std::vector<std::string> gtins;
  gtins.reserve(options.skus);
  for (uint32_t i = 0; i < options.skus; ++i) gtins.push_back(make_gtin(options.gtin_prefix, i));

  if (options.setup) {
    switch (options.backend) {
      case Backend::http:
        setup_http(options, gtins);
        break;
      case Backend::redis:
        setup_redis(options, gtins);
        break;
      case Backend::postgres:
        setup_postgres(options, gtins);
        break;
    }
    return 0;
  }

  std::vector<std::string> redis_keys;
  std::string redis_sha;
  if (options.backend == Backend::redis) {
    for (const auto& gtin : gtins) redis_keys.push_back(redis_key(gtin));
    redis_sha = redis_load_script(options);
  }

  // Order ids must be unique across runs against the same database.
  const std::string run_tag = "b" + std::to_string(options.seed % 1'000'000) + "-" +
                              std::to_string(now_ns() % 1'000'000'000) + "-";
  const int ops_per_request = options.mode == Mode::batch ? options.batch_ops : 1;

  // Connections are opened (and PostgreSQL statements prepared) before the clock starts.
  std::vector<std::vector<std::unique_ptr<Connection>>> per_thread(options.threads);
  for (int i = 0; i < options.connections; ++i) {
    KeyPicker picker{options.workload, options.skus,
                     Rng{options.seed * 0x100000001B3ULL + static_cast<uint64_t>(i)}};
    std::unique_ptr<Connection> conn;
    switch (options.backend) {
      case Backend::http:
        conn = std::make_unique<StreamConnection>(
            options.host, options.port,
            std::make_unique<HttpReserveProtocol>(options, gtins, picker,
                                                  run_tag + std::to_string(i) + "-"));
        break;
      case Backend::redis:
        conn = std::make_unique<StreamConnection>(
            options.host, options.port,
            std::make_unique<RedisReserveProtocol>(options, redis_keys, picker, redis_sha));
        break;
      case Backend::postgres:
        conn = std::make_unique<PgConnection>(options, gtins, picker);
        break;
    }
    per_thread[static_cast<size_t>(i % options.threads)].push_back(std::move(conn));
  }

  const int64_t start_ns = now_ns() + 10'000'000;
  const int64_t measure_ns = start_ns + static_cast<int64_t>(options.warmup_seconds * 1e9);
  const int64_t end_ns = measure_ns + static_cast<int64_t>(options.seconds * 1e9);
  std::vector<ThreadResult> results(static_cast<size_t>(options.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&, t] {
      LoopWindow window{start_ns, measure_ns, end_ns, options.rate_ops_per_s / options.threads,
                        ops_per_request};
      run_loop(per_thread[static_cast<size_t>(t)], window, results[static_cast<size_t>(t)]);
    });
  }
  for (auto& thread : threads) thread.join();

  ThreadResult total;
  total.ops_per_second.assign(results[0].ops_per_second.size(), 0);
  total.max_ns_per_second.assign(results[0].max_ns_per_second.size(), 0);
  for (const auto& result : results) {
    total.histogram.merge(result.histogram);
    total.ops_ok += result.ops_ok;
    total.ops_failed += result.ops_failed;
    total.warmup_ops_failed += result.warmup_ops_failed;
    total.requests += result.requests;
    for (size_t s = 0; s < total.ops_per_second.size(); ++s) {
      total.ops_per_second[s] += result.ops_per_second[s];
      total.max_ns_per_second[s] =
          std::max(total.max_ns_per_second[s], result.max_ns_per_second[s]);
    }
  }

  const double ops_per_s = static_cast<double>(total.ops_ok) / options.seconds;
  std::fprintf(stderr,
               "# %s %s %s %s: seed=%" PRIu64
               " connections=%d threads=%d batch=%d rate=%.0f "
               "requests=%" PRId64 " ops_ok=%" PRId64 " ops_failed=%" PRId64
               " warmup_failed=%" PRId64
               " p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f "
               "max_ms=%.3f\n",
               options.system_label.c_str(), options.durability_label.c_str(),
               options.workload_name.c_str(), options.mode_name.c_str(), options.seed,
               options.connections, options.threads, ops_per_request, options.rate_ops_per_s,
               total.requests, total.ops_ok, total.ops_failed, total.warmup_ops_failed,
               total.histogram.quantile_ns(0.50) / 1e6, total.histogram.quantile_ns(0.90) / 1e6,
               total.histogram.quantile_ns(0.99) / 1e6, total.histogram.quantile_ns(0.999) / 1e6,
               static_cast<double>(total.histogram.max_ns()) / 1e6);
  if (!g_failures_by_kind.empty()) {
    std::string kinds = "# failures by kind (whole run, incl. warm-up):";
    for (const auto& [kind, count] : g_failures_by_kind) {
      kinds += " [" + kind + "]=" + std::to_string(count);
    }
    std::fprintf(stderr, "%s\n", kinds.c_str());
  }
  std::string timeline = "# per second (ops/s:max_ms):";
  for (size_t s = 0; s + 1 < total.ops_per_second.size(); ++s) {
    char cell[64];
    std::snprintf(cell, sizeof cell, " %" PRId64 ":%.1f", total.ops_per_second[s],
                  static_cast<double>(total.max_ns_per_second[s]) / 1e6);
    timeline += cell;
  }
  std::fprintf(stderr, "%s\n", timeline.c_str());
  // A paced run names its target rate in the mode column ("single@40000"), so it never
  // reads as a peak figure.
  std::string mode_column = options.mode_name;
  if (options.rate_ops_per_s > 0) {
    mode_column += "@" + std::to_string(static_cast<int64_t>(options.rate_ops_per_s));
  }
  std::printf("%s,%s,%s,%s,%.0f,%.3f,%.3f,%" PRId64 "\n", options.system_label.c_str(),
              options.durability_label.c_str(), options.workload_name.c_str(), mode_column.c_str(),
              ops_per_s, total.histogram.quantile_ns(0.50) / 1e6,
              total.histogram.quantile_ns(0.99) / 1e6, total.ops_failed);
  return 0;
}
