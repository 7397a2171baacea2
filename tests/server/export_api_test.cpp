// Bulk export (issue 19 §3, docs/export.md) against the real server: GET
// /v1/export/{kind} for events, balances and orders in CSV and NDJSON, streamed with
// chunked transfer coding; redaction by role; RFC 4180 quoting; filters and their
// errors; an export of several journal pages; `livechain export` reading the same
// database offline; and `livechain bench export`'s peak-RSS figure staying flat.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

#include "server_fixture.hpp"

namespace {

// Splits CSV text into records of fields (RFC 4180: quoted fields may hold commas,
// doubled quotes and line breaks). The reference reader the tests check against.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      ++i;
    } else {
      field += c;
    }
  }
  EXPECT_TRUE(field.empty() && row.empty()) << "CSV does not end with CRLF";
  return rows;
}

std::vector<json::object> parse_ndjson(const std::string& text) {
  std::vector<json::object> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) out.push_back(parse_object(line));
  return out;
}

class ExportApiTest : public ServerApiTest {
 protected:
  HttpResponse export_as(const std::string& role, const std::string& target,
                         const Headers& extra = {}) {
    return call(role, "GET", target, "", "", extra);
  }
  uint64_t tree_size() {
    HttpResponse r = admin("GET", "/v1/ledger/head");
    EXPECT_EQ(r.status, 200u) << describe(r);
    return static_cast<uint64_t>(num(parse_object(r.body), "tree_size"));
  }
};

TEST_F(ExportApiTest, EventsAsCsvAndNdjsonHoldEveryJournalEventInOrder) {
  uint64_t size = tree_size();
  HttpResponse csv = export_as("admin", "/v1/export/events?format=csv");
  ASSERT_EQ(csv.status, 200u) << describe(csv);
  EXPECT_EQ(csv.media_type(), "text/csv");
  EXPECT_EQ(csv.header("Transfer-Encoding"), "chunked");
  auto rows = parse_csv(csv.body);
  ASSERT_EQ(rows.size(), size + 1);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"seq", "time", "time_ms", "kind", "fields",
                                               "redacted", "leaf_hash"}));
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 7u);
    EXPECT_EQ(rows[i][0], std::to_string(i - 1));
    EXPECT_EQ(rows[i][6].size(), 64u);
  }

  HttpResponse nd = export_as("admin", "/v1/export/events?format=ndjson");
  ASSERT_EQ(nd.status, 200u) << describe(nd);
  EXPECT_EQ(nd.media_type(), "application/x-ndjson");
  auto objects = parse_ndjson(nd.body);
  ASSERT_EQ(objects.size(), size);
  for (size_t i = 0; i < objects.size(); ++i) EXPECT_EQ(num(objects[i], "seq"), int64_t(i));
  // The leaf hash is the one the ledger route proves.
  HttpResponse one = admin("GET", "/v1/ledger/events/3");
  EXPECT_EQ(str(objects[3], "leaf_hash"), str(parse_object(one.body), "leaf_hash"));

  // Accept picks NDJSON when format= is absent.
  HttpResponse accepted =
      export_as("admin", "/v1/export/events", {{"Accept", "application/x-ndjson"}});
  EXPECT_EQ(accepted.media_type(), "application/x-ndjson");
  EXPECT_EQ(accepted.body, nd.body);
}

TEST_F(ExportApiTest, EventsAreRedactedByRoleAsTheLedgerRoutesAre) {
  HttpResponse r = reserve(reserve_body("order-secret", {{kSkuA, 2}}), "live_operator",
                           {{"Idempotency-Key", "idem-export-1"}});
  ASSERT_EQ(r.status, 201u) << describe(r);
  auto reserved_row = [&](const std::string& role) {
    HttpResponse out = export_as(role, "/v1/export/events?format=ndjson&event_kind=reserved");
    EXPECT_EQ(out.status, 200u) << describe(out);
    auto objects = parse_ndjson(out.body);
    EXPECT_EQ(objects.size(), 1u) << out.body;
    return objects.empty() ? json::object() : objects[0];
  };
  auto names = [](const json::object& row) {
    std::set<std::string> out;
    for (const auto& field : row.at("fields").as_array()) {
      out.insert(std::string(field.as_object().at("name").as_string()));
    }
    return out;
  };
  json::object admin_row = reserved_row("admin");
  EXPECT_TRUE(names(admin_row).count("order_id"));
  EXPECT_TRUE(names(admin_row).count("idempotency_key"));
  EXPECT_TRUE(admin_row.at("redacted").as_array().empty());

  json::object supplier_row = reserved_row("supplier");
  EXPECT_EQ(names(supplier_row), std::set<std::string>{"reservation_id"});
  std::string redacted = json::serialize(supplier_row.at("redacted"));
  EXPECT_NE(redacted.find("order_id"), std::string::npos) << redacted;
  EXPECT_NE(redacted.find("sku"), std::string::npos) << redacted;
  EXPECT_EQ(supplier_row.at("leaf_hash"), admin_row.at("leaf_hash"));

  json::object planner_row = reserved_row("planner");
  EXPECT_TRUE(names(planner_row).count("order_id"));
  EXPECT_FALSE(names(planner_row).count("idempotency_key"));
}

TEST_F(ExportApiTest, CsvQuotesCommasQuotesAndLineBreaksPerRfc4180) {
  std::string name = "Tea, \"green\" large";
  expect_2xx(admin("PUT", "/v1/skus/" + kSkuA, json::serialize(json::object{{"name", name}})),
             "sku");
  HttpResponse csv = export_as("admin", "/v1/export/events?format=csv&event_kind=sku_put");
  ASSERT_EQ(csv.status, 200u) << describe(csv);
  auto rows = parse_csv(csv.body);
  ASSERT_GE(rows.size(), 2u);
  const std::string& fields = rows.back()[4];
  json::value parsed = parse_json(fields);
  ASSERT_TRUE(parsed.is_array()) << fields;
  EXPECT_EQ(parsed.as_array()[1].as_object().at("value").as_string(), name);
  // The raw text doubles the inner quotes inside one quoted field.
  EXPECT_NE(csv.body.find("\"\"Tea, \\\"\"green\\\"\" large\"\""), std::string::npos) << csv.body;
}

TEST_F(ExportApiTest, BalancesMatchTheStockRoutes) {
  for (const char* format : {"csv", "ndjson"}) {
    HttpResponse r = export_as("supplier", std::string("/v1/export/balances?format=") + format);
    ASSERT_EQ(r.status, 200u) << describe(r);
    StockMap exported;
    if (std::string(format) == "csv") {
      auto rows = parse_csv(r.body);
      ASSERT_EQ(rows[0][0], "sku");
      ASSERT_EQ(rows[0][4], "available");
      for (size_t i = 1; i < rows.size(); ++i) {
        exported[{rows[i][0], rows[i][1]}] =
            Balance{std::stoll(rows[i][2]), std::stoll(rows[i][3]), std::stoll(rows[i][4])};
      }
    } else {
      for (const json::object& row : parse_ndjson(r.body)) {
        exported[{str(row, "sku"), str(row, "location")}] =
            Balance{num(row, "on_hand"), num(row, "reserved"), num(row, "available")};
      }
    }
    EXPECT_EQ(exported, stock_of({kSkuA, kSkuB, kSkuC})) << format;
  }
}

TEST_F(ExportApiTest, OrdersCarryTheirCurrentStatusAndFilterByIt) {
  json::object first = reserve_ok("order-1", {{kSkuA, 2}, {kSkuB, 1}});
  json::object second = reserve_ok("order-2", {{kSkuC, 1}});
  HttpResponse commit = admin(
      "POST", "/v1/reservations/" + std::to_string(num(first, "reservation_id")) + "/commit", "{}");
  ASSERT_EQ(commit.status, 200u) << describe(commit);

  HttpResponse all = export_as("planner", "/v1/export/orders?format=ndjson");
  ASSERT_EQ(all.status, 200u) << describe(all);
  auto rows = parse_ndjson(all.body);
  ASSERT_EQ(rows.size(), 3u) << all.body;  // one row per line
  EXPECT_EQ(str(rows[0], "order_id"), "order-1");
  EXPECT_EQ(str(rows[0], "status"), "committed");
  EXPECT_EQ(num(rows[1], "line"), 1);
  EXPECT_EQ(str(rows[2], "status"), "pending");

  HttpResponse committed = export_as("planner", "/v1/export/orders?format=csv&status=committed");
  auto csv = parse_csv(committed.body);
  ASSERT_EQ(csv.size(), 3u) << committed.body;
  EXPECT_EQ(csv[0][3], "status");
  EXPECT_EQ(csv[1][1], "order-1");

  HttpResponse limited = export_as("planner", "/v1/export/orders?format=ndjson&limit=1");
  EXPECT_EQ(parse_ndjson(limited.body).size(), 1u);
  // `livechain export` reads the same rows offline (the server is running).
  RunResult offline = cli({"export", "--db", db_, "--kind", "orders", "--format", "ndjson"});
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(offline.out, all.body);
  RunResult committed_only =
      cli({"export", "--db", db_, "--kind", "orders", "--format", "csv", "--status", "committed"});
  EXPECT_EQ(committed_only.out, committed.body);
  // Suppliers may not read reservations: nor their export.
  EXPECT_TRUE(IsProblem(export_as("supplier", "/v1/export/orders"), 403));
}

TEST_F(ExportApiTest, BadKindsFormatsAndFiltersNameTheField) {
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/customers"), 404, "kind"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/events?format=xml"), 422, "format"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/events?limit=0"), 422, "limit"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/events?limit=x"), 422, "limit"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/events?since_seq=-1"), 422, "since_seq"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/events?from=yesterday"), 422, "from"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/balances?status=pending"), 422, "status"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/orders?status=lost"), 422, "status"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/events?colour=red"), 422, "colour"));
  EXPECT_TRUE(IsProblem(export_as("", "/v1/export/events"), 401));
}

TEST_F(ExportApiTest, SinceSeqAndLimitBoundAnExport) {
  HttpResponse r = export_as("admin", "/v1/export/events?format=ndjson&since_seq=5&limit=3");
  auto rows = parse_ndjson(r.body);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(num(rows[0], "seq"), 5);
  EXPECT_EQ(num(rows[2], "seq"), 7);
}

// 12,000 receipts: three journal pages, streamed in chunks over one
// connection, then the same rows read offline by `livechain export`.
TEST_F(ExportApiTest, ALargeExportStreamsEveryPageAndMatchesTheCli) {
  for (int part = 0; part < 2; ++part) {
    std::string csv = "sku,location,qty\n";
    for (int i = 0; i < 6'000; ++i) csv += kSkuB + ",dc-west,1\n";
    HttpResponse imported = call("warehouse", "POST", "/v1/import/stock", csv, "text/csv");
    ASSERT_EQ(imported.status, 200u) << describe(imported);
  }
  uint64_t size = tree_size();
  ASSERT_GT(size, 2 * 4'096u);  // three journal pages
  HttpResponse r = export_as("admin", "/v1/export/events?format=ndjson");
  ASSERT_EQ(r.status, 200u) << describe(r);
  auto rows = parse_ndjson(r.body);
  ASSERT_EQ(rows.size(), size);
  for (size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(num(rows[i], "seq"), int64_t(i));

  std::string out = dir_.file("events.ndjson");
  RunResult cli_run =
      cli({"export", "--db", db_, "--kind", "events", "--format", "ndjson", "--out", out});
  ASSERT_EQ(cli_run.exit_code, 0) << cli_run.err;
  EXPECT_EQ(read_file(out), r.body);

  RunResult balances = cli({"export", "--db", db_, "--kind", "balances", "--format", "csv"});
  ASSERT_EQ(balances.exit_code, 0) << balances.err;
  EXPECT_EQ(balances.out, export_as("admin", "/v1/export/balances?format=csv").body);
  EXPECT_EQ(cli({"export", "--db", db_, "--kind", "nope"}).exit_code, 2);
}

TEST_F(ExportApiTest, KpisExportTheReadModelsRowsAsGetKpisDoes) {
  HttpResponse model = admin("GET", "/v1/kpis?period=week");
  ASSERT_EQ(model.status, 200u) << describe(model);
  json::array expected = parse_object(model.body)["rows"].as_array();
  HttpResponse nd = export_as("supplier", "/v1/export/kpis?format=ndjson&period=week");
  ASSERT_EQ(nd.status, 200u) << describe(nd);
  auto rows = parse_ndjson(nd.body);
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(str(rows[i], "period"), "week");
    EXPECT_EQ(str(rows[i], "start"), str(expected[i].as_object(), "start"));
    for (const auto& kpi : expected[i].as_object().at("kpis").as_object()) {
      EXPECT_EQ(rows[i].at(kpi.key()), kpi.value()) << kpi.key();
    }
  }
  HttpResponse csv = export_as("admin", "/v1/export/kpis?format=csv&period=week");
  auto table = parse_csv(csv.body);
  ASSERT_EQ(table.size(), expected.size() + 1);
  EXPECT_EQ(table[0][0], "period");
  EXPECT_EQ(table[0].size(), 14u);  // period, start, the twelve KPIs
  RunResult offline = cli({"export", "--db", db_, "--kind", "kpis", "--period", "week"});
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(offline.out, csv.body);
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/kpis?period=year"), 422, "period"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/kpis?from=2026-13-01"), 422, "from"));
  EXPECT_TRUE(IsProblem(export_as("admin", "/v1/export/kpis?status=pending"), 422, "status"));
}

// A connection that asks for an export and never reads the answer (a small receive
// buffer, so the server's writes stall at once). Returns the socket.
int open_unread_export(uint16_t port, const std::string& key) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  int small_bytes = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small_bytes, sizeof small_bytes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  std::string request =
      "GET /v1/export/events?format=ndjson HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      key + "\r\n\r\n";
  EXPECT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  return fd;
}

// At most kExportsInFlightMax (4) exports stream at once: four readers that stopped
// reading hold their slots (their exports wait on the socket, holding one chunk each),
// a fifth is 503 with Retry-After; once they hang up, exports run again.
TEST_F(ExportApiTest, AFifthConcurrentExportIs503UntilOneEnds) {
  ASSERT_EQ(stop_server(), 0);
  std::string big = dir_.file("big.db");  // 200,000 events: ~60 MB of NDJSON each
  RunResult made = cli({"bench", "export", "--events", "200000", "--db", big});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  db_ = big;
  keys_["admin"] = create_key("admin");
  ASSERT_NO_FATAL_FAILURE(start_server());
  std::vector<int> stalled;
  for (int i = 0; i < 4; ++i) stalled.push_back(open_unread_export(port_, keys_["admin"].key));
  // Each export holds its slot once its answer has begun: wait for the first bytes of
  // each (a fixed sleep once let a loaded machine start fewer than four in time).
  for (int fd : stalled) {
    pollfd readable{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&readable, 1, 20'000), 1) << "an export did not start within 20 s";
    char head[256];
    ASSERT_GT(::recv(fd, head, sizeof head, 0), 0);
  }
  HttpResponse fifth = export_as("admin", "/v1/export/balances");
  EXPECT_TRUE(IsProblem(fifth, 503));
  EXPECT_EQ(fifth.header("Retry-After"), "1");
  for (int fd : stalled) ::close(fd);
  HttpResponse again;
  for (int attempt = 0; attempt < 50 && again.status != 200; ++attempt) {
    std::this_thread::sleep_for(100ms);
    again = export_as("admin", "/v1/export/balances");
  }
  EXPECT_EQ(again.status, 200u) << describe(again);
  HttpResponse health = call("", "GET", "/healthz");
  EXPECT_EQ(health.status, 200u);
}

// The figure behind "constant memory": peak RSS after each tenth of an export of
// 300,000 events grows by less than 8 MiB from the first tenth to the last (the whole
// NDJSON text is ~90 MB).
TEST(ExportBench, PeakRssStaysFlatWhileExporting) {
  TempDir dir;
  RunResult r = run_program(LIVECHAIN_BINARY, {"--json", "bench", "export", "--events", "300000"},
                            dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::cerr << r.out;
  json::object out = parse_object(r.out);
  EXPECT_EQ(num(out, "rows"), num(out, "events"));
  ASSERT_EQ(out.at("peak_rss_kb_by_tenth").as_array().size(), 10u) << r.out;
#ifndef __SANITIZE_ADDRESS__
  // Under ASan freed memory sits in its quarantine (up to 256 MiB), so RSS says nothing
  // about our allocations there; the figure is checked in the release preset.
  EXPECT_LT(num(out, "peak_growth_kb_first_to_last_tenth"), 8 * 1024) << r.out;
#endif
}

}  // namespace
