// Transmissions: decode, validate and scope a request; answer it without the database.
#include "server/pipeline/transmission.h"

#include <algorithm>

#include "rules/transmission.h"

namespace rxgate::server {

using namespace codec::literals;

bool provider_scope::allows(std::string_view provider_id) const noexcept {
  if (!providers) return true;
  return std::find(providers->begin(), providers->end(), provider_id) != providers->end();
}

bool transmission::try_take() noexcept {
  auto expected = state::queued;
  return status.compare_exchange_strong(expected, state::taken);
}

bool transmission::try_expire() noexcept {
  auto expected = state::queued;
  return status.compare_exchange_strong(expected, state::expired);
}

void prepare(transmission& t, const provider_scope& scope) noexcept {
  auto err = codec::decode(t.request, t.message);
  if (!err && t.message.kind != codec::message_kind::request)
    err = codec::decode_error{codec::errc::unknown_kind, 0};
  if (err) {
    codec::validate_decode_failure(t.message, err, t.request, t.validation);
    t.validation.transmission_rejected = true;
    return;
  }
  codec::validate(t.message, t.validation);
  if (t.validation.transmission_rejected) return;
  for (std::uint8_t i = 0; i < t.validation.claim_count; ++i) {
    auto& c = t.validation.claims[i];
    if (!scope.allows(c.provider_id)) {
      // 50 Non-Matched Pharmacy Number: the certificate may not bill for this provider.
      c.rejects.push("50", "B1"_fid);
      ++t.identity_rejects;
    }
  }
}

void build_host_reject(transmission& t, std::string_view code) noexcept {
  codec::response r;
  rules::respond_host_reject(t.message, t.validation, code, r);
  for (std::uint8_t i = 0; i < r.transaction_count; ++i) t.statuses[i] = 'R';
  if (!rules::write_response(r, t.response)) t.response.clear();
}

bool has_syntax_rejects(const transmission& t, const codec::claim& c) noexcept {
  return !rules::decided_by_rules(t.validation, c);
}

}  // namespace rxgate::server
