// Loading rxgate.toml (toml11): every key is read with its type checked and its full dotted name
// kept, so that an error can always say which key is wrong.
#include "server/core/config.h"

#include <toml.hpp>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <thread>

namespace rxgate::server {
namespace {

[[noreturn]] void fail(const std::string& key, const std::string& why) {
  throw config_error(key + ": " + why);
}

// A TOML table and the dotted name it was found under; reading a key marks it as known so that
// the leftovers can be reported as unknown.
class table_reader {
 public:
  table_reader(const toml::value& v, std::string prefix) : prefix_(std::move(prefix)) {
    if (!v.is_table()) fail(prefix_, "must be a table");
    table_ = &v.as_table();
  }

  std::string name(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  const toml::value* get(const std::string& key) {
    seen_.insert(key);
    auto it = table_->find(key);
    return it == table_->end() ? nullptr : &it->second;
  }

  void string(const std::string& key, std::string& out) {
    if (const auto* v = get(key)) {
      if (!v->is_string()) fail(name(key), "must be a string");
      out = v->as_string().str;
    }
  }
  template <class Int>
  void integer(const std::string& key, Int& out, long long min, long long max) {
    if (const auto* v = get(key)) {
      if (!v->is_integer()) fail(name(key), "must be an integer");
      const auto n = v->as_integer();
      if (n < min || n > max)
        fail(name(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
      out = static_cast<Int>(n);
    }
  }
  void millis(const std::string& key, std::chrono::milliseconds& out, long long min = 1) {
    long long ms = out.count();
    integer(key, ms, min, 24LL * 3600 * 1000);
    out = std::chrono::milliseconds{ms};
  }
  void strings(const std::string& key, std::vector<std::string>& out) {
    if (const auto* v = get(key)) {
      if (!v->is_array()) fail(name(key), "must be an array of strings");
      out.clear();
      for (const auto& item : v->as_array()) {
        if (!item.is_string()) fail(name(key), "must be an array of strings (IDs keep their leading zeros only as strings)");
        out.push_back(item.as_string().str);
      }
    }
  }
  void finish() const {
    for (const auto& [key, value] : *table_)
      if (!seen_.contains(key)) fail(name(key), "unknown key");
  }

 private:
  const toml::table* table_ = nullptr;
  std::string prefix_;
  std::set<std::string> seen_;
};

std::filesystem::path resolve(const std::filesystem::path& root, const std::string& p) {
  if (p.empty()) return {};
  std::filesystem::path path{p};
  return path.is_absolute() ? path : (root / path).lexically_normal();
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

void require_file(const std::filesystem::path& p, const std::string& key) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec))
    fail(key, "file not found: " + p.string() + " (make development certificates with config/tls/make-dev-certs.sh .local/tls)");
  std::ifstream probe(p);
  if (!probe) fail(key, "cannot read " + p.string());
}

}  // namespace

void parse_listen(const std::string& value, const std::string& key, std::string& host,
                  std::uint16_t& port) {
  std::string h;
  std::string p;
  if (!value.empty() && value.front() == '[') {
    auto close = value.find(']');
    if (close == std::string::npos || close + 1 >= value.size() || value[close + 1] != ':')
      fail(key, "must be host:port, e.g. 127.0.0.1:8443 or [::1]:8443");
    h = value.substr(1, close - 1);
    p = value.substr(close + 2);
  } else {
    auto colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0) fail(key, "must be host:port, e.g. 127.0.0.1:8443");
    h = value.substr(0, colon);
    p = value.substr(colon + 1);
  }
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
    fail(key, "port must be a number between 0 and 65535");
  const long n = std::stol(p);
  if (n > 65535) fail(key, "port must be a number between 0 and 65535");
  host = h;
  port = static_cast<std::uint16_t>(n);
}

config load_config(const std::filesystem::path& file) {
  config c;
  std::error_code ec;
  c.source = std::filesystem::absolute(file, ec);
  if (!std::filesystem::is_regular_file(c.source, ec))
    throw config_error(file.string() + ": config file not found");
  c.root = c.source.parent_path().parent_path();

  toml::value doc;
  try {
    doc = toml::parse(c.source.string());
  } catch (const std::exception& e) {
    throw config_error(std::string("syntax error: ") + e.what());
  }

  table_reader top(doc, "");
  std::string listen = c.listen_host + ":" + std::to_string(c.listen_port);
  std::string tls_cert = ".local/tls/server.crt", tls_key = ".local/tls/server.key",
              tls_ca = ".local/tls/ca.crt", plans_dir = "config/plans";

  if (const auto* v = top.get("server")) {
    table_reader t(*v, "server");
    t.string("listen", listen);
    t.integer("io_threads", c.io_threads, 0, 256);
    t.integer("node_id", c.node_id, 0, 999);
    t.integer("max_connections", c.max_connections, 1, 1'000'000);
    t.integer("max_body_bytes", c.max_body_bytes, 1024, 16 * 1024 * 1024);
    t.integer("max_header_bytes", c.max_header_bytes, 1024, 1024 * 1024);
    t.integer("max_pipelined", c.max_pipelined, 1, 1024);
    t.millis("request_timeout_ms", c.request_timeout);
    t.millis("idle_timeout_ms", c.idle_timeout);
    t.millis("handshake_timeout_ms", c.handshake_timeout);
    t.millis("shutdown_grace_ms", c.shutdown_grace);
    t.finish();
  }
  std::string client_certs = "optional";
  if (const auto* v = top.get("tls")) {
    table_reader t(*v, "tls");
    t.string("cert", tls_cert);
    t.string("key", tls_key);
    t.string("ca", tls_ca);
    t.string("client_certificates", client_certs);
    if (const auto* ids = t.get("identity")) {
      if (!ids->is_array()) fail("tls.identity", "must be an array of tables ([[tls.identity]])");
      std::size_t i = 0;
      for (const auto& item : ids->as_array()) {
        const std::string key = "tls.identity[" + std::to_string(i++) + "]";
        table_reader it(item, key);
        identity id;
        it.string("name", id.name);
        it.string("subject", id.subject);
        it.string("san", id.san);
        it.strings("providers", id.providers);
        it.finish();
        if (id.subject.empty() && id.san.empty()) fail(key, "needs `subject` or `san`");
        if (id.providers.empty()) fail(key + ".providers", "must list at least one service provider ID");
        for (const auto& p : id.providers)
          if (p.empty() || p.size() > 15) fail(key + ".providers", "a provider ID has 1 to 15 characters");
        if (id.name.empty()) id.name = !id.subject.empty() ? id.subject : id.san;
        c.identities.push_back(std::move(id));
      }
    }
    t.finish();
  }
  if (client_certs == "off") c.client_certificates = client_auth::off;
  else if (client_certs == "optional") c.client_certificates = client_auth::optional;
  else if (client_certs == "required") c.client_certificates = client_auth::required;
  else fail("tls.client_certificates", "must be \"off\", \"optional\" or \"required\"");

  if (const auto* v = top.get("database")) {
    table_reader t(*v, "database");
    t.string("dsn", c.dsn);
    t.millis("statement_timeout_ms", c.statement_timeout);
    t.millis("reconnect_min_ms", c.reconnect_min);
    t.millis("reconnect_max_ms", c.reconnect_max);
    t.millis("write_deadline_ms", c.write_deadline);
    t.finish();
  }
  if (const auto* v = top.get("batcher")) {
    table_reader t(*v, "batcher");
    t.integer("max_batch", c.max_batch, 1, 4096);
    t.integer("max_queue", c.max_queue, 1, 1'000'000);
    t.integer("workers", c.batch_workers, 1, 8);
    t.integer("helper_depth", c.helper_depth, 1, 1'000'000);
    t.millis("claim_budget_ms", c.claim_budget);
    t.finish();
  }
  if (const auto* v = top.get("plans")) {
    table_reader t(*v, "plans");
    t.string("dir", plans_dir);
    t.finish();
  }
  if (const auto* v = top.get("status")) {
    table_reader t(*v, "status");
    t.integer("threads", c.status_threads, 1, 32);
    std::string audit_commit = "async";
    t.string("audit_commit", audit_commit);
    t.finish();
    if (audit_commit == "async") c.durable_read_audit = false;
    else if (audit_commit == "durable") c.durable_read_audit = true;
    else fail("status.audit_commit", "must be \"async\" or \"durable\"");
  }
  if (const auto* v = top.get("admin")) {
    table_reader t(*v, "admin");
    t.string("token", c.admin_token);
    t.finish();
  }
  if (const auto* v = top.get("metrics")) {
    table_reader t(*v, "metrics");
    std::string access = "token";
    t.string("access", access);
    t.finish();
    if (access == "token") c.metrics = config::metrics_access::token;
    else if (access == "loopback") c.metrics = config::metrics_access::loopback;
    else if (access == "open") c.metrics = config::metrics_access::open;
    else fail("metrics.access", "must be \"token\", \"loopback\" or \"open\"");
  }
  if (const auto* v = top.get("log")) {
    table_reader t(*v, "log");
    t.string("level", c.log_level);
    t.finish();
  }
  top.finish();

  // Environment overrides: secrets and per-deployment values never have to live in the file.
  std::string listen_key = "server.listen";
  if (const char* e = env("RXGATE_LISTEN")) { listen = e; listen_key = "RXGATE_LISTEN"; }
  std::string cert_key = "tls.cert", key_key = "tls.key", ca_key = "tls.ca", plans_key = "plans.dir";
  if (const char* e = env("RXGATE_TLS_CERT")) { tls_cert = e; cert_key = "RXGATE_TLS_CERT"; }
  if (const char* e = env("RXGATE_TLS_KEY")) { tls_key = e; key_key = "RXGATE_TLS_KEY"; }
  if (const char* e = env("RXGATE_TLS_CA")) { tls_ca = e; ca_key = "RXGATE_TLS_CA"; }
  if (const char* e = env("RXGATE_PLANS_DIR")) { plans_dir = e; plans_key = "RXGATE_PLANS_DIR"; }
  if (const char* e = env("RXGATE_DSN")) c.dsn = e;

  parse_listen(listen, listen_key, c.listen_host, c.listen_port);
  c.tls_cert = resolve(c.root, tls_cert);
  c.tls_key = resolve(c.root, tls_key);
  c.tls_ca = resolve(c.root, tls_ca);
  c.plans_dir = resolve(c.root, plans_dir);

  require_file(c.tls_cert, cert_key);
  require_file(c.tls_key, key_key);
  if (c.client_certificates != client_auth::off) require_file(c.tls_ca, ca_key);
  if (!c.identities.empty() && c.client_certificates == client_auth::off)
    fail("tls.identity", "identities need tls.client_certificates = \"optional\" or \"required\"");
  if (!std::filesystem::is_directory(c.plans_dir, ec))
    fail(plans_key, "not a folder: " + c.plans_dir.string());
  if (c.dsn.empty()) fail("database.dsn", "no database: set RXGATE_DSN or database.dsn");
  if (c.reconnect_min > c.reconnect_max) fail("database.reconnect_min_ms", "must not exceed reconnect_max_ms");
  static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!levels.contains(c.log_level)) fail("log.level", "must be one of trace debug info warn error critical off");
  if (c.io_threads == 0) c.io_threads = std::max(1u, std::thread::hardware_concurrency());
  return c;
}

}  // namespace rxgate::server
