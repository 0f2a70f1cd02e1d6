// Every public D.0 vector decodes, and the values read back are the ones written in the vector
// (checked here by hand against the bytes, not just "no error"). INDEX.md's known flaws are
// expected as validation findings.
#include <gtest/gtest.h>

#include "codec/claim.h"
#include "codec/decode.h"
#include "tests/codec/vector_util.h"

using namespace rxgate::codec;
using namespace rxgate::codec::literals;
using rxgate::testing::load_vector;

namespace {

struct decoded {
  std::string bytes;
  std::unique_ptr<message> msg = std::make_unique<message>();
  std::unique_ptr<validation> val = std::make_unique<validation>();
};

std::unique_ptr<decoded> decode_vector(const std::string& name) {
  auto d = std::make_unique<decoded>();
  d->bytes = load_vector(name);
  const auto err = decode(d->bytes, *d->msg);
  EXPECT_FALSE(err) << name << ": " << to_string(err.code) << " at " << err.offset;
  if (!err && d->msg->kind == message_kind::request) validate(*d->msg, *d->val);
  return d;
}

std::vector<std::string> codes(const reject_list& l) {
  std::vector<std::string> out;
  for (const auto& r : l) out.emplace_back(r.code_view());
  return out;
}

}  // namespace

TEST(Vectors, EveryVectorDecodes) {
  const auto names = rxgate::testing::vector_names();
  ASSERT_EQ(names.size(), 20u);
  for (const auto& name : names) {
    auto d = decode_vector(name);
    EXPECT_GT(d->msg->segment_count, 0) << name;
    // Responses start with the version, requests with the BIN.
    const bool response = d->msg->kind == message_kind::response;
    EXPECT_EQ(response ? d->msg->response.version : d->msg->request.version, "D0") << name;
  }
}

TEST(Vectors, SerDe1RetailB1) {
  auto d = decode_vector("src-NCPDPSerDe-1.txt");
  const message& m = *d->msg;
  EXPECT_EQ(m.request.bin, "880151");
  EXPECT_EQ(m.request.transaction_code, "B1");
  EXPECT_EQ(trim_value(m.request.pcn), "");
  EXPECT_EQ(m.request.provider_id_qualifier, "01");
  EXPECT_EQ(trim_value(m.request.provider_id), "1234567893");
  EXPECT_EQ(m.request.date_of_service, "20180207");
  EXPECT_EQ(m.group_count, 1);

  const claim& c = d->val->claims[0];
  EXPECT_EQ(c.cardholder_id, "POLICYNUMBERTHATISLO");
  EXPECT_EQ(c.group_id, "D0PAIDDUR");
  EXPECT_EQ(c.relationship, 1);
  ASSERT_TRUE(c.date_of_birth);
  EXPECT_EQ(*c.date_of_birth, (date{1934, 1, 2}));
  EXPECT_EQ(c.gender, 1);
  EXPECT_EQ(c.rx_number, "6000001");
  EXPECT_EQ(c.product_qualifier, "03");
  EXPECT_EQ(c.product_id, "00172240780");
  EXPECT_EQ(c.quantity, 1000);  // 1.000 units
  EXPECT_EQ(c.fill_number, 0);
  EXPECT_EQ(c.days_supply, 30);
  EXPECT_EQ(c.prescriber_id, "1234587693");
  EXPECT_EQ(c.ingredient_cost, 9);    // "I" = +0.09
  EXPECT_EQ(c.dispensing_fee, 400);   // "40{" = 4.00
  EXPECT_EQ(c.usual_customary, 834);  // "83D" = 8.34
  EXPECT_EQ(c.gross_amount_due, 409); // "40I" = 4.09
  EXPECT_EQ(c.basis_of_cost, "01");
  // INDEX.md: EV (PA number) "PANUM" sent without EU: not 9(11).
  ASSERT_EQ(codes(c.rejects), std::vector<std::string>{"EV"});
  EXPECT_EQ(c.rejects.items[0].field, "EV"_fid);
}

TEST(Vectors, SerDe2FourTransactionsPaddedFields) {
  auto d = decode_vector("src-NCPDPSerDe-2.txt");
  const message& m = *d->msg;
  EXPECT_EQ(m.request.bin, "003858");  // leading zeros kept
  EXPECT_EQ(trim_value(m.request.pcn), "MA");
  EXPECT_EQ(m.declared_count(), 4);
  EXPECT_EQ(trim_value(m.request.software_id), "CERT");
  ASSERT_EQ(m.group_count, 4);
  ASSERT_EQ(d->val->claim_count, 4);
  EXPECT_FALSE(d->val->transmission_rejected);

  const char* rx[] = {"000003671354", "000003671352", "000003671349", "000003671361"};
  const char* ndc[] = {"31722070010", "70069009101", "59746012110", "29300012510"};
  const std::int64_t qty[] = {30000, 6000, 45000, 30000};
  const int days[] = {30, 24, 15, 30};
  const std::int64_t cost[] = {6019, 12487, 2167, 17442};
  const std::int64_t uc[] = {7018, 13486, 3166, 18441};
  for (int i = 0; i < 4; ++i) {
    const claim& c = d->val->claims[i];
    SCOPED_TRACE(i);
    EXPECT_TRUE(c.rejects.empty()) << codes(c.rejects).size();
    EXPECT_EQ(c.cardholder_id, "55558662900");  // trailing blanks trimmed
    EXPECT_EQ(c.group_id, "RXINN01");
    EXPECT_EQ(c.person_code, "");
    EXPECT_EQ(c.patient_id, "                6211");  // right-justified by the sender: kept
    EXPECT_EQ(c.rx_number, rx[i]);
    EXPECT_EQ(c.product_id, ndc[i]);  // 19-wide field, blanks trimmed
    EXPECT_EQ(c.quantity, qty[i]);
    EXPECT_EQ(c.days_supply, days[i]);
    EXPECT_EQ(c.fill_number, 8);
    EXPECT_EQ(c.refills_authorized, 11);
    EXPECT_EQ(c.ingredient_cost, cost[i]);
    EXPECT_EQ(c.dispensing_fee, 999);
    EXPECT_EQ(c.usual_customary, uc[i]);
    EXPECT_EQ(c.patient_paid, 0);
    EXPECT_EQ(c.pa_type, "00");
    EXPECT_EQ(c.pa_number, "00000000000");
    EXPECT_EQ(c.prescriber_id, "1578020970");
    EXPECT_EQ(c.date_written, (date{2020, 7, 29}));
  }
  EXPECT_EQ(d->val->claims[1].unit_of_measure, "ML");
}

TEST(Vectors, SerDe3EligibilityWithoutGroupSeparator) {
  auto d = decode_vector("src-NCPDPSerDe-3.txt");
  const message& m = *d->msg;
  EXPECT_EQ(m.request.transaction_code, "E1");
  EXPECT_EQ(m.group_count, 0);
  ASSERT_EQ(d->val->claim_count, 1);
  const claim& c = d->val->claims[0];
  EXPECT_TRUE(c.rejects.empty());
  EXPECT_EQ(c.cardholder_id, "D0ELIGCOB");
  EXPECT_EQ(c.date_of_birth, (date{1942, 5, 1}));
  EXPECT_EQ(c.patient_residence, "00");
  EXPECT_FALSE(c.has_claim);
}

TEST(Vectors, SerDe7ReversalWithVendorSegment) {
  auto d = decode_vector("src-NCPDPSerDe-7.txt");
  const message& m = *d->msg;
  EXPECT_EQ(m.request.transaction_code, "B2");
  EXPECT_EQ(trim_value(m.request.pcn), "TESTTEST1");
  // The vendor segment AMXX is kept with its fields (&B, #A, !F ...) and skipped by validation.
  const auto vendor = m.find(segment_id::vendor, 1);
  ASSERT_TRUE(vendor);
  EXPECT_EQ(std::string_view(vendor.ref()->raw_id.data(), 2), "XX");
  EXPECT_EQ(vendor.get("&B"_fid), "TEST");
  EXPECT_EQ(vendor.get("!Q"_fid), "CITY");
  const claim& c = d->val->claims[0];
  EXPECT_TRUE(c.rejects.empty());
  EXPECT_EQ(c.rx_number, "1159262");
  EXPECT_EQ(c.product_id, "59746017110");
  EXPECT_EQ(c.fill_number, 1);
  EXPECT_EQ(c.quantity, 28000);
}

TEST(Vectors, SerDe11NearlyEverySegment) {
  auto d = decode_vector("src-NCPDPSerDe-11.txt");
  const message& m = *d->msg;
  EXPECT_EQ(m.count_segments(segment_id::claim, 1), 1);
  const claim& c = d->val->claims[0];
  ASSERT_EQ(c.scc_count, 2);
  EXPECT_EQ(c.scc[0], 20);
  EXPECT_EQ(c.scc[1], 21);
  ASSERT_EQ(c.dur_pps_count, 3);
  EXPECT_EQ(c.dur_pps[0].reason, "TD");
  EXPECT_EQ(c.dur_pps[1].reason, "HD");
  EXPECT_EQ(c.dur_pps[2].reason, "DD");
  EXPECT_EQ(c.dur_pps[2].professional, "M0");
  EXPECT_EQ(c.dur_pps[2].result, "1G");
  EXPECT_EQ(c.dur_pps[2].co_agent_id, "COAGENT-ID");
  ASSERT_EQ(c.diagnosis_count, 2);
  EXPECT_EQ(c.diagnoses[0], "M06.9");
  EXPECT_EQ(c.diagnoses[1], "Z79.899");
  ASSERT_EQ(c.other_payer_count, 1);
  EXPECT_EQ(c.other_payers[0].id, "015581");
  EXPECT_EQ(c.other_payers[0].reject_count, 2);
  EXPECT_EQ(c.other_payers[0].paid_date, (date{2023, 12, 19}));
  ASSERT_EQ(c.ingredient_count, 3);
  EXPECT_EQ(c.ingredients[0].product_id, "51927177800");
  EXPECT_EQ(c.ingredients[0].quantity, 3);    // 0.003
  EXPECT_EQ(c.ingredients[0].cost, 51);       // "0000005A" = 0.51
  EXPECT_EQ(c.ingredients[2].quantity, 30000);
  EXPECT_EQ(c.ingredients[2].cost, 3808);     // "0000380H" = 38.08
  // INDEX.md: the PA number is not numeric, and AM10 rides on a claim with D6=1.
  EXPECT_TRUE(c.rejects.contains("EV"));
  EXPECT_TRUE(c.rejects.contains("8D"));
  EXPECT_EQ(c.rejects.count, 2);
}

TEST(Vectors, NcpdpNet2CompoundWithPlaceholders) {
  auto d = decode_vector("src-NCPDP.NET-2.txt");
  const message& m = *d->msg;
  EXPECT_EQ(m.batch_reference, "0466917401");  // Batch 1.2 detail record
  EXPECT_EQ(m.request.bin, "610066");
  EXPECT_EQ(m.request.pcn, "1234567890");
  const claim& c = d->val->claims[0];
  EXPECT_EQ(c.compound_code, 2);
  EXPECT_EQ(c.product_qualifier, "00");
  EXPECT_EQ(c.product_id, "0");
  EXPECT_EQ(c.quantity, 120000);
  ASSERT_EQ(c.ingredient_count, 3);
  EXPECT_EQ(c.ingredients[0].product_id, "11845013901");
  EXPECT_FALSE(c.ingredients[0].cost);  // INDEX.md: ingredient 1 has no EE
  EXPECT_EQ(c.ingredients[1].cost, 840);  // "84{" = 8.40
  EXPECT_EQ(c.ingredients[2].cost, 460);
  ASSERT_EQ(c.other_amount_count, 1);
  EXPECT_EQ(c.other_amounts[0].qualifier, "01");
  EXPECT_EQ(c.other_amounts[0].amount, 500);  // "50{" = 5.00
  EXPECT_EQ(c.usual_customary, 3115);
  // DK0 is not a D.0 value (34, occurrence 1); the missing ingredient cost is EE, occurrence 1.
  ASSERT_EQ(c.rejects.count, 2);
  EXPECT_EQ(c.rejects.items[0].code_view(), "34");
  EXPECT_EQ(c.rejects.items[0].occurrence, 1);
  EXPECT_EQ(c.rejects.items[1].code_view(), "EE");
  EXPECT_EQ(c.rejects.items[1].field, "EE"_fid);
  EXPECT_EQ(c.rejects.items[1].occurrence, 1);
}

TEST(Vectors, NcpdpNet1BatchFileWithPlaceholderCob) {
  auto d = decode_vector("src-NCPDP.NET-1.txt");
  const message& m = *d->msg;
  EXPECT_EQ(m.request.bin, "004740");
  EXPECT_EQ(m.request.pcn, "YRG7065NNQ");
  EXPECT_EQ(m.request.provider_id_qualifier, "05");  // Medicaid provider number
  EXPECT_EQ(trim_value(m.request.provider_id), "02074115");
  EXPECT_EQ(m.request.date_of_service, "20151112");
  const claim& c = d->val->claims[0];
  EXPECT_EQ(c.rx_number, "000005073530");
  EXPECT_EQ(c.gross_amount_due, 101775);  // "10177E"
  EXPECT_EQ(c.patient_paid, 0);
  ASSERT_EQ(c.other_payer_count, 2);
  // INDEX.md: 5C/HC/DV hold placeholders ("DATA1" ...): flagged per other-payer occurrence
  // (a 342-HC qualifier has 2 characters).
  EXPECT_EQ(c.rejects.items[0].code_view(), "5C");
  EXPECT_EQ(c.rejects.items[0].occurrence, 1);
  EXPECT_EQ(c.rejects.items[1].code_view(), "HC");
  EXPECT_EQ(c.rejects.items[1].occurrence, 1);
  EXPECT_EQ(c.rejects.items[2].code_view(), "DV");
  EXPECT_EQ(c.rejects.items[3].code_view(), "5C");
  EXPECT_EQ(c.rejects.items[3].occurrence, 2);
  ASSERT_EQ(c.amounts_paid(c.other_payers[1]).size(), 2u);
  EXPECT_EQ(c.amounts_paid(c.other_payers[1])[0].qualifier, "DATA9");
}

TEST(Vectors, NcpdpNet7TruncatedNumerics) {
  auto d = decode_vector("src-NCPDP.NET-7.txt");
  const claim& c = d->val->claims[0];
  EXPECT_TRUE(c.rejects.empty());
  EXPECT_EQ(c.quantity, 30000);   // "E730000"
  EXPECT_EQ(c.fill_number, 0);    // "D30"
  EXPECT_EQ(c.days_supply, 30);
  EXPECT_EQ(c.refills_authorized, 5);
  ASSERT_EQ(c.scc_count, 1);
  EXPECT_EQ(c.scc[0], 4);
  EXPECT_EQ(c.ingredient_cost, 5570);
  EXPECT_EQ(c.gross_amount_due, 8070);
  EXPECT_EQ(c.prescriber_id_qualifier, "08");
  EXPECT_EQ(c.prescriber_id, "00G2345");
  EXPECT_EQ(c.pharmacist_id, "3935933");
  EXPECT_EQ(c.patient_last_name, "SMITH");
}

TEST(Vectors, NcpdpParserNonConformant) {
  auto d = decode_vector("src-ncpdp_parser-1.txt");
  const claim& c = d->val->claims[0];
  EXPECT_EQ(c.ingredient_cost, 3597);   // "0000359G"
  EXPECT_EQ(c.incentive, 4000);         // "0000400{"
  // INDEX.md: EM01 is two characters for an x(1) field.
  ASSERT_FALSE(c.rejects.empty());
  EXPECT_EQ(c.rejects.items[0].code_view(), "EM");
}

TEST(Vectors, ResponsePaidSerDe4) {
  auto d = decode_vector("src-NCPDPSerDe-4.txt");
  const message& m = *d->msg;
  ASSERT_EQ(m.kind, message_kind::response);
  EXPECT_EQ(m.response.transaction_code, "B1");
  EXPECT_EQ(m.response.status, "A");
  EXPECT_EQ(m.response.date_of_service, "20180207");
  const auto status = m.find(segment_id::response_status, 1);
  EXPECT_EQ(status.get("AN"_fid), "P");
  EXPECT_EQ(status.get("F3"_fid), "123456789123456789");
  const auto price = m.find(segment_id::response_pricing, 1);
  ASSERT_TRUE(price);
  EXPECT_EQ(parse_overpunch(*price.get("F6"_fid)), 6543);
  EXPECT_EQ(parse_overpunch(*price.get("F9"_fid)), 7543);
  // F9 = F6 + F7 + J4 - F5 (ncpdp-d0.md §6.5)
  EXPECT_EQ(*parse_overpunch(*price.get("F6"_fid)) + *parse_overpunch(*price.get("F7"_fid)) +
                *parse_overpunch(*price.get("J4"_fid)) - *parse_overpunch(*price.get("F5"_fid)),
            7543);
  EXPECT_EQ(price.get("*1"_fid), "N");  // trailing vendor fields kept
}

TEST(Vectors, ResponseRejectedFiveCodes) {
  auto d = decode_vector("src-NCPDPSerDe-5.txt");
  const auto status = d->msg->find(segment_id::response_status, 1);
  EXPECT_EQ(status.get("FA"_fid), "5");
  ASSERT_EQ(status.count("FB"_fid), 5u);
  EXPECT_EQ(status.repetition(4, "FB"_fid).get("FB"_fid), "372");
  EXPECT_EQ(status.repetition_count("UH"_fid), 2u);
  EXPECT_EQ(status.repetition(1, "UH"_fid).get("FQ"_fid), "SECOND QS/1 TEST REJECT MESSAGE");
  const auto claim_seg = d->msg->find(segment_id::response_claim, 1);
  EXPECT_EQ(parse_overpunch(*claim_seg.get("AT"_fid)), 125);
}

TEST(Vectors, ResponseRejectOccurrenceAndDur) {
  auto d = decode_vector("src-NCPDP.NET-5.txt");
  const auto status = d->msg->find(segment_id::response_status, 1);
  ASSERT_EQ(status.repetition_count("FB"_fid), 2u);
  EXPECT_EQ(status.repetition(0, "FB"_fid).get("4F"_fid), "3");
  EXPECT_EQ(status.repetition(1, "FB"_fid).get("FB"_fid), "EE");
  const auto dur = d->msg->find(segment_id::response_dur, 1);
  EXPECT_EQ(dur.get("E4"_fid), "HD");
  EXPECT_EQ(dur.get("FY"_fid), "MAXDOSE=6/DAY");
}

TEST(Vectors, ResponseFourDurAlerts) {
  auto d = decode_vector("src-NCPDP.NET-3.txt");
  const auto dur = d->msg->find(segment_id::response_dur, 1);
  ASSERT_EQ(dur.repetition_count("J6"_fid), 4u);
  const auto er = dur.repetition(2, "J6"_fid);
  EXPECT_EQ(er.get("E4"_fid), "ER");
  EXPECT_EQ(er.get("FU"_fid), "20070901");
  EXPECT_EQ(er.get("FY"_fid), "RX IS 10DAYS EARLY");
}

TEST(Vectors, ResponseTransmissionRejected) {
  auto d = decode_vector("src-NCPDP.NET-4.txt");
  EXPECT_EQ(d->msg->response.status, "R");
  const auto status = d->msg->find(segment_id::response_status, 1);
  EXPECT_EQ(status.repetition(0, "FB"_fid).get("FB"_fid), "01");
  EXPECT_EQ(status.repetition(1, "FB"_fid).get("FB"_fid), "04");
}

TEST(Vectors, ResponseEligibilityWithCob) {
  auto d = decode_vector("src-NCPDPSerDe-10.txt");
  const message& m = *d->msg;
  EXPECT_EQ(m.response.transaction_code, "E1");
  EXPECT_TRUE(m.find(segment_id::response_insurance_additional, 0));
  EXPECT_EQ(m.find(segment_id::response_patient, 0).get("CB"_fid), "POWERLINE");
  const auto cob = m.find(segment_id::response_cob, 1);
  EXPECT_EQ(cob.get("7C"_fid), "610097");
  EXPECT_EQ(cob.get("UY"_fid), "20261231");
}

TEST(Vectors, ResponseContinuityLines) {
  auto d = decode_vector("src-NCPDPSerDe-9.txt");
  const auto status = d->msg->find(segment_id::response_status, 1);
  ASSERT_EQ(status.repetition_count("UH"_fid), 3u);
  std::string joined;
  for (std::size_t k = 0; k < 3; ++k) joined += status.repetition(k, "UH"_fid).get_or_empty("FQ"_fid);
  EXPECT_EQ(joined, "RTR-GATEWAY: TRANSACTION CODE (103-A3) IS INVALID. SUBMIT CLAIM AND REVERSAL SEPARATELY");
}

TEST(Vectors, ResponseFourGroupsAndApprovedMessages) {
  auto six = decode_vector("src-NCPDPSerDe-6.txt");
  EXPECT_EQ(six->msg->group_count, 4);
  EXPECT_EQ(six->msg->find(segment_id::response_claim, 3).get("D2"_fid), "000003671349");
  auto twelve = decode_vector("src-NCPDPSerDe-12.txt");
  const auto status = twelve->msg->find(segment_id::response_status, 1);
  EXPECT_EQ(status.get("5F"_fid), "3");
  EXPECT_EQ(status.repetition(2, "6F"_fid).get("6F"_fid), "012");
  auto eight = decode_vector("src-NCPDPSerDe-8.txt");
  EXPECT_EQ(eight->msg->find(segment_id::response_status, 1).get("AN"_fid), "A");
  auto six_net = decode_vector("src-NCPDP.NET-6.txt");
  EXPECT_EQ(six_net->msg->find(segment_id::response_message, 0).get("F4"_fid),
            "TRANSMISSION MESSAGE TEXT");
}
