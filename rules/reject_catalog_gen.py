#!/usr/bin/env python3
"""Generates rules/reject_catalog_data.inc, the rows of the reject catalog (rules/reject_catalog.h).

Not part of the build: the generated file is checked in. Run it from the repository root after
changing either input:

    python3 rules/reject_catalog_gen.py            # rewrite rules/reject_catalog_data.inc
    python3 rules/reject_catalog_gen.py --check    # exit 1 if the checked-in file is stale

Inputs (paths relative to the repository root, overridable with --codes/--texts/--out):
- tests/data/reject-codes.csv: every NCPDP reject code with its short name ("code,description",
  '#' comment lines allowed).
- rules/reject_explanations.csv: our own texts, "code,explanation,fix,fields,category". A row may
  leave explanation and fix empty to give only fields and category.

Codes without a row get a category guessed from their short name (see guess_category) and empty
explanation, fix and fields. The script fails loudly on a text row for an unknown code, a
duplicate, an unknown category, a malformed field ID, non-ASCII text, or an engine code (the ones
rxgate and its codec emit, ENGINE_CODES) that lacks an explanation or a fix.
"""

import argparse
import csv
import io
import os
import re
import sys

CATEGORIES = (
    "transmission", "syntax", "eligibility", "coverage", "network", "limits",
    "prior-authorization", "timing", "duplicate", "cob", "dur", "host", "other",
)

# Every code the engine or the codec can emit; each must have an explanation and a fix.
ENGINE_CODES = """
01 02 03 04 05 06 07 08 09 10 11 13 15 19 21 22 25 28 29 40 41 50 52 53 54 60 61 62 63 65 66 67
68 69 70 71 75 76 77 78 79 80 81 82 83 84 85 87 88 89 92 95 96 97 98 99 1R 1S 1T 1U 1V 1W 1Y 3Y
4M 4N 6J 6K 6N 6P 6T 7M 7X 8B 8D 8K 8R 8S 9G 9K 9W AC AG E7 EE EV EU DN DQ DU DV MR MX M1 N1 NN
P3 P4 P7 PA R1 R2 RV SF SG SH TH UU AJ 8A RL TN
608 G6 G9 4W 64 23 26 5C 5E 6C 6E 7C 7E 8E A9 B2 BE CX CY DC DX E1 E3 E8 EC ED EF EG EM ER ET
H6 H7 H8 H9 HB HC J9 NP NQ NR
6G 557 9J 622 8V 8W 7P 7R YC YD
AM R8
201 202 203 204 205 206 207 208 209 210 211 212 213 214 215 216
12 16 17 20 34 39 4C E4 E5 E6 EZ MU NX SE VE
3A 3B 3C 3D 3N 3R 3S 3T 6Q
""".split()

FIELD_ID = re.compile(r"^[0-9A-Z]{2}$")
CODE = re.compile(r"^[0-9A-Z]{2,3}$")

# Short-name patterns -> category for codes we have not written a row for. First match wins.
CATEGORY_RULES = [
    # segment and field layout problems
    (r"not used for (this|the) Trans", "syntax"),
    (r"Count Does(n't| Not) Match|Does Not Match Number Of Repetitions", "syntax"),
    (r"Does Not Precede|\bFollows\b|Grouping (Not Correct|Incorrect)|Incorrectly Formatted", "syntax"),
    (r"Out Of Sequence|Out of Order|Non-Repeatable|Syntax Error|Must Occur Before|Uppercase", "syntax"),
    (r"Required For Adjudication|Segment Missing|Segment Present|Segment Required|Segment is mandatory", "syntax"),
    (r"Repeating Segment|Invalid Transaction Count|Multi-transaction", "syntax"),
    (r"Exceeds Num(ber)? Of .*Supported|Value Not Supported", "syntax"),
    (r"^(REMS|PDMP)\b", "other"),
    (r"^M/I ", "syntax"),
    # what the payer decided
    (r"\bDUR\b|Drug-Drug|Drug-Disease|Drug-Allergy|Cumulative Dose", "dur"),
    (r"Prior Auth|\bPA\b|Authorization|Step Therapy", "prior-authorization"),
    (r"Other Payer|Other Coverage|\bCOB\b|Primary Payer|Medicare Part B|Medicare As Primary|"
     r"coordinate benefits|\bN Payer\b|Carve-Out", "cob"),
    (r"Host|Time Out|Unavailable|Downtime|Connection To Payer", "host"),
    (r"Duplicate|Reversal|Has Not Been Paid", "duplicate"),
    (r"Too Soon|Too Old|Post-Dated|Before Coverage|After Coverage|Future .*Not Allowed|"
     r"Future Date|Prior To Date Of Birth|After Date Filled", "timing"),
    (r"Benefit Exclusion", "coverage"),
    (r"Pharmacy|Prescriber|Provider|Network|Contracted", "network"),
    (r"Quantity|Days Supply|Limit|Exceed|Maximum|Minimum|Refills", "limits"),
    (r"Not Covered|Not Cov\b|Formulary|Exclusion|Non-Participating|Generic|Covered", "coverage"),
    (r"Patient|Cardholder|Eligib|Member|Beneficiary|Enrolled|Non-Matched (DOB|Gender)", "eligibility"),
]


def read_rows(path):
    with open(path, encoding="ascii", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.reader(io.StringIO("".join(lines))))


def read_codes(path):
    rows = read_rows(path)
    if not rows or rows[0] != ["code", "description"]:
        sys.exit(f"{path}: expected header 'code,description'")
    codes = {}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            sys.exit(f"{path}: row {n}: expected 2 columns, got {row!r}")
        code, name = row[0].strip(), row[1].strip()
        if not CODE.match(code):
            sys.exit(f"{path}: row {n}: odd code {code!r}")
        if code in codes:
            sys.exit(f"{path}: code {code} listed twice")
        codes[code] = name
    return codes


def read_texts(path, codes):
    rows = read_rows(path)
    header = ["code", "explanation", "fix", "fields", "category"]
    if not rows or rows[0] != header:
        sys.exit(f"{path}: expected header {','.join(header)}")
    texts = {}
    for n, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 5:
            sys.exit(f"{path}: row {n}: expected 5 columns, got {len(row)}: {row[:1]!r}")
        code, explanation, fix, fields, category = (c.strip() for c in row)
        where = f"{path}: row {n} (code {code})"
        if code not in codes:
            sys.exit(f"{where}: not in the reject-code list")
        if code in texts:
            sys.exit(f"{where}: listed twice")
        if category not in CATEGORIES:
            sys.exit(f"{where}: unknown category {category!r}")
        ids = fields.split()
        bad = [f for f in ids if not FIELD_ID.match(f)]
        if bad:
            sys.exit(f"{where}: field IDs must be two characters like D5, got {bad}")
        if len(set(ids)) != len(ids):
            sys.exit(f"{where}: a field ID is listed twice")
        texts[code] = (explanation, fix, " ".join(ids), category)
    return texts


def guess_category(name):
    for pattern, category in CATEGORY_RULES:
        if re.search(pattern, name, re.IGNORECASE):
            return category
    return "other"


def cxx_string(s):
    if any(ord(ch) < 32 or ord(ch) > 126 for ch in s):
        sys.exit(f"non-printable or non-ASCII character in {s!r}")
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(codes, texts):
    out = [
        "// Generated by rules/reject_catalog_gen.py from tests/data/reject-codes.csv and",
        "// rules/reject_explanations.csv. Do not edit; change the inputs and rerun the script.",
        "// Rows of rxgate::rules::reject_info: code, short name, explanation, fix, fields, category.",
        "// Codes without a row in reject_explanations.csv get a category guessed from the short name.",
        f"// {len(codes)} codes, {sum(1 for t in texts.values() if t[0])} with our explanation.",
    ]
    for code in sorted(codes):  # byte order, the order find_reject() searches in
        explanation, fix, fields, category = texts.get(code, ("", "", "", guess_category(codes[code])))
        cols = [code, codes[code], explanation, fix, fields, category]
        out.append("{" + ", ".join(cxx_string(c) for c in cols) + "},")
    return "\n".join(out) + "\n"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", default=os.path.join(root, "tests", "data", "reject-codes.csv"))
    parser.add_argument("--texts", default=os.path.join(root, "rules", "reject_explanations.csv"))
    parser.add_argument("--out", default=os.path.join(root, "rules", "reject_catalog_data.inc"))
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args()

    codes = read_codes(args.codes)
    texts = read_texts(args.texts, codes)
    missing = [c for c in ENGINE_CODES if c not in texts or not texts[c][0] or not texts[c][1]]
    if missing:
        sys.exit(f"engine codes without an explanation and a fix: {' '.join(missing)}")
    text = render(codes, texts)

    if args.check:
        try:
            with open(args.out, encoding="ascii") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            sys.exit(f"{args.out} is stale: rerun python3 rules/reject_catalog_gen.py")
        return
    with open(args.out, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    explained = sum(1 for t in texts.values() if t[0])
    print(f"wrote {len(codes)} codes, {explained} explained", file=sys.stderr)


if __name__ == "__main__":
    main()
