// `rxgate submit --url URL [--ca F] [--cert F --key F] [--raw | --json] FILE|-`: send one D.0
// transmission to a gateway and print its answer: by default one plain line per transaction
// (status, authorization, rejects with their names, message lines), --raw the response bytes,
// --json the JSON of the response (codec/json.h).
//
// Input files may start with "# " comment lines (the layout of config/samples and the test
// vectors); they are skipped, as is a final newline (server/cli/input_file.h).
// A certificate that does not verify gets a hint at --ca.
// Exit codes: 0 answered (whatever the adjudication); 1 transport or TLS failure, non-200 HTTP;
// 2 the file cannot be read or the answer is not a D.0 response.
#include <CLI/CLI.hpp>

#include <array>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "codec/decode.h"
#include "codec/json.h"
#include "codec/response.h"
#include "rules/reject_catalog.h"
#include "server/cli/command.h"
#include "server/cli/input_file.h"
#include "bench/load/tls_client.h"

namespace rxgate::cli {
namespace {

struct submit_args {
  std::string url, ca, cert, key, file = "-";
  bool raw = false, json = false, insecure = false;
};

// The handshake failed because the server's certificate chain or name did not verify: the usual
// cause is a private CA (the development certificates) that the client was not given.
bool certificate_not_verified(const boost::system::error_code& ec) {
  return ec.category() == boost::asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

void print_plain(std::ostream& os, const codec::response& r) {
  os << "response " << r.transaction_code << "  header status " << r.header_status << "  provider "
     << r.provider_id << "  transactions " << int{r.transaction_count} << "\n";
  if (!r.message.empty()) os << "  message: " << r.message << "\n";
  for (std::size_t i = 0; i < r.transaction_count; ++i) {
    const auto& t = r.transactions[i];
    os << "transaction " << i + 1 << ": status " << t.status;
    if (!t.authorization_number.empty()) os << "  authorization " << t.authorization_number;
    if (!t.rx_number.empty()) os << "  rx " << t.rx_number;
    os << "\n";
    for (const auto& rej : t.rejects) {
      const auto* info = rules::find_reject(rej.code_view());
      os << "  reject " << rej.code_view();
      if (info) os << " " << info->short_name;
      if (rej.occurrence) os << " (occurrence " << int{rej.occurrence} << ")";
      os << "\n";
    }
    if (t.price) {
      const auto money = [](std::int64_t cents) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%lld.%02lld", cents < 0 ? "-" : "", std::llabs(cents) / 100,
                      std::llabs(cents) % 100);
        return std::string(buf);
      };
      os << "  paid: total " << money(t.price->total_paid) << "  patient pays " << money(t.price->patient_pay)
         << "  ingredient " << money(t.price->ingredient_cost_paid) << "  fee " << money(t.price->dispensing_fee_paid);
      if (t.price->other_payer_recognized) os << "  other payers " << money(*t.price->other_payer_recognized);
      os << "\n";
      // The plan year's accumulators as answered (517-FH, 512-FC, 513-FD, 514-FE, 520-FK).
      const auto& p = *t.price;
      if (p.deductible_applied || p.accumulated_deductible || p.remaining_benefit || p.over_benefit_maximum) {
        os << " ";
        if (p.deductible_applied) os << " deductible applied " << money(*p.deductible_applied);
        if (p.accumulated_deductible) os << "  accumulated " << money(*p.accumulated_deductible);
        if (p.remaining_deductible) os << "  remaining " << money(*p.remaining_deductible);
        if (p.remaining_benefit) os << "  remaining benefit " << money(*p.remaining_benefit);
        if (p.over_benefit_maximum) os << "  over benefit maximum " << money(*p.over_benefit_maximum);
        os << "\n";
      }
    }
    for (std::size_t k = 0; k < t.approved_message_count; ++k) os << "  approved message " << t.approved_messages[k] << "\n";
    for (std::size_t k = 0; k < t.text_count; ++k) os << "  message: " << t.texts[k] << "\n";
    for (std::size_t k = 0; k < t.dur_count; ++k) os << "  DUR: " << t.dur[k].reason << " " << t.dur[k].free_text << "\n";
    if (!t.help_desk_phone.empty()) os << "  help desk: " << t.help_desk_phone << "\n";
  }
}

int run_submit(const submit_args& a) {
  server::url_parts url;
  if (!server::parse_https_url(a.url, url)) {
    std::fprintf(stderr, "rxgate submit: --url must be https://host:port/path\n");
    return 2;
  }
  const auto in = std::make_unique<input_file>();
  if (std::string why; !read_input(a.file, *in, why)) {
    std::fprintf(stderr, "rxgate submit: %s\n", why.c_str());
    return 2;
  }
  const std::string payload(in->payload());
  server::client_options opts;
  opts.ca_file = a.ca;
  opts.cert_file = a.cert;
  opts.key_file = a.key;
  opts.verify = !a.insecure;
  server::tls_client client(opts);  // throws on unreadable files: reported by main
  if (auto ec = client.connect(url.host, url.port)) {
    std::fprintf(stderr, "rxgate submit: %s:%s: %s\n", url.host.c_str(), url.port.c_str(), ec.message().c_str());
    if (certificate_not_verified(ec)) {
      if (a.ca.empty())
        std::fprintf(stderr, "rxgate submit: the server's certificate is not signed by a CA this system trusts; "
                             "pass --ca FILE with the CA that signed it (the development CA: .local/tls/ca.crt, made by config/tls/make-dev-certs.sh)\n");
      else
        std::fprintf(stderr, "rxgate submit: the server's certificate did not verify against --ca %s; check that it "
                             "is the CA that signed the server's certificate and that the host name in --url is "
                             "one the certificate names\n", a.ca.c_str());
    }
    return 1;
  }
  auto reply = client.post(url.target, payload);
  if (!reply) {
    std::fprintf(stderr, "rxgate submit: %s\n", reply.error().message().c_str());
    return 1;
  }
  client.close();
  if (reply->status != 200) {
    std::fprintf(stderr, "rxgate submit: HTTP %u: %s\n", reply->status, reply->body.c_str());
    return 1;
  }
  if (a.raw) {
    std::fwrite(reply->body.data(), 1, reply->body.size(), stdout);
    return 0;
  }
  auto m = std::make_unique<codec::message>();
  if (auto e = codec::decode(reply->body, *m); e || m->kind != codec::message_kind::response) {
    std::fprintf(stderr, "rxgate submit: the answer is not a D.0 response\n");
    return 2;
  }
  if (a.json) {
    std::string out;
    codec::response_to_json(*m, out);
    std::cout << out << "\n";
    return 0;
  }
  auto r = std::make_unique<codec::response>();
  std::array<char, 4096> scratch;
  codec::read_response(*m, *r, scratch);
  print_plain(std::cout, *r);
  return 0;
}

const command_registrar submit_registration{[](CLI::App& app) {
  auto a = std::make_shared<submit_args>();
  auto* cmd = app.add_subcommand("submit", "Send a D.0 claim to a gateway over HTTPS and print the response");
  cmd->add_option("--url", a->url, "https://host:port/ncpdp")->required();
  cmd->add_option("--ca", a->ca, "CA certificate that signed the server's certificate");
  cmd->add_option("--cert", a->cert, "client certificate (mutual TLS)");
  cmd->add_option("--key", a->key, "client private key (defaults to --cert)");
  cmd->add_flag("--insecure", a->insecure, "do not verify the server certificate");
  auto* raw = cmd->add_flag("--raw", a->raw, "print the response bytes as received");
  cmd->add_flag("--json", a->json, "print the response as JSON")->excludes(raw);
  cmd->add_option("file", a->file, "D.0 transmission file, or - for stdin")->capture_default_str();
  cmd->callback([a] { set_exit_code(run_submit(*a)); });
}};

}  // namespace
}  // namespace rxgate::cli
