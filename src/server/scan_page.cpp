// src/server/scan_page.cpp — the page and linkset a unit's QR code resolves to.
#include "server/scan_page.hpp"

#include <fmt/format.h>

#include "server/json_views.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {

// The unit's path on this server: /01/{gtin}/10/{lot}/21/{serial}.
std::string unit_path(const ScanOutcome& scan) {
  return fmt::format("/01/{}/10/{}/21/{}", scan.link.gtin14,
                     percent_encode_segment(scan.link.lot.value_or("")),
                     percent_encode_segment(scan.link.serial.value_or("")));
}

std::string canonical_uri(const ScanOutcome& scan) {
  return "https://id.gs1.org" + unit_path(scan);
}

void row(std::string& html, std::string_view label_zh, std::string_view label_en,
         std::string_view value, std::string_view data_field) {
  html +=
      fmt::format("<tr data-field=\"{}\"><th>{} <span lang=\"en\">{}</span></th><td>{}</td></tr>\n",
                  data_field, label_zh, label_en, escape_html(value));
}

struct VerdictText {
  std::string_view css;
  std::string_view zh;
  std::string_view en;
};

VerdictText verdict_text(const ScanOutcome& scan) {
  switch (scan.judgement.verdict) {
    case trace::Authenticity::genuine:
      return {"genuine", "正品：首次扫码", "Genuine: first scan of this code"};
    case trace::Authenticity::already_scanned:
      if (scan.judgement.seen_elsewhere_recently) {
        return {"warning", "警告：此码刚在其他地区被扫描，可能为仿冒",
                "Warning: this code was just scanned in another region; it may be a copy"};
      }
      return {"scanned", "正品码：此前已被扫描", "Genuine code, scanned before"};
    case trace::Authenticity::unknown:
      break;
  }
  return {"unknown", "未知：品牌未发行此码", "Unknown: the brand never issued this code"};
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string percent_encode_segment(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string scan_page_html(const ScanOutcome& scan) {
  const VerdictText verdict = verdict_text(scan);
  std::string html = R"(<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>产品溯源 Product trace</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;padding:1rem;max-width:40rem;margin:auto;color:#1b1f24}
h1{font-size:1.3rem}.verdict{padding:.8rem 1rem;border-radius:.5rem;font-weight:600;margin:1rem 0}
.genuine{background:#e6f4ea;color:#0d652d}.scanned{background:#e8f0fe;color:#174ea6}
.warning,.unknown{background:#fce8e6;color:#a50e0e}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .3rem;border-bottom:1px solid #dadce0;vertical-align:top}
th{width:40%;font-weight:500;color:#5f6368}th span{display:block;font-size:.8em}
footer{margin-top:1.5rem;font-size:.8rem;color:#5f6368}
</style></head><body>
)";
  const std::string title =
      scan.product_name.empty() ? "GTIN " + scan.link.gtin14 : scan.product_name;
  html += fmt::format("<h1>{}</h1>\n", escape_html(title));
  html += fmt::format(
      "<p class=\"verdict {}\" role=\"status\" data-verdict=\"{}\">{}<br><span "
      "lang=\"en\">{}</span></p>\n",
      verdict.css, trace::authenticity_name(scan.judgement.verdict), verdict.zh, verdict.en);
  html += "<table>\n";
  row(html, "商品条码", "GTIN", scan.link.gtin14, "gtin");
  row(html, "批号", "Batch / lot", scan.link.lot.value_or(""), "lot");
  row(html, "序列号", "Serial", scan.link.serial.value_or(""), "serial");
  if (scan.issued && scan.batch) {
    row(html, "生产日期", "Production date", format_time(scan.batch->produced_at_ms).substr(0, 10),
        "produced_at");
    row(html, "生产工厂", "Factory", scan.batch->factory_id, "factory");
    if (scan.factory_region) row(html, "产地", "Origin (region)", *scan.factory_region, "origin");
    std::string reports;
    for (const std::string& report : scan.batch->inspection_reports) {
      reports += (reports.empty() ? "" : ", ") + report;
    }
    row(html, "质检报告", "Inspection reports", reports.empty() ? "—" : reports,
        "inspection_reports");
    row(html, "扫码次数", "Scans of this code", std::to_string(scan.judgement.previous_scans + 1),
        "scans");
    row(html, "首次扫码", "First scanned", format_time(scan.first_scanned_ms()),
        "first_scanned_at");
    // A recalled batch says so first in words a buyer understands, then the reason.
    const std::string recall =
        scan.batch->recalled ? fmt::format("已召回 · Recalled {}: {}",
                                           format_time(scan.batch->recalled_at_ms).substr(0, 10),
                                           scan.batch->recall_reason)
                             : "未召回 · Not recalled";
    row(html, "召回状态", "Recall status", recall, "recall");
  }
  html += "</table>\n";
  html += fmt::format(
      "<footer>数据来自品牌的防篡改账本 · From the brand's tamper-evident ledger · "
      "<span data-field=\"dl\">{}</span></footer>\n</body></html>\n",
      escape_html(canonical_uri(scan)));
  return html;
}

json::object scan_linkset_json(const ScanOutcome& scan) {
  const std::string path = unit_path(scan);
  json::object links{{"anchor", canonical_uri(scan)}};
  links["https://gs1.org/voc/pip"] =
      json::array{json::object{{"href", path},
                               {"title", "Product trace page"},
                               {"type", "text/html"},
                               {"hreflang", json::array{"zh", "en"}}}};
  links["https://gs1.org/voc/verificationService"] = json::array{
      json::object{{"href", "/v1/verify?dl=" + percent_encode_segment(canonical_uri(scan))},
                   {"title", "Is this unit genuine?"},
                   {"type", "application/json"}}};
  links["https://gs1.org/voc/defaultLink"] =
      json::array{json::object{{"href", path}, {"title", "Product trace page"}}};
  if (scan.batch) {
    json::array certificates;
    for (const std::string& report : scan.batch->inspection_reports) {
      certificates.push_back(json::object{
          {"href", "urn:livechain:inspection-report:" + percent_encode_segment(report)},
          {"title", report}});
    }
    if (!certificates.empty()) {
      links["https://gs1.org/voc/certificationInfo"] = std::move(certificates);
    }
  }
  return json::object{{"linkset", json::array{std::move(links)}}};
}

}  // namespace livechain::server
