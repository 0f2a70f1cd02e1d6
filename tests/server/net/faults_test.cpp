// Single-node faults found by trying to break the gateway (issue 17), each with the test that
// failed before its fix: a wrong database address at start.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/core/log.h"
#include "tests/server/harness.h"

namespace rxgate::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Everything written to stderr (the server's JSON log lines) goes to a file while this lives.
class stderr_capture {
 public:
  stderr_capture() : path_(make_temp_dir("stderr") / "stderr.log") {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~stderr_capture() {
    server::log::flush();
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
  }
  std::string text() const {
    server::log::flush();
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::size_t count(std::string_view needle) const {
    const std::string t = text();
    std::size_t n = 0;
    for (auto at = t.find(needle); at != std::string::npos; at = t.find(needle, at + 1)) ++n;
    return n;
  }

 private:
  fs::path path_;
  int saved_ = -1;
};

// The harness logs warnings and errors only; these tests read info lines too.
server::config info_level(server::config c) {
  c.log_level = "info";
  return c;
}

// Nothing listens on port 1 of the loopback address: a connection there is refused at once.
constexpr const char* refused_address = "127.0.0.1:1";

// Fault 4: a wrong database address was logged only at the first claim. Now the gateway says so
// at start, before any claim, and /readyz says why it is not ready; the password never shows.
TEST(faults, wrong_database_address_is_reported_at_start_and_by_readyz) {
  stderr_capture log;
  config_text c;
  c.dsn = std::string("postgresql://rxgate:Sw0rdfish-9@") + refused_address + "/rxgate?connect_timeout=2";
  running_gateway g(server::load_config(write_config(make_temp_dir("wrong-dsn"), c)));

  for (int i = 0; i < 200 && log.count("\"event\":\"database_unreachable\"") == 0; ++i) std::this_thread::sleep_for(50ms);
  const std::string at_start = log.text();
  ASSERT_NE(at_start.find("\"event\":\"database_unreachable\""), std::string::npos) << at_start;
  EXPECT_NE(at_start.find("database unreachable: "), std::string::npos) << at_start;
  EXPECT_NE(at_start.find("Connection refused"), std::string::npos) << at_start;  // libpq's reason
  EXPECT_EQ(at_start.find("Sw0rdfish-9"), std::string::npos) << at_start;

  auto [status, body] = https_get(g.port(), "/readyz");
  EXPECT_EQ(status, 503u) << body;
  EXPECT_NE(body.find("\"ready\":false"), std::string::npos) << body;
  EXPECT_NE(body.find("\"reason\":\"database unreachable: "), std::string::npos) << body;
  EXPECT_NE(body.find("Connection refused"), std::string::npos) << body;
  EXPECT_EQ(body.find("Sw0rdfish-9"), std::string::npos) << body;
}

// A ready gateway names no reason, and says it has found its database at start.
TEST(faults, reachable_database_is_reported_ready_at_start) {
  RXGATE_REQUIRE_DB();
  stderr_capture log;
  config_text c;
  c.dsn = create_database("rxgate_server_faults_ready");
  running_gateway g(info_level(server::load_config(write_config(make_temp_dir("ready"), c))));
  for (int i = 0; i < 200 && log.count("\"event\":\"database_ready\"") == 0; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_EQ(log.count("\"event\":\"database_ready\""), 1u) << log.text();
  auto [status, body] = https_get(g.port(), "/readyz");
  EXPECT_EQ(status, 200u) << body;
  EXPECT_EQ(body.find("reason"), std::string::npos) << body;
}

}  // namespace
}  // namespace rxgate::test
