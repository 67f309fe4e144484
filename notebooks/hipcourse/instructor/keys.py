"""Instructor answer keys, generated from the quiz banks (never kept by hand).

``python -m hipcourse answer-keys [--out DIR]`` writes, for every bank in ``data/quizzes/``, a markdown file
and a self-contained HTML file (``lesson01-key.md``, ``lesson01-key.html``) with each question, its right
answer and the explanation of every option. Answers that depend on the body geometry (``numeric`` answers
given as ``scale_cun`` / ``distance_cun``, and ``locate`` targets) are computed with the same code that grades
the learner (:class:`hipcourse.learning.quiz.Numeric` and :class:`hipcourse.content.geometry.Body`), so a key can never
disagree with the quiz.

Public API:

* :func:`question_key` - one question as a :class:`KeyEntry` (prompt, answer in words, explanations).
* :func:`bank_key` - every entry of one bank, grouped by quiz.
* :func:`key_markdown` / :func:`key_html` - one bank rendered.
* :func:`write_answer_keys` - every bank to a folder; :func:`answer_keys_main` - the command.
"""

from __future__ import annotations

from hipcourse.content.data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

__all__ = ["KeyEntry", "QuizKey", "question_key", "bank_key", "key_markdown", "key_html",
           "write_answer_keys", "answer_keys_main", "DEFAULT_KEYS_DIR"]

#: Default output folder, relative to the repository root (generated, not committed).
DEFAULT_KEYS_DIR = Path("handouts") / "instructor-keys"


@dataclass(frozen=True)
class KeyEntry:
    """The key of one question.

    Attributes:
        qid: the question id (unique across banks).
        kind: the bank ``type`` (single, multiple, truefalse, match, numeric, locate).
        prompt: the question as the learner sees it.
        answer: the right answer in words.
        explanations: ``(label, text)`` pairs: every option with "right"/"wrong", both true/false
            explanations, every match pair, the numeric feedback for correct/low/high, ...
        sources: the bank's source keys for the question.
    """

    qid: str
    kind: str
    prompt: str
    answer: str
    explanations: tuple[tuple[str, str], ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class QuizKey:
    """The keys of one quiz of a bank (``bank``/``quiz_id`` as in ``show_quiz(bank, quiz_id)``)."""

    bank: str
    quiz_id: str
    title: str
    entries: tuple[KeyEntry, ...]


def _clean(text) -> str:
    """Collapse the line breaks of folded YAML into single spaces."""
    return " ".join(str(text).split())


def _numeric_expected(spec: dict, *, body=None) -> float:
    # The grading widget owns the computation; reusing it keeps key and grading identical.
    from hipcourse.learning.questions import Numeric

    return Numeric(spec, body=body).expected


def _locate_answer(spec: dict, *, body) -> tuple[str, list[tuple[str, str]]]:
    name = spec.get("point") or spec.get("landmark")
    view = spec["view"]
    try:
        xy = body.point(name, view) if "point" in spec else body.landmark(name, view)
    except (KeyError, ValueError, LookupError) as error:
        raise ValueError(f"question {spec['id']}: cannot compute where {name} lies in the {view} view "
                         f"({error})") from error
    answer = (f"{name} in the {view} view, at x = {xy[0]:.1f} cm, y = {xy[1]:.1f} cm on the reference body "
              f"(accepted within {float(spec.get('tolerance_cun', 1.0)):g} cun)")
    extra = []
    if "point" in spec:
        steps = [str(getattr(step, "label", "") or step) for step in body.construction(name, view)]
        if steps:
            extra.append(("Construction", "; ".join(f"{n}. {s}" for n, s in enumerate(steps, start=1))))
    else:
        extra.append(("Construction", "a landmark: found by touch, no construction"))
    return answer, extra


def question_key(spec: dict, *, body=None) -> KeyEntry:
    """Return the :class:`KeyEntry` of one question spec (a mapping in quiz-bank format).

    Args:
        spec: the question as loaded by :func:`hipcourse.learning.quiz.load_bank`.
        body: the :class:`~hipcourse.content.geometry.Body` for computed answers (default: the reference body).

    Raises:
        ValueError: for an unknown question type or an answer that cannot be computed (message names
            the question id).
    """
    kind = spec.get("type")
    qid = spec.get("id", "?")
    explanations: list[tuple[str, str]] = []
    if kind in ("single", "multiple"):
        right = [o["text"] for o in spec["options"] if o.get("correct")]
        answer = right[0] if kind == "single" else "; ".join(right)
        for option in spec["options"]:
            verdict = "right" if option.get("correct") else "wrong"
            explanations.append((f"{verdict}: {option['text']}", _clean(option["explanation"])))
    elif kind == "truefalse":
        answer = "True" if spec["answer"] else "False"
        explanations += [("If the learner says true", _clean(spec["explanation_true"])),
                         ("If the learner says false", _clean(spec["explanation_false"]))]
    elif kind == "match":
        answer = "; ".join(f"{p['left']} → {p['right']}" for p in spec["pairs"])
        explanations += [(f"{p['left']} → {p['right']}", _clean(p["explanation"])) for p in spec["pairs"]]
        if spec.get("distractors"):
            explanations.append(("Distractors (match nothing)", "; ".join(map(str, spec["distractors"]))))
    elif kind == "numeric":
        if body is None:
            from hipcourse.content.geometry import Body

            body = Body.reference()
        value = _numeric_expected(spec, body=body)
        unit = spec.get("unit", "")
        tolerance = float(spec.get("tolerance", 0.5))
        source = spec["answer"]
        how = ("from data/scales.yaml" if "scale_cun" in source
               else "given in the bank" if "value" in source else "computed on the reference body")
        answer = f"{value:g} {unit} (accepted within ±{tolerance:g}; {how})".replace("  ", " ")
        explanations += [("Correct", _clean(spec["explanation_correct"])),
                         ("Too low", _clean(spec["explanation_low"])),
                         ("Too high", _clean(spec["explanation_high"]))]
    elif kind == "locate":
        if body is None:
            from hipcourse.content.geometry import Body

            body = Body.reference()
        answer, extra = _locate_answer(spec, body=body)
        explanations += extra + [("Explanation", _clean(spec["explanation"]))]
    else:
        raise ValueError(f"question {qid}: unknown type {kind!r}: cannot write its key")
    return KeyEntry(qid=qid, kind=kind, prompt=_clean(spec["prompt"]), answer=answer,
                    explanations=tuple(explanations), sources=tuple(spec.get("sources", ())))


def bank_key(bank: str, *, data_dir=None, body=None) -> tuple[QuizKey, ...]:
    """Return the keys of every quiz of ``bank`` (e.g. ``"lesson01"``) in bank order."""
    from hipcourse.learning.banks import load_bank

    data = load_bank(bank, data_dir=data_dir)
    if body is None and any(q["type"] in ("numeric", "locate") for quiz in data["quizzes"]
                            for q in quiz["questions"]):
        from hipcourse.content.geometry import Body

        body = Body.reference(data_dir=data_dir) if data_dir is not None else Body.reference()
    return tuple(QuizKey(bank=bank, quiz_id=quiz["id"], title=quiz["title"],
                         entries=tuple(question_key(q, body=body) for q in quiz["questions"]))
                 for quiz in data["quizzes"])


def _lesson_titles(*, data_dir=None) -> dict:
    """``{lesson number: title}`` from ``data/lessons.yaml`` (empty if the file is absent)."""
    import yaml

    from hipcourse import paths

    path = Path(data_dir) / "lessons.yaml" if data_dir is not None else paths.data_dir() / "lessons.yaml"
    try:
        document = _load_yaml_file(path) or {}
    except (OSError, yaml.YAMLError):
        return {}  # the lesson map is optional here: keys then say "Lesson N"
    return {entry.get("number"): entry.get("title") for entry in document.get("lessons", [])
            if isinstance(entry, dict)}


def _lesson_title(bank: str, *, data_dir=None) -> str:
    from hipcourse.learning.banks import load_bank

    data = load_bank(bank, data_dir=data_dir)
    number = data.get("lesson")
    title = data.get("title") or _lesson_titles(data_dir=data_dir).get(number)
    if number is not None and title:
        return f"Lesson {number}: {title}"
    return f"Lesson {number}" if number is not None else bank


def key_markdown(bank: str, *, data_dir=None, body=None) -> str:
    """Return the answer key of ``bank`` as markdown (headings per quiz, one block per question)."""
    lines = [f"# Answer key: {_lesson_title(bank, data_dir=data_dir)}", "",
             f"Generated from `data/quizzes/{bank}.yaml` by `python -m hipcourse answer-keys`; do not edit.",
             "For instructors only: the learner handouts contain the questions without answers.", ""]
    for quiz in bank_key(bank, data_dir=data_dir, body=body):
        lines += [f"## {quiz.title}", "", f"`show_quiz(\"{quiz.bank}\", \"{quiz.quiz_id}\")`", ""]
        for number, entry in enumerate(quiz.entries, start=1):
            lines += [f"### {number}. {entry.prompt}", "",
                      f"- Question id: `{entry.qid}` ({entry.kind})",
                      f"- **Answer: {entry.answer}**"]
            lines += [f"- {label}: {text}" for label, text in entry.explanations]
            if entry.sources:
                lines.append("- Sources: " + ", ".join(f"[{key}]" for key in entry.sources))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_KEY_CSS = ("body{font-family:system-ui,sans-serif;max-width:46em;margin:1.5em auto;line-height:1.45;"
            "color:#1a1a1a}h3{margin-bottom:.3em}.answer{font-weight:bold}.qid{color:#444;font-size:.9em}"
            "@media print{body{margin:0}section{break-inside:avoid}}")


def key_html(bank: str, *, data_dir=None, body=None) -> str:
    """Return the answer key of ``bank`` as a self-contained HTML page (no external files)."""
    esc = html.escape
    title = f"Answer key: {_lesson_title(bank, data_dir=data_dir)}"
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{esc(title)}</title>"
             f"<style>{_KEY_CSS}</style></head><body><main><h1>{esc(title)}</h1>",
             f"<p>Generated from <code>data/quizzes/{esc(bank)}.yaml</code> by "
             "<code>python -m hipcourse answer-keys</code>. For instructors only.</p>"]
    for quiz in bank_key(bank, data_dir=data_dir, body=body):
        parts.append(f"<h2>{esc(quiz.title)}</h2>")
        for number, entry in enumerate(quiz.entries, start=1):
            items = "".join(f"<li><b>{esc(label)}</b>: {esc(text)}</li>" for label, text in entry.explanations)
            sources = (f"<p class=\"qid\">Sources: {esc(', '.join(entry.sources))}</p>" if entry.sources else "")
            parts.append(f"<section><h3>{number}. {esc(entry.prompt)}</h3>"
                         f"<p class=\"qid\">Question id {esc(entry.qid)} ({esc(entry.kind)})</p>"
                         f"<p class=\"answer\">Answer: {esc(entry.answer)}</p><ul>{items}</ul>{sources}</section>")
    parts.append("</main></body></html>\n")
    return "".join(parts)


def write_answer_keys(out_dir, *, data_dir=None, banks: Sequence[str] | None = None) -> list[Path]:
    """Write ``<bank>-key.md`` and ``<bank>-key.html`` for every bank (default: all) plus ``index.md``.

    Returns the written paths. Files are only rewritten when their content changes.
    """
    from hipcourse.learning.banks import bank_names

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    names = list(banks) if banks is not None else bank_names(data_dir=data_dir)
    written = []
    index = ["# Answer keys (instructors only)", "",
             "Generated by `python -m hipcourse answer-keys` from the quiz banks.", ""]
    for bank in names:
        for suffix, text in ((".md", key_markdown(bank, data_dir=data_dir)),
                             (".html", key_html(bank, data_dir=data_dir))):
            written.append(_write_if_changed(folder / f"{bank}-key{suffix}", text))
        index.append(f"- [{_lesson_title(bank, data_dir=data_dir)}]({bank}-key.md) "
                     f"([HTML]({bank}-key.html))")
    written.append(_write_if_changed(folder / "index.md", "\n".join(index) + "\n"))
    return written


def _write_if_changed(path: Path, text: str) -> Path:
    data = text.encode("utf-8")
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path


def answer_keys_main(argv: Sequence[str]) -> int:
    """``answer-keys [--out DIR]``: write the instructor answer keys (default ``handouts/instructor-keys``)."""
    import argparse

    from hipcourse import paths
    from hipcourse.learning.banks import QuizBankError

    parser = argparse.ArgumentParser(prog="python -m hipcourse answer-keys",
                                     description="Write instructor answer keys (markdown and HTML) "
                                                 "generated from data/quizzes/*.yaml.")
    parser.add_argument("--out", help=f"output folder (default: {DEFAULT_KEYS_DIR.as_posix()})")
    options = parser.parse_args(list(argv))
    out = Path(options.out) if options.out else paths.repo_root() / DEFAULT_KEYS_DIR
    try:
        written = write_answer_keys(out)
    except (QuizBankError, ValueError) as error:
        print(f"answer-keys: {error}")
        return 1
    print(f"wrote {len(written)} files to {paths.display_path(out)}")
    return 0
