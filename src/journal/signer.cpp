// src/journal/signer.cpp — Ed25519 tree-head signing on OpenSSL 3 (EVP interface).
#include "journal/signer.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "core/assert.hpp"

namespace livechain::journal {
namespace {

// A PEM private key is a few hundred bytes; anything larger is not ours.
constexpr size_t kKeyFileSizeMax = 16 * 1024;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string errno_text(int error_number) {
  return std::strerror(error_number);
}

// Closes `fd` on scope exit; open()/close() are the only way to get O_EXCL and 0600.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  // Closes now and reports the result (close can report a deferred write error).
  int close_now() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Result<void> write_all(int fd, std::string_view text, const std::string& path) {
  size_t written = 0;
  while (written < text.size()) {
    ssize_t rc = ::write(fd, text.data() + written, text.size() - written);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return fail(ErrorCode::io_error, "signing_key", path + ": " + errno_text(errno));
    written += static_cast<size_t>(rc);
  }
  LC_ASSERT(written == text.size());
  return {};
}

// The PKCS#8 PEM text of `key`.
Result<std::string> private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return fail(ErrorCode::io_error, "signing_key", "out of memory");
  // PEM_write_bio_PrivateKey emits PKCS#8 ("BEGIN PRIVATE KEY") in OpenSSL 3; no cipher,
  // because the key file's protection is its mode (0600), like an SSH host key.
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return fail(ErrorCode::io_error, "signing_key", "cannot encode the private key as PEM");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  LC_ASSERT(size > 0 && data != nullptr);
  return std::string(data, static_cast<size_t>(size));
}

// fsync the folder so the new key file's directory entry survives a crash too.
void sync_parent_directory(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string folder = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the key file itself is already synced
  ::fsync(fd);
  ::close(fd);
}

// Creates `path` exclusively with mode 0600 and writes `pem` durably. On failure after
// the file was created, removes it so a half-written key is never left behind.
Result<void> write_key_file(const std::string& path, const std::string& pem) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    return fail(ErrorCode::already_exists, "signing_key",
                path + " exists; keys are never overwritten");
  }
  if (fd < 0) return fail(ErrorCode::io_error, "signing_key", path + ": " + errno_text(errno));
  FdCloser closer(fd);
  // The umask can only remove bits, but be exact: the key must not be group-readable.
  Result<void> written = ::fchmod(fd, 0600) == 0
                             ? write_all(fd, pem, path)
                             : fail(ErrorCode::io_error, "signing_key", path + ": chmod failed");
  if (written && ::fsync(fd) != 0) {
    written = fail(ErrorCode::io_error, "signing_key", path + ": fsync: " + errno_text(errno));
  }
  if (closer.close_now() != 0 && written) {
    written = fail(ErrorCode::io_error, "signing_key", path + ": close: " + errno_text(errno));
  }
  if (!written) {
    ::unlink(path.c_str());
    return written;
  }
  sync_parent_directory(path);
  return {};
}

Result<std::string> read_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return fail(ErrorCode::not_found, "signing_key", path + " does not exist");
  if (fd < 0) return fail(ErrorCode::io_error, "signing_key", path + ": " + errno_text(errno));
  FdCloser closer(fd);
  std::string text;
  char buffer[4096];
  while (text.size() <= kKeyFileSizeMax) {
    ssize_t rc = ::read(fd, buffer, sizeof buffer);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return fail(ErrorCode::io_error, "signing_key", path + ": " + errno_text(errno));
    if (rc == 0) return text;
    text.append(buffer, static_cast<size_t>(rc));
  }
  return fail(ErrorCode::corruption, "signing_key", path + " is too large to be a key file");
}

}  // namespace

struct Signer::State {
  PkeyPtr key;
};

Signer::Signer(std::unique_ptr<State> state) : state_(std::move(state)) {
  LC_ASSERT(state_ != nullptr && state_->key != nullptr);
}
Signer::~Signer() = default;
Signer::Signer(Signer&&) noexcept = default;
Signer& Signer::operator=(Signer&&) noexcept = default;

Result<Signer> Signer::create(const std::string& path) {
  // Refuse early (before generating a key) so the common mistake costs nothing; the
  // O_EXCL open in write_key_file is what actually guarantees no overwrite.
  if (::access(path.c_str(), F_OK) == 0) {
    return fail(ErrorCode::already_exists, "signing_key",
                path + " exists; keys are never overwritten");
  }
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return fail(ErrorCode::io_error, "signing_key", "Ed25519 key generation failed");
  auto pem = private_key_pem(key.get());
  if (!pem) return std::unexpected(pem.error());
  auto written = write_key_file(path, *pem);
  if (!written) return std::unexpected(written.error());
  auto state = std::make_unique<State>();
  state->key = std::move(key);
  return Signer(std::move(state));
}

Result<Signer> Signer::load(const std::string& path) {
  auto text = read_key_file(path);
  if (!text) return std::unexpected(text.error());
  BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  if (!bio) return fail(ErrorCode::io_error, "signing_key", "out of memory");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return fail(ErrorCode::corruption, "signing_key", path + " is not a PEM private key");
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return fail(ErrorCode::corruption, "signing_key", path + " is not an Ed25519 key");
  }
  auto state = std::make_unique<State>();
  state->key = std::move(key);
  return Signer(std::move(state));
}

PublicKey Signer::public_key() const {
  LC_ASSERT(state_ != nullptr);  // not a moved-from Signer
  PublicKey out{};
  size_t size = out.size();
  int rc = EVP_PKEY_get_raw_public_key(state_->key.get(), out.data(), &size);
  LC_ASSERT(rc == 1 && size == out.size());
  return out;
}

Signature Signer::sign(std::span<const uint8_t> message) const {
  LC_ASSERT(state_ != nullptr);  // not a moved-from Signer
  MdCtxPtr ctx(EVP_MD_CTX_new());
  LC_ASSERT(ctx != nullptr);
  // Ed25519 hashes internally (PureEdDSA), so no digest is named.
  int rc = EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, state_->key.get());
  LC_ASSERT(rc == 1);
  Signature out{};
  size_t size = out.size();
  rc = EVP_DigestSign(ctx.get(), out.data(), &size, message.data(), message.size());
  LC_ASSERT(rc == 1 && size == out.size());
  return out;
}

bool verify_signature(const PublicKey& key, std::span<const uint8_t> message,
                      const Signature& signature) {
  PkeyPtr public_key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  if (!public_key) return false;  // not a valid curve point
  MdCtxPtr ctx(EVP_MD_CTX_new());
  LC_ASSERT(ctx != nullptr);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, public_key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

}  // namespace livechain::journal
