// src/cli/trace_commands.cpp — `livechain trace …`: GS1 identifiers and Digital Link.
//
//   trace gtin check GTIN                    exit 0 valid (--json: {"gtin14": …}), 1 invalid
//   trace dl parse URI                       --json: {"parsed": {"01": …, "22"?, "10"?, "21"?,
//                                            "17"?, "17_date"?, other AIs}}; exit 1 + reason
//   trace dl make --gtin G [--cpv C] [--lot L] [--serial S] [--expiry YYMMDD|YYYY-MM-DD]
//                 [--base URL]               prints the canonical URI
//   trace dl qr URI (--png FILE | --svg FILE) [--scale N]   QR code of a conforming URI
//   trace batch create --db DB --sku G --lot L --produced-at T --factory F [--report R]…
//   trace batch units --db DB --batch ID --count N      issue serials (a journal event)
//   trace batch show --db DB --batch ID
// (the batch commands print the JSON of POST/GET /v1/batches…)
//
// --current-year fixes the year the GS1 century rule counts from (default: this year,
// UTC), so output can be reproduced. Transport only: the rules live in src/trace/.
#include <fmt/format.h>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/cli.hpp"
#include "cli/command_support.hpp"
#include "core/gtin.hpp"
#include "engine/commands.hpp"
#include "trace/trace.hpp"

namespace livechain::cli {
namespace {

namespace json = boost::json;

int this_year_utc() {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day(today).year());
}

// The issue's shape: {"parsed": {"01", "22"?, "10"?, "21"?, "17"?, "17_date"?, …}}.
json::object digital_link_json(const trace::DigitalLink& link) {
  json::object parsed;
  parsed["01"] = link.gtin14;
  if (link.cpv) parsed["22"] = *link.cpv;
  if (link.lot) parsed["10"] = *link.lot;
  if (link.serial) parsed["21"] = *link.serial;
  if (link.expiry) {
    parsed["17"] = *link.expiry;
    parsed["17_date"] = trace::format_iso_date(*link.expiry_date);
  }
  for (const auto& attribute : link.attributes) {
    parsed[attribute.ai] = attribute.value;
    if (attribute.date) parsed[attribute.ai + "_date"] = trace::format_iso_date(*attribute.date);
  }
  json::object out;
  out["parsed"] = std::move(parsed);
  return out;
}

std::string digital_link_text(const trace::DigitalLink& link) {
  std::string text = fmt::format("01 {}", link.gtin14);
  if (link.cpv) text += fmt::format("\n22 {}", *link.cpv);
  if (link.lot) text += fmt::format("\n10 {}", *link.lot);
  if (link.serial) text += fmt::format("\n21 {}", *link.serial);
  if (link.expiry) {
    text += fmt::format("\n17 {} ({})", *link.expiry, trace::format_iso_date(*link.expiry_date));
  }
  for (const auto& attribute : link.attributes) {
    text += fmt::format("\n{} {}", attribute.ai, attribute.value);
  }
  return text;
}

struct TraceArgs {
  std::string gtin;
  std::string uri;
  int current_year = 0;  // 0: this year
  trace::DigitalLinkRequest make;
  std::optional<std::string> cpv, lot, serial, expiry;
  std::string png_path, svg_path;
  int scale = 8;
};

int year_of(const TraceArgs& args) {
  return args.current_year != 0 ? args.current_year : this_year_utc();
}

void run_gtin_check(const TraceArgs& args, const CliOptions& options) {
  auto gtin = normalize_gtin(args.gtin);
  if (!gtin) exit_with_error(gtin.error());
  print(options, json::object{{"gtin14", *gtin}}, *gtin);
}

void run_dl_parse(const TraceArgs& args, const CliOptions& options) {
  auto link = trace::parse_digital_link(args.uri, year_of(args));
  if (!link) exit_with_error(link.error());
  print(options, digital_link_json(*link), digital_link_text(*link));
}

void run_dl_make(TraceArgs& args, const CliOptions& options) {
  args.make.cpv = args.cpv;
  args.make.lot = args.lot;
  args.make.serial = args.serial;
  args.make.expiry = args.expiry;
  auto uri = trace::make_digital_link(args.make, year_of(args));
  if (!uri) exit_with_error(uri.error());
  print(options, json::object{{"uri", *uri}}, *uri);
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) exit_with_error(Error{ErrorCode::io_error, path, "cannot write the file"});
}

void run_dl_qr(const TraceArgs& args, const CliOptions& options) {
  auto link = trace::parse_digital_link(args.uri, year_of(args));
  if (!link) exit_with_error(link.error());
  auto matrix = trace::encode_qr(args.uri);
  if (!matrix) exit_with_error(matrix.error());
  if (!args.png_path.empty()) {
    auto png = trace::qr_png(*matrix, args.scale);
    if (!png) exit_with_error(png.error());
    write_file(args.png_path, *png);
  }
  if (!args.svg_path.empty()) write_file(args.svg_path, trace::qr_svg(*matrix));
  print(options, json::object{{"modules", matrix->width}},
        fmt::format("QR code {0}×{0} modules", matrix->width));
}

struct BatchArgs {
  std::string db;
  std::string gtin;
  std::string lot;
  std::string produced_at;
  std::string factory;
  std::vector<std::string> reports;
  uint64_t batch_id = 0;
  int64_t count = 0;
};

void run_batch_create(const BatchArgs& args, const CliOptions& options) {
  auto produced_at_ms = trace::parse_utc_time_ms(args.produced_at, "produced_at");
  if (!produced_at_ms) exit_with_error(produced_at_ms.error());
  engine::CreateBatch command{args.gtin, args.lot, *produced_at_ms, args.factory, args.reports};
  execute_and_print(args.db, command, options);
}

void add_batch_commands(CLI::App* trace_cmd, CliOptions& options) {
  auto args = std::make_shared<BatchArgs>();
  auto* batch = trace_cmd->add_subcommand("batch", "Production batches and unit serials");
  batch->require_subcommand(1);
  auto* create = batch->add_subcommand("create", "Create a batch (GTIN + lot)");
  create->add_option("--db", args->db, "Database")->required();
  create->add_option("--sku", args->gtin, "GTIN of the batch's SKU")->required();
  create->add_option("--lot", args->lot, "Lot (GS1 AI 10)")->required();
  create->add_option("--produced-at", args->produced_at, "YYYY-MM-DD or RFC 3339 UTC")->required();
  create->add_option("--factory", args->factory, "Factory id")->required();
  create->add_option("--report", args->reports, "Inspection report reference (repeatable)");
  add_idempotency_option(create, options);
  create->callback([args, &options] { run_batch_create(*args, options); });
  auto* units = batch->add_subcommand("units", "Issue serials in a batch");
  units->add_option("--db", args->db, "Database")->required();
  units->add_option("--batch", args->batch_id, "Batch id")->required();
  units->add_option("--count", args->count, "Serials to issue")->required();
  add_idempotency_option(units, options);
  units->callback([args, &options] {
    execute_and_print(args->db, engine::IssueUnits{args->batch_id, args->count}, options);
  });
  auto* show = batch->add_subcommand("show", "Show a batch");
  show->add_option("--db", args->db, "Database")->required();
  show->add_option("--batch", args->batch_id, "Batch id")->required();
  show->callback([args, &options] {
    auto view = open_reader(args->db)->engine().batch(args->batch_id);
    if (!view) exit_with_error(view.error());
    print(options, to_json(engine::Reply{*view}), to_text(engine::Reply{*view}));
  });
}

void add_year_option(CLI::App* cmd, TraceArgs& args) {
  cmd->add_option("--current-year", args.current_year,
                  "Year the GS1 century rule counts from (default: this year, UTC)")
      ->check(CLI::Range(1900, 9999));
}

}  // namespace

void add_recall_bench(CLI::App& root, CliOptions& options);  // bench_recall.cpp

void add_trace_commands(CLI::App& root, CliOptions& options) {
  add_recall_bench(root, options);  // `bench recall`; REQUIRES: add_bench_commands ran
  auto args = std::make_shared<TraceArgs>();
  auto* trace_cmd = root.add_subcommand("trace", "Traceability: GS1 identifiers, Digital Link");
  trace_cmd->require_subcommand(1);

  auto* gtin = trace_cmd->add_subcommand("gtin", "GS1 GTINs");
  gtin->require_subcommand(1);
  auto* check = gtin->add_subcommand("check", "Exit 0 for a valid GTIN-8/12/13/14, else 1");
  check->add_option("GTIN", args->gtin, "The GTIN")->required();
  check->callback([args, &options] { run_gtin_check(*args, options); });

  add_batch_commands(trace_cmd, options);

  auto* dl = trace_cmd->add_subcommand("dl", "GS1 Digital Link URIs");
  dl->require_subcommand(1);
  auto* parse = dl->add_subcommand("parse", "Parse a GS1 Digital Link URI (exit 1 if not one)");
  parse->add_option("URI", args->uri, "The URI")->required();
  add_year_option(parse, *args);
  parse->callback([args, &options] { run_dl_parse(*args, options); });

  auto* make = dl->add_subcommand("make", "Build the canonical Digital Link URI");
  make->add_option("--gtin", args->make.gtin, "GTIN-8/12/13/14")->required();
  make->add_option("--cpv", args->cpv, "AI 22, consumer product variant");
  make->add_option("--lot", args->lot, "AI 10, batch or lot");
  make->add_option("--serial", args->serial, "AI 21, serial number");
  make->add_option("--expiry", args->expiry, "AI 17, YYMMDD (DD=00: month end) or YYYY-MM-DD");
  make->add_option("--base", args->make.base, "scheme://host[/prefix]")->capture_default_str();
  add_year_option(make, *args);
  make->callback([args, &options] { run_dl_make(*args, options); });

  auto* qr = dl->add_subcommand("qr", "Write the QR code of a Digital Link URI");
  qr->add_option("URI", args->uri, "The URI (must be conforming)")->required();
  auto* png = qr->add_option("--png", args->png_path, "PNG file to write");
  auto* svg = qr->add_option("--svg", args->svg_path, "SVG file to write");
  qr->add_option("--scale", args->scale, "PNG pixels per module")
      ->check(CLI::Range(1, trace::kQrScaleMax))
      ->capture_default_str();
  add_year_option(qr, *args);
  qr->callback([args, &options, png, svg] {
    if (png->count() == 0 && svg->count() == 0) {
      std::fprintf(stderr, "error: trace dl qr needs --png FILE or --svg FILE\n");
      throw CommandExit{kExitUsage};
    }
    run_dl_qr(*args, options);
  });
}

}  // namespace livechain::cli
