// One batch through the store protocol of sql/store.h, as named steps (internal to the pipeline;
// the batcher's worker runs one per batch it takes):
//   gather       entries for the store: transactions for the rules first, then syntax rejects
//   begin        open the batch's transaction; load the members' history (one query), and for
//                P1-P4 the PA each is about and new PA numbers (one more, P batches only)
//   adjudicate   rules::adjudicate each transaction in order, earlier paid fills of the batch
//                folded into the member's history and what earlier claims of the family applied
//                into the plan year's accumulators (claims in one batch see each other)
//   respond      build each transmission's D.0 response
//   record PAs   file the pending PAs P1/P4 request and revoke those P2 cancels (P batches only)
//   insert       insert every entry; then re-adjudicate and re-insert the ones another node
//                committed a paid claim under the same key for meanwhile (conflicts), 3 rounds;
//                a re-decided claim that changes what it applied to accumulators a later claim
//                of its family read fails the batch (batch.cpp, family_decided_after)
//   commit       commit, then count the claims into the metrics
// On any store error every transmission of the batch gets a host reject (92 unavailable, 99
// otherwise) and the steps stop: nothing is reported paid that is not committed.
//
// Lifetime: a batch_pass lives for one run() on the worker's thread; `jobs`, the store, the
// metrics, the authorization numbers and `db_failing` belong to the worker and outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "codec/claim.h"
#include "rules/decision.h"
#include "rules/plan.h"
#include "server/core/metrics.h"
#include "server/pipeline/authorization_numbers.h"
#include "server/pipeline/transmission.h"
#include "sql/store.h"

namespace rxgate::server {

class batch_pass {
 public:
  // `db_failing` carries across batches of one worker, so an outage is logged once.
  batch_pass(std::vector<std::shared_ptr<transmission>>& jobs, store::claim_store& store,
             std::shared_ptr<const rules::plan_set> plans, metrics& m, authorization_numbers& authorizations,
             bool& db_failing);

  // Runs every step; each transmission then has its response (or host reject) and probe_ok.
  void run();

 private:
  struct origin {
    transmission* job;
    std::uint8_t index;
  };

  void gather();
  bool begin();
  void adjudicate_all();
  void adjudicate(std::size_t i);
  void respond(transmission& t);
  bool record_prior_authorizations();
  bool insert();
  bool settle_conflicts();
  // True when an entry after `i` of the same family read the accumulators (batch.cpp says why).
  bool family_decided_after(std::size_t i) const;
  bool commit();
  void count_claims();
  // Answers the whole batch with host rejects and counts them; always returns false.
  bool fail(const store::error& err, std::string_view stage);

  std::vector<std::shared_ptr<transmission>>& jobs_;
  store::claim_store& store_;
  std::shared_ptr<const rules::plan_set> plans_;
  metrics& metrics_;
  authorization_numbers& authorizations_;
  bool& db_failing_;
  codec::date today_;

  std::unique_ptr<store::batch> batch_;
  bool committed_ = false;  // insert() committed too (no entry lost its key)
  std::vector<store::batch_entry> entries_;
  std::vector<origin> origins_;          // entries_[i] is transaction origins_[i].index of origins_[i].job
  std::size_t rule_count_ = 0;           // entries_[0, rule_count_) go through the rules
  // Fills paid earlier in this batch for the same member, newest first, then the database's.
  std::vector<std::vector<rules::prior_fill>> overlay_;
};

}  // namespace rxgate::server
