#include "sql/pg_pipeline.h"

#include <charconv>

#include "sql/pg.h"

namespace rxgate::store::pg {

std::optional<std::int64_t> opt_int(const raw_field& f) {
  if (f.is_null()) return std::nullopt;
  std::int64_t v = 0;
  const char* s = f.c_str();
  if (std::from_chars(s, s + f.size(), v).ec != std::errc{}) return std::nullopt;
  return v;
}

std::int64_t int_or(const raw_field& f, std::int64_t fallback) { return opt_int(f).value_or(fallback); }

namespace {
// largeobject::raw_connection is the one door libpqxx 6.4 leaves to the PGconn (protected).
struct raw_access : pqxx::largeobject {
  static PGconn* of(const pqxx::dbtransaction& t) { return raw_connection(t); }
};
}  // namespace

PGconn* raw_connection(pqxx::connection& c) {
  pqxx::work reach(c, "rxgate_raw_connection");
  PGconn* raw = raw_access::of(reach);
  reach.abort();
  return raw;
}

bool pipeline::enter() noexcept {
  if (PQpipelineStatus(connection_) == PQ_PIPELINE_ON) return true;
  return PQenterPipelineMode(connection_) == 1;
}

void pipeline::send(const char* name, const char* sql, int count, const char* const* values, const int* lengths,
                    const int* formats) {
  ++queued_;
  if (send_failed_) return;
  if (!enter()) {
    send_failed_ = true;
    return;
  }
  const int sent = name ? PQsendQueryPrepared(connection_, name, count, values, lengths, formats, 0)
                        : PQsendQueryParams(connection_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0);
  if (sent != 1) send_failed_ = true;
}

void pipeline::prepared(const char* name, const std::vector<std::string>& parameters) {
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const auto& p : parameters) values.push_back(p.c_str());
  send(name, nullptr, static_cast<int>(values.size()), values.data());
}

void pipeline::prepared(const char* name, std::initializer_list<const std::string*> parameters) {
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const auto* p : parameters) values.push_back(p->c_str());
  send(name, nullptr, static_cast<int>(values.size()), values.data());
}

void pipeline::prepared_binary(const char* name, std::span<const std::span<const std::string>> groups,
                               std::span<const parameter_range> unsent) {
  std::size_t count = 0;
  for (const auto& g : groups) count += g.size();
  std::vector<const char*> values;
  std::vector<int> lengths;
  values.reserve(count);
  lengths.reserve(count);
  auto skip = unsent.begin();
  std::size_t i = 0;
  for (const auto& g : groups) {
    for (const std::string& parameter : g) {
      while (skip != unsent.end() && i >= skip->first + skip->count) ++skip;
      const bool left_out = skip != unsent.end() && i >= skip->first;
      ++i;
      if (left_out) continue;
      values.push_back(parameter.data());
      lengths.push_back(static_cast<int>(parameter.size()));
    }
  }
  const std::vector<int> formats(values.size(), 1);
  send(name, nullptr, static_cast<int>(values.size()), values.data(), lengths.data(), formats.data());
}

void pipeline::command(const char* sql, bool commits) {
  // Queued, even when sending failed: a COMMIT whose Execute may have left makes the outcome
  // unknown.
  if (commits) commits_ = true;
  send(nullptr, sql, 0, nullptr);
}

error pipeline::exchange(std::string_view what, std::vector<raw_result>& results, bool& lost) {
  const int count = queued_;
  const bool commits = commits_;
  queued_ = 0;
  commits_ = false;
  failed_at_ = -1;
  failed_state_.clear();
  lost = false;
  results.clear();
  results.resize(static_cast<std::size_t>(count));
  std::string prefix{what};
  prefix += ": ";
  auto gone = [&] {
    lost = true;
    // libpq's reason names hosts and users, never a password or claim data (as in pg.cpp).
    std::string reason = PQerrorMessage(connection_);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    if (!reason.empty()) reason = ": " + reason;
    return commits ? error{errc::unavailable, prefix + "commit outcome unknown (connection lost during COMMIT)" + reason}
                   : error{errc::unavailable, prefix + "connection to PostgreSQL lost" + reason};
  };
  if (send_failed_ || PQpipelineSync(connection_) != 1) {
    send_failed_ = false;
    return gone();
  }
  error first;
  for (int i = 0; i < count; ++i) {
    raw_result r(PQgetResult(connection_));
    if (!r) return gone();
    const ExecStatusType status = PQresultStatus(r.get());
    if (status == PGRES_FATAL_ERROR && !first) {
      const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
      if (!state || PQstatus(connection_) == CONNECTION_BAD) return gone();
      const char* message = PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY);
      failed_at_ = i;
      failed_state_ = state;
      first = error_for_sqlstate(prefix, failed_state_, message ? message : "", lost);
      if (lost) return gone();
    } else if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      results[static_cast<std::size_t>(i)] = std::move(r);
    } else if (status != PGRES_PIPELINE_ABORTED && status != PGRES_FATAL_ERROR) {
      // COPY or anything else a writer statement never answers: the connection cannot be
      // trusted any more.
      lost = true;
      return {errc::internal, prefix + "unexpected result status " + std::to_string(status)};
    }
    // Each statement's results end with a null.
    if (raw_result extra{PQgetResult(connection_)}) {
      lost = true;
      return {errc::internal, prefix + "more than one result for a statement"};
    }
  }
  raw_result sync(PQgetResult(connection_));
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) return gone();
  if (PQexitPipelineMode(connection_) != 1) {
    lost = true;
    return first ? first : error{errc::internal, prefix + "cannot leave pipeline mode"};
  }
  return first;
}

}  // namespace rxgate::store::pg
