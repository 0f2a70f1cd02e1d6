// The zstd dictionaries the raw request and response of claims are packed with (migration 0028,
// sql/claim_bytes.h): `rxgate dictionaries train` and `rxgate dictionaries list`.
//
// Training reads the newest claims (unpacking those already packed), trains one dictionary per
// kind on nine in ten of them and measures it on the tenth, then stores both in one transaction.
// Running gateways pick the new dictionaries up within a minute (the writer looks once a minute;
// readers load a dictionary the first time a value names it). Nothing is ever deleted.
// Also one claim's raw request or response as it was sent (`rxgate claims raw`): once an operator
// has trained, the stored value is a zstd frame, so SQL alone cannot give the bytes back.
// Blocking calls for the command line; errors as store::error, never an exception.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sql/access.h"
#include "sql/store.h"

namespace rxgate::store {

struct claim_dictionary_listing {
  std::uint32_t id = 0;
  std::string kind;  // "request" | "response"
  std::size_t bytes = 0;
  int samples = 0;
  std::int64_t held_out_raw = 0;     // bytes of the held-out values
  std::int64_t held_out_packed = 0;  // and packed with this dictionary
  std::string created_at;            // ISO 8601 UTC
};

struct claim_dictionary_training {
  std::string dsn;
  int claims = 20000;             // the newest claims to learn from (at least 1,000)
  std::size_t max_bytes = 32768;  // per dictionary
};

// Trains and stores one request and one response dictionary. errc::invalid when fewer than 1,000
// claims are stored (or asked for) or zstd cannot train on them; `made` lists what was stored.
error train_claim_dictionaries(const claim_dictionary_training& options, std::vector<claim_dictionary_listing>& made);

// Every dictionary, oldest first.
error list_claim_dictionaries(const std::string& dsn, std::vector<claim_dictionary_listing>& out);

struct raw_claim_read {
  std::string dsn;
  std::int64_t claim_id = 0;
  bool response = false;  // the response sent instead of the request received
  reader_identity who;  // the audit row's actor ("cli:<user>"), remote and token_id unused
};

// The claim's request or response byte for byte as it was received or sent, unpacked when stored
// packed. The read is audited in claim_reads in the same transaction, committed durably before
// the bytes are returned: action "raw_request" | "raw_response", outcome "ok" or "not_found"
// (errc::not_found, `out` empty). A stored value that cannot be unpacked is errc::internal and
// audited "error".
error read_raw_claim_bytes(const raw_claim_read& in, std::string& out);

}  // namespace rxgate::store
