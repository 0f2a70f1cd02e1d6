// TLS for the gateway (internal to server/net): the server context from [tls], and who a client
// is: the names in its verified certificate, mapped to the pharmacies it may bill for.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "server/core/config.h"
#include "server/pipeline/batcher.h"

struct ssl_st;

namespace rxgate::server {

// TLS 1.2/1.3 with forward-secret AEAD suites, server-side resumption, the certificate and key
// of `cfg`, and client certificates verified against tls.ca as tls.client_certificates asks.
// Start-up only: throws config_error naming the key at fault.
void configure_server_tls(boost::asio::ssl::context& tls, const config& cfg);

// The peer certificate's names, as identities are matched against them.
struct peer_names {
  bool present = false;
  std::string subject;  // RFC 2253
  std::string common_name;
  std::vector<std::string> alt_names;
};

// The names of the verified peer certificate of `ssl` (present = false without one).
peer_names read_peer(ssl_st* ssl);

// The first [[tls.identity]] whose subject (or common name) or subjectAltName matches `peer`.
// No certificate, or no identities configured: unrestricted. A certificate that matches none:
// `nobody` (an empty list), so it may bill for no pharmacy. The returned scope points into
// `identities` or `nobody`, which must outlive it.
provider_scope scope_for(const std::vector<identity>& identities, const peer_names& peer,
                         const std::vector<std::string>& nobody);

}  // namespace rxgate::server
