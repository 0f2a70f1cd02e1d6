// Pharmacy identity through mutual TLS: certificates map to the service provider IDs they may
// bill for (config [[tls.identity]]); anything else is refused at the handshake or rejected 50.
#include <gtest/gtest.h>

#include "tests/server/harness.h"

namespace rxgate::test {
namespace {

class mtls : public suite_gateway<mtls> {
 public:
  static constexpr const char* suite_name = "mtls";
  static void configure(config_text& c) {
    c.tls_extra = "client_certificates = \"required\"\n";
    c.tail =
        "[[tls.identity]]\nname = \"demo-pharmacy\"\nsubject = \"demo-pharmacy\"\nproviders = [\"1111111112\"]\n"
        "[[tls.identity]]\nname = \"other-pharmacy\"\nsan = \"other-pharmacy.rxgate.test\"\nproviders = [\"4444444446\"]\n";
  }

 protected:
  // True when the server answered an HTTP request on a connection made with `o`.
  static bool answered(const server::client_options& o) {
    client c(gateway_->port(), o);
    if (c.connect_error()) return false;  // TLS 1.2 fails here
    auto a = c.submit(b1(alex(), {{next_rx(), "90001001201"}}));
    return a.http != 0;  // TLS 1.3 learns of the refusal on its first read
  }
};

TEST_F(mtls, no_client_certificate_is_refused) { EXPECT_FALSE(answered(client_for())); }

TEST_F(mtls, certificate_from_an_unknown_ca_is_refused) { EXPECT_FALSE(answered(client_for("rogue-client"))); }

TEST_F(mtls, pharmacy_bills_for_its_own_provider_id) {
  client c(gateway_->port(), client_for("client-demo"));
  ASSERT_FALSE(c.connect_error()) << c.connect_error().message();
  auto a = c.submit(b1(demo_member(2), {{next_rx(), "90001001201"}}));
  ASSERT_TRUE(a.decoded);
  EXPECT_EQ(a.status(), 'P') << a.rejects();
}

TEST_F(mtls, claim_for_another_pharmacy_is_rejected_50_and_counted) {
  client c(gateway_->port(), client_for("client-other"));
  ASSERT_FALSE(c.connect_error()) << c.connect_error().message();
  const auto rx = next_rx();
  auto a = c.submit(b1(alex(), {{rx, "90001001201"}}, demo_pharmacy));
  ASSERT_TRUE(a.decoded);
  EXPECT_EQ(a.status(), 'R');
  EXPECT_TRUE(a.has_reject("50")) << a.rejects();
  // Recorded like any other reject.
  EXPECT_EQ(query_value(*dsn_, "SELECT count(*) FROM claims WHERE rx_number = '" + rx + "' AND status = 'R'"), "1");

  client metrics_client(gateway_->port(), client_for("client-demo"));
  auto m = metrics_client.raw().get("/metrics");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(metric_value(m.value().body, "rxgate_identity_rejects_total{identity=\"other-pharmacy\"}"), 1);
}

}  // namespace
}  // namespace rxgate::test
