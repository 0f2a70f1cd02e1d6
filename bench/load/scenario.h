// What a plan offers to each claim kind: the members, products and pharmacies whose claims can
// only get the answer their kind predicts. Built once from the plan snapshot the server also
// loads, then read (never changed) by every io thread.
//
// Expected outcomes, by construction:
//   * "plain" members are covered on the date of service, have no other coverage and no
//     allergies; "plain" products are covered, on formulary, need no PA or step therapy, have no
//     quantity, days-supply, age, gender or daily-dose limit, are not specialty, have a copay
//     tier, and belong to a therapeutic class that no DUR interaction or duplicate-therapy rule
//     names; "plain" pharmacies are retail and in network. A plain claim can only pay.
//   * Paid claims (paid, multi, rebill) carry submission clarification code 420-DK set to the
//     plan's first refill-too-soon override. Their outcome then does not depend on fills the
//     database already holds (earlier runs, other connections, the order of a batch): a member
//     may get the same drug twice in flight and both pay. Without it the outcome of concurrent
//     claims for one member would depend on the order the server commits them.
//   * Follow-ups refer to a paid claim whose P answer already arrived (so it is committed), and
//     each paid claim gets at most one follow-up: a retransmit of the same bytes -> D with the
//     same authorization number; the same member and drug under a new Rx number without the
//     override -> 79; a B2 -> A; a B3 -> P.
//   * Each reject family uses a member/product/pharmacy whose only fault is that family's:
//     unknown cardholder 52, ended coverage 69/68, excluded product 70, off formulary MR, PA
//     required 75, over the quantity limit 76, allergy class 88, out of network 40, missing
//     cardholder 07. A reject answer matches when its status is R and one of the expected codes
//     is among its reject codes (others may accompany it).
// A kind the plan has no data for (no terminated member, say) is dropped from the mix with a
// notice (supported_mix).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/load/mix.h"
#include "codec/numeric.h"

namespace rxgate::rules {
struct plan;
}

namespace rxgate::load {

// Indexes into the plan's members, products and pharmacies. Holds a pointer to `plan`, which
// must outlive it.
struct scenario {
  const rules::plan* plan = nullptr;
  codec::date dos;
  std::array<char, 8> dos_text{};   // CCYYMMDD
  std::string override_scc;         // 420-DK value that lifts refill-too-soon; empty: none
  std::string unknown_cardholder = "NOMEMBER99";  // a cardholder ID the plan does not know
  std::vector<std::uint32_t> plain_members, ended_members;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> allergy_pairs;  // member, product
  std::vector<std::uint32_t> plain_products, excluded_products, off_formulary_products, pa_products, ql_products;
  std::vector<std::uint32_t> plain_pharmacies, oon_pharmacies;

  // True when the plan has the data to build claims of kind `k`.
  bool supports(claim_kind k) const noexcept;
};

scenario build_scenario(const rules::plan& p, codec::date dos);

// `wanted` with the kinds `s` cannot build set to 0; those kinds are appended to `dropped`.
claim_mix supported_mix(const scenario& s, const claim_mix& wanted, std::vector<claim_kind>& dropped);

}  // namespace rxgate::load
