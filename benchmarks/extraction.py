"""Precision and recall of event extraction on the hand-labelled set (benchmarks/extraction/labels.json).

    python benchmarks/extraction.py [--seeds ../shared/seeds] [--verbose]

A predicted (type, date) pair matches a gold one when the types are equal and the dates agree at the
coarser of the two precisions; each gold pair matches at most one prediction. The five seed articles
are read from shared/seeds; public articles are kept as short excerpts with their sources.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from signals import extract_events
from signals._extract import _same_time

HERE = Path(__file__).resolve().parent


def evaluate(labels: dict, seeds: Path, verbose: bool = False, held_out: bool | None = None) -> dict:
    """Matched pairs over the documents (only held-out ones, only the others, or all when None)."""
    predicted_total = gold_total = matched = 0
    rows = []
    for document in labels["documents"]:
        if held_out is not None and bool(document.get("held_out")) != held_out:
            continue
        text = (seeds / document["seed"]).read_text(encoding="utf-8") if "seed" in document else document["text"]
        predictions = extract_events(text, document["published"])
        gold = [(g["type"], date.fromisoformat(g["date"]), g["precision"]) for g in document["events"]]
        used = set()
        hits = 0
        for candidate in predictions:
            for number, (kind, when, precision) in enumerate(gold):
                if (
                    number not in used
                    and str(candidate.type) == kind
                    and _same_time(candidate.date, candidate.precision, when, precision)
                ):
                    used.add(number)
                    hits += 1
                    break
            else:
                if verbose:
                    print(
                        f"  false positive in {document['id']}: {candidate.type} {candidate.date} {candidate.precision}"
                    )
        for number, (kind, when, precision) in enumerate(gold):
            if number not in used and verbose:
                print(f"  missed in {document['id']}: {kind} {when} {precision}")
        predicted_total += len(predictions)
        gold_total += len(gold)
        matched += hits
        rows.append((document["id"], len(predictions), len(gold), hits))
    return {"rows": rows, "predicted": predicted_total, "gold": gold_total, "matched": matched,
            "precision": matched / predicted_total if predicted_total else 0.0,
            "recall": matched / gold_total if gold_total else 0.0}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=HERE.parent.parent / "shared" / "seeds")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    labels = json.loads((HERE / "extraction" / "labels.json").read_text(encoding="utf-8"))
    result = evaluate(labels, args.seeds, args.verbose)
    print(f"{'document':28s} predicted gold matched")
    for name, predicted, gold, hits in result["rows"]:
        print(f"{name:28s} {predicted:9d} {gold:4d} {hits:7d}")
    for name, subset in (("developed on (rules tuned here)", False), ("held out (labelled after the rules)", True)):
        part = evaluate(labels, args.seeds, held_out=subset)
        print(
            f"{name}: {part['matched']}/{part['predicted']} predicted, {part['matched']}/{part['gold']} gold -> "
            f"precision {part['precision']:.3f}, recall {part['recall']:.3f}"
        )
    print(f"pairs: {result['predicted']} predicted, {result['gold']} gold, {result['matched']} matched")
    print(f"precision={result['precision']:.3f}")
    print(f"recall={result['recall']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
