"""Events from news text: types, dates and their precision, windows, countries, speculation, linking."""

from __future__ import annotations

from datetime import date

import pytest

from signals import extract_events, find_dateline, link_events, load_events


def _one(text, published="2025-06-13"):
    found = extract_events(text, published)
    assert len(found) == 1, found
    return found[0]


def test_weekday_resolves_against_the_publication_day():
    # Published Friday 2025-06-13: "on Thursday" is the day before; "on Friday" is the day itself.
    candidate = _one(
        "China has approved a number of export license applications, the Ministry of Commerce said on Thursday."
    )
    assert (str(candidate.type), candidate.date, candidate.precision) == ("permit_approval", date(2025, 6, 12), "day")
    same_day = _one("The ministry announced on Friday that it approved export licence applications.", "2025-06-13")
    assert same_day.date == date(2025, 6, 13)


# Published Friday 2025-06-13: "last month" is May (month precision: its first day), "last week"
# the Monday of the week before (06-02, as the labelling guide says), "earlier this week" the
# publication day itself (week precision), a bare year its January 1st.
@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("On April 4, 2025, the Commerce Ministry announced its decision to implement export controls on rare earths.",
         date(2025, 4, 4), "day"),
        ("Both sides agreed last month to a truce in which tariffs were suspended for 90 days.",
         date(2025, 5, 1), "month"),
        ("Last week the ministry imposed export controls on gallium.", date(2025, 6, 2), "week"),
        ("Earlier this week MOFCOM imposed export controls on antimony.", date(2025, 6, 13), "week"),
        ("In 2014, the WTO ruled against China's export quotas.", date(2014, 1, 1), "year"),
    ],
)  # fmt: skip
def test_date_expressions_and_their_precision(text, expected, precision):
    candidate = _one(text)
    assert (candidate.date, candidate.precision) == (expected, precision)


def test_windows_countries_and_elements():
    window = _one("On May 12, Beijing and Washington agreed to a truce that pauses the tariffs for 90 days.",
                  "2025-05-12")  # fmt: skip
    assert str(window.type) == "negotiation_window" and window.window_end == date(2025, 8, 10)  # May 12 + 90 days
    permits = _one("China has issued export permits for dysprosium magnets to European and Vietnamese clients, "
                   "excluding the US.", "2025-05-14")  # fmt: skip
    # No date expression: the present perfect "has issued" dates it to the publication day, week precision.
    assert permits.precision == "week" and permits.date == date(2025, 5, 14)
    assert {"EU", "VN"} <= set(permits.countries_included) and permits.countries_excluded == ("US",)
    assert "dysprosium" in permits.elements and "magnets" in permits.elements
    start, end = permits.span
    assert end > start and 0 < permits.confidence < 1


@pytest.mark.parametrize(
    "text",
    [
        "Beijing is considering new export controls on rare earth magnets.",
        "A deal could be finalized by Thanksgiving, a post indicated.",
        "China controls about 90% of global rare earth refining capacity.",
        "Exports are expected to recover as licences are approved over the coming months.",
    ],
)
def test_speculation_forecasts_and_background_are_not_events(text):
    assert extract_events(text, "2025-06-13") == []


def test_dateline_and_linking():
    text = (
        "China grants permits\nBy Yoyo Shi / 2025-06-26\n"
        "On June 12, the ministry said it had approved rare earth export applications."
    )
    assert find_dateline(text) == date(2025, 6, 26)
    candidates = link_events(extract_events(text), load_events())
    # "On June 12" resolves in the dateline's year; the shipped calendar has that day's permits as 2025-06-12-PA.
    assert [(c.date, c.calendar_id) for c in candidates] == [(date(2025, 6, 12), "2025-06-12-PA")]
    new = link_events(extract_events("On March 3, 2025, MOFCOM imposed export controls on graphite.", "2025-03-04"),
                      load_events())  # fmt: skip
    assert new[0].calendar_id is None


def _benchmark():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "extraction.py"
    spec = importlib.util.spec_from_file_location("extraction_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_test_split_is_frozen_and_split_by_outlet():
    benchmark = _benchmark()
    test, dev = benchmark.load_split("test"), benchmark.load_split("dev")  # load_split checks the sha256
    assert not {d["outlet"] for d in test} & {d["outlet"] for d in dev}
    assert len(test) + len(dev) >= 40 and sum(len(d["events"]) for d in test + dev) >= 150


def test_extraction_scores_on_the_corpus_do_not_regress():
    """Regression floors at the figures measured when the rules were last changed (README, closing note of #12).

    The issue's targets (precision 0.85, recall 0.80 on test) are not met yet; these floors only stop
    a change from silently losing what the rules reach today.
    """
    benchmark = _benchmark()
    dev, test = benchmark.evaluate(benchmark.load_split("dev")), benchmark.evaluate(benchmark.load_split("test"))
    assert dev["precision"] >= DEV_FLOOR[0] and dev["recall"] >= DEV_FLOOR[1], dev
    assert test["precision"] >= TEST_FLOOR[0] and test["recall"] >= TEST_FLOOR[1], test


DEV_FLOOR, TEST_FLOOR = (0.67, 0.65), (0.60, 0.47)


def test_the_inbox_queue_on_the_corpus_does_not_regress(capsys):
    """One ``reelab events inbox`` run per split, scored at the event level (benchmarks/extraction.py --batch).

    Floors at the figures measured when the lead rules were settled on dev (README). The issue's queue
    recall target (0.90 on test) is not met: 0.872 there.
    """
    benchmark = _benchmark()
    for split, floor in (("dev", DEV_QUEUE), ("test", TEST_QUEUE)):
        scores = benchmark.batch(benchmark.load_split(split))
        assert scores["recall"] >= floor["recall"] and scores["per_event"] <= floor["per_event"], (split, scores)
        assert scores["corroborated_precision"] >= floor["corroborated_precision"], (split, scores)


DEV_QUEUE = {"recall": 0.94, "per_event": 3.9, "corroborated_precision": 0.80}
TEST_QUEUE = {"recall": 0.87, "per_event": 3.0, "corroborated_precision": 0.85}
