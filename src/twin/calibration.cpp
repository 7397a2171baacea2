// Calibration against the Douyin/Chanmama sessions: reading the CSV in place, fitting
// log-normal session-level distributions per host, sampling from them, and printing
// the fitted parameters as calibration_douyin.hpp.
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "twin/calibration_douyin.hpp"
#include "twin/rng.hpp"
#include "twin/twin.hpp"

namespace livechain::twin {

namespace {

constexpr size_t kCsvBytesMax = 64u << 20;

// Splits one CSV line (RFC 4180 quoting, no embedded newlines in this file).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

double number_or_zero(const std::string& text) {
  if (text.empty()) return 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return (end == text.c_str() || !std::isfinite(value)) ? 0 : value;
}

Result<std::string> gunzip_file(const std::filesystem::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return fail(ErrorCode::io_error, "data", "cannot open " + path.string());
  std::string text;
  char buffer[1 << 16];
  int got = 0;
  while ((got = gzread(file, buffer, sizeof buffer)) > 0 && text.size() < kCsvBytesMax) {
    text.append(buffer, static_cast<size_t>(got));
  }
  gzclose(file);
  if (got < 0) return fail(ErrorCode::io_error, "data", "cannot decompress " + path.string());
  return text;
}

struct MeanSd {
  double mean = 0;
  double sd = 0;
};
MeanSd log_moments(const std::vector<double>& values) {
  MeanSd m;
  size_t n = 0;
  for (double v : values) {
    if (v > 0) {
      m.mean += std::log(v);
      ++n;
    }
  }
  if (n == 0) return m;
  m.mean /= static_cast<double>(n);
  for (double v : values) {
    if (v > 0) m.sd += (std::log(v) - m.mean) * (std::log(v) - m.mean);
  }
  m.sd = n > 1 ? std::sqrt(m.sd / static_cast<double>(n - 1)) : 0;
  return m;
}

double correlation(const std::vector<std::pair<double, double>>& pairs) {
  if (pairs.size() < 3) return 0;
  double mx = 0, my = 0;
  for (const auto& [x, y] : pairs) {
    mx += x;
    my += y;
  }
  mx /= static_cast<double>(pairs.size());
  my /= static_cast<double>(pairs.size());
  double sxy = 0, sxx = 0, syy = 0;
  for (const auto& [x, y] : pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
    syy += (y - my) * (y - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0;
}

}  // namespace

Result<std::vector<SessionOutcome>> read_douyin_sessions(const std::filesystem::path& csv_gz) {
  auto text = gunzip_file(csv_gz);
  if (!text) return std::unexpected(text.error());
  std::vector<SessionOutcome> sessions;
  size_t start = 0;
  std::map<std::string, size_t> column;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    const auto fields = split_csv(text->substr(start, end - start));
    start = end + 1;
    if (column.empty()) {
      for (size_t i = 0; i < fields.size(); ++i) column[fields[i]] = i;
      for (const char* name :
           {"host", "views", "units_sold", "gmv_cny", "duration_s", "n_products"}) {
        if (!column.contains(name)) {
          return fail(ErrorCode::corruption, "data", fmt::format("no column {}", name));
        }
      }
      continue;
    }
    if (fields.size() < column.size()) continue;  // blank or short line
    SessionOutcome s;
    s.host = fields[column["host"]];
    s.views = number_or_zero(fields[column["views"]]);
    s.units = number_or_zero(fields[column["units_sold"]]);
    s.gmv_cny = number_or_zero(fields[column["gmv_cny"]]);
    s.duration_s = number_or_zero(fields[column["duration_s"]]);
    s.products = number_or_zero(fields[column["n_products"]]);
    if (s.host.empty()) continue;
    sessions.push_back(std::move(s));
  }
  if (sessions.empty()) return fail(ErrorCode::corruption, "data", "no sessions");
  return sessions;
}

std::vector<HostFit> fit_hosts(const std::vector<SessionOutcome>& sessions) {
  std::map<std::string, std::vector<const SessionOutcome*>> by_host;
  for (const auto& s : sessions) by_host[s.host].push_back(&s);
  std::vector<HostFit> fits;
  for (const auto& [host, rows] : by_host) {
    std::vector<double> views, units, gpu, duration, products;
    std::vector<std::pair<double, double>> pairs;  // ln views, ln units (with sales)
    uint32_t zero = 0;
    for (const auto* s : rows) {
      views.push_back(s->views);
      duration.push_back(s->duration_s);
      products.push_back(s->products);
      if (s->units <= 0 || s->views <= 0) {
        ++zero;
        continue;
      }
      units.push_back(s->units);
      pairs.emplace_back(std::log(s->views), std::log(s->units));
      if (s->gmv_cny > 0) gpu.push_back(s->gmv_cny / s->units);
    }
    HostFit f;
    f.host = host;
    f.sessions = static_cast<uint32_t>(rows.size());
    f.zero_sales_share = static_cast<double>(zero) / static_cast<double>(rows.size());
    const auto assign = [](const std::vector<double>& v, double& mean, double& sd) {
      const MeanSd m = log_moments(v);
      mean = m.mean;
      sd = m.sd;
    };
    assign(views, f.log_views_mean, f.log_views_sd);
    assign(units, f.log_units_mean, f.log_units_sd);
    f.views_units_log_corr = correlation(pairs);
    assign(gpu, f.log_gmv_per_unit_mean, f.log_gmv_per_unit_sd);
    assign(duration, f.log_duration_s_mean, f.log_duration_s_sd);
    assign(products, f.log_products_mean, f.log_products_sd);
    fits.push_back(std::move(f));
  }
  return fits;
}

const std::vector<HostFit>& calibrated_hosts() {
  static const std::vector<HostFit> hosts = [] {
    std::vector<HostFit> out;
    for (const auto& h : kDouyinHostFits) {
      out.push_back(HostFit{h.host, h.sessions, h.zero_sales_share, h.log_views_mean,
                            h.log_views_sd, h.log_units_mean, h.log_units_sd,
                            h.views_units_log_corr, h.log_gmv_per_unit_mean, h.log_gmv_per_unit_sd,
                            h.log_duration_s_mean, h.log_duration_s_sd, h.log_products_mean,
                            h.log_products_sd});
    }
    return out;
  }();
  return hosts;
}

SessionOutcome sample_session(const HostFit& fit, uint64_t seed, uint64_t index) {
  Rng rng(seed, 0x5E55'0000ULL + index);
  SessionOutcome s;
  s.host = fit.host;
  const double z_views = rng.normal();
  s.views = std::exp(fit.log_views_mean + fit.log_views_sd * z_views);
  s.duration_s = rng.lognormal(fit.log_duration_s_mean, fit.log_duration_s_sd);
  s.products = std::max(1.0, std::round(rng.lognormal(fit.log_products_mean, fit.log_products_sd)));
  const double rho = fit.views_units_log_corr;
  const double z_units = rho * z_views + std::sqrt(std::max(0.0, 1 - rho * rho)) * rng.normal();
  const double gpu = rng.lognormal(fit.log_gmv_per_unit_mean, fit.log_gmv_per_unit_sd);
  if (rng.chance(fit.zero_sales_share)) return s;
  s.units = std::max(1.0, std::round(std::exp(fit.log_units_mean + fit.log_units_sd * z_units)));
  s.gmv_cny = s.units * gpu;
  return s;
}

std::string calibration_header(const std::vector<HostFit>& fits) {
  std::string out =
      "// src/twin/calibration_douyin.hpp — GENERATED, do not edit by hand.\n"
      "//\n"
      "// Session-level log-normal fits per host from the Douyin/Chanmama data set\n"
      "// (../shared/data/douyin_live_chanmama/sessions.csv.gz, 1,224 real sessions of 20\n"
      "// hosts, Jun-Aug 2021; read in place, never copied). Parameters only, no data.\n"
      "// Regenerate with:\n"
      "//   livechain simulate --fit-calibration\n"
      "//       ../shared/data/douyin_live_chanmama/sessions.csv.gz\n"
      "//     > src/twin/calibration_douyin.hpp   (then clang-format -i it)\n"
      "// Fields: sessions, share of sessions without sales, then (mean, sd) of the natural\n"
      "// log of views and of units, the correlation of the two logs, then (mean, sd) of\n"
      "// the log of GMV per unit (CNY), duration (s), products listed. Units, the\n"
      "// correlation and GMV per unit are fitted on sessions with sales only.\n"
      "// tests/twin/calibration_test.cpp refits from the data and checks these values.\n"
      "#pragma once\n\n#include <cstdint>\n\nnamespace livechain::twin {\n\n"
      "struct DouyinHostFit {\n  const char* host;\n  uint32_t sessions;\n"
      "  double zero_sales_share;\n  double log_views_mean, log_views_sd;\n"
      "  double log_units_mean, log_units_sd, views_units_log_corr;\n"
      "  double log_gmv_per_unit_mean, log_gmv_per_unit_sd;\n"
      "  double log_duration_s_mean, log_duration_s_sd;\n"
      "  double log_products_mean, log_products_sd;\n};\n\n"
      "inline constexpr DouyinHostFit kDouyinHostFits[] = {\n";
  for (const auto& f : fits) {
    out += fmt::format(
        "    {{\"{}\", {}, {:.4f}, {:.4f}, {:.4f}, {:.4f}, {:.4f}, {:.4f}, {:.4f}, {:.4f}, "
        "{:.4f}, {:.4f}, {:.4f}, {:.4f}}},\n",
        f.host, f.sessions, f.zero_sales_share, f.log_views_mean, f.log_views_sd, f.log_units_mean,
        f.log_units_sd, f.views_units_log_corr, f.log_gmv_per_unit_mean, f.log_gmv_per_unit_sd,
        f.log_duration_s_mean, f.log_duration_s_sd, f.log_products_mean, f.log_products_sd);
  }
  out += "};\n\n}  // namespace livechain::twin\n";
  return out;
}

}  // namespace livechain::twin
