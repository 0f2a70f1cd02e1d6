// claim_reader::read_cob (codec/claim_reader.h): the COB/Other Payments segment, its other
// payers and their amounts paid, reject codes and patient responsibility.
#include "codec/claim_reader.h"

namespace rxgate::codec::detail {

using namespace literals;

void claim_reader::read_cob(const segment_view& s) {
  c_.has_cob = true;
  each_counted(s, "4C"_fid, "5C"_fid, "P4", max_other_payers, "7P", 0, [&](const field_range& rep, std::uint8_t occ) {
    other_payer p;
    p.coverage_type = rep.get_or_empty("5C"_fid);
    if (p.coverage_type.size() != 2 || !all_digits(p.coverage_type))
      reject("5C", "5C"_fid, occ, rep.offset_of("5C"_fid));
    p.id_qualifier = rep.get_or_empty("6C"_fid);
    p.id = rep.get_or_empty("7C"_fid);
    p.paid_date = date_of(rep, "E8"_fid);
    // A count field of this payer against its repetitions: not a number -> M/I of the count,
    // over what rxgate keeps -> `over`, different -> `mismatch`.
    auto count_of = [&](field_id count_field, field_id repeated, std::size_t max, std::string_view over,
                        std::string_view mismatch) {
      const auto v = rep.get(count_field);
      if (!v) return;
      const auto n = parse_unsigned(*v);
      const auto code = missing_code(count_field);
      if (!n) reject(code.empty() ? mismatch : code, count_field, occ, rep.offset_of(count_field));
      else if (static_cast<std::size_t>(*n) > max) reject(over, count_field, occ, rep.offset_of(count_field));
      else if (static_cast<std::size_t>(*n) != rep.count(repeated)) reject(mismatch, count_field, occ, rep.offset_of(count_field));
    };
    count_of("HB"_fid, "HC"_fid, max_payer_amounts, "7R", "SF");
    count_of("5E"_fid, "6E"_fid, max_payer_reject_codes, "YC", "R2");
    count_of("NR"_fid, "NP"_fid, max_payer_responsibilities, "YD", "SH");
    count_of("MU"_fid, "MV"_fid, 4, "MX", "MX");
    p.amounts_first = c_.cob_amount_count;
    p.rejects_first = c_.cob_reject_code_count;
    p.responsibilities_first = c_.cob_responsibility_count;
    // Amounts paid (342-HC then 431-DV) and patient responsibility (351-NP then 352-NQ) pair a
    // qualifier with the amount after it; an amount without its qualifier, or a qualifier
    // without its amount, is M/I at that field. `kept` is false when the pools are full (the
    // over-count reject is sent and the amount that follows is skipped).
    struct pair_state {
      bool open = false, kept = false;
    } paid_pair, responsibility_pair;
    auto add_pair = [&](bool paid, std::string_view qualifier, std::uint32_t offset) {
      auto& pool = paid ? c_.cob_amounts : c_.cob_responsibilities;
      auto& pool_count = paid ? c_.cob_amount_count : c_.cob_responsibility_count;
      auto& own = paid ? p.amount_count : p.responsibility_count;
      const std::size_t own_max = paid ? max_payer_amounts : max_payer_responsibilities;
      if (pool_count == pool.size() || own == own_max) {
        reject(paid ? "7R" : "YD", paid ? "HB"_fid : "NR"_fid, occ, offset);
        return false;
      }
      pool[pool_count++] = other_payer_amount{qualifier, 0};
      ++own;
      return true;
    };
    for (std::size_t i = 0; i < rep.size(); ++i) {
      const auto id = rep.id(i);
      const auto value = rep.value(i);
      const auto offset = rep.ref(i).offset;
      if (id == "HC"_fid || id == "NP"_fid) {
        const bool paid = id == "HC"_fid;
        auto& state = paid ? paid_pair : responsibility_pair;
        if (state.open) reject(paid ? "DV" : "NQ", paid ? "DV"_fid : "NQ"_fid, occ, offset);
        if (value.size() != 2) reject(paid ? "HC" : "NP", id, occ, offset);
        state = {true, add_pair(paid, value, offset)};
      } else if (id == "DV"_fid || id == "NQ"_fid) {
        const bool paid = id == "DV"_fid;
        auto& state = paid ? paid_pair : responsibility_pair;
        if (!state.open) {
          reject(paid ? "HC" : "NP", paid ? "HC"_fid : "NP"_fid, occ, offset);
          state.kept = add_pair(paid, {}, offset);
        }
        state.open = false;
        if (!state.kept) continue;
        const auto amount = parse_overpunch(value);
        if (!amount) reject(paid ? "DV" : "NQ", id, occ, offset);
        else if (paid && *amount < 0) reject("8V", id, occ, offset);
        const std::int64_t cents = amount.value_or(0);
        if (paid) {
          c_.cob_amounts[c_.cob_amount_count - 1].amount = cents;
          p.amount_paid += cents;
        } else {
          c_.cob_responsibilities[c_.cob_responsibility_count - 1].amount = cents;
        }
      } else if (id == "6E"_fid) {
        const auto code = trim_value(value);
        if (code.empty() || code.size() > 3) reject("6E", id, occ, offset);
        if (c_.cob_reject_code_count == c_.cob_reject_codes.size() || p.reject_count == max_payer_reject_codes) {
          reject("YC", "5E"_fid, occ, offset);
          continue;
        }
        c_.cob_reject_codes[c_.cob_reject_code_count++] = code;
        ++p.reject_count;
      }
    }
    if (paid_pair.open) reject("DV", "DV"_fid, occ, rep.offset_of("HC"_fid));
    if (responsibility_pair.open) reject("NQ", "NQ"_fid, occ, rep.offset_of("NP"_fid));
    c_.other_payers[c_.other_payer_count++] = p;
  });
}

}  // namespace rxgate::codec::detail
