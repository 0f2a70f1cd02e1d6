#include "sql/claim_id.h"

#include "sql/pg.h"

namespace rxgate::store {
namespace {

constexpr std::int64_t date_span = 100000;                            // d takes the last five digits
constexpr std::int32_t day_zero = 10956;  // 1999-12-31 in codec::date::days(): d counts days after it

}  // namespace

codec::date stored_date(const codec::claim& c) noexcept {
  return c.date_of_service.valid() ? c.date_of_service : pg::today_utc();
}

std::int64_t make_claim_id(std::int64_t sequence_value, codec::date date) noexcept {
  const std::int64_t d = date.valid() ? date.days() - day_zero : 0;
  return sequence_value * date_span + (d >= 1 && d < date_span ? d : 0);
}

codec::date date_in_claim_id(std::int64_t id) noexcept {
  const auto d = static_cast<std::int32_t>(id % date_span);
  if (id <= 0 || d == 0) return {};
  return codec::date::from_days(day_zero + d);
}

}  // namespace rxgate::store
