#include "tests/sql/db_fixture.h"

#include <pqxx/pqxx>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace rxgate::test {
namespace {

struct server_address {
  std::string host, port, user;
};

server_address test_server() {
  const char* dsn = std::getenv("RXGATE_TEST_DSN");
  pqxx::connection c(dsn ? dsn : "");
  return {c.hostname() ? c.hostname() : "", c.port() ? c.port() : "", c.username() ? c.username() : ""};
}

}  // namespace

std::string dsn_for_database(const std::string& name) {
  static const server_address server = test_server();
  std::string dsn = "dbname=" + name;
  if (!server.host.empty()) dsn += " host=" + server.host;
  if (!server.port.empty()) dsn += " port=" + server.port;
  if (!server.user.empty()) dsn += " user=" + server.user;
  return dsn;
}

std::string create_database(const std::string& name) {
  pqxx::connection admin(std::getenv("RXGATE_TEST_DSN"));
  pqxx::nontransaction n(admin);
  // Leftover sessions from a crashed earlier run would block DROP DATABASE.
  n.exec_params("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name);
  n.exec("DROP DATABASE IF EXISTS " + n.quote_name(name));
  n.exec("CREATE DATABASE " + n.quote_name(name));
  return dsn_for_database(name);
}

const std::string& fresh_database_dsn() {
  static const std::string dsn = [] {
    const char* env = std::getenv("RXGATE_TEST_DSN");
    if (!env || !*env) return std::string{};
    std::string d = create_database(std::string("rxgate_test_") + RXGATE_TEST_NAME);
    std::string report;
    const auto e = store::migrate(d, report);
    if (e) {
      std::fprintf(stderr, "migrate failed: %s\n", e.message.c_str());
      std::abort();
    }
    return d;
  }();
  return dsn;
}

std::string query_value(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  const auto r = n.exec(sql);
  if (r.empty()) return "";
  return r[0][0].is_null() ? "NULL" : r[0][0].as<std::string>();
}

void exec_sql(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  n.exec(sql);
}

codec::claim claim_factory::make(std::string_view code, std::string_view rx, codec::date dos,
                                 std::string_view cardholder, std::string_view provider,
                                 std::string_view product, std::int64_t quantity, int days_supply) {
  codec::claim c;
  c.bin = "610014";
  c.version = "D0";
  c.transaction_code = keep(std::string(code));
  c.pcn = "RXGTEST";
  c.provider_id_qualifier = "01";
  c.provider_id = keep(std::string(provider));
  c.software_id = "TEST";
  c.date_of_service = dos;
  c.has_insurance = true;
  c.cardholder_id = keep(std::string(cardholder));
  c.group_id = "GRP1";
  c.person_code = "001";
  c.has_claim = true;
  c.rx_qualifier = "1";
  c.rx_number = keep(std::string(rx));
  c.product_qualifier = "03";
  c.product_id = keep(std::string(product));
  c.fill_number = 0;
  c.quantity = quantity;
  c.days_supply = days_supply;
  c.prescriber_id_qualifier = "01";
  c.prescriber_id = "1999999984";
  return c;
}

std::uint64_t test_fingerprint(const codec::claim& c) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
    h = (h ^ 0xFF) * 1099511628211ull;
  };
  mix(c.product_id);
  mix(std::to_string(c.quantity.value_or(0)));
  mix(std::to_string(c.days_supply.value_or(0)));
  mix(c.cardholder_id);
  return h;
}

namespace {
void set_reject(rules::decision& d, const char* code) {
  d.status = 'R';
  d.rejects.items[0] = {};
  std::memcpy(d.rejects.items[0].code.data(), code, std::strlen(code));
  d.rejects.count = 1;
}
void pay(rules::decision& d, const codec::claim& c, std::uint64_t counter) {
  d.status = 'P';
  const std::string auth = "AUTH" + std::to_string(counter);
  std::memcpy(d.authorization_number.data(), auth.data(), auth.size());
  d.authorization_length = static_cast<std::uint8_t>(auth.size());
  codec::pricing p;
  p.ingredient_cost_paid = 1234;
  p.dispensing_fee_paid = 150;
  p.patient_pay = 500;
  p.total_paid = 884 + static_cast<std::int64_t>(c.quantity.value_or(0) / 1000);
  p.copay = 500;
  p.basis_of_reimbursement = "01";
  p.other_amounts[0] = {"01", 25};
  p.other_amount_count = 1;
  d.price = p;
  d.product_name = "TESTPRODUCT 10MG TAB";
  d.therapeutic_class = "STATINS";
  d.tier = 1;
}
}  // namespace

void decide(store::batch_entry& e) {
  static std::atomic<std::uint64_t> counter{1};
  const codec::claim& c = *e.claim;
  rules::decision d;
  d.plan_id = "DEMO";
  d.plan_version = 3;
  d.request_fingerprint = test_fingerprint(c);
  const auto& key = e.history.same_key;
  const bool active = key && key->status == 'P' && !key->reversed;
  if (c.transaction_code == "B1") {
    if (active && key->request_fingerprint == d.request_fingerprint) {
      d.status = 'D';
      std::memcpy(d.authorization_number.data(), key->authorization_number.data(),
                  key->authorization_number.size());
      d.authorization_length = static_cast<std::uint8_t>(key->authorization_number.size());
      d.price = key->price;
      d.replaces_claim_id = key->claim_id;
    } else if (active) {
      set_reject(d, "83");
    } else {
      pay(d, c, counter++);
    }
  } else if (c.transaction_code == "B2") {
    if (active) {
      d.status = 'A';
      d.replaces_claim_id = key->claim_id;
    } else if (key && key->status == 'P' && key->reversed) {
      d.status = 'S';
      d.replaces_claim_id = key->claim_id;
    } else {
      set_reject(d, "87");
    }
  } else if (c.transaction_code == "E1") {
    d.status = 'A';
  } else if (c.transaction_code == "B3") {
    if (active) {
      pay(d, c, counter++);
      d.replaces_claim_id = key->claim_id;
    } else {
      set_reject(d, "87");
    }
  }
  e.decision = d;
}

store::batch_entry entry_for(const codec::claim& c) {
  store::batch_entry e;
  e.claim = &c;
  e.request_bytes = "request";
  e.response_bytes = "response";
  e.source = "test";
  return e;
}

std::unique_ptr<store::claim_store> reconnecting_store(const std::string& dsn, std::chrono::milliseconds reconnect_min) {
  store::store_options o;
  o.dsn = dsn;
  o.reconnect_min = reconnect_min;
  return store::open_store(o);
}

std::vector<codec::claim> b1_claims(claim_factory& f, int count, int first_rx, codec::date dos) {
  std::vector<codec::claim> claims;
  for (int i = 0; i < count; ++i) claims.push_back(f.make("B1", std::to_string(first_rx + i), dos));
  return claims;
}

std::vector<store::batch_entry> entries_for(const std::vector<codec::claim>& claims) {
  std::vector<store::batch_entry> v;
  for (const auto& c : claims) v.push_back(entry_for(c));
  return v;
}

store::error run_batch(store::claim_store& s, std::span<store::batch_entry> entries,
                       std::unique_ptr<store::batch>* keep) {
  std::unique_ptr<store::batch> b;
  if (auto e = s.begin(b)) return e;
  if (auto e = b->load_history(entries)) return e;
  for (auto& e : entries) decide(e);
  // As the batcher does: insert and commit together unless an entry lost its key.
  bool committed = false;
  if (auto e = b->insert_and_commit(entries, committed)) return e;
  if (committed) {
    if (keep) *keep = std::move(b);
    return {};
  }
  // Entries that lost their key to another transaction: reload their history (it now shows the
  // winner) and decide again, until none is left.
  for (int round = 0; round < 8; ++round) {
    std::vector<store::batch_entry> again;
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].conflict) {
        again.push_back(entries[i]);
        where.push_back(i);
      }
    }
    if (again.empty()) break;
    if (auto e = b->load_history(again)) return e;
    for (auto& e : again) decide(e);
    if (auto e = b->insert(again)) return e;
    for (std::size_t k = 0; k < again.size(); ++k) entries[where[k]] = again[k];
  }
  const auto outcome = b->commit();
  if (keep) *keep = std::move(b);
  return outcome;
}

}  // namespace rxgate::test
