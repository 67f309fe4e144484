"""Bibliography helpers: look up source keys and render reference lists.

Notebooks cite sources in markdown as ``[KEY]`` (``[K-BL54]``, ``[W1]``);
``tools/execute_notebooks.py`` fills each lesson's References cell with
:func:`references_markdown` of the keys :func:`cited_keys` finds.
"""

from __future__ import annotations

import re
from typing import Iterable

from .data import Source, load_course

__all__ = ["lookup", "format_reference", "references_markdown", "cited_keys", "CITATION_PATTERN"]

#: A citation: a capital letter, letters/digits, optional dash-separated parts,
#: in square brackets and not followed by "(" (which would be a markdown link).
CITATION_PATTERN = re.compile(r"\[([A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)\](?!\()")


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


def format_reference(key: str, *, data_dir=None) -> str:
    """One markdown line: ``**[KEY]** citation-or-title. <url>``."""
    source = lookup(key, data_dir=data_dir)
    text = (source.citation or source.title).strip().rstrip(".")
    line = f"**[{source.key}]** {text}."
    if source.url:
        line += f" <{source.url}>"
    return line


def references_markdown(keys: Iterable[str], *, data_dir=None) -> str:
    """A markdown bullet list of the given keys, de-duplicated and sorted by key.

    Unknown keys raise :class:`KeyError` (a lesson must not cite a missing source).
    Returns an empty string for no keys.
    """
    unique = sorted(set(keys), key=str.casefold)
    return "\n".join(f"- {format_reference(key, data_dir=data_dir)}" for key in unique)


def cited_keys(text: str) -> list[str]:
    """Keys cited as ``[KEY]`` in markdown ``text``, in order of first appearance.

    Markdown links ``[text](url)`` and task boxes ``[ ]`` / ``[x]`` are ignored.
    """
    return list(dict.fromkeys(match.group(1) for match in CITATION_PATTERN.finditer(text)))
