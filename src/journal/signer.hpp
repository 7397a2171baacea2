// src/journal/signer.hpp
//
// Ed25519 signing of tree heads (OpenSSL libcrypto). The private key lives in a PEM
// file beside the database (mode 0600), never inside it, so whoever can rewrite the
// database cannot re-sign it. The public key is exported for consortium members.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>

#include "core/error.hpp"

namespace livechain::journal {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

class Signer {
 public:
  ~Signer();
  Signer(Signer&&) noexcept;
  Signer& operator=(Signer&&) noexcept;

  // Creates a new random key and writes it as PKCS#8 PEM to `path` with mode 0600.
  // Errors: already_exists when `path` exists (a key is never overwritten); io_error.
  static Result<Signer> create(const std::string& path);
  // Errors: not_found when missing; corruption when not an Ed25519 PEM private key.
  static Result<Signer> load(const std::string& path);

  PublicKey public_key() const;
  Signature sign(std::span<const uint8_t> message) const;

 private:
  struct State;
  explicit Signer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// True iff `signature` is a valid Ed25519 signature of `message` under `key`.
bool verify_signature(const PublicKey& key, std::span<const uint8_t> message,
                      const Signature& signature);

}  // namespace livechain::journal
