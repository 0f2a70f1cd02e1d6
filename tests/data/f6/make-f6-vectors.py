#!/usr/bin/env python3
"""Writes the F6 request vectors of this folder (run from anywhere; rewrites them in place).

There are no public F6 sample files, so these are built here from public facts only:
- the 58-byte request header: 102-A2 F6 (0,2), 103-A3 (2,2), 101-A1 IIN of 8 (4,8), 104-A4 PCN
  (12,10), 109-A9 (22,1), 202-B2 (23,2), 201-B1 (25,15), 401-D1 (40,8), 110-AK (48,10), the layout
  issue 16 takes from transactrx/NCPDPSerDe;
- the framing of D.0 (ncpdp-d0.md section 1: RS, FS, AM + segment ID, FS + field ID + value),
  which F6 keeps, without the group separator (one transaction per transmission, the
  transaction starting at the first transaction-level segment);
- repeating patient IDs 331-CX/332-CY announced by the count RR, repeating payer IDs 568-J7/569-J8
  announced by the count KR (issue 16, F6 wire facts).
Responses (response-*.txt) add:
- the 31-byte response header of D.0 with 102-A2 F6 (issue 16: "Response header 31 bytes as in
  D.0"), one transaction and no group separator: AM20, AM25, AM29 before the transaction, which
  starts at its Status segment AM21;
- the F6 fields of the Status segment after 880-K5, with the field IDs and order of
  transactrx/NCPDPSerDe's F6 status segment (pkg/ncpdp/response/responseSegment/status.go):
  A7 internal control number, MA URL, 34 reconciliation ID, BH count of BG help-desk support
  types, BB count of help-desk business units BA (type) / BF (contact information qualifier) /
  BC (contact information), BD contact extension, ZR adjudicated program type, BT Next Available
  Fill Date (CCYYMMDD). The code values in BG, BA, BF and ZR are made up: NCPDPSerDe names the
  fields, not their code lists;
- money overpunched as in D.0 (the last digit's sign character: "{" is +0).
Every value is made up (no patient data): names, IDs and amounts are fictitious.
Each file: two "# " comment lines (how it was built, separators), then the payload, no newline.
"""
import os

FS, GS, RS = "\x1c", "\x1d", "\x1e"
HERE = os.path.dirname(os.path.abspath(__file__))


def header(code="B1", iin="61001400", pcn="RXGATE", count="1", date="20270901"):
    h = ("F6" + code + iin.ljust(8) + pcn.ljust(10) + count + "01" + "1234567893".ljust(15) + date
         + "SOFTVEND01".ljust(10))
    assert len(h) == 58, len(h)
    return h


def segment(seg_id, *fields):
    return RS + FS + "AM" + seg_id + "".join(FS + f for f in fields)


INSURANCE = segment("04", "C2CARDHOLDER01", "C1GROUP01", "C31")
PATIENT = segment("01", "C419800102", "C51", "CAJANE", "CBEXAMPLE")
CLAIM = segment("07", "EM1", "D2000000123456", "E103", "D700071015523", "E730000", "D30", "D530",
                "D61", "D80", "DE20270901", "DF0", "DJ1")
PRICING = segment("11", "D9{", "DC{", "DQ1500{", "DU1500{", "DN01")
# AM19's fields as NCPDPSerDe's schema lists them (request.Intermediary): the count 8G, then per
# intermediary 8H type code, 8J type entity, 8K ID qualifier, 8M ID ...; the values are made up.
INTERMEDIARY = segment("19", "8G1", "8MINTERMEDIARY01")

VECTORS = {
    "b1-minimal.txt": (
        "built by make-f6-vectors.py: F6 header (58 bytes) + AM04, AM01 at transmission level, then"
        " AM07 and AM11 (the transaction, no GS)",
        header() + INSURANCE + PATIENT + CLAIM + PRICING),
    "b1-patient-ids.txt": (
        "built by make-f6-vectors.py: F6 B1 whose AM01 carries RR2 and two 331-CX/332-CY pairs,"
        " plus an AM19 intermediary segment at transmission level",
        header() + INSURANCE
        + segment("01", "RR2", "CX01", "CYMEMBER0001", "CX99", "CYLOCAL0002", "C419800102", "C52")
        + INTERMEDIARY + CLAIM + PRICING),
    "b1-cob-payer-ids.txt": (
        "built by make-f6-vectors.py: F6 B1 secondary claim whose AM05 names one other payer with"
        " KR2 and two 568-J7/569-J8 payer ID pairs, and its paid amount",
        header() + INSURANCE + PATIENT
        + segment("07", "EM1", "D2000000123457", "E103", "D700071015523", "E730000", "D30", "D530",
                  "D61", "D80", "DE20270901", "DF0", "DJ1", "C82")
        + segment("05", "4C1", "5C01", "KR2", "J703", "J861001400", "J705", "J8PAYERNAME01",
                  "E820270902", "HB1", "HC07", "DV1000{")
        + PRICING),
    "b1-dur-pps.txt": (
        "built by make-f6-vectors.py: F6 B1 with a DUR/PPS segment AM08: 473-7E counter 1, 439-E4"
        " ER (overuse), 440-E5 M0 (prescriber consulted), 441-E6 1G (filled with prescriber"
        " approval), 474-8E level of effort 11, the codes a pharmacy sends to override an 88",
        header() + INSURANCE + PATIENT + CLAIM
        + segment("08", "7E1", "E4ER", "E5M0", "E61G", "8E11")
        + PRICING),
    "b1-compound.txt": (
        "built by make-f6-vectors.py: F6 B1 for a compound: AM07 with 436-E1 00 and 407-D7 0 and"
        " 406-D6 2, and a compound segment AM10 (450-EF dosage form 01, 451-EG 1, 447-EC two"
        " ingredients, each 488-RE 03 NDC, 489-TE, 448-ED quantity, 449-EE cost, 490-UE basis)",
        header() + INSURANCE + PATIENT
        + segment("07", "EM1", "D2000000123458", "E100", "D70", "E7120000", "D30", "D530",
                  "D62", "D80", "DE20270901", "DF0", "DJ1")
        + segment("10", "EF01", "EG1", "EC2", "RE03", "TE00071015523", "ED60000", "EE500{",
                  "UE01", "RE03", "TE00093015001", "ED60000", "EE250{", "UE01")
        + PRICING),
    "e1-eligibility.txt": (
        "built by make-f6-vectors.py: F6 E1 eligibility verification: header E1, AM04 and AM01"
        " only, everything at transmission level (no transaction)",
        header(code="E1") + INSURANCE + PATIENT),
    "b2-reversal.txt": (
        "built by make-f6-vectors.py: F6 B2 reversal of the b1-minimal claim: header B2, AM04,"
        " then AM07 with the Rx number, fill number and product of the claim it reverses",
        header(code="B2") + INSURANCE
        + segment("07", "EM1", "D2000000123456", "E103", "D700071015523", "D30")),
    "b3-rebill.txt": (
        "built by make-f6-vectors.py: F6 B3 rebill of the b1-minimal claim with a corrected"
        " quantity (E7 60000) and days supply (D5 60), the same Rx number and fill number",
        header(code="B3") + INSURANCE + PATIENT
        + segment("07", "EM1", "D2000000123456", "E103", "D700071015523", "E760000", "D30", "D560",
                  "D61", "D80", "DE20270901", "DF0", "DJ1")
        + PRICING),
}

def response_header(code="B1", status="A", count="1"):
    h = "F6" + code + count + status + "01" + "1234567893".ljust(15) + "20270901"
    assert len(h) == 31, len(h)
    return h


HELP_DESK = ("BH1", "BG01", "BB1", "BA01", "BFTE", "BC8005550100", "BD204", "ZR01")

RESPONSES = {
    "response-paid.txt": (
        "built by make-f6-vectors.py: F6 B1 response paid: 31-byte header (F6, count 1, A), AM20"
        " message, AM25 plan, AM21 P with an authorization, help desk phone and the F6 help-desk"
        " contact fields (BH/BG, BB/BA/BF/BC, BD, ZR), AM22, AM23 (no GS)",
        response_header()
        + segment("20", "F4THANK YOU")
        + segment("25", "C1GROUP01", "FODEMO", "C2CARDHOLDER01")
        + segment("21", "ANP", "F3AUTH000001", "7F03", "8F8005550100", *HELP_DESK)
        + segment("22", "EM1", "D2000000123456")
        + segment("23", "F550{", "F6100{", "F715{", "F965{", "FM1")),
    "response-rejected.txt": (
        "built by make-f6-vectors.py: F6 B1 response rejected: AM21 R with three reject codes (one"
        " with its occurrence 4F), two additional messages (the first in two lines joined by"
        " UG '+'), the help desk phone; AM22 (no GS)",
        response_header()
        + segment("21", "ANR", "FA3", "FB65", "FB75", "FBM1", "4F1", "UF3",
                  "UH01", "FQPATIENT IS NOT COVERED ON THE DATE OF SE", "UG+",
                  "UH02", "FQRVICE",
                  "UH03", "FQPRIOR AUTHORIZATION REQUIRED",
                  "7F03", "8F8005550100")
        + segment("22", "EM1", "D2000000123456")),
    "response-refill-too-soon.txt": (
        "built by make-f6-vectors.py: F6 B1 response rejected 79 (refill too soon) whose AM21"
        " carries the Next Available Fill Date BT 20270915 after the other F6 status fields;"
        " AM22 (no GS)",
        response_header()
        + segment("21", "ANR", "FA1", "FB79", "UF1", "UH01", "FQNEXT FILL 09/15/2027",
                  "7F03", "8F8005550100", "BT20270915")
        + segment("22", "EM1", "D2000000123456")),
    "response-payer-ids.txt": (
        "built by make-f6-vectors.py: F6 B1 response paid whose AM25 (response insurance) names"
        " the payer with KR2 and two 568-J7/569-J8 payer ID pairs and whose AM29 (response"
        " patient) repeats the patient ID with RR2 and two 331-CX/332-CY pairs: the segments where"
        " transactrx/NCPDPSerDe's schema places these counts in a response",
        response_header()
        + segment("25", "C1GROUP01", "FODEMO", "KR2", "J703", "J861001400", "J705", "J8PAYERNAME01")
        + segment("29", "RR2", "CX01", "CYMEMBER0001", "CX99", "CYLOCAL0002", "CAJANE", "CBEXAMPLE")
        + segment("21", "ANP", "F3AUTH000002", "7F03", "8F8005550100")
        + segment("22", "EM1", "D2000000123456")
        + segment("23", "F550{", "F6100{", "F715{", "F965{", "FM1")),
    "response-transmission-reject.txt": (
        "built by make-f6-vectors.py: F6 B1 transmission reject: header status R, the header"
        " fields echoed, AM20 message, one AM21 R with 1U (no GS)",
        response_header(status="R")
        + segment("20", "F4TRANSMISSION REJECTED")
        + segment("21", "ANR", "FA1", "FB1U")),
}

MALFORMED = {
    # name: (payload, expected errc, expected field or "")
    "malformed-group-separator.txt": (header() + INSURANCE + PATIENT + GS + CLAIM + PRICING,
                                      "f6_group_separator", ""),
    "malformed-second-transaction.txt": (header() + INSURANCE + PATIENT + CLAIM + PRICING + CLAIM,
                                         "f6_second_transaction", ""),
    "malformed-patient-id-count.txt": (
        header() + INSURANCE + segment("01", "RR3", "CX01", "CYMEMBER0001", "CX99", "CYLOCAL0002")
        + CLAIM, "f6_repetition_count", "RR"),
    "malformed-patient-ids-without-count.txt": (
        header() + INSURANCE + segment("01", "CX01", "CYMEMBER0001", "CX99", "CYLOCAL0002") + CLAIM,
        "f6_repetition_count", "RR"),
    "malformed-payer-id-count.txt": (
        header() + INSURANCE + PATIENT + CLAIM
        + segment("05", "4C1", "5C01", "KR1", "J703", "J861001400", "J705", "J8PAYERNAME01"),
        "f6_repetition_count", "KR"),
    "malformed-iin-first-header.txt": (
        "61001400F6B1RXGATE    1011234567893     20270901SOFTVEND01" + INSURANCE + CLAIM,
        "f6_iin_first_header", ""),
    "malformed-short-header.txt": (header()[:40], "short_header", ""),
    "malformed-response-group-separator.txt": (
        response_header() + segment("20", "F4THANK YOU") + GS + segment("21", "ANP"),
        "f6_group_separator", ""),
    "malformed-response-payer-id-count.txt": (
        response_header() + segment("25", "C1GROUP01", "KR3", "J703", "J861001400", "J705", "J8PAYERNAME01")
        + segment("21", "ANP"), "f6_repetition_count", "KR"),
    "malformed-response-second-transaction.txt": (
        response_header() + segment("21", "ANP") + segment("22", "EM1", "D2000000123456")
        + segment("21", "ANP"), "f6_second_transaction", ""),
}


def write(name, comment, payload):
    with open(os.path.join(HERE, name), "w", newline="") as f:
        f.write("# " + comment + "\n")
        f.write("# separators: raw control bytes 0x1E segment, 0x1C field, 0x1D group; no ETX\n")
        f.write(payload)


for name, (comment, payload) in VECTORS.items():
    write(name, comment, payload)
for name, (comment, payload) in RESPONSES.items():
    write(name, comment, payload)
for name, (payload, errc, field) in MALFORMED.items():
    write(name, "built by make-f6-vectors.py; expected: " + errc + (" naming " + field if field else ""),
          payload)
