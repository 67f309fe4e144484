"""tools/readability.py: prose extraction, the sentence splitter, the exit status, and the course target.

The last test is the regression check of issue 14 section 4: every lesson 00-08 keeps a median paragraph
Flesch-Kincaid grade of at most 9 and no sentence over 35 words.
"""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import readability  # noqa: E402


def _notebook(*markdown, references=None):
    cells = [new_markdown_cell(text) for text in markdown] + [new_code_cell("x = 1  # not prose")]
    if references is not None:
        cells.append(new_markdown_cell(references, metadata={"tags": ["references"]}))
    return new_notebook(cells=cells)


# ------------------------------------------------------------------------------------- extraction
def test_citations_links_code_and_html_are_removed():
    text = ("Press **gently** [K-BL54] on the point, see [Lesson 3](03_safety_first.ipynb) "
            "and run `make lab` <b>now</b> [C-reid2016, W12].")
    assert readability.markdown_paragraphs(text) == ["Press gently on the point, see Lesson 3 and run now."]


def test_numbered_citations_are_removed():
    text = ('Press gently<sup>[1](#ref-K-BL54 "Reference 1"), [2](#ref-W1 "Reference 2")</sup>. '
            'Stop if it hurts <sup>[3](#ref-S-gach "Reference 3")</sup>.')
    assert readability.markdown_paragraphs(text) == ["Press gently. Stop if it hurts."]


def test_headings_tables_images_and_fenced_code_are_dropped():
    text = ("# Lesson 9: Title\n\n| a | b |\n|---|---|\n| cell words | more |\n\n"
            "![A drawing of the hip](x.png)\n\n```python\nprint('code')\n```\n\nOne real sentence here.")
    assert readability.markdown_paragraphs(text) == ["One real sentence here."]


def test_bullets_become_sentences_of_their_own():
    text = "You can:\n\n- find the point\n- press it gently;\n  for a minute\n* stop if it hurts."
    paragraphs = readability.markdown_paragraphs(text)
    assert paragraphs == ["You can:", "find the point.\npress it gently; for a minute.\nstop if it hurts."]
    assert readability.sentences(paragraphs[1]) == ["find the point.", "press it gently; for a minute.",
                                                    "stop if it hurts."]


def test_lesson_prose_skips_code_and_the_references_cell():
    nb = _notebook("Some prose.", references="## References\n\n- A very long generated reference list.")
    assert readability.lesson_prose(nb) == ["Some prose."]


# ------------------------------------------------------------------------------------ sentences
@pytest.mark.parametrize("text, expected", [
    ("One. Two? Three!", ["One.", "Two?", "Three!"]),
    ("Use 1.5 B-cun, e.g. GB30. Then stop.", ["Use 1.5 B-cun, e.g. GB30.", "Then stop."]),
    ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
    ("Ask Dr. Smith first. Then press.", ["Ask Dr. Smith first.", "Then press."]),
    ("no final stop", ["no final stop"]),
    ("", []),
])
def test_sentence_splitter(text, expected):
    assert readability.sentences(text) == expected


def test_grade_rises_with_longer_sentences_and_words():
    easy = readability.fk_grade(["The cat sat on the mat."])
    hard = readability.fk_grade(["Considerable anatomical variability characterises the relationship of the "
                                 "piriformis muscle and the sciatic nerve in dissection studies."])
    assert easy < hard


def test_measure_counts_long_sentences_and_lists_the_longest():
    long_sentence = "Press " + " ".join(["gently"] * 39) + "."
    result = readability.measure_notebook(_notebook("Short one. " + long_sentence), lesson="x", top=1)
    assert result.long_sentences == 1 and not result.meets_target
    assert result.longest == [(40, long_sentence)]


# ------------------------------------------------------------------------------------ command line
def _run(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "readability.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def test_exit_status_1_on_a_forty_word_sentence(tmp_path):
    sentence = ("When you have had a fall and you now find that you cannot stand or walk on the leg at all, "
                "you should stay where you are and call for help at once rather than try to press any point.")
    assert len(readability.words(sentence)) == 40
    path = tmp_path / "99_fixture.ipynb"
    nbformat.write(_notebook("# Lesson 99: Fixture", "Short and plain. " + sentence), path)
    done = _run(path, "--json")
    assert done.returncode == 1, done.stderr
    assert '"long_sentences": 1' in done.stdout


def test_exit_status_0_on_plain_prose(tmp_path):
    path = tmp_path / "98_fixture.ipynb"
    nbformat.write(_notebook("# Lesson 98: Fixture", "Sit down. Find the bone. Press it gently for a minute."), path)
    done = _run(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "98_fixture" in done.stdout


# ------------------------------------------------------------------------------ the course target
@pytest.mark.parametrize("path", readability.lesson_paths(), ids=lambda p: p.stem)
def test_every_lesson_meets_the_readability_target(path):
    result = readability.measure(path, top=5)
    long = [f"{n} words: {s[:80]}..." for n, s in result.longest if n > readability.MAX_SENTENCE_WORDS]
    assert result.median_grade <= readability.MAX_MEDIAN_GRADE, f"{path.name}: median grade {result.median_grade}"
    assert result.long_sentences == 0, f"{path.name}: sentences over 35 words: " + " | ".join(long)
