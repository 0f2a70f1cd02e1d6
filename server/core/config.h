// rxgate.toml: the server's configuration, loaded once at start-up into a plain struct.
//
// load_config() reads the TOML file, applies the environment overrides for secrets and
// deployment-specific values (RXGATE_DSN, RXGATE_TLS_CERT, RXGATE_TLS_KEY, RXGATE_TLS_CA,
// RXGATE_PLANS_DIR, RXGATE_LISTEN=host:port), resolves relative paths against the project root
// (the parent of the config file's folder: config/rxgate.toml -> .) and validates everything.
// Any problem throws config_error naming the key at fault ("tls.cert: file not found ...");
// unknown keys are errors too, so a typo never silently falls back to a default.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace rxgate::server {

class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Client certificate policy of the TLS listener.
enum class client_auth : std::uint8_t {
  off,       // no certificate requested; every claim may name any provider
  optional,  // requested and verified when sent; no certificate = no provider restriction
  required,  // the handshake fails without a certificate signed by tls.ca
};

// A client certificate identity and the service provider IDs (201-B1) it may bill for.
// It matches when `subject` equals the certificate's subject (RFC 2253 form, or just its CN), or
// `san` equals one of its DNS / URI / email subject alternative names.
struct identity {
  std::string name;  // for logs and metrics
  std::string subject;
  std::string san;
  std::vector<std::string> providers;
};

struct config {
  std::filesystem::path source;  // the file it came from
  std::filesystem::path root;    // what relative paths are resolved against

  // [server]
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8443;
  unsigned io_threads = 0;  // 0 = one per core
  std::uint16_t node_id = 1;  // 0..999, part of every authorization number
  std::size_t max_connections = 4096;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_pipelined = 32;  // requests read ahead on one connection
  // A request's first byte .. its last byte (headers and body); a slow client is cut off here.
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds shutdown_grace{30'000};  // SIGTERM: longest wait for in-flight work

  // [tls]
  std::filesystem::path tls_cert, tls_key, tls_ca;
  client_auth client_certificates = client_auth::optional;
  std::vector<identity> identities;  // [[tls.identity]]

  // [database]
  std::string dsn;
  std::chrono::milliseconds statement_timeout{1'000};
  std::chrono::milliseconds reconnect_min{100}, reconnect_max{2'000};
  // Longest a batch holds the writer connection (begin .. commit), enforced by rxgate itself:
  // past it the connection is abandoned and the batch answered 92 (never paid; a retransmit
  // finds what the database kept). Keep it under claim_budget.
  std::chrono::milliseconds write_deadline{1'000};

  // [batcher]
  std::size_t max_batch = 256;     // transactions per database transaction
  std::size_t max_queue = 8192;    // transmissions waiting; beyond it claims are answered 92
  std::size_t batch_workers = 2;   // [batcher] workers: batch workers, each with its own writer connection
  // [batcher] helper_depth: transmissions queued before workers other than the first take a
  // batch (batcher_options::helper_depth); 1 lets a second batch start whenever one waits.
  std::size_t helper_depth = 32;
  std::chrono::milliseconds claim_budget{1'500};  // a claim still queued after this is answered 92

  // [plans]
  std::filesystem::path plans_dir;

  // [status] threads: the technician status API's blocking pool, and the connections each of
  // its stores keeps (claims by id; searches, summaries and PAs; tokens and audit; worklist;
  // accumulators; PA reviews). A read waits on PostgreSQL a few times and ends with its audit
  // commit; more threads let reads overlap.
  std::size_t status_threads = 4;
  // [status] audit_commit: how the audit row of a read commits before the answer (see
  // store::access_options::audit). async (default): without waiting for its WAL flush, as an
  // access log; durable: after it. Claims and every change always commit durably.
  bool durable_read_audit = false;

  // [admin]
  std::string admin_token;  // bearer token for /v1/admin/*; empty = loopback peers only

  // [metrics] access: who may read GET /metrics (claim counts by BIN/PCN and reject code).
  // token (default): an operator or admin bearer token; loopback: peers on the loopback address
  // without a token, others with one; open: anyone who reaches the listener.
  enum class metrics_access : std::uint8_t { token, loopback, open };
  metrics_access metrics = metrics_access::token;

  // [log]
  std::string log_level = "info";
};

// Load, override from the environment, resolve and validate. Throws config_error.
config load_config(const std::filesystem::path& file);

// Parse "host:port" (IPv6 as "[::1]:8443"). Throws config_error naming `key`.
void parse_listen(const std::string& value, const std::string& key, std::string& host,
                  std::uint16_t& port);

}  // namespace rxgate::server
