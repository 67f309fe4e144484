"""Command line: ``python -m hipcourse <command> [options]``.

Subcommands live in :data:`COMMANDS`, a dict ``name -> function(argv) -> exit code``.
To add one, write a small function that imports your module lazily (so
``check`` stays fast) and add one line to the dict, e.g.::

    def _images(argv):
        from hipcourse.figures.images import images_main
        return images_main(argv)

    COMMANDS["images"] = _images
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

__all__ = ["COMMANDS", "main", "check_main"]


def check_main(argv: Sequence[str]) -> int:
    """``check [--data-dir DIR]``: validate every data file; exit 1 if there are problems."""
    parser = argparse.ArgumentParser(prog="python -m hipcourse check",
                                     description="Validate the course data (schemas and meaning).")
    parser.add_argument("--data-dir", help="folder with the YAML files (default: data/ or "
                                           "$HIPCOURSE_DATA_DIR)")
    options = parser.parse_args(argv)
    from hipcourse.content.check import check_course

    report = check_course(options.data_dir)
    if report.ok:
        print(report.summary())
        return 0
    for problem in report.problems:
        print(problem)
    print(f"{len(report.problems)} problem{'s' * (len(report.problems) != 1)} found.", file=sys.stderr)
    return 1


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "check": check_main,
    "images": lambda argv: __import__("hipcourse.figures.images", fromlist=["images_main"]).images_main(argv),
    "answer-keys": lambda argv: __import__("hipcourse.instructor.keys", fromlist=["answer_keys_main"]).answer_keys_main(argv),
    "handouts": lambda argv: __import__("hipcourse.instructor.handouts", fromlist=["handouts_main"]).handouts_main(argv),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; print the list of commands for ``-h`` or an unknown one."""
    args = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m hipcourse <command> [options]\ncommands: " + ", ".join(sorted(COMMANDS))
    if not args or args[0] in ("-h", "--help"):
        print(usage)
        return 0 if args else 2
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"unknown command '{args[0]}'\n{usage}", file=sys.stderr)
        return 2
    return command(args[1:])
