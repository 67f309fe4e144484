"""Readability of the lessons' prose: Flesch-Kincaid grade per lesson and the longest sentences.

Run from the repository root::

    .venv/bin/python tools/readability.py              # table for notebooks/00_*.ipynb ... 08_*.ipynb
    .venv/bin/python tools/readability.py --json       # the same as JSON
    .venv/bin/python tools/readability.py --top 5 notebooks/05_locating_the_points.ipynb

What is measured
    The prose of a lesson's markdown cells: citations (the key form ``[KEY]`` / ``[KEY1, KEY2]`` and the
    numbered form ``<sup>[1](#ref-KEY "Reference 1")</sup>`` the execute tool stores), images, HTML tags and
    comments, code spans and fenced code, tables and headings are removed; links keep their text; emphasis
    and bullet markers are dropped. The cell tagged ``references`` (generated) is skipped. A paragraph is a
    block of lines between blank lines; every bullet item counts as a sentence of its own (as if it ended
    with a full stop), and so does the last line of every paragraph.

Flesch-Kincaid grade
    ``0.39 * words / sentences + 11.8 * syllables / words - 15.59`` (Kincaid et al. 1975), from this
    module's sentence splitter (:func:`sentences`) and word pattern, with syllables counted by the
    `textstat` package offline (:func:`syllables`, see :data:`SYLLABLE_LANGUAGE`).

Target (exit status 1 when a lesson misses it)
    * the **median paragraph grade** is at most 9: each paragraph of at least
      :data:`MIN_PARAGRAPH_WORDS` words gets its own Flesch-Kincaid grade, and the median of those grades
      (the middle value; the mean of the two middle values for an even count) is the lesson's median;
      shorter paragraphs (labels such as "Time: about 20 minutes") are left out because the formula means
      nothing on a handful of words;
    * no sentence has more than :data:`MAX_SENTENCE_WORDS` words.

The whole-lesson grade (all the lesson's sentences together) is printed for information.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS = "notebooks/[0-9][0-9]_*.ipynb"
MAX_MEDIAN_GRADE = 9.0
MAX_SENTENCE_WORDS = 35
MIN_PARAGRAPH_WORDS = 5
REFERENCES_TAG = "references"

# The same key form as hipcourse.content.sources.CITATION_PATTERN (kept here so the tool runs without
# importing the course package): [K-BL54], [C-reid2016, W12]; never a link [text](url).
_KEY = r"(?:[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9.]+)+|W\d+)"
CITATION = re.compile(rf"\s*\[{_KEY}(?:\s*[,;]\s*{_KEY})*\](?!\()")
# The numbered form tools/execute_notebooks.py stores (hipcourse.content.citations.NUMBERED_GROUP):
# <sup>[1](#ref-K-BL54 "Reference 1"), [2](#ref-W1 "Reference 2")</sup>; its numbers are not prose either.
NUMBERED_CITATION = re.compile(r'\s*<sup>\[\d+\]\(#ref-[^)]*\)(?:,\s*\[\d+\]\(#ref-[^)]*\))*</sup>')
_FENCE = re.compile(r"^\s*(```|~~~).*?^\s*\1[^\n]*$", re.MULTILINE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_CODE = re.compile(r"`[^`]*`")
_EMPHASIS = re.compile(r"(\*\*|__|\*|(?<!\w)_(?=\S)|(?<=\S)_(?!\w))")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_TABLE_ROW = re.compile(r"^\s*\|")
_ENTITY = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&ndash;": "-", "&mdash;": "-"}
WORD = re.compile(r"[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*")

# A full stop after these does not end a sentence (compared in lower case, without the stop).
ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "cf", "dr", "mr", "mrs", "ms", "prof", "st", "no", "fig",
                           "approx", "al", "ca", "min", "max", "p", "pp", "vol", "ed", "eds"})
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+|$)")


@dataclass
class LessonReadability:
    """Readability figures of one lesson (see the module docstring for the definitions)."""

    lesson: str
    grade: float
    median_grade: float
    paragraphs: int
    sentences: int
    words: int
    long_sentences: int
    longest: list[tuple[int, str]] = field(default_factory=list)

    @property
    def meets_target(self) -> bool:
        """True when the median paragraph grade and every sentence's length are within the target."""
        return self.median_grade <= MAX_MEDIAN_GRADE and self.long_sentences == 0


# ------------------------------------------------------------------------------------------ text
def _clean_inline(text: str) -> str:
    """Markdown inline syntax removed from one line of prose; the words a reader reads are kept."""
    text = NUMBERED_CITATION.sub("", CITATION.sub("", text))
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _CODE.sub("", text)
    text = _EMPHASIS.sub("", text)
    for entity, plain in _ENTITY.items():
        text = text.replace(entity, plain)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)      # "pain [KEY]." leaves "pain ." otherwise
    return re.sub(r"\s+", " ", text).strip()


def _end_sentence(text: str) -> str:
    """``text`` with a full stop added unless it already ends a sentence (bullet items, last lines).

    A trailing ``;`` or ``,`` (list items written as one long sentence) is replaced by the stop.
    """
    text = text.rstrip(" ;,")
    return text if not text or re.search(r"[.!?:][\"'”’)\]]*$", text) else text + "."


def markdown_paragraphs(markdown: str) -> list[str]:
    """The prose paragraphs of one markdown cell, as plain text.

    Headings, tables, fenced code and HTML comments are dropped; each bullet item becomes a line of its
    own, ended with a full stop when it has none, so a bullet list is one paragraph whose items
    :func:`sentences` never joins.
    """
    markdown = _COMMENT.sub("", _FENCE.sub("", markdown))
    paragraphs = []
    for block in re.split(r"\n\s*\n", markdown):
        items: list[str] = []
        for line in block.splitlines():
            if _HEADING.match(line) or _TABLE_ROW.match(line) or not line.strip():
                continue
            line = re.sub(r"^\s*>\s?", "", line)
            if _BULLET.match(line) or not items:
                items.append(_BULLET.sub("", line))
            else:
                items[-1] += " " + line.strip()
        text = "\n".join(filter(None, (_end_sentence(_clean_inline(item)) for item in items)))
        if WORD.search(text):
            paragraphs.append(text)
    return paragraphs


def lesson_prose(nb) -> list[str]:
    """The prose paragraphs of every markdown cell of notebook ``nb`` except the generated references cell."""
    return [paragraph for cell in nb.cells
            if cell.cell_type == "markdown" and REFERENCES_TAG not in cell.metadata.get("tags", [])
            for paragraph in markdown_paragraphs(cell.source)]


def sentences(text: str) -> list[str]:
    """``text`` split into sentences: at every line break (a bullet item is a sentence of its own), and at
    ``.``, ``!`` or ``?`` followed by a space or the end.

    A stop after a common abbreviation (``e.g.``, ``i.e.``, ``Dr.``, ...) or inside a number (``1.5``)
    does not split; the split also needs the next sentence to start like one (not in lower case).
    """
    if "\n" in text:
        return [s for line in text.splitlines() for s in sentences(line)]
    found, start = [], 0
    for match in _END.finditer(text):
        before = text[start:match.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        rest = text[match.end():].lstrip()
        if match.group().startswith(".") and last in ABBREVIATIONS:
            continue
        if rest and rest[0].islower():
            continue
        sentence = text[start:match.end()].strip()
        if sentence:
            found.append(sentence)
        start = match.end()
    tail = text[start:].strip()
    if WORD.search(tail):
        found.append(tail)
    return [s for s in found if WORD.search(s)]


def words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits; ``self-care``, ``don't`` and ``1.5`` are one word each)."""
    return WORD.findall(text)


# textstat looks English words up in NLTK's CMU pronouncing dictionary and downloads it on first use when
# the language id is "en_..." (its root "en"). Tests and CI must not reach the network, and the result must
# not depend on what a machine happens to have downloaded, so we pass the locale id "en-GB": textstat then
# counts with its Pyphen rule (hyphenation points + 1) and the British English dictionary, which fits the
# course's spelling. Pyphen's count is a little low for some long words ("trochanter" counts 1), so the
# grades are, if anything, slightly generous; aim well below the target rather than at it.
SYLLABLE_LANGUAGE = "en-GB"


@lru_cache(maxsize=None)
def _counter():
    from textstat.textstat import textstatistics  # imported on first use (it imports NLTK)

    counter = textstatistics()
    counter.set_lang(SYLLABLE_LANGUAGE)
    return counter


@lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """Syllables in one ``word``, counted by textstat (Pyphen rule, British English; at least 1)."""
    return max(1, _counter().syllable_count(word))


def fk_grade(sentence_list: list[str]) -> float:
    """Flesch-Kincaid grade of the given sentences (0.0 for no words)."""
    tokens = [w for s in sentence_list for w in words(s)]
    if not tokens:
        return 0.0
    syllable_total = sum(syllables(w.lower()) for w in tokens)
    return 0.39 * len(tokens) / len(sentence_list) + 11.8 * syllable_total / len(tokens) - 15.59


# --------------------------------------------------------------------------------------- measure
def measure_notebook(nb, *, lesson: str, top: int = 3) -> LessonReadability:
    """Readability of notebook ``nb`` (named ``lesson`` in the result), with its ``top`` longest sentences."""
    paragraphs = lesson_prose(nb)
    split = [sentences(p) for p in paragraphs]
    every = [s for group in split for s in group]
    grades = [fk_grade(group) for group in split if len(words(" ".join(group))) >= MIN_PARAGRAPH_WORDS]
    lengths = sorted(((len(words(s)), s) for s in every), key=lambda pair: -pair[0])
    return LessonReadability(
        lesson=lesson,
        grade=round(fk_grade(every), 1),
        median_grade=round(statistics.median(grades), 1) if grades else 0.0,
        paragraphs=len(paragraphs),
        sentences=len(every),
        words=sum(n for n, _ in lengths),
        long_sentences=sum(1 for n, _ in lengths if n > MAX_SENTENCE_WORDS),
        longest=[(n, s) for n, s in lengths[:top]],
    )


def measure(path: Path | str, *, top: int = 3) -> LessonReadability:
    """Readability of the notebook file at ``path`` (see :func:`measure_notebook`)."""
    import nbformat

    path = Path(path)
    return measure_notebook(nbformat.read(path, as_version=4), lesson=path.stem, top=top)


def lesson_paths(*, root: Path = ROOT) -> list[Path]:
    """The course's lesson notebooks 00-08 (the instructor notebooks are exempt)."""
    return sorted(root.glob(LESSONS))


def format_table(results: list[LessonReadability], *, first_words: int = 9) -> str:
    """A plain-text table of ``results``: grades, long-sentence count and the longest sentences."""
    header = f"{'lesson':<28} {'FK grade':>8} {'median':>6} {'>35 w':>5}  longest sentences (words: first words)"
    lines = [header, "-" * len(header)]
    for r in results:
        longest = "; ".join(f"{n}: {' '.join(s.split()[:first_words])} ..." for n, s in r.longest)
        mark = "" if r.meets_target else "  <- misses target"
        lines.append(f"{r.lesson:<28} {r.grade:>8.1f} {r.median_grade:>6.1f} {r.long_sentences:>5}  {longest}{mark}")
    lines.append(f"target: median paragraph grade <= {MAX_MEDIAN_GRADE:g} and no sentence over "
                 f"{MAX_SENTENCE_WORDS} words")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: print the table (or JSON); exit status 1 when any lesson misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to measure (default: lessons 00-08)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--top", type=int, default=3, metavar="N", help="longest sentences to list (default 3)")
    options = parser.parse_args(argv)
    results = [measure(p, top=options.top) for p in (options.notebooks or lesson_paths())]
    if options.json:
        print(json.dumps([{**asdict(r), "meets_target": r.meets_target} for r in results], indent=2,
                         ensure_ascii=False))
    else:
        print(format_table(results))
    return 0 if all(r.meets_target for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
