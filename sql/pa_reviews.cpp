// Reviewing prior authorization requests (pa_reviews.h).
#include "sql/pa_reviews.h"

#include <pqxx/pqxx>

#include <algorithm>

#include "sql/connection.h"
#include "sql/pg.h"

namespace rxgate::store {
namespace {

constexpr const char* iso_timestamp = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'";

std::string pending_sql() {
  return std::string(
             "SELECT id, number, bin, cardholder_id, person_code, product_id, therapeutic_class, "
             "effective::text, expires::text, max_quantity, source, created_by, to_char(created_at AT TIME ZONE 'UTC', ") +
         iso_timestamp +
         "), coalesce(request_type, ''), coalesce(request_basis, ''), coalesce(request_transaction_code, ''), "
         "coalesce(request_provider_id, ''), coalesce(request_rx_number, ''), "
         "coalesce(request_date_of_service::text, '') FROM prior_authorizations WHERE state = 'pending' AND revoked_at IS NULL "
         "ORDER BY created_at, id LIMIT $1";
}

// The PA's state under a row lock: decided only when pending and not revoked.
constexpr const char* lock_sql =
    "SELECT state, revoked_at IS NOT NULL FROM prior_authorizations WHERE id = $1 FOR UPDATE";

std::string decided_columns() {
  return std::string("id, number, state, effective::text, expires::text, max_quantity, reviewed_by, to_char(reviewed_at AT "
                     "TIME ZONE 'UTC', ") +
         iso_timestamp + "), coalesce(denial_reason, '')";
}

std::string approve_sql() {
  return "UPDATE prior_authorizations SET state = 'approved', effective = $2::date, expires = $3::date, "
         "max_quantity = $4, reviewed_by = $5, reviewed_at = now() WHERE id = $1 RETURNING " +
         decided_columns();
}

std::string deny_sql() {
  return "UPDATE prior_authorizations SET state = 'denied', denial_reason = $2, reviewed_by = $3, "
         "reviewed_at = now() WHERE id = $1 RETURNING " +
         decided_columns();
}

pg::connection_settings review_settings(const store_options& o) {
  pg::connection_settings s;
  s.dsn = o.dsn;
  s.application_name = "rxgate-pa-reviews";
  s.statement_timeout = o.statement_timeout;
  s.plan_cache_mode = "force_custom_plan";
  s.reconnect_min = s.reconnect_max = o.reconnect_min;
  s.statements = {{"pa_pending", pending_sql()},
                  {"pa_lock", lock_sql},
                  {"pa_approve", approve_sql()},
                  {"pa_deny", deny_sql()}};
  return s;
}

pa_review_outcome outcome_from(const pqxx::row& r) {
  pa_review_outcome o;
  o.id = pg::int_or(r[0], 0);
  o.number = pg::text(r[1]);
  o.state = pg::text(r[2]);
  o.effective = pg::text(r[3]);
  o.expires = pg::text(r[4]);
  o.max_quantity = pg::int_or(r[5], 0);
  o.reviewed_by = pg::text(r[6]);
  o.reviewed_at = pg::text(r[7]);
  o.denial_reason = pg::text(r[8]);
  return o;
}

class pg_pa_reviews final : public pa_review_store {
 public:
  explicit pg_pa_reviews(const store_options& o)
      : pool_(review_settings(o), std::max(1, o.read_pool_size), o.statement_timeout, "pa reviews") {}

  error pending(int limit, std::vector<pa_request_record>& out) override {
    if (limit < 1 || limit > 500) return {errc::invalid, "pa reviews: limit must be 1..500"};
    return pool_.run("pa pending", [&](pqxx::connection& c) -> error {
      pqxx::read_transaction t(c);
      std::vector<pa_request_record> v;
      for (const auto& r : t.exec_prepared("pa_pending", limit)) {
        pa_request_record p;
        p.pa.id = pg::int_or(r[0], 0);
        p.pa.max_quantity = pg::int_or(r[9], 0);
        std::string* texts[] = {&p.pa.number, &p.pa.bin, &p.pa.cardholder_id, &p.pa.person_code,
                                &p.pa.product_id, &p.pa.therapeutic_class, &p.pa.effective, &p.pa.expires};
        int column = 1;
        for (auto* s : texts) *s = pg::text(r[column++]);
        std::string* more[] = {&p.pa.source, &p.pa.created_by, &p.pa.created_at, &p.request_type, &p.basis,
                               &p.transaction_code, &p.provider_id, &p.rx_number, &p.date_of_service};
        column = 10;
        for (auto* s : more) *s = pg::text(r[column++]);
        v.push_back(std::move(p));
      }
      t.commit();
      out = std::move(v);
      return {};
    });
  }

  error approve(std::int64_t id, const std::string& effective, const std::string& expires, std::int64_t max_quantity,
                const std::string& reviewer, pa_review_outcome& out) override {
    const auto from = pg::parse_date(effective), to = pg::parse_date(expires);
    if (!from.valid() || !to.valid() || to < from || max_quantity < 0)
      return {errc::invalid, "approve: effective <= expires (YYYY-MM-DD) and a quantity >= 0 are required"};
    return decide(id, out, [&](pqxx::work& t) {
      return t.exec_prepared("pa_approve", id, effective, expires, max_quantity, pg::clean_text(reviewer));
    });
  }

  error deny(std::int64_t id, const std::string& reason, const std::string& reviewer,
             pa_review_outcome& out) override {
    return decide(id, out, [&](pqxx::work& t) {
      return t.exec_prepared("pa_deny", id, pg::clean_text(reason), pg::clean_text(reviewer));
    });
  }

 private:
  template <class Update>
  error decide(std::int64_t id, pa_review_outcome& out, Update update) {
    return pool_.run("pa decide", [&](pqxx::connection& c) -> error {
      pqxx::work t(c);
      const auto lock = t.exec_prepared("pa_lock", id);
      if (lock.empty()) return {errc::not_found, "pa decide: no such prior authorization"};
      if (pg::text(lock[0][0]) != "pending" || pg::text(lock[0][1]) == "t")
        return {errc::conflict, "pa decide: only a pending prior authorization can be decided"};
      const auto r = update(t);
      t.commit();
      out = outcome_from(r[0]);
      return {};
    });
  }

  pg::connection_pool pool_;
};

}  // namespace

std::unique_ptr<pa_review_store> open_pa_reviews(const store_options& options) {
  try {
    return std::make_unique<pg_pa_reviews>(options);
  } catch (...) {
    return nullptr;
  }
}

}  // namespace rxgate::store
