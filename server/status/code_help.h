// Specific help per reject code, the "help" object of a reject on the claim page: for 79, 75,
// 70/MR, 50, 608, 76/7X/AG/G9, 88, 41, G6/4W, UU/AJ, 8K, 39/80, RL/TN, 78 and 8A what to send or whom to
// ask, with the plan's accepted codes.
// Internal to server/status.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "codec/json_writer.h"
#include "server/status/claim_context.h"

namespace rxgate::server::status {

// Writes "help": {...} into the reject object open in `j` when `code` has specific help and the
// claim carries what it needs; writes nothing otherwise. `phone` is the plan's help desk.
void write_code_help(codec::json_writer& j, std::string_view code, const claim_context& x, std::string_view phone);

// Writes "tier_copay" (dollars) and "tier_copay_kind" of covered alternative `d` (null when the
// plan or the product is not loaded any more): the copay or coinsurance of its tier at this claim's
// pharmacy network, member group, quantity and days supply, as the rules price it
// (rules::tier_copay_of); before any deductible or out-of-pocket maximum.
void write_tier_copay(codec::json_writer& j, const claim_context& x, const rules::product* d);

// Cents as dollars for a sentence: 475 -> "4.75", -5 -> "-0.05".
std::string dollars(std::int64_t cents);

}  // namespace rxgate::server::status
