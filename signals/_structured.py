"""JSON and YAML event files read with the line of every record and of every repeated key.

Python's ``json`` and PyYAML keep the last value of a key a mapping repeats, without a word, and give
no line numbers for what they read. The readers here note both: :func:`read_json` through json's own
decoder with its object and array parsers wrapped, :func:`read_yaml` through a SafeLoader subclass
that keeps dates as text (reelab's date parser checks them) and refuses anchors and aliases.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable

from .errors import MalformedFileError

__all__ = ["read_json", "read_yaml"]

#: (line, line of the first, key) of a key a mapping gives again.
Repeat = tuple[int, int, object]


def _text_dates_loader():
    """yaml's SafeLoader that keeps dates as text, so reelab's own date parser checks them (with
    the file, line and column) instead of PyYAML raising a bare ValueError on 2025-02-30, and that
    notes in ``repeats`` (line, key) every key a mapping gives twice: PyYAML keeps the last silently."""
    import yaml

    class TextDates(yaml.SafeLoader):
        def __init__(self, stream: str):
            super().__init__(stream)
            self.repeats: list[tuple[int, int, object]] = []  # (line, line of the first, key)

        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                first_lines: dict = {}
                for key_node, _ in node.value:
                    # a merge key (<<) may override keys by design; other keys must be scalars to compare
                    if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key, line = self.construct_object(key_node), key_node.start_mark.line + 1
                    if key in first_lines:
                        self.repeats.append((line, first_lines[key], key))
                    first_lines.setdefault(key, line)
            return super().construct_mapping(node, deep=deep)

    TextDates.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return TextDates


class _Lines:
    """The line of a character offset in a text."""

    def __init__(self, text: str):
        self.breaks = [match.start() for match in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_left(self.breaks, offset) + 1


class _LineNotingDecoder(json.JSONDecoder):
    """Python's JSON decoder, noting lines: the line of each element of every list (the records),
    and (line, line of the first, key) of every key an object repeats (json keeps the last silently).

    Its object and array parsers are json's own, wrapped: each scans its values through a wrapper
    that notes where every value starts. This uses the pure-Python scanner (the C scanner calls its
    own parsers) and json's undocumented ``JSONObject``/``JSONArray``/``py_make_scanner``, long
    unchanged; tests/signals/test_events.py checks this decoder reads what ``json.loads`` reads.
    """

    def __init__(self, text: str):
        from json.decoder import JSONArray, JSONObject  # type: ignore[attr-defined]
        from json.scanner import py_make_scanner  # type: ignore[attr-defined]

        super().__init__()
        self.text, self.line_of = text, _Lines(text)
        self.repeats: list[tuple[int, int, object]] = []
        self.starts_of: dict[int, tuple[list, list[int]]] = {}  # id(list) -> (the list, kept alive; offsets)
        self._json_object, self._json_array = JSONObject, JSONArray
        self.parse_object, self.parse_array = self._object, self._array
        self.scan_once = py_make_scanner(self)

    @staticmethod
    def _noting(starts: list[int], scan_once: Callable) -> Callable:
        def scan(string: str, offset: int):
            starts.append(offset)
            return scan_once(string, offset)

        return scan

    def _object(self, s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        starts: list[int] = []
        pairs, end = self._json_object(s_and_end, strict, self._noting(starts, scan_once), None, list, memo)
        first_lines: dict[str, int] = {}
        for (key, _), start in zip(pairs, starts):
            # the key's line is the line of the ':' before its value, but for line breaks between
            # the two (a JSON string holds none): count from the key's closing quote
            line = self.line_of(self.text.rindex('"', 0, start))
            if key in first_lines:
                self.repeats.append((line, first_lines[key], key))
            first_lines.setdefault(key, line)
        return dict(pairs), end

    def _array(self, s_and_end, scan_once):
        starts: list[int] = []
        values, end = self._json_array(s_and_end, self._noting(starts, scan_once))
        self.starts_of[id(values)] = (values, starts)
        return values, end

    def lines(self, values: object) -> list[int]:
        """The line of each element of ``values``, a list this decoder parsed (else [])."""
        return [self.line_of(start) for start in self.starts_of.get(id(values), ([], []))[1]]


def read_json(text: str, name: str) -> tuple[object, list[int], list[Repeat]]:
    """(the parsed document, the line of each record, the repeated keys) of a JSON event file."""
    decoder = _LineNotingDecoder(text)
    try:
        records = decoder.decode(text)
    except json.JSONDecodeError as error:
        raise MalformedFileError(name, error.lineno, "json", error.msg, "not valid JSON:") from None
    except RecursionError:
        raise MalformedFileError(name, 1, "json", "nested too deeply", "not an event file:") from None
    listed = records.get("events") if isinstance(records, dict) else records
    return records, decoder.lines(listed), decoder.repeats


def read_yaml(text: str, name: str) -> tuple[object, list[int], list[Repeat]]:
    """(the parsed document, the line of each record, the repeated keys) of a YAML event file."""
    import yaml

    loader = _text_dates_loader()(text)
    try:
        for token in yaml.scan(text):  # anchors and aliases can expand a few bytes into gigabytes
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                line = token.start_mark.line + 1
                raise MalformedFileError(name, line, "yaml", token.value, "anchors and aliases are not allowed:")
        root = loader.get_single_node()
        records = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise MalformedFileError(
            name, (mark.line + 1) if mark else 1, "yaml", str(error)[:80], "not valid YAML:"
        ) from None
    finally:
        loader.dispose()
    if isinstance(root, yaml.MappingNode):  # {events: [...]}: the last 'events' is the one the loader kept
        root = next((value for key, value in reversed(root.value) if key.value == "events"), root)
    lines = [node.start_mark.line + 1 for node in root.value] if isinstance(root, yaml.SequenceNode) else []
    return records, lines, loader.repeats
