// `rxgate load --url https://127.0.0.1:8443/ncpdp [--ca F] [-c N] [--threads N] [--rate R]
//  [--duration S | --count N] [--plans DIR --plan ID] [--mix SPEC | --mix-file F] [--json] ...`:
// simulated pharmacies sending claims over TLS keep-alive connections; every answer is checked
// against the outcome its kind predicts (bench/load/load.h). `--raw` sends one fixed GET (or a POST
// of --body-size bytes) and only counts HTTP 200s, for reference servers such as nginx.
//
// Prints a progress line a second on stderr and a table at the end (stdout; with --json the
// table goes to stderr and stdout gets one JSON object). Exit codes: 0 every answer as
// predicted, 1 mismatches, transport or HTTP errors, a connection that could not be opened again,
// or a start-up failure; 2 bad arguments. A connection the server closes with nothing in flight
// (its keep-alive timeout) is not an error. A run with --duration ends at its end (plus --drain)
// even when the server is gone and no connection can be opened again; a run with only --count
// stops after five failed tries in a row to open a connection again.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>

#include "server/cli/command.h"
#include "bench/load/load.h"

namespace rxgate::cli {
namespace {

struct load_args {
  load::options o;
  double duration_s = 10, warmup_s = 0, drain_s = 10;
  std::string mix, mix_file;
  unsigned run_id = 0;
  bool have_run_id = false, json = false, quiet = false, insecure = false;
};

int run_load(load_args& a) {
  auto& o = a.o;
  o.duration = std::chrono::milliseconds(static_cast<long long>(a.duration_s * 1000));
  o.warmup = std::chrono::milliseconds(static_cast<long long>(a.warmup_s * 1000));
  o.drain = std::chrono::milliseconds(static_cast<long long>(a.drain_s * 1000));
  o.verify = !a.insecure;
  o.progress = !a.quiet;
  if (a.have_run_id) o.run_id = a.run_id;
  std::string spec = a.mix;
  if (!a.mix_file.empty()) {
    std::ifstream f(a.mix_file);
    if (!f) {
      std::fprintf(stderr, "rxgate load: cannot read %s\n", a.mix_file.c_str());
      return 2;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    spec = ss.str();
  }
  if (!spec.empty()) {
    std::string why;
    if (!load::parse_mix(spec, o.mix, why)) {
      std::fprintf(stderr, "rxgate load: --mix: %s\n", why.c_str());
      return 2;
    }
  }
  if (std::string why; !load::check_options(o, why)) {
    std::fprintf(stderr, "rxgate load: %s\n", why.c_str());
    return 2;
  }
  try {
    auto r = load::run(o);
    load::print_table(r, a.json ? stderr : stdout);
    if (a.json) std::cout << load::to_json(r) << "\n";
    if (!r.ok()) {
      std::fprintf(stderr,
                   "rxgate load: %llu mismatches, %llu HTTP errors, %llu transport errors, %llu unanswered, "
                   "%llu failed reconnects\n",
                   static_cast<unsigned long long>(r.mismatches), static_cast<unsigned long long>(r.http_errors),
                   static_cast<unsigned long long>(r.transport_errors), static_cast<unsigned long long>(r.unanswered),
                   static_cast<unsigned long long>(r.failed_reconnects));
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rxgate load: %s\n", e.what());
    return 1;
  }
}

const command_registrar load_registration{[](CLI::App& app) {
  auto a = std::make_shared<load_args>();
  auto& o = a->o;
  auto* cmd = app.add_subcommand("load", "Simulate pharmacies: send claims over TLS keep-alive connections, check every answer, measure latency");
  cmd->add_option("--url", o.url, "https://host:port/path (the /ncpdp route; any path with --raw)")->required();
  cmd->add_option("--ca", o.ca_file, "CA certificate that signed the server's certificate");
  cmd->add_flag("--insecure", a->insecure, "do not verify the server certificate");
  cmd->add_option("-c,--connections", o.connections, "TLS connections (simulated pharmacy systems)")->capture_default_str();
  cmd->add_option("--threads", o.threads, "io threads of the generator")->capture_default_str();
  cmd->add_option("--pipeline", o.pipeline, "requests in flight per connection")->capture_default_str();
  cmd->add_option("--rate", o.rate, "open loop: requests/s (latency from the intended send time); 0 = closed loop")
      ->capture_default_str();
  cmd->add_option("--duration", a->duration_s, "seconds to send for (0 with --count: until the count)")->capture_default_str();
  cmd->add_option("--count", o.count, "stop after this many requests (0 = no limit)")->capture_default_str();
  cmd->add_option("--warmup", a->warmup_s, "seconds at the start whose answers are checked but not measured")->capture_default_str();
  cmd->add_option("--drain", a->drain_s, "seconds to wait for answers still in flight at the end")->capture_default_str();
  cmd->add_option("--plans", o.plans_dir, "plan folders (the ones the server loads)")->capture_default_str();
  cmd->add_option("--plan", o.plan_id, "plan id to draw members, products and pharmacies from (default: demo, else the first)");
  auto* mix = cmd->add_option("--mix", a->mix, "claim mix: kind=weight,... (kinds: paid multi retransmit refill-too-soon reversal rebill e1 unknown-member terminated not-covered not-on-formulary prior-auth plan-limit dur network syntax)");
  cmd->add_option("--mix-file", a->mix_file, "claim mix from a file: one 'kind weight' a line, # comments")->excludes(mix);
  cmd->add_option("--f6", o.f6_percent, "percent (0-100) of single-transaction claims sent in F6, the rest in D.0")
      ->check(CLI::Range(0u, 100u))
      ->capture_default_str();
  cmd->add_option("--date-of-service", o.date_of_service, "CCYYMMDD (default today, UTC)");
  cmd->add_option("--run-id", a->run_id, "0-99999: first five digits of this run's Rx numbers (default: second of the day)")
      ->each([a](const std::string&) { a->have_run_id = true; });
  cmd->add_option("--paid-log", o.paid_log, "write the authorization number of every paid (P) answer to this file");
  cmd->add_flag("--raw", o.raw, "reference mode: one fixed request, only HTTP 200 counts");
  cmd->add_option("--body-size", o.body_size, "--raw: 0 = GET, else POST this many bytes")->capture_default_str();
  cmd->add_option("--header", o.headers, "--raw: an extra request header 'Name: value' (repeatable)");
  cmd->add_option("--targets", o.targets, "--raw: a file of request paths, one a line, sent in turn (default: the URL's path)");
  cmd->add_flag("--json", a->json, "print the report as JSON on stdout (the table goes to stderr)");
  cmd->add_flag("-q,--quiet", a->quiet, "no progress line");
  cmd->add_option("--examples", o.max_examples, "mismatches described at the end")->capture_default_str();
  cmd->callback([a] { set_exit_code(run_load(*a)); });
}};

}  // namespace
}  // namespace rxgate::cli
