"""Candidate policy events from news text, and proposals grouped across articles for review.

A small package; each module says what it decides:

* :mod:`._text`: sentences, clauses and dates (which day an expression names, at which precision);
* :mod:`._cues`: event cues and types (which words name an action of which type, which mentions are none);
* :mod:`._extractor`: candidates of one article (each action dated by its nearest date);
* :mod:`._link`: linking a candidate to a calendar event;
* :mod:`._score`: scoring (the seam through which a trained model could rank candidates later);
* :mod:`._group`: proposals (one event told by several articles) with their sources and outlets.
"""

from ._extractor import Candidate, extract_events
from ._link import link_events
from ._text import PRECISIONS, find_dateline

__all__ = ["PRECISIONS", "Candidate", "extract_events", "find_dateline", "link_events"]
