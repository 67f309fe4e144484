"""The corrections of the seed article (facts.md section 8) appear in the lessons where they belong.

Each correction is a short, clearly marked callout: a markdown blockquote whose first line starts with
``**Correcting a common claim:**``. For every correction and every lesson that must carry it, the test
looks for a callout in that lesson that contains the key phrases of the correction and cites at least one
of the sources facts.md gives for it. A lesson that is missing fails the test (it is never skipped).

Two guards keep the seed article's wording out of the finished lessons: its overstated claims may only
appear inside a correcting callout, and no run of six words from the article appears in the lessons'
markdown or their quiz banks. The article is not part of the repository, so the second guard compares
hashes with ``tests/fixtures/seed_shingles.txt`` (written by ``tools/seed_fingerprint.py``); where the
article is beside the repository, a test also checks that the stored fingerprint is up to date with it.
"""

from dataclasses import dataclass
from pathlib import Path

import sys

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from hipcourse.content.sources import cited_keys

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import seed_fingerprint  # noqa: E402

NOTEBOOK_DIR = ROOT / "notebooks"
QUIZ_DIR = ROOT / "data" / "quizzes"
MARKER = "**Correcting a common claim:**"
# Lessons whose markdown this review owns (the seed-wording guards); lessons 4-6 had other authors.
REVIEWED_LESSONS = ("00", "01", "02", "03", "07", "08")


@dataclass(frozen=True)
class Correction:
    """One row of facts.md section 8 and where the course must correct it."""

    letter: str
    claim: str
    lessons: tuple
    phrases: tuple  # every phrase must occur in one callout (case-insensitive)
    sources: tuple  # the callout must cite at least one of these keys


CORRECTIONS = (
    Correction("a", "SP12 is 'near the pelvic bone' and eases 'hip tension'", ("05",),
               ("SP12", "groin crease", "femoral pulse", "3.5 B-cun", "hernia", "lightly"),
               ("J-SP12-tsubolab", "P-SP12-sacredlotus", "P-SP12-rootdown", "S-gach")),
    Correction("b", "BL54 is 'at the back of the hip'", ("05",),
               ("BL54", "buttock", "sacrum", "fourth sacral foramen", "3 B-cun"),
               ("K-BL54", "P-BL54-knowlative", "P-BL54-eledia")),
    Correction("c-location", "GB30 is 'near the buttocks'", ("05",),
               ("GB30", "one third", "greater trochanter", "sacral hiatus"),
               ("J-GB30-higokoro", "P-GB30-woodley", "P-GB30-sacredlotus")),
    Correction("c", "GB30 is 'effective' for hip and lower back pain", ("05", "07"),
               ("GB30", "effective", "traditionally used for", "no trial", "sciatic nerve"),
               ("E-cochrane-hip", "E-ang2021")),
    Correction("d", "acupressure may reduce the inflammation of bursitis", ("02", "07"),
               ("bursitis", "inflammation", "tendon", "press", "hard"),
               ("C-reid2016", "C-kingston", "C-allison2016", "C-tayside")),
    Correction("e", "minor hip pain improves within a few sessions", ("02", "07", "08"),
               ("few sessions", "no study", "weeks", "3 to 6 months", "checked"),
               ("R-sussexmsk", "C-kingston", "C-devon", "E-li2018")),
    Correction("f", "peppermint and eucalyptus oils enhance acupressure", ("07",),
               ("essential oil", "no trial", "irritate", "dilute", "children", "swallow"),
               ("E-yip2004", "E-yip2004-pedro", "S-poison-org", "S-eo-toronto", "S-eo-intech", "S-eo-tn")),
)

# Seed claims corrected above: in a reviewed lesson they may only appear inside a correcting callout.
OVERSTATEMENTS = ("reduce the inflammation", "reduces the inflammation", "few sessions", "effective for hip",
                  "enhance")


# ------------------------------------------------------------------------------------------------ helpers
def lesson_path(number):
    """Return the one notebook ``notebooks/NN_*.ipynb`` of a lesson, failing clearly if there is none."""
    matches = sorted(NOTEBOOK_DIR.glob(f"{number}_*.ipynb"))
    assert len(matches) == 1, f"lesson {number}: expected one notebook notebooks/{number}_*.ipynb, found {matches}"
    return matches[0]


def prose_cells(nb):
    """Markdown cells except the generated reference list."""
    return [c for c in nb.cells if c.cell_type == "markdown" and "references" not in c.metadata.get("tags", [])]


def blockquotes(source):
    """Split markdown into its blockquotes (runs of lines starting with '>'), without the '>' prefixes."""
    blocks, current = [], []
    for line in source.splitlines():
        if line.lstrip().startswith(">"):
            current.append(line.lstrip()[1:].strip())
        elif current:
            blocks.append(" ".join(current))
            current = []
    if current:
        blocks.append(" ".join(current))
    return blocks


def callouts(nb):
    """Texts of the correcting callouts of a notebook: blockquotes that open with the marker."""
    return [block for cell in prose_cells(nb) for block in blockquotes(cell.source) if block.startswith(MARKER)]


def missing_from(callout, correction):
    """Phrases and sources of ``correction`` that ``callout`` lacks (empty when the callout is complete)."""
    text = callout.lower()
    missing = [phrase for phrase in correction.phrases if phrase.lower() not in text]
    if not set(correction.sources) & set(cited_keys(callout)):  # key form or numbered form
        missing.append("a citation of one of " + ", ".join(correction.sources))
    return missing


def best_problems(nb, correction):
    """Empty if some callout carries the correction, else what the closest callout lacks."""
    found = [missing_from(callout, correction) for callout in callouts(nb)]
    if not found:
        return [f"no callout starting with {MARKER!r}"]
    return min(found, key=len)


def outside_callouts(nb):
    """The prose of a notebook with the correcting callouts removed."""
    parts = []
    for cell in prose_cells(nb):
        kept = [b for b in blockquotes(cell.source) if not b.startswith(MARKER)]
        plain = [line for line in cell.source.splitlines() if not line.lstrip().startswith(">")]
        parts.append("\n".join(plain + kept))
    return "\n".join(parts)


def copied_from_seed(text, seed_hashes):
    """The six-word runs of ``text`` whose hashes are in the seed article's fingerprint, sorted."""
    return sorted(run for digest, run in seed_fingerprint.hashed_shingles(text).items() if digest in seed_hashes)


def fixture(*sources):
    return new_notebook(cells=[new_markdown_cell(s) for s in sources])


# ------------------------------------------------------------------------------------------------ tests
@pytest.mark.parametrize(
    "correction, lesson",
    [(c, lesson) for c in CORRECTIONS for lesson in c.lessons],
    ids=[f"{c.letter}-lesson{lesson}" for c in CORRECTIONS for lesson in c.lessons],
)
def test_correction_callout_is_in_its_lesson(correction, lesson):
    nb = nbformat.read(lesson_path(lesson), as_version=4)
    problems = best_problems(nb, correction)
    assert not problems, (f"lesson {lesson}: correction ({correction.letter}) of the seed claim "
                          f"'{correction.claim}' is missing or incomplete: lacks {problems}")


@pytest.mark.parametrize("lesson", REVIEWED_LESSONS)
def test_overstated_seed_claims_appear_only_inside_callouts(lesson):
    text = outside_callouts(nbformat.read(lesson_path(lesson), as_version=4)).lower()
    found = [phrase for phrase in OVERSTATEMENTS if phrase in text]
    assert not found, f"lesson {lesson}: seed claim(s) {found} stated outside a '{MARKER}' callout"


@pytest.mark.parametrize("lesson", REVIEWED_LESSONS)
def test_no_run_of_six_words_copied_from_the_seed_article(lesson):
    _, seed = seed_fingerprint.load()
    nb = nbformat.read(lesson_path(lesson), as_version=4)
    prose = "\n".join(c.source for c in prose_cells(nb))
    quiz = (QUIZ_DIR / f"lesson{lesson}.yaml").read_text(encoding="utf-8")
    for where, text in ((f"notebook of lesson {lesson}", prose), (f"data/quizzes/lesson{lesson}.yaml", quiz)):
        copied = copied_from_seed(text, seed)
        assert not copied, f"{where}: wording copied from the seed article: {copied}"


# The checks themselves, on small notebooks, so that each one is shown to be able to fail.
def test_a_complete_callout_passes_and_each_missing_part_is_named():
    correction = next(c for c in CORRECTIONS if c.letter == "f")
    good = ("> " + MARKER + " no trial shows that an essential oil helps. Oils irritate skin; dilute them,\n"
            "> keep them from children and never swallow them [S-poison-org].")
    assert best_problems(fixture("Intro.", good), correction) == []
    no_swallow = good.replace("never swallow them", "store them safely")
    assert best_problems(fixture(no_swallow), correction) == ["swallow"]
    uncited = good.replace("[S-poison-org]", "[C-reid2016]")
    assert best_problems(fixture(uncited), correction) == ["a citation of one of " + ", ".join(correction.sources)]


def test_marker_counts_only_at_the_start_of_a_blockquote():
    correction = next(c for c in CORRECTIONS if c.letter == "d")
    text = (MARKER + " bursitis inflammation tendon: do not press hard [C-reid2016].")
    assert best_problems(fixture(text), correction) == [f"no callout starting with {MARKER!r}"]
    assert best_problems(fixture("> Note. " + text), correction) == [f"no callout starting with {MARKER!r}"]
    assert best_problems(fixture("> " + text), correction) == []


def test_overstatement_outside_a_callout_is_found():
    nb = fixture("> " + MARKER + " it is said to improve within a few sessions.", "It helps within a few sessions.")
    assert "few sessions" in outside_callouts(nb)
    assert "few sessions" not in outside_callouts(fixture("> " + MARKER + " within a few sessions."))


def test_shingles_catch_copied_wording_but_not_shared_words():
    _, seed = seed_fingerprint.load()
    assert copied_from_seed("Hip pain can stem from a variety of causes, including arthritis", seed)
    assert not copied_from_seed("Pain in the hip has many causes, arthritis among them", seed)


def test_stored_fingerprint_is_well_formed_and_matches_the_article_where_it_is_present(tmp_path):
    header, hashes = seed_fingerprint.load()
    assert len(hashes) > 1000, "the seed article has about 1,900 six-word runs"
    article = seed_fingerprint.SEED_ARTICLE
    if article.is_file():  # on the machines the course is written on; a bare clone has only the fingerprint
        assert seed_fingerprint.main(["--check"]) == 0, "run python tools/seed_fingerprint.py"
    # The loader names the file and the line of a damaged entry, and a count that does not add up.
    bad = tmp_path / "seed_shingles.txt"
    bad.write_text(seed_fingerprint.render("one two three four five six seven") + "xyz\n")
    with pytest.raises(ValueError, match=r"seed_shingles.txt: line 7: expected 16 hex digits"):
        seed_fingerprint.load(bad)
    short = seed_fingerprint.render("one two three four five six seven").replace("# count: 2", "# count: 3")
    bad.write_text(short)
    with pytest.raises(ValueError, match="header says 3 hashes, the file holds 2"):
        seed_fingerprint.load(bad)


def test_a_missing_lesson_fails_instead_of_skipping():
    with pytest.raises(AssertionError, match="lesson 99"):
        lesson_path("99")
