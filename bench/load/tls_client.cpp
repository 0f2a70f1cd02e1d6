// Blocking Beast HTTPS client: tcp connect, TLS handshake with optional client certificate,
// HTTP/1.1 keep-alive requests.
#include "bench/load/tls_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <optional>
#include <stdexcept>

namespace rxgate::server {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

bool parse_https_url(std::string_view url, url_parts& out) {
  constexpr std::string_view scheme = "https://";
  if (url.substr(0, scheme.size()) != scheme) return false;
  url.remove_prefix(scheme.size());
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.empty()) return false;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') out.port = std::string(authority.substr(close + 2));
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  return !out.host.empty() && !out.port.empty();
}

struct tls_client::impl {
  client_options options;
  net::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  SSL_SESSION* session = nullptr;  // kept for resumption on the next connect
  bool reused = false;

  ~impl() {
    if (session) SSL_SESSION_free(session);
  }
};

tls_client::tls_client(const client_options& options) : impl_(std::make_unique<impl>()) {
  impl_->options = options;
  auto& ctx = impl_->ctx;
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_CLIENT);
  beast::error_code ec;
  if (!options.ca_file.empty()) {
    ctx.load_verify_file(options.ca_file, ec);
    if (ec) throw std::runtime_error("--ca " + options.ca_file + ": " + ec.message());
  } else {
    ctx.set_default_verify_paths(ec);
  }
  if (!options.cert_file.empty()) {
    ctx.use_certificate_chain_file(options.cert_file, ec);
    if (ec) throw std::runtime_error("--cert " + options.cert_file + ": " + ec.message());
    ctx.use_private_key_file(options.key_file.empty() ? options.cert_file : options.key_file, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("--key " + options.key_file + ": " + ec.message());
  }
  ctx.set_verify_mode(options.verify ? ssl::verify_peer : ssl::verify_none);
}

tls_client::~tls_client() = default;

boost::system::error_code tls_client::connect(const std::string& host, const std::string& port,
                                              const std::string& server_name) {
  auto& i = *impl_;
  i.buffer.clear();
  i.stream.emplace(i.ioc, i.ctx);
  beast::error_code ec;
  tcp::resolver resolver(i.ioc);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return ec;
  beast::get_lowest_layer(*i.stream).socket().open(endpoints.begin()->endpoint().protocol(), ec);
  if (ec) return ec;
  // Blocking calls have no Beast timeout: the socket's own receive/send timeouts bound them.
  const auto ms = i.options.io_timeout.count();
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  const int fd = beast::get_lowest_layer(*i.stream).socket().native_handle();
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  beast::get_lowest_layer(*i.stream).socket().connect(endpoints.begin()->endpoint(), ec);
  if (ec) return ec;
  beast::get_lowest_layer(*i.stream).socket().set_option(tcp::no_delay(true), ec);
  const std::string& name = server_name.empty() ? host : server_name;
  SSL* ssl = i.stream->native_handle();
  // SSL_set_tlsext_host_name() is a macro with a C cast.
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str()));
  if (i.options.verify) {
    SSL_set1_host(ssl, name.c_str());
  }
  if (i.session) SSL_set_session(ssl, i.session);
  i.stream->handshake(ssl::stream_base::client, ec);
  if (ec) return ec;
  i.reused = SSL_session_reused(ssl) == 1;
  return {};
}

boost::system::error_code tls_client::write_raw(std::string_view bytes) {
  beast::error_code ec;
  if (!impl_->stream) return net::error::not_connected;
  net::write(*impl_->stream, net::buffer(bytes.data(), bytes.size()), ec);
  return ec;
}

boost::system::result<http_reply> tls_client::read_reply() {
  auto& i = *impl_;
  if (!i.stream) return boost::system::error_code(net::error::not_connected);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  beast::error_code ec;
  http::read(*i.stream, i.buffer, parser, ec);
  if (ec) return ec;
  auto res = parser.release();
  http_reply reply;
  reply.status = res.result_int();
  reply.content_type = std::string(res[http::field::content_type]);
  reply.keep_alive = res.keep_alive();
  reply.body = std::move(res.body());
  return reply;
}

boost::system::result<http_reply> tls_client::post(std::string_view target, std::string_view body,
                                                   std::string_view content_type) {
  http::request<http::string_body> req{http::verb::post, std::string(target), 11};
  req.set(http::field::host, "rxgate");
  req.set(http::field::user_agent, "rxgate-submit");
  req.set(http::field::content_type, content_type);
  req.body() = std::string(body);
  req.prepare_payload();
  beast::error_code ec;
  if (!impl_->stream) return boost::system::error_code(net::error::not_connected);
  http::write(*impl_->stream, req, ec);
  if (ec) return ec;
  return read_reply();
}

boost::system::result<http_reply> tls_client::get(std::string_view target) {
  http::request<http::empty_body> req{http::verb::get, std::string(target), 11};
  req.set(http::field::host, "rxgate");
  req.set(http::field::user_agent, "rxgate-submit");
  beast::error_code ec;
  if (!impl_->stream) return boost::system::error_code(net::error::not_connected);
  http::write(*impl_->stream, req, ec);
  if (ec) return ec;
  return read_reply();
}

bool tls_client::session_reused() const { return impl_->reused; }

void tls_client::close() {
  auto& i = *impl_;
  if (!i.stream) return;
  if (SSL_SESSION* s = SSL_get1_session(i.stream->native_handle())) {
    if (i.session) SSL_SESSION_free(i.session);
    i.session = s;
  }
  beast::error_code ec;
  i.stream->shutdown(ec);
  beast::get_lowest_layer(*i.stream).socket().close(ec);
  i.stream.reset();
}

}  // namespace rxgate::server
