#!/usr/bin/env python3
"""Validate the labelled news corpus (stdlib only).

Checks corpus.json and split.json in this directory against the article files,
the event-type vocabulary and the shipped calendar (seeds/events.csv), then
prints summary counts and the sha256 of the canonical JSON of the test split.
Exit status is 1 if any check fails.
"""

import collections
import csv
import datetime
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CALENDAR = os.path.join(HERE, "..", "..", "..", "seeds", "events.csv")
TYPES = {
    "restriction_tightening",
    "permit_approval",
    "negotiation_window",
    "negotiation_talks",
    "easing_pause",
    "licensing_reform",
    "quota_change",
    "wto_dispute",
    "wto_ruling",
    "retaliation_escalation",
}
PRECISIONS = {"day", "week", "month", "year"}
RELATIONS = {"news", "recalled"}
KINDS = {
    "wire",
    "trade_press",
    "law_firm",
    "consultancy",
    "state_media",
    "government",
    "broker",
    "analysis",
    "newsletter",
}

errors = []


def err(msg):
    errors.append(msg)


def parse_date(s, where):
    try:
        return datetime.date.fromisoformat(s)
    except (TypeError, ValueError):
        err(f"{where}: bad date {s!r}")
        return None


def main():
    with open(os.path.join(HERE, "corpus.json"), encoding="utf-8") as handle:
        corpus = json.load(handle)
    with open(os.path.join(HERE, "split.json"), encoding="utf-8") as handle:
        split = json.load(handle)
    with open(CALENDAR, newline="", encoding="utf-8") as fh:
        cal_ids = {row["id"] for row in csv.DictReader(fh)}

    docs = corpus["documents"]
    ids = [d["id"] for d in docs]
    if len(ids) != len(set(ids)):
        err("duplicate document ids")
    by_id = {d["id"]: d for d in docs}

    for d in docs:
        did = d["id"]
        path = os.path.join(HERE, d["file"])
        if not os.path.isfile(path):
            err(f"{did}: missing file {d['file']}")
            continue
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if d.get("outlet_kind") not in KINDS:
            err(f"{did}: unknown outlet_kind {d.get('outlet_kind')!r}")
        pub = parse_date(d.get("published"), f"{did} published")
        for i, e in enumerate(d["events"]):
            where = f"{did} event {i}"
            if e["type"] not in TYPES:
                err(f"{where}: unknown type {e['type']!r}")
            dt = parse_date(e["date"], where)
            if e["precision"] not in PRECISIONS:
                err(f"{where}: bad precision {e['precision']!r}")
            if e["relation"] not in RELATIONS:
                err(f"{where}: bad relation {e['relation']!r}")
            if not e["evidence"] or e["evidence"] not in text:
                err(f"{where}: evidence not found in article: {e['evidence'][:60]!r}")
            cid = e.get("calendar_id")
            if cid is not None and cid not in cal_ids:
                err(f"{where}: calendar_id {cid!r} not in {CALENDAR}")
            if dt and pub:
                expect = "news" if (dt > pub or (pub - dt).days <= 10) else "recalled"
                if expect != e["relation"]:
                    err(f"{where}: relation {e['relation']} but date {dt} vs published {pub} implies {expect}")

    dev_o, test_o = set(split["dev_outlets"]), set(split["test_outlets"])
    both = dev_o & test_o
    if both:
        err(f"outlets in both splits: {sorted(both)}")
    dev, test = split["dev"], split["test"]
    seen = collections.Counter(dev + test)
    for did in ids:
        if seen[did] != 1:
            err(f"{did}: appears {seen[did]} times in the splits")
    for did in seen:
        if did not in by_id:
            err(f"split lists unknown document {did}")
    for name, members, outs in (("dev", dev, dev_o), ("test", test, test_o)):
        for did in members:
            if did in by_id and by_id[did]["outlet"] not in outs:
                err(f"{did}: outlet {by_id[did]['outlet']!r} not listed in {name}_outlets")

    # ---- counts ----
    def labels(ds):
        return [e for d in ds for e in d["events"]]

    dev_docs = [by_id[i] for i in dev if i in by_id]
    test_docs = [by_id[i] for i in test if i in by_id]
    all_l = labels(docs)
    print(f"documents: {len(docs)} (dev {len(dev_docs)}, test {len(test_docs)})")
    print(f"outlets: {len({d['outlet'] for d in docs})} (dev {len(dev_o)}, test {len(test_o)})")
    print(
        f"labels: {len(all_l)} (dev {len(labels(dev_docs))}, test {len(labels(test_docs))}, "
        f"test share {len(labels(test_docs)) / max(1, len(all_l)):.1%})"
    )
    print("labels per type (all / dev / test):")
    ta, td, tt = (collections.Counter(e["type"] for e in x) for x in (all_l, labels(dev_docs), labels(test_docs)))
    for t in sorted(TYPES):
        print(f"  {t:24s} {ta[t]:4d} {td[t]:4d} {tt[t]:4d}")
    rel = collections.Counter(e["relation"] for e in all_l)
    print(f"news vs recalled: news {rel['news']}, recalled {rel['recalled']}")
    prec = collections.Counter(e["precision"] for e in all_l)
    print("precision: " + ", ".join(f"{k} {prec[k]}" for k in ("day", "week", "month", "year")))
    print("per outlet kind (docs / labels; test docs / test labels):")
    for k in sorted(KINDS):
        kd = [d for d in docs if d["outlet_kind"] == k]
        kt = [d for d in test_docs if d["outlet_kind"] == k]
        print(f"  {k:12s} {len(kd):3d} / {len(labels(kd)):3d};  {len(kt):3d} / {len(labels(kt)):3d}")
    with_cal = sum(1 for e in all_l if e.get("calendar_id"))
    print(f"labels linked to calendar ids: {with_cal}")

    canon = json.dumps(sorted(test_docs, key=lambda d: d["id"]), sort_keys=True)
    print("test split sha256:", hashlib.sha256(canon.encode("utf-8")).hexdigest())

    if errors:
        print(f"\n{len(errors)} ERROR(S):")
        for m in errors:
            print("  " + m)
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
