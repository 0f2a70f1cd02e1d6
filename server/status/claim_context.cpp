#include "server/status/claim_context.h"

#include <algorithm>

#include "codec/dictionary.h"

namespace rxgate::server::status {

using namespace codec::literals;

namespace {

std::string_view header_value(const codec::message& m, codec::field_id id) {
  const auto& h = m.request;
  switch (id) {
    case "A1"_fid: return codec::trim_value(h.bin);
    case "A2"_fid: return codec::trim_value(h.version);
    case "A3"_fid: return codec::trim_value(h.transaction_code);
    case "A4"_fid: return codec::trim_value(h.pcn);
    case "A9"_fid: return codec::trim_value(h.count);
    case "B2"_fid: return codec::trim_value(h.provider_id_qualifier);
    case "B1"_fid: return codec::trim_value(h.provider_id);
    case "D1"_fid: return codec::trim_value(h.date_of_service);
    case "AK"_fid: return codec::trim_value(h.software_id);
  }
  return {};
}

bool is_header_field(codec::field_id id) {
  switch (id) {
    case "A1"_fid: case "A2"_fid: case "A3"_fid: case "A4"_fid: case "A9"_fid:
    case "B2"_fid: case "B1"_fid: case "D1"_fid: case "AK"_fid:
      return true;
  }
  return false;
}

bool contains(const std::vector<std::string_view>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

const rules::plan* find_plan(const rules::plan_set* set, std::string_view id, std::optional<int> version) {
  if (!set || id.empty()) return nullptr;
  const rules::plan* latest = nullptr;
  for (const auto& p : set->plans()) {
    if (p->id != id) continue;
    if (version && p->version == static_cast<std::uint32_t>(*version)) return p.get();
    if (!latest || p->version > latest->version) latest = p.get();
  }
  return latest;
}

bool alert_rejected(const claim_context& x, std::string_view reason, std::string_view significance) {
  if (!x.plan) return true;
  const int sev = significance.empty() ? 9 : significance[0] - '0';
  if (sev > x.plan->dur_reject_severity) return false;
  if (x.claim) {
    for (std::size_t k = 0; k < x.claim->dur_pps_count && k < x.claim->dur_pps.size(); ++k) {
      const auto& e = x.claim->dur_pps[k];
      if (e.reason == reason && !e.professional.empty() && contains(x.plan->dur_override_results, e.result))
        return false;
    }
  }
  return true;
}

std::optional<std::string_view> sent_value(const codec::message& m, int group, codec::field_id id, int occurrence) {
  if (is_header_field(id)) return header_value(m, id);
  const int want = occurrence > 0 ? occurrence : 1;
  int seen = 0;
  for (const auto& s : m.all_segments()) {
    if (s.group != 0 && s.group != group) continue;
    codec::segment_view v(&m, &s);
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v.id(i) == id && ++seen == want) return v.value(i);
  }
  return std::nullopt;
}

}  // namespace rxgate::server::status
