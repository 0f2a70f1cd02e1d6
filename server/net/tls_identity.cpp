// TLS context set-up and client-certificate identity.
#include "server/net/tls_identity.h"

#include <algorithm>

#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace rxgate::server {

namespace ssl = boost::asio::ssl;

void configure_server_tls(ssl::context& tls, const config& cfg) {
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  // TLS 1.2: forward-secret AEAD suites only; TLS 1.3 suites are all modern.
  SSL_CTX_set_cipher_list(ctx,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  // Resumption: a server-side session cache for TLS 1.2 and tickets (OpenSSL's default) for 1.3.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  static const unsigned char sid_context[] = "rxgate";
  SSL_CTX_set_session_id_context(ctx, sid_context, sizeof sid_context - 1);

  boost::system::error_code ec;
  tls.use_certificate_chain_file(cfg.tls_cert.string(), ec);
  if (ec) throw config_error("tls.cert: " + cfg.tls_cert.string() + ": " + ec.message());
  tls.use_private_key_file(cfg.tls_key.string(), ssl::context::pem, ec);
  if (ec) throw config_error("tls.key: " + cfg.tls_key.string() + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx) != 1) throw config_error("tls.key: does not match tls.cert");
  if (cfg.client_certificates != client_auth::off) {
    tls.load_verify_file(cfg.tls_ca.string(), ec);
    if (ec) throw config_error("tls.ca: " + cfg.tls_ca.string() + ": " + ec.message());
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(cfg.tls_ca.string().c_str()))
      SSL_CTX_set_client_CA_list(ctx, names);
    auto mode = ssl::verify_peer;
    if (cfg.client_certificates == client_auth::required) mode |= ssl::verify_fail_if_no_peer_cert;
    tls.set_verify_mode(mode);
  } else {
    tls.set_verify_mode(ssl::verify_none);
  }
}

peer_names read_peer(SSL* ssl) {
  peer_names p;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return p;
  p.present = true;
  if (X509_NAME* name = X509_get_subject_name(cert)) {
    if (BIO* bio = BIO_new(BIO_s_mem())) {
      X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
      char* data = nullptr;
      const long n = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));
      if (n > 0 && data) p.subject.assign(data, static_cast<std::size_t>(n));
      BIO_free(bio);
    }
    char cn[256];
    const int n = X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof cn);
    if (n > 0) p.common_name.assign(cn, static_cast<std::size_t>(n));
  }
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
      const ASN1_STRING* s = nullptr;
      if (gn->type == GEN_DNS) s = gn->d.dNSName;
      else if (gn->type == GEN_URI) s = gn->d.uniformResourceIdentifier;
      else if (gn->type == GEN_EMAIL) s = gn->d.rfc822Name;
      if (s)
        p.alt_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(names);
  }
  X509_free(cert);
  return p;
}

provider_scope scope_for(const std::vector<identity>& identities, const peer_names& peer,
                         const std::vector<std::string>& nobody) {
  provider_scope scope;
  if (!peer.present || identities.empty()) {
    scope.identity = peer.present ? "unmapped" : "none";
    return scope;  // unrestricted
  }
  for (const auto& id : identities) {
    bool match = false;
    if (!id.subject.empty()) match = id.subject == peer.subject || id.subject == peer.common_name;
    if (!match && !id.san.empty())
      match = std::find(peer.alt_names.begin(), peer.alt_names.end(), id.san) != peer.alt_names.end();
    if (match) {
      scope.identity = id.name;
      scope.providers = &id.providers;
      return scope;
    }
  }
  // A verified certificate that names no configured pharmacy may bill for nobody.
  scope.identity = "unknown";
  scope.providers = &nobody;
  return scope;
}

}  // namespace rxgate::server
