"""Reading the YAML data files: one cached, fast reader (:func:`load_yaml`) and :func:`read_yaml`, which turns
a syntax error into a :class:`~hipcourse.content.problems.DataProblem` with the line and column."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from hipcourse import paths
from hipcourse.content.problems import DataProblem, _type_name

__all__ = ["load_yaml", "read_yaml"]

def _file_label(data_dir: Path, path: Path) -> str:
    """``data/<relative path>`` whatever the data directory is (stable messages)."""
    try:
        return "data/" + path.relative_to(data_dir).as_posix()
    except ValueError:
        return paths.display_path(path)


@functools.lru_cache(maxsize=1)
def _loader_class():
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class UniqueKeyLoader(base):  # type: ignore[misc, valid-type]
        """Safe loader that refuses duplicate mapping keys (PyYAML keeps the last silently)."""

        def construct_mapping(self, node, deep=False):
            # Compare the raw scalar key nodes: constructing every key twice would
            # double the load time of the large files.
            seen = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key '{key_node.value}'", key_node.start_mark)
                seen.add(key_node.value)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def load_yaml(path: Path | str) -> Any:
    """Parse a YAML file with the C safe loader (duplicate keys refused); cached by the file's content.

    Every module that reads a data file goes through here: PyYAML's pure-Python ``safe_load`` took about
    0.3 s per read of ``sources.yaml``, paid again on every call. Reading and hashing the bytes costs well
    under a millisecond, so the cache can never serve a stale document (timestamps can be too coarse for a
    file rewritten twice in a row). Each caller gets its own deep copy, so a caller that edits the document
    cannot change what the next one reads. Raises ``OSError`` and ``yaml.YAMLError`` as reading would.
    """
    import copy
    import hashlib

    data = Path(path).read_bytes()
    return copy.deepcopy(_parsed_yaml(hashlib.sha256(data).hexdigest(), data))


@functools.lru_cache(maxsize=64)
def _parsed_yaml(digest: str, data: bytes) -> Any:
    # ``digest`` is the cache key; ``data`` rides along (equal digests mean equal bytes).
    import yaml

    return yaml.load(data.decode("utf-8"), Loader=_loader_class())  # noqa: S506 - safe loader subclass


def read_yaml(path: Path, *, label: str) -> tuple[Any, list[DataProblem]]:
    """Read one YAML file; return ``(document or None, problems)``.

    A missing file, a syntax error (with its line) or a top level that is not
    a mapping is reported as a problem, never raised.
    """
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [DataProblem(label, "", "file is missing")]
    except UnicodeDecodeError as error:
        return None, [DataProblem(label, "", f"not UTF-8 text ({error.reason})")]
    try:
        document = yaml.load(text, Loader=_loader_class())  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        return None, [DataProblem(label, where, f"YAML error: {problem}")]
    if not isinstance(document, dict):
        return None, [DataProblem(label, "", "the file must be a mapping at the top level "
                                               f"(got {_type_name(document)})")]
    return document, []

