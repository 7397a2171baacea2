// Delivers due outbox messages: libcurl multi on one thread of its own. Each attempt
// is a POST signed per Standard Webhooks; the outcome goes back to the outbox, which
// schedules the retry. No attempt ever runs on the engine thread.
#include <curl/curl.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "alerts/alerts.hpp"
#include "alerts/webhook_internal.hpp"

namespace livechain::alerts {

namespace {
constexpr size_t kResponseBytesMax = 4096;  // receivers' answers are read and dropped
constexpr int64_t kDeliveredRetentionMs = 7LL * 24 * 3600 * 1000;

// Keeps the first kResponseBytesMax bytes of an answer (chat services report errors in
// a 200 body); more aborts an endless answer.
size_t keep_body(char* data, size_t size, size_t count, void* kept) {
  auto* text = static_cast<std::string*>(kept);
  if (text->size() + size * count > kResponseBytesMax) return 0;
  text->append(data, size * count);
  return size * count;
}

// The SMTP upload: the message, read once.
struct Upload {
  std::string text;
  size_t offset = 0;
};
size_t read_upload(char* buffer, size_t size, size_t count, void* source) {
  auto* upload = static_cast<Upload*>(source);
  size_t n = std::min(size * count, upload->text.size() - upload->offset);
  std::memcpy(buffer, upload->text.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// WeCom and DingTalk answer {"errcode": 0, …}, Feishu {"code": 0, …}: anything else
// is a failed delivery even with HTTP 200. Slack answers "ok".
bool chat_refused(const std::string& answer) {
  boost::system::error_code error;
  boost::json::value parsed = boost::json::parse(answer, error);
  if (error || !parsed.is_object()) return false;
  for (const char* key : {"errcode", "code"}) {
    const boost::json::value* code = parsed.get_object().if_contains(key);
    if (code != nullptr && code->is_int64() && code->get_int64() != 0) return true;
  }
  return false;
}

// Refuses to connect to a private address unless allowed: checked on the address
// actually connected to, so a DNS answer that changed since registration is caught.
curl_socket_t open_public_socket(void*, curlsocktype, curl_sockaddr* address) {
  if (is_private_address(&address->addr)) return CURL_SOCKET_BAD;
  return ::socket(address->family, address->socktype, address->protocol);
}

struct Transfer {
  Outbox::Attempt attempt;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;  // SMTP
  std::string payload;               // the request body (chat, e-mail)
  std::string url;
  Upload upload;
  std::string response;
};
}  // namespace

struct WebhookDispatcher::Impl {
  Outbox& outbox;
  const Clock& clock;
  std::mt19937_64 random;
  CURLM* multi = nullptr;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::map<CURL*, std::unique_ptr<Transfer>> transfers;  // dispatcher thread only
  std::map<std::string, size_t> in_flight_by_endpoint;   // dispatcher thread only
  TimeMs last_prune_ms = 0;

  Impl(Outbox& o, const Clock& c, uint64_t seed) : outbox(o), clock(c), random(seed) {
    multi = curl_multi_init();
    LC_ASSERT(multi != nullptr);
  }
  ~Impl() { curl_multi_cleanup(multi); }

  void start_transfer(Outbox::Attempt&& attempt) {
    auto transfer = std::make_unique<Transfer>();
    transfer->attempt = std::move(attempt);
    const Outbox::Attempt& a = transfer->attempt;
    const Receiver* receiver = a.receiver;
    CURL* easy = curl_easy_init();
    LC_ASSERT(easy != nullptr);
    const WebhookOptions& options = outbox.options();
    TimeMs now_ms = clock.now_ms();
    transfer->url = a.url;
    if (receiver != nullptr && receiver->type == ReceiverType::email) {
      prepare_email(*transfer, easy, now_ms);
    } else if (receiver != nullptr && receiver->type != ReceiverType::webhook) {
      boost::json::value message = boost::json::parse(a.body);
      transfer->payload =
          chat_body(receiver->type, message.as_object(), receiver->secret, now_ms / 1000);
      if (receiver->type == ReceiverType::dingtalk) {
        transfer->url = dingtalk_signed_url(a.url, receiver->secret, now_ms);
      }
      for (const char* header : {"Content-Type: application/json; charset=utf-8",
                                 "User-Agent: livechain-notify/1", "Expect:"}) {
        transfer->headers = curl_slist_append(transfer->headers, header);
      }
    } else {
      int64_t timestamp_s = now_ms / 1000;
      auto signature = webhook_signature(a.secret, a.message_id, timestamp_s, a.body);
      LC_ASSERT(signature.has_value());  // secrets are made by the outbox or checked at start
      for (std::string header :
           {std::string("Content-Type: application/json"), "webhook-id: " + a.message_id,
            "webhook-timestamp: " + std::to_string(timestamp_s), "webhook-signature: " + *signature,
            std::string("User-Agent: livechain-webhooks/1"), std::string("Expect:")}) {
        transfer->headers = curl_slist_append(transfer->headers, header.c_str());
      }
      transfer->payload = a.body;
    }
    bool http = receiver == nullptr || receiver->type != ReceiverType::email;
    if (http) {
      curl_easy_setopt(easy, CURLOPT_URL, transfer->url.c_str());
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->payload.c_str());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(transfer->payload.size()));
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
      curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is not a 2xx
      if (!options.allow_private_targets) {
        curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_public_socket);
      }
    }
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<uint32_t>(options.timeout_ms, 5'000)));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer->response);
    transfer->easy = easy;
    ++in_flight_by_endpoint[a.endpoint_id];
    curl_multi_add_handle(multi, easy);
    transfers.emplace(easy, std::move(transfer));
  }

  // One SMTP transaction to every recipient of the receiver's roles (an internal mail
  // relay is usual, so the private-address refusal does not apply to SMTP).
  void prepare_email(Transfer& transfer, CURL* easy, TimeMs now_ms) {
    const Receiver& receiver = *transfer.attempt.receiver;
    const SmtpOptions& smtp = outbox.options().notify.smtp;
    boost::json::value message = boost::json::parse(transfer.attempt.body);
    transfer.upload.text = email_message(message.as_object(), smtp.from, receiver.recipients,
                                         transfer.attempt.message_id, now_ms);
    for (const auto& address : receiver.recipients) {
      transfer.recipients = curl_slist_append(transfer.recipients, ("<" + address + ">").c_str());
    }
    curl_easy_setopt(easy, CURLOPT_URL, smtp.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, ("<" + smtp.from + ">").c_str());
    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, transfer.recipients);
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(easy, CURLOPT_READDATA, &transfer.upload);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE, static_cast<long>(transfer.upload.text.size()));
    if (!smtp.username.empty()) {
      curl_easy_setopt(easy, CURLOPT_USERNAME, smtp.username.c_str());
      curl_easy_setopt(easy, CURLOPT_PASSWORD, smtp.password.c_str());
      curl_easy_setopt(easy, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    }
  }

  void finish_transfer(CURL* easy, CURLcode code) {
    auto found = transfers.find(easy);
    LC_ASSERT(found != transfers.end());
    std::unique_ptr<Transfer> transfer = std::move(found->second);
    transfers.erase(found);
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    std::string error = code == CURLE_OK ? "" : curl_easy_strerror(code);
    if (code != CURLE_OK && code != CURLE_WRITE_ERROR) status = 0;
    const Receiver* receiver = transfer->attempt.receiver;
    if (receiver != nullptr && receiver->type == ReceiverType::email) {
      // The mail server accepted the message for every recipient (250).
      if (code == CURLE_OK) status = 200;
      if (code != CURLE_OK) error = "SMTP: " + error;
    } else if (code == CURLE_OK && (status < 200 || status >= 300)) {
      error = "HTTP " + std::to_string(status);
    } else if (code == CURLE_OK && receiver != nullptr && chat_refused(transfer->response)) {
      error = "refused: " + transfer->response.substr(0, 200);
      status = 0;
    }
    double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(random);
    auto recorded = outbox.record_attempt(transfer->attempt, static_cast<int>(status), error,
                                          clock.now_ms(), jitter);
    if (!recorded) {
      std::fprintf(stderr, "webhooks: cannot record an attempt: %s\n",
                   recorded.error().to_string().c_str());
    }
    --in_flight_by_endpoint[transfer->attempt.endpoint_id];
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
    curl_slist_free_all(transfer->headers);
    curl_slist_free_all(transfer->recipients);
  }

  void claim_due() {
    const WebhookOptions& options = outbox.options();
    if (transfers.size() >= options.in_flight_max) return;
    auto due = outbox.due(
        clock.now_ms(),
        [&](const std::string& endpoint_id) {
          size_t busy = in_flight_by_endpoint[endpoint_id];
          return busy >= options.in_flight_per_endpoint_max
                     ? size_t{0}
                     : options.in_flight_per_endpoint_max - busy;
        },
        options.in_flight_max - transfers.size());
    if (!due) {
      std::fprintf(stderr, "webhooks: %s\n", due.error().to_string().c_str());
      return;
    }
    for (Outbox::Attempt& attempt : *due) start_transfer(std::move(attempt));
  }

  void loop() {
    while (!stopping.load()) {
      claim_due();
      int running = 0;
      curl_multi_perform(multi, &running);
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
        if (message->msg == CURLMSG_DONE)
          finish_transfer(message->easy_handle, message->data.result);
      }
      curl_multi_poll(multi, nullptr, 0, transfers.empty() ? 200 : 50, nullptr);
      TimeMs now_ms = clock.now_ms();
      if (now_ms - last_prune_ms > 60'000) {
        last_prune_ms = now_ms;
        (void)outbox.prune(now_ms, kDeliveredRetentionMs);
      }
    }
    // Attempts cut short stay leased in the outbox and are retried after restart.
    for (auto& [easy, transfer] : transfers) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
      curl_slist_free_all(transfer->headers);
      curl_slist_free_all(transfer->recipients);
    }
    transfers.clear();
  }
};

WebhookDispatcher::WebhookDispatcher(Outbox& outbox, const Clock& clock, uint64_t seed)
    : impl_(std::make_unique<Impl>(outbox, clock, seed)) {}

WebhookDispatcher::~WebhookDispatcher() {
  stop();
}

void WebhookDispatcher::start() {
  LC_ASSERT(!impl_->thread.joinable());
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

void WebhookDispatcher::stop() {
  impl_->stopping.store(true);
  curl_multi_wakeup(impl_->multi);
  if (impl_->thread.joinable()) impl_->thread.join();
}

void WebhookDispatcher::wake() {
  curl_multi_wakeup(impl_->multi);
}

}  // namespace livechain::alerts
