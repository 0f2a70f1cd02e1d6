// Failure and operations: PostgreSQL stopped and restarted under the gateway, SIGTERM during
// load against the real binary, plans reloaded while claims flow. The invariant checked
// everywhere: every claim answered paid (or answered at all, except host rejects) has its row.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <random>

#include "tests/server/harness.h"

extern char** environ;

namespace rxgate::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct outcome {
  std::string rx;
  char status = 0;
  std::string authorization;
  std::string rejects;
};

// Claims that the demo plan mostly pays: rotating members and maintenance drugs.
std::string load_claim(std::size_t i, std::string& rx) {
  static const char* ndcs[] = {"90001000201", "90001000701", "90001001401", "90001001201", "90001001402",
                               "90001000206", "90001001103", "90001000601"};
  rx = next_rx();
  return b1(demo_member(i), {{rx, ndcs[(i / 10) % std::size(ndcs)]}});
}

std::string count_rows(const std::string& dsn, const outcome& o) {
  return query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number = '" + o.rx + "' AND status = '" +
                              std::string(1, o.status) + "'");
}

// A port nothing holds, below the kernel's ephemeral range (as bench/e2e-lib.sh's free_port): a
// port the kernel handed out for bind(0) may be taken next as the local port of some outgoing
// connection of a test running beside this one, and the listen on it then fails.
std::uint16_t free_port() {
  int low = 20000, ephemeral = 0, ephemeral_high = 0;
  if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) range >> ephemeral >> ephemeral_high;
  const int span = ephemeral > low + 1000 ? ephemeral - low : 40000;
  std::mt19937 pick(static_cast<unsigned>(::getpid()) ^ static_cast<unsigned>(std::random_device{}()));
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<std::uint16_t>(low + static_cast<int>(pick() % static_cast<unsigned>(span)));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (bound) return port;
  }
  ADD_FAILURE() << "no free port below the ephemeral range";
  return 0;
}

// A private PostgreSQL cluster (deploy/pg.sh with its own port and data folder), so that this
// test can stop and start it without disturbing anything else using the shared one.
class private_postgres {
 public:
  private_postgres() : port_(free_port()), data_(fs::temp_directory_path() / ("rxgate-test-pg-" + std::to_string(::getpid()))) {}
  ~private_postgres() {
    run("stop");
    std::error_code ec;
    fs::remove_all(data_, ec);
  }
  bool start() { return run("start") == 0; }
  bool stop() { return run("stop") == 0; }
  std::string server_dsn() const { return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres"; }

 private:
  int run(const char* what) const {
    const std::string cmd = "RXGATE_PG_PORT=" + std::to_string(port_) + " RXGATE_PG_DATA='" + data_.string() + "' '" +
                            (source_root() / "deploy/pg.sh").string() + "' " + what + " >/dev/null 2>&1";
    return std::system(cmd.c_str());
  }
  std::uint16_t port_;
  fs::path data_;
};

TEST(resilience, database_outage_is_answered_with_host_rejects_and_recovers) {
  RXGATE_REQUIRE_DB();
  private_postgres pg;
  ASSERT_TRUE(pg.start());
  const std::string dsn = create_database("rxgate_server_outage", pg.server_dsn());
  config_text c;
  c.dsn = dsn;
  c.database_extra = "statement_timeout_ms = 1000\nreconnect_min_ms = 50\nreconnect_max_ms = 500\n";
  c.batcher_extra = "claim_budget_ms = 1500\n";
  running_gateway g(server::load_config(write_config(make_temp_dir("outage"), c)));

  std::vector<outcome> paid;
  std::size_t n = 0;
  auto send_one = [&]() {
    std::string rx;
    auto a = client(g.port()).submit(load_claim(n++, rx));
    outcome o{rx, a.decoded ? a.status() : '?', a.decoded ? std::string(a.tx().authorization_number) : "",
              a.decoded ? a.rejects() : ""};
    if (o.status == 'P') paid.push_back(o);
    return o;
  };

  for (int i = 0; i < 5; ++i) send_one();
  ASSERT_FALSE(paid.empty()) << "nothing paid while the database was up";

  ASSERT_TRUE(pg.stop());
  for (int i = 0; i < 10; ++i) {
    auto o = send_one();
    SCOPED_TRACE(i);
    ASSERT_EQ(o.status, 'R') << "answered " << o.status << " with the database down";
    EXPECT_TRUE(o.rejects == "92" || o.rejects == "99") << o.rejects;
  }
  auto [rs, rb] = https_get(g.port(), "/readyz");
  EXPECT_EQ(rs, 503u) << rb;

  ASSERT_TRUE(pg.start());
  bool recovered = false;
  for (int attempt = 0; attempt < 300 && !recovered; ++attempt) {
    auto o = send_one();
    recovered = o.status != 'R' || (o.rejects != "92" && o.rejects != "99");
    if (!recovered) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(recovered) << "the gateway did not recover after PostgreSQL came back";
  for (int i = 0; i < 5; ++i) send_one();

  for (const auto& o : paid) {
    SCOPED_TRACE(o.rx);
    EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE status = 'P' AND authorization_number = '" +
                                   o.authorization + "'"),
              "1");
  }
}

TEST(resilience, stuck_database_fills_the_bounded_queue_and_claims_are_answered_92_fast) {
  RXGATE_REQUIRE_DB();
  const std::string db = "rxgate_server_queue";
  const std::string dsn = create_database(db);
  config_text c;
  c.dsn = dsn;
  // One batch worker: freezing its writer stands for a stuck PostgreSQL (with several workers,
  // the others would go on serving the queue). The write deadline (faults_test) is set past the
  // test, so the batch stays stuck while the queue fills.
  c.batcher_extra = "max_queue = 2\nclaim_budget_ms = 1000\nworkers = 1\n";
  c.database_extra = "write_deadline_ms = 600000\n";
  running_gateway g(server::load_config(write_config(make_temp_dir("queue"), c)));
  std::string rx;
  ASSERT_TRUE(client(g.port()).submit(load_claim(0, rx)).decoded);  // the writer connects

  // Freeze this database's writer backend: the batch worker blocks inside its next batch, the
  // way it would behind a stuck PostgreSQL.
  const std::string pid = query_value(admin_dsn(), "SELECT pid FROM pg_stat_activity WHERE datname = '" + db +
                                                       "' AND application_name = 'rxgate-writer'");
  ASSERT_FALSE(pid.empty()) << "no writer connection found";
  ASSERT_EQ(::kill(std::stoi(pid), SIGSTOP), 0);
  struct resume {
    int pid;
    ~resume() { ::kill(pid, SIGCONT); }
  } resume_on_exit{std::stoi(pid)};

  std::atomic<bool> first_answered{false};
  outcome first;
  std::thread stuck([&] {
    std::string r;
    auto a = client(g.port()).submit(load_claim(1, r));
    first = {r, a.decoded ? a.status() : '?', "", a.decoded ? a.rejects() : ""};
    first_answered = true;
  });
  // Wait until the worker has taken it (queue empty again, no answer yet).
  bool taken = false;
  for (int i = 0; i < 200 && !taken; ++i) {
    std::this_thread::sleep_for(20ms);
    const auto m = https_get(g.port(), "/metrics").second;
    taken = metric_value(m, "rxgate_queue_depth") == 0 && metric_value(m, "rxgate_batch_in_flight_transactions") == 1;
  }
  ASSERT_TRUE(taken);

  // Four more: two fit the queue and run out of the claim budget, two find it full.
  std::vector<outcome> answers(4);
  std::vector<std::thread> senders;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    senders.emplace_back([&, i] {
      std::string r;
      auto a = client(g.port()).submit(load_claim(2 + i, r));
      answers[i] = {r, a.decoded ? a.status() : '?', "", a.decoded ? a.rejects() : ""};
    });
  }
  for (auto& t : senders) t.join();
  for (const auto& o : answers) {
    EXPECT_EQ(o.status, 'R');
    EXPECT_EQ(o.rejects, "92");
  }
  const auto m = https_get(g.port(), "/metrics").second;
  EXPECT_EQ(metric_value(m, "rxgate_host_rejects_total{code=\"92\",reason=\"queue_full\"}"), 2);
  EXPECT_EQ(metric_value(m, "rxgate_host_rejects_total{code=\"92\",reason=\"budget\"}"), 2);
  EXPECT_FALSE(first_answered.load());

  ::kill(std::stoi(pid), SIGCONT);
  stuck.join();
  EXPECT_NE(first.status, '?');
  // Nothing of the refused or expired claims reached the database.
  for (const auto& o : answers)
    EXPECT_EQ(query_value(dsn, "SELECT count(*) FROM claims WHERE rx_number = '" + o.rx + "'"), "0");
}

TEST(resilience, sigterm_drains_and_no_acknowledged_claim_is_missing) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = create_database("rxgate_server_sigterm");
  const auto port = free_port();
  config_text c;
  c.dsn = dsn;
  auto path = write_config(make_temp_dir("sigterm"), c);
  {
    // The binary reads listen from the file: give it a fixed free port.
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto at = text.find("127.0.0.1:0");
    text.replace(at, 11, "127.0.0.1:" + std::to_string(port));
    std::ofstream(path) << text;
  }
  const std::string binary = RXGATE_BINARY;
  const std::string config_path = path.string();
  std::vector<char*> argv = {const_cast<char*>(binary.c_str()), const_cast<char*>("serve"),
                             const_cast<char*>("--config"), const_cast<char*>(config_path.c_str()), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(), environ), 0);

  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    up = https_get(port, "/healthz").first == 200;
    if (!up) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(up) << "rxgate serve did not come up";

  std::mutex mutex;
  std::vector<outcome> answered;
  std::atomic<std::size_t> count{0};
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      for (;;) {
        client cl(port);
        if (cl.connect_error()) return;  // the listener is gone: shutdown
        for (;;) {
          std::string rx;
          auto a = cl.submit(load_claim(next++, rx));
          if (a.http == 0) break;  // connection closed by the drain: reconnect (or stop)
          ASSERT_TRUE(a.decoded);
          std::lock_guard lock(mutex);
          answered.push_back({rx, a.status(), std::string(a.tx().authorization_number), a.rejects()});
          ++count;
        }
      }
    });
  }
  // SIGHUP reloads the plans while claims flow.
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  bool reloaded = false;
  for (int i = 0; i < 200 && !reloaded; ++i) {
    reloaded = metric_value(https_get(port, "/metrics").second, "rxgate_plan_reloads_total{result=\"ok\"}") == 1;
    if (!reloaded) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(reloaded) << "SIGHUP did not reload the plans";
  while (count < 200) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  for (auto& t : clients) t.join();
  ASSERT_TRUE(WIFEXITED(status)) << "rxgate serve did not exit normally";
  EXPECT_EQ(WEXITSTATUS(status), 0);

  std::size_t paid = 0;
  for (const auto& o : answered) {
    SCOPED_TRACE(o.rx);
    ASSERT_FALSE(o.rejects == "92" || o.rejects == "99") << "host reject during a clean shutdown";
    EXPECT_EQ(count_rows(dsn, o), "1") << "answered " << o.status << " but not in the database";
    paid += o.status == 'P';
  }
  EXPECT_GT(paid, 0u);
}

TEST(resilience, plans_reload_while_claims_flow) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = create_database("rxgate_server_reload");
  const auto plans = make_temp_dir("reload-plans");
  fs::copy(source_root() / "config/plans", plans, fs::copy_options::recursive);
  config_text c;
  c.dsn = dsn;
  c.plans_dir = plans.string();
  running_gateway g(server::load_config(write_config(make_temp_dir("reload"), c)));

  std::atomic<bool> done{false};
  std::atomic<std::size_t> sent{0};
  std::vector<outcome> failures;
  std::thread flow([&] {
    client cl(g.port());
    std::size_t i = 0;
    while (!done) {
      std::string rx;
      auto a = cl.submit(load_claim(i++, rx));
      if (!a.decoded || a.rejects() == "92" || a.rejects() == "99")
        failures.push_back({rx, a.decoded ? a.status() : '?', "", a.rejects()});
      ++sent;
    }
  });

  for (int i = 0; i < 3; ++i) {
    auto [s, body] = https_post(g.port(), "/v1/admin/plans/reload", "");
    EXPECT_EQ(s, 200u) << body;
  }
  // A broken plan: the reload fails, says why, and the old plans keep serving.
  const auto plan_toml = plans / "demo" / "plan.toml";
  std::string original;
  {
    std::ifstream in(plan_toml);
    original.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::ofstream(plan_toml) << "[plan]\nid = \"demo\"\nversion = \"not a number\"\n";
  auto [bad, why] = https_post(g.port(), "/v1/admin/plans/reload", "");
  EXPECT_EQ(bad, 422u) << why;
  EXPECT_NE(why.find("plan.toml"), std::string::npos) << why;
  const auto before = sent.load();
  while (sent < before + 5) std::this_thread::sleep_for(5ms);
  auto after_failure = client(g.port()).submit(b1(alex(), {{next_rx(), "90001001403"}}));
  ASSERT_TRUE(after_failure.decoded);
  EXPECT_EQ(after_failure.status(), 'P') << "old plans should still serve: " << after_failure.rejects();

  std::ofstream(plan_toml) << original;
  auto [good, body] = https_post(g.port(), "/v1/admin/plans/reload", "");
  EXPECT_EQ(good, 200u) << body;
  done = true;
  flow.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " claims failed during reloads, first: " << failures.front().rejects;
  EXPECT_GT(sent.load(), 5u);

  auto [ms, metrics] = https_get(g.port(), "/metrics");
  EXPECT_EQ(metric_value(metrics, "rxgate_plan_reloads_total{result=\"ok\"}"), 4);
  EXPECT_EQ(metric_value(metrics, "rxgate_plan_reloads_total{result=\"failed\"}"), 1);
}

}  // namespace
}  // namespace rxgate::test
