"""Bibliography helpers: look up source keys and render reference lists.

Notebooks cite sources in markdown as ``[KEY]`` (``[K-BL54]``, ``[W1]``);
``tools/execute_notebooks.py`` fills each lesson's References cell with
:func:`references_markdown` of the keys :func:`cited_keys` finds.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from .data import Source, load_course

__all__ = ["lookup", "format_reference", "references_markdown", "cited_keys", "CITATION_PATTERN",
           "UnknownSourceError"]

# A source key as in facts.md / data/sources.yaml: "K-BL54", "J-GB30-higokoro", "E-cochrane-hip", "W1".
# Requiring a dash (or W + digits) keeps ordinary bracketed words such as "[Note]" from counting.
_KEY = r"(?:[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9.]+)+|W\d+)"

#: A citation: one or more keys in square brackets, separated by "," or ";", not followed by "("
#: (that would be a markdown link); task-list boxes "[ ]" / "[x]" never match.
CITATION_PATTERN = re.compile(rf"\[({_KEY}(?:\s*[,;]\s*{_KEY})*)\](?!\()")


class UnknownSourceError(KeyError):
    """Cited keys that are not in ``data/sources.yaml``; ``.keys`` lists them in order."""

    def __init__(self, keys: Iterable[str]):
        self.keys = tuple(keys)
        super().__init__(f"unknown source key(s) {', '.join(self.keys)} (not in data/sources.yaml)")

    def __str__(self) -> str:
        return self.args[0]


def lookup(key: str, *, data_dir=None) -> Source:
    """Return the :class:`~hipcourse.data.Source` for ``key``.

    Raises:
        KeyError: with a message naming the unknown key.
    """
    sources = load_course(data_dir).sources
    try:
        return sources[key]
    except KeyError:
        raise KeyError(f"unknown source key '{key}' (not in data/sources.yaml)") from None


def format_reference(key: str, *, data_dir=None, entries: Mapping[str, Any] | None = None) -> str:
    """One markdown line: ``**[KEY]** citation-or-title. <url>``.

    ``entries`` (``{key: Source or dict}``) replaces ``data/sources.yaml``, e.g. for test fixtures.
    """
    source = lookup(key, data_dir=data_dir) if entries is None else entries[key]
    field = source.get if isinstance(source, Mapping) else lambda name: getattr(source, name, None)
    text = (field("citation") or field("title") or key).strip().rstrip(".")
    line = f"**[{key}]** {text}."
    if field("url"):
        line += f" <{field('url')}>"
    return line


def references_markdown(keys: Iterable[str], *, data_dir=None, entries: Mapping[str, Any] | None = None) -> str:
    """A markdown bullet list of the given keys, de-duplicated and sorted by key.

    Unknown keys raise :class:`UnknownSourceError` naming all of them (a lesson must not cite a missing
    source). Returns an empty string for no keys. ``entries`` as in :func:`format_reference`.
    """
    unique = sorted(set(keys), key=str.casefold)
    known = entries if entries is not None else load_course(data_dir).sources
    missing = [key for key in unique if key not in known]
    if missing:
        raise UnknownSourceError(missing)
    return "\n".join(f"- {format_reference(key, data_dir=data_dir, entries=entries)}" for key in unique)


def cited_keys(text: str) -> list[str]:
    """Keys cited as ``[KEY]`` or ``[KEY1, KEY2]`` in markdown ``text``, in order of first appearance.

    Markdown links ``[text](url)`` and task boxes ``[ ]`` / ``[x]`` are ignored.
    """
    keys = (key for match in CITATION_PATTERN.finditer(text) for key in re.split(r"\s*[,;]\s*", match.group(1)))
    return list(dict.fromkeys(keys))
