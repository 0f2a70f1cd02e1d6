#include "sql/claim_dictionaries.h"

#include <pqxx/pqxx>

#include "sql/claim_bytes.h"
#include "sql/connection.h"
#include "sql/pg.h"

namespace rxgate::store {
namespace {

constexpr int min_training_claims = 1000;

// ids carry the date and grow with the sequence: the newest claims first, from each partition's
// primary key.
constexpr const char* sql_newest_claims =
    "SELECT request, response FROM claims ORDER BY id DESC LIMIT $1";
constexpr const char* sql_next_id = "SELECT nextval('claim_dictionary_id_seq')";
constexpr const char* sql_insert =
    "INSERT INTO claim_dictionaries (id, kind, dictionary, samples, held_out_raw, held_out_packed) "
    "VALUES ($1, $2, decode($3, 'hex'), $4, $5, $6) "
    "RETURNING to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
// Every partition's primary key leads with the id; the CLI's one read pays for probing each.
constexpr const char* sql_raw_bytes = "SELECT request, response FROM claims WHERE id = $1";
constexpr const char* sql_audit_raw =
    "INSERT INTO claim_reads (actor, action, claim_id, detail, outcome) VALUES ($1, $2, $3, '', $4)";
constexpr const char* sql_list =
    "SELECT id, kind, octet_length(dictionary), samples, held_out_raw, held_out_packed, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM claim_dictionaries ORDER BY id";

pg::connection_settings settings_for(const std::string& dsn) {
  pg::connection_settings s;
  s.dsn = dsn;
  s.application_name = "rxgate-dictionaries";
  s.statement_timeout = std::chrono::minutes(5);
  s.statements = {{"claim_dictionaries", sql_claim_dictionaries},
                  {"newest_claims", sql_newest_claims},
                  {"next_dictionary_id", sql_next_id},
                  {"insert_dictionary", sql_insert},
                  {"list_dictionaries", sql_list},
                  {"raw_bytes", sql_raw_bytes},
                  {"audit_raw", sql_audit_raw}};
  return s;
}

claim_dictionary_listing listing_of(const pqxx::row& r) {
  claim_dictionary_listing l;
  l.id = static_cast<std::uint32_t>(r[0].as<std::int64_t>());
  l.kind = pg::text(r[1]);
  l.bytes = static_cast<std::size_t>(r[2].as<std::int64_t>());
  l.samples = static_cast<int>(r[3].as<std::int64_t>());
  l.held_out_raw = r[4].as<std::int64_t>();
  l.held_out_packed = r[5].as<std::int64_t>();
  l.created_at = pg::text(r[6]);
  return l;
}

}  // namespace

error train_claim_dictionaries(const claim_dictionary_training& options, std::vector<claim_dictionary_listing>& made) {
  made.clear();
  if (options.claims < min_training_claims)
    return {errc::invalid, "train on at least " + std::to_string(min_training_claims) + " claims"};
  if (options.max_bytes < 1024 || options.max_bytes > (1u << 20))
    return {errc::invalid, "a dictionary is 1 kB to 1 MB"};
  const auto settings = settings_for(options.dsn);
  pg::connection c(settings);
  error failed;
  auto e = c.run("train claim dictionaries", [&](pqxx::connection& conn) {
    pqxx::work w(conn);
    unpacker reader;
    reader.use(load_dictionaries(w));
    // Nine in ten values train, the tenth measures.
    std::vector<std::string> train[2], held_out[2];
    std::string raw;
    std::uint32_t missing = 0;
    int claims = 0;
    for (const auto& row : w.exec_prepared("newest_claims", options.claims)) {
      ++claims;
      for (int k = 0; k < 2; ++k) {
        if (auto u = reader.unpack(pg::unhex(pg::text_view(row[k])), raw, missing)) {
          failed = u;
          return;
        }
        (claims % 10 == 0 ? held_out[k] : train[k]).push_back(raw);
      }
    }
    if (claims < min_training_claims) {
      failed = {errc::invalid, "only " + std::to_string(claims) + " claims stored; a dictionary needs " +
                                   std::to_string(min_training_claims)};
      return;
    }
    auto trained = std::make_shared<dictionary_set>();
    std::string dictionary[2];
    std::uint32_t ids[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
      ids[k] = static_cast<std::uint32_t>(w.exec_prepared1("next_dictionary_id")[0].as<std::int64_t>());
      if (auto t = train_dictionary(train[k], ids[k], options.max_bytes, dictionary[k])) {
        failed = {t.code, std::string(to_string(static_cast<bytes_kind>(k))) + ": " + t.message};
        return;
      }
      if (auto a = trained->add(ids[k], static_cast<bytes_kind>(k), dictionary[k])) {
        failed = a;
        return;
      }
    }
    packer measure(trained);
    for (int k = 0; k < 2; ++k) {
      claim_dictionary_listing l;
      l.id = ids[k];
      l.kind = std::string(to_string(static_cast<bytes_kind>(k)));
      l.bytes = dictionary[k].size();
      l.samples = static_cast<int>(train[k].size());
      for (const auto& v : held_out[k]) {
        l.held_out_raw += static_cast<std::int64_t>(v.size());
        l.held_out_packed += static_cast<std::int64_t>(measure.pack(static_cast<bytes_kind>(k), v).size());
      }
      l.created_at = pg::text(w.exec_prepared1("insert_dictionary", static_cast<std::int64_t>(l.id), l.kind,
                                               pg::hex(dictionary[k]), l.samples, l.held_out_raw, l.held_out_packed)[0]);
      made.push_back(std::move(l));
    }
    w.commit();
  });
  if (e) return e;
  if (failed) made.clear();
  return failed;
}

error list_claim_dictionaries(const std::string& dsn, std::vector<claim_dictionary_listing>& out) {
  out.clear();
  const auto settings = settings_for(dsn);
  pg::connection c(settings);
  return c.run("list claim dictionaries", [&](pqxx::connection& conn) {
    pqxx::read_transaction w(conn);
    for (const auto& r : w.exec_prepared("list_dictionaries")) out.push_back(listing_of(r));
  });
}

error read_raw_claim_bytes(const raw_claim_read& in, std::string& out) {
  out.clear();
  if (in.claim_id <= 0) return {errc::invalid, "a claim id is a positive number"};
  if (in.who.actor.empty()) return {errc::invalid, "a raw read needs an actor for its audit row"};
  const auto settings = settings_for(in.dsn);
  pg::connection c(settings);
  const std::string action = in.response ? "raw_response" : "raw_request";
  error result;
  auto e = c.run("read a claim's raw bytes", [&](pqxx::connection& conn) {
    pqxx::work w(conn);
    const auto rows = w.exec_prepared("raw_bytes", in.claim_id);
    std::string outcome = "ok";
    result = {};
    out.clear();
    if (rows.empty()) {
      outcome = "not_found";
      result = {errc::not_found, "no claim has id " + std::to_string(in.claim_id)};
    } else {
      // The dictionaries are read only when the value names one (a row stored as it is needs none).
      const std::string stored = pg::unhex(pg::text_view(rows[0][in.response ? 1 : 0]));
      unpacker u;
      std::uint32_t missing = 0;
      error un = u.unpack(stored, out, missing);
      if (un && missing != 0) {
        u.use(load_dictionaries(w));
        un = u.unpack(stored, out, missing);
      }
      if (un) {
        outcome = "error";
        out.clear();
        result = {errc::internal, "claim " + std::to_string(in.claim_id) + ": " + un.message};
      }
    }
    w.exec_prepared("audit_raw", in.who.actor, action, in.claim_id, outcome);
    w.commit();
  });
  if (e) {
    out.clear();
    return e;
  }
  return result;
}

}  // namespace rxgate::store
