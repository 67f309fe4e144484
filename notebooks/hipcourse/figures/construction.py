"""Point overlays of a plate: which points to draw, their landmark relations in words, and the WHO
construction (lines between landmarks, fractions, B-cun rulers) drawn step by step."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Sequence

from hipcourse.figures import palette
from hipcourse.figures.labels import _CONSTRUCTION_LABEL_STYLE, LabelRequest
from hipcourse.figures.outlines import _point_entry, _VIEW_DEFAULT, _xy, load_outlines


_KIND_LEGEND = {"nerve": "nerve (yellow, dash-dot)", "artery": "artery (red, solid)", "vein": "vein (blue, dashed)"}


def _resolve_points(view: str, body, points) -> list[str]:
    outlines = load_outlines(view)
    if points == _VIEW_DEFAULT or points is None:
        wanted = list(outlines.default_points)
        explicit = False
    else:
        wanted = [points] if isinstance(points, str) else list(points)
        explicit = True
    result = []
    for code in wanted:
        try:
            body.point(code, view)
        except Exception as error:  # the geometry module decides which points exist in which view
            if explicit:
                raise ValueError(f"point '{code}' cannot be drawn in the {view} view: {error}") from error
            continue
        result.append(code)
    return result


def _relation_words(point: tuple[float, float], ref: tuple[float, float], view: str, ref_name: str) -> str:
    """Describe ``point`` relative to landmark ``ref`` in plain words, in cm rounded to 0.1."""
    dx, dy = point[0] - ref[0], point[1] - ref[1]
    parts = []
    if abs(dx) >= 0.05:
        if view == "lateral":
            parts.append(f"{abs(dx):.1f} cm {'in front of' if dx > 0 else 'behind'}")
        else:
            parts.append(f"{abs(dx):.1f} cm {'further from the midline than' if dx > 0 else 'closer to the midline than'}")
    if abs(dy) >= 0.05:
        parts.append(f"{abs(dy):.1f} cm {'above' if dy > 0 else 'below'}")
    if not parts:
        return f"at {ref_name}"
    return " and ".join(parts) + f" {ref_name}"


def _point_landmarks(code: str, view: str, body, xy, candidates: Sequence[str]) -> list[tuple[str, tuple]]:
    """Landmarks to describe a point by: those named in points.yaml (if drawn in this view), else the 2 nearest."""
    chosen = []
    try:
        named = list(_point_entry(body, code).raw.get("landmarks") or [])
    except Exception:
        named = []
    for landmark_id in named:
        try:
            chosen.append((landmark_id, _xy(body.landmark(landmark_id, view))))
        except Exception:
            continue
    if not chosen:
        located = []
        for landmark_id in candidates:
            try:
                located.append((landmark_id, _xy(body.landmark(landmark_id, view))))
            except Exception:
                continue
        located.sort(key=lambda item: (math.hypot(item[1][0] - xy[0], item[1][1] - xy[1]), item[0]))
        chosen = located[:2]
    return chosen[:3]


def _alternative_entries(body, code: str) -> list[Any]:
    return list(_point_entry(body, code).alternatives)


def _point_title(body, code: str) -> str:
    try:
        entry = _point_entry(body, code)
    except ValueError:
        return code
    pinyin = entry.pinyin
    return f"{code} {pinyin}" if pinyin else code


def _get_construction(body, code: str, view: str, variant: str | None):
    return list(body.construction(code, view, variant=variant))


def _step_inputs(step) -> list[tuple[str, tuple[float, float]]]:
    """The named input positions of a construction step (names kept for labels)."""
    names = list(getattr(step, "inputs", ()) or ())
    points = list(getattr(step, "points", ()) or ())
    return [(names[i] if i < len(names) else "", _xy(xy)) for i, xy in enumerate(points)]


# Largest denominator a construction fraction is shown with: 7/19 (GB31, 7 of the 19 B-cun from the knee crease
# to the trochanter) must read 7/19, not the nearest twelfth-or-less (4/11).
_MAX_DENOMINATOR = 24


def _fraction_of(step) -> Fraction | None:
    t = getattr(step, "fraction", None)
    if t is None:
        return None
    return Fraction(float(t)).limit_denominator(_MAX_DENOMINATOR)


# Step numbers on construction plates: white digits on the construction colour, so that "1", "2", "3" read as
# badges that match the numbered steps of the alt text (and are not mistaken for measurements).
_STEP_BADGE_STYLE = {"fontsize": 8, "color": "#FFFFFF", "fontweight": "bold",
                     "bbox": {"boxstyle": "round,pad=0.2", "facecolor": "#6B2F55", "edgecolor": "none"}}


_RULER_NUMBER_STYLE = {"fontsize": 6.5, "color": "#000000"}


def _is_plain_id(name: str) -> bool:
    """True for a bare landmark or point id (``GT``), False for a derived input (``level(MSC, S4F)``)."""
    return bool(name) and name.replace("_", "").isalnum()


def _lower_first(text: str) -> str:
    """``Greater trochanter`` -> ``greater trochanter`` inside a sentence; ``L2 ...`` and ``PSIS`` stay as they are."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _draw_construction(axes, body, code: str, view: str, *, variant=None, colour=None, zorder=30.0,
                       labels: list) -> list[str]:
    """Draw the trace of a point's construction with numbered steps; return the steps in words.

    Step 1 finds the landmarks the construction starts from, each geometric step (a line with its fraction
    ticks, an offset with its B-cun ruler, a level line) gets the next number, and the last number sits beside
    the point itself.  The numbers are drawn as badges next to each element and match the returned words, which
    the alt text lists as "1. ...; 2. ...".
    """
    import numpy as np

    style = palette.ANATOMY["construction"]
    colour = colour or style["colour"]
    steps = _get_construction(body, code, view, variant)
    results = {str(step.label) for step in steps}
    starts: dict[str, tuple[float, float]] = {}
    for step in steps:
        for name, xy in _step_inputs(step):
            if _is_plain_id(name) and name not in results and name not in starts:
                starts[name] = xy
    words = []

    def badge(number: int, xy) -> None:
        # Not required: in a crowded plate a badge moves further out with a leader line instead of covering text.
        at = (float(xy[0]), float(xy[1]))
        labels.append(LabelRequest(str(number), at, style=_STEP_BADGE_STYLE, required=False, leader_to=at))

    if starts:
        # Landmark ids here are spoken as their plain names in the alt text ("find the greater trochanter").
        words.append("find " + " and ".join(starts))
        for xy in starts.values():
            badge(len(words), xy)
    for step in steps:
        kind = str(step.kind).lower()
        inputs = _step_inputs(step)
        result = _xy(step.xy) if step.xy is not None else None
        words.append(str(step.label) if step.label else kind)
        number = len(words)
        if kind in ("lerp", "mid") and len(inputs) >= 2:
            (name_a, a), (name_b, b) = inputs[0], inputs[1]
            fraction = Fraction(1, 2) if kind == "mid" else _fraction_of(step)
            if fraction is None and result is not None:
                total = math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0
                fraction = Fraction(math.hypot(result[0] - a[0], result[1] - a[1]) / total).limit_denominator(_MAX_DENOMINATOR)
            axes.plot([a[0], b[0]], [a[1], b[1]], color=colour, linewidth=style["linewidth"],
                      linestyle=style["linestyle"], zorder=zorder)
            direction = np.array([b[0] - a[0], b[1] - a[1]])
            length = float(np.hypot(*direction)) or 1.0
            normal = np.array([-direction[1], direction[0]]) / length * 0.7
            if fraction is not None and 0 < fraction < 1:
                denominator = fraction.denominator
                for k in range(1, denominator):
                    tick = np.array(a) + direction * k / denominator
                    axes.plot([tick[0] - normal[0], tick[0] + normal[0]], [tick[1] - normal[1], tick[1] + normal[1]],
                              color=colour, linewidth=1.6, zorder=zorder + 0.1)
                    if Fraction(k, denominator) == fraction:
                        labels.append(LabelRequest(f"{fraction.numerator}/{fraction.denominator}",
                                                   (float(tick[0] + normal[0] * 1.6), float(tick[1] + normal[1] * 1.6)),
                                                   style=_CONSTRUCTION_LABEL_STYLE,
                                                   required=False, centred=True))
            # The badge sits on the far (un-ticked) part of the line, away from the point and its label.
            badge(number, np.array(a) + direction * 0.7)
        elif kind == "offset" and inputs and result is not None:
            start = inputs[0][1]
            axes.annotate("", result, xytext=start, arrowprops={"arrowstyle": "-|>", "color": colour,
                                                                  "linewidth": style["linewidth"]},
                          zorder=zorder)
            scale_id = step.scale
            cun = sum(abs(v) for v in (step.offset or {}).values()) if step.offset else None
            if scale_id:
                try:
                    cm_per_cun = float(body.cun(scale_id))
                except Exception:
                    cm_per_cun = None
                if cm_per_cun:
                    _draw_ruler(axes, start, result, cm_per_cun, zorder=zorder + 0.2)
                    distance = math.hypot(result[0] - start[0], result[1] - start[1]) / cm_per_cun
                    cun = cun or distance
            middle = ((start[0] + result[0]) / 2, (start[1] + result[1]) / 2)
            if cun:
                labels.append(LabelRequest(f"{float(cun):g} B-cun", middle,
                                           style=_CONSTRUCTION_LABEL_STYLE,
                                           required=False))
            badge(number, ((start[0] * 3 + result[0]) / 4, (start[1] * 3 + result[1]) / 4))
        elif kind in ("level", "horizontal", "vertical", "intersect", "line") and inputs and result is not None:
            for _, xy in inputs:
                axes.plot([xy[0], result[0]], [xy[1], result[1]], color=colour, linewidth=1.0,
                          linestyle=(0, (2, 2)), zorder=zorder)
            badge(number, result)
    final = _xy(body.point(code, view, variant=variant)) if variant else _xy(body.point(code, view))
    words.append(f"{code} lies at the end of the last step")
    badge(len(words), final)
    return [f"{index}. {text}" for index, text in enumerate(words, start=1)]


def _draw_ruler(axes, start, end, cm_per_cun: float, *, zorder: float) -> list:
    """A B-cun ruler along ``start -> end``: a tick every cun, numbered; return the number texts.

    The numbers (0, 1, 2 ... from the start) sit beyond the ticks; when whole cun are closer than 16 display
    pixels only every other one is numbered, so that the digits never touch.  Returned so that the caller can
    keep other labels off them.
    """
    import numpy as np
    from matplotlib.collections import LineCollection

    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = end - start
    length = float(np.hypot(*direction))
    if length == 0:
        return []
    unit = direction / length
    normal = np.array([-unit[1], unit[0]])
    count = int(math.floor(length / cm_per_cun + 1e-9))
    segments = []
    for k in range(count + 1):
        base = start + unit * k * cm_per_cun - normal * 0.9
        segments.append([tuple(base), tuple(base - normal * 0.6)])
    segments.append([tuple(start - normal * 0.9), tuple(end - normal * 0.9)])
    colour = palette.ANATOMY["ruler"]["colour"]
    axes.add_collection(LineCollection(segments, colors=colour, linewidths=0.9, zorder=zorder), autolim=False)
    to_display = axes.transData.transform
    spacing = float(np.hypot(*(to_display(start + unit * cm_per_cun) - to_display(start))))
    every = 1 if spacing >= 16 else 2
    texts = []
    for k in range(0, count + 1, every):
        at = start + unit * k * cm_per_cun - normal * 2.1
        texts.append(axes.text(float(at[0]), float(at[1]), str(k), ha="center", va="center", zorder=zorder,
                               clip_on=True, **_RULER_NUMBER_STYLE))
    return texts
