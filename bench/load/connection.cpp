#include "bench/load/connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

namespace rxgate::load {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

bool iequals_prefix(std::string_view line, std::string_view lower_name) noexcept {
  if (line.size() < lower_name.size()) return false;
  for (std::size_t i = 0; i < lower_name.size(); ++i) {
    char c = line[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_name[i]) return false;
  }
  return true;
}

unsigned status_of(std::string_view head) noexcept {
  if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return 0;
  const auto sp = head.find(' ');
  if (sp == std::string_view::npos || sp + 3 >= head.size()) return 0;
  return static_cast<unsigned>((head[sp + 1] - '0') * 100 + (head[sp + 2] - '0') * 10 + (head[sp + 3] - '0'));
}

}  // namespace

http_frame read_http_frame(std::string_view bytes, std::size_t max_body) noexcept {
  http_frame f;
  const auto head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return f;
  const auto head = bytes.substr(0, head_end + 2);
  f.status = status_of(head);
  std::size_t length = 0;
  bool have_length = false;
  for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos && pos + 2 < head.size();) {
    const auto next = head.find("\r\n", pos + 2);
    const auto line = head.substr(pos + 2, next - pos - 2);
    if (iequals_prefix(line, "content-length:")) {
      have_length = true;
      for (char c : line.substr(15))
        if (c >= '0' && c <= '9') length = length * 10 + static_cast<std::size_t>(c - '0');
    }
    pos = next;
  }
  if (!f.status || !have_length || length > max_body) {
    f.result = http_frame::state::bad;
    return f;
  }
  if (bytes.size() < head_end + 4 + length) return f;
  f.result = http_frame::state::complete;
  f.body = bytes.substr(head_end + 4, length);
  f.size = head_end + 4 + length;
  return f;
}

connection::connection(connection_events& owner, asio::io_context& io, ssl::context& tls, std::size_t pipeline)
    : owner_(owner), io_(io), tls_(tls), retry_(io), slots_(std::max<std::size_t>(1, pipeline)) {
  stream_.emplace(io_, tls_);
}

bool connection::connect(const tcp::resolver::results_type& endpoints, const std::string& host, bool verify,
                         std::string& why) {
  endpoints_ = endpoints;
  host_ = host;
  verify_ = verify;
  boost::system::error_code ec;
  asio::connect(stream_->next_layer(), endpoints, ec);
  if (ec) {
    why = "connect " + host + ": " + ec.message();
    return false;
  }
  if (!set_up_tls()) {
    why = "cannot set SNI";
    return false;
  }
  stream_->handshake(ssl::stream_base::client, ec);
  if (ec) {
    why = "TLS handshake with " + host + ": " + ec.message();
    return false;
  }
  open_ = true;
  writing_.reserve(64 * 1024);
  pending_.reserve(64 * 1024);
  return true;
}

bool connection::set_up_tls() {
  boost::system::error_code ignored;
  stream_->next_layer().set_option(tcp::no_delay(true), ignored);
  // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
  if (!SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                const_cast<char*>(host_.c_str())))
    return false;
  if (verify_) stream_->set_verify_callback(ssl::host_name_verification(host_));
  return true;
}

void connection::reconnect_after(std::chrono::milliseconds delay) {
  if (stopped_ || open_) return;
  retry_.expires_after(delay);
  retry_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    stream_.emplace(io_, tls_);
    asio::async_connect(stream_->next_layer(), endpoints_,
                        [this](const boost::system::error_code& connect_ec, const tcp::endpoint&) {
                          if (stopped_) return;
                          if (connect_ec) return owner_.on_reconnected(*this, false);
                          start_handshake();
                        });
  });
}

void connection::start_handshake() {
  if (!set_up_tls()) return owner_.on_reconnected(*this, false);
  stream_->async_handshake(ssl::stream_base::client, [this](const boost::system::error_code& ec) {
    if (stopped_) return;
    if (ec) {
      boost::system::error_code ignored;
      stream_->next_layer().close(ignored);
      return owner_.on_reconnected(*this, false);
    }
    // Whatever the old connection held is gone with it: its requests were reported lost.
    head_ = in_flight_ = in_used_ = 0;
    writing_.clear();
    pending_.clear();
    write_busy_ = false;
    open_ = true;
    owner_.on_reconnected(*this, true);
  });
}

void connection::send(std::string_view bytes, const claim_spec& spec, const expectation& e, std::uint64_t intended) {
  auto& sl = slots_[(head_ + in_flight_) % slots_.size()];
  sl.spec = spec;
  sl.expect = e;
  sl.intended = intended;
  ++in_flight_;
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  if (!write_busy_) write_next();
}

// Requests queued while a write is under way go out together in the next one.
void connection::write_next() {
  if (pending_.empty() || !open_) return;
  std::swap(writing_, pending_);
  write_busy_ = true;
  asio::async_write(*stream_, asio::buffer(writing_), [this](const boost::system::error_code& ec, std::size_t) {
    write_busy_ = false;
    writing_.clear();
    if (ec) return fail(ec);
    write_next();
  });
}

void connection::start_reading() {
  if (!open_) return;
  stream_->async_read_some(asio::buffer(in_.data() + in_used_, in_.size() - in_used_),
                          [this](const boost::system::error_code& ec, std::size_t n) { on_read(ec, n); });
}

void connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (ec) return fail(ec);
  in_used_ += n;
  std::size_t consumed = 0;
  while (true) {
    const auto frame = read_http_frame({in_.data() + consumed, in_used_ - consumed}, in_.size() / 2);
    if (frame.result == http_frame::state::bad) return fail(asio::error::invalid_argument);
    if (frame.result == http_frame::state::incomplete) break;
    consumed += frame.size;
    if (in_flight_ == 0) return fail(asio::error::invalid_argument);  // an answer nobody asked for
    auto& sl = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --in_flight_;
    owner_.on_answer(sl, frame.status, frame.body);
  }
  if (consumed) {
    std::memmove(in_.data(), in_.data() + consumed, in_used_ - consumed);
    in_used_ -= consumed;
  }
  if (in_used_ == in_.size()) return fail(asio::error::message_size);
  owner_.on_ready(*this);
  start_reading();
}

void connection::lose_in_flight() {
  while (in_flight_) {
    owner_.on_lost(slots_[head_]);
    head_ = (head_ + 1) % slots_.size();
    --in_flight_;
  }
}

void connection::fail(const boost::system::error_code& ec) {
  if (!open_) return;
  // End of stream with or without TLS close_notify: rxgate's idle timeout sends one, other
  // servers (Beast's stream timeout, a proxy) close the socket without it.
  const bool closed_by_peer = ec == asio::error::eof || ec == ssl::error::stream_truncated;
  if (closed_by_peer && in_flight_ == 0 && !write_busy_ && pending_.empty()) owner_.on_idle_close();
  else if (ec != asio::error::operation_aborted) owner_.on_transport_error();
  open_ = false;
  lose_in_flight();
  boost::system::error_code ignored;
  stream_->next_layer().close(ignored);
  owner_.on_closed(*this);
}

void connection::close() {
  stopped_ = true;
  retry_.cancel();
  boost::system::error_code ignored;
  if (!open_) {
    stream_->next_layer().close(ignored);  // a reconnect under way ends here
    return;
  }
  open_ = false;
  lose_in_flight();
  stream_->next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_->next_layer().close(ignored);
}

}  // namespace rxgate::load
