"""Quiz banks: reading and checking ``data/quizzes/lessonNN.yaml`` (JSON Schema plus the rules a schema cannot
say, such as "exactly one correct option"). No widgets here, so the answer keys, handouts and class results read
banks without importing ipywidgets."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from hipcourse.content.data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file
from hipcourse.content.schemas import jsonschema_module, surely_valid  # schemas.py itself imports nothing heavy

__all__ = ["QuizBankError", "load_bank", "bank_names", "all_questions"]


class QuizBankError(ValueError):
    """A quiz bank is missing or not valid; the message names the file, the entry and the problem."""


def _data_dir() -> Path:
    from hipcourse import paths

    return paths.data_dir()


def _display(path: Path) -> str:
    from hipcourse import paths

    return paths.display_path(path)


@functools.lru_cache(maxsize=1)
def _bank_schema() -> dict:
    from hipcourse import paths

    path = paths.repo_root() / "data" / "schemas" / "quiz_bank.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _bank_validator():
    return jsonschema_module().Draft202012Validator(_bank_schema())


def bank_names(*, data_dir=None) -> list[str]:
    """Return the names of the banks in ``data/quizzes`` (``["lesson00", "lesson01", ...]``), sorted."""
    folder = Path(data_dir) if data_dir is not None else _data_dir()
    return sorted(p.stem for p in (folder / "quizzes").glob("*.yaml"))


def load_bank(bank: str, *, data_dir=None) -> dict:
    """Load, validate and return bank ``bank`` (e.g. ``"lesson01"``) from ``data/quizzes/<bank>.yaml``.

    Raises :class:`QuizBankError` naming the file, the entry and the problem. Results are cached until the file
    changes, so showing many quizzes from one bank reads it once.
    """
    folder = Path(data_dir) if data_dir is not None else _data_dir()
    path = folder / "quizzes" / f"{bank}.yaml"
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        known = ", ".join(bank_names(data_dir=folder)) or "none"
        raise QuizBankError(f"{_display(path)}: no such quiz bank '{bank}' (banks: {known})") from None
    return _load_bank_cached(str(path), stamp)


@functools.lru_cache(maxsize=64)
def _load_bank_cached(path_str: str, _stamp: int) -> dict:
    import yaml

    path = Path(path_str)
    where = _display(path)
    try:
        data = _load_yaml_file(path)
    except yaml.YAMLError as exc:
        raise QuizBankError(f"{where}: not valid YAML: {exc}") from exc
    # A valid bank (the usual case) is confirmed without importing jsonschema, which was most of the cost of
    # the first quiz in a kernel. Anything else goes to jsonschema, so its verdict and its messages decide.
    errors = [] if surely_valid(data, _bank_schema()) else sorted(
        _bank_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        err = min(errors, key=lambda e: len(list(e.absolute_path)) * -1)  # the deepest error is the most precise
        raise QuizBankError(f"{where}: {_entry_name(data, err.absolute_path)}: {err.message}")
    _check_bank_semantics(data, where)
    return data


def _entry_name(data, path) -> str:
    """Turn a JSON path into readable words, e.g. ``quizzes[landmarks].questions[l1-gt-bump].options[1]``."""
    out, node = [], data
    for part in path:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if part < len(node) else None
            label = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else part
            out.append(f"[{label}]")
            node = item
        else:
            out.append(f".{part}" if out else str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(out) or "(top level)"


def _check_bank_semantics(data: dict, where: str) -> None:
    quiz_ids, question_ids = set(), set()
    for quiz in data["quizzes"]:
        if quiz["id"] in quiz_ids:
            raise QuizBankError(f"{where}: quizzes[{quiz['id']}]: quiz id used twice")
        quiz_ids.add(quiz["id"])
        for q in quiz["questions"]:
            name = f"quizzes[{quiz['id']}].questions[{q['id']}]"
            if q["id"] in question_ids:
                raise QuizBankError(f"{where}: {name}: question id used twice")
            question_ids.add(q["id"])
            if q["type"] in ("single", "multiple"):
                n_correct = sum(bool(o.get("correct")) for o in q["options"])
                texts = [o["text"] for o in q["options"]]
                if len(set(texts)) != len(texts):
                    raise QuizBankError(f"{where}: {name}.options: two options have the same text")
                if q["type"] == "single" and n_correct != 1:
                    raise QuizBankError(f"{where}: {name}.options: a 'single' question needs exactly one "
                                        f"correct option, found {n_correct}")
                if q["type"] == "multiple" and n_correct < 1:
                    raise QuizBankError(f"{where}: {name}.options: a 'multiple' question needs at least one "
                                        "correct option")
            if q["type"] == "match":
                lefts = [p["left"] for p in q["pairs"]]
                if len(set(lefts)) != len(lefts):
                    raise QuizBankError(f"{where}: {name}.pairs: two pairs have the same left item")
            if q["type"] == "numeric" and "distance_cun" in q["answer"] and "axis" not in q["answer"]:
                q["answer"]["axis"] = "distance"


def all_questions(*, banks=None, data_dir=None) -> list[tuple[str, str, dict]]:
    """Return ``(bank, quiz id, question spec)`` for every question of ``banks`` (default: all banks).

    Raises :class:`QuizBankError` if a question id is used in two banks (progress is stored per id).
    """
    banks = bank_names(data_dir=data_dir) if banks is None else list(banks)
    seen, out = {}, []
    for bank in banks:
        data = load_bank(bank, data_dir=data_dir)
        for quiz in data["quizzes"]:
            for q in quiz["questions"]:
                if q["id"] in seen and seen[q["id"]] != bank:
                    raise QuizBankError(f"data/quizzes/{bank}.yaml: quizzes[{quiz['id']}].questions[{q['id']}]: "
                                        f"question id also used in {seen[q['id']]}.yaml (ids must be unique)")
                seen[q["id"]] = bank
                out.append((bank, quiz["id"], q))
    return out
