"""The problem records every data check returns: one :class:`DataProblem` per finding (file, entry,
message) and :class:`DataError`, which carries all of them. Also the type words used in messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

__all__ = ["DataProblem", "DataError"]

#: Keys that name a list entry in messages, in order of preference.
_ENTRY_KEYS = ("id", "code", "key")



@dataclass(frozen=True, order=True)
class DataProblem:
    """One problem in a data file.

    Attributes:
        file: path relative to the repository, e.g. ``data/points.yaml``.
        entry: where in the file, e.g. ``points[GB30].locations.posterior``
            (empty for the file as a whole).
        message: what is wrong.
    """

    file: str
    entry: str
    message: str

    def __str__(self) -> str:
        if self.entry:
            return f"{self.file}: {self.entry}: {self.message}"
        return f"{self.file}: {self.message}"


class DataError(ValueError):
    """Raised when course data has problems; ``problems`` holds all of them."""

    def __init__(self, problems: Iterable[DataProblem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


_JSON_TYPES: Mapping[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true or false", "null": "empty"}


def _type_name(value: Any) -> str:
    for name, test in _JSON_TYPES.items():
        if name != "integer" and test(value):
            return _TYPE_WORDS[name]
    return type(value).__name__

