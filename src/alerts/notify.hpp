// src/alerts/notify.hpp — part of the alerts module's public surface (included by
// alerts.hpp): who hears about an alert (issue 11 §4, Alertmanager's model).
//
//   - receivers named in the serve config ("notify.receivers"): a signed webhook, e-mail
//     to roles over SMTP, or a chat incoming webhook (WeCom, DingTalk, Feishu, Slack);
//   - a routing tree matching alert labels (kind, severity, subject fields) to
//     receivers, with `continue`;
//   - silences (engine::SilenceRecord, created through /v1/silences) and inhibition
//     rules (a red alert on a SKU mutes that SKU's yellow one).
// Deliveries to receivers go through the same durable outbox as webhooks.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/alert_records.hpp"

namespace livechain::alerts {

// An alert's labels: "kind", "severity" and each subject field by its name.
using Labels = std::map<std::string, std::string, std::less<>>;
Labels alert_labels(const engine::AlertRecord& record);

enum class ReceiverType : uint8_t { webhook, email, wecom, dingtalk, feishu, slack };
std::string_view receiver_type_name(ReceiverType type);

struct Receiver {
  std::string name;
  ReceiverType type = ReceiverType::webhook;
  std::string url;     // webhook and chat: the target (a chat's incoming-webhook URL)
  std::string secret;  // webhook: "whsec_…" (required); dingtalk/feishu: signing secret
  std::vector<std::string> roles;       // email: the roles mailed
  std::vector<std::string> recipients;  // email: the addresses of those roles
};

// One label test: the label is one of `values` (is_equal) or none of them.
struct LabelMatcher {
  std::string name;
  std::vector<std::string> values;
  bool is_equal = true;
  bool matches(const Labels& labels) const;
};

struct Route {
  std::vector<LabelMatcher> matchers;  // all must hold; none: matches every alert
  std::string receiver;                // empty: the parent's
  bool continue_matching = false;      // after matching, try the next siblings too
  std::vector<Route> routes;
};

struct InhibitRule {
  std::vector<LabelMatcher> source;  // an open alert matching these …
  std::vector<LabelMatcher> target;  // … mutes alerts matching these …
  std::vector<std::string> equal;    // … whose labels named here equal the source's
};

struct SmtpOptions {
  std::string url;  // "smtp://host:port" or "smtps://…"
  std::string from;
  std::string username;
  std::string password;
};

struct NotifyConfig {
  SmtpOptions smtp;
  std::map<std::string, std::vector<std::string>> roles;  // role → e-mail addresses
  std::vector<Receiver> receivers;
  std::optional<Route> route;  // none: no receiver is notified
  std::vector<InhibitRule> inhibit_rules;
  const Receiver* find_receiver(std::string_view name) const;
};

inline constexpr size_t kReceiversMax = 100;
inline constexpr size_t kRouteDepthMax = 8;
inline constexpr size_t kRoutesMax = 200;
inline constexpr size_t kInhibitRulesMax = 100;

// Parses "notify": {"smtp", "roles", "receivers", "route", "inhibit_rules"}. Without
// "inhibit_rules" the default rule applies: a red alert mutes the yellow one of the
// same sku. Errors: invalid_argument naming the key ("notify.route.routes[0].receiver").
Result<NotifyConfig> parse_notify_config(const boost::json::value& value);
NotifyConfig default_notify_config();

// The receivers an alert with `labels` goes to (each once, in tree order). The root
// matches every alert; a node whose children all miss notifies its own receiver.
std::vector<std::string> route_alert(const Route& root, const Labels& labels);

// True when a silence in force at `at_ms` matches every one of its matchers.
bool silenced(const std::vector<engine::SilenceRecord>& silences, const Labels& labels,
              TimeMs at_ms);
// An open alert (not `self_id`) inhibiting `labels` under `rules`.
struct OpenAlertLabels {
  uint64_t alert_id = 0;
  Labels labels;
};
bool inhibited(const std::vector<InhibitRule>& rules, const std::vector<OpenAlertLabels>& open,
               uint64_t self_id, const Labels& labels);

// ---- message formats (the body of one delivery) ---------------------------------------

// `message` is the outbox message {"type", "timestamp", "data": alert}. Text is short:
// "[RED] sales_over_forecast raised — sku=…, session=…" and the alert's fields.
std::string notification_title(const boost::json::object& message);
std::string notification_text(const boost::json::object& message);
// The chat body: WeCom {"msgtype":"markdown","markdown":{"content"}}, DingTalk
// {"msgtype":"markdown","markdown":{"title","text"}}, Feishu {"msg_type":"text",
// "content":{"text"}} (+ "timestamp", "sign" with a secret), Slack {"text","blocks"}.
std::string chat_body(ReceiverType type, const boost::json::object& message,
                      const std::string& secret, int64_t now_s);
// DingTalk's signed URL: url + "&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256(
// secret, ms "\n" secret)>"; url unchanged without a secret.
std::string dingtalk_signed_url(const std::string& url, const std::string& secret, int64_t now_ms);
// Feishu's sign: base64 HMAC-SHA256 with key seconds "\n" secret over nothing.
std::string feishu_sign(const std::string& secret, int64_t now_s);
// The RFC 5322 message (CRLF lines) mailed for `message`.
std::string email_message(const boost::json::object& message, const std::string& from,
                          const std::vector<std::string>& to, const std::string& message_id,
                          TimeMs now_ms);

}  // namespace livechain::alerts
