"""Named plates: every atlas figure a lesson shows is one short call, ``show_plate("gb30-step-2")``.

The arguments of each plate (view, layers, points, constructions, focus, title ...) live in
``data/plates.yaml`` (schema ``data/schemas/plates.schema.json``), so a lesson cell stays one line a learner can
read, and an author changes a figure by editing data. The plate is drawn by
:func:`hipcourse.figures.plates.draw_view`, so the figure cache (``images/figure-cache/``) stores and serves it
exactly as before.

Bad data gets an error naming the file, the plate and the problem, e.g.
``data/plates.yaml: plates[gb30-step-2].points: unknown point 'GB99'``: :func:`show_plate` raises it (the cheap
structural checks before drawing, the drawing's own checks on a miss), and ``python -m hipcourse check`` lists
every such problem through :func:`check_plates_data`.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Iterable, Mapping

from hipcourse import paths

__all__ = ["PlateDataError", "show_plate", "plate_ids", "plate_params", "check_plates_data"]

_FILE = "plates.yaml"

#: The draw_view keyword arguments a plate entry may set (every other field is refused by the schema).
_ARGUMENTS = ("view", "layers", "points", "constructions", "alternatives", "highlight", "title", "focus",
              "focus_margin", "extent", "labels")


class PlateDataError(ValueError):
    """``data/plates.yaml`` is malformed or names something that does not exist (file, plate and problem)."""


def _label() -> str:
    return paths.display_path(paths.data_dir() / _FILE)


@functools.lru_cache(maxsize=4)
def _load(digest: str, directory: str) -> dict[str, dict]:
    """``{plate id: draw_view keyword arguments}`` from the file whose bytes hash to ``digest`` (cached)."""
    from pathlib import Path

    import yaml

    from hipcourse.content.schemas import schema_errors
    from hipcourse.content.yamlfiles import load_yaml

    folder = Path(directory)
    label = paths.display_path(folder / _FILE)
    try:
        document = load_yaml(folder / _FILE)
    except FileNotFoundError:
        raise PlateDataError(f"{label}: file is missing") from None
    except yaml.YAMLError as error:
        raise PlateDataError(f"{label}: not valid YAML ({error})") from None
    schema = json.loads((folder / "schemas" / "plates.schema.json").read_text(encoding="utf-8"))
    errors = sorted(schema_errors(document, schema), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        error = errors[0]
        raise PlateDataError(f"{label}: {_where(document, list(error.absolute_path))}: {error.message}")
    problems = _name_problems(document)
    if problems:
        entry, message = problems[0]
        raise PlateDataError(f"{label}: {entry}: {message}")
    return {entry["id"]: _params(entry) for entry in document["plates"]}


def _where(document: Any, parts: list) -> str:
    """A schema error location with plates named by id: ``plates[gb30-step-2].points``."""
    text, node = "", document
    for part in parts:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            entry = node[part]
            name = entry.get("id") if isinstance(entry, dict) else None
            text += f"[{name or part}]"
            node = entry
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "(top level)"


def _params(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The draw_view keyword arguments of one plate entry."""
    params = {key: entry[key] for key in _ARGUMENTS if key in entry}
    params.setdefault("points", "view default")
    return params


def _name_problems(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Problems that need no course data: duplicate ids, and arguments that contradict the layers."""
    problems, seen = [], set()
    for entry in document["plates"]:
        where = f"plates[{entry['id']}]"
        if entry["id"] in seen:
            problems.append((where, "duplicate plate id"))
        seen.add(entry["id"])
        layers = set(entry["layers"])
        points = entry.get("points", "view default")
        listed = set(points) if isinstance(points, list) else None
        if entry.get("constructions") and "constructions" not in layers:
            problems.append((f"{where}.constructions", "constructions are given but the layer 'constructions' "
                                                       "is not in layers"))
        for key in ("points", "alternatives", "highlight"):
            if entry.get(key) and "points" not in layers:
                problems.append((f"{where}.{key}", f"{key} given but the layer 'points' is not in layers"))
        for key in ("constructions", "alternatives"):
            for code in entry.get(key, ()):
                if listed is not None and code not in listed:
                    problems.append((f"{where}.{key}", f"'{code}' is not in points (add it to points)"))
    return problems


def _plates() -> dict[str, dict]:
    import hashlib

    folder = paths.data_dir()
    try:
        data = (folder / _FILE).read_bytes()
    except FileNotFoundError:
        raise PlateDataError(f"{_label()}: file is missing") from None
    return _load(hashlib.sha256(data).hexdigest(), str(folder))


def plate_ids() -> tuple[str, ...]:
    """The ids of every plate in ``data/plates.yaml``, in file order."""
    return tuple(_plates())


def plate_params(plate_id: str) -> dict[str, Any]:
    """The :func:`~hipcourse.figures.plates.draw_view` keyword arguments of plate ``plate_id`` (a copy).

    Raises:
        PlateDataError: for an unknown id (the message lists the known ones) or a malformed file.
    """
    plates = _plates()
    if plate_id not in plates:
        raise PlateDataError(f"{_label()}: no plate '{plate_id}' (known plates: {', '.join(plates)})")
    return json.loads(json.dumps(plates[plate_id]))


def show_plate(plate_id: str, *, body=None):
    """Return the plate ``plate_id`` of ``data/plates.yaml`` as an :class:`~hipcourse.figures.display.AtlasFigure`.

    Args:
        plate_id: the plate's ``id``, e.g. ``"gb30-step-2"``.
        body: optional :class:`hipcourse.content.geometry.Body` (e.g. a learner's own proportions); the
            default reference body lets the figure cache serve the stored picture.

    Raises:
        PlateDataError: for an unknown plate, a malformed file, or a plate naming a point, landmark or layer
            that cannot be drawn (the message names the file, the plate and the problem).
    """
    from hipcourse.figures.plates import draw_view

    params = plate_params(plate_id)
    try:
        return draw_view(body=body, **params)
    except ValueError as error:
        raise PlateDataError(f"{_label()}: plates[{plate_id}]: {error}") from error


# ------------------------------------------------------------------------------------------ the data check
def check_plates_data(document, *, course, file: str = "data/plates.yaml") -> list:
    """Semantic check for ``hipcourse.content.check.EXTRA_CHECKS["plates"]`` (``python -m hipcourse check``).

    Every plate's points, constructions, alternatives and highlight must be points located in its view, its
    focus items landmarks or points of that view, and the arguments must agree with its layers; returns
    :class:`~hipcourse.content.problems.DataProblem` objects naming the file, the plate and the problem.
    """
    from hipcourse.content.problems import DataProblem

    entries = document.get("plates") if isinstance(document, Mapping) else None
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) and isinstance(e.get("id"), str)
                                                and isinstance(e.get("layers"), list) for e in entries):
        return []  # the schema check reports the structure
    problems = [DataProblem(file, entry, message) for entry, message in _name_problems({"plates": entries})]
    for entry in entries:
        problems.extend(DataProblem(file, where, message) for where, message in _course_problems(entry, course))
    return problems


def _course_problems(entry: Mapping[str, Any], course) -> Iterable[tuple[str, str]]:
    where, view = f"plates[{entry['id']}]", entry.get("view")

    def point_problem(code: str) -> str | None:
        point = course.points.get(code)
        if point is None:
            return f"unknown point '{code}'"
        if view not in point.locations:
            return f"point '{code}' has no location in the {view} view"
        return None

    for key in ("points", "constructions", "alternatives"):
        values = entry.get(key, ())
        for code in values if isinstance(values, list) else ():
            message = point_problem(code)
            if message:
                yield f"{where}.{key}", message
    for code in entry.get("alternatives", ()):
        point = course.points.get(code)
        if point is not None and not any(view in alt.locations for alt in point.alternatives):
            yield f"{where}.alternatives", f"point '{code}' has no alternative location in the {view} view"
    if entry.get("highlight"):
        message = point_problem(entry["highlight"])
        if message:
            yield f"{where}.highlight", message
    for item in entry.get("focus", ()):
        landmark = course.landmarks.get(item)
        if landmark is not None:
            if view not in landmark.views:
                yield f"{where}.focus", f"landmark '{item}' has no position in the {view} view"
        elif item in course.points:
            message = point_problem(item)
            if message:
                yield f"{where}.focus", message
        else:
            yield f"{where}.focus", f"'{item}' is neither a landmark nor a point"
