// codec/json.h: the JSON shape of README.md (Contracts), both ways.
#include "codec/json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "codec/decode.h"

namespace rxgate::codec {
namespace {

std::filesystem::path vector_dir() { return std::filesystem::path(RXGATE_TEST_DATA) / "vectors"; }

// A vector file is two "# " comment lines, then the payload (no newline added at its end).
std::string load_vector(const std::string& name) {
  std::ifstream in(vector_dir() / name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  auto p = all.find('\n');
  p = all.find('\n', p + 1);
  return p == std::string::npos ? std::string{} : all.substr(p + 1);
}

std::vector<std::string> vector_names() {
  std::vector<std::string> names;
  if (!std::filesystem::exists(vector_dir())) return names;
  for (const auto& e : std::filesystem::directory_iterator(vector_dir()))
    if (e.path().extension() == ".txt") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The wire as from_json must write it back: the transmission bytes (no batch wrapper, no ETX)
// with the trailing blanks of every segment field removed, since JSON values are trimmed.
// Computed from the field offsets, independently of json.cpp.
std::string normalised_wire(const message& m) {
  std::string out;
  std::size_t from = 0;
  for (std::size_t i = 0; i < m.field_count; ++i) {
    const auto& f = m.fields[i];
    const std::string_view raw = m.bytes.substr(f.offset, f.length);
    const std::size_t kept = trim_value(raw).size();
    out.append(m.bytes.substr(from, f.offset + kept - from));
    from = f.offset + f.length;
  }
  out.append(m.bytes.substr(from));
  return out;
}

std::string json_of(std::string_view wire) {
  auto m = std::make_unique<message>();
  const auto err = decode(wire, *m);
  EXPECT_FALSE(err) << to_string(err.code) << " at " << err.offset;
  std::string json;
  to_json(*m, json);
  return json;
}

TEST(Json, VectorsRoundTripThroughJson) {
  const auto names = vector_names();
  ASSERT_EQ(names.size(), 20u) << "tests/data/vectors should hold the 20 vectors";
  int identical_to_wire = 0;
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const std::string input = load_vector(name);
    auto m = std::make_unique<message>();
    ASSERT_FALSE(decode(input, *m));
    std::string json;
    to_json(*m, json);

    std::string wire;
    const json_error err = from_json(json, wire);
    ASSERT_FALSE(err) << err.message << " at " << err.offset;
    EXPECT_EQ(wire, normalised_wire(*m));
    if (wire == m->bytes) ++identical_to_wire;

    // And back again: the JSON of the re-encoded transmission is the same JSON.
    EXPECT_EQ(json_of(wire), json);
  }
  // Most vectors carry no padded field, so they come back byte for byte; SerDe-2 (full-width
  // padding) and a few with blank-filled values are the normalised exceptions.
  EXPECT_GE(identical_to_wire, 14);
}

TEST(Json, ResponseShapeIsExact) {
  const std::string json = json_of(load_vector("src-NCPDPSerDe-8.txt"));
  EXPECT_EQ(json,
            R"({"kind":"response","header":{"A2":"D0","A3":"B2","A9":"1","F1":"A","B2":"01",)"
            R"("B1":"1679198717","D1":"20231219"},"segments":[],"transactions":[{"segments":[)"
            R"({"id":"21","fields":[["AN","A"]]},)"
            R"({"id":"22","fields":[["EM","1"],["D2","7159262"],["*A","D0"]]}]}]})");
}

TEST(Json, EligibilityRequestShapeIsExact) {
  // E1: everything at transmission level, no GS, so "transactions" is empty.
  const std::string json = json_of(load_vector("src-NCPDPSerDe-3.txt"));
  EXPECT_EQ(json,
            R"({"kind":"request","header":{"A1":"880151","A2":"D0","A3":"E1","A4":"","A9":"1",)"
            R"("B2":"01","B1":"1730433129","D1":"20210531","AK":""},"segments":[)"
            R"({"id":"04","fields":[["C2","D0ELIGCOB"],["CC","ELIGIBILITY"],["CD","COOL"],["C6","1"]]},)"
            R"({"id":"01","fields":[["C4","19420501"],["C5","1"],["CA","ELIGIBILITY"],["CB","COOL"],["4X","00"]]}],)"
            R"("transactions":[]})");
}

TEST(Json, ResponseToJsonIsTheResponseShape) {
  const std::string wire = load_vector("src-NCPDPSerDe-4.txt");
  auto m = std::make_unique<message>();
  ASSERT_FALSE(decode(wire, *m));
  std::string json;
  response_to_json(*m, json);
  EXPECT_EQ(json.rfind(R"({"kind":"response","header":{"A2":"D0","A3":"B1",)", 0), 0u) << json;
  EXPECT_NE(json.find(R"(["AN","P"])"), std::string::npos);
}

const std::string k_header = "610014D0B1MA        1011234567893     20240105CERT      ";

TEST(Json, QuotesAndBackslashesAreEscapedAndComeBack) {
  const std::string wire = k_header + "\x1E\x1C" "AM01\x1C" "CBO\"BRIEN\\JR" "\x1D\x1E\x1C" "AM07\x1C" "D2123";
  const std::string json = json_of(wire);
  EXPECT_NE(json.find(R"(["CB","O\"BRIEN\\JR"])"), std::string::npos) << json;
  std::string back;
  ASSERT_FALSE(from_json(json, back));
  EXPECT_EQ(back, wire);
}

TEST(Json, ControlAndNonAsciiBytesAreEscaped) {
  // decode() never lets such bytes through; a message pointed at other bytes can hold them.
  const std::string wire = k_header + "\x1E\x1C" "AM01\x1C" "CAABCD" "\x1D\x1E\x1C" "AM07\x1C" "D2123";
  auto m = std::make_unique<message>();
  ASSERT_FALSE(decode(wire, *m));
  std::string altered(m->bytes);
  const auto at = altered.find("ABCD");
  altered[at + 1] = '\x01';
  altered[at + 2] = '\xE9';
  altered[at + 3] = '\x7F';
  m->bytes = altered;
  std::string json;
  to_json(*m, json);
  EXPECT_NE(json.find(R"(["CA","A\u0001\u00e9\u007f"])"), std::string::npos) << json;
}

TEST(Json, KindDefaultsToRequestAndMissingHeaderKeysAreBlank) {
  std::string wire;
  const auto err = from_json(
      R"({"header":{"A1":"610014","A2":"D0","A3":"B1","A9":"1","B2":"01","B1":"1234567893","D1":"20240105"},)"
      R"("segments":[{"id":"04","fields":[["C2","ABC"]]}],"transactions":[{"segments":[{"id":"07","fields":[["D2","1"]]}]}]} )" "\n",
      wire);
  ASSERT_FALSE(err) << err.message;
  EXPECT_EQ(wire, "610014D0B1          1011234567893     20240105          "
                  "\x1E\x1C" "AM04\x1C" "C2ABC" "\x1D\x1E\x1C" "AM07\x1C" "D21");
}

TEST(Json, KeyOrderDoesNotMatter) {
  std::string a, b;
  ASSERT_FALSE(from_json(
      R"({"kind":"response","header":{"A2":"D0","A3":"B1","A9":"1","F1":"A","B2":"01","B1":"1","D1":"20240105"},)"
      R"("segments":[],"transactions":[{"segments":[{"id":"21","fields":[["AN","P"]]}]}]})",
      a));
  ASSERT_FALSE(from_json(
      R"({"transactions":[{"segments":[{"fields":[["AN","P"]],"id":"21"}]}],"segments":[],)"
      R"("header":{"D1":"20240105","B1":"1","B2":"01","F1":"A","A9":"1","A3":"B1","A2":"D0"},"kind":"response"})",
      b));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, std::string("D0B11A011              20240105") + "\x1D\x1E\x1C" "AM21\x1C" "ANP");
}

struct bad_json_case {
  const char* what;
  std::string json;
  std::string message_part;
  std::string at;  // the error offset is where this text first occurs in `json`; "" = not checked
};

TEST(Json, BadJsonIsRefusedWithWhereAndWhy) {
  const std::string ok_header = R"("header":{"A1":"610014","A2":"D0","A3":"B1"})";
  const std::vector<bad_json_case> cases = {
      {"not JSON", "{\"header\":", "malformed JSON", ""},
      {"not an object", "[1,2]", "must be a JSON object", "[1,2]"},
      {"unknown top-level key", "{" + ok_header + R"(,"claim":1})", "unknown key at top level", "1}"},
      {"kind", R"({"kind":"claim",)" + ok_header + "}", "\"kind\" must be", "\"claim\""},
      {"header value not a string", R"({"header":{"A9":1}})", "header values must be strings", "1}"},
      {"header too long", R"({"header":{"A1":"6100140"}})", "header A1 is longer than 6 bytes", "\"6100140\""},
      {"response key in a request", R"({"header":{"F1":"A"}})", "header key F1 is not a request header field", "\"A\""},
      {"header missing", R"({"segments":[]})", "\"header\" is missing", "{"},
      {"segment id", "{" + ok_header + R"(,"segments":[{"id":"7"}]})", "a segment \"id\" is two printable characters", "\"7\""},
      {"field id", "{" + ok_header + R"(,"segments":[{"id":"07","fields":[["D2X","1"]]}]})", "a field ID is two printable characters", "\"D2X\""},
      {"field not a pair", "{" + ok_header + R"(,"segments":[{"id":"07","fields":[["D2"]]}]})", "each field is", "[\"D2\"]"},
      {"separator in a value", "{" + ok_header + R"(,"segments":[{"id":"07","fields":[["D2","1\u001c2"]]}]})", "cannot carry", "\"1\\u"},
      {"non-ASCII value", "{" + ok_header + R"(,"segments":[{"id":"01","fields":[["CA","Jos\u00e9"]]}]})", "cannot carry", "\"Jos"},
      {"value too long", "{" + ok_header + R"(,"segments":[{"id":"16","fields":[["BM",")" + std::string(501, 'A') + R"("]]}]})", "longer than 500 bytes", "\"AAA"},
      {"five transactions", "{" + ok_header + R"(,"transactions":[{"segments":[{"id":"07"}]},{"segments":[{"id":"07"}]},{"segments":[{"id":"07"}]},{"segments":[{"id":"07"}]},{"segments":[{"id":"11"}]}]})", "more than 4 transactions", "{\"segments\":[{\"id\":\"11\""},
      {"empty transaction", "{" + ok_header + R"(,"transactions":[{"segments":[]}]})", "at least one segment", "[]"},
      {"unknown segment key", "{" + ok_header + R"(,"segments":[{"id":"07","field":[]}]})", "unknown key in a segment", "[]"},
      {"trailing content", "{" + ok_header + "} x", "malformed JSON", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    std::string wire = "left over";
    const json_error err = from_json(c.json, wire);
    ASSERT_TRUE(err) << c.json;
    EXPECT_NE(err.message.find(c.message_part), std::string::npos) << err.message;
    if (!c.at.empty()) {
      EXPECT_EQ(err.offset, c.json.find(c.at)) << err.message;
    }
    EXPECT_LE(err.offset, c.json.size());
    EXPECT_TRUE(wire.empty());
  }
}

TEST(Json, EveryTruncationIsAnErrorNeverACrash) {
  const std::string json = json_of(load_vector("src-NCPDPSerDe-11.txt"));
  ASSERT_GT(json.size(), 1000u);
  std::string wire;
  for (std::size_t n = 0; n < json.size(); ++n) {
    const json_error err = from_json(std::string_view(json).substr(0, n), wire);
    ASSERT_TRUE(err) << "prefix of " << n << " bytes was accepted";
    ASSERT_LE(err.offset, n);
  }
  EXPECT_FALSE(from_json(json, wire));
}

TEST(Json, ErrorsNeverQuoteValues) {
  std::string wire;
  const auto err = from_json(R"({"header":{"A1":"SECRETVALUE"}})", wire);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.message.find("SECRET"), std::string::npos) << err.message;
}

}  // namespace
}  // namespace rxgate::codec
