#!/usr/bin/env python3
"""Write the sample D.0 claims for the demo plan (config/plans/demo) into config/samples.

    config/samples/make-samples.py [OUTDIR] [--date CCYYMMDD]

Each file is a real NCPDP Telecommunication D.0 request: two "# " comment lines (what it is and
what the demo plan answers), then the raw transmission bytes with the D.0 separators (RS 0x1E,
FS 0x1C, GS 0x1D). `rxgate submit` and `rxgate decode` skip the comment lines.

The date of service is the date the samples were made (or --date): the demo plan rejects claims
older than its timely-filing window (90 days) with 81, so remake the samples when they get old.
Send them in file-name order: 79 and the reversals refer to the paid claim 01 made.
All identifiers are synthetic (see config/plans/demo).
"""
import datetime
import os
import sys

RS, FS, GS = "\x1e", "\x1c", "\x1d"
BIN, PCN = "610999", "RXGDEMO"
PHARMACY = "1111111112"       # DEMO RETAIL PHARMACY #1
OUT_OF_NETWORK = "4444444446"
RETAIL90 = "7777777773"       # DEMO PREFERRED 90-DAY PHARMACY (network retail90-preferred)
PRESCRIBER = "1234567893"
COMPOUNDING = "5555555554"    # DEMO COMPOUNDING PHARMACY


def overpunch(cents):
    """s9(n)v99 with the sign in the last digit (positive: { A-I)."""
    digits = str(abs(cents)).rjust(3, "0")
    last = int(digits[-1])
    punch = ("{ABCDEFGHI" if cents >= 0 else "}JKLMNOPQR")[last]
    return digits[:-1] + punch


def header(code, dos, count=1, provider=PHARMACY, bin_pcn=(BIN, PCN)):
    h = (bin_pcn[0] + "D0" + code + bin_pcn[1].ljust(10) + str(count) + "01" + provider.ljust(15) + dos + "".ljust(10))
    assert len(h) == 56, len(h)
    return h


def segment(seg_id, fields):
    return RS + FS + "AM" + seg_id + "".join(FS + fid + value for fid, value in fields if value != "")


def insurance(cardholder, person="001", group="DEMO01", relationship="1"):
    return segment("04", [("C2", cardholder), ("C1", group), ("C3", person), ("C6", relationship)])


def patient(dob, gender, first, last):
    return segment("01", [("C4", dob), ("C5", gender), ("CA", first), ("CB", last)])


def claim(rx, ndc, qty, days, fill="0", written=None, extra=(), daw="0"):
    return segment("07", [("EM", "1"), ("D2", rx), ("E1", "03"), ("D7", ndc), ("E7", str(qty * 1000)),
                          ("D3", fill), ("D5", str(days)), ("D6", "1"), ("D8", daw),
                          ("DE", written or ""), ("DF", "5"), ("DJ", "1")] + list(extra))


def prescriber():
    return segment("03", [("EZ", "01"), ("DB", PRESCRIBER)])


def pricing(ingredient_cents, fee_cents=175, uc_cents=None):
    uc = uc_cents if uc_cents is not None else ingredient_cents + fee_cents + 1000
    return segment("11", [("D9", overpunch(ingredient_cents)), ("DC", overpunch(fee_cents)),
                          ("DQ", overpunch(uc)), ("DU", overpunch(ingredient_cents + fee_cents)), ("DN", "01")])


def cob(dos, coverage_type="01", bin_="610111", paid_cents=None, reject_codes=()):
    """The COB/Other Payments segment (AM05) for one other payer: what it paid (342-HC 07 drug
    benefit) or the codes it rejected with."""
    fields = [("4C", "1"), ("5C", coverage_type), ("6C", "03"), ("7C", bin_), ("E8", dos)]
    if paid_cents is not None:
        fields += [("HB", "1"), ("HC", "07"), ("DV", overpunch(paid_cents))]
    if reject_codes:
        fields += [("5E", str(len(reject_codes)))] + [("6E", code) for code in reject_codes]
    return segment("05", fields)


def secondary_b1(dos, member, rx, ndc, qty, days, cents, uc_cents, other_coverage, cob_segment, group="DEMO01",
                 relationship="1"):
    """A B1 billed after another payer: 308-C8 and the COB segment carrying its answer."""
    card, person, dob, gender, first, last = member
    return (header("B1", dos) + insurance(card, person, group, relationship) + patient(dob, gender, first, last) + GS +
            claim(rx, ndc, qty, days, written=dos, extra=[("C8", other_coverage)]) + prescriber() +
            pricing(cents, uc_cents=uc_cents) + cob_segment)


def b1(dos, member, items, provider=PHARMACY, daw="0", plan=None):
    """member = (cardholder, person, dob, gender, first, last); items = [(rx, ndc, qty, days, cents)];
    plan = (BIN, PCN, group, relationship) for a plan other than the demo plan."""
    card, person, dob, gender, first, last = member
    if plan:
        out = (header("B1", dos, len(items), provider, plan[:2]) + insurance(card, person, plan[2], plan[3]) +
               patient(dob, gender, first, last))
    else:
        out = header("B1", dos, len(items), provider) + insurance(card, person) + patient(dob, gender, first, last)
    for rx, ndc, qty, days, cents in items:
        out += GS + claim(rx, ndc, qty, days, written=dos, daw=daw) + prescriber() + pricing(cents)
    return out


def compound_b1(dos, member, rx, ingredients, days, scc=None):
    """A compound at the compounding pharmacy: ingredients = [(ndc, grams, cents asked)]; 420-DK if scc."""
    card, person, dob, gender, first, last = member
    grams = sum(g for _, g, _ in ingredients)
    cents = sum(c for _, _, c in ingredients)
    clarification = [("NX", "1"), ("DK", str(scc))] if scc else []
    claim_segment = segment("07", [("EM", "1"), ("D2", rx), ("E1", "00"), ("D7", "0"), ("E7", str(grams * 1000)),
                                   ("D3", "0"), ("D5", str(days)), ("D6", "2"), ("D8", "0"), ("DE", dos),
                                   ("DF", "0"), ("DJ", "1")] + clarification)
    parts = [("EF", "03"), ("EG", "2"), ("EC", str(len(ingredients)))]
    for ndc, g, c in ingredients:
        parts += [("RE", "03"), ("TE", ndc), ("ED", str(g * 1000)), ("EE", overpunch(c)), ("UE", "01")]
    return (header("B1", dos, 1, COMPOUNDING) + insurance(card, person) + patient(dob, gender, first, last) + GS +
            claim_segment + prescriber() + pricing(cents) + segment("10", parts))


def with_diagnosis(dos, member, item, diagnosis=None, extra=()):
    """One B1 line (rx, ndc, qty, days, cents), with 418-DI etc. in `extra` and a clinical segment if diagnosis."""
    card, person, dob, gender, first, last = member
    rx, ndc, qty, days, cents = item
    clinical = segment("13", [("VE", "1"), ("WE", "02"), ("DO", diagnosis)]) if diagnosis else ""
    return (header("B1", dos) + insurance(card, person) + patient(dob, gender, first, last) + GS +
            claim(rx, ndc, qty, days, written=dos, extra=extra) + prescriber() + pricing(cents) + clinical)


ALEX = ("DEMO1001", "001", "19700315", "1", "ALEX", "SAMPLE")
MORGAN = ("DEMO1002", "001", "19581130", "2", "MORGAN", "EXAMPLE")
CHRIS = ("DEMO1009", "001", "19920202", "1", "CHRIS", "ALLERGIC")
RILEY = ("DEMO1003", "001", "19851212", "1", "RILEY", "TESTCASE")
NOBODY = ("DEMO9999", "001", "19700101", "1", "NO", "MEMBER")
LEE = ("DEMO1011", "001", "19660606", "1", "LEE", "DIABETIC")
TAYLOR = ("DEMO1004", "001", "19450722", "1", "TAYLOR", "PLACEHOLDER")
KAI = ("DEMO1012", "001", "19880808", "1", "KAI", "OPIOID")
HARPER = ("DEMO1018", "001", "19950505", "2", "HARPER", "DUPLICATE")
DANA = ("DEMO1015", "001", "19790919", "2", "DANA", "COMPOUND")
NOEL = ("DEMO1019", "001", "19910412", "2", "NOEL", "NEWMEMBER")  # covered from 20261116

KETOPROFEN, GABAPENTIN_POWDER, CREAM_BASE = "90001001301", "90001001303", "90001001305"
FLURBIPROFEN = "90001001308"  # excluded bulk powder
JAMIE = ("DEMO1008", "001", "19681010", "2", "JAMIE", "SECONDARY")       # primary coverage elsewhere
REESE = ("DEMO1014", "002", "19840513", "2", "REESE", "GROUPTWO")        # group DEMO02

ATORVASTATIN_20 = "90001000102"
APIXABAN_5 = "90001000504"

# hdhp-demo (config/plans/hdhp-demo): a family walking its deductible and out-of-pocket maximum.
HDHP = ("610997", "RXGHDHP", "HDHP01")
HDHP_RILEY = ("HDHP2001", "001", "19800105", "2", "RILEY", "FAMILYDEMO")
HDHP_SAM = ("HDHP2001", "002", "19811111", "1", "SAM", "FAMILYDEMO")
HDHP_ROBIN = ("HDHP2001", "003", "20120606", "2", "ROBIN", "FAMILYDEMO")
DEMOSPEC, DEMOBRAND, DEMOINFUSE, DEMOTWO = "90001002101", "90001002001", "90001002201", "90001002301"


def hdhp_b1(dos, member, rx, ndc, cents):
    return b1(dos, member, [(rx, ndc, 30, 30, cents)], plan=HDHP + (str(int(member[1])),))


def samples(dos):
    s = {}
    s["01-paid.d0"] = ("B1 paid: atorvastatin 20 mg, 30 tablets / 30 days for a covered member",
                       b1(dos, ALEX, [("100001", ATORVASTATIN_20, 30, 30, 300)]))
    s["02-duplicate.d0"] = ("the same B1 again: a retransmit, answered D with the original authorization",
                            s["01-paid.d0"][1])
    s["03-reject-79-refill-too-soon.d0"] = ("B1 the same drug under a new Rx number right after 01: refill too soon (79)",
                                            b1(dos, ALEX, [("100002", ATORVASTATIN_20, 30, 30, 300)]))
    s["04-reject-eligibility.d0"] = ("B1 for a cardholder the plan does not know: eligibility reject (52)",
                                     b1(dos, NOBODY, [("100003", ATORVASTATIN_20, 30, 30, 300)]))
    s["05-reject-70-not-covered.d0"] = ("B1 for a product the plan excludes (weight-loss drug): 70",
                                        b1(dos, ALEX, [("100004", "90001000902", 90, 30, 9000)]))
    s["06-reject-75-prior-authorization.d0"] = ("B1 for a drug that needs prior authorization, none on file: 75",
                                                b1(dos, MORGAN, [("100005", "90001000704", 3, 28, 90000)]))
    s["07-reject-76-plan-limits.d0"] = ("B1 above the quantity limit (oxycodone 200 tablets / 30 days, limit 120): 76",
                                        b1(dos, MORGAN, [("100006", "90001000401", 200, 30, 4000)]))
    s["08-reject-88-dur.d0"] = ("B1 amoxicillin for a member allergic to penicillins: DUR reject 88",
                                b1(dos, CHRIS, [("100007", "90001001001", 30, 10, 900)]))
    s["09-reject-network.d0"] = ("B1 from a pharmacy outside the plan's network: network reject",
                                 b1(dos, ALEX, [("100008", "90001000201", 30, 30, 300)], provider=OUT_OF_NETWORK))
    card, person, dob, gender, first, last = ALEX
    no_cardholder = (header("B1", dos) + segment("04", [("C1", "DEMO01"), ("C3", person)]) +
                     patient(dob, gender, first, last) + GS +
                     claim("100009", ATORVASTATIN_20, 30, 30, written=dos) + prescriber() + pricing(300))
    s["10-reject-syntax-missing-cardholder.d0"] = ("B1 without the cardholder ID (302-C2): syntax reject 07, answered without the rules",
                                                   no_cardholder)
    reversal = (header("B2", dos) + insurance(card, person) + GS +
                segment("07", [("EM", "1"), ("D2", "100001"), ("E1", "03"), ("D7", ATORVASTATIN_20), ("D3", "0")]))
    s["11-b2-reversal.d0"] = ("B2 reversing the paid claim of 01: accepted (A)", reversal)
    s["12-b2-repeated.d0"] = ("the same B2 again: already reversed (S)", reversal)
    s["13-e1-eligibility.d0"] = ("E1 eligibility verification for a covered member",
                                 header("E1", dos) + insurance(card, person) + patient(dob, gender, first, last))
    s["14-b1-four-transactions.d0"] = ("B1 with four transactions for one member (lisinopril, metformin, amlodipine, levothyroxine)",
                                       b1(dos, MORGAN, [("100011", "90001000201", 30, 30, 400),
                                                        ("100012", "90001000701", 60, 30, 500),
                                                        ("100013", "90001001401", 30, 30, 350),
                                                        ("100014", "90001001201", 30, 30, 600)]))
    s["15-b3-rebill.d0"] = ("B3 rebill of the four-transaction claim's first Rx with a new quantity",
                            header("B3", dos) + insurance(MORGAN[0], MORGAN[1]) +
                            patient(MORGAN[2], MORGAN[3], MORGAN[4], MORGAN[5]) + GS +
                            claim("100011", "90001000201", 60, 30, written=dos) + prescriber() + pricing(800))
    s["16-reject-g6-specialty-network.d0"] = ("B1 for a specialty drug (teriflunomide) at a retail pharmacy: G6, the message names the plan's specialty pharmacy",
                                              b1(dos, RILEY, [("100016", "90001000805", 30, 30, 650000)]))
    s["17-paid-network-pricing.d0"] = ("B1 90 days of atorvastatin 40 mg at a retail-90 network pharmacy: paid at the network's MAC list and fee, with its 61-90 day copay",
                                       b1(dos, RILEY, [("100017", "90001000103", 90, 90, 1200)], provider=RETAIL90))
    s["18-paid-daw2-brand-penalty.d0"] = ("B1 Toprol-XL (a brand whose generic is metoprolol ER) with DAW 2, patient's choice: paid, "
                                          "generic copay 5.00 + brand penalty 68.88 in 134-UK",
                                          b1(dos, LEE, [("100018", "90001000207", 30, 30, 7500)], daw="2"))
    s["19-reject-aj-generic-required.d0"] = ("B1 Lipitor with DAW 3 (pharmacist chose the brand): AJ, generic atorvastatin "
                                             "90001000102 listed as the product to dispense",
                                             b1(dos, TAYLOR, [("100019", "90001000104", 30, 30, 32000)], daw="3"))
    s["20-paid-controlled-substance.d0"] = ("B1 tramadol 50 mg (C-IV), 60 tablets / 30 days: paid",
                                            b1(dos, KAI, [("100020", "90001000403", 60, 30, 400)]))
    s["21-reject-79-controlled-threshold.d0"] = ("B1 tramadol again under a new Rx right after 20: 79 with the C-IV threshold "
                                                 "(90 % of 30 days: next fill 27 days after 20)",
                                                 b1(dos, KAI, [("100021", "90001000403", 60, 30, 400)]))
    s["22-reject-76-quantity-per-day.d0"] = ("B1 losartan 50 mg (at most 2 a day) 90 tablets / 30 days: 76, 60 allowed",
                                             b1(dos, HARPER, [("100022", "90001000204", 90, 30, 1000)]))
    s["23-compound-scc8-approved-ingredients.d0"] = (
        "B1 compound with an excluded powder (flurbiprofen) and 420-DK 8: paid for the covered ingredients only",
        compound_b1(dos, DANA, "100023", [(KETOPROFEN, 30, 15000), (FLURBIPROFEN, 10, 7200), (CREAM_BASE, 60, 1800)],
                    30, scc=8))
    s["24-reject-78-compound-cost-cap.d0"] = (
        "B1 compound asking 1118.00 for its ingredients, over the plan's 1000.00 compound cap: 78",
        compound_b1(dos, DANA, "100024", [(KETOPROFEN, 200, 110000), (CREAM_BASE, 60, 1800)], 30))
    s["25-reject-75-compound-pa-threshold.d0"] = (
        "B1 compound asking 354.00 for its ingredients, over the plan's 300.00 PA threshold, no PA on file: 75",
        compound_b1(dos, DANA, "100025", [(GABAPENTIN_POWDER, 60, 33600), (CREAM_BASE, 60, 1800)], 30))
    s["26-transition-fill.d0"] = (
        "B1 Nexium (not on the formulary) for a member in the first 90 days of coverage (to 20270213): "
        "paid as a transition fill, approved message 006; MR after the window",
        b1(dos, NOEL, [("100026", "90001000603", 30, 30, 32700)]))
    s["27-emergency-supply.d0"] = (
        "B1 aripiprazole (PA required, none on file) with 418-DI 3 (emergency) for 3 days: paid, approved message 009",
        with_diagnosis(dos, MORGAN, ("100027", "90001001407", 3, 3, 9000), extra=[("DI", "03")]))
    s["28-reject-39-diagnosis-required.d0"] = (
        "B1 dulaglutide (covered for type 2 diabetes, E11*) without a diagnosis code: 39",
        with_diagnosis(dos, LEE, ("100028", "90001000707", 4, 28, 98000)))
    s["29-diagnosis-paid.d0"] = (
        "B1 dulaglutide with 424-DO E119 (type 2 diabetes) in the clinical segment: paid",
        with_diagnosis(dos, LEE, ("100029", "90001000707", 4, 28, 98000), diagnosis="E119"))
    s["30-paid-cob-secondary-standard.d0"] = ("B1 as secondary (308-C8 2): the primary paid 400.00 of the 439.75 allowed "
                                              "(apixaban at its usual and customary price); the demo plan's standard COB "
                                              "pays the 39.75 balance, 566-J5 400.00, the patient owes 0.00",
                                              secondary_b1(dos, JAMIE, "100030", APIXABAN_5, 60, 30, 45000, 43975, "2",
                                                           cob(dos, paid_cents=40000)))
    s["31-reject-cob-missing-amount-paid.d0"] = ("B1 as secondary (308-C8 2) whose COB segment names the primary but not "
                                                 "what it paid: DV (M/I Other Payer Amount Paid) on 431-DV",
                                                 secondary_b1(dos, JAMIE, "100031", ATORVASTATIN_20, 30, 30, 300, None, "2",
                                                              cob(dos)))
    s["32-paid-cob-non-duplication.d0"] = ("B1 as secondary for group DEMO02 (non-duplication COB): the primary paid "
                                           "400.00, the plan would pay 424.75 as primary, so it pays only the 24.75 more; "
                                           "the patient owes the 15.00 copay",
                                           secondary_b1(dos, REESE, "100032", APIXABAN_5, 60, 30, 45000, 43975, "2",
                                                        cob(dos, paid_cents=40000), group="DEMO02", relationship="2"))
    s["33-reject-41-primary-rejected.d0"] = ("B1 as secondary (308-C8 3) after the primary rejected 75 (prior authorization "
                                             "there): not a reject the demo plan pays as primary after, so 41",
                                             secondary_b1(dos, JAMIE, "100033", "90001000201", 30, 30, 400, None, "3",
                                                          cob(dos, reject_codes=("75",))))
    # hdhp-demo: the family HDHP2001 from the first dollar (deductible 1500.00 each, 3000.00 the
    # family; coinsurance 30 % on DEMOSPEC, 1501.00 allowed; 20 % on DEMOBRAND, 301.00).
    s["40-hdhp-first-dollar-deductible.d0"] = ("hdhp-demo B1 DEMOSPEC for RILEY (001), first claim of the year: 1500.00 to the "
                                               "deductible (517-FH) + 0.30 coinsurance, 513-FD 0.00",
                                               hdhp_b1(dos, HDHP_RILEY, "300001", DEMOSPEC, 200000))
    s["41-hdhp-coinsurance-after-deductible.d0"] = ("hdhp-demo B1 DEMOBRAND for RILEY: deductible met, 20 % coinsurance 60.20",
                                                    hdhp_b1(dos, HDHP_RILEY, "300002", DEMOBRAND, 40000))
    s["42-hdhp-spouse-meets-family-deductible.d0"] = ("hdhp-demo B1 DEMOSPEC for SAM (002): his 1500.00 meets the family's 3000.00",
                                                      hdhp_b1(dos, HDHP_SAM, "300003", DEMOSPEC, 200000))
    s["43-hdhp-child-after-family-deductible.d0"] = ("hdhp-demo B1 DEMOBRAND for ROBIN (003): the family deductible is met, "
                                                     "coinsurance only (embedded)",
                                                     hdhp_b1(dos, HDHP_ROBIN, "300004", DEMOBRAND, 40000))
    s["44-hdhp-b2-reversal-restores.d0"] = ("hdhp-demo B2 reversing SAM's claim of 42: takes back his 1500.00 of deductible",
                                            header("B2", dos, 1, PHARMACY, HDHP[:2]) + insurance(HDHP_SAM[0], HDHP_SAM[1], HDHP[2], "2") +
                                            GS + segment("07", [("EM", "1"), ("D2", "300003"), ("E1", "03"), ("D7", DEMOSPEC), ("D3", "0")]))
    s["45-hdhp-child-deductible-again.d0"] = ("hdhp-demo B1 DEMOSPEC for ROBIN after the reversal of 42: the family deductible "
                                              "is open again, so her own 1500.00 applies (without the reversal: 0.00)",
                                              hdhp_b1(dos, HDHP_ROBIN, "300005", DEMOSPEC, 200000))
    s["46-hdhp-out-of-pocket-maximum-reached.d0"] = ("hdhp-demo B1 DEMOINFUSE (10000.00 allowed) for RILEY: 30 % would be "
                                                     "3000.00, cut to the 2439.50 left of her 4000.00 out-of-pocket maximum",
                                                     hdhp_b1(dos, HDHP_RILEY, "300006", DEMOINFUSE, 1000000))
    s["47-hdhp-after-out-of-pocket-maximum.d0"] = ("hdhp-demo B1 DEMOTWO for RILEY after her maximum: the plan pays all, the patient 0.00",
                                                   hdhp_b1(dos, HDHP_RILEY, "300007", DEMOTWO, 40000))
    return s


def main(argv):
    out = os.path.dirname(os.path.abspath(__file__))
    dos = datetime.date.today().strftime("%Y%m%d")
    args = list(argv)
    if "--date" in args:
        i = args.index("--date")
        dos = args[i + 1]
        del args[i:i + 2]
    if args:
        out = args[0]
    os.makedirs(out, exist_ok=True)
    for name, (what, data) in samples(dos).items():
        data.encode("ascii")
        with open(os.path.join(out, name), "wb") as f:
            f.write(("# " + what + "\n# synthetic demo data (config/plans/demo), date of service " + dos + "\n").encode())
            f.write(data.encode("ascii"))
    print(f"make-samples: {len(samples(dos))} D.0 claims in {out}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
