"""How well ``signals.extract_events`` finds events in articles it was not written on.

    python benchmarks/extraction.py [--split test|dev|all] [--verbose] [--timing] [--agreement] [--batch]

Scores the frozen corpus in ``benchmarks/extraction/corpus`` (81 close paraphrases of real articles,
55 outlets, 2010-2026, labelled by the written guide ``GUIDE.md``), split by outlet into dev (the
rules may be tuned there) and test (frozen before any rule changed: its sha256 is checked here).
For each split it prints:

* precision and recall of (type, date) pairs: a candidate matches a label of the same type whose
  date agrees at the coarser of the two precisions; each label matches at most one candidate;
* a confusion matrix by type: each label against the type of the candidate dated like it
  (``missed`` when none is), and the types of candidates that match no label's date (``spurious``);
* date-precision accuracy: of the matched pairs, the share where the candidate's precision is
  the label's;
* the calendar-link rate: of the matched labels that name a calendar event, the share whose
  candidate ``link_events`` links to that same event.

``--agreement`` scores an independent second labelling of the test split
(``extraction/agreement``) against the gold labels the same way: how far a careful reader gets.

``--batch`` also runs each split through one ``reelab events inbox`` (the command itself, on an index
of the split's articles with their publication times and outlets) and scores its proposals at the
event level. A labelled event is one calendar id, or one (type, date, precision) for labels without
one; a proposal matches it when one of the proposal's articles carries such a label and the
proposal's own type and date agree with it (at the coarser precision). It prints:

* queue recall: the share of distinct labelled events some proposal matches;
* proposals per labelled event: the review cost;
* precision of the proposals two or more independent outlets state (``corroborated``), and of all;
* the inbox's time for the whole split.

``--verbose`` lists the misses and false positives of the chosen split (use it on dev only: looking
at test errors would tune the rules to the test split). ``--timing`` times extraction on a
2,000-word article. The last lines are ``precision=`` and ``recall=`` on test.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from signals import extract_events, link_events, load_events
from signals._extract import PRECISIONS
from signals._extract._text import _same_time

CORPUS = Path(__file__).resolve().parent / "extraction" / "corpus"
AGREEMENT = CORPUS.parent / "agreement"
#: The test split's sha256 (canonical JSON of its documents), recorded when it was frozen (1b5ffec).
FROZEN_TEST_SHA256 = "ae4bc284dda700e6bb6450af882df3733b32de9b31cb939253a3fd80655ad6eb"
MISSED, SPURIOUS = "missed", "spurious"


def load_split(name: str) -> list[dict]:
    """The documents of a split (``dev``, ``test`` or ``all``), each with its ``text``; test checked frozen."""
    corpus = json.loads((CORPUS / "corpus.json").read_text(encoding="utf-8"))["documents"]
    split = json.loads((CORPUS / "split.json").read_text(encoding="utf-8"))
    by_id = {document["id"]: document for document in corpus}
    test = [by_id[name] for name in split["test"]]
    canonical = json.dumps(sorted(test, key=lambda document: document["id"]), sort_keys=True)
    if hashlib.sha256(canonical.encode("utf-8")).hexdigest() != FROZEN_TEST_SHA256:
        raise SystemExit("the frozen test split changed: its sha256 differs from the recorded one")
    names = split["dev"] + split["test"] if name == "all" else split[name]
    return [by_id[name] | {"text": (CORPUS / by_id[name]["file"]).read_text(encoding="utf-8")} for name in names]


def _match(candidates: list, gold: list[dict], same_type: bool = True) -> dict[int, int]:
    """gold index -> candidate index; finer-dated labels pick first, each side used once."""
    pairs: dict[int, int] = {}
    order = sorted(range(len(gold)), key=lambda i: PRECISIONS.index(gold[i]["precision"]))
    for g in order:
        label = gold[g]
        when = date.fromisoformat(label["date"])
        options = [
            (abs((candidate.date - when).days), c)
            for c, candidate in enumerate(candidates)
            if c not in pairs.values()
            and (not same_type or str(candidate.type) == label["type"])
            and _same_time(candidate.date, candidate.precision, when, label["precision"])
        ]
        if options:
            pairs[g] = min(options)[1]
    return pairs


def evaluate(documents: list[dict], verbose: bool = False) -> dict:
    """Scores of ``extract_events`` on ``documents`` (see the module docstring)."""
    calendar = load_events()
    predicted = gold_total = matched = same_precision = linkable = linked = 0
    confusion: collections.Counter = collections.Counter()
    for document in documents:
        candidates = link_events(extract_events(document["text"], document["published"]), calendar)
        gold = document["events"]
        pairs = _match(candidates, gold)
        predicted += len(candidates)
        gold_total += len(gold)
        matched += len(pairs)
        for g, c in pairs.items():
            same_precision += candidates[c].precision == gold[g]["precision"]
            if gold[g].get("calendar_id"):
                linkable += 1
                linked += candidates[c].calendar_id == gold[g]["calendar_id"]
        dated = _match(candidates, gold, same_type=False)
        for g, label in enumerate(gold):
            confusion[label["type"], str(candidates[dated[g]].type) if g in dated else MISSED] += 1
        for c, candidate in enumerate(candidates):
            if c not in dated.values():
                confusion[SPURIOUS, str(candidate.type)] += 1
        if verbose:
            for g, label in enumerate(gold):
                if g not in pairs:
                    print(f"  missed  {document['id']}: {label['type']} {label['date']} {label['precision']}"
                          f"  <- {label['evidence'][:90]!r}")  # fmt: skip
            for c, candidate in enumerate(candidates):
                if c not in pairs.values():
                    print(f"  false+  {document['id']}: {candidate.type} {candidate.date} {candidate.precision}"
                          f"  <- {candidate.evidence[:90]!r}")  # fmt: skip
    return {
        "documents": len(documents), "predicted": predicted, "gold": gold_total, "matched": matched,
        "precision": matched / predicted if predicted else 0.0, "recall": matched / gold_total if gold_total else 0.0,
        "date_precision_accuracy": same_precision / matched if matched else 0.0,
        "link_rate": linked / linkable if linkable else 0.0, "linkable": linkable, "linked": linked,
        "confusion": confusion,
    }  # fmt: skip


def print_scores(name: str, scores: dict) -> None:
    print(f"\n== {name}: {scores['documents']} documents, {scores['gold']} labels, {scores['predicted']} candidates")
    print(f"precision {scores['precision']:.3f} ({scores['matched']}/{scores['predicted']}), "
          f"recall {scores['recall']:.3f} ({scores['matched']}/{scores['gold']})")  # fmt: skip
    print(f"date-precision accuracy {scores['date_precision_accuracy']:.3f}; "
          f"calendar-link rate {scores['link_rate']:.3f} ({scores['linked']}/{scores['linkable']})")  # fmt: skip
    confusion = scores["confusion"]
    rows = [*sorted({row for row, _ in confusion} - {SPURIOUS}), SPURIOUS]
    columns = [*sorted({column for _, column in confusion} - {MISSED}), MISSED]
    short = {column: "".join(part[0] for part in column.split("_")).upper() for column in columns}
    print("confusion (rows: label type; columns: candidate type dated like it; RT=restriction_tightening ...)")
    print(f"{'':24s}" + "".join(f"{short[column]:>5s}" for column in columns))
    for row in rows:
        print(f"{row:24s}" + "".join(f"{confusion[row, column] or '.':>5}" for column in columns))


def agreement() -> None:
    """Precision and recall of the second annotator's test labels against the gold ones."""
    second = json.loads((AGREEMENT / "test_second_annotator.json").read_text(encoding="utf-8"))["documents"]
    matched = labelled = gold_total = 0
    for document in load_split("test"):
        theirs = [
            SimpleNamespace(type=e["type"], date=date.fromisoformat(e["date"]), precision=e["precision"])
            for e in second[document["id"]]
        ]
        matched += len(_match(theirs, document["events"]))
        labelled += len(theirs)
        gold_total += len(document["events"])
    print(f"\nsecond annotator on test: precision {matched / labelled:.3f} ({matched}/{labelled}), "
          f"recall {matched / gold_total:.3f} ({matched}/{gold_total})")  # fmt: skip


def time_long_article(repeats: int = 20) -> float:
    """Median seconds to extract from a ~2,000-word article (dev articles joined), after one warm-up run."""
    words, texts = 0, []
    for document in load_split("dev"):
        texts.append(document["text"])
        words += len(document["text"].split())
        if words >= 2000:
            break
    text = "\n\n".join(texts)
    medians = []
    for leads in (False, True):
        extract_events(text, "2025-11-01", leads=leads)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            extract_events(text, "2025-11-01", leads=leads)
            times.append(time.perf_counter() - started)
        medians.append(sorted(times)[len(times) // 2])
    print(f"\nextraction on a {len(text.split())}-word article: median {medians[0]:.3f} s warm, "
          f"{medians[1]:.3f} s with leads (the inbox)")  # fmt: skip
    return medians[1]


def _label_key(label: dict) -> object:
    return label.get("calendar_id") or (label["type"], label["date"], label["precision"])


def batch(documents: list[dict], verbose: bool = False) -> dict:
    """Scores of one ``reelab events inbox`` run over ``documents`` (see the module docstring)."""
    import csv
    import tempfile

    from backtests.cli import main as reelab

    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "articles.csv"
        with index.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["file", "published", "outlet", "url"])
            for document in documents:
                published = document["published"]
                if document.get("published_time") and document.get("published_tz"):
                    published += f" {document['published_time']} {document['published_tz']}"
                writer.writerow([CORPUS / document["file"], published, document["outlet"], document.get("url", "")])
        started = time.perf_counter()
        if reelab(["events", "inbox", "--index", str(index), "--out", f"{folder}/inbox"]) != 0:
            raise SystemExit("reelab events inbox failed")
        seconds = time.perf_counter() - started
        records = json.loads((Path(folder) / "inbox" / "proposals.json").read_text(encoding="utf-8"))
    events: dict[object, list[tuple[str, dict]]] = collections.defaultdict(list)
    for document in documents:
        for label in document["events"]:
            events[_label_key(label)].append((document["id"], label))
    matched: set = set()
    correct = corroborated = corroborated_correct = 0
    for record in records:
        articles = {Path(source["source"]).stem for source in record["articles"]}
        day = date.fromisoformat(record["announced"])
        hits = {
            key
            for key, labels in events.items()
            for document, label in labels
            if document in articles and label["type"] == record["type"]
            and _same_time(day, record["precision"], date.fromisoformat(label["date"]), label["precision"])
        }  # fmt: skip
        matched |= hits
        correct += bool(hits)
        corroborated += record["corroborated"]
        corroborated_correct += record["corroborated"] and bool(hits)
        if verbose and record["corroborated"] and not hits:
            print(f"  corroborated, no label: {record['proposal']} {record['type']} {record['announced']} "
                  f"{record['precision']} {record['outlets']}  <- {record['evidence'][:80]!r}")  # fmt: skip
    if verbose:
        for key, labels in events.items():
            if key not in matched:
                print(f"  not in the queue: {key} ({len(labels)} labels) <- {labels[0][1]['evidence'][:80]!r}")
    return {
        "documents": len(documents), "events": len(events), "proposals": len(records),
        "recall": len(matched) / len(events), "per_event": len(records) / len(events),
        "corroborated": corroborated, "corroborated_precision": corroborated_correct / corroborated if corroborated
        else float("nan"), "precision": correct / len(records) if records else 0.0, "seconds": seconds,
    }  # fmt: skip


def print_batch(name: str, scores: dict) -> None:
    print(f"\n== {name}, one inbox run: {scores['documents']} articles, {scores['events']} distinct labelled events, "
          f"{scores['proposals']} proposals in {scores['seconds']:.2f} s")  # fmt: skip
    print(f"queue recall {scores['recall']:.3f}; proposals per labelled event {scores['per_event']:.2f}; "
          f"precision of corroborated proposals {scores['corroborated_precision']:.3f} ({scores['corroborated']}), "
          f"of all {scores['precision']:.3f}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "dev", "all"), help="score one split (default: test and dev)")
    parser.add_argument("--verbose", action="store_true", help="list misses and false positives (dev only, please)")
    parser.add_argument("--timing", action="store_true", help="time a 2,000-word article")
    parser.add_argument("--agreement", action="store_true", help="score a second annotator's test labels")
    parser.add_argument("--batch", action="store_true", help="score one reelab events inbox run per split")
    args = parser.parse_args()
    queue = {}
    for name in [args.split] if args.split else ["dev", "test"]:
        scores = evaluate(load_split(name), args.verbose)
        print_scores(name, scores)
        if args.batch:
            queue = batch(load_split(name), args.verbose)
            print_batch(name, queue)
    if args.agreement:
        agreement()
    if args.timing:
        time_long_article()
    if not args.split or args.split == "test":
        print(f"precision={scores['precision']:.3f}")
        print(f"recall={scores['recall']:.3f}")
        if queue:
            print(f"queue_recall={queue['recall']:.3f}")
            print(f"proposals_per_event={queue['per_event']:.2f}")
            print(f"corroborated_precision={queue['corroborated_precision']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
