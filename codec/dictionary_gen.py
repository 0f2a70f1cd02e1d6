#!/usr/bin/env python3
"""Generates codec/dictionary.cpp from the segment tables of the D.0 digest (ncpdp-d0.md §2-§5).

Not part of the build: the generated file is checked in. Run it again when the digest changes:

    python3 codec/dictionary_gen.py PATH/TO/ncpdp-d0.md > codec/dictionary.cpp

It reads every "#### ... — AMnn" table of §4/§5 and the fixed-header tables of §2/§3, derives
the format class and implied decimals from the Format column, sorts the entries by
(segment, field id) so that the C++ side can binary-search them, and fails loudly on anything it
does not understand (an unknown format, a field ID listed twice in one segment, or one ID that
means two different things in two segments).
"""

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


def classify(fmt: str):
    """Format column -> (format class, implied decimals)."""
    f = fmt.strip()
    if re.fullmatch(r"x\(\d+\)", f):
        return "alphanumeric", 0
    if re.fullmatch(r"9\(8\) CCYYMMDD", f):
        return "date", 0
    if re.fullmatch(r"9\(4\) HHMM", f):
        return "time", 0
    if re.fullmatch(r"9\(\d+\)", f):
        return "numeric", 0
    if re.fullmatch(r"s9\(\d+\)v99", f):
        return "money", 2
    if re.fullmatch(r"9\(7\)v999", f):
        return "quantity", 3
    if re.fullmatch(r"s9\(3\)v9999", f):
        return "rate", 4
    if re.fullmatch(r"9\(3\)v99", f):
        return "percent", 2
    raise SystemExit(f"dictionary_gen: unknown format {fmt!r}")


def cxx_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fid(s: str) -> str:
    return f"make_field_id('{s[0]}', '{s[1]}')"


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: dictionary_gen.py ncpdp-d0.md > dictionary.cpp")
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().splitlines()

    segments = {}  # id -> name
    entries = []   # (segment number, field id, number, name, class, decimals, length)
    for seg_num, (num, ident, name, cls, dec, length) in [(0, h) for h in HEADER_FIELDS]:
        entries.append((seg_num, ident, num, name, cls, dec, length))

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
                        int(r.group("len"))))

    expected = set(range(1, 17)) | set(range(20, 30))
    if set(segments) != expected:
        raise SystemExit(f"dictionary_gen: segments found {sorted(segments)}")

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

    key_of = lambda e: (e[0], (ord(e[1][0]) << 8) | ord(e[1][1]))
    entries.sort(key=key_of)
    fallback = sorted({e[1] for e in entries}, key=lambda s: (ord(s[0]) << 8) | ord(s[1]))
    # The fallback entry for an ID is its listing in the lowest-numbered segment (header first).
    index_of = {}
    for i, e in enumerate(entries):
        index_of.setdefault(e[1], i)

    out = []
    w = out.append
    w("// GENERATED by codec/dictionary_gen.py from the D.0 digest (ncpdp-d0.md §2-§5). Do not edit by")
    w("// hand: change the digest or the generator and run it again.")
    w('#include "codec/dictionary.h"')
    w("")
    w("#include <algorithm>")
    w("#include <array>")
    w("")
    w("namespace rxgate::codec {")
    w("namespace {")
    w("")
    w(f"constexpr std::array<field_info, {len(entries)}> k_fields{{{{")
    for e in entries:
        seg, ident, num, name, cls, dec, length = e
        seg_expr = f"static_cast<segment_id>({seg})"
        w(f"    {{{fid(ident)}, {seg_expr}, field_format::{cls}, {dec}, {length}, {cxx_string(num)}, {cxx_string(name)}}},")
    w("}};")
    w("")
    w("// Index into k_fields of each field ID's fallback entry, sorted by field ID.")
    w(f"constexpr std::array<std::uint16_t, {len(fallback)}> k_by_id{{{{")
    for chunk in range(0, len(fallback), 12):
        w("    " + " ".join(f"{index_of[s]}," for s in fallback[chunk:chunk + 12]))
    w("}};")
    w("")
    w("// Segment names indexed by segment number (0 and 17-19 unused).")
    w("constexpr std::array<std::string_view, 30> k_segment_names{{")
    for sid in range(30):
        w(f"    {cxx_string(segments.get(sid, ''))},")
    w("}};")
    w("")
    w("constexpr std::uint32_t sort_key(segment_id seg, field_id id) noexcept {")
    w("  return (static_cast<std::uint32_t>(seg) << 16) | id;")
    w("}")
    w("")
    w("constexpr bool tables_sorted() noexcept {")
    w("  for (std::size_t i = 1; i < k_fields.size(); ++i)")
    w("    if (sort_key(k_fields[i - 1].segment, k_fields[i - 1].id) >= sort_key(k_fields[i].segment, k_fields[i].id))")
    w("      return false;")
    w("  for (std::size_t i = 1; i < k_by_id.size(); ++i)")
    w("    if (k_fields[k_by_id[i - 1]].id >= k_fields[k_by_id[i]].id) return false;")
    w("  return true;")
    w("}")
    w("static_assert(tables_sorted(), \"binary search needs both tables sorted\");")
    w("")
    w("}  // namespace")
    w("")
    w("const field_info* find_field(segment_id seg, field_id id) noexcept {")
    w("  const auto key = sort_key(seg, id);")
    w("  const auto* it = std::lower_bound(k_fields.begin(), k_fields.end(), key,")
    w("                                    [](const field_info& f, std::uint32_t k) { return sort_key(f.segment, f.id) < k; });")
    w("  if (it != k_fields.end() && it->segment == seg && it->id == id) return &*it;")
    w("  return find_field(id);")
    w("}")
    w("")
    w("const field_info* find_field(field_id id) noexcept {")
    w("  const auto* it = std::lower_bound(k_by_id.begin(), k_by_id.end(), id,")
    w("                                    [](std::uint16_t i, field_id k) { return k_fields[i].id < k; });")
    w("  if (it != k_by_id.end() && k_fields[*it].id == id) return &k_fields[*it];")
    w("  return nullptr;")
    w("}")
    w("")
    w("std::string_view segment_name(segment_id seg) noexcept {")
    w("  const auto n = static_cast<std::size_t>(seg);")
    w("  return n < k_segment_names.size() ? k_segment_names[n] : std::string_view{};")
    w("}")
    w("")
    w("std::span<const field_info> all_fields() noexcept { return k_fields; }")
    w("")
    w("std::string_view to_string(field_format f) noexcept {")
    w("  switch (f) {")
    for c in ["alphanumeric", "numeric", "money", "quantity", "rate", "percent", "date", "time"]:
        w(f"    case field_format::{c}: return \"{c}\";")
    w("  }")
    w("  return \"unknown\";")
    w("}")
    w("")
    w("}  // namespace rxgate::codec")
    print("\n".join(out))


if __name__ == "__main__":
    main()
