// D.0 transmissions as JSON, both ways (target rxgate_codec_json).
//
// One shape serves `rxgate decode --json`, `rxgate encode` and the JSON claim API
// (POST /v1/claims takes it and answers with it), README.md, Contracts:
//
//   {"kind":"request",
//    "header":{"A1":"610014","A2":"D0","A3":"B1","A4":"","A9":"1","B2":"01","B1":"...","D1":"...","AK":""},
//    "segments":[{"id":"04","fields":[["C2","..."],...]}, ...],          <- transmission level
//    "transactions":[{"segments":[{"id":"07","fields":[["D2","..."],...]}, ...]}, ...]}
//
// Header keys are the NCPDP field IDs of the fixed header: A1 A2 A3 A4 A9 B2 B1 D1 AK for a
// request, A2 A3 A9 F1 B2 B1 D1 for a response ("kind":"response"). A2 carries the version both
// ways: "A2":"F6" writes the F6 form (the 58-byte request header with an 8-character A1, no group
// separator, at most one transaction). Values are the bytes as sent
// with trailing blanks trimmed; segments and fields keep wire order, repeated fields repeat, and
// vendor segments and fields ("XX", "*1") are kept. A Batch 1.2 wrapper and a trailing ETX are not
// part of the transmission and do not appear.
//
// Round trip: from_json(to_json(m)) writes m.bytes with each segment field's trailing blanks
// removed (header fields are re-padded to their fixed widths), so a transmission without padded
// fields comes back byte for byte, and to_json(decode(from_json(j))) == j for any j to_json wrote.
//
// No exceptions: simdjson is used through its error codes. Error messages name keys, field IDs and
// offsets, never values (claims carry patient data).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "codec/view.h"

namespace rxgate::codec {

// The one error type of the JSON module. `offset` is a byte offset in the JSON text.
struct json_error {
  std::string message;  // empty when there is no error
  std::size_t offset = 0;
  explicit operator bool() const noexcept { return !message.empty(); }
};

// Appends the JSON of a decoded request or response to `out` (one line, no trailing newline).
// Strings are escaped as JSON requires; bytes outside printable ASCII (decode() rejects them,
// but a hand-filled message may hold them) are written as \u00XX, reading them as Latin-1.
void to_json(const message& m, std::string& out);

// The JSON answer of POST /v1/claims: to_json() of the decoded D.0 response the server built
// (`decoded_response.kind` is message_kind::response), so a JSON client reads exactly what a D.0
// client would.
void response_to_json(const message& decoded_response, std::string& out);

// Parses the shape above and writes the D.0 transmission into `out_wire` (replacing its
// contents). "kind" may be left out and then means "request"; header keys may be left out and
// then are blank. Rejected, with the offset of the offending JSON value: malformed JSON, unknown
// or repeated keys, values that are not strings, header values longer than their fixed width,
// segment or field IDs that are not two printable characters, values with characters that D.0
// cannot carry (separators, control characters, non-ASCII) or longer than 500 bytes, more than
// 4 transactions. The result is framed but not validated: decode() and validate() judge it.
json_error from_json(std::string_view json, std::string& out_wire);

}  // namespace rxgate::codec
