// rxgate.toml: a bad configuration refuses to start and names the key at fault; environment
// overrides win over the file; relative paths resolve against the project root.
#include "server/core/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/server/harness.h"

namespace rxgate::test {
namespace {

namespace fs = std::filesystem;

class config : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("RXGATE_LISTEN");
    ::unsetenv("RXGATE_DSN");
    dir_ = make_temp_dir("config-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  }
  void TearDown() override {
    ::unsetenv("RXGATE_LISTEN");
    ::unsetenv("RXGATE_DSN");
  }

  // A valid configuration plus `extra` appended (a table or keys at the end).
  fs::path write(const std::string& server_extra, const std::string& tail = "") {
    config_text c;
    c.dsn = "postgresql://127.0.0.1:1/none";
    c.server_extra = server_extra;
    c.tail = tail;
    return write_config(dir_, c);
  }

  // The config_error message of loading `path`, or "" when it loads.
  static std::string error_of(const fs::path& path) {
    try {
      server::load_config(path);
      return "";
    } catch (const server::config_error& e) {
      return e.what();
    }
  }

  fs::path dir_;
};

TEST_F(config, a_valid_file_loads_with_its_values) {
  auto c = server::load_config(write("node_id = 7\nmax_body_bytes = 2048\n"));
  EXPECT_EQ(c.node_id, 7);
  EXPECT_EQ(c.max_body_bytes, 2048u);
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 0);
  EXPECT_EQ(c.io_threads, 2u);
  EXPECT_EQ(c.client_certificates, server::client_auth::optional);
}

TEST_F(config, unknown_key_is_named) {
  EXPECT_NE(error_of(write("max_conections = 5\n")).find("server.max_conections: unknown key"), std::string::npos);
}

TEST_F(config, wrong_type_and_range_are_named) {
  EXPECT_NE(error_of(write("max_connections = \"many\"\n")).find("server.max_connections: must be an integer"), std::string::npos);
  EXPECT_NE(error_of(write("node_id = 5000\n")).find("server.node_id: must be between"), std::string::npos);
}

TEST_F(config, batch_workers_default_to_two_and_a_bad_count_is_named) {
  EXPECT_EQ(server::load_config(write("")).batch_workers, 2u);
  config_text c;
  c.dsn = "postgresql://127.0.0.1:1/none";
  c.batcher_extra = "workers = 9\n";
  auto msg = error_of(write_config(dir_, c));
  EXPECT_NE(msg.find("batcher.workers: must be between 1 and 8"), std::string::npos) << msg;
  c.batcher_extra = "workers = 3\n";
  EXPECT_EQ(server::load_config(write_config(dir_, c)).batch_workers, 3u);
}

// [batcher] helper_depth (issue 14): 32 by default; 1 and 1,000,000 are the edges, 0 and one past refused.
TEST_F(config, helper_depth_defaults_to_32_and_stays_between_1_and_a_million) {
  EXPECT_EQ(server::load_config(write("")).helper_depth, 32u);
  config_text c;
  c.dsn = "postgresql://127.0.0.1:1/none";
  for (const auto& [text, want] : {std::pair{"1", 1u}, std::pair{"2", 2u}, std::pair{"1000000", 1'000'000u}}) {
    c.batcher_extra = std::string("helper_depth = ") + text + "\n";
    EXPECT_EQ(server::load_config(write_config(dir_, c)).helper_depth, want) << text;
  }
  for (const char* text : {"0", "1000001", "-1"}) {
    c.batcher_extra = std::string("helper_depth = ") + text + "\n";
    const auto msg = error_of(write_config(dir_, c));
    EXPECT_NE(msg.find("batcher.helper_depth: must be between 1 and 1000000"), std::string::npos) << text << ": " << msg;
  }
}

// [status] threads (issue 15, part 4): 4 by default; 1 and 32 are the edges, 0 and 33 refused.
TEST_F(config, status_threads_default_to_four_and_stay_between_1_and_32) {
  EXPECT_EQ(server::load_config(write("")).status_threads, 4u);
  EXPECT_EQ(server::load_config(write("", "[status]\nthreads = 1\n")).status_threads, 1u);
  EXPECT_EQ(server::load_config(write("", "[status]\nthreads = 32\n")).status_threads, 32u);
  EXPECT_NE(error_of(write("", "[status]\nthreads = 0\n")).find("status.threads: must be between 1 and 32"),
            std::string::npos);
  EXPECT_NE(error_of(write("", "[status]\nthreads = 33\n")).find("status.threads: must be between 1 and 32"),
            std::string::npos);
  EXPECT_NE(error_of(write("", "[status]\nthread = 2\n")).find("status.thread: unknown key"), std::string::npos);
}

TEST_F(config, read_audit_commits_async_by_default_and_durably_on_request) {
  EXPECT_FALSE(server::load_config(write("")).durable_read_audit);
  EXPECT_FALSE(server::load_config(write("", "[status]\naudit_commit = \"async\"\n")).durable_read_audit);
  EXPECT_TRUE(server::load_config(write("", "[status]\naudit_commit = \"durable\"\n")).durable_read_audit);
  EXPECT_NE(error_of(write("", "[status]\naudit_commit = \"off\"\n")).find("status.audit_commit: must be"),
            std::string::npos);
}

// The writer's deadline (issue 17): inside the claim budget by default; 1 ms is the least.
TEST_F(config, write_deadline_defaults_inside_the_claim_budget_and_a_bad_value_is_named) {
  const auto c = server::load_config(write(""));
  EXPECT_EQ(c.write_deadline, std::chrono::milliseconds(1000));
  EXPECT_LT(c.write_deadline, c.claim_budget);
  config_text t;
  t.dsn = "postgresql://127.0.0.1:1/none";
  t.database_extra = "write_deadline_ms = 1\n";
  EXPECT_EQ(server::load_config(write_config(dir_, t)).write_deadline, std::chrono::milliseconds(1));
  t.database_extra = "write_deadline_ms = 0\n";
  auto msg = error_of(write_config(dir_, t));
  EXPECT_NE(msg.find("database.write_deadline_ms: must be between 1 and"), std::string::npos) << msg;
}

// /metrics is operator data: a token unless [metrics] access says otherwise; a bad value is named.
TEST_F(config, metrics_access_defaults_to_token_and_a_bad_value_is_named) {
  config_text c;
  c.dsn = "postgresql://127.0.0.1:1/none";
  c.metrics_extra = "";
  EXPECT_EQ(server::load_config(write_config(dir_, c)).metrics, server::config::metrics_access::token);
  c.metrics_extra = "access = \"loopback\"\n";
  EXPECT_EQ(server::load_config(write_config(dir_, c)).metrics, server::config::metrics_access::loopback);
  c.metrics_extra = "access = \"open\"\n";
  EXPECT_EQ(server::load_config(write_config(dir_, c)).metrics, server::config::metrics_access::open);
  c.metrics_extra = "access = \"anyone\"\n";
  auto msg = error_of(write_config(dir_, c));
  EXPECT_NE(msg.find("metrics.access: must be"), std::string::npos) << msg;
  c.metrics_extra = "listen = \"127.0.0.1:9464\"\n";
  msg = error_of(write_config(dir_, c));
  EXPECT_NE(msg.find("metrics.listen: unknown key"), std::string::npos) << msg;
}

TEST_F(config, identity_without_providers_is_named) {
  auto msg = error_of(write("", "[[tls.identity]]\nsubject = \"x\"\n"));
  EXPECT_NE(msg.find("tls.identity[0].providers"), std::string::npos) << msg;
}

TEST_F(config, syntax_error_refuses_to_start) {
  auto path = write("");
  std::ofstream(path, std::ios::app) << "\n[server\n";
  EXPECT_NE(error_of(path).find("syntax error"), std::string::npos);
}

TEST_F(config, missing_certificate_names_the_key_and_the_env_override_wins) {
  auto path = write("");
  ::setenv("RXGATE_TLS_CERT", (dir_ / "absent.crt").c_str(), 1);
  auto msg = error_of(path);
  ::unsetenv("RXGATE_TLS_CERT");
  EXPECT_NE(msg.find("RXGATE_TLS_CERT: file not found"), std::string::npos) << msg;
}

TEST_F(config, listen_and_dsn_come_from_the_environment) {
  ::setenv("RXGATE_LISTEN", "[::1]:9443", 1);
  ::setenv("RXGATE_DSN", "postgresql://elsewhere/db", 1);
  auto c = server::load_config(write(""));
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 9443);
  EXPECT_EQ(c.dsn, "postgresql://elsewhere/db");
  ::setenv("RXGATE_LISTEN", "localhost", 1);
  EXPECT_NE(error_of(write("")).find("RXGATE_LISTEN: must be host:port"), std::string::npos);
}

TEST_F(config, relative_paths_resolve_against_the_project_root) {
  // The shipped config/rxgate.toml: plans in config/plans of the checkout.
  ::setenv("RXGATE_DSN", "postgresql://127.0.0.1:1/none", 1);
  ::setenv("RXGATE_TLS_CERT", (tls_dir() / "server.crt").c_str(), 1);
  ::setenv("RXGATE_TLS_KEY", (tls_dir() / "server.key").c_str(), 1);
  ::setenv("RXGATE_TLS_CA", (tls_dir() / "ca.crt").c_str(), 1);
  auto c = server::load_config(source_root() / "config/rxgate.toml");
  ::unsetenv("RXGATE_TLS_CERT");
  ::unsetenv("RXGATE_TLS_KEY");
  ::unsetenv("RXGATE_TLS_CA");
  EXPECT_EQ(fs::weakly_canonical(c.plans_dir), fs::weakly_canonical(source_root() / "config/plans"));
  EXPECT_EQ(c.listen_port, 8443);
  EXPECT_EQ(c.identities.size(), 2u);
}

}  // namespace
}  // namespace rxgate::test
