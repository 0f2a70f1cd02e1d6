// The kinds of claim the load generator sends and the mix of them (relative weights).
//
// Each kind names the answer it predicts (see scenario.h for how the plan's data makes that
// answer certain). Names are the ones `rxgate load --mix` takes; they never change meaning.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rxgate::load {

enum class claim_kind : std::uint8_t {
  paid,              // B1, plain member/product/pharmacy -> P
  multi,             // B1 with four transactions -> P P P P
  retransmit,        // the bytes of an earlier paid claim again -> D with its authorization
  refill_too_soon,   // same member and drug as an earlier paid claim, new Rx -> R 79
  reversal,          // B2 of an earlier paid claim -> A
  rebill,            // B3 of an earlier paid claim -> P
  eligibility_check, // E1 for a covered member -> A
  unknown_member,    // -> R 52
  terminated,        // member whose coverage ended -> R 69 or 68
  not_covered,       // excluded product -> R 70
  not_on_formulary,  // -> R MR
  prior_auth,        // PA required, none on file -> R 75
  plan_limit,        // over the quantity limit -> R 76
  dur,               // drug of a class the member is allergic to -> R 88
  network,           // out-of-network pharmacy -> R 40
  syntax,            // cardholder ID missing -> R 07
};
inline constexpr std::size_t kind_count = 16;

// The --mix name of a kind ("refill-too-soon", "e1", ...); a view of static storage.
std::string_view to_string(claim_kind k) noexcept;
std::optional<claim_kind> kind_from_string(std::string_view name) noexcept;
// Kinds that answer to an earlier paid claim (they need one whose P answer has arrived).
bool is_follow_up(claim_kind k) noexcept;

using claim_mix = std::array<unsigned, kind_count>;  // relative weights, indexed by claim_kind
claim_mix default_mix() noexcept;

// "paid=60,retransmit=5,..." (also one "kind weight" or "kind=weight" per line of a file, with #
// comments). Kinds not named keep weight 0; a kind named twice keeps its last weight. Weights are
// whole numbers up to 999999. On bad input returns false, leaves `out` alone and says why in `why`.
bool parse_mix(std::string_view spec, claim_mix& out, std::string& why);

}  // namespace rxgate::load
