// Shared by the server tests: a fresh database per executable, development TLS material, a
// gateway running in-process (or the real binary), D.0 claims built with codec/writer.h, and
// a TLS client that decodes the answers.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "codec/decode.h"
#include "codec/numeric.h"
#include "codec/response.h"
#include "server/core/config.h"
#include "server/net/gateway.h"
#include "bench/load/tls_client.h"

namespace rxgate::test {

// RXGATE_TEST_DSN, or empty.
std::string admin_dsn();
// Drops and creates database `name` on the RXGATE_TEST_DSN server, migrates it, returns its DSN.
std::string create_database(const std::string& name, const std::string& server_dsn = admin_dsn());
// First column of the first row as text ("" when no row); test checks only.
std::string query_value(const std::string& dsn, const std::string& sql);

#define RXGATE_REQUIRE_DB()                                                                    \
  do {                                                                                         \
    if (::rxgate::test::admin_dsn().empty())                                                   \
      GTEST_SKIP() << "RXGATE_TEST_DSN is not set: deploy/pg.sh start, then "                  \
                      "export RXGATE_TEST_DSN=$(deploy/pg.sh dsn)";                            \
  } while (0)

// The project root, and development TLS material made once per process in a temporary folder
// by config/tls/make-dev-certs.sh.
std::filesystem::path source_root();
const std::filesystem::path& tls_dir();
// A fresh, empty temporary folder (removed at exit is not guaranteed).
std::filesystem::path make_temp_dir(const std::string& name);

// Writes rxgate.toml into `dir`/config with absolute paths and returns the loaded config.
// `extra` is appended to the [server] table; `tls_extra` replaces the client certificate part
// of [tls]; `tail` is appended at the end (e.g. [[tls.identity]] tables).
struct config_text {
  std::string dsn;
  std::string plans_dir;  // default: config/plans of the project
  std::string server_extra;
  std::string tls_extra = "client_certificates = \"optional\"\n";
  std::string batcher_extra;
  std::string database_extra;
  // Tests read /metrics from 127.0.0.1 without a token; the default ("token") has its own test.
  std::string metrics_extra = "access = \"loopback\"\n";
  std::string tail;
};
std::filesystem::path write_config(const std::filesystem::path& dir, const config_text& c);

// A gateway serving on an ephemeral port in this process, on its own threads.
class running_gateway {
 public:
  explicit running_gateway(server::config cfg);
  ~running_gateway();
  std::uint16_t port() const { return port_; }
  server::gateway& get() { return *gateway_; }

 private:
  std::unique_ptr<server::gateway> gateway_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

// Claims for the demo plan (config/plans/demo), date of service today (UTC).
struct member {
  std::string cardholder, person = "001", dob, gender, first, last, group = "DEMO01";
  std::string bin = "610999", pcn = "RXGDEMO";  // another plan's claims set these
};
member alex();     // DEMO1001/001, covered
member morgan();   // DEMO1002/001, covered
member chris();    // DEMO1009/001, allergic to penicillins
member nobody();   // not in the plan
member demo_member(std::size_t i);  // a covered member from the demo plan, by index (0..9)
member hdhp_single();  // HDHP3001/001 of the high-deductible demo plan (config/plans/hdhp-demo)

struct line_item {
  std::string rx, ndc;
  int quantity = 30, days = 30;
  std::int64_t ingredient_cents = 300;
  std::string daw = "0";  // 408-D8
};

inline constexpr std::string_view demo_pharmacy = "1111111112";
inline constexpr std::string_view other_pharmacy = "4444444446";
inline constexpr std::string_view atorvastatin_20 = "90001000102";

codec::date today();
std::string today_text();
std::string b1(const member& m, const std::vector<line_item>& items, std::string_view provider = demo_pharmacy,
               std::string_view code = "B1");
std::string b2(const member& m, std::string_view rx, std::string_view ndc, std::string_view provider = demo_pharmacy);
std::string e1(const member& m, std::string_view provider = demo_pharmacy);
// The same one-transaction request in F6: the 58-byte header (102-A2 first, the BIN in the
// 8-character 101-A1) and no group separator (codec/f6_frame.h).
std::string as_f6(std::string_view d0);
// A fresh Rx number, unique in this process.
std::string next_rx();

// A decoded D.0 answer.
struct answer {
  unsigned http = 0;
  std::string bytes;
  std::unique_ptr<codec::message> message;
  std::unique_ptr<codec::response> response;
  std::array<char, 4096> scratch{};
  bool decoded = false;

  const codec::response_transaction& tx(std::size_t i = 0) const { return response->transactions[i]; }
  char status(std::size_t i = 0) const { return tx(i).status; }
  bool has_reject(std::string_view code, std::size_t i = 0) const { return tx(i).rejects.contains(code); }
  std::string rejects(std::size_t i = 0) const;  // "79 88" for messages
};
// Decodes `bytes` as a D.0 response into `a`.
void decode_answer(answer& a);
// An HTTP reply as an answer: its status and body, decoded.
answer answer_of(server::http_reply reply);

server::client_options client_for(const std::string& cert_name = "");

// One connection, one or more requests.
class client {
 public:
  explicit client(std::uint16_t port, const server::client_options& o = client_for());
  boost::system::error_code connect_error() const { return connect_error_; }
  // POST /ncpdp; `a.http == 0` on a transport error.
  answer submit(std::string_view d0);
  server::tls_client& raw() { return tls_; }

 private:
  server::tls_client tls_;
  boost::system::error_code connect_error_;
};

// A test suite with one fresh database (rxgate_server_<Suite::suite_name>) and one in-process
// gateway for all its tests (CRTP: `class s : public suite_gateway<s>`); Suite::configure(c)
// says what differs from the defaults (the DSN is filled in after). Skipped without a database.
// A suite that needs more around its gateway than a configuration (status_api_test: a log sink
// before it starts, a changed log level, tokens after) sets itself up.
template <class Suite>
class suite_gateway : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (admin_dsn().empty()) return;
    dsn_ = new std::string(create_database(std::string("rxgate_server_") + Suite::suite_name));
    config_text c;
    Suite::configure(c);
    c.dsn = *dsn_;
    gateway_ = new running_gateway(server::load_config(write_config(make_temp_dir(Suite::suite_name), c)));
  }
  static void TearDownTestSuite() {
    delete gateway_;
    gateway_ = nullptr;
    delete dsn_;
    dsn_ = nullptr;
  }
  void SetUp() override { RXGATE_REQUIRE_DB(); }

  static inline std::string* dsn_ = nullptr;
  static inline running_gateway* gateway_ = nullptr;
};

// GET over a new connection; returns {status, body} or {0, error}.
std::pair<unsigned, std::string> https_get(std::uint16_t port, std::string_view target);
std::pair<unsigned, std::string> https_post(std::uint16_t port, std::string_view target, std::string_view body,
                                            std::string_view content_type = "application/octet-stream");

// The value of one Prometheus sample line ("name{labels}") in `metrics`, or -1 when absent.
double metric_value(const std::string& metrics, std::string_view series);

}  // namespace rxgate::test
