#include "sql/store_rows.h"

#include <limits>
#include <type_traits>

#include "codec/view.h"
#include "sql/claim_detail.h"
#include "sql/claim_id.h"
#include "sql/store_statements.h"

namespace rxgate::store::rows {
namespace {

std::string field_name(codec::field_id id) {
  if (id == 0) return {};
  const auto chars = codec::field_chars(id);
  return pg::clean_text({chars.data(), 2});
}

using statements::column_type;

// Element type OIDs (pg_type.dat; fixed since PostgreSQL 7): array_recv refuses an array whose
// element type is not the one the statement's cast names.
std::uint32_t type_oid(column_type t) noexcept {
  switch (t) {
    case column_type::int2: return 21;
    case column_type::int4: return 23;
    case column_type::int8: return 20;
    case column_type::text: return 25;
    case column_type::date: return 1082;
    case column_type::char1: return 18;
    case column_type::jsonb: return 3802;
    case column_type::bytea: return 17;
  }
  return 25;
}

template <class T>
void write_big_endian(char* out, T v) {
  auto u = static_cast<std::make_unsigned_t<T>>(v);
  for (std::size_t i = sizeof(T); i-- > 0;) {
    out[i] = static_cast<char>(u & 0xFF);
    u = static_cast<std::make_unsigned_t<T>>(u >> 8);
  }
}

template <class T>
void put_big_endian(std::string& out, T v) {
  char bytes[sizeof(T)];
  write_big_endian<T>(bytes, v);
  out.append(bytes, sizeof(T));
}

std::int32_t length_of(std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max() - 1)) {
    throw std::out_of_range("rows_builder: value too long for one parameter");
  }
  return static_cast<std::int32_t>(n);
}

// An integer element of type T (its 4-byte length, then big-endian), refused when T cannot hold it.
template <class T>
void put_integer(std::string& out, std::int64_t v, const char* type) {
  if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
    throw std::out_of_range(std::string("rows_builder: value out of range for ") + type);
  }
  put_big_endian<std::int32_t>(out, static_cast<std::int32_t>(sizeof(T)));
  put_big_endian<T>(out, static_cast<T>(v));
}

// Header of a one-dimensional binary array: dimensions, null flag, element type, length, lower
// bound; reserved in front of every column's elements and written by arrays().
constexpr std::size_t binary_header_size = 20;

// Days from 1970-01-01 (codec::date::days) to 2000-01-01, PostgreSQL's date epoch.
constexpr std::int32_t postgres_epoch_days = 10957;

}  // namespace

rows_builder::rows_builder(std::span<const column_type> types, rows_format format)
    : columns_(types.size()), format_(format) {
  if (format_ == rows_format::text_arrays) take_arrays(0);
  if (format_ == rows_format::binary_arrays) {
    types_ = types;
    has_null_.assign(columns_, false);
    take_arrays(binary_header_size);
  }
}

void rows_builder::reset() {
  column_ = 0;
  rows_ = 0;
  finished_ = false;
  const std::size_t reserved = format_ == rows_format::binary_arrays ? binary_header_size : 0;
  for (auto& a : arrays_) a.assign(reserved, '\0');
  has_null_.assign(has_null_.size(), false);
  cells_.clear();
  nulls_.clear();
}

std::vector<std::string> rows_builder::arrays() && {
  finish();
  return std::move(arrays_);
}

std::span<const std::string> rows_builder::finish() {
  if (format_ == rows_format::copy) throw std::logic_error("rows_builder: COPY rows have no arrays");
  if (finished_) return arrays_;
  finished_ = true;
  if (format_ == rows_format::text_arrays) {
    for (auto& a : arrays_) {
      a.insert(a.begin(), '{');
      a.push_back('}');
    }
    return arrays_;
  }
  for (std::size_t c = 0; c < arrays_.size(); ++c) {
    // Written over the reserved bytes in place, so that a kept builder keeps its buffers.
    std::string& a = arrays_[c];
    if (rows_ == 0) {
      a.resize(0);
      put_big_endian<std::int32_t>(a, 0);  // no dimensions: an empty array
      put_big_endian<std::int32_t>(a, 0);
      put_big_endian<std::uint32_t>(a, type_oid(types_[c]));
      continue;
    }
    char* header = a.data();
    write_big_endian<std::int32_t>(header, 1);
    write_big_endian<std::int32_t>(header + 4, has_null_[c] ? 1 : 0);
    write_big_endian<std::uint32_t>(header + 8, type_oid(types_[c]));
    write_big_endian<std::int32_t>(header + 12, length_of(rows_));
    write_big_endian<std::int32_t>(header + 16, 1);
  }
  return arrays_;
}

void rows_builder::binary_text(std::string_view v, bool clean) {
  const column_type t = types_[column_ - 1];
  std::string& a = arrays_[column_ - 1];
  if (t == column_type::char1) {
    // "char" is one byte on the wire; its text input keeps the first character ('\0' for "").
    put_big_endian<std::int32_t>(a, 1);
    const char ch = v.empty() ? '\0' : v[0];
    const auto u = static_cast<unsigned char>(ch);
    a.push_back(clean && !v.empty() && (u < 0x20 || u >= 0x7F) ? '?' : ch);
    return;
  }
  if (t == column_type::jsonb) {
    put_big_endian<std::int32_t>(a, length_of(v.size() + 1));
    a.push_back('\1');  // jsonb's binary format version, then the JSON text
  } else if (t == column_type::text) {
    put_big_endian<std::int32_t>(a, length_of(v.size()));
  } else {
    throw std::logic_error("rows_builder: text for a column that is not text");
  }
  if (clean) {
    pg::append_clean_text(a, v);
  } else {
    a.append(v);
  }
}

void rows_builder::binary_integer(std::int64_t v) {
  std::string& a = arrays_[column_ - 1];
  switch (types_[column_ - 1]) {
    case column_type::int2: return put_integer<std::int16_t>(a, v, "smallint");
    case column_type::int4: return put_integer<std::int32_t>(a, v, "integer");
    case column_type::int8: return put_integer<std::int64_t>(a, v, "bigint");
    default: throw std::logic_error("rows_builder: integer for a column that is not a number");
  }
}

void rows_builder::binary_date(codec::date d) {
  if (types_[column_ - 1] != column_type::date) {
    throw std::logic_error("rows_builder: date for a column that is not a date");
  }
  if (!d.valid()) d = pg::today_utc();
  std::string& a = arrays_[column_ - 1];
  put_big_endian<std::int32_t>(a, 4);
  put_big_endian<std::int32_t>(a, d.days() - postgres_epoch_days);
}

void rows_builder::binary_bytes(std::string_view bytes) {
  if (types_[column_ - 1] != column_type::bytea) {
    throw std::logic_error("rows_builder: bytes for a column that is not bytea");
  }
  std::string& a = arrays_[column_ - 1];
  put_big_endian<std::int32_t>(a, length_of(bytes.size()));
  a.append(bytes);
}

void rows_builder::binary_null() {
  put_big_endian<std::int32_t>(arrays_[column_ - 1], -1);
  has_null_[column_ - 1] = true;
}

void add_key_columns(rows_builder& b, std::int64_t claim_id, const codec::claim& c) {
  b.integer(claim_id);
  b.text(c.provider_id);
  b.text(c.rx_number);
  b.integer(fill_number_of(c));
  b.date(c.date_of_service);
  b.text(c.bin);
  b.text(c.pcn);
  b.text(c.provider_id_qualifier);
}

void add_pay_row(rows_builder& b, std::int64_t claim_id, const codec::claim& c, const rules::decision& d) {
  add_key_columns(b, claim_id, c);
  b.text(c.cardholder_id);
  b.text(c.person_code);
  b.text(c.prescriber_id);
  b.text(c.product_id);
  b.text(d.therapeutic_class);
  b.integer(c.quantity.value_or(0));
  b.integer(c.days_supply.value_or(0));
  if (d.accumulator_year.valid()) {
    b.date(d.accumulator_year);
  } else {
    b.null();
  }
  b.integer(d.accumulated.deductible);
  b.integer(d.accumulated.out_of_pocket);
  b.integer(d.accumulated.benefit);
  b.end_row();
}

std::string format_other_amounts(const codec::pricing& p) {
  std::string s;
  for (std::size_t i = 0; i < p.other_amount_count && i < p.other_amounts.size(); ++i) {
    if (i) s.push_back(',');
    pg::append_clean_text(s, p.other_amounts[i].qualifier);
    s.push_back(':');
    s += std::to_string(p.other_amounts[i].amount);
  }
  return s;
}

void parse_other_amounts(std::string_view s, codec::pricing& p) {
  p.other_amount_count = 0;
  while (!s.empty() && p.other_amount_count < p.other_amounts.size()) {
    const auto comma = s.find(',');
    const std::string_view item = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) continue;
    std::int64_t amount = 0;
    const auto digits = item.substr(colon + 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), amount).ec != std::errc{}) {
      continue;
    }
    p.other_amounts[p.other_amount_count++] = {item.substr(0, colon), amount};
  }
}

claim_rows::claim_rows(rows_format format, packer* packer)
    : claims(statements::column_types::claims, format),
      rejects(statements::column_types::rejects, format),
      durs(statements::column_types::durs, format),
      packer_(packer) {
  detail_.reserve(1024);
}

void claim_rows::reset(packer* packer) {
  claims.reset();
  rejects.reset();
  durs.reset();
  packer_ = packer;
}

void claim_rows::add(const batch_entry& e, std::int64_t id) {
  const codec::claim& c = *e.claim;
  const rules::decision& d = e.decision;
  // The date the id was made with (pg_batch::insert), so that the rows go to the partition the id
  // names even when the batch straddles midnight.
  const codec::date in_id = date_in_claim_id(id);
  const codec::date dos = in_id.valid() ? in_id : stored_date(c);
  add_claim(e, id, dos);
  std::int64_t seq = 0;
  for (const auto& r : d.rejects) {
    rejects.integer(id);
    rejects.date(dos);
    rejects.integer(++seq);
    rejects.text(r.code_view());
    rejects.text(field_name(r.field));
    rejects.integer(r.occurrence);
    rejects.text(c.provider_id);  // the claim's pharmacy: a reject search's index (migration 0020)
    rejects.end_row();
  }
  for (std::size_t k = 0; k < d.dur_count && k < d.dur.size(); ++k) {
    const auto& a = d.dur[k];
    durs.integer(id);
    durs.date(dos);
    durs.integer(static_cast<std::int64_t>(k + 1));
    durs.text(a.reason);
    durs.text(a.significance);
    durs.text(a.other_pharmacy);
    if (a.previous_fill && a.previous_fill->valid()) durs.date(*a.previous_fill); else durs.null();
    durs.integer(a.previous_quantity);
    durs.text(a.free_text);
    durs.end_row();
  }
}

void add_link_row(rows_builder& b, std::int64_t claim_id, const batch_entry& e) {
  const rules::decision& d = e.decision;
  if (!d.replaces_claim_id) return;
  const auto& t = e.claim->transaction_code;
  const char* kind = d.status == 'D' ? "duplicate"
                     : t == "B3"     ? "rebill"
                     : t == "B2"     ? "reversal"
                                     : nullptr;
  if (kind && (d.status == 'D' || d.status == 'A' || d.status == 'P' || d.status == 'S')) {
    b.integer(claim_id);
    b.integer(d.replaces_claim_id);
    b.raw(kind);
    b.end_row();
  }
}

void claim_rows::add_claim(const batch_entry& e, std::int64_t id, codec::date dos) {
  const codec::claim& c = *e.claim;
  const rules::decision& d = e.decision;
  claims.integer(id);
  claims.date(dos);
  claims.text(e.source.empty() ? std::string_view{"unknown"} : e.source);
  claims.text(c.transaction_code);
  claims.integer(c.index);
  claims.text(c.bin);
  claims.text(c.pcn);
  claims.text(c.provider_id_qualifier);
  claims.text(c.provider_id);
  claims.text(c.rx_number);
  claims.integer(fill_number_of(c));
  claims.text(c.cardholder_id);
  claims.text(c.person_code);
  claims.text(c.group_id);
  if (d.plan_id.empty()) claims.null(); else claims.text(d.plan_id);
  if (d.plan_id.empty()) claims.null(); else claims.integer(d.plan_version);
  const char status = d.status ? d.status : 'R';
  claims.text({&status, 1});
  if (d.authorization_length) claims.text(d.authorization()); else claims.null();
  claims.integer(static_cast<std::int64_t>(d.request_fingerprint));
  if (c.product_qualifier.empty()) claims.null(); else claims.text(c.product_qualifier);
  if (c.product_id.empty()) claims.null(); else claims.text(c.product_id);
  if (d.product_name.empty()) claims.null(); else claims.text(d.product_name);
  if (d.therapeutic_class.empty()) claims.null(); else claims.text(d.therapeutic_class);
  if (d.tier) claims.integer(d.tier); else claims.null();
  claims.integer(c.quantity);
  if (c.days_supply) claims.integer(*c.days_supply); else claims.null();
  if (c.prescriber_id.empty()) claims.null(); else claims.text(c.prescriber_id);
  if (d.price) {
    const auto& p = *d.price;
    claims.integer(p.patient_pay);
    claims.integer(p.ingredient_cost_paid);
    claims.integer(p.dispensing_fee_paid);
    claims.integer(p.incentive_paid);
    claims.integer(p.professional_fee_paid);
    claims.integer(p.total_paid);
    claims.text(p.basis_of_reimbursement);
    claims.integer(p.copay);
    claims.integer(p.coinsurance);
    claims.integer(p.deductible_applied);
    claims.integer(p.product_selection_brand);
    claims.text(format_other_amounts(p));
  } else {
    for (int k = 0; k < 9; ++k) claims.null();
    // An accepted reversal: minus what the reversed claim applied (migration 0011).
    if (d.accumulator_year.valid()) claims.integer(d.accumulated.deductible); else claims.null();
    for (int k = 0; k < 2; ++k) claims.null();
  }
  // The accumulators: the plan year and what the claim applied to it, then 512-FC, 513-FD,
  // 514-FE, 520-FK and 566-J5 as answered (replayed on a duplicate).
  if (d.accumulator_year.valid()) claims.date(d.accumulator_year); else claims.null();
  claims.integer(d.accumulated.out_of_pocket);
  claims.integer(d.accumulated.benefit);
  const codec::pricing* p = d.price ? &*d.price : nullptr;
  for (auto field : {&codec::pricing::accumulated_deductible, &codec::pricing::remaining_deductible,
                     &codec::pricing::remaining_benefit, &codec::pricing::over_benefit_maximum,
                     &codec::pricing::other_payer_recognized}) {
    if (p) claims.integer(p->*field); else claims.null();
  }
  detail_.clear();
  write_claim_detail(detail_, c, d);
  claims.raw(detail_);
  claims.bytea(packer_ ? packer_->pack(bytes_kind::request, e.request_bytes) : e.request_bytes);
  claims.bytea(packer_ ? packer_->pack(bytes_kind::response, e.response_bytes) : e.response_bytes);
  claims.end_row();
}

}  // namespace rxgate::store::rows
