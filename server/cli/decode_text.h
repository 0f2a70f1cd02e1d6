// How `rxgate decode` shows a transmission to a person: field labels with number and ID
// ("302-C2 Cardholder ID"), code values with their names (112-AN "P" Paid), reject codes with the
// reject catalog's text, money in dollars and cents, dates in ISO form, segments by name; and what
// is wrong with it (payer validation for a request, findings for a response: a rejected status
// with no reject code, counts that disagree with the repetitions that follow, ...).
//
// The names come from codec/ (dictionary, code lists) and rules/ (reject catalog); this file only
// renders. The header layout is chosen by the transmission's version (D.0 today), so another
// version adds its own header table here and the rest is shared.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "codec/view.h"

namespace rxgate::cli {

// Something a reader should know about a transmission.
struct finding {
  int transaction = 0;  // 1-based transaction group; 0 for the transmission as a whole
  std::string code;     // the reject code payer validation gives (requests), empty for a response finding
  std::string text;     // one sentence, naming fields as "510-FA Reject Count"; never a patient value
};

// Requests: the rejects of payer validation (codec::validate). Responses: inconsistencies a
// payer's answer should not have (see decode_text.cpp for the list).
std::vector<finding> findings(const codec::message& m);

// The plain listing: header, segments by transaction, then the findings.
void write_text(std::ostream& out, const codec::message& m);

// codec::to_json(m) unchanged, plus a "decoded" member: every field with its number, name, wire
// value and decoded value (money and quantities as exact decimals, dates ISO, code names), and the
// findings.
void write_decoded_json(const codec::message& m, std::string& out);

}  // namespace rxgate::cli
