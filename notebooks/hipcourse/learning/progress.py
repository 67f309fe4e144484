"""Local learner progress that is never lost.

The :class:`ProgressStore` keeps one JSON file, ``progress.json``, in the learner's progress directory
(``HIPCOURSE_PROGRESS_DIR`` if set, else ``platformdirs.user_data_dir("hipcourse")``). The file is validated
against ``data/schemas/progress.schema.json``.

Guarantees, and how they are kept:

* **Atomic writes.** A temporary file in the same directory is written, flushed, fsynced and moved over the old
  file with :func:`os.replace`, so a crash leaves either the old or the new file, never half of one.
* **No lost answers when two notebooks write at once.** Every change is an *operation* applied, under an
  exclusive :func:`fcntl.flock` on ``progress.json.lock``, to the file as it is on disk at that moment
  (read, merge, write). Nothing is written from a stale in-memory copy.
* **Unreadable files are kept.** A truncated, non-JSON, unknown-version or schema-invalid file is moved to
  ``progress.json.corrupt-<n>`` (``n`` is a counter, not a clock), reported in :attr:`warnings_for_learner`
  (shown by the quiz widgets), and a fresh file is started. It is never silently overwritten.
* **Read-only directories do not crash anything.** If a write fails, the change is kept in memory, retried with
  the next change, and the learner is told once, in plain words.

Nothing here prints or emits Python warnings: notebook outputs must stay clean and deterministic.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
import tempfile
from pathlib import Path

from hipcourse.content.schemas import surely_valid

__all__ = [
    "SCHEMA_VERSION",
    "MAX_BOX",
    "MAX_ANSWERS",
    "ProgressStore",
    "default_progress_dir",
    "empty_progress",
    "next_box",
    "validate_progress",
]

SCHEMA_VERSION = 1
MAX_BOX = 5  # Leitner boxes 1..5
MAX_ANSWERS = 20  # answers kept per question: enough for an instructor, bounded file size
FILE_NAME = "progress.json"

_validator = None


class ProgressError(ValueError):
    """A progress file or an update to it is not valid."""


def next_box(box: int, correct: bool) -> int:
    """Return the Leitner box after an answer: a miss goes back to box 1, a hit moves up one box (max 5)."""
    if not correct:
        return 1
    return min(int(box) + 1, MAX_BOX)


def empty_progress() -> dict:
    """Return a new, valid, empty progress document."""
    return {"schema_version": SCHEMA_VERSION, "seq": 0, "questions": {}, "quizzes": {}, "sections": {}}


def default_progress_dir() -> Path:
    """Return the progress directory: ``HIPCOURSE_PROGRESS_DIR`` if set, else the platform user-data dir."""
    from hipcourse import paths

    return paths.progress_dir()


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    from hipcourse import paths

    # The schema belongs to the code, not to a data copy: always the repository's.
    schema_path = paths.repo_root() / "data" / "schemas" / "progress.schema.json"
    return json.loads(schema_path.read_text(encoding="utf-8"))


def _get_validator():
    global _validator
    if _validator is None:
        from hipcourse.content.schemas import jsonschema_module

        _validator = jsonschema_module().Draft202012Validator(_schema())
    return _validator


def _raise_first(errors, where: str, prefix: tuple = ()) -> None:
    errors = sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        err = errors[0]
        entry = ".".join(str(p) for p in (*prefix, *err.absolute_path)) or "(top level)"
        raise ProgressError(f"{where}: {entry}: {err.message}")


@functools.lru_cache(maxsize=None)
def _record_validator(kind: str):
    """A validator for one record kind (``question`` or ``quiz``) of the progress schema."""
    from hipcourse.content.schemas import jsonschema_module
    jsonschema = jsonschema_module()

    return jsonschema.Draft202012Validator(_record_schema(kind))


@functools.lru_cache(maxsize=None)
def _record_schema(kind: str) -> dict:
    return {"$defs": _schema()["$defs"], "$ref": f"#/$defs/{kind}"}


def _validate_changes(data: dict, touched, *, where: str) -> None:
    """Validate only what an update touched (plus the small top level).

    Full validation of a large file costs tens of milliseconds with jsonschema; checking the changed records
    keeps answer-to-feedback fast while still never writing an invalid file.
    """
    skeleton = {k: v for k, v in data.items() if k not in ("questions", "quizzes")}
    skeleton.update(questions={}, quizzes={})
    validate_progress(skeleton, where=where)
    if not isinstance(data.get("questions"), dict) or not isinstance(data.get("quizzes"), dict):
        raise ProgressError(f"{where}: questions and quizzes must be objects")
    for part, key in touched:
        if part in ("questions", "quizzes") and key in data[part]:
            kind = "question" if part == "questions" else "quiz"
            # A valid record (the usual case) is confirmed without importing jsonschema; see schemas.py.
            if not surely_valid(data[part][key], _record_schema(kind)):
                _raise_first(_record_validator(kind).iter_errors(data[part][key]), where, (part, key))


def validate_progress(data, *, where: str = FILE_NAME) -> None:
    """Raise :class:`ProgressError` naming the file, the entry and the problem if ``data`` is not valid."""
    if not isinstance(data, dict):
        raise ProgressError(f"{where}: top level must be a JSON object, not {type(data).__name__}")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ProgressError(
            f"{where}: unknown schema_version {data.get('schema_version')!r} (this course reads {SCHEMA_VERSION})"
        )
    if not surely_valid(data, _schema()):  # jsonschema only for a file that may be invalid: it has the messages
        _raise_first(_get_validator().iter_errors(data), where)


class ProgressStore:
    """The learner's progress file, with atomic, locked, merge-on-write updates.

    Parameters
    ----------
    path:
        The progress file, or a directory to hold ``progress.json``. Default: ``default_progress_dir()``.

    Attributes
    ----------
    warnings_for_learner:
        Plain-language messages about problems (a file moved aside, answers that could not be saved). Quiz
        widgets show them; nothing is printed.
    """

    def __init__(self, path=None):
        path = Path(path) if path is not None else default_progress_dir()
        if path.suffix != ".json":
            path = path / FILE_NAME
        self.path = path
        self.warnings_for_learner: list[str] = []
        self._pending: list = []  # operations not yet on disk (write failed); replayed on the next write
        self._data = None  # last known state (disk + pending)
        self._disk_signature = None  # (inode, size, mtime) of the file as last validated or written
        self._write_failed = False

    def __repr__(self):
        return f"ProgressStore({self.path.name!r})"

    # ---------------------------------------------------------------- low level: read, lock, write
    def _warn(self, message: str) -> None:
        if message not in self.warnings_for_learner:
            self.warnings_for_learner.append(message)

    @contextlib.contextmanager
    def _locked(self):
        """Hold an exclusive lock on ``progress.json.lock`` (no lock if the directory is not writable)."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            # Read-only place: nobody can write here, so there is nothing to serialise against.
            yield
            return
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _next_backup(self, kind: str) -> Path:
        n = 1
        while self.path.with_name(f"{self.path.name}.{kind}-{n}").exists():
            n += 1
        return self.path.with_name(f"{self.path.name}.{kind}-{n}")

    def _read_disk(self) -> dict:
        """Read the file (call with the lock held). Unreadable files are moved aside and reported."""
        try:
            with open(self.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                raw = fh.read()
        except (FileNotFoundError, NotADirectoryError):  # nothing saved yet (or no such folder)
            return empty_progress()
        except OSError as exc:
            # Unreadable but present (e.g. permissions): never write over it.
            self._write_failed = True
            self._warn(
                f"Your saved progress could not be read ({exc.strerror or exc}); it was left untouched and "
                "new answers are kept for this session only."
            )
            raise _Unwritable() from exc
        try:
            data = json.loads(raw.decode("utf-8"))
            signature = (st.st_ino, st.st_size, st.st_mtime_ns)
            # A file we wrote (or validated) ourselves and nobody changed since needs no second full check.
            if signature != self._disk_signature:
                validate_progress(data, where=self.path.name)
                self._disk_signature = signature
            return data
        except (UnicodeDecodeError, json.JSONDecodeError, ProgressError) as exc:
            problem = str(exc) if isinstance(exc, ProgressError) else f"{self.path.name}: not valid JSON ({exc})"
            backup = self._next_backup("corrupt")
            try:
                os.replace(self.path, backup)
            except OSError:
                self._write_failed = True
                self._warn(
                    f"Your saved progress file could not be read ({problem}) and could not be moved aside. "
                    "It was left untouched; new answers are kept for this session only."
                )
                raise _Unwritable() from exc
            self._warn(
                f"Your saved progress file could not be read ({problem}). It was kept as {backup.name} "
                "next to it, and a new progress file was started."
            )
            return empty_progress()

    def _write_disk(self, data: dict) -> None:
        """Atomically replace the file with ``data`` (call with the lock held; ``data`` already validated)."""
        # Compact on purpose: with an indent Python falls back to its slow pure-Python encoder.
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
                st = os.fstat(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._disk_signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        with contextlib.suppress(OSError):  # make the rename durable; not possible on every filesystem
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def _transact(self, op=None) -> dict:
        """Apply ``op`` (a function mutating the document) to the on-disk state, under the lock.

        Pending operations from failed writes are replayed first, so nothing the learner did is lost.
        Returns the new state. If writing fails, the state is kept in memory and the learner is told.
        """
        if op is not None:
            self._pending.append(op)
        with self._locked():
            try:
                data = self._read_disk()
            except _Unwritable:
                data = empty_progress()
                base_ok = False
            else:
                base_ok = True
            try:
                touched = set()
                for pending in self._pending:
                    touched.update(pending(data) or ())
                _validate_changes(data, touched, where=self.path.name)
            except Exception:
                # An update that raises or makes the file invalid is a caller bug: drop it, write nothing,
                # and let the error propagate (earlier pending updates stay queued).
                if op is not None and self._pending and self._pending[-1] is op:
                    self._pending.pop()
                raise
            if base_ok and (op is not None or self._pending):
                try:
                    self._write_disk(data)
                except OSError as exc:
                    self._write_failed = True
                    self._warn(
                        f"Your answers could not be saved in {self.path.parent} ({exc.strerror or exc}). "
                        "They are kept for this session only: export them from the progress panel to keep them."
                    )
                else:
                    self._pending.clear()
                    if self._write_failed:
                        self._write_failed = False
                        self._warn("Your progress is being saved again.")
        self._data = data
        return data

    # ---------------------------------------------------------------- reading
    def load(self) -> dict:
        """Return a deep copy of the current progress (disk merged with anything not yet saved)."""
        return copy.deepcopy(self._transact())

    @property
    def saved(self) -> bool:
        """True if every change so far is on disk."""
        return not self._pending

    def question(self, qid: str) -> dict | None:
        """Return the record of question ``qid`` (a copy), or None if it was never answered."""
        data = self._data if self._data is not None else self._transact()
        rec = data["questions"].get(qid)
        return copy.deepcopy(rec) if rec is not None else None

    # ---------------------------------------------------------------- writing
    def record_answer(self, qid: str, *, answer, correct: bool, bank: str | None = None,
                      quiz: str | None = None, quiz_score: tuple[int, int] | None = None) -> dict:
        """Record one checked answer to question ``qid`` and move its Leitner box; return the new record.

        ``answer`` must be JSON (str, number, bool, list, dict of str). ``quiz_score=(score, total)`` also
        records the score of quiz ``bank/quiz`` in the same write (one disk write per answer).
        """
        score_op = self._score_op(bank, quiz, *quiz_score) if quiz_score and bank and quiz else None
        if not isinstance(qid, str) or not qid:
            raise ProgressError(f"record_answer: question id must be a non-empty string, not {qid!r}")
        answer = json.loads(json.dumps(answer))  # copy, and fail here (not at write time) if it is not JSON
        correct = bool(correct)

        def op(data):
            data["seq"] += 1
            rec = data["questions"].setdefault(
                qid, {"answers": [], "attempts": 0, "correct": None, "last_seen": 0, "box": 1}
            )
            rec["answers"] = (rec["answers"] + [answer])[-MAX_ANSWERS:]
            rec["attempts"] += 1
            rec["correct"] = correct
            rec["last_seen"] = data["seq"]
            rec["box"] = next_box(rec["box"], correct)
            if bank is not None:
                rec["bank"] = bank
            if quiz is not None:
                rec["quiz"] = quiz
            return [("questions", qid), *(score_op(data) if score_op else ())]

        return copy.deepcopy(self._transact(op)["questions"][qid])

    def record_reveal(self, qid: str, *, bank: str | None = None, quiz: str | None = None,
                      quiz_score: tuple[int, int] | None = None) -> None:
        """Note that the learner pressed 'Show answer' for ``qid`` (counts as a miss for review)."""
        score_op = self._score_op(bank, quiz, *quiz_score) if quiz_score and bank and quiz else None

        def op(data):
            data["seq"] += 1
            rec = data["questions"].setdefault(
                qid, {"answers": [], "attempts": 0, "correct": None, "last_seen": 0, "box": 1}
            )
            rec["revealed"] = True
            rec["box"] = 1  # looked-up answers need practice: review them first
            rec["last_seen"] = data["seq"]
            return [("questions", qid), *(score_op(data) if score_op else ())]

        self._transact(op)

    def record_score(self, bank: str, quiz_id: str, *, score: int, total: int) -> None:
        """Record a quiz score (``score`` of ``total``) and keep the best score."""
        self._transact(self._score_op(bank, quiz_id, score, total))

    @staticmethod
    def _score_op(bank: str, quiz_id: str, score: int, total: int):
        if not 0 <= score <= total:
            raise ProgressError(f"record_score: {bank}/{quiz_id}: score {score} is not within 0..{total}")
        key = f"{bank}/{quiz_id}"

        def op(data):
            rec = data["quizzes"].setdefault(key, {"score": 0, "total": total, "best": 0})
            rec.update(score=int(score), total=int(total), best=max(int(score), rec.get("best", 0)))
            return [("quizzes", key)]

        return op

    def get_section(self, name: str, default=None):
        """Return a copy of section ``name`` (e.g. ``"diary"``), or ``default`` if it does not exist."""
        data = self._transact()
        if name not in data["sections"]:
            return default
        return copy.deepcopy(data["sections"][name])

    def update_section(self, name: str, fn) -> object:
        """Replace section ``name`` by ``fn(current)`` under the lock; ``current`` is None if it is new.

        ``fn`` receives the section as it is on disk right now (so concurrent writers merge), must return JSON
        and may be called again later if the first write fails. Returns the new value.
        """
        if not isinstance(name, str) or not name:
            raise ProgressError(f"update_section: section name must be a non-empty string, not {name!r}")

        def op(data):
            new = fn(copy.deepcopy(data["sections"].get(name)))
            try:
                data["sections"][name] = json.loads(json.dumps(new))
            except (TypeError, ValueError) as exc:
                raise ProgressError(f"update_section({name!r}): the new value is not JSON: {exc}") from exc
            return [("sections", name)]

        return copy.deepcopy(self._transact(op)["sections"][name])

    def export(self, path, *, name: str | None = None) -> Path:
        """Write a copy of the progress to ``path`` for an instructor, with the learner-chosen ``name``."""
        data = self.load()
        if name:
            data["learner"] = {"name": str(name)[:200]}
        validate_progress(data, where=str(path))
        path = Path(path)
        text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return path

    def reset(self, confirm: bool = False, *, sections: bool = False) -> Path | None:
        """Start quiz progress afresh. Requires ``confirm=True``; the old file is kept as ``.reset-<n>``.

        Sections (such as the pain diary) are kept unless ``sections=True``. Returns the backup path
        (None if there was nothing to back up).
        """
        if confirm is not True:
            raise ProgressError("reset: nothing was deleted; call reset(confirm=True) to really start afresh")
        backup = None
        with self._locked():
            try:
                data = self._read_disk()
            except _Unwritable:
                data = empty_progress()
            for pending in self._pending:
                pending(data)
            if data != empty_progress():
                backup = self._next_backup("reset")
                try:
                    self._write_disk_to(backup, data)
                except OSError as exc:
                    self._warn(f"Progress was not reset: the backup could not be written ({exc.strerror or exc}).")
                    return None
            fresh = empty_progress()
            if not sections:
                fresh["sections"] = data["sections"]
            validate_progress(fresh, where=self.path.name)
            try:
                self._write_disk(fresh)
            except OSError as exc:
                self._warn(f"Progress was not reset: the file could not be written ({exc.strerror or exc}).")
                return None
            self._pending.clear()
            self._data = fresh
        return backup

    def _write_disk_to(self, path: Path, data: dict) -> None:
        saved, self.path = self.path, path
        try:
            self._write_disk(data)
        finally:
            self.path = saved


class _Unwritable(Exception):
    """Internal: the file exists, is unreadable and could not be moved aside; do not write over it."""
