// The logic of the codec fuzz targets, shared by the libFuzzer entry points (fuzz_*.cpp, clang,
// RXGATE_FUZZ) and by the corpus replay test (tests/codec/corpus_replay_test.cpp, any compiler),
// so that every input the fuzzers found interesting is replayed in CI.
//
// Each target returns 0 and aborts (after naming the broken property on stderr) when the codec
// breaks a promise: an error offset past the input, a view outside the input, a response that
// cannot be built or does not decode back to what was put in it.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/numeric.h"
#include "codec/response.h"
#include "codec/view.h"
#include "codec/writer.h"

namespace rxgate::fuzz {

using namespace codec::literals;

// Name of the input being replayed, if any, for the message of a broken property.
inline const char*& current_input() {
  static const char* name = nullptr;
  return name;
}

[[noreturn]] inline void broken(const char* what) {
  std::fprintf(stderr, "fuzz target: %s%s%s\n", what, current_input() ? " -- input " : "",
               current_input() ? current_input() : "");
  std::fflush(stderr);
  std::abort();
}

inline void require(bool ok, const char* what) {
  if (!ok) broken(what);
}

// Buffers are large (fixed arrays); one of each per process, reused by every input.
struct scratch {
  codec::message request_or_response;
  codec::message second;
  codec::validation validation;
  codec::response reply;
};
inline scratch& buffers() {
  static scratch* s = new scratch;  // never freed: lives as long as the fuzzing process
  return *s;
}

// Every view of a decoded message lies inside `input` and every segment's fields inside the
// field table; reading every value byte lets ASan see an over-read.
inline std::size_t check_views(const codec::message& m, std::string_view input) {
  const char* const lo = input.data();
  const char* const hi = input.data() + input.size();
  require(m.bytes.data() >= lo && m.bytes.data() + m.bytes.size() <= hi, "message bytes outside input");
  require(m.segment_count <= codec::max_segments, "segment count over capacity");
  require(m.field_count <= codec::max_fields, "field count over capacity");
  require(m.group_count <= codec::max_transactions, "group count over capacity");
  // A Batch 1.2 reference is printable data of its detail record, never framing.
  for (char c : m.batch_reference)
    require(c >= 0x20 && c <= 0x7E, "batch reference holds a byte that is not printable ASCII");
  std::size_t sum = 0;
  for (const auto& seg : m.all_segments()) {
    require(seg.first_field + seg.field_count <= m.field_count, "segment fields outside field table");
    require(seg.offset < m.bytes.size(), "segment offset outside message");
    require(seg.group <= m.group_count, "segment in a group that was not counted");
    const codec::segment_view view{&m, &seg};
    for (std::size_t i = 0; i < view.size(); ++i) {
      const auto& f = m.fields[seg.first_field + i];
      require(std::size_t{f.offset} + f.length <= m.bytes.size(), "field value outside message");
      require(f.length <= codec::max_field_length, "field longer than any D.0 field");
      for (char c : view.raw(i)) sum += static_cast<unsigned char>(c);
      // Numbers and dates are read from arbitrary values by validate() and by the rules.
      (void)codec::parse_overpunch(view.value(i));
      (void)codec::parse_unsigned(view.value(i));
      (void)codec::parse_date(view.value(i));
    }
    // Repetitions keyed on the segment's own first field, as the group readers do.
    if (!view.empty()) {
      const auto start = view.id(0);
      const std::size_t reps = view.repetition_count(start);
      std::size_t covered = 0;
      for (std::size_t k = 0; k < reps; ++k) {
        const auto rep = view.repetition(k, start);
        require(!rep.empty() && rep.id(0) == start, "repetition does not open on its start field");
        covered += rep.size();
      }
      require(covered == view.size(), "repetitions do not cover the segment");
    }
  }
  return sum;
}

inline void check_rejects(const codec::reject_list& l) {
  require(l.count <= l.items.size(), "reject list over capacity");
  for (const auto& r : l) {
    const auto code = r.code_view();
    require(!code.empty() && code.size() <= 3, "reject code of bad length");
    for (char c : code)
      require((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'), "reject code is not [0-9A-Z]");
  }
}

inline void check_validation(const codec::validation& v) {
  require(v.claim_count >= 1 && v.claim_count <= codec::max_transactions, "claim count out of 1..4");
  check_rejects(v.transmission_rejects);
  require(v.transmission_rejected == !v.transmission_rejects.empty(),
          "transmission_rejected disagrees with its reject list");
  for (std::size_t i = 0; i < v.claim_count; ++i) check_rejects(v.claims[i].rejects);
}

// The answer rxgate gives to a request before any plan rule: header echo, one transaction per
// claim with the validation rejects (R) or accepted-for-adjudication (P here, so that a status
// with an authorization number and pricing is exercised too).
inline void reply_to(const codec::message& request, const codec::validation& v, codec::response& r) {
  r = codec::response{};
  codec::echo_header(request, r);
  r.header_status = v.transmission_rejected ? 'R' : 'A';
  r.transaction_count = v.claim_count;
  for (std::size_t i = 0; i < v.claim_count; ++i) {
    const auto& c = v.claims[i];
    auto& t = r.transactions[i];
    t.rejects = c.rejects;
    t.rx_qualifier = c.rx_qualifier;
    t.rx_number = c.rx_number;
    t.transaction_reference = c.transaction_reference;
    if (c.rejects.empty()) {
      t.status = 'P';
      t.authorization_number = "FUZZ0001";
      codec::pricing p;
      p.ingredient_cost_paid = c.ingredient_cost.value_or(0);
      p.dispensing_fee_paid = c.dispensing_fee.value_or(0);
      p.patient_pay = c.patient_paid.value_or(0);
      p.total_paid = p.ingredient_cost_paid + p.dispensing_fee_paid - p.patient_pay;
      p.basis_of_reimbursement = "01";
      t.price = p;
    } else {
      t.status = 'R';
      t.add_text("CLAIM REJECTED BY THE FRONT END; SEE THE REJECT CODES AND FIX THE FIELDS");
    }
  }
}

// A response decoded from bytes rxgate built says what was put in: header status, count, and
// per transaction the status and the reject codes with their occurrences, in order.
inline void check_reply_decodes(const codec::response& r, std::string_view bytes, codec::message& m) {
  const auto err = codec::decode(bytes, m);
  require(!err, "a built response does not decode");
  require(m.kind == codec::message_kind::response, "a built response decodes as a request");
  require(m.response.status.size() == 1 && m.response.status[0] == r.header_status,
          "header status did not survive");
  require(m.declared_count() == r.transaction_count, "transaction count did not survive");
  require(m.group_count == r.transaction_count, "group count differs from the transactions built");
  for (std::size_t i = 0; i < r.transaction_count; ++i) {
    const auto& t = r.transactions[i];
    const auto status = m.find(codec::segment_id::response_status, static_cast<int>(i + 1));
    require(static_cast<bool>(status), "AM21 missing from a built transaction");
    const auto an = status.get_or_empty("AN"_fid);
    require(an.size() == 1 && an[0] == t.status, "transaction status did not survive");
    if (t.rejects.empty()) {
      require(!status.has("FA"_fid) && !status.has("FB"_fid), "rejects appeared from nowhere");
      continue;
    }
    require(codec::parse_unsigned(status.get_or_empty("FA"_fid)) ==
                static_cast<std::int64_t>(t.rejects.count),
            "reject count did not survive");
    // Walk FB [4F] in wire order.
    std::size_t k = 0;
    for (std::size_t f = 0; f < status.size(); ++f) {
      if (status.id(f) != "FB"_fid) continue;
      require(k < t.rejects.count, "more FB than rejects");
      const auto& want = t.rejects.items[k];
      require(status.value(f) == want.code_view(), "reject code did not survive");
      const bool has_occurrence = f + 1 < status.size() && status.id(f + 1) == "4F"_fid;
      if (want.occurrence > 0) {
        require(has_occurrence &&
                    codec::parse_unsigned(status.value(f + 1)) ==
                        static_cast<std::int64_t>(want.occurrence),
                "reject occurrence did not survive");
      } else {
        require(!has_occurrence, "an occurrence appeared from nowhere");
      }
      ++k;
    }
    require(k == t.rejects.count, "fewer FB than rejects");
  }
}

// decode; then validate (request) or validate_decode_failure (any error) and build the answer
// a server would send. Responses are walked view by view.
inline int fuzz_decode_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  auto& b = buffers();
  codec::message& m = b.request_or_response;
  const auto err = codec::decode(input, m);

  char text[160];
  const auto described = codec::describe(err, text);
  require(described.size() < sizeof text, "describe() overran its buffer");
  char tiny[8];
  require(codec::describe(err, tiny).size() < sizeof tiny, "describe() overran a small buffer");

  char out[8192];
  if (err) {
    require(err.offset <= size, "error offset past the end of the input");
    require(err.code != codec::errc::ok, "an error with code ok");
    codec::validate_decode_failure(m, err, input, b.validation);
    check_validation(b.validation);
    require(b.validation.transmission_rejected, "a decode failure that is not a transmission reject");
    reply_to(m, b.validation, b.reply);
    require(codec::build_response(b.reply, out).has_value(), "a transmission reject does not fit 8 KiB");
    return 0;
  }
  check_views(m, input);
  if (m.kind == codec::message_kind::request) {
    codec::validate(m, b.validation);
    check_validation(b.validation);
    reply_to(m, b.validation, b.reply);
    require(codec::build_response(b.reply, out).has_value(), "a response does not fit 8 KiB");
  }
  return 0;
}

// Decoded segments and fields of two messages are the same (IDs, levels, values as sent).
inline void require_same_structure(const codec::message& a, const codec::message& b) {
  require(a.kind == b.kind, "kind changed");
  require(a.version == b.version, "version changed");
  require(a.group_count == b.group_count, "group count changed");
  require(a.segment_count == b.segment_count, "segment count changed");
  require(a.field_count == b.field_count, "field count changed");
  require(a.bytes.substr(0, a.header_size()) == b.bytes.substr(0, b.header_size()), "header changed");
  for (std::size_t s = 0; s < a.segment_count; ++s) {
    const auto& sa = a.segments[s];
    const auto& sb = b.segments[s];
    require(sa.id == sb.id && sa.raw_id == sb.raw_id && sa.group == sb.group &&
                sa.field_count == sb.field_count,
            "segment changed");
    const codec::segment_view va{&a, &sa}, vb{&b, &sb};
    for (std::size_t i = 0; i < va.size(); ++i)
      require(va.id(i) == vb.id(i) && va.raw(i) == vb.raw(i), "field changed");
  }
}

// Writes a decoded message again, field for field, with codec::writer.
inline std::string_view rewrite(const codec::message& m, std::string& buffer) {
  buffer.assign(m.bytes.size() + 64, '\0');
  codec::writer w{buffer};
  if (m.kind == codec::message_kind::response) {
    const auto& h = m.response;
    w.fixed(h.version, 2).fixed(h.transaction_code, 2).fixed(h.count, 1).fixed(h.status, 1)
        .fixed(h.provider_id_qualifier, 2).fixed(h.provider_id, 15).fixed(h.date_of_service, 8);
  } else if (m.version == codec::wire_version::f6) {
    const auto& h = m.request;
    w.fixed(h.version, 2).fixed(h.transaction_code, 2).fixed(h.bin, 8).fixed(h.pcn, 10)
        .fixed(h.count, 1).fixed(h.provider_id_qualifier, 2).fixed(h.provider_id, 15)
        .fixed(h.date_of_service, 8).fixed(h.software_id, 10);
  } else {
    const auto& h = m.request;
    w.fixed(h.bin, 6).fixed(h.version, 2).fixed(h.transaction_code, 2).fixed(h.pcn, 10)
        .fixed(h.count, 1).fixed(h.provider_id_qualifier, 2).fixed(h.provider_id, 15)
        .fixed(h.date_of_service, 8).fixed(h.software_id, 10);
  }
  // F6 (request or response) has no group separator: its one transaction is implicit.
  const bool f6 = m.version == codec::wire_version::f6;
  std::uint8_t group = 0;
  for (const auto& seg : m.all_segments()) {
    while (!f6 && group < seg.group) {
      w.group();
      ++group;
    }
    w.segment_raw({seg.raw_id.data(), 2});
    const codec::segment_view v{&m, &seg};
    for (std::size_t i = 0; i < v.size(); ++i) w.field_always(v.id(i), v.raw(i));
  }
  require(w.ok(), "the rewrite does not fit the input's size");
  return w.view();
}

// decode -> write again with codec::writer -> decode: same segments and fields, same bytes.
// Requests also go decode -> validate -> build the answer -> decode the answer, and the
// statuses and reject codes must survive.
inline int fuzz_roundtrip_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  auto& b = buffers();
  codec::message& m = b.request_or_response;
  if (codec::decode(input, m)) return 0;

  static std::string rewritten;
  const auto bytes = rewrite(m, rewritten);
  require(bytes == m.bytes, "the rewrite differs from the bytes decoded");
  const auto again = codec::decode(bytes, b.second);
  require(!again, "the rewrite does not decode");
  require_same_structure(m, b.second);

  if (m.kind != codec::message_kind::request) {
    // A response read into the model is built again; an F6 one comes out in F6 form and decodes
    // as an F6 response (a D.0 one may lose what the model does not hold, vendor segments, and
    // with them what made it look like a response).
    static std::array<char, 4096> joined;
    if (!codec::read_response(m, b.reply, joined)) return 0;
    char out[8192];
    const auto used = codec::build_response(b.reply, out);
    require(used.has_value(), "a response read back does not build");
    if (m.version != codec::wire_version::f6) return 0;
    require(!codec::decode({out, *used}, b.second), "a response built from a read does not decode");
    require(b.second.kind == codec::message_kind::response && b.second.version == m.version,
            "a response built from a read changed kind or version");
    return 0;
  }
  codec::validate(m, b.validation);
  reply_to(m, b.validation, b.reply);
  char out[8192];
  const auto used = codec::build_response(b.reply, out);
  require(used.has_value(), "a response does not fit 8 KiB");
  check_reply_decodes(b.reply, {out, *used}, b.second);
  return 0;
}

}  // namespace rxgate::fuzz
