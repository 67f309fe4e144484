#!/usr/bin/env python3
"""Convert the course's ``environment.yml`` into pip requirement lines.

``environment.yml`` (conda-forge names) is the one dependency list of the course. Machines without conda
(CI, ``make test``) need the same list as pip requirements; this script does that conversion with the
standard library only, so it runs before anything is installed.

Rules:

* ``python`` and ``pip`` are skipped (the interpreter and installer are not pip packages).
* A conda "fuzzy" pin ``pkg=1.2`` means "any 1.2.x" and becomes ``pkg==1.2.*``; a build string
  (``pkg=1.2=h123_0``) is dropped; ``pkg==1.2``, ``>=``, ``<``, ``!=`` and comma lists are kept.
* A channel prefix (``conda-forge::pkg``) is dropped.
* The few conda names that differ from the PyPI names are mapped through :data:`CONDA_TO_PYPI`.
* The items of a ``- pip:`` sub-list are copied verbatim (they already are pip requirements).

Usage::

    python tools/env_to_requirements.py [environment.yml] [-o requirements.txt]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

#: conda-forge package names whose PyPI distribution has another name.
CONDA_TO_PYPI = {
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "pytorch": "torch",
    "py-opencv": "opencv-python",
    "msgpack-python": "msgpack",
    "python-graphviz": "graphviz",
    "python-kaleido": "kaleido",
    "pillow-simd": "pillow",
    "ruamel_yaml": "ruamel.yaml",
    "typing_extensions": "typing-extensions",
}

#: conda packages that are not pip packages at all.
SKIPPED = frozenset({"python", "pip"})

_NAME = re.compile(r"^(?:[A-Za-z0-9_.-]+::)?(?P<name>[A-Za-z0-9_.-]+)\s*(?P<spec>.*)$")
_ITEM = re.compile(r"^(?P<indent>\s*)-\s+(?P<body>.*)$")


class ConversionError(ValueError):
    """Raised when ``environment.yml`` holds something this converter cannot translate."""


def _strip_comment(text: str) -> str:
    """Remove a YAML end-of-line comment (``# ...`` preceded by whitespace) and surrounding quotes."""
    text = re.split(r"(?:^|\s)#", text, maxsplit=1)[0].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text


def conda_to_pip(spec: str, *, where: str = "environment.yml") -> str | None:
    """Translate one conda dependency string into a pip requirement.

    Returns ``None`` for packages that pip does not install (python, pip).
    ``where`` names the file and entry in error messages.
    """
    match = _NAME.match(spec.strip())
    if not match:
        raise ConversionError(f"{where}: cannot read dependency {spec!r}")
    name, version = match.group("name"), match.group("spec").replace(" ", "")
    if name.lower() in SKIPPED:
        return None
    name = CONDA_TO_PYPI.get(name.lower(), name)
    if "|" in version:
        # conda's "or" has no pip equivalent; refusing is better than silently loosening the pin.
        raise ConversionError(f"{where}: dependency {spec!r} uses '|', which pip cannot express")
    if not version:
        return name
    if version.startswith("=") and not version.startswith("=="):
        # conda's single '=' is a fuzzy pin ("1.2" matches 1.2.x); a second '=' starts a build string.
        pinned = version[1:].split("=", 1)[0]
        if not pinned:
            raise ConversionError(f"{where}: dependency {spec!r} has an empty version")
        return f"{name}=={pinned.rstrip('*').rstrip('.')}.*"
    if version.startswith("==") and version.count("=") > 2:
        version = "==" + version[2:].split("=", 1)[0]  # drop a build string after an exact pin
    if version[0].isdigit():
        # conda also accepts "pkg 1.2" (a space, removed above): same meaning as "pkg=1.2"
        return f"{name}=={version.rstrip('*').rstrip('.')}.*"
    return f"{name}{version}"


def convert(text: str, *, source: str = "environment.yml") -> list[str]:
    """Return the pip requirement lines for the text of an ``environment.yml`` file.

    Both list styles are accepted: items indented under ``dependencies:`` and items flush with it.
    """
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if re.match(r"^dependencies\s*:\s*(#.*)?$", line))
    except StopIteration:
        raise ConversionError(f"{source}: no top-level 'dependencies:' list found") from None
    requirements: list[str] = []
    top_indent: int | None = None
    pip_indent: int | None = None  # indent of the "- pip:" item while we are inside its sub-list
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _ITEM.match(line)
        if item is None:
            if line[0].isspace():
                raise ConversionError(f"{source}:{number}: unexpected line in dependencies: {line.strip()!r}")
            break  # the next top-level key ends the list
        indent, body = len(item.group("indent")), _strip_comment(item.group("body"))
        if top_indent is None:
            top_indent = indent
        if pip_indent is not None and indent > pip_indent:
            requirements.append(body)  # pip sub-list: already pip syntax
            continue
        pip_indent = None
        if indent != top_indent:
            raise ConversionError(f"{source}:{number}: inconsistent list indentation: {line.strip()!r}")
        if re.fullmatch(r"pip\s*:", body):
            pip_indent = indent
            continue
        if body.endswith(":"):
            raise ConversionError(f"{source}:{number}: unsupported nested list {body!r} (only 'pip:' is known)")
        converted = conda_to_pip(body, where=f"{source}:{number}")
        if converted is not None:
            requirements.append(converted)
    return requirements


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print (or write with ``-o``) the requirements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("environment", nargs="?", default="environment.yml", type=Path)
    parser.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    try:
        requirements = convert(args.environment.read_text(encoding="utf-8"), source=str(args.environment))
    except (OSError, ConversionError) as error:
        print(f"env_to_requirements: {error}", file=sys.stderr)
        return 1
    text = "".join(f"{line}\n" for line in requirements)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
