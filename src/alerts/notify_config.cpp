// "notify" in the serve config: receivers, roles, SMTP, the routing tree and the
// inhibition rules. Every error names its key, so a bad config stops the server at
// start with the place to fix.
#include <fmt/format.h>

#include <set>

#include "alerts/alerts.hpp"
#include "core/identifier.hpp"

namespace livechain::alerts {

namespace json = boost::json;

namespace {
Error bad(const std::string& field, std::string reason) {
  return Error{ErrorCode::invalid_argument, field, std::move(reason)};
}

Result<const json::object*> object_at(const json::value& value, const std::string& field) {
  if (!value.is_object()) return std::unexpected(bad(field, "must be an object"));
  return &value.get_object();
}

Result<void> only_keys(const json::object& object, std::initializer_list<std::string_view> known,
                       const std::string& field) {
  for (const auto& entry : object) {
    if (std::find(known.begin(), known.end(), entry.key()) == known.end()) {
      return std::unexpected(bad(field + "." + std::string(entry.key()), "unknown key"));
    }
  }
  return {};
}

Result<std::string> string_at(const json::object& object, std::string_view key,
                              const std::string& field, bool required) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) {
    if (required) return std::unexpected(bad(field + "." + std::string(key), "is required"));
    return std::string();
  }
  if (!value->is_string() || value->get_string().empty() || value->get_string().size() > 2048) {
    return std::unexpected(bad(field + "." + std::string(key), "must be a non-empty string"));
  }
  return std::string(value->get_string());
}

Result<std::vector<std::string>> strings_at(const json::value& value, const std::string& field) {
  if (!value.is_array() || value.get_array().empty() || value.get_array().size() > 100) {
    return std::unexpected(bad(field, "must be an array of 1..100 strings"));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < value.get_array().size(); ++i) {
    const json::value& item = value.get_array()[i];
    if (!item.is_string() || item.get_string().empty()) {
      return std::unexpected(bad(fmt::format("{}[{}]", field, i), "must be a non-empty string"));
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

bool plausible_address(std::string_view address) {
  size_t at = address.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < address.size() &&
         address.find_first_of(" <>\r\n,;") == std::string_view::npos && address.size() <= 254;
}

// {"label": "value" | ["v1", "v2"], …} → matchers (is_equal).
Result<std::vector<LabelMatcher>> matchers_at(const json::value& value, const std::string& field) {
  LC_TRY(object, object_at(value, field));
  std::vector<LabelMatcher> out;
  for (const auto& entry : *object) {
    std::string name(entry.key());
    std::string at = field + "." + name;
    if (!validate_identifier(at, name)) return std::unexpected(bad(at, "not a label name"));
    LabelMatcher matcher{name, {}, true};
    if (entry.value().is_string()) {
      matcher.values.emplace_back(entry.value().get_string());
    } else {
      LC_TRY(values, strings_at(entry.value(), at));
      matcher.values = std::move(values);
    }
    if (name == "severity") {
      for (const auto& v : matcher.values) {
        if (v != "info" && v != "yellow" && v != "orange" && v != "red") {
          return std::unexpected(bad(at, "must be info, yellow, orange or red"));
        }
      }
    }
    out.push_back(std::move(matcher));
  }
  return out;
}

struct RouteParser {
  const NotifyConfig& config;
  size_t count = 0;

  Result<Route> parse(const json::value& value, const std::string& field, size_t depth, bool root) {
    if (depth > kRouteDepthMax) return std::unexpected(bad(field, "the tree is too deep (8)"));
    if (++count > kRoutesMax) return std::unexpected(bad(field, "more than 200 routes"));
    LC_TRY(object, object_at(value, field));
    LC_CHECK(only_keys(*object, {"match", "receiver", "continue", "routes"}, field));
    Route route;
    if (const json::value* match = object->if_contains("match")) {
      if (root) return std::unexpected(bad(field + ".match", "the root route matches every alert"));
      LC_TRY(matchers, matchers_at(*match, field + ".match"));
      route.matchers = std::move(matchers);
    }
    LC_TRY(receiver, string_at(*object, "receiver", field, root));
    if (!receiver.empty() && config.find_receiver(receiver) == nullptr) {
      return std::unexpected(
          bad(field + ".receiver", fmt::format("no receiver named '{}'", receiver)));
    }
    route.receiver = receiver;
    if (const json::value* flag = object->if_contains("continue")) {
      if (!flag->is_bool()) return std::unexpected(bad(field + ".continue", "must be a boolean"));
      route.continue_matching = flag->get_bool();
    }
    if (const json::value* routes = object->if_contains("routes")) {
      if (!routes->is_array()) return std::unexpected(bad(field + ".routes", "must be an array"));
      for (size_t i = 0; i < routes->get_array().size(); ++i) {
        LC_TRY(child, parse(routes->get_array()[i], fmt::format("{}.routes[{}]", field, i),
                            depth + 1, false));
        route.routes.push_back(std::move(child));
      }
    }
    return route;
  }
};

Result<Receiver> parse_receiver(const json::value& value, const std::string& field,
                                const NotifyConfig& config) {
  LC_TRY(object, object_at(value, field));
  LC_CHECK(only_keys(*object, {"name", "type", "url", "secret", "roles"}, field));
  Receiver r;
  LC_TRY(name, string_at(*object, "name", field, true));
  if (!validate_identifier(field + ".name", name)) {
    return std::unexpected(bad(field + ".name", "letters, digits, '-', '_' only"));
  }
  r.name = name;
  LC_TRY(type, string_at(*object, "type", field, true));
  static const std::pair<std::string_view, ReceiverType> kTypes[] = {
      {"webhook", ReceiverType::webhook}, {"email", ReceiverType::email},
      {"wecom", ReceiverType::wecom},     {"dingtalk", ReceiverType::dingtalk},
      {"feishu", ReceiverType::feishu},   {"slack", ReceiverType::slack}};
  auto found = std::find_if(std::begin(kTypes), std::end(kTypes),
                            [&](const auto& t) { return t.first == type; });
  if (found == std::end(kTypes)) {
    return std::unexpected(
        bad(field + ".type", "must be webhook, email, wecom, dingtalk, feishu or slack"));
  }
  r.type = found->second;
  LC_TRY(url, string_at(*object, "url", field, r.type != ReceiverType::email));
  LC_TRY(secret, string_at(*object, "secret", field, r.type == ReceiverType::webhook));
  r.url = url, r.secret = secret;
  if (r.type == ReceiverType::email) {
    if (!url.empty()) return std::unexpected(bad(field + ".url", "an e-mail receiver has roles"));
    const json::value* roles = object->if_contains("roles");
    if (roles == nullptr) return std::unexpected(bad(field + ".roles", "is required"));
    LC_TRY(names, strings_at(*roles, field + ".roles"));
    for (size_t i = 0; i < names.size(); ++i) {
      auto role = config.roles.find(names[i]);
      if (role == config.roles.end()) {
        return std::unexpected(bad(fmt::format("{}.roles[{}]", field, i),
                                   fmt::format("no role '{}' in notify.roles", names[i])));
      }
      for (const auto& address : role->second) {
        if (std::find(r.recipients.begin(), r.recipients.end(), address) == r.recipients.end()) {
          r.recipients.push_back(address);
        }
      }
    }
    r.roles = std::move(names);
    if (config.smtp.url.empty()) {
      return std::unexpected(bad("notify.smtp", "is required by e-mail receivers"));
    }
  } else {
    if (object->contains("roles")) {
      return std::unexpected(bad(field + ".roles", "only e-mail receivers have roles"));
    }
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return std::unexpected(bad(field + ".url", "must be an http(s) URL"));
    }
    if (r.type == ReceiverType::webhook && !webhook_signature(secret, "x", 0, "").has_value()) {
      return std::unexpected(bad(field + ".secret", "must be whsec_<base64>"));
    }
    if (!secret.empty() && r.type != ReceiverType::webhook && r.type != ReceiverType::dingtalk &&
        r.type != ReceiverType::feishu) {
      return std::unexpected(bad(field + ".secret", "only webhook, dingtalk and feishu sign"));
    }
  }
  return r;
}

Result<InhibitRule> parse_inhibit_rule(const json::value& value, const std::string& field) {
  LC_TRY(object, object_at(value, field));
  LC_CHECK(only_keys(*object, {"source_match", "target_match", "equal"}, field));
  InhibitRule rule;
  for (auto [key, target] :
       {std::pair{"source_match", &rule.source}, {"target_match", &rule.target}}) {
    const json::value* match = object->if_contains(key);
    if (match == nullptr) return std::unexpected(bad(field + "." + key, "is required"));
    LC_TRY(matchers, matchers_at(*match, field + "." + key));
    if (matchers.empty()) return std::unexpected(bad(field + "." + key, "must match something"));
    *target = std::move(matchers);
  }
  if (const json::value* equal = object->if_contains("equal")) {
    LC_TRY(names, strings_at(*equal, field + ".equal"));
    rule.equal = std::move(names);
  }
  return rule;
}
}  // namespace

std::string_view receiver_type_name(ReceiverType type) {
  switch (type) {
    case ReceiverType::webhook:
      return "webhook";
    case ReceiverType::email:
      return "email";
    case ReceiverType::wecom:
      return "wecom";
    case ReceiverType::dingtalk:
      return "dingtalk";
    case ReceiverType::feishu:
      return "feishu";
    case ReceiverType::slack:
      return "slack";
  }
  return "unknown";
}

const Receiver* NotifyConfig::find_receiver(std::string_view name) const {
  for (const Receiver& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

NotifyConfig default_notify_config() {
  NotifyConfig config;
  config.inhibit_rules.push_back(InhibitRule{{LabelMatcher{"severity", {"red"}, true}},
                                             {LabelMatcher{"severity", {"yellow"}, true}},
                                             {"sku"}});
  return config;
}

Result<NotifyConfig> parse_notify_config(const json::value& value) {
  const std::string root = "notify";
  LC_TRY(object, object_at(value, root));
  LC_CHECK(only_keys(*object, {"smtp", "roles", "receivers", "route", "inhibit_rules"}, root));
  NotifyConfig config = default_notify_config();
  if (const json::value* smtp = object->if_contains("smtp")) {
    LC_TRY(s, object_at(*smtp, "notify.smtp"));
    LC_CHECK(only_keys(*s, {"url", "from", "username", "password"}, "notify.smtp"));
    LC_TRY(url, string_at(*s, "url", "notify.smtp", true));
    if (!url.starts_with("smtp://") && !url.starts_with("smtps://")) {
      return std::unexpected(bad("notify.smtp.url", "must be smtp://host:port or smtps://…"));
    }
    LC_TRY(from, string_at(*s, "from", "notify.smtp", true));
    if (!plausible_address(from)) {
      return std::unexpected(bad("notify.smtp.from", "not an e-mail address"));
    }
    LC_TRY(username, string_at(*s, "username", "notify.smtp", false));
    LC_TRY(password, string_at(*s, "password", "notify.smtp", false));
    config.smtp = SmtpOptions{url, from, username, password};
  }
  if (const json::value* roles = object->if_contains("roles")) {
    LC_TRY(r, object_at(*roles, "notify.roles"));
    for (const auto& entry : *r) {
      std::string field = "notify.roles." + std::string(entry.key());
      LC_TRY(addresses, strings_at(entry.value(), field));
      for (size_t i = 0; i < addresses.size(); ++i) {
        if (!plausible_address(addresses[i])) {
          return std::unexpected(bad(fmt::format("{}[{}]", field, i), "not an e-mail address"));
        }
      }
      config.roles.emplace(std::string(entry.key()), std::move(addresses));
    }
  }
  if (const json::value* receivers = object->if_contains("receivers")) {
    if (!receivers->is_array() || receivers->get_array().size() > kReceiversMax) {
      return std::unexpected(bad("notify.receivers", "must be an array of at most 100"));
    }
    for (size_t i = 0; i < receivers->get_array().size(); ++i) {
      std::string field = fmt::format("notify.receivers[{}]", i);
      LC_TRY(receiver, parse_receiver(receivers->get_array()[i], field, config));
      if (config.find_receiver(receiver.name) != nullptr) {
        return std::unexpected(bad(field + ".name", "is given twice"));
      }
      config.receivers.push_back(std::move(receiver));
    }
  }
  if (const json::value* route = object->if_contains("route")) {
    RouteParser parser{config};
    LC_TRY(tree, parser.parse(*route, "notify.route", 0, true));
    config.route = std::move(tree);
  }
  if (const json::value* rules = object->if_contains("inhibit_rules")) {
    if (!rules->is_array() || rules->get_array().size() > kInhibitRulesMax) {
      return std::unexpected(bad("notify.inhibit_rules", "must be an array of at most 100"));
    }
    config.inhibit_rules.clear();
    for (size_t i = 0; i < rules->get_array().size(); ++i) {
      LC_TRY(rule,
             parse_inhibit_rule(rules->get_array()[i], fmt::format("notify.inhibit_rules[{}]", i)));
      config.inhibit_rules.push_back(std::move(rule));
    }
  }
  return config;
}

}  // namespace livechain::alerts
