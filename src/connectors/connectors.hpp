// src/connectors/connectors.hpp — live-platform order pushes (issue 19 §3): the
// Douyin (抖店), Kuaishou (快手小店) and Taobao (TOP / 奇门) shapes, their signature
// schemes, and their mapping onto our reservation commands (docs/connectors.md).
//
// Pure functions over the push's bytes: verify, parse, map. No I/O, no HTTP: the
// server's route hands them the raw body, query and signature headers and submits the
// resulting engine commands through the single writer; the idempotency keys built here
// make a replayed push answer the same and record nothing new. Buyer personal data is
// never kept: only the province is read (mapped to a region for location picking);
// addresses, names and phones are not copied out of the payload.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "engine/commands.hpp"

namespace livechain::connectors {

enum class Platform : uint8_t { douyin, kuaishou, taobao };
inline constexpr Platform kPlatforms[] = {Platform::douyin, Platform::kuaishou, Platform::taobao};
// "douyin" | "kuaishou" | "taobao"; nullopt otherwise.
std::optional<Platform> parse_platform(std::string_view text);
std::string_view platform_name(Platform platform);

// What a push says happened to the order, in our vocabulary.
enum class OrderStatus : uint8_t { created, paid, cancelled };
std::string_view order_status_name(OrderStatus status);

// Limits (docs/limits.md).
inline constexpr size_t kMessagesPerPushMax = 50;  // Douyin batches several messages per push
inline constexpr size_t kOrderIdLengthMax = 64;
inline constexpr size_t kSkuCodeLengthMax = 64;

// One platform's app credentials and the channel its orders sell through.
struct PlatformConfig {
  std::string app_key;
  std::string app_secret;
  std::string channel_id;  // our channel (pool) the orders reserve from; default = platform name
  int64_t reservation_ttl_ms = 30LL * 60 * 1000;  // an unpaid order's hold
};
struct ConnectorConfig {
  std::map<Platform, PlatformConfig> platforms;   // a platform absent: its route answers 404
  std::map<std::string, std::string> sku_map;     // platform SKU code → GTIN
  std::map<std::string, std::string> region_map;  // province as sent → our region name
};
// The server config's "connectors" object: {"douyin"|"kuaishou"|"taobao": {app_key,
// app_secret, channel?, reservation_ttl_ms?}, "sku_map": {code: gtin}, "region_map":
// {province: region}}. Errors: invalid_argument naming the field ("connectors.…").
Result<ConnectorConfig> connector_config_from_json(const boost::json::value& value);

// The bytes a push arrives with.
struct Push {
  std::string_view body;
  const std::vector<std::pair<std::string, std::string>>* query = nullptr;    // decoded
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // event-sign …
};

// Checks the push's signature with the platform's secret (constant-time compare).
// Returns nothing when it verifies, else the name of the header or query parameter
// that failed ("event-sign", "sign", "app-id", "appkey", "app_key", "sign_method" …)
// with a reason. The schemes are in docs/connectors.md.
std::optional<std::pair<std::string, std::string>> verify_signature(Platform platform,
                                                                    const PlatformConfig& config,
                                                                    const Push& push);
// The signature a platform would send for `push` (tests and the mock platform agree
// with this; the server only verifies). `method` is the platform's own name of the
// digest: Douyin "md5" | "hmac-sha256"; Kuaishou "MD5" | "HMAC_SHA256"; Taobao
// "md5" | "hmac" | "hmac-sha256". Errors: invalid_argument naming "sign_method".
Result<std::string> sign(Platform platform, const PlatformConfig& config, std::string_view method,
                         std::string_view body,
                         const std::vector<std::pair<std::string, std::string>>& params);

// One order event of a push, mapped onto our vocabulary.
struct OrderEvent {
  Platform platform = Platform::douyin;
  std::string order_id;  // the platform's order id
  OrderStatus status = OrderStatus::created;
  std::vector<engine::LineRequest> lines;   // GTIN + qty; may be empty for paid/cancelled
  std::optional<std::string> buyer_region;  // our region, from the province (sensitive)
  std::string path;  // where in the push it came from ("[0]" for Douyin's batch, else "")
};
// A push that is not about an order status we act on (another Douyin tag, Taobao
// topic, Kuaishou event) is "ignored": answered 200, nothing recorded.
struct ParsedPush {
  std::vector<OrderEvent> orders;
  size_t ignored = 0;
};
// Parses the push body. Errors: invalid_argument naming the missing or invalid field
// in the platform's own vocabulary ("[0].data.p_id", "info.oid", "content.tid" …);
// not_found naming the SKU code field when a code maps to no GTIN.
Result<ParsedPush> parse_push(Platform platform, const ConnectorConfig& config,
                              std::string_view body);

// Idempotency keys: the reservation of an order ("connector/<platform>/<order id>",
// the Reserve's own key), and one per status change
// ("connector/<platform>/<order id>/paid" | "…/cancelled", engine::Keyed).
std::string reservation_key(const OrderEvent& order);
std::string status_key(const OrderEvent& order);
// The reservation of a created (or first-seen paid) order. REQUIRES: !order.lines.empty().
engine::Reserve reserve_command(const OrderEvent& order, const PlatformConfig& config);

}  // namespace livechain::connectors
