#!/usr/bin/env python3
"""Generates codec/dictionary_tables.inc (the tables of codec/dictionary.cpp) from the segment tables of the D.0 digest (ncpdp-d0.md §2-§5)
and the F6 additions table codec/f6_fields.csv.

Not part of the build: the generated file is checked in. Run it again when the digest or the F6
table changes:

    python3 codec/dictionary_gen.py PATH/TO/ncpdp-d0.md > codec/dictionary_tables.inc

It reads every "#### ... — AMnn" table of §4/§5 and the fixed-header tables of §2/§3, derives
the format class and implied decimals from the Format column, adds the rows of f6_fields.csv (read
from beside this script), sorts the entries by (segment, field id) so that the C++ side can
binary-search them, and fails loudly on anything it does not understand (an unknown format or
segment, a field ID listed twice in one segment, or one ID that means two different things in two
segments).

F6 rows. The public F6 sources (transactrx/NCPDPSerDe's schema and structs) give a field's ID, name
and rough type, but neither its NCPDP number nor its maximum length. So:
- an ID the digest defines (CX, CY, J9, H6, K5 in segments that list them only from F6 on) is the
  digest's field: number, format and length come from the digest, the table's name must equal the
  digest's and its format and length columns must be empty;
- an ID the digest does not define gets an empty number (never a made-up one) and the table's
  format; its maximum length is the table's when a public source states one, else 8 for a date
  (CCYYMMDD) and otherwise the codec's max_field_length (500, codec/decode.h), the longest value
  decode() accepts in any field. No row states one today: the schema gives no lengths for segment
  fields.
Every F6 row is marked f6_only: the segment lists that field only from F6 on.
"""

import csv
import os
import re
import sys

SEGMENT_HEADING = re.compile(r"^#### (?P<name>.+?) — AM(?P<id>\d\d)\b")
FIELD_ROW = re.compile(r"^\| (?P<num>\d{3})-(?P<id>[0-9A-Z]{2}) \| (?P<name>[^|]+?) \| (?P<fmt>[^|]+?) \| (?P<len>\d+) \|")

# The fixed headers (§2 request, §3 response) have no Format column; their classes are fixed here.
HEADER_FIELDS = [
    ("101", "A1", "BIN Number", "numeric", 0, 6),
    ("102", "A2", "Version/Release Number", "alphanumeric", 0, 2),
    ("103", "A3", "Transaction Code", "alphanumeric", 0, 2),
    ("104", "A4", "Processor Control Number", "alphanumeric", 0, 10),
    ("109", "A9", "Transaction Count", "numeric", 0, 1),
    ("202", "B2", "Service Provider ID Qualifier", "alphanumeric", 0, 2),
    ("201", "B1", "Service Provider ID", "alphanumeric", 0, 15),
    ("401", "D1", "Date of Service", "date", 0, 8),
    ("110", "AK", "Software Vendor/Certification ID", "alphanumeric", 0, 10),
    ("501", "F1", "Header Response Status", "alphanumeric", 0, 1),
    ("111", "AM", "Segment Identification", "numeric", 0, 2),
]


# The segments F6 adds, with names in the style of the digest's headings (NCPDPSerDe's schema names
# AM19 and AM37/AM38 as request segments, AM36, AM39 and AM40 as response segments).
F6_SEGMENTS = {
    19: "Intermediary",
    36: "Response Intermediary",
    37: "Last Known 4Rx",
    38: "N Transaction Payer Identification",
    39: "Response Other Related Benefit Detail",
    40: "Response Provider",
}

# Format classes an F6 row may name, with their implied decimals.
F6_FORMATS = {"alphanumeric": 0, "numeric": 0, "money": 2, "quantity": 3, "date": 0}

# codec/decode.h max_field_length: the longest field value decode() accepts.
MAX_FIELD_LENGTH = 500
DATE_LENGTH = 8

# Format column pattern -> (format class, implied decimals), tried in order.
FORMATS = [
    (r"x\(\d+\)", "alphanumeric", 0),
    (r"9\(8\) CCYYMMDD", "date", 0),
    (r"9\(4\) HHMM", "time", 0),
    (r"9\(\d+\)", "numeric", 0),
    (r"s9\(\d+\)v99", "money", 2),
    (r"9\(7\)v999", "quantity", 3),
    (r"s9\(3\)v9999", "rate", 4),
    (r"9\(3\)v99", "percent", 2),
]


def classify(fmt: str):
    """Format column -> (format class, implied decimals)."""
    f = fmt.strip()
    for pattern, format_class, decimals in FORMATS:
        if re.fullmatch(pattern, f):
            return format_class, decimals
    raise SystemExit(f"dictionary_gen: unknown format {fmt!r}")


def cxx_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fid(s: str) -> str:
    return f"make_field_id('{s[0]}', '{s[1]}')"


def f6_entries(d0_entries, known_segments):
    """The rows of f6_fields.csv as entries; see the module docstring for how they are completed."""
    d0_by_id = {}
    for e in d0_entries:
        d0_by_id.setdefault(e[1], e)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "f6_fields.csv")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    out = []
    for n, row in enumerate(rows, start=1):
        where = f"f6_fields.csv row {n} ({row.get('segment')} {row.get('id')})"
        seg_text, ident, name, fmt = row["segment"], row["id"], row["name"].strip(), row["format"].strip()
        if not re.fullmatch(r"\d\d", seg_text or "") or int(seg_text) not in known_segments:
            raise SystemExit(f"dictionary_gen: {where}: unknown segment")
        if not re.fullmatch(r"[0-9A-Z]{2}", ident or ""):
            raise SystemExit(f"dictionary_gen: {where}: a field ID is two characters 0-9 A-Z")
        if not name or not row["source"].strip():
            raise SystemExit(f"dictionary_gen: {where}: every row needs a name and a source")
        length_text = row["max_length"].strip()
        if length_text and not (length_text.isdigit() and 1 <= int(length_text) <= MAX_FIELD_LENGTH):
            raise SystemExit(f"dictionary_gen: {where}: a maximum length is 1 to {MAX_FIELD_LENGTH}")
        seg = int(seg_text)
        d0 = d0_by_id.get(ident)
        if d0:
            if fmt or length_text:
                raise SystemExit(f"dictionary_gen: {where}: D.0 defines {ident}; leave its format and length empty")
            if name != d0[3]:
                raise SystemExit(f"dictionary_gen: {where}: D.0 calls {ident} {d0[3]!r}, the table {name!r}")
            out.append((seg, ident, d0[2], d0[3], d0[4], d0[5], d0[6], True))
            continue
        if fmt not in F6_FORMATS:
            raise SystemExit(f"dictionary_gen: {where}: unknown format {fmt!r}")
        length = int(length_text) if length_text else DATE_LENGTH if fmt == "date" else MAX_FIELD_LENGTH
        if fmt == "date" and length != DATE_LENGTH:
            raise SystemExit(f"dictionary_gen: {where}: a date is {DATE_LENGTH} characters (CCYYMMDD)")
        out.append((seg, ident, "", name, fmt, F6_FORMATS[fmt], length, True))
    return out


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: dictionary_gen.py ncpdp-d0.md > dictionary_tables.inc")
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().splitlines()

    segments = {}  # id -> name
    entries = []   # (segment number, field id, number, name, class, decimals, length, f6_only)
    for seg_num, (num, ident, name, cls, dec, length) in [(0, h) for h in HEADER_FIELDS]:
        entries.append((seg_num, ident, num, name, cls, dec, length, False))

    current = None
    for line in lines:
        m = SEGMENT_HEADING.match(line)
        if m:
            current = int(m.group("id"))
            name = m.group("name").strip()
            name = re.sub(r" segment$", "", name)
            if current in segments:
                raise SystemExit(f"dictionary_gen: segment AM{current:02d} listed twice")
            segments[current] = name
            continue
        if line.startswith("#") or line.startswith("---"):
            current = None if line.startswith("## ") else current
            continue
        if current is None:
            continue
        r = FIELD_ROW.match(line)
        if not r:
            continue
        cls, dec = classify(r.group("fmt"))
        entries.append((current, r.group("id"), r.group("num"), r.group("name").strip(), cls, dec,
                        int(r.group("len")), False))

    expected = set(range(1, 17)) | set(range(20, 30))
    if set(segments) != expected:
        raise SystemExit(f"dictionary_gen: segments found {sorted(segments)}")
    segments.update(F6_SEGMENTS)
    entries += f6_entries(entries, set(segments))

    seen = {}
    by_id = {}
    for e in entries:
        key = (e[0], e[1])
        if key in seen:
            raise SystemExit(f"dictionary_gen: {e[1]} twice in segment {e[0]}")
        seen[key] = e
        first = by_id.setdefault(e[1], e)
        if (first[2], first[4], first[5]) != (e[2], e[4], e[5]):
            raise SystemExit(f"dictionary_gen: {e[1]} differs between segments {first[0]} and {e[0]}")
        # Without a number, the name is what says two listings are one field.
        if not e[2] and first[3] != e[3]:
            raise SystemExit(f"dictionary_gen: {e[1]} is {first[3]!r} in segment {first[0]} "
                             f"but {e[3]!r} in segment {e[0]}")

    key_of = lambda e: (e[0], (ord(e[1][0]) << 8) | ord(e[1][1]))
    entries.sort(key=key_of)
    fallback = sorted({e[1] for e in entries}, key=lambda s: (ord(s[0]) << 8) | ord(s[1]))
    # The fallback entry for an ID is its listing in the lowest-numbered segment (header first).
    index_of = {}
    for i, e in enumerate(entries):
        index_of.setdefault(e[1], i)

    out = []
    w = out.append
    w("// GENERATED by codec/dictionary_gen.py from the D.0 digest (ncpdp-d0.md §2-§5) and the F6")
    w("// additions table codec/f6_fields.csv. Do not edit by hand: change the digest, the table or the")
    w("// generator and run it again.")
    w("// The tables of codec/dictionary.cpp, which includes this file inside its unnamed namespace and")
    w("// checks at compile time that both are sorted.")
    w("")
    w(f"constexpr std::array<field_info, {len(entries)}> k_fields{{{{")
    for e in entries:
        seg, ident, num, name, cls, dec, length, f6_only = e
        seg_expr = f"static_cast<segment_id>({seg})"
        w(f"    {{{fid(ident)}, {seg_expr}, field_format::{cls}, {dec}, {length}, {cxx_string(num)}, {cxx_string(name)}, "
          f"{'true' if f6_only else 'false'}}},")
    w("}};")
    w("")
    w("// Index into k_fields of each field ID's fallback entry, sorted by field ID.")
    w(f"constexpr std::array<std::uint16_t, {len(fallback)}> k_by_id{{{{")
    for chunk in range(0, len(fallback), 12):
        w("    " + " ".join(f"{index_of[s]}," for s in fallback[chunk:chunk + 12]))
    w("}};")
    w("")
    names_size = max(segments) + 1
    w("// Segment names indexed by segment number (0, 17, 18 and 30-35 unused).")
    w(f"constexpr std::array<std::string_view, {names_size}> k_segment_names{{{{")
    for sid in range(names_size):
        w(f"    {cxx_string(segments.get(sid, ''))},")
    w("}};")
    print("\n".join(out))


if __name__ == "__main__":
    main()
