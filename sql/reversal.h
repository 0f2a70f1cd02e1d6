// Private to sql/: when and by which claim a paid claim was reversed (migration 0027).
//
// A reversal does not touch the claims row it reverses: the reversing claim (a B2 answered A, a
// B3 paid) links to it in claim_links ('reversal', 'rebill') in the transaction that deletes its
// key row, created_at the time of that transaction. A later B2 answered S links 'reversal' to the
// same claim; it comes later (a later transaction, or a higher id in the same batch), so the
// reversal is the first such link by (created_at, claim_id). The writer's history needs only
// whether a paid claim is reversed, which its key row says (store_statements.cpp, K rows).
#pragma once

#include <string>
#include <string_view>

namespace rxgate::store::detail {

// A subquery for LEFT JOIN LATERAL (...) ON true: the reversal of claims row `x` as claim_id (the
// reversing claim) and created_at (when), no row when it was not reversed. Only a paid claim can
// be reversed: for any other the condition on `x` alone skips the claim_links_replaces probe.
inline std::string reversal_of(std::string_view x) {
  std::string s("SELECT rl.claim_id, rl.created_at FROM claim_links rl WHERE rl.replaces_claim_id = ");
  s.append(x).append(".id AND rl.kind IN ('reversal', 'rebill') AND ").append(x).append(".status = 'P' ");
  return s.append("ORDER BY rl.created_at, rl.claim_id LIMIT 1");
}

}  // namespace rxgate::store::detail
