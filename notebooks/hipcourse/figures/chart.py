"""A personal, to-scale point chart built from the learner's own measurements (lesson 4).

The learner measures a few distances on their own body (greater trochanter to knee crease, buttock crease to
knee crease, navel to pubic bone, thumb width; optionally spine to shoulder blade and knee crease to ankle).
:func:`make_chart` checks them, rebuilds a :class:`hipcourse.content.geometry.Body` whose landmarks sit where the
measurements put them, and lets the geometry module compute every point from *their* landmarks. The result,
a :class:`PersonalChart`, says where each point is in cm from a landmark they can feel, and draws printable
A4 sheets: at 1:1 where the region fits on the page, otherwise at a stated scale (1:2, 1:3 ...), each with a
5 cm check bar so the learner can confirm that the printer did not resize the page.

* :data:`MEASUREMENTS` - the form fields, what each measures, and the accepted adult range;
* :func:`validate_measurements` - turns raw entries (text or numbers) into cm, or raises
  :class:`ChartInputError` naming every bad field and its accepted range;
* :func:`personal_body` - the rebuilt body;
* :func:`make_chart` - the chart; :meth:`PersonalChart.save` writes PNG and PDF files;
* :func:`chart_form` - the small form widget (keyboard usable; messages in an HTML widget).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

__all__ = [
    "Measurement",
    "MEASUREMENTS",
    "ChartInputError",
    "Placement",
    "Sheet",
    "PersonalChart",
    "validate_measurements",
    "personal_body",
    "make_chart",
    "chart_form",
    "scales_table",
    "A4_CM",
    "SCALES",
]

#: A4 paper in cm (width, height), portrait.
A4_CM = (21.0, 29.7)
#: Printable drawing area on an A4 sheet (cm): margins, title and notes take the rest.
_DRAW_AREA_CM = (18.0, 24.0)
#: Scales tried in order; the first at which a sheet fits is used (1 = true size).
SCALES: tuple[float, ...] = (1.0, 2.0, 2.5, 3.0, 4.0, 5.0)
_MARGIN_CM = 1.5  # room around the drawn landmarks for labels


@dataclass(frozen=True)
class Measurement:
    """One entry of the form: ``id`` (keyword of :func:`make_chart`), a label, how to measure it, the
    reference body's value, and the accepted adult range ``[low, high]`` in cm."""

    id: str
    label: str
    how: str
    reference_cm: float
    low: float
    high: float
    required: bool = True


# Reference values are those of data/landmarks.yaml (GT y 92, PC y 48, GF y 81, U y 106.5, PS y 93,
# SCAP_M x 7.5, LM y 7). The ranges are deliberately wide (small to very tall adults) so that they catch typing
# slips (mm instead of cm, a missing digit) without rejecting real bodies.
MEASUREMENTS: tuple[Measurement, ...] = (
    Measurement("greater_trochanter_to_knee", "Greater trochanter to knee crease",
                "Standing, measure straight down the outside of the thigh from the top of the bony bump on the "
                "side of the hip to the level of the crease behind the knee.", 44.0, 30.0, 60.0),
    Measurement("gluteal_fold_to_knee", "Buttock crease to knee crease",
                "Standing, measure down the back of the thigh from the middle of the buttock crease to the "
                "middle of the crease behind the knee (a helper makes this easier).", 33.0, 20.0, 48.0),
    Measurement("navel_to_pubic_bone", "Navel to pubic bone",
                "Lying on your back, measure straight down from the centre of the navel to the top edge of "
                "the pubic bone.", 13.5, 8.0, 24.0),
    Measurement("thumb_width", "Thumb width",
                "Measure the width of your thumb across its middle joint.", 2.0, 1.2, 3.5),
    Measurement("spine_to_shoulder_blade", "Spine to shoulder blade (optional)",
                "A helper measures straight across from the middle of your spine to the inner edge of your "
                "shoulder blade, arms relaxed. Leave empty to use three thumb widths instead.",
                7.5, 4.0, 13.0, required=False),
    Measurement("knee_to_ankle", "Knee crease to outer ankle bone (optional)",
                "Measure down the outside of the leg from the level of the knee crease to the most prominent "
                "point of the outer ankle bone. Leave empty to scale it with your thigh.",
                41.0, 28.0, 55.0, required=False),
)
_BY_ID = {m.id: m for m in MEASUREMENTS}


class ChartInputError(ValueError):
    """Bad measurements. ``problems`` is ``{field id: message}``; ``str()`` lists every message."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(self.problems.values()))


def _range_words(m: Measurement) -> str:
    return f"between {m.low:g} and {m.high:g} cm"


def validate_measurements(values: Mapping[str, object]) -> dict[str, float]:
    """Check raw measurements and return them as floats in cm.

    Args:
        values: ``{measurement id: value}``; a value may be a number or text such as ``"44"`` or ``"44,5"``.
            Optional measurements may be missing, ``None`` or empty text.

    Returns:
        ``{id: cm}`` for every given measurement (optional ones left out when empty).

    Raises:
        ChartInputError: naming *every* bad field: unknown names, missing, non-numeric, zero or negative
            values, values outside the plausible adult range (the message gives the accepted range), and a
            buttock-crease measure that is not shorter than the trochanter measure.
    """
    problems: dict[str, str] = {}
    unknown = sorted(set(values) - set(_BY_ID))
    for key in unknown:
        problems[key] = f"'{key}' is not a chart measurement (known: {', '.join(_BY_ID)})"
    result: dict[str, float] = {}
    for m in MEASUREMENTS:
        raw = values.get(m.id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if m.required:
                problems[m.id] = f"{m.label}: please enter a value in cm ({_range_words(m)})"
            continue
        if isinstance(raw, bool):
            problems[m.id] = f"{m.label}: {raw!r} is not a number; enter cm {_range_words(m)}"
            continue
        if isinstance(raw, str):
            text = raw.strip().lower().removesuffix("cm").strip().replace(",", ".")
            try:
                number = float(text)
            except ValueError:
                problems[m.id] = f"{m.label}: '{raw.strip()}' is not a number; enter cm {_range_words(m)}"
                continue
        elif isinstance(raw, (int, float)):
            number = float(raw)
        else:
            problems[m.id] = f"{m.label}: {raw!r} is not a number; enter cm {_range_words(m)}"
            continue
        if not math.isfinite(number):
            problems[m.id] = f"{m.label}: '{raw}' is not a usable number; enter cm {_range_words(m)}"
        elif number <= 0:
            problems[m.id] = f"{m.label}: must be more than 0 cm; the accepted range is {_range_words(m)}"
        elif not m.low <= number <= m.high:
            problems[m.id] = (f"{m.label}: {number:g} cm is outside the range accepted for adults "
                              f"({_range_words(m)}); check the value and the unit (cm, not mm or inches)")
        else:
            result[m.id] = number
    gf, gt = result.get("gluteal_fold_to_knee"), result.get("greater_trochanter_to_knee")
    if gf is not None and gt is not None and gf >= gt:
        problems["gluteal_fold_to_knee"] = (
            f"{_BY_ID['gluteal_fold_to_knee'].label}: {gf:g} cm must be shorter than the greater trochanter "
            f"to knee crease measure ({gt:g} cm), because the buttock crease lies below the trochanter")
    if problems:
        raise ChartInputError(problems)
    return result


def personal_body(measurements: Mapping[str, float], *, body=None):
    """Return a :class:`~hipcourse.content.geometry.Body` rebuilt from validated measurements (cm).

    The thigh and leg are stretched so that greater trochanter to knee crease matches; the buttock crease,
    the navel, the inner edge of the shoulder blade and the outer ankle bone are then placed at the measured
    distances from their partner landmarks. With no spine-to-shoulder-blade measure the back scale falls back
    on the finger-cun (three thumb widths), as WHO allows when proportional measures are impractical.
    """
    from hipcourse.content.geometry import Body

    m = validate_measurements(measurements)
    body = body if body is not None else Body.reference()
    gt_y = body.landmark("GT", "lateral")[1]
    pc_y = body.landmark("PC", "lateral")[1]
    body = body.scaled(thigh_length=m["greater_trochanter_to_knee"] / (gt_y - pc_y))
    for view in ("posterior", "lateral"):
        pc_x, pc_y = body.landmark("PC", view)
        gf_x, _ = body.landmark("GF", view)
        body = body.with_landmark("GF", view, (gf_x, pc_y + m["gluteal_fold_to_knee"]))
    for view in ("anterior", "lateral"):
        ps_y = body.landmark("PS", view)[1]
        u_x, _ = body.landmark("U", view)
        body = body.with_landmark("U", view, (u_x, ps_y + m["navel_to_pubic_bone"]))
    back = m.get("spine_to_shoulder_blade", 3 * m["thumb_width"])
    msc_x = body.landmark("MSC", "posterior")[0]
    scap_y = body.landmark("SCAP_M", "posterior")[1]
    body = body.with_landmark("SCAP_M", "posterior", (msc_x + back, scap_y))
    if "knee_to_ankle" in m:
        lm_x, _ = body.landmark("LM", "lateral")
        pc_y = body.landmark("PC", "lateral")[1]
        body = body.with_landmark("LM", "lateral", (lm_x, pc_y - m["knee_to_ankle"]))
    return body


@dataclass(frozen=True)
class Placement:
    """Where a point lies on the learner's body: ``dx_cm``/``dy_cm`` from ``landmark`` in ``view``
    (+x away from the midline or toward the front, +y up), and the same in words."""

    code: str
    view: str
    landmark: str
    landmark_name: str
    dx_cm: float
    dy_cm: float
    xy: tuple[float, float]
    words: str


@dataclass(frozen=True)
class Sheet:
    """One printable A4 page: a region in one view drawn at ``1 : scale``."""

    id: str
    title: str
    view: str
    points: tuple[str, ...]
    landmarks: tuple[str, ...]
    extent: tuple[float, float, float, float]
    scale: float

    @property
    def scale_words(self) -> str:
        """``"true size (1:1)"`` or ``"1:2 (half size)"``."""
        if self.scale == 1:
            return "true size (1:1)"
        return f"1:{self.scale:g} (1 cm on paper = {self.scale:g} cm on you)"


# Regions drawn on the sheets: (id, title, view, points, landmarks to draw).
_SHEETS = (
    ("front", "Front: lower belly and groin", "anterior", ("SP12", "SP13", "ST31"), ("U", "PS", "PS_inf", "ASIS")),
    ("back", "Back: lower back, sacrum and buttock", "posterior", ("BL23", "BL25", "BL54", "GB30", "GV2"),
     ("L2", "L4", "MSC", "SH", "PSIS", "GT")),
    ("thigh_back", "Back of the thigh", "posterior", ("BL36", "BL40"), ("GT", "GF", "PC")),
    ("side", "Side of the hip, thigh and knee", "lateral", ("GB29", "GB30", "GB31", "GB34"),
     ("ASIS", "GT", "PC", "FH")),
)

_DIRECTION = {
    "posterior": ("out from the midline", "toward the midline"),
    "anterior": ("out from the midline", "toward the midline"),
    "lateral": ("toward the front", "toward the back"),
}


def _fit_scale(extent) -> float:
    xmin, xmax, ymin, ymax = extent
    width, height = xmax - xmin, ymax - ymin
    for scale in SCALES:
        if width / scale <= _DRAW_AREA_CM[0] and height / scale <= _DRAW_AREA_CM[1]:
            return scale
    raise ValueError(f"a chart region of {width:.0f} x {height:.0f} cm does not fit on A4 even at 1:{SCALES[-1]:g}")


class PersonalChart:
    """The learner's chart: measurements, rebuilt body, point placements and printable sheets.

    Build it with :func:`make_chart`. In a notebook it shows as a table of points (HTML) and, as plain text,
    the same rows. :meth:`figure` draws one sheet as an :class:`~hipcourse.figures.display.AtlasFigure`;
    :meth:`save` writes every sheet as PNG and all sheets as one PDF.
    """

    def __init__(self, measurements: Mapping[str, float], *, body=None):
        self.measurements = validate_measurements(measurements)
        self._own_body = body is not None  # only charts of the reference data come from the figure cache
        self.body = personal_body(self.measurements, body=body)
        self.sheets: tuple[Sheet, ...] = tuple(self._sheet(*spec) for spec in _SHEETS)
        self.placements: tuple[Placement, ...] = tuple(
            self._placement(code, sheet.view) for sheet in self.sheets for code in sheet.points)

    # -- geometry ------------------------------------------------------------------------------------------
    def _sheet(self, sheet_id, title, view, points, landmarks) -> Sheet:
        xy = [self.body.landmark(name, view) for name in landmarks]
        xy += [self.body.point(code, view) for code in points]
        xs, ys = [p[0] for p in xy], [p[1] for p in xy]
        extent = (min(min(xs), 0.0) - _MARGIN_CM, max(xs) + _MARGIN_CM + 2.0, min(ys) - _MARGIN_CM,
                  max(ys) + _MARGIN_CM)
        if view == "lateral":  # no midline in the side view: only the drawn things matter
            extent = (min(xs) - _MARGIN_CM - 3.0, max(xs) + _MARGIN_CM + 3.0, extent[2], extent[3])
        return Sheet(sheet_id, title, view, tuple(points), tuple(landmarks), extent, _fit_scale(extent))

    def _placement(self, code: str, view: str) -> Placement:
        from hipcourse.content.expr import parse

        course = self.body.course
        text = course.points[code].locations[view]
        px, py = self.body.point(code, view)
        # Measure from the nearest landmark the construction uses: the easiest one to measure from.
        names = [name for name in parse(text).ordered_names if name in course.landmarks]
        anchor = min(names, key=lambda name: math.dist(self.body.landmark(name, view), (px, py)))
        ax, ay = self.body.landmark(anchor, view)
        dx, dy = px - ax, py - ay
        plus, minus = _DIRECTION[view]
        parts = []
        if abs(dy) >= 0.05:
            parts.append(f"{abs(dy):.1f} cm {'up' if dy > 0 else 'down'}")
        if abs(dx) >= 0.05:
            parts.append(f"{abs(dx):.1f} cm {plus if dx > 0 else minus}")
        name = course.landmarks[anchor].name
        words = f"at the {name.lower()} itself" if not parts else f"{' and '.join(parts)} from the {name.lower()}"
        return Placement(code, view, anchor, name, round(dx, 2), round(dy, 2), (px, py), words)

    def placement(self, code: str) -> Placement:
        """The first placement of ``code`` (``KeyError`` naming the charted points if it is not charted)."""
        for placement in self.placements:
            if placement.code == code:
                return placement
        raise KeyError(f"{code!r} is not on the chart (charted: {', '.join(p.code for p in self.placements)})")

    def cun_cm(self) -> dict[str, float]:
        """cm per B-cun on this body for every scale, plus ``"thumb"`` (the finger-cun)."""
        values = {scale: round(self.body.cun(scale), 2) for scale in self.body.course.scales}
        values["thumb"] = self.measurements["thumb_width"]
        return values

    # -- display -------------------------------------------------------------------------------------------
    def _rows(self):
        for p in self.placements:
            yield p.code, p.view, p.words

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(f"<tr><td>{esc(c)}</td><td>{esc(v)}</td><td>{esc(w)}</td></tr>" for c, v, w in self._rows())
        cun = self.cun_cm()
        return ("<table><caption>Your points, measured from landmarks you can feel</caption>"
                '<tr><th scope="col">Point</th><th scope="col">View</th><th scope="col">Where, on you</th></tr>'
                f"{rows}</table><p>Your B-cun: thigh (side) {cun['thigh_lateral']:.2f} cm, lower belly "
                f"{cun['abdomen']:.2f} cm; your thumb width {cun['thumb']:.2f} cm.</p>")

    def __repr__(self) -> str:
        lines = ["Your points, measured from landmarks you can feel:"]
        lines += [f"{c} ({v} view): {w}" for c, v, w in self._rows()]
        return "\n".join(lines)

    # -- drawing -------------------------------------------------------------------------------------------
    def figure(self, sheet_id: str | None = None, *, page: bool = False):
        """Draw one sheet (default: the first) as an :class:`~hipcourse.figures.display.AtlasFigure`.

        ``page=True`` draws it on a full A4 page at its stated scale (for printing); otherwise the figure is
        a compact screen version with the same content. The example chart of a lesson usually comes from the
        figure cache (:mod:`hipcourse.figures.cache`).
        """
        if self._own_body:
            return self._draw_figure(sheet_id, page=page)
        from hipcourse.figures.cache import cached_figure

        params = {"measurements": dict(self.measurements), "sheet_id": sheet_id, "page": page}
        return cached_figure("hipcourse.figures.chart:chart_sheet_figure", params,
                             lambda: self._draw_figure(sheet_id, page=page))

    def _draw_figure(self, sheet_id: str | None, *, page: bool):
        from hipcourse.figures import palette
        from hipcourse.figures.display import AtlasFigure, new_figure
        from hipcourse.figures.labels import LabelRequest, place_labels
        from hipcourse.figures.outlines import _landmark_label

        sheet = self._get_sheet(sheet_id)
        xmin, xmax, ymin, ymax = sheet.extent
        width_cm, height_cm = (xmax - xmin) / sheet.scale, (ymax - ymin) / sheet.scale
        if page:
            figure = new_figure(size=(A4_CM[0] / 2.54, A4_CM[1] / 2.54))
            left = (A4_CM[0] - width_cm) / 2 / A4_CM[0]
            bottom = 4.0 / A4_CM[1]
            axes = figure.add_axes((left, bottom, width_cm / A4_CM[0], height_cm / A4_CM[1]))
        else:
            aspect = height_cm / width_cm
            # Shown 1.3 times larger on screen: its 7 pt landmark names then read at 9.1 pt.
            figure = new_figure(size=(5.0, min(max(5.0 * aspect, 3.0), 8.0) + 0.8), display_scale=1.3)
            axes = figure.add_axes((0.05, 0.1, 0.9, 0.8))
        axes.set_xlim(xmin, xmax)
        axes.set_ylim(ymin, ymax)
        axes.set_aspect("equal", adjustable="box" if not page else "datalim")
        axes.set_axis_off()
        figure.suptitle(f"{sheet.title}\n{sheet.scale_words}", fontsize=11 if page else 9, y=0.985 if page else 0.99)
        style = palette.ANATOMY["landmark"]
        construction = palette.ANATOMY["construction"]
        if sheet.view in ("posterior", "anterior"):
            axes.axvline(0.0, color="#6B5B4E", linewidth=0.8, linestyle=":")
            midline = axes.annotate("midline", (0.0, ymax - 0.8), fontsize=7, ha="center", color="#3A2E25")
        requests, markers, lines = [], [], []  # labels to place; marker boxes and dashed lines they keep off
        scale = figure.dpi / 72.0

        def marker(xy, size_pt):
            # The marker's box in display pixels: no label may cover it.
            px = axes.transData.transform(xy)
            half = size_pt * scale / 2 + 1.0
            markers.append((px[0] - half, px[1] - half, px[0] + half, px[1] + half))

        axes.apply_aspect()  # labels are placed in display pixels: fix the axes box first
        for name in sheet.landmarks:
            x, y = self.body.landmark(name, sheet.view)
            axes.plot([x], [y], marker=style["marker"], color=style["colour"], markersize=style["size"] + 3,
                      markeredgewidth=1.5, linestyle="none", zorder=5)
            marker((x, y), style["size"] + 3)
            # Plain words on the sheet, never the internal landmark id.
            # (A leader line lets a name move further out when the dashed lines leave no room beside it.)
            requests.append(LabelRequest(_landmark_label(self.body, name), (float(x), float(y)),
                                         style={"fontsize": 7}, leader_to=(float(x), float(y))))
        points_drawn = {}
        for code in sheet.points:
            placement = next(p for p in self.placements if p.code == code and p.view == sheet.view)
            ax_, ay_ = self.body.landmark(placement.landmark, sheet.view)
            x, y = placement.xy
            axes.plot([ax_, x, x], [ay_, ay_, y], color=construction["colour"], linestyle=construction["linestyle"],
                      linewidth=construction["linewidth"], zorder=4)
            corner = axes.transData.transform([(ax_, ay_), (x, ay_), (x, y)])
            lines.extend([(tuple(corner[0]), tuple(corner[1])), (tuple(corner[1]), tuple(corner[2]))])
            point_style = palette.point_style(code)
            axes.plot([x], [y], marker=point_style.marker, color=point_style.colour,
                      markersize=point_style.size, markeredgecolor="#000000", linestyle="none", zorder=6)
            marker((x, y), point_style.size)
            requests.insert(0, LabelRequest(code, (float(x), float(y)), style={"fontsize": 8, "fontweight": "bold"}))
            points_drawn[code] = (round(x, 2), round(y, 2))
        # A check bar: 5 cm long on paper when printed at 100 %.
        bar = 5.0 * sheet.scale
        bx, by = xmin + 0.5, ymin + 0.6
        axes.plot([bx, bx + bar], [by, by], color="#000000", linewidth=2.0)
        # Its words sit just past the bar's right end (below it they would leave the frame, and above it they
        # met the names of the lowest crosses), or above its start when the bar is too long for that.
        words = axes.annotate("this bar is 5 cm when printed at 100 %" if page else f"{bar:g} cm on you",
                              (bx + bar, by), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)
        renderer = figure.canvas.get_renderer()
        if words.get_window_extent(renderer).x1 > axes.get_window_extent(renderer).x1:
            words.xy, words.xyann = (bx, by), (0, 4)
            words.set_verticalalignment("bottom")
        fixed = [words]
        if sheet.view in ("posterior", "anterior"):
            fixed.append(midline)
        for text in fixed:
            extent = text.get_window_extent(renderer)
            markers.append((extent.x0, extent.y0, extent.x1, extent.y1))
        bar_px = axes.transData.transform([(bx, by), (bx + bar, by)])
        markers.append((bar_px[0][0], bar_px[0][1] - 2, bar_px[1][0], bar_px[1][1] + 2))
        place_labels(axes, requests, obstacles=markers, avoid_lines=lines, keep_inside=True)
        if page:
            notes = [f"{p.code}: {p.words}." for p in self.placements if p.view == sheet.view]
            notes.append("Print at 100 % ('actual size'), not 'fit to page'. Check the 5 cm bar with a ruler.")
            figure.text(0.08, 3.4 / A4_CM[1], "\n".join(notes), fontsize=7, va="top")
        alt = (f"Personal chart, {sheet.title.lower()}, {sheet.scale_words}. Landmarks marked with crosses: "
               f"{', '.join(sheet.landmarks)}. Points, each joined to its landmark by a dashed line: "
               + "; ".join(f"{p.code} {p.words}" for p in self.placements if p.view == sheet.view) + ".")
        return AtlasFigure(figure, alt_text=alt, points_drawn=points_drawn)

    def _get_sheet(self, sheet_id):
        if sheet_id is None:
            return self.sheets[0]
        for sheet in self.sheets:
            if sheet.id == sheet_id:
                return sheet
        raise KeyError(f"no chart sheet {sheet_id!r} (sheets: {', '.join(s.id for s in self.sheets)})")

    def save(self, directory=None, *, stem: str = "personal-chart") -> list[Path]:
        """Write ``<stem>-<sheet>.png`` for every sheet and ``<stem>.pdf`` with all sheets, each an A4 page.

        ``directory`` defaults to the learner's progress directory (created if needed). Returns the paths.
        """
        from matplotlib.backends.backend_pdf import PdfPages

        from hipcourse.paths import progress_dir

        folder = Path(directory) if directory is not None else progress_dir()
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        pdf_path = folder / f"{stem}.pdf"
        # No dates or producer in the PDF: the same chart always gives the same file.
        with PdfPages(pdf_path, metadata={"CreationDate": None, "ModDate": None, "Producer": None,
                                          "Creator": None}) as pdf:
            for sheet in self.sheets:
                page = self.figure(sheet.id, page=True)
                png_path = folder / f"{stem}-{sheet.id}.png"
                page.savefig(png_path)
                pdf.savefig(page.figure)
                written.append(png_path)
        written.append(pdf_path)
        return written


def scales_table(*, body=None):
    """Return the B-cun measures of ``data/scales.yaml`` as a :class:`hipcourse.content.tables.Table`.

    Columns: the measure, from and to (landmark names), its B-cun count, and the length of one B-cun in cm on
    ``body`` (default: the reference body).
    """
    from hipcourse.content.geometry import Body
    from hipcourse.content.tables import Table

    body = body if body is not None else Body.reference()
    course = body.course
    rows = []
    for scale in course.scales.values():
        rows.append((scale.name.split(":")[0], course.landmarks[scale.start].name,
                     course.landmarks[scale.end].name, f"{scale.cun:g}", f"{body.cun(scale.id):.2f}"))
    return Table(caption="The proportional (B-cun) measures this course uses, and one B-cun on the reference body",
                 columns=("Region", "From", "To", "B-cun", "1 B-cun on the reference body (cm)"), rows=tuple(rows))


def chart_sheet_figure(*, measurements: Mapping[str, float], sheet_id: str | None = None, page: bool = False):
    """Draw one sheet of the chart of ``measurements`` (the keyword arguments of :func:`make_chart`)."""
    return PersonalChart(measurements).figure(sheet_id, page=page)


def make_chart(*, greater_trochanter_to_knee, gluteal_fold_to_knee, navel_to_pubic_bone, thumb_width,
               spine_to_shoulder_blade=None, knee_to_ankle=None, body=None) -> PersonalChart:
    """Build the learner's :class:`PersonalChart` from their measurements in cm.

    Every value may be a number or text (``"44"``, ``"44,5 cm"``). The optional ones may be ``None``.
    Raises :class:`ChartInputError` naming each bad field and its accepted range.
    """
    values = {"greater_trochanter_to_knee": greater_trochanter_to_knee, "gluteal_fold_to_knee": gluteal_fold_to_knee,
              "navel_to_pubic_bone": navel_to_pubic_bone, "thumb_width": thumb_width,
              "spine_to_shoulder_blade": spine_to_shoulder_blade, "knee_to_ankle": knee_to_ankle}
    return PersonalChart(values, body=body)


def _make_form_class():
    import ipywidgets as widgets

    class ChartForm(widgets.VBox):
        """The measurement form: one text box per measurement, a button, and the result in HTML widgets.

        Attributes: ``fields`` (``{id: Text}``), ``button``, ``message`` (HTML: errors or the written files),
        ``table`` (HTML: the placements), ``image`` (HTML: the first sheet as an image with alt text),
        ``chart`` (the last :class:`PersonalChart`, or None), ``written`` (paths of the last saved files).
        """

        def __init__(self, *, directory=None):
            self.directory = directory
            self.fields = {}
            rows = [widgets.HTML("<p>Enter your measurements in cm, then press <strong>Make my chart</strong>. "
                                 "Use <kbd>Tab</kbd> to move between boxes.</p>")]
            for m in MEASUREMENTS:
                box = widgets.Text(value="", placeholder=f"{m.low:g}-{m.high:g} cm", description=m.label,
                                   tooltip=m.how, style={"description_width": "16em"},
                                   layout=widgets.Layout(width="32em"))
                self.fields[m.id] = box
                rows += [box, widgets.HTML(f"<small>{html.escape(m.how)}</small>")]
            self.button = widgets.Button(description="Make my chart", tooltip="Make and save my chart", icon="check")
            self.message = widgets.HTML(value="")
            self.table = widgets.HTML(value="")
            self.image = widgets.HTML(value="")
            self.chart = None
            self.written: list[Path] = []
            self.button.on_click(self._make)
            super().__init__(children=[*rows, self.button, self.message, self.table, self.image])

        def _make(self, _button=None) -> None:
            values = {key: box.value for key, box in self.fields.items()}
            try:
                self.chart = PersonalChart(values)
            except ChartInputError as error:
                self.chart, self.written = None, []
                items = "".join(f"<li>{html.escape(text)}</li>" for text in error.problems.values())
                self.message.value = (f'<div role="alert"><strong>Please check these entries:</strong>'
                                      f"<ul>{items}</ul></div>")
                self.table.value = self.image.value = ""
                return
            self.written = self.chart.save(self.directory)
            names = ", ".join(html.escape(p.name) for p in self.written)
            self.message.value = (f'<div role="status"><strong>Your chart is ready.</strong> Saved with your '
                                  f"progress: {names}. Print the PDF at 100 % (actual size).</div>")
            self.table.value = self.chart._repr_html_()
            self.image.value = self.chart.figure().to_html()

        def __repr__(self) -> str:
            return "Personal chart form: run the cell to enter your measurements"

    return ChartForm


_FORM_CLASS = None


def chart_form(*, directory=None):
    """Return the measurement form widget; charts are saved to ``directory`` (default: the progress dir)."""
    global _FORM_CLASS
    if _FORM_CLASS is None:  # built on first use so importing this module does not import ipywidgets
        _FORM_CLASS = _make_form_class()
    return _FORM_CLASS(directory=directory)
