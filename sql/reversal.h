// Private to sql/: when and by which claim a paid claim was reversed (migration 0027).
//
// A reversal does not touch the claims row it reverses: the reversing claim (a B2 answered A, a
// B3 paid) links to it in claim_links ('reversal', 'rebill') in the transaction that deletes its
// key row. A B2 answered S (the claim was already reversed) links 'reversal' to it too, and its
// link need not come later: created_at is its transaction's start, and a batch that lost the
// reversal to a later one is decided again as S in its own, earlier transaction. So the reversal
// is the link whose claim is not an S, the first by (created_at, claim_id) should there be more
// (one claims probe by id in the reversed claim's partition: the reversing claim has its key,
// date of service included). The writer's history uses the same rule (store_statements.cpp, K
// rows), only for a paid claim whose key row is gone.
#pragma once

#include <string>
#include <string_view>

namespace rxgate::store::detail {

// A subquery for LEFT JOIN LATERAL (...) ON true: the reversal of claims row `x` as claim_id (the
// reversing claim) and created_at (when), no row when it was not reversed. Only a paid claim can
// be reversed: for any other the condition on `x` alone skips the claim_links_replaces probe.
// `reversing_date`, when given, is a condition on the reversing claim `rc` that bounds its date as
// the caller's own claims row is bounded (a literal month range, so that a generic plan names one
// month's partitions: reader.cpp).
inline std::string reversal_of(std::string_view x, std::string_view reversing_date = {}) {
  std::string s("SELECT rl.claim_id, rl.created_at FROM claim_links rl JOIN claims rc ON rc.id = rl.claim_id AND ");
  if (!reversing_date.empty()) s.append(reversing_date).append(" AND ");
  s.append("rc.date_of_service = ").append(x).append(".date_of_service AND rc.status <> 'S' WHERE rl.replaces_claim_id = ");
  s.append(x).append(".id AND rl.kind IN ('reversal', 'rebill') AND ").append(x).append(".status = 'P' ");
  return s.append("ORDER BY rl.created_at, rl.claim_id LIMIT 1");
}

}  // namespace rxgate::store::detail
