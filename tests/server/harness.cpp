// Test support for the server tests (see harness.h).
#include "tests/server/harness.h"

#include <pqxx/pqxx>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>

#include "codec/writer.h"
#include "sql/store.h"

namespace rxgate::test {

using namespace codec::literals;
namespace fs = std::filesystem;

std::string admin_dsn() {
  const char* e = std::getenv("RXGATE_TEST_DSN");
  return e ? e : "";
}

std::string create_database(const std::string& name, const std::string& server_dsn) {
  pqxx::connection admin(server_dsn);
  pqxx::nontransaction n(admin);
  n.exec_params("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name);
  n.exec("DROP DATABASE IF EXISTS " + n.quote_name(name));
  n.exec("CREATE DATABASE " + n.quote_name(name));
  std::string dsn = "dbname=" + name;
  if (admin.hostname()) dsn += std::string(" host=") + admin.hostname();
  if (admin.port()) dsn += std::string(" port=") + admin.port();
  if (admin.username()) dsn += std::string(" user=") + admin.username();
  std::string report;
  if (auto err = store::migrate(dsn, report)) {
    ADD_FAILURE() << "migrate " << name << ": " << err.message;
  }
  return dsn;
}

std::string query_value(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  auto r = n.exec(sql);
  if (r.empty()) return "";
  return r[0][0].is_null() ? "NULL" : r[0][0].c_str();
}

fs::path source_root() { return fs::path(RXGATE_SOURCE_ROOT); }

fs::path make_temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("rxgate-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

const fs::path& tls_dir() {
  static const fs::path dir = [] {
    auto d = make_temp_dir("tls");
    const std::string cmd = "'" + (source_root() / "config/tls/make-dev-certs.sh").string() + "' '" + d.string() +
                            "' 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "make-dev-certs.sh failed";
    return d;
  }();
  return dir;
}

fs::path write_config(const fs::path& dir, const config_text& c) {
  fs::create_directories(dir / "config");
  const auto path = dir / "config" / "rxgate.toml";
  std::ofstream f(path);
  const auto& t = tls_dir();
  f << "[server]\nlisten = \"127.0.0.1:0\"\nio_threads = 2\n" << c.server_extra << "\n"
    << "[tls]\ncert = \"" << (t / "server.crt").string() << "\"\nkey = \"" << (t / "server.key").string()
    << "\"\nca = \"" << (t / "ca.crt").string() << "\"\n" << c.tls_extra << "\n"
    << "[database]\ndsn = \"" << c.dsn << "\"\n" << c.database_extra << "\n"
    << "[batcher]\n" << c.batcher_extra << "\n"
    << "[plans]\ndir = \"" << (c.plans_dir.empty() ? (source_root() / "config/plans").string() : c.plans_dir) << "\"\n"
    << "[metrics]\n" << c.metrics_extra << "\n"
    << "[log]\nlevel = \"warn\"\n"
    << c.tail;
  return path;
}

running_gateway::running_gateway(server::config cfg) {
  gateway_ = std::make_unique<server::gateway>(std::move(cfg), server::gateway::options{false});
  port_ = gateway_->port();
  thread_ = std::thread([this] { gateway_->run(); });
}

running_gateway::~running_gateway() {
  gateway_->stop();
  thread_.join();
}

member alex() { return {"DEMO1001", "001", "19700315", "1", "ALEX", "SAMPLE"}; }
member morgan() { return {"DEMO1002", "001", "19581130", "2", "MORGAN", "EXAMPLE"}; }
member chris() { return {"DEMO1009", "001", "19920202", "1", "CHRIS", "ALLERGIC"}; }
member nobody() { return {"DEMO9999", "001", "19700101", "1", "NO", "MEMBER"}; }
member hdhp_single() {
  return {"HDHP3001", "001", "19750909", "1", "QUINN", "SINGLEDEMO", "HDHP01", "610997", "RXGHDHP"};
}
member demo_member(std::size_t i) {
  static const member members[] = {
      {"DEMO1001", "001", "19700315", "1", "ALEX", "SAMPLE"},     {"DEMO1001", "002", "19720820", "2", "JORDAN", "SAMPLE"},
      {"DEMO1002", "001", "19581130", "2", "MORGAN", "EXAMPLE"},  {"DEMO1003", "001", "19851212", "1", "RILEY", "TESTCASE"},
      {"DEMO1003", "002", "19870105", "2", "AVERY", "TESTCASE"},  {"DEMO1004", "001", "19450722", "1", "TAYLOR", "PLACEHOLDER"},
      {"DEMO1008", "001", "19681010", "2", "JAMIE", "SECONDARY"}, {"DEMO1010", "001", "19770707", "2", "ROBIN", "SPECIALTY"},
      {"DEMO1011", "001", "19660606", "1", "LEE", "DIABETIC"},    {"DEMO1016", "001", "19400101", "1", "ELLIS", "SENIOR"},
  };
  return members[i % std::size(members)];
}

codec::date today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return codec::date{static_cast<std::int16_t>(tm.tm_year + 1900), static_cast<std::uint8_t>(tm.tm_mon + 1),
                     static_cast<std::uint8_t>(tm.tm_mday)};
}

std::string today_text() {
  std::array<char, 8> buf{};
  return std::string(codec::format_date(today(), buf));
}

namespace {

void insurance_and_patient(codec::writer& w, const member& m, bool with_patient = true) {
  w.segment(codec::segment_id::insurance)
      .field("C2"_fid, m.cardholder)
      .field("C1"_fid, m.group)
      .field("C3"_fid, m.person)
      .field("C6"_fid, m.person == "001" ? "1" : "2");
  if (with_patient)
    w.segment(codec::segment_id::patient)
        .field("C4"_fid, m.dob)
        .field("C5"_fid, m.gender)
        .field("CA"_fid, m.first)
        .field("CB"_fid, m.last);
}

codec::request_header_values header(const member& m, std::string_view code, std::string_view provider, int count) {
  codec::request_header_values h;
  h.bin = m.bin;
  h.transaction_code = code;
  h.pcn = m.pcn;
  h.count = count;
  h.provider_id = provider;
  h.date_of_service = today();
  return h;
}

}  // namespace

std::string b1(const member& m, const std::vector<line_item>& items, std::string_view provider, std::string_view code) {
  std::string buf(8192, '\0');
  codec::writer w(buf);
  codec::write_request_header(w, header(m, code, provider, static_cast<int>(items.size())));
  insurance_and_patient(w, m);
  for (const auto& it : items) {
    w.group();
    w.segment(codec::segment_id::claim)
        .field("EM"_fid, "1")
        .field("D2"_fid, it.rx)
        .field("E1"_fid, "03")
        .field("D7"_fid, it.ndc)
        .number("E7"_fid, static_cast<std::uint64_t>(it.quantity) * 1000)
        .field("D3"_fid, "0")
        .number("D5"_fid, static_cast<std::uint64_t>(it.days))
        .field("D6"_fid, "1")
        .field("D8"_fid, it.daw)
        .date_field("DE"_fid, today())
        .field("DF"_fid, "5")
        .field("DJ"_fid, "1");
    w.segment(codec::segment_id::prescriber).field("EZ"_fid, "01").field("DB"_fid, "1234567893");
    w.segment(codec::segment_id::pricing)
        .money("D9"_fid, it.ingredient_cents)
        .money("DC"_fid, 175)
        .money("DQ"_fid, it.ingredient_cents + 1175)
        .money("DU"_fid, it.ingredient_cents + 175)
        .field("DN"_fid, "01");
  }
  EXPECT_TRUE(w.ok());
  return std::string(w.view());
}

std::string b2(const member& m, std::string_view rx, std::string_view ndc, std::string_view provider) {
  std::string buf(4096, '\0');
  codec::writer w(buf);
  codec::write_request_header(w, header(m, "B2", provider, 1));
  insurance_and_patient(w, m, false);
  w.group();
  w.segment(codec::segment_id::claim)
      .field("EM"_fid, "1")
      .field("D2"_fid, rx)
      .field("E1"_fid, "03")
      .field("D7"_fid, ndc)
      .field("D3"_fid, "0");
  EXPECT_TRUE(w.ok());
  return std::string(w.view());
}

std::string e1(const member& m, std::string_view provider) {
  std::string buf(4096, '\0');
  codec::writer w(buf);
  codec::write_request_header(w, header(m, "E1", provider, 1));
  insurance_and_patient(w, m);
  EXPECT_TRUE(w.ok());
  return std::string(w.view());
}

std::string as_f6(std::string_view d0) {
  EXPECT_GE(d0.size(), 56u);
  EXPECT_EQ(d0.substr(6, 2), "D0");
  std::string f6 = "F6";
  f6 += d0.substr(8, 2);                    // 103-A3
  f6 += d0.substr(0, 6);                    // 101-A1, left-justified in 8
  f6 += "  ";
  f6 += d0.substr(10, 46);                  // 104-A4 .. 110-AK as in D.0
  for (char ch : d0.substr(56))
    if (ch != '\x1d') f6 += ch;             // one transaction, no group separator
  return f6;
}

std::string next_rx() {
  static std::atomic<std::uint64_t> n{200000};
  return std::to_string(n.fetch_add(1));
}

std::string answer::rejects(std::size_t i) const {
  std::string s;
  if (!response) return s;
  for (const auto& r : tx(i).rejects) {
    if (!s.empty()) s += ' ';
    s += r.code_view();
  }
  return s;
}

void decode_answer(answer& a) {
  a.message = std::make_unique<codec::message>();
  a.response = std::make_unique<codec::response>();
  auto err = codec::decode(a.bytes, *a.message);
  a.decoded = !err && a.message->kind == codec::message_kind::response &&
              codec::read_response(*a.message, *a.response, a.scratch);
}

server::client_options client_for(const std::string& cert_name) {
  server::client_options o;
  o.ca_file = (tls_dir() / "ca.crt").string();
  if (!cert_name.empty()) {
    o.cert_file = (tls_dir() / (cert_name + ".crt")).string();
    o.key_file = (tls_dir() / (cert_name + ".key")).string();
  }
  return o;
}

client::client(std::uint16_t port, const server::client_options& o) : tls_(o) {
  connect_error_ = tls_.connect("127.0.0.1", std::to_string(port), "localhost");
}

answer answer_of(server::http_reply reply) {
  answer a;
  a.http = reply.status;
  a.bytes = std::move(reply.body);
  decode_answer(a);
  return a;
}

answer client::submit(std::string_view d0) {
  auto r = tls_.post("/ncpdp", d0);
  if (!r) return {};
  return answer_of(std::move(r.value()));
}

std::pair<unsigned, std::string> https_get(std::uint16_t port, std::string_view target) {
  server::tls_client c(client_for());
  if (auto ec = c.connect("127.0.0.1", std::to_string(port), "localhost")) return {0, ec.message()};
  auto r = c.get(target);
  if (!r) return {0, r.error().message()};
  return {r.value().status, r.value().body};
}

std::pair<unsigned, std::string> https_post(std::uint16_t port, std::string_view target, std::string_view body,
                                            std::string_view content_type) {
  server::tls_client c(client_for());
  if (auto ec = c.connect("127.0.0.1", std::to_string(port), "localhost")) return {0, ec.message()};
  auto r = c.post(target, body, content_type);
  if (!r) return {0, r.error().message()};
  return {r.value().status, r.value().body};
}

double metric_value(const std::string& metrics, std::string_view series) {
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

}  // namespace rxgate::test
