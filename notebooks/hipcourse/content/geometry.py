"""Where landmarks and points are on a (reference or modified) body.

A :class:`Body` turns the course data into positions in cm, per view
(``posterior``, ``anterior``, ``lateral``; see CONTRIBUTING.md for what x and y
mean in each). Bodies are immutable: :meth:`Body.moved`, :meth:`Body.with_landmark`
and :meth:`Body.scaled` return new bodies, and every derived landmark and every
point built on a changed landmark moves with it. Positions are computed lazily
and cached per body.

Example::

    body = Body.reference()
    body.point("GB30", "posterior")          # (x, y) in cm
    body.cun("thigh_lateral")                # cm per B-cun
    body.construction("GB30", "posterior")   # steps for drawing construction lines
    wider = body.scaled(pelvis_width=1.1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from hipcourse.content.data import Course, load_course
from hipcourse.content.expr import Step, parse

__all__ = ["Body", "GeometryError", "OffsetDescription", "CunPosition", "DIRECTION_WORDS"]

XY = tuple[float, float]

#: Words for +x / -x in each view (CONTRIBUTING.md, "Coordinates, views and directions").
DIRECTION_WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "posterior": ("away from the midline", "toward the midline"),
    "anterior": ("away from the midline", "toward the midline"),
    "lateral": ("toward the front", "toward the back"),
})


class GeometryError(ValueError):
    """A position cannot be computed (unknown id, missing view, bad option)."""


@dataclass(frozen=True)
class OffsetDescription:
    """How far a clicked spot is from a target, in B-cun and in words.

    ``dx_cun``/``dy_cun`` are clicked minus target along the view's x and y
    (positive = away from the midline / toward the front, and up);
    ``words`` is e.g. ``"0.6 cun too far up and toward the midline"`` or
    ``"on the spot"``.
    """

    distance_cun: float
    dx_cun: float
    dy_cun: float
    on_spot: bool
    words: str


@dataclass(frozen=True)
class CunPosition:
    """A point's position relative to a landmark, in B-cun of the point's scale."""

    landmark: str
    x: float
    y: float
    scale: str


class Body:
    """Positions of landmarks and points on one body.

    Args:
        course: the loaded course data.
        overrides: ``{(landmark_id, view): (x, y)}`` positions that replace
            the data (used by :meth:`moved` / :meth:`with_landmark`).
        pelvis_width, thigh_length: scale factors (see :meth:`scaled`).
    """

    def __init__(self, course: Course, *, overrides: Mapping[tuple[str, str], XY] | None = None,
                 pelvis_width: float = 1.0, thigh_length: float = 1.0):
        self.course = course
        self._overrides = dict(overrides or {})
        self.pelvis_width = float(pelvis_width)
        self.thigh_length = float(thigh_length)
        self._cache: dict[tuple, XY] = {}
        self._evaluating: list[tuple] = []

    @classmethod
    def reference(cls, *, data_dir=None) -> "Body":
        """The reference adult of ``data/landmarks.yaml`` (uses :func:`load_course`)."""
        return cls(load_course(data_dir))

    def __repr__(self) -> str:
        changes = []
        if self._overrides:
            changes.append(f"{len(self._overrides)} moved landmark(s)")
        if self.pelvis_width != 1.0:
            changes.append(f"pelvis_width={self.pelvis_width:g}")
        if self.thigh_length != 1.0:
            changes.append(f"thigh_length={self.thigh_length:g}")
        return f"Body({', '.join(changes) or 'reference'})"

    # -- landmarks and points ----------------------------------------------------
    def _check_view(self, view: str) -> None:
        if view not in self.course.views:
            raise GeometryError(f"unknown view '{view}' (known: {', '.join(self.course.views)})")

    def landmark(self, landmark_id: str, view: str) -> XY:
        """Position (x, y) in cm of a landmark in ``view``."""
        self._check_view(view)
        key = ("landmark", landmark_id, view)
        if key in self._cache:
            return self._cache[key]
        if (landmark_id, view) in self._overrides:
            xy = self._overrides[(landmark_id, view)]
        else:
            try:
                landmark = self.course.landmarks[landmark_id]
            except KeyError:
                raise GeometryError(f"unknown landmark '{landmark_id}'") from None
            if view in landmark.coordinates:
                xy = self._transform(landmark.segment, landmark.coordinates[view], view)
            elif view in landmark.constructions:
                xy = self._evaluate(key, landmark.constructions[view], view, allow_points=False).xy
            else:
                raise GeometryError(f"landmark '{landmark_id}' has no position in the {view} view "
                                    f"(it has: {', '.join(landmark.views)})")
        self._cache[key] = xy
        return xy

    def point(self, code: str, view: str, *, variant: str | None = None) -> XY:
        """Position (x, y) in cm of a point; ``variant`` is an alternative's id."""
        self._check_view(view)
        key = ("point", code, view, variant)
        if key not in self._cache:
            self._cache[key] = self._evaluate(key, self._location(code, view, variant), view,
                                              allow_points=True, default_scale=self._point(code).scale).xy
        return self._cache[key]

    def views_of(self, code: str) -> tuple[str, ...]:
        """Views in which point ``code`` has a location (in ``views.yaml`` order)."""
        point = self._point(code)
        return tuple(view for view in self.course.views if view in point.locations)

    def construction(self, code: str, view: str, *, variant: str | None = None) -> tuple[Step, ...]:
        """Construction steps of a point (see :class:`hipcourse.content.expr.Step`)."""
        self._check_view(view)
        text = self._location(code, view, variant)
        return self._evaluate(("trace", code, view, variant), text, view, allow_points=True,
                              default_scale=self._point(code).scale).steps

    def _point(self, code: str):
        try:
            return self.course.points[code]
        except KeyError:
            raise GeometryError(f"unknown point '{code}'") from None

    def _location(self, code: str, view: str, variant: str | None) -> str:
        point = self._point(code)
        if not point.computable:
            raise GeometryError(f"point '{code}' has no fixed location (computable: false)")
        if variant is None:
            locations = point.locations
        else:
            try:
                locations = point.alternative(variant).locations
            except KeyError as error:
                raise GeometryError(error.args[0]) from None
        if view not in locations:
            what = code if variant is None else f"{code} ({variant})"
            raise GeometryError(f"point {what} has no location in the {view} view "
                                f"(it has: {', '.join(locations) or 'none'})")
        return locations[view]

    def _evaluate(self, key, text, view, *, allow_points, default_scale=None):
        if key in self._evaluating:
            chain = " -> ".join(k[1] for k in self._evaluating + [key])
            raise GeometryError(f"circular construction: {chain}")
        self._evaluating.append(key)
        try:
            def resolve(name: str) -> XY:
                if name in self.course.landmarks or (name, view) in self._overrides:
                    return self.landmark(name, view)
                if allow_points and name in self.course.points:
                    return self.point(name, view)
                raise KeyError(name)

            return parse(text).evaluate(view=view, resolve=resolve, scale_cm=self._cun_or_key_error,
                                        default_scale=default_scale)
        finally:
            self._evaluating.pop()

    # -- scaling ------------------------------------------------------------------
    def _transform(self, segment: str, xy: XY, view: str) -> XY:
        x, y = xy
        if self.pelvis_width != 1.0 and segment == "pelvis" and view in ("posterior", "anterior"):
            x *= self.pelvis_width
        if self.thigh_length != 1.0 and segment in ("thigh", "leg"):
            gt_y = self.course.landmarks["GT"].coordinates.get(view, (0.0, y))[1] \
                if "GT" in self.course.landmarks else y
            if y < gt_y:
                y = gt_y - (gt_y - y) * self.thigh_length
        return (x, y)

    def scaled(self, *, pelvis_width: float = 1.0, thigh_length: float = 1.0) -> "Body":
        """A new body with a wider/narrower pelvis and/or longer/shorter thighs.

        * ``pelvis_width`` multiplies the x (distance from the midline) of every
          measured landmark of segment ``pelvis`` (iliac crest, ASIS, PSIS,
          greater trochanter, ischial tuberosity ...) in the posterior and
          anterior views. The lateral view is unchanged (its x is depth, not width).
        * ``thigh_length`` stretches heights below the greater trochanter: every
          measured landmark of segment ``thigh`` or ``leg`` (gluteal fold, knee
          creases, patella, fibular head, ankle) keeps its height *above or below
          the GT level* multiplied by the factor, so the whole limb below the hip
          lengthens. Pelvic landmarks keep their height.

        Derived landmarks, points and the cun scales (which are measured between
        landmarks) follow automatically: a longer thigh has a longer thigh cun.
        Factors combine with those of this body and must be positive.
        """
        for name, factor in (("pelvis_width", pelvis_width), ("thigh_length", thigh_length)):
            if not (isinstance(factor, (int, float)) and factor > 0 and math.isfinite(factor)):
                raise GeometryError(f"{name} must be a positive number, not {factor!r}")
        return Body(self.course, overrides=self._overrides,
                    pelvis_width=self.pelvis_width * pelvis_width,
                    thigh_length=self.thigh_length * thigh_length)

    def with_landmark(self, landmark_id: str, view: str, xy: XY) -> "Body":
        """A new body where ``landmark_id`` sits at ``xy`` in ``view`` (a derived
        landmark stops following its construction there)."""
        self._check_view(view)
        if landmark_id not in self.course.landmarks:
            raise GeometryError(f"unknown landmark '{landmark_id}'")
        x, y = (float(v) for v in xy)
        overrides = dict(self._overrides)
        overrides[(landmark_id, view)] = (x, y)
        return Body(self.course, overrides=overrides, pelvis_width=self.pelvis_width,
                    thigh_length=self.thigh_length)

    def moved(self, landmark_id: str, view: str, *, dx: float = 0.0, dy: float = 0.0) -> "Body":
        """A new body with one landmark moved by (dx, dy) cm in ``view``."""
        x, y = self.landmark(landmark_id, view)
        return self.with_landmark(landmark_id, view, (x + dx, y + dy))

    # -- cun ------------------------------------------------------------------------
    def cun(self, scale_id: str) -> float:
        """Length of one B-cun in cm for scale ``scale_id`` on this body."""
        key = ("scale", scale_id)
        if key in self._cache:
            return self._cache[key][0]
        try:
            scale = self.course.scales[scale_id]
        except KeyError:
            raise GeometryError(f"unknown scale '{scale_id}' "
                                f"(known: {', '.join(self.course.scales)})") from None
        (x0, y0), (x1, y1) = self.landmark(scale.start, scale.view), self.landmark(scale.end, scale.view)
        length = {"vertical": abs(y1 - y0), "horizontal": abs(x1 - x0),
                  "distance": math.hypot(x1 - x0, y1 - y0)}[scale.measure]
        if length <= 0:
            raise GeometryError(f"scale '{scale_id}' measures 0 cm from {scale.start} to "
                                f"{scale.end} ({scale.measure}, {scale.view} view)")
        value = length / scale.cun
        self._cache[key] = (value, 0.0)
        return value

    def _cun_or_key_error(self, scale_id: str) -> float:
        if scale_id not in self.course.scales:
            raise KeyError(scale_id)
        return self.cun(scale_id)

    def to_cun(self, code: str, view: str) -> CunPosition:
        """Point ``code`` relative to the first landmark of its construction, in B-cun.

        ``x`` is along the view's x (away from the midline / toward the front),
        ``y`` is up, both in the point's own region scale (``scale:`` in points.yaml).
        """
        point = self._point(code)
        text = self._location(code, view, None)
        anchor = next((name for name in parse(text).ordered_names if name in self.course.landmarks),
                      None)
        if anchor is None:
            raise GeometryError(f"the {view} construction of {code} uses no landmark: \"{text}\"")
        if point.scale is None:
            raise GeometryError(f"point '{code}' has no scale")
        cm = self.cun(point.scale)
        (px, py), (ax, ay) = self.point(code, view), self.landmark(anchor, view)
        return CunPosition(landmark=anchor, x=(px - ax) / cm, y=(py - ay) / cm, scale=point.scale)

    # -- feedback ------------------------------------------------------------------
    def describe_offset(self, clicked_xy: XY, target_xy: XY, view: str, *, scale: str | float,
                        on_spot_cun: float = 0.15, mirror: bool = True) -> OffsetDescription:
        """Say how far and in which directions a clicked spot misses a target.

        Args:
            clicked_xy, target_xy: positions in cm in ``view``.
            scale: a scale id (cm per cun is taken from this body) or cm per cun.
            on_spot_cun: distances below this many cun count as "on the spot";
                a direction is named only when its component reaches this size.
            mirror: in the posterior and anterior views, a click on the other
                half of the body (x < 0) is compared as its mirror image, since
                the points are bilateral.
        """
        self._check_view(view)
        cm = self.cun(scale) if isinstance(scale, str) else float(scale)
        if not cm > 0:
            raise GeometryError(f"scale must give a positive cm per cun, not {scale!r}")
        cx, cy = clicked_xy
        if mirror and view in ("posterior", "anterior"):
            cx = abs(cx)
        dx, dy = (cx - target_xy[0]) / cm, (cy - target_xy[1]) / cm
        distance = math.hypot(dx, dy)
        if distance < on_spot_cun:
            return OffsetDescription(distance, dx, dy, True, "on the spot")
        plus_x, minus_x = DIRECTION_WORDS[view]
        parts = []
        if abs(dy) >= on_spot_cun:
            parts.append("up" if dy > 0 else "down")
        if abs(dx) >= on_spot_cun:
            parts.append(plus_x if dx > 0 else minus_x)
        if not parts:  # both components small but the sum is not: name the larger one
            parts.append(("up" if dy > 0 else "down") if abs(dy) >= abs(dx)
                         else (plus_x if dx > 0 else minus_x))
        words = f"{distance:.1f} cun too far {' and '.join(parts)}"
        return OffsetDescription(distance, dx, dy, False, words)
