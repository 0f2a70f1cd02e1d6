#include "server/status/auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace rxgate::server {

bool principal::may_see(std::string_view provider_id) const noexcept {
  if (sees_every_pharmacy()) return true;
  // Only a technician is scoped by its list; a reviewer reads no claims, whatever its token lists.
  if (role != store::access_role::technician) return false;
  return std::find(pharmacies.begin(), pharmacies.end(), provider_id) != pharmacies.end();
}

std::string principal::actor() const { return "token:" + std::to_string(token_id) + ":" + name; }

std::string make_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return {};
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token = "rxg_";
  // base64url without padding: 32 bytes -> 43 characters.
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      token.push_back(alphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) token.push_back(alphabet[(acc << (6 - bits)) & 0x3F]);
  return token;
}

store::token_digest digest_of(std::string_view token) noexcept {
  store::token_digest d{};
  unsigned int n = 0;
  // EVP_Digest with SHA-256 cannot fail on valid arguments short of memory exhaustion; a zero
  // digest then matches no stored token (the table's digests come from the same function).
  EVP_Digest(token.data(), token.size(), d.data(), &n, EVP_sha256(), nullptr);
  return d;
}

std::string_view bearer_token(std::string_view authorization) noexcept {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != scheme[i]) return {};
  }
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return token;
}

std::string_view unauthorized_message(auth_result r) noexcept {
  return r == auth_result::expired ? "token expired" : "a valid bearer token is required";
}

std::string_view unauthorized_challenge(auth_result r) noexcept {
  return r == auth_result::expired ? R"(Bearer realm="rxgate", error="invalid_token", error_description="token expired")"
                                   : R"(Bearer realm="rxgate")";
}

std::optional<std::chrono::seconds> parse_token_lifetime(std::string_view text) noexcept {
  if (text.size() < 2 || text.size() > 8) return std::nullopt;
  std::int64_t n = 0;
  for (char ch : text.substr(0, text.size() - 1)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + (ch - '0');
  }
  std::int64_t minutes = 0;
  switch (text.back()) {
    case 'd': minutes = n * 24 * 60; break;
    case 'h': minutes = n * 60; break;
    case 'm': minutes = n; break;
    default: return std::nullopt;
  }
  if (minutes < 1 || minutes > std::int64_t{3650} * 24 * 60) return std::nullopt;
  return std::chrono::seconds(minutes * 60);
}

auth_result authenticate(store::access_store& tokens, std::string_view authorization, principal& out,
                         store::error& why) {
  const auto token = bearer_token(authorization);
  if (token.empty()) return auth_result::missing;
  if (token.size() > max_token_size) return auth_result::invalid;
  std::optional<store::token_identity> found;
  why = tokens.find_token(digest_of(token), found);
  if (why) return auth_result::unavailable;
  if (!found) return auth_result::invalid;
  if (found->expired) return auth_result::expired;
  out.token_id = found->id;
  out.name = std::move(found->name);
  out.role = found->role;
  out.pharmacies = std::move(found->pharmacies);
  return auth_result::ok;
}

}  // namespace rxgate::server
