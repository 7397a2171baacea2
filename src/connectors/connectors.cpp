// Live-platform order pushes: signatures, payload shapes and their mapping onto our
// reservations (docs/connectors.md holds the field tables and the sources).
#include "connectors/connectors.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "core/assert.hpp"
#include "core/gtin.hpp"

namespace livechain::connectors {

namespace json = boost::json;

namespace {

std::string hex(const unsigned char* data, size_t size, bool upper) {
  static constexpr char kLower[] = "0123456789abcdef";
  static constexpr char kUpper[] = "0123456789ABCDEF";
  const char* digits = upper ? kUpper : kLower;
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xf];
  }
  return out;
}

std::string md5_hex(std::string_view text, bool upper) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_md5(), nullptr);
  return hex(digest, size, upper);
}

std::string hmac_hex(const EVP_MD* md, std::string_view key, std::string_view text, bool upper) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &size);
  return hex(digest, size, upper);
}

// Constant-time equality of two signatures (the length is not secret).
bool same_signature(std::string_view expected, std::string_view sent) {
  return expected.size() == sent.size() &&
         CRYPTO_memcmp(expected.data(), sent.data(), expected.size()) == 0;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

using Params = std::vector<std::pair<std::string, std::string>>;

const std::string* find(const Params* params, std::string_view name) {
  if (params == nullptr) return nullptr;
  for (const auto& [key, value] : *params) {
    if (key == name) return &value;
  }
  return nullptr;
}

// Sorted by name (byte order), without `sign` and empty values: what TOP and
// Kuaishou sign.
Params signed_params(const Params& params) {
  Params out;
  for (const auto& [key, value] : params) {
    if (key != "sign" && !value.empty()) out.emplace_back(key, value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- payload reading ------------------------------------------------------------

Result<const json::object*> object_at(const json::value& value, const std::string& path) {
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, path, "must be an object");
  return &value.get_object();
}

// A member that may come as a JSON text inside a string (Douyin "data", Kuaishou
// "info", TMC "content" are strings holding JSON) or as the object itself.
Result<json::value> nested_json(const json::object& parent, std::string_view name,
                                const std::string& path) {
  const json::value* member = parent.if_contains(name);
  if (member == nullptr) return fail(ErrorCode::invalid_argument, path, "is missing");
  if (member->is_object()) return *member;
  if (!member->is_string()) {
    return fail(ErrorCode::invalid_argument, path, "must be a JSON object or a string holding one");
  }
  boost::system::error_code error;
  json::value parsed = json::parse(member->get_string(), error);
  if (error || !parsed.is_object()) {
    return fail(ErrorCode::invalid_argument, path, "must hold a JSON object");
  }
  return parsed;
}

// An id sent as a string or an integer (platforms send 64-bit order ids both ways).
Result<std::string> id_field(const json::object& object, std::string_view name,
                             const std::string& path) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr) return fail(ErrorCode::invalid_argument, path, "is missing");
  std::string text;
  if (value->is_string()) {
    text = std::string(value->get_string());
  } else if (value->is_int64()) {
    text = std::to_string(value->get_int64());
  } else if (value->is_uint64()) {
    text = std::to_string(value->get_uint64());
  } else {
    return fail(ErrorCode::invalid_argument, path, "must be a string or an integer");
  }
  if (text.empty() || text.size() > kOrderIdLengthMax) {
    return fail(ErrorCode::invalid_argument, path,
                "must be 1.." + std::to_string(kOrderIdLengthMax) + " characters");
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x21 || c == '/' || c == 0x7f) {
      return fail(ErrorCode::invalid_argument, path, "must be printable, without '/' or spaces");
    }
  }
  return text;
}

Result<int64_t> integer_field(const json::object& object, std::string_view name,
                              const std::string& path) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr) return fail(ErrorCode::invalid_argument, path, "is missing");
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= INT64_MAX) {
    return static_cast<int64_t>(value->get_uint64());
  }
  if (value->is_string()) {  // TOP sends numbers as strings in some topics
    std::string_view text = value->get_string();
    int64_t out = 0;
    bool ok = !text.empty() && text.size() <= 18;
    for (char c : text) {
      if (c < '0' || c > '9') ok = false;
      out = out * 10 + (c - '0');
    }
    if (ok) return out;
  }
  return fail(ErrorCode::invalid_argument, path, "must be an integer");
}

// The platform's SKU code → GTIN: the configured map first, else the code itself when
// it is a valid GTIN (sellers often put the barcode in the outer SKU id).
Result<std::string> gtin_of_code(const ConnectorConfig& config, const std::string& code,
                                 const std::string& path) {
  if (code.empty() || code.size() > kSkuCodeLengthMax) {
    return fail(ErrorCode::invalid_argument, path,
                "must be 1.." + std::to_string(kSkuCodeLengthMax) + " characters");
  }
  if (auto mapped = config.sku_map.find(code); mapped != config.sku_map.end()) {
    return mapped->second;
  }
  auto gtin = normalize_gtin(code);
  if (!gtin) {
    return fail(ErrorCode::not_found, path,
                "SKU code '" + code + "' is not in connectors.sku_map and is not a GTIN");
  }
  return *gtin;
}

// Lines from an array of items: `code_names` tried in order for the SKU code,
// `qty_name` for the quantity. `required`: the array must be present and non-empty.
Result<std::vector<engine::LineRequest>> lines_of(
    const ConnectorConfig& config, const json::object& order, std::string_view array_name,
    std::initializer_list<std::string_view> code_names, std::string_view qty_name, bool required,
    const std::string& path) {
  std::vector<engine::LineRequest> lines;
  std::string array_path = path + std::string(array_name);
  const json::value* items = order.if_contains(array_name);
  if (items == nullptr) {
    if (required) return fail(ErrorCode::invalid_argument, array_path, "is missing");
    return lines;
  }
  if (!items->is_array() || (required && items->get_array().empty())) {
    return fail(ErrorCode::invalid_argument, array_path, "must be a non-empty array");
  }
  const json::array& array = items->get_array();
  if (array.size() > engine::kReservationLinesMax) {
    return fail(ErrorCode::limit_exceeded, array_path,
                "at most " + std::to_string(engine::kReservationLinesMax) + " items");
  }
  for (size_t i = 0; i < array.size(); ++i) {
    std::string item_path = array_path + "[" + std::to_string(i) + "]";
    LC_TRY(item, object_at(array[i], item_path));
    std::optional<std::string> code;
    std::string code_path = item_path + "." + std::string(*code_names.begin());
    for (std::string_view name : code_names) {
      if (const json::value* value = item->if_contains(name);
          value && value->is_string() && !value->get_string().empty()) {
        code = std::string(value->get_string());
        code_path = item_path + "." + std::string(name);
        break;
      }
    }
    if (!code) return fail(ErrorCode::invalid_argument, code_path, "is missing");
    LC_TRY(gtin, gtin_of_code(config, *code, code_path));
    std::string qty_path = item_path + "." + std::string(qty_name);
    LC_TRY(qty, integer_field(*item, qty_name, qty_path));
    if (qty < 1 || qty > engine::kLineQtyMax) {
      return fail(ErrorCode::invalid_argument, qty_path,
                  "must be 1.." + std::to_string(engine::kLineQtyMax));
    }
    lines.push_back(engine::LineRequest{gtin, qty, std::nullopt});
  }
  return lines;
}

// The province, mapped to our region; the rest of the address is never read.
std::optional<std::string> region_of(const ConnectorConfig& config, const json::value* province) {
  if (province == nullptr || !province->is_string()) return std::nullopt;
  auto found = config.region_map.find(std::string(province->get_string()));
  if (found == config.region_map.end()) return std::nullopt;
  return found->second;
}

const json::value* path_value(const json::object& root,
                              std::initializer_list<std::string_view> path) {
  const json::object* object = &root;
  const json::value* value = nullptr;
  for (std::string_view name : path) {
    if (object == nullptr) return nullptr;
    value = object->if_contains(name);
    if (value == nullptr) return nullptr;
    object = value->is_object() ? &value->get_object() : nullptr;
  }
  return value;
}

// ---- the three shapes -----------------------------------------------------------

// 抖店 message push: a JSON array of {tag, msg_id, data}; data is a JSON text.
// Tags: 100 order created, 101 paid, 106 cancelled; others ignored.
Result<ParsedPush> parse_douyin(const ConnectorConfig& config, const json::value& root) {
  if (!root.is_array() || root.get_array().empty()) {
    return fail(ErrorCode::invalid_argument, "body", "must be a non-empty JSON array of messages");
  }
  const json::array& messages = root.get_array();
  if (messages.size() > kMessagesPerPushMax) {
    return fail(ErrorCode::limit_exceeded, "body",
                "at most " + std::to_string(kMessagesPerPushMax) + " messages per push");
  }
  ParsedPush out;
  for (size_t i = 0; i < messages.size(); ++i) {
    std::string path = "[" + std::to_string(i) + "]";
    LC_TRY(message, object_at(messages[i], path));
    LC_TRY(tag, id_field(*message, "tag", path + ".tag"));
    OrderStatus status;
    if (tag == "100") {
      status = OrderStatus::created;
    } else if (tag == "101") {
      status = OrderStatus::paid;
    } else if (tag == "106") {
      status = OrderStatus::cancelled;
    } else {
      out.ignored += 1;
      continue;
    }
    LC_TRY(data, nested_json(*message, "data", path + ".data"));
    const json::object& order = data.get_object();
    OrderEvent event{Platform::douyin, {}, status, {}, std::nullopt, path};
    LC_TRY(order_id, id_field(order, "p_id", path + ".data.p_id"));
    event.order_id = order_id;
    LC_TRY(lines, lines_of(config, order, "sku_order_list", {"out_sku_id", "code"}, "item_num",
                           status == OrderStatus::created, path + ".data."));
    event.lines = std::move(lines);
    event.buyer_region = region_of(config, path_value(order, {"post_addr", "province", "name"}));
    out.orders.push_back(std::move(event));
  }
  return out;
}

// 快手小店 message push: {eventId, bizId, msgId, event, info, createTime}; info is a
// JSON text with the order: status 10 unpaid (created), 30 paid, 80 failed/cancelled.
Result<ParsedPush> parse_kuaishou(const ConnectorConfig& config, const json::value& root) {
  LC_TRY(message, object_at(root, "body"));
  const json::value* event_name = message->if_contains("event");
  if (event_name == nullptr || !event_name->is_string()) {
    return fail(ErrorCode::invalid_argument, "event", "is missing");
  }
  ParsedPush out;
  if (!std::string_view(event_name->get_string()).starts_with("kwaishop_order")) {
    out.ignored = 1;
    return out;
  }
  LC_TRY(info, nested_json(*message, "info", "info"));
  const json::object& order = info.get_object();
  LC_TRY(code, integer_field(order, "status", "info.status"));
  OrderStatus status;
  if (code == 10) {
    status = OrderStatus::created;
  } else if (code == 30) {
    status = OrderStatus::paid;
  } else if (code == 80) {
    status = OrderStatus::cancelled;
  } else {
    out.ignored = 1;  // shipped, received, completed: not a stock hold change
    return out;
  }
  OrderEvent event{Platform::kuaishou, {}, status, {}, std::nullopt, ""};
  LC_TRY(order_id, id_field(order, "oid", "info.oid"));
  event.order_id = order_id;
  LC_TRY(lines, lines_of(config, order, "orderItems", {"skuNick", "relSkuId"}, "num",
                         status == OrderStatus::created, "info."));
  event.lines = std::move(lines);
  event.buyer_region = region_of(config, path_value(order, {"addressInfo", "province"}));
  out.orders.push_back(std::move(event));
  return out;
}

// TOP / TMC trade message: {topic, content}; content a JSON text with tid, orders,
// receiver_state. Topics: TradeCreate, TradeBuyerPay, TradeClose; others ignored.
Result<ParsedPush> parse_taobao(const ConnectorConfig& config, const json::value& root) {
  LC_TRY(message, object_at(root, "body"));
  const json::value* topic = message->if_contains("topic");
  if (topic == nullptr || !topic->is_string()) {
    return fail(ErrorCode::invalid_argument, "topic", "is missing");
  }
  std::string_view name = topic->get_string();
  ParsedPush out;
  OrderStatus status;
  if (name == "taobao_trade_TradeCreate") {
    status = OrderStatus::created;
  } else if (name == "taobao_trade_TradeBuyerPay") {
    status = OrderStatus::paid;
  } else if (name == "taobao_trade_TradeClose") {
    status = OrderStatus::cancelled;
  } else {
    out.ignored = 1;
    return out;
  }
  LC_TRY(content, nested_json(*message, "content", "content"));
  const json::object& order = content.get_object();
  OrderEvent event{Platform::taobao, {}, status, {}, std::nullopt, ""};
  LC_TRY(order_id, id_field(order, "tid", "content.tid"));
  event.order_id = order_id;
  LC_TRY(lines, lines_of(config, order, "orders", {"outer_sku_id", "outer_iid"}, "num",
                         status == OrderStatus::created, "content."));
  event.lines = std::move(lines);
  event.buyer_region = region_of(config, order.if_contains("receiver_state"));
  out.orders.push_back(std::move(event));
  return out;
}

Result<void> read_platform(const json::value& value, const std::string& path, PlatformConfig& out) {
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, path, "must be an object");
  for (const auto& member : value.get_object()) {
    std::string field = path + "." + std::string(member.key());
    const json::value& v = member.value();
    if (member.key() == "app_key" || member.key() == "app_secret" || member.key() == "channel") {
      if (!v.is_string() || v.get_string().empty()) {
        return fail(ErrorCode::invalid_argument, field, "must be a non-empty string");
      }
      std::string text(v.get_string());
      if (member.key() == "app_key") out.app_key = text;
      if (member.key() == "app_secret") out.app_secret = text;
      if (member.key() == "channel") out.channel_id = text;
    } else if (member.key() == "reservation_ttl_ms") {
      if (!v.is_int64() || v.get_int64() < engine::kReservationTtlMsMin ||
          v.get_int64() > engine::kReservationTtlMsMax) {
        return fail(ErrorCode::invalid_argument, field,
                    "must be " + std::to_string(engine::kReservationTtlMsMin) + ".." +
                        std::to_string(engine::kReservationTtlMsMax));
      }
      out.reservation_ttl_ms = v.get_int64();
    } else {
      return fail(ErrorCode::invalid_argument, field, "unknown field");
    }
  }
  if (out.app_key.empty())
    return fail(ErrorCode::invalid_argument, path + ".app_key", "is missing");
  if (out.app_secret.empty()) {
    return fail(ErrorCode::invalid_argument, path + ".app_secret", "is missing");
  }
  return {};
}

Result<void> read_string_map(const json::value& value, const std::string& path, bool gtin_values,
                             std::map<std::string, std::string>& out) {
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, path, "must be an object");
  for (const auto& member : value.get_object()) {
    std::string field = path + "." + std::string(member.key());
    if (!member.value().is_string() || member.value().get_string().empty()) {
      return fail(ErrorCode::invalid_argument, field, "must be a non-empty string");
    }
    std::string text(member.value().get_string());
    if (gtin_values) {
      auto gtin = normalize_gtin(text);
      if (!gtin) return fail(ErrorCode::invalid_argument, field, gtin.error().detail);
      text = *gtin;
    }
    out[std::string(member.key())] = text;
  }
  return {};
}

}  // namespace

std::optional<Platform> parse_platform(std::string_view text) {
  for (Platform platform : kPlatforms) {
    if (platform_name(platform) == text) return platform;
  }
  return std::nullopt;
}

std::string_view platform_name(Platform platform) {
  switch (platform) {
    case Platform::douyin:
      return "douyin";
    case Platform::kuaishou:
      return "kuaishou";
    case Platform::taobao:
      return "taobao";
  }
  return "unknown";
}

std::string_view order_status_name(OrderStatus status) {
  switch (status) {
    case OrderStatus::created:
      return "created";
    case OrderStatus::paid:
      return "paid";
    case OrderStatus::cancelled:
      return "cancelled";
  }
  return "unknown";
}

Result<ConnectorConfig> connector_config_from_json(const json::value& value) {
  if (!value.is_object())
    return fail(ErrorCode::invalid_argument, "connectors", "must be an object");
  ConnectorConfig out;
  for (const auto& member : value.get_object()) {
    std::string path = "connectors." + std::string(member.key());
    if (auto platform = parse_platform(member.key())) {
      PlatformConfig config;
      config.channel_id = std::string(platform_name(*platform));
      LC_CHECK(read_platform(member.value(), path, config));
      out.platforms[*platform] = std::move(config);
    } else if (member.key() == "sku_map") {
      LC_CHECK(read_string_map(member.value(), path, true, out.sku_map));
    } else if (member.key() == "region_map") {
      LC_CHECK(read_string_map(member.value(), path, false, out.region_map));
    } else {
      return fail(ErrorCode::invalid_argument, path, "unknown field");
    }
  }
  return out;
}

Result<std::string> sign(Platform platform, const PlatformConfig& config, std::string_view method,
                         std::string_view body, const Params& params) {
  switch (platform) {
    case Platform::douyin: {
      // app_key + body + app_secret
      std::string text = config.app_key + std::string(body) + config.app_secret;
      if (method == "md5") return md5_hex(text, false);
      if (method == "hmac-sha256") return hmac_hex(EVP_sha256(), config.app_secret, text, false);
      break;
    }
    case Platform::kuaishou: {
      // k=v&… over the sorted parameters with the body as "param", then &signSecret=
      Params all = params;
      all.emplace_back("param", std::string(body));
      std::string text;
      for (const auto& [key, value] : signed_params(all)) {
        if (!text.empty()) text += '&';
        text += key + "=" + value;
      }
      text += "&signSecret=" + config.app_secret;
      if (method == "MD5") return md5_hex(text, false);
      if (method == "HMAC_SHA256") return hmac_hex(EVP_sha256(), config.app_secret, text, false);
      break;
    }
    case Platform::taobao: {
      // key1value1key2value2… over the sorted parameters, then the body
      std::string text;
      for (const auto& [key, value] : signed_params(params)) text += key + value;
      text += body;
      if (method == "md5") return md5_hex(config.app_secret + text + config.app_secret, true);
      if (method == "hmac") return hmac_hex(EVP_md5(), config.app_secret, text, true);
      if (method == "hmac-sha256") return hmac_hex(EVP_sha256(), config.app_secret, text, true);
      break;
    }
  }
  return fail(ErrorCode::invalid_argument, "sign_method",
              "unsupported digest '" + std::string(method) + "'");
}

std::optional<std::pair<std::string, std::string>> verify_signature(Platform platform,
                                                                    const PlatformConfig& config,
                                                                    const Push& push) {
  static const Params kNone;
  const Params& query = push.query != nullptr ? *push.query : kNone;
  auto refuse = [](std::string field, std::string why) {
    return std::make_optional(std::make_pair(std::move(field), std::move(why)));
  };
  std::string_view key_name, sign_name, method_name;
  const std::string *key = nullptr, *sent = nullptr, *method = nullptr;
  std::string default_method;
  switch (platform) {
    case Platform::douyin:
      key_name = "app-id", sign_name = "event-sign", method_name = "sign-method";
      key = find(push.headers, key_name), sent = find(push.headers, sign_name);
      method = find(push.headers, method_name), default_method = "md5";
      break;
    case Platform::kuaishou:
      key_name = "appkey", sign_name = "sign", method_name = "signMethod";
      key = find(&query, key_name), sent = find(&query, sign_name);
      method = find(&query, method_name), default_method = "MD5";
      break;
    case Platform::taobao:
      key_name = "app_key", sign_name = "sign", method_name = "sign_method";
      key = find(&query, key_name), sent = find(&query, sign_name);
      method = find(&query, method_name), default_method = "md5";
      break;
  }
  if (key == nullptr) return refuse(std::string(key_name), "is missing");
  if (!same_signature(config.app_key, *key)) {
    return refuse(std::string(key_name), "names another app");
  }
  if (sent == nullptr || sent->empty()) return refuse(std::string(sign_name), "is missing");
  std::string digest = method != nullptr ? *method : default_method;
  // Kuaishou and TOP sign their query parameters; Douyin signs the body alone.
  Params params = platform == Platform::douyin ? Params{} : query;
  auto expected = sign(platform, config, digest, push.body, params);
  if (!expected) return refuse(std::string(method_name), expected.error().detail);
  std::string received = platform == Platform::taobao ? upper(*sent) : *sent;
  if (!same_signature(*expected, received)) {
    return refuse(std::string(sign_name), "does not match the body and the app secret");
  }
  return std::nullopt;
}

Result<ParsedPush> parse_push(Platform platform, const ConnectorConfig& config,
                              std::string_view body) {
  boost::system::error_code error;
  json::value root = json::parse(body, error);
  if (error) return fail(ErrorCode::invalid_argument, "body", "not JSON: " + error.message());
  switch (platform) {
    case Platform::douyin:
      return parse_douyin(config, root);
    case Platform::kuaishou:
      return parse_kuaishou(config, root);
    case Platform::taobao:
      return parse_taobao(config, root);
  }
  return fail(ErrorCode::invalid_argument, "platform", "unknown");
}

std::string reservation_key(const OrderEvent& order) {
  return "connector/" + std::string(platform_name(order.platform)) + "/" + order.order_id;
}

std::string status_key(const OrderEvent& order) {
  return reservation_key(order) + "/" + std::string(order_status_name(order.status));
}

engine::Reserve reserve_command(const OrderEvent& order, const PlatformConfig& config) {
  LC_ASSERT(!order.lines.empty());
  engine::Reserve reserve;
  reserve.order_id = std::string(platform_name(order.platform)) + ":" + order.order_id;
  reserve.channel_id = config.channel_id;
  reserve.buyer_region = order.buyer_region;
  reserve.lines = order.lines;
  reserve.ttl_ms = config.reservation_ttl_ms;
  reserve.idempotency_key = reservation_key(order);
  return reserve;
}

}  // namespace livechain::connectors
