#include "server/cli/decode_text.h"

#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>

#include "codec/claim.h"
#include "codec/code_names.h"
#include "codec/dictionary.h"
#include "codec/json.h"
#include "codec/json_writer.h"
#include "codec/numeric.h"
#include "rules/reject_catalog.h"

namespace rxgate::cli {
namespace {

using namespace rxgate::codec;
using namespace rxgate::codec::literals;

// ---- the transmission's version and header layout ----

struct header_item {
  field_id id;
  std::string_view value;  // as sent, untrimmed
};

// "D.0" for 102-A2 "D0"; other versions as sent.
std::string version_label(std::string_view wire) {
  if (wire.size() == 2 && wire[1] == '0') return std::string{wire[0]} + ".0";
  return std::string(wire);
}

std::string_view version_of(const message& m) {
  return m.kind == message_kind::request ? m.request.version : m.response.version;
}

// The fixed header fields in wire order (ncpdp-d0.md §2, §3). A version with another layout adds
// its table here, chosen by version_of(m).
std::vector<header_item> header_items(const message& m) {
  if (m.kind == message_kind::request) {
    const auto& h = m.request;
    return {{"A1"_fid, h.bin}, {"A2"_fid, h.version}, {"A3"_fid, h.transaction_code},
            {"A4"_fid, h.pcn}, {"A9"_fid, h.count}, {"B2"_fid, h.provider_id_qualifier},
            {"B1"_fid, h.provider_id}, {"D1"_fid, h.date_of_service}, {"AK"_fid, h.software_id}};
  }
  const auto& h = m.response;
  return {{"A2"_fid, h.version}, {"A3"_fid, h.transaction_code}, {"A9"_fid, h.count},
          {"F1"_fid, h.status}, {"B2"_fid, h.provider_id_qualifier}, {"B1"_fid, h.provider_id},
          {"D1"_fid, h.date_of_service}};
}

// ---- one field, read for a person ----

// Fields whose values are reject codes: their names and texts are the reject catalog's.
bool holds_reject_code(field_id id) { return id == "FB"_fid || id == "6E"_fid; }

struct reading {
  const field_info* info = nullptr;
  std::optional<std::int64_t> units;  // money, quantities, rates, percents: in 10^-places
  int places = 0;
  std::string iso;                    // dates CCYY-MM-DD, times HH:MM
  std::string_view meaning;           // code name, reject name, "unknown"
  std::string_view explanation;       // reject catalog text, for reject codes
  std::string_view error;             // why the value does not fit its format
};

reading read_field(segment_id seg, field_id id, std::string_view value) {
  reading r;
  r.info = find_field(seg, id);
  if (value.empty() || !r.info) return r;
  r.places = r.info->implied_decimals;
  switch (r.info->format) {
    case field_format::money:
    case field_format::rate:
      r.units = parse_overpunch(value);
      if (!r.units) r.error = "not a valid signed overpunch number";
      break;
    case field_format::quantity:
    case field_format::percent:
      r.units = parse_unsigned(value);
      if (!r.units) r.error = "not a valid number";
      break;
    case field_format::date:
      if (auto d = parse_date(value)) {
        std::array<char, 16> buf{};
        std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02u", d->year, unsigned{d->month}, unsigned{d->day});
        r.iso = buf.data();
      } else {
        r.error = "not a valid CCYYMMDD date";
      }
      break;
    case field_format::time:
      if (value.size() == 4 && parse_unsigned(value)) r.iso = std::string(value.substr(0, 2)) + ":" + std::string(value.substr(2));
      break;
    case field_format::numeric:
    case field_format::alphanumeric:
      break;
  }
  if (holds_reject_code(id)) {
    if (const auto* info = rules::find_reject(value)) {
      r.meaning = info->short_name;
      r.explanation = info->explanation;
    } else {
      r.meaning = "not an NCPDP reject code";
    }
  } else {
    r.meaning = code_label(id, value);
  }
  return r;
}

// Integer in units of 10^-decimals as a decimal number: 1455, 2 -> "14.55"; -50, 2 -> "-0.50".
std::string decimal_text(std::int64_t v, int decimals, std::string_view unit = {}) {
  const bool negative = v < 0;
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  std::uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  std::string frac = std::to_string(magnitude % scale);
  frac.insert(0, static_cast<std::size_t>(decimals) - frac.size(), '0');
  return (negative ? "-" : "") + std::string(unit) + std::to_string(magnitude / scale) + (decimals ? "." + frac : "");
}

// "302-C2 Cardholder ID"; "BT Next Available Fill Date (F6)" for an F6 field whose NCPDP number is
// not public (codec/dictionary.h); "*1 (vendor or unknown field)" for IDs neither version defines.
std::string field_label(const field_info* info, field_id id) {
  const auto chars = field_chars(id);
  const std::string two(chars.data(), chars.size());
  if (!info) return two + " (vendor or unknown field)";
  if (info->number.empty()) return two + " " + std::string(info->name) + " (F6)";
  return std::string(info->number) + "-" + two + " " + std::string(info->name);
}

std::string field_label(field_id id) { return field_label(find_field(id), id); }

std::string readable_value(const reading& r, std::string_view value) {
  if (value.empty()) return "(blank)";
  std::string text(value);
  if (r.units) {
    const bool money = r.info->format == field_format::money;
    text = decimal_text(*r.units, r.places, money ? "$" : "");
  } else if (!r.iso.empty()) {
    text = r.iso;
  }
  if (!r.error.empty()) text += "  (" + std::string(r.error) + ")";
  if (!r.meaning.empty()) text += " (" + std::string(r.meaning) + ")";
  return text;
}

void print_field(std::ostream& out, segment_id seg, field_id id, std::string_view value) {
  const reading r = read_field(seg, id, value);
  out << "  " << field_label(r.info, id) << " = " << readable_value(r, value) << '\n';
  if (!r.explanation.empty()) out << "      " << r.explanation << '\n';
}

std::string segment_title(const segment_ref& ref) {
  const std::string_view name = segment_name(ref.id);
  return "AM" + std::string(ref.raw_id.data(), 2) + ' ' +
         std::string(name.empty() ? std::string_view("(vendor segment)") : name);
}

void print_segments(std::ostream& out, const message& m, int group) {
  for (const auto& ref : m.all_segments()) {
    if (ref.group != group) continue;
    out << segment_title(ref) << '\n';
    const field_range fields(&m, ref.first_field, ref.field_count);
    for (std::size_t i = 0; i < fields.size(); ++i) print_field(out, ref.id, fields.id(i), fields.value(i));
  }
}

// ---- findings ----

std::string reject_finding_text(const reject& r) {
  std::string text(r.code_view());
  if (const auto* info = rules::find_reject(r.code_view())) text += " " + std::string(info->short_name);
  if (r.field != 0) text += ": field " + field_label(r.field);
  if (r.occurrence != 0) text += ", occurrence " + std::to_string(unsigned{r.occurrence});
  return text;
}

void request_findings(const message& m, std::vector<finding>& out) {
  auto v = std::make_unique<validation>();
  validate(m, *v);
  const auto add = [&](int transaction, const reject_list& rejects) {
    for (const reject& r : rejects) out.push_back({transaction, std::string(r.code_view()), reject_finding_text(r)});
    if (rejects.dropped)
      out.push_back({transaction, "", std::to_string(unsigned{rejects.dropped}) + " more rejects not listed: 510-FA holds 5"});
  };
  if (v->transmission_rejected) add(0, v->transmission_rejects);
  for (std::size_t i = 0; i < v->claim_count; ++i) add(static_cast<int>(i + 1), v->claims[i].rejects);
}

// A count field and the repeating field it counts, in one response segment (ncpdp-d0.md §5).
struct counted {
  segment_id segment;
  field_id count;
  field_id item;
};
constexpr counted k_counted[] = {
    {segment_id::response_status, "FA"_fid, "FB"_fid},    // 510-FA Reject Count
    {segment_id::response_status, "5F"_fid, "6F"_fid},    // 547-5F Approved Message Code Count
    {segment_id::response_status, "UF"_fid, "FQ"_fid},    // 130-UF Additional Message Information Count
    {segment_id::response_claim, "9F"_fid, "AP"_fid},     // 551-9F Preferred Product Count
    {segment_id::response_pricing, "J2"_fid, "J3"_fid},   // 563-J2 Other Amount Paid Count
    {segment_id::response_pricing, "MU"_fid, "MV"_fid},   // 392-MU Benefit Stage Count
    {segment_id::response_cob, "NT"_fid, "5C"_fid},       // 355-NT Other Payer ID Count
};

std::string plural(std::size_t n, std::string_view one) {
  return std::to_string(n) + " " + std::string(one) + (n == 1 ? "" : "s");
}

// "1 occurrence of 511-FB Reject Code follows", "2 occurrences of ... follow".
std::string occurrences_follow(std::size_t n, field_id id) {
  return plural(n, "occurrence") + " of " + field_label(id) + (n == 1 ? " follows" : " follow");
}

void count_findings(const message& m, int g, std::vector<finding>& out) {
  for (const counted& c : k_counted) {
    const segment_view seg = m.find(c.segment, g);
    if (!seg) continue;
    const std::size_t present = seg.count(c.item);
    const auto declared_text = seg.get(c.count);
    if (!declared_text && present == 0) continue;
    if (!declared_text) {
      out.push_back({g, "", field_label(c.count) + " is missing, but " + occurrences_follow(present, c.item)});
      continue;
    }
    const auto declared = parse_unsigned(*declared_text);
    if (!declared || static_cast<std::size_t>(*declared) != present)
      out.push_back({g, "", field_label(c.count) + " says " + std::string(*declared_text) + ", but " +
                                occurrences_follow(present, c.item)});
  }
  // 567-J6 numbers the DUR/PPS alerts of AM24 1, 2, 3 ... in order.
  const segment_view dur = m.find(segment_id::response_dur, g);
  if (!dur) return;
  const std::size_t alerts = dur.repetition_count("J6"_fid);
  std::string seen;
  bool in_order = true;
  for (std::size_t k = 0; k < alerts; ++k) {
    const std::string_view counter = dur.repetition(k, "J6"_fid).get_or_empty("J6"_fid);
    seen += (k ? ", " : "") + std::string(counter);
    const auto n = parse_unsigned(counter);
    if (!n || static_cast<std::size_t>(*n) != k + 1) in_order = false;
  }
  if (!in_order)
    out.push_back({g, "", field_label("J6"_fid) + " runs " + seen + " over " + plural(alerts, "DUR/PPS alert") +
                              "; expected 1 to " + std::to_string(alerts)});
  if (dur.count("E4"_fid) > 0 && alerts == 0)
    out.push_back({g, "", "AM24 Response DUR/PPS has alerts but no " + field_label("J6"_fid) + " to start them"});
}

void status_findings(const message& m, int g, std::vector<finding>& out) {
  const segment_view st = m.find(segment_id::response_status, g);
  if (!st) {
    out.push_back({g, "", "no AM21 Response Status segment, which every response transaction carries"});
    return;
  }
  const std::string_view status = st.get_or_empty("AN"_fid);
  const std::size_t reject_codes = st.count("FB"_fid);
  if (status.empty()) {
    out.push_back({g, "", field_label("AN"_fid) + " is missing"});
  } else if (code_name("AN"_fid, status).empty()) {
    out.push_back({g, "", field_label("AN"_fid) + " \"" + std::string(status) + "\" is not a response status"});
  } else if (status == "R" && reject_codes == 0) {
    out.push_back({g, "", "status R (Rejected) without a " + field_label("FB"_fid) + ": the pharmacy cannot tell why"});
  } else if (status != "R" && reject_codes > 0) {
    out.push_back({g, "", "status " + std::string(status) + " (" + std::string(code_name("AN"_fid, status)) + ") with " +
                              plural(reject_codes, "reject code") + ": a reject always wins, so this reads as rejected"});
  }
  for (std::size_t i = 0; i < st.size(); ++i)
    if (st.id(i) == "FB"_fid && !rules::find_reject(st.value(i)))
      out.push_back({g, "", field_label("FB"_fid) + " \"" + std::string(st.value(i)) + "\" is not an NCPDP reject code"});
}

void response_findings(const message& m, std::vector<finding>& out) {
  const auto& h = m.response;
  const std::string_view header_status = trim_value(h.status);
  if (header_status != "A" && header_status != "R")
    out.push_back({0, "", field_label("F1"_fid) + " \"" + std::string(header_status) + "\" is neither A nor R"});
  if (const auto declared = parse_unsigned(trim_value(h.count)); !declared || *declared != m.group_count)
    out.push_back({0, "", field_label("A9"_fid) + " says " + std::string(trim_value(h.count)) + ", but " +
                              plural(m.group_count, "transaction group") + (m.group_count == 1 ? " follows" : " follow")});
  bool any_reject_code = false;
  for (const auto& ref : m.all_segments())
    if (ref.id == segment_id::response_status && segment_view(&m, &ref).has("FB"_fid)) any_reject_code = true;
  if (header_status == "R" && !any_reject_code)
    out.push_back({0, "", "501-F1 is R (Transmission Rejected), but no " + field_label("FB"_fid) + " says why"});
  for (int g = 1; g <= m.group_count; ++g) {
    status_findings(m, g, out);
    count_findings(m, g, out);
  }
}

void print_findings(std::ostream& out, const message& m) {
  const auto found = findings(m);
  out << (m.kind == message_kind::request ? "Validation\n" : "Findings\n");
  if (found.empty()) out << (m.kind == message_kind::request ? "  no rejects\n" : "  none\n");
  for (const finding& f : found) {
    out << "  " << (f.transaction == 0 ? std::string("transmission") : "transaction " + std::to_string(f.transaction))
        << ": " << (f.code.empty() ? "" : "reject ") << f.text << '\n';
  }
}

// ---- decoded JSON ----

void write_field_json(json_writer& j, segment_id seg, field_id id, std::string_view value) {
  const reading r = read_field(seg, id, value);
  const auto chars = field_chars(id);
  j.begin_object().field("id", std::string_view(chars.data(), chars.size()));
  // An F6 field without a public number has no "number"; "f6_only" says the segment lists the
  // field only from F6 on.
  if (r.info) {
    j.field_if("number", r.info->number).field("name", r.info->name);
    if (r.info->f6_only) j.key("f6_only").value(true);
  }
  j.field("wire", value);
  if (r.units) j.key("value").decimal(*r.units, r.places);
  else if (!r.iso.empty()) j.field("value", std::string_view(r.iso));
  j.field_if("meaning", r.meaning).field_if("explanation", r.explanation).field_if("error", r.error);
  j.end_object();
}

void write_segments_json(json_writer& j, const message& m, int group) {
  j.key("segments").begin_array();
  for (const auto& ref : m.all_segments()) {
    if (ref.group != group) continue;
    j.begin_object().field("id", std::string_view(ref.raw_id.data(), 2)).field_if("name", segment_name(ref.id));
    j.key("fields").begin_array();
    const field_range fields(&m, ref.first_field, ref.field_count);
    for (std::size_t i = 0; i < fields.size(); ++i) write_field_json(j, ref.id, fields.id(i), fields.value(i));
    j.end_array().end_object();
  }
  j.end_array();
}

}  // namespace

std::vector<finding> findings(const message& m) {
  std::vector<finding> out;
  if (m.kind == message_kind::request) request_findings(m, out);
  else response_findings(m, out);
  return out;
}

void write_text(std::ostream& out, const message& m) {
  const std::string_view code = m.transaction_code();
  const std::string_view code_meaning = code_label("A3"_fid, code);
  out << version_label(trim_value(version_of(m))) << (m.kind == message_kind::request ? " request " : " response ")
      << code << " (" << code_meaning << "), " << plural(m.group_count, "transaction group") << '\n';
  out << "Header\n";
  for (const header_item& i : header_items(m)) print_field(out, segment_id::none, i.id, trim_value(i.value));
  print_segments(out, m, 0);
  for (std::uint8_t g = 1; g <= m.group_count; ++g) {
    out << "Transaction " << unsigned{g} << '\n';
    print_segments(out, m, g);
  }
  print_findings(out, m);
}

void write_decoded_json(const message& m, std::string& out) {
  to_json(m, out);
  // to_json wrote one object; reopen it to add "decoded" as its last member.
  out.pop_back();
  out += ",\"decoded\":";
  std::string decoded;
  json_writer j(decoded);
  j.begin_object().field("version", std::string_view(version_label(trim_value(version_of(m)))));
  j.field("transaction", code_label("A3"_fid, m.transaction_code()));
  j.key("header").begin_array();
  for (const header_item& i : header_items(m)) write_field_json(j, segment_id::none, i.id, trim_value(i.value));
  j.end_array();
  write_segments_json(j, m, 0);
  j.key("transactions").begin_array();
  for (int g = 1; g <= m.group_count; ++g) {
    j.begin_object();
    write_segments_json(j, m, g);
    j.end_object();
  }
  j.end_array();
  j.key("findings").begin_array();
  for (const finding& f : findings(m))
    j.begin_object().field("transaction", f.transaction).field_if("reject", std::string_view(f.code))
        .field("text", std::string_view(f.text)).end_object();
  j.end_array().end_object();
  out += decoded;
  out += '}';
}

}  // namespace rxgate::cli
