// A small blocking HTTPS client (Beast over OpenSSL) for `rxgate submit` and the server tests.
//
// One object is one connection: connect(), then any number of requests (keep-alive), or raw
// bytes for tests that misbehave on purpose. Every call returns an error code instead of
// throwing; only the constructor throws (unreadable certificate files: a start-up error).
// Blocking reads give up after `io_timeout` so that a test can never hang forever.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace rxgate::server {

struct client_options {
  std::string ca_file;    // trust anchors; empty = the system store
  std::string cert_file;  // client certificate (mutual TLS), optional
  std::string key_file;
  bool verify = true;     // verify the server certificate and its name
  std::chrono::milliseconds io_timeout{30'000};
};

struct http_reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  bool keep_alive = true;
};

struct url_parts {
  std::string host, port = "443", target = "/";
};
// Parses https://host[:port][/path]. Returns false when it is not such a URL.
bool parse_https_url(std::string_view url, url_parts& out);

class tls_client {
 public:
  explicit tls_client(const client_options& options);
  ~tls_client();
  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  // TCP connect and TLS handshake. `server_name` (SNI and name check) defaults to `host`.
  boost::system::error_code connect(const std::string& host, const std::string& port,
                                    const std::string& server_name = {});
  boost::system::result<http_reply> post(std::string_view target, std::string_view body,
                                         std::string_view content_type = "application/octet-stream");
  boost::system::result<http_reply> get(std::string_view target);

  // Raw access for protocol tests.
  boost::system::error_code write_raw(std::string_view bytes);
  boost::system::result<http_reply> read_reply();
  // True when the TLS session of the last handshake was resumed.
  bool session_reused() const;
  // Close (TLS close_notify, then TCP); keeps the TLS session for a resumed reconnect.
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rxgate::server
