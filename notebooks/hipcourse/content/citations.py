"""Numbered citations in lessons: the key form an author writes and the numbered form a learner reads.

An author cites a source in a lesson's markdown by its key, ``[K-BL54]`` or ``[K-BL54, W1]`` (the key is the
identifier in ``data/`` and in every ``sources:`` list). A lay reader should see small numbers that jump to
the lesson's References list, not ``[P-GB30-meandqi]``. ``tools/execute_notebooks.py`` therefore stores
each markdown cell in the *numbered form*::

    ... the hollow behind the hip bone<sup>[1](#ref-K-BL54 "Reference 1"), [2](#ref-W1 "Reference 2")</sup>.

The key is still in the cell (inside the link target, which JupyterLab and Voila never show as text), so
:func:`key_form` turns the numbered form back into the key form exactly, and the tool can re-number a lesson
after any edit. An author may write new citations in either form. Numbers follow the order in which a
key is first cited in the lesson; the References list (:func:`numbered_references`) uses the same order and
gives each entry the anchor ``ref-<KEY>``.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

# The numbered form's patterns and key_form live in sources.py, whose cited_keys reads both forms.
from hipcourse.content.sources import (ANCHOR_PREFIX, CITATION_PATTERN, NUMBERED_GROUP, UnknownSourceError,
                                       cited_keys, format_reference, key_form)

__all__ = ["key_form", "numbering", "numbered_form", "numbered_references", "visible_keys", "ANCHOR_PREFIX",
           "NUMBERED_GROUP"]


def numbering(texts: Iterable[str]) -> dict[str, int]:
    """``{key: number}`` for the keys cited in ``texts`` (either form), numbered 1, 2, ... by first citation."""
    keys = cited_keys("\n\n".join(key_form(text) for text in texts))
    return {key: number for number, key in enumerate(keys, start=1)}


def numbered_form(text: str, numbers: Mapping[str, int]) -> str:
    """``text`` (either form) with each citation group as superscript links numbered by ``numbers``.

    Raises :class:`~hipcourse.content.sources.UnknownSourceError` for a key ``numbers`` lacks.
    """
    def group(match: re.Match) -> str:
        keys = re.split(r"\s*[,;]\s*", match.group(1))
        missing = [key for key in keys if key not in numbers]
        if missing:
            raise UnknownSourceError(missing)
        links = (f'[{numbers[key]}](#{ANCHOR_PREFIX}{key} "Reference {numbers[key]}")' for key in keys)
        return "<sup>" + ", ".join(links) + "</sup>"

    return CITATION_PATTERN.sub(group, key_form(text))


def numbered_references(numbers: Mapping[str, int], *, entries: Mapping[str, Any] | None = None,
                        data_dir=None) -> str:
    """The References list in number order: ``1. <a id="ref-KEY"></a>citation. links`` (no key shown).

    Unknown keys raise :class:`~hipcourse.content.sources.UnknownSourceError` naming all of them.
    ``entries`` (``{key: Source or dict}``) replaces ``data/sources.yaml``, e.g. for test fixtures.
    """
    from hipcourse.content.data import load_course

    known = entries if entries is not None else load_course(data_dir).sources
    ordered = sorted(numbers, key=numbers.__getitem__)
    missing = [key for key in ordered if key not in known]
    if missing:
        raise UnknownSourceError(missing)
    return "\n".join(
        f'{numbers[key]}. <a id="{ANCHOR_PREFIX}{key}"></a>'
        + format_reference(key, data_dir=data_dir, entries=entries, show_key=False)
        for key in ordered)


def visible_keys(text: str, keys: Iterable[str]) -> list[str]:
    """Which of ``keys`` a reader would see in rendered markdown or output ``text``.

    Link targets, anchors and attribute values are not visible, so numbered citations and References
    anchors do not count; a key in the text itself (``[K-BL54]`` or a bare ``K-BL54``) does.
    """
    visible = re.sub(r"\]\([^)]*\)", "]", text)                  # markdown link targets and titles
    visible = re.sub(r"<[^>]+>", " ", visible)                   # HTML tags with their attributes
    words = set(re.findall(r"[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]|[A-Za-z0-9]", visible))
    return [key for key in keys if key in words]
