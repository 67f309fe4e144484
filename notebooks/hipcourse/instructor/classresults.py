"""Class results for instructors: read a folder of learners' progress exports and summarise them.

Learners export their progress from the progress panel (``ProgressStore.export``: a ``progress.json`` copy
with an optional ``learner.name``) and hand the files in. :func:`load_class` reads every file of a folder
**read-only** (files are opened for reading, never written, moved or touched) and returns a
:class:`ClassResults` with

* :meth:`ClassResults.completion` - per lesson (quiz bank): how many learners started and finished it;
* :meth:`ClassResults.item_difficulty` - per question: how many answered it, and how many missed it
  (last answer wrong, needed more than one try, or pressed "Show answer");
* :meth:`ClassResults.most_missed_figure` - a bar chart of the most-missed questions as an
  :class:`~hipcourse.figures.display.AtlasFigure` with alt text.

Files that are not usable are **reported by name and skipped**, never fatal: not ``.json``, not valid JSON,
not a progress export (foreign JSON), invalid against ``progress.schema.json``, too large, or a duplicate
(identical bytes, or a second file of the same learner name: the file with more answers is kept).
Everything shown is deterministic: files are read in name order and only file names are displayed.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

__all__ = ["LearnerFile", "SkippedFile", "LessonCompletion", "ItemStats", "ClassResults", "load_class",
           "write_sample_class", "MAX_FILE_BYTES"]

#: Bigger files are skipped unread: a real export holds at most 20 answers per question.
MAX_FILE_BYTES = 5_000_000


@dataclass(frozen=True)
class LearnerFile:
    """One usable export: ``file`` (name only), ``learner`` (given name or the file stem) and ``progress``."""

    file: str
    learner: str
    progress: dict = field(repr=False)

    @property
    def answered(self) -> int:
        """Number of questions with at least one checked answer or a Show answer."""
        return sum(1 for rec in self.progress["questions"].values() if _touched(rec))


@dataclass(frozen=True)
class SkippedFile:
    """A file that was not used, and why (in plain words)."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass(frozen=True)
class LessonCompletion:
    """Completion of one lesson's quiz bank across the class."""

    bank: str
    lesson: str
    questions: int
    started: int
    completed: int
    learners: int

    @property
    def completed_percent(self) -> float:
        return 100.0 * self.completed / self.learners if self.learners else 0.0


@dataclass(frozen=True)
class ItemStats:
    """How one question went: ``answered`` learners, ``missed`` of them, ``revealed`` (Show answer)."""

    qid: str
    bank: str
    prompt: str
    answered: int
    missed: int
    revealed: int

    @property
    def miss_rate(self) -> float:
        """Share of the learners who answered and missed it (0 if nobody answered)."""
        return self.missed / self.answered if self.answered else 0.0


def _touched(record: dict) -> bool:
    return record.get("attempts", 0) > 0 or bool(record.get("revealed"))


def _missed(record: dict) -> bool:
    return bool(record.get("revealed")) or record.get("correct") is False or record.get("attempts", 0) > 1


class ClassResults:
    """The usable exports of a class (``learners``) and the files skipped (``skipped``), with summaries."""

    def __init__(self, learners: Sequence[LearnerFile], skipped: Sequence[SkippedFile], *, data_dir=None):
        self.learners = tuple(learners)
        self.skipped = tuple(skipped)
        self._data_dir = data_dir
        self._banks = None

    # -- course structure --------------------------------------------------------------------------------
    def _bank_questions(self) -> dict[str, list[dict]]:
        """``{bank: [question spec, ...]}`` from the quiz banks (banks that fail to load are left out)."""
        if self._banks is None:
            from hipcourse.learning.banks import QuizBankError, bank_names, load_bank

            banks = {}
            for bank in bank_names(data_dir=self._data_dir):
                try:
                    data = load_bank(bank, data_dir=self._data_dir)
                except QuizBankError:
                    continue  # a broken bank is reported by `python -m hipcourse check`, not here
                banks[bank] = [q for quiz in data["quizzes"] for q in quiz["questions"]]
            self._banks = banks
        return self._banks

    @property
    def unknown_questions(self) -> tuple[str, ...]:
        """Question ids found in exports but in no current bank (e.g. from an older course version)."""
        known = {q["id"] for questions in self._bank_questions().values() for q in questions}
        found = {qid for learner in self.learners for qid in learner.progress["questions"]}
        return tuple(sorted(found - known))

    # -- summaries ---------------------------------------------------------------------------------------
    def completion(self) -> list[LessonCompletion]:
        """Per bank: learners who answered at least one question (started) and every question (completed)."""
        rows = []
        for bank, questions in self._bank_questions().items():
            ids = [q["id"] for q in questions]
            started = completed = 0
            for learner in self.learners:
                records = learner.progress["questions"]
                done = sum(1 for qid in ids if qid in records and _touched(records[qid]))
                started += done > 0
                completed += bool(ids) and done == len(ids)
            number = bank[len("lesson"):] if bank.startswith("lesson") else bank
            rows.append(LessonCompletion(bank=bank, lesson=f"Lesson {int(number)}" if number.isdigit() else bank,
                                         questions=len(ids), started=started, completed=completed,
                                         learners=len(self.learners)))
        return rows

    def item_difficulty(self) -> list[ItemStats]:
        """Every question of every bank, most-missed first (by miss rate, then count, then id)."""
        rows = []
        for bank, questions in self._bank_questions().items():
            for spec in questions:
                records = [learner.progress["questions"].get(spec["id"]) for learner in self.learners]
                records = [r for r in records if r is not None and _touched(r)]
                rows.append(ItemStats(qid=spec["id"], bank=bank, prompt=" ".join(spec["prompt"].split()),
                                      answered=len(records), missed=sum(_missed(r) for r in records),
                                      revealed=sum(bool(r.get("revealed")) for r in records)))
        return sorted(rows, key=lambda r: (-r.miss_rate, -r.missed, r.qid))

    def most_missed_figure(self, *, top: int = 8, min_answered: int = 3):
        """Bar chart of the ``top`` most-missed questions, with alt text.

        Only questions answered by at least ``min_answered`` learners are ranked: one learner's miss is
        not a pattern worth a teaching change.
        """
        from hipcourse.figures import palette
        from hipcourse.figures.display import AtlasFigure, new_figure

        items = [row for row in self.item_difficulty()
                 if row.answered >= max(min_answered, 1) and row.missed][:top]
        figure = new_figure(size=(7.0, 0.45 * max(len(items), 1) + 1.4))
        axes = figure.add_axes((0.2, 0.18, 0.72, 0.66))
        title = f"Most-missed questions ({len(self.learners)} learners)"
        figure.suptitle(title, fontsize=11)
        colour = palette.OKABE_ITO["vermillion"]
        if not items:
            axes.set_axis_off()
            axes.text(0.5, 0.5, "No missed questions yet", ha="center", va="center")
            alt = f"{title}: no question was missed by anyone who answered it."
            return AtlasFigure(figure, alt_text=alt, caption=title)
        labels = [row.qid for row in reversed(items)]
        values = [100 * row.miss_rate for row in reversed(items)]
        # A hatch as well as the colour: the bars read the same in greyscale print.
        axes.barh(labels, values, color=colour, edgecolor="#000000", hatch="//")
        for y, row in enumerate(reversed(items)):
            axes.text(min(100 * row.miss_rate + 2, 101), y, f"{row.missed} of {row.answered}",
                      va="center", fontsize=8)
        axes.set_xlim(0, 115)
        axes.set_xlabel("Learners who missed it (% of those who answered)")
        axes.tick_params(axis="y", labelsize=8)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        lines = [f"{title}, as horizontal bars, most missed at the top."]
        lines += [f"{row.qid} ({row.bank}): missed by {row.missed} of {row.answered} "
                  f"({100 * row.miss_rate:.0f} %): {row.prompt}" for row in items]
        return AtlasFigure(figure, alt_text="\n".join(lines), caption=title)

    # -- display -----------------------------------------------------------------------------------------
    def _summary_lines(self) -> list[str]:
        lines = [f"Class results: {len(self.learners)} learner file(s) used, {len(self.skipped)} skipped."]
        lines += [f"Skipped {item}" for item in self.skipped]
        if self.unknown_questions:
            lines.append("Answers to questions not in the current banks (ignored): "
                         + ", ".join(self.unknown_questions))
        return lines

    def __repr__(self) -> str:
        lines = self._summary_lines()
        for row in self.completion():
            lines.append(f"{row.lesson}: {row.questions} questions, started by {row.started}, "
                         f"completed by {row.completed} of {row.learners}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = ["<div>"] + [f"<p>{esc(line)}</p>" for line in self._summary_lines()]
        parts.append('<table><caption>Completion per lesson</caption><tr><th scope="col">Lesson</th>'
                     '<th scope="col">Questions</th><th scope="col">Started</th><th scope="col">Completed</th>'
                     '<th scope="col">Completed (%)</th></tr>')
        for row in self.completion():
            parts.append(f"<tr><td>{esc(row.lesson)}</td><td>{row.questions}</td><td>{row.started}</td>"
                         f"<td>{row.completed}</td><td>{row.completed_percent:.0f}</td></tr>")
        parts.append("</table></div>")
        return "".join(parts)


def _check_file(path: Path, seen_hashes: dict[str, str]) -> tuple[dict | None, str | None]:
    """Read one file read-only; return ``(progress, None)`` or ``(None, reason)``."""
    from hipcourse.learning.progress import ProgressError, validate_progress

    if path.suffix.lower() != ".json":
        return None, "not a progress export (only .json files are read)"
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, f"too large for a progress export ({size} bytes)"
        with open(path, "rb") as handle:  # read-only: the learner's file is never changed
            raw = handle.read()
    except OSError as error:
        return None, f"cannot be read ({error.strerror or error})"
    digest = hashlib.sha256(raw).hexdigest()
    if digest in seen_hashes:
        return None, f"duplicate of {seen_hashes[digest]} (identical content)"
    seen_hashes[digest] = path.name
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"malformed: not valid JSON ({error.__class__.__name__}: {error})"
    if not isinstance(data, dict) or "schema_version" not in data or "questions" not in data:
        return None, "not a progress export of this course (foreign JSON file)"
    try:
        validate_progress(data, where=path.name)
    except ProgressError as error:
        return None, f"malformed progress export: {error}"
    return data, None


def load_class(folder, *, data_dir=None) -> ClassResults:
    """Read every file in ``folder`` (not sub-folders) read-only and return the :class:`ClassResults`.

    Nothing raises for a bad file: it is listed in ``skipped`` with the reason. A missing folder raises
    :class:`FileNotFoundError` naming it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"class results: no folder {folder.name!r} with learner exports")
    skipped: list[SkippedFile] = []
    by_learner: dict[str, LearnerFile] = {}
    hashes: dict[str, str] = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.is_dir():
            skipped.append(SkippedFile(path.name, "a folder, not a file (sub-folders are not read)"))
            continue
        data, reason = _check_file(path, hashes)
        if reason is not None:
            skipped.append(SkippedFile(path.name, reason))
            continue
        name = str((data.get("learner") or {}).get("name") or path.stem).strip() or path.stem
        entry = LearnerFile(file=path.name, learner=name, progress=data)
        previous = by_learner.get(name.casefold())
        if previous is None:
            by_learner[name.casefold()] = entry
            continue
        # The same learner handed in twice: keep the fuller export (more answers, then later seq).
        keep, drop = (entry, previous) if (entry.answered, data["seq"]) > (
            previous.answered, previous.progress["seq"]) else (previous, entry)
        by_learner[name.casefold()] = keep
        skipped.append(SkippedFile(drop.file, f"duplicate: another export of learner {name!r} "
                                              f"({keep.file}) has more answers and is used"))
    learners = sorted(by_learner.values(), key=lambda e: e.file)
    return ClassResults(learners, sorted(skipped, key=lambda s: s.file), data_dir=data_dir)


# ------------------------------------------------------------------------------------------------ samples
def write_sample_class(folder, *, learners: int = 10, seed: int = 8, data_dir=None) -> list[Path]:
    """Write a small deterministic sample class into ``folder`` (for the instructor notebook and tests).

    ``learners`` valid exports ``learner-01.json`` ... with answers drawn from a seeded generator, plus one
    file of each problem kind: malformed JSON, a foreign JSON file, a byte-identical duplicate and a notes
    file. Returns the written paths.
    """
    import random

    from hipcourse.learning.progress import empty_progress, validate_progress
    from hipcourse.learning.banks import bank_names, load_bank

    rng = random.Random(seed)  # seeded: the same files on every run
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    banks = [(bank, [(quiz["id"], q) for quiz in load_bank(bank, data_dir=data_dir)["quizzes"]
                     for q in quiz["questions"]]) for bank in bank_names(data_dir=data_dir)]
    written = []
    for number in range(1, learners + 1):
        data = empty_progress()
        data["learner"] = {"name": f"Learner {number:02d}"}
        reach = rng.randint(max(1, len(banks) // 2), len(banks))  # how far through the course they got
        for bank, questions in banks[:reach]:
            for quiz_id, spec in questions:
                if rng.random() < 0.12:
                    continue  # skipped a question
                # Some question kinds are harder; make the sample show a spread of difficulty.
                hard = spec["type"] in ("multiple", "match", "locate", "numeric")
                attempts = 1 + (rng.random() < (0.45 if hard else 0.15)) + (rng.random() < 0.1)
                revealed = rng.random() < (0.15 if hard else 0.03)
                correct = rng.random() < 0.9 if not revealed else None
                data["seq"] += attempts
                record = {"answers": [], "attempts": attempts, "correct": correct, "last_seen": data["seq"],
                          "box": 1 if (revealed or correct is not True) else 2, "bank": bank, "quiz": quiz_id}
                if revealed:
                    record["revealed"] = True
                data["questions"][spec["id"]] = record
        validate_progress(data, where=f"learner-{number:02d}.json")
        written.append(_write_json(folder / f"learner-{number:02d}.json", data))
    first = written[0].read_bytes()
    duplicate = folder / "resubmitted-learner-01.json"
    duplicate.write_bytes(first)
    broken = folder / "learner-99-broken.json"
    broken.write_text(first.decode("utf-8")[: len(first) // 2], encoding="utf-8")
    foreign = folder / "room-booking.json"
    foreign.write_text('{"room": "B12", "seats": 24}\n', encoding="utf-8")
    notes = folder / "notes.txt"
    notes.write_text("Hand-in folder for the workshop.\n", encoding="utf-8")
    return written + [duplicate, broken, foreign, notes]


def _write_json(path: Path, data: dict) -> Path:
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return path
