// What changed between two plan snapshots (`rxgate plan diff OLD NEW`): for a plan administrator
// before a reload, and for review of a new plan version.
//
// Plans are paired by id and version; a plan whose id appears once on each side is paired with
// itself across versions; when each side holds exactly one plan they are compared whatever their
// ids (two versions of one plan in two folders). Unpaired plans are reported added or removed.
// Within a pair: settings, copays, products (by NDC), networks (by name; their MAC list prices
// by network and NDC), group benefits (by group id), pharmacies (by NPI), members (by cardholder
// ID and person code), and the DUR tables (interactions, duplicate therapy, dose limits).
//
// Members are patient data: a member change names the member's key and the fields that changed,
// never the old or new values of names, dates of birth or allergies.
//
// Start-up tooling, not the claim path: allocates freely, throws nothing of its own.
#pragma once

#include <string>
#include <vector>

namespace rxgate::rules {

class plan_set;

struct field_change {
  std::string field;
  std::string before, after;  // empty for patient data (see above)
  bool hidden = false;        // true: values withheld (patient data)
};

struct plan_change {
  std::string plan;    // "<id> v<version>"
  std::string table;   // plan, setting, copay, product, network, network_mac, group, pharmacy, member,
                       // interaction, duplicate_therapy, dose_limit
  std::string change;  // added, removed, changed
  std::string key;     // NDC, NPI, member key, setting name, tier ...
  std::vector<field_change> fields;  // for `changed`
};

struct plan_diff {
  std::vector<plan_change> changes;
  bool empty() const noexcept { return changes.empty(); }
};

plan_diff diff_plans(const plan_set& before, const plan_set& after);

// One line per change, grouped by plan and table, with a count per table at the end.
std::string diff_text(const plan_diff& d);
// {"changes":[{"plan":..,"table":..,"change":..,"key":..,"fields":[{"field":..,"before":..,"after":..}]}],
//  "summary":{"<table>":{"added":n,"removed":n,"changed":n}}}; hidden values are null.
std::string diff_json(const plan_diff& d);

}  // namespace rxgate::rules
