// What a person reads: the title and text of an alert notification, the JSON bodies
// of the chat incoming webhooks (WeCom, DingTalk, Feishu, Slack), their signatures,
// and the e-mail message.
#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <ctime>

#include "alerts/alerts.hpp"
#include "alerts/webhook_internal.hpp"

namespace livechain::alerts {

namespace json = boost::json;

namespace {
std::string text_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return "";
  if (value->is_string()) return std::string(value->get_string());
  return json::serialize(*value);
}

const json::object& data_of(const json::object& message) {
  static const json::object kEmpty;
  const json::value* data = message.if_contains("data");
  return data != nullptr && data->is_object() ? data->get_object() : kEmpty;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string hmac_base64(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &length);
  return base64_encode(std::span<const uint8_t>(mac.data(), length));
}
}  // namespace

std::string notification_title(const json::object& message) {
  const json::object& alert = data_of(message);
  std::string type = text_of(message, "type");
  std::string what = type.starts_with("alert.") ? type.substr(6) : type;
  std::string subject;
  if (const json::value* s = alert.if_contains("subject"); s != nullptr && s->is_object()) {
    for (const auto& entry : s->get_object()) {
      subject += (subject.empty() ? "" : ", ") + std::string(entry.key()) + "=" +
                 text_of(s->get_object(), entry.key());
    }
  }
  return fmt::format("[{}] {} {} (alert {}){}", upper(text_of(alert, "severity")),
                     text_of(alert, "kind"), what, text_of(alert, "id"),
                     subject.empty() ? "" : " — " + subject);
}

std::string notification_text(const json::object& message) {
  const json::object& alert = data_of(message);
  std::string out = notification_title(message) + "\n";
  for (std::string_view key : {"id", "kind", "severity", "state", "subject", "evidence", "action",
                               "raised_at", "updated_at", "note"}) {
    std::string value = text_of(alert, key);
    if (!value.empty()) out += fmt::format("{}: {}\n", key, value);
  }
  return out;
}

std::string chat_body(ReceiverType type, const json::object& message, const std::string& secret,
                      int64_t now_s) {
  std::string title = notification_title(message);
  std::string text = notification_text(message);
  json::object body;
  switch (type) {
    case ReceiverType::wecom:
      body = {{"msgtype", "markdown"}, {"markdown", {{"content", "### " + text}}}};
      break;
    case ReceiverType::dingtalk:
      body = {{"msgtype", "markdown"}, {"markdown", {{"title", title}, {"text", "### " + text}}}};
      break;
    case ReceiverType::feishu:
      body = {{"msg_type", "text"}, {"content", {{"text", text}}}};
      if (!secret.empty()) {
        body["timestamp"] = std::to_string(now_s);
        body["sign"] = feishu_sign(secret, now_s);
      }
      break;
    case ReceiverType::slack:
      body = {
          {"text", title},
          {"blocks", json::array{json::object{{"type", "section"},
                                              {"text", {{"type", "mrkdwn"}, {"text", text}}}}}}};
      break;
    case ReceiverType::webhook:
    case ReceiverType::email:
      LC_ASSERT(false);
  }
  return json::serialize(body);
}

std::string dingtalk_signed_url(const std::string& url, const std::string& secret, int64_t now_ms) {
  if (secret.empty()) return url;
  std::string sign = hmac_base64(secret, fmt::format("{}\n{}", now_ms, secret));
  char* escaped = curl_easy_escape(nullptr, sign.c_str(), static_cast<int>(sign.size()));
  std::string out = fmt::format("{}{}timestamp={}&sign={}", url,
                                url.find('?') == std::string::npos ? "?" : "&", now_ms, escaped);
  curl_free(escaped);
  return out;
}

std::string feishu_sign(const std::string& secret, int64_t now_s) {
  return hmac_base64(fmt::format("{}\n{}", now_s, secret), "");
}

std::string email_message(const json::object& message, const std::string& from,
                          const std::vector<std::string>& to, const std::string& message_id,
                          TimeMs now_ms) {
  std::string recipients;
  for (const auto& address : to) recipients += (recipients.empty() ? "" : ", ") + address;
  std::string subject = notification_title(message);
  // Header values: no CR/LF can come in (labels are validated text), but be sure.
  std::erase_if(subject, [](char c) { return c == '\r' || c == '\n'; });
  std::string body = notification_text(message);
  std::string crlf_body;
  for (char c : body) {
    if (c == '\n')
      crlf_body += "\r\n";
    else
      crlf_body += c;
  }
  std::string domain = from.substr(from.find('@') + 1);
  time_t seconds = static_cast<time_t>(now_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 64> date{};
  std::strftime(date.data(), date.size(), "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return fmt::format(
      "From: {}\r\nTo: {}\r\nSubject: =?UTF-8?B?{}?=\r\nDate: {}\r\nMessage-ID: <{}@{}>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\nX-Livechain-Alert: {}\r\n\r\n{}",
      from, recipients,
      base64_encode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(subject.data()),
                                             subject.size())),
      date.data(), message_id, domain, text_of(data_of(message), "id"), crlf_body);
}

}  // namespace livechain::alerts
