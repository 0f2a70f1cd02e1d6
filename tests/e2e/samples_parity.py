#!/usr/bin/env python3
"""One decision path: every sample claim through the gateway and through the dry run, same bytes.

    samples_parity.py RXGATE URL CA SAMPLES_DIR PLANS_DIR TODAY

Sends the samples in file-name order with `rxgate submit --raw` to a gateway serving a fresh
database, and runs each one through `rxgate adjudicate --raw` with a history file that holds what
the database holds at that moment: the member's paid, unreversed fills, the plan year's
accumulators of the member and the family, and the claim already stored under the transaction's
claim key, all taken from the gateway's own earlier answers. The response
bytes must be equal once the authorization numbers (503-F3) are set aside: the gateway numbers them
by node and counter, the dry run counts from 1. Exit status 0 when every sample agrees, 1 otherwise.
"""
import json
import os
import re
import subprocess
import sys

rxgate, url, ca, samples_dir, plans_dir, today = sys.argv[1:7]

OVERPUNCH = {c: (i, 1) for i, c in enumerate("{ABCDEFGHI")}
OVERPUNCH.update({c: (i, -1) for i, c in enumerate("}JKLMNOPQR")})
# The fields rules/fingerprint.cpp hashes, as (segment, field) of the decoded request; a stored
# claim with the same values is the "same" submission (a retransmit).
FINGERPRINT = [("hdr", f) for f in ("A1", "A4", "B2", "B1", "D1")] + \
    [("04", f) for f in ("C2", "C3", "C1")] + \
    [("07", f) for f in ("D2", "D3", "E1", "D7", "E7", "D5", "D6", "D8", "C8", "EU")]


def run(args, data=None):
    return subprocess.run(args, input=data, capture_output=True, check=False)


def decode(raw):
    r = run([rxgate, "decode", "--json", "-"], raw)
    if r.returncode != 0:
        raise SystemExit("rxgate decode failed: " + r.stderr.decode(errors="replace"))
    return json.loads(r.stdout)


def fields(segments, seg_id):
    out = {}
    for s in segments:
        if s["id"] == seg_id:
            for k, v in s["fields"]:
                out.setdefault(k, v)
    return out


def cents(value):
    """s9(n)v99 overpunch ("00012{" = 1.20) to integer cents."""
    value = value.strip()
    if not value:
        return 0
    digit, sign = OVERPUNCH.get(value[-1], (None, 1))
    text = value[:-1] + str(digit) if digit is not None else value
    return sign * int(text)


def dollars(c):
    return "%s%d.%02d" % ("-" if c < 0 else "", abs(c) // 100, abs(c) % 100)


def units(thousandths):
    whole, frac = divmod(int(thousandths or "0"), 1000)
    return str(whole) if frac == 0 else "%d.%03d" % (whole, frac)


def masked(raw):
    """The response bytes with every 503-F3 value replaced by '*' (same length on both sides)."""
    return re.sub(rb"\x1cF3[^\x1c\x1d\x1e]*", lambda m: b"\x1cF3" + b"*" * (len(m.group(0)) - 3), raw)


fills = {}    # member (BIN, cardholder, person) -> list of fill dicts
stored = {}   # claim key -> dict(id, reversed, authorization, fingerprint, price, fill)
next_id = 1
failures = 0

for name in sorted(n for n in os.listdir(samples_dir) if n.endswith(".d0")):
    path = os.path.join(samples_dir, name)
    with open(path, "rb") as f:
        request_bytes = b"".join(line for line in f.read().splitlines(keepends=True) if not line.startswith(b"# "))
    request_bytes = request_bytes.rstrip(b"\n")
    try:
        request = decode(request_bytes)
    except SystemExit:
        request = None  # not decodable: a transmission-level reject on both sides, no history

    # What the database holds for this transmission, before the gateway sees it.
    history = []
    keys = []
    if request:
        hdr = request["header"]
        ins = fields(request["segments"], "04")
        member = (hdr.get("A1", ""), ins.get("C2", ""), ins.get("C3", ""))
        for fill in fills.get(member, []):
            history.append("fill,%d,%s,%s,%s,%s,%s,%s" % (
                fill["id"], fill["date"], fill["ndc"], units(fill["qty"]), fill["days"], fill["pharmacy"],
                fill["prescriber"]))
        # Accumulators: what the member's and the family's paid claims of the plan year applied.
        # The samples' accumulator plans have a calendar plan year.
        year = hdr.get("D1", "")[:4] + "0101"
        mine = [f["applied"] for f in fills.get(member, []) if f["year"] == year]
        family = [f["applied"] for m, fs in fills.items() if m[:2] == member[:2] for f in fs if f["year"] == year]
        if family:
            history.append("accumulators,%s,%s,%s" % (year, ",".join(dollars(sum(a[i] for a in mine)) for i in range(3)),
                                                      ",".join(dollars(sum(a[i] for a in family)) for i in range(3))))
        for t in request["transactions"]:
            claim = fields(t["segments"], "07")
            key = (hdr.get("A1"), hdr.get("A4"), hdr.get("B2"), hdr.get("B1"), claim.get("D2"),
                   claim.get("D3"), hdr.get("D1"))
            fingerprint = tuple((hdr if s == "hdr" else ins if s == "04" else claim).get(f, "") for s, f in FINGERPRINT)
            if hdr.get("A3") == "B3":
                fingerprint += ("B3",)  # a rebill is not a retransmit of the claim it replaces
            keys.append((key, fingerprint, claim, t))
        known = [k for k in keys if k[0] in stored]
        if len(known) > 1:
            print("FAIL %s: %d transactions have stored claims; a history file holds one" % (name, len(known)))
            failures += 1
            continue
        for key, fingerprint, _, _ in known:
            s = stored[key]
            line = "key,%d,%s,%s,%s" % (s["id"], "reversed" if s["reversed"] else "paid", s["authorization"],
                                        "same" if s["fingerprint"] == fingerprint else "different")
            if s["price"]:
                p = s["price"]
                line += "," + ",".join([dollars(cents(p[f])) for f in ("F9", "F5", "F6", "F7")] + [p.get("FM", "")] +
                                       [dollars(cents(p[f])) if f in p else "" for f in ("FI", "4U", "FH", "UK")] +
                                       [dollars(a) for a in s["fill"]["applied"]])
            history.append(line)

    history_path = os.path.join(samples_dir, name + ".history")
    with open(history_path, "w") as f:
        f.write("# what the database held before %s\n" % name)
        f.write("".join(h + "\n" for h in history))

    gateway = run([rxgate, "submit", "--raw", "--url", url, "--ca", ca, path])
    dry = run([rxgate, "adjudicate", "--raw", "--plans", plans_dir, "--history", history_path, "--today", today, path])
    if gateway.returncode != 0 or dry.returncode not in (0, 1):
        print("FAIL %s: submit exited %d, adjudicate exited %d\n%s%s" % (
            name, gateway.returncode, dry.returncode, gateway.stderr.decode(errors="replace"),
            dry.stderr.decode(errors="replace")))
        failures += 1
        continue
    answer = decode(gateway.stdout)
    if masked(gateway.stdout) != masked(dry.stdout):
        print("FAIL %s: the gateway and the dry run answer differently\n  gateway: %s\n  dry run: %s" % (
            name, json.dumps(answer), json.dumps(decode(dry.stdout))))
        failures += 1
    else:
        print("ok   %s (%d bytes)" % (name, len(gateway.stdout)))

    # Learn from the gateway's answer what the database now holds.
    if not request:
        continue
    code = request["header"].get("A3")
    for (key, fingerprint, claim, request_transaction), t in zip(keys, answer.get("transactions", [])):
        status = fields(t["segments"], "21").get("AN", "")
        prior = stored.get(key)
        if code in ("B2", "B3") and status in ("A", "P") and prior and not prior["reversed"]:
            prior["reversed"] = True
            fills[member] = [f for f in fills.get(member, []) if f is not prior["fill"]]
        if code in ("B1", "B3") and status == "P":
            price = fields(t["segments"], "23")  # 505-F5 ... 134-UK as answered
            fill = {"id": next_id, "date": hdr.get("D1"), "ndc": claim.get("D7", ""), "qty": claim.get("E7", "0"),
                    "days": claim.get("D5", "0"), "pharmacy": hdr.get("B1", ""),
                    "prescriber": fields(request_transaction["segments"], "03").get("DB", ""),
                    "year": year,
                    # What it applied to the accumulators, as its answer tells: 517-FH to the
                    # deductible, 505-F5 toward the out-of-pocket maximum, 509-F9 the plan paid
                    # (exact for plans without a brand penalty or benefit maximum, as in the samples).
                    "applied": (cents(price.get("FH", "")), cents(price.get("F5", "")), cents(price.get("F9", "")))
                    if "FH" in price else (0, 0, 0)}
            fills.setdefault(member, []).append(fill)
            stored[key] = {"id": next_id, "reversed": False, "authorization": fields(t["segments"], "21").get("F3", ""),
                           "fingerprint": fingerprint, "fill": fill,
                           "price": price if "F9" in price else None}
            next_id += 1

if failures:
    print("%d sample(s) answered differently by the gateway and the dry run" % failures)
    sys.exit(1)
print("every sample: the gateway and the dry run answer the same bytes, authorization numbers aside")
