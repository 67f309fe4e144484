"""The "before you press" screen: "Which points may I press, and how hard?"

Given yes/no answers about the learner's situation (``data/contraindications.yaml``), :func:`before_you_press`
returns a :class:`Screen`: a pressure ceiling (0-10) for every point of the course with the reasons, the "not on
this spot" rules, and whether pressing must stop altogether. Any red-flag answer above "routine" (see
:mod:`hipcourse.safety.triage`) stops all pressing. Lesson 6's routine builder calls :func:`before_you_press`
first and only offers points for which :meth:`Screen.allowed` is true, capped at :meth:`Screen.ceiling`.
:func:`press_screen` is the notebook widget.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping
from dataclasses import dataclass, field

from hipcourse.safety.common import (_QUESTION_CSS, _Parts, _check_answers, _error, _read_validated, _stamp)
from hipcourse.safety.triage import TriageResult, red_flag_features, red_flags, triage

__all__ = [
    "ANY_RED_FLAG", "ADVICE_KIND", "Effect", "Contraindication", "PointLimit", "Screen", "contraindications", "pressure_levels",
    "point_codes", "check_contraindications", "before_you_press", "press_screen", "PressScreen",
]


#: Extra key accepted by :func:`before_you_press`: "the red-flag check found a warning sign". Used by the
#: screen widget when it is not linked to a :class:`RedFlagCheck`.
ANY_RED_FLAG = "any_red_flag"


_CONTRA_FILE = "contraindications.yaml"

#: ``kind`` of the entries that are advice on how to practise, not rules about where or how hard to press.
ADVICE_KIND = "advice"


_POINTS_FILE = "points.yaml"


@dataclass(frozen=True)
class Effect:
    """One pressure ceiling of a contraindication: on ``points`` (codes, regions resolved), on every
    point (``all_points``), or on the affected spot only (``local``)."""

    max_pressure: str
    points: tuple[str, ...] = ()
    all_points: bool = False
    local: bool = False


@dataclass(frozen=True)
class Contraindication:
    """An entry of ``data/contraindications.yaml`` (``question`` is ``None`` for ``applies: always``)."""

    id: str
    kind: str
    applies: str
    question: str | None
    stop: bool
    effects: tuple[Effect, ...]
    reason: str
    confidence: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PointLimit:
    """The pressure ceiling for one point after screening.

    ``ceiling`` is on the 0-10 scale of ``pressure_levels`` (0 = do not press), ``level`` its name,
    ``reasons`` the ids of the entries that set it (empty when the course default applies).
    """

    code: str
    ceiling: int
    level: str
    reasons: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """True when any pressure (or touch) is allowed on this point."""
        return self.ceiling > 0


@dataclass(frozen=True)
class Screen:
    """What :func:`before_you_press` returns.

    Attributes:
        stopped: no pressing anywhere (a red flag, or a "stop" contraindication such as a possible fracture).
        triage: the red-flag result when red-flag answers were given, else ``None``.
        limits: ``{code: PointLimit}`` for every point of the course.
        local_rules: active entries that forbid pressing on the affected spot only.
        active: every entry that applies (fixed point cautions and the "yes" answers), in file order.
        advice: active entries of kind ``advice``: how to practise safely (e.g. on a bed, not the floor);
            they set no ceiling and are shown as advice, never as a "do not press here" rule.
    """

    stopped: bool
    triage: TriageResult | None
    limits: Mapping[str, PointLimit]
    local_rules: tuple[Contraindication, ...]
    active: tuple[Contraindication, ...]
    stop_reasons: tuple[str, ...] = field(default=())
    advice: tuple[Contraindication, ...] = field(default=())

    def allowed(self, code: str) -> bool:
        """True when point ``code`` may be pressed at all (raises ``KeyError`` for an unknown code)."""
        return self._limit(code).allowed

    def ceiling(self, code: str) -> int:
        """The most pressure (0-10) allowed on point ``code``."""
        return self._limit(code).ceiling

    @property
    def allowed_points(self) -> tuple[str, ...]:
        """Codes of the points that may be pressed, in the order of ``data/points.yaml``."""
        return tuple(code for code, limit in self.limits.items() if limit.allowed)

    @property
    def off_limits(self) -> tuple[str, ...]:
        """Codes of the points that must not be pressed."""
        return tuple(code for code, limit in self.limits.items() if not limit.allowed)

    def _limit(self, code: str) -> PointLimit:
        try:
            return self.limits[code]
        except KeyError:
            raise KeyError(f"unknown point code {code!r}; known: {', '.join(self.limits)}") from None

    def to_html(self) -> str:
        """The screen as HTML: a stop message, or a table of points with their ceilings and reasons."""
        esc = html.escape
        levels = pressure_levels()
        by_id = {entry.id: entry for entry in self.active}
        if self.stopped:
            parts = ['<div role="status"><p><span aria-hidden="true">⛔</span> <strong>Stop: do not press any '
                     "points.</strong> Get checked first.</p><ul>"]
            parts += [f"<li>{esc(reason)}</li>" for reason in self.stop_reasons]
            parts.append("</ul>")
            if self.triage is not None:
                parts.append(self.triage.to_html())
            parts.append("</div>")
            return "".join(parts)
        parts = ['<div role="status"><table><caption>How hard you may press each point '
                 f"(0 = not at all, {levels['firm']} = firm but comfortable)</caption>"
                 '<tr><th scope="col">Point</th><th scope="col">Most pressure</th>'
                 '<th scope="col">Why</th></tr>']
        for code, limit in self.limits.items():
            mark = "✓" if limit.allowed else "✗"
            words = _LEVEL_WORDS[limit.level]
            why = " ".join(esc(by_id[r].reason) for r in limit.reasons) or "Course default: firm but comfortable."
            parts.append(f"<tr><td>{esc(code)}</td><td>{mark} {esc(words)} ({limit.ceiling}/10)</td>"
                         f"<td>{why}</td></tr>")
        parts.append("</table>")
        if self.local_rules:
            parts.append("<p><strong>Do not press on the affected spot; choose points away from it:</strong></p><ul>")
            parts += [f"<li>{esc(entry.question or '')} {esc(entry.reason)}</li>" for entry in self.local_rules]
            parts.append("</ul>")
        if self.advice:
            parts.append("<p><strong>Advice for how you practise:</strong></p><ul>")
            parts += [f"<li>{esc(entry.reason)}</li>" for entry in self.advice]
            parts.append("</ul>")
        parts.append("<p>Always: press gradually, never hard or jerkily, and stop if pain shoots, tingles or goes "
                     "numb down the leg.</p></div>")
        return "".join(parts)


_LEVEL_WORDS = {
    "none": "do not press",
    "gentle_touch": "gentle touch only",
    "light": "light",
    "moderate": "moderate",
    "firm": "firm but comfortable",
}


@functools.lru_cache(maxsize=4)
def _contra_data(stamp: tuple) -> tuple[dict, str, tuple[Contraindication, ...]]:
    document, shown = _read_validated(_CONTRA_FILE)
    regions = document["regions"]
    entries, seen = [], set()
    for raw in document["contraindications"]:
        if raw["id"] in seen:
            raise _error(shown, f"contraindications[{raw['id']}]", "duplicate id")
        seen.add(raw["id"])
        effects = []
        for effect in raw["effects"]:
            codes = list(effect.get("points", []))
            for region in effect.get("regions", []):
                if region not in regions:
                    raise _error(shown, f"contraindications[{raw['id']}].effects", f"unknown region '{region}'")
                codes += regions[region]["points"]
            effects.append(Effect(max_pressure=effect["max_pressure"], points=tuple(dict.fromkeys(codes)),
                                  all_points=effect.get("all_points", False), local=effect.get("local", False)))
        question = raw.get("question")
        entries.append(Contraindication(
            id=raw["id"], kind=raw["kind"], applies=raw["applies"],
            question=" ".join(question.split()) if question else None, stop=raw.get("stop", False),
            effects=tuple(effects), reason=" ".join(raw["reason"].split()), confidence=raw["confidence"],
            sources=tuple(raw["sources"])))
    clash = seen & {f.id for flag in red_flags() for f in flag.features}
    if clash:
        raise _error(shown, "contraindications", f"ids also used as red-flag features: {', '.join(sorted(clash))}")
    return dict(document["pressure_levels"]), document["default_pressure"], tuple(entries)


def _points() -> tuple[str, ...]:
    from hipcourse.content import data

    codes = tuple(data.load_course().points)
    known = set(codes)
    for entry in contraindications():
        for effect in entry.effects:
            unknown = [code for code in effect.points if code not in known]
            if unknown:
                raise _error("data/" + _CONTRA_FILE, f"contraindications[{entry.id}].effects",
                             f"point codes not in data/{_POINTS_FILE}: {', '.join(unknown)}")
    return codes


def check_contraindications(document, *, course, file: str = "data/contraindications.yaml") -> list:
    """Semantic check for ``hipcourse.content.check.EXTRA_CHECKS["contraindications"]``: every point code used in
    ``regions`` or ``effects`` must be a point of ``data/points.yaml``, and a ``basis: caution`` rule may only
    stop pressing. Returns ``DataProblem`` objects."""
    from hipcourse.content import data

    known = set(course.points)
    problems = []
    for name, region in (document.get("regions") or {}).items():
        for code in region.get("points", []):
            if code not in known:
                problems.append(data.DataProblem(file, f"regions.{name}.points", f"unknown point code '{code}'"))
    for index, entry in enumerate(document.get("contraindications") or []):
        label = f"contraindications[{entry.get('id', index)}]"
        for effect in entry.get("effects", []):
            for code in effect.get("points", []):
                if code not in known:
                    problems.append(data.DataProblem(file, f"{label}.effects", f"unknown point code '{code}'"))
        # An ask-first rule kept on the side of safety (basis: caution) may rest on practitioner texts alone,
        # so it may only stop pressing: it can never allow pressure that no primary record supports.
        if entry.get("basis") == "caution" and any(effect.get("max_pressure") != "none"
                                                     for effect in entry.get("effects", [])):
            problems.append(data.DataProblem(file, f"{label}.basis",
                                             "a caution-basis rule may only stop pressing (max_pressure: none)"))
    return problems


def contraindications() -> tuple[Contraindication, ...]:
    """Every entry of ``data/contraindications.yaml``, in file order."""
    return _contra_data(_stamp(_CONTRA_FILE))[2]


def pressure_levels() -> dict[str, int]:
    """``{level_name: 0-10 ceiling}``, e.g. ``{"none": 0, ..., "firm": 7}``."""
    return dict(_contra_data(_stamp(_CONTRA_FILE))[0])


def point_codes() -> tuple[str, ...]:
    """The point codes of ``data/points.yaml`` (the points the screen gives ceilings for)."""
    return _points()


def before_you_press(situation: Mapping[str, bool]) -> Screen:
    """Screen the learner's situation before any pressing: which points, and how hard.

    Args:
        situation: ``{id: True/False}`` where an id is a contraindication question of
            ``data/contraindications.yaml`` (e.g. ``"bleeding_risk"``, ``"pregnancy"``), a red-flag
            question of :func:`red_flag_features` (e.g. ``"saddle_numbness"``), or :data:`ANY_RED_FLAG`.
            Questions left out count as "no".

    Returns:
        A :class:`Screen`. Fixed point cautions (nerves and arteries under points) always apply. Each "yes"
        lowers ceilings; the lowest ceiling wins. A red-flag answer above "routine", :data:`ANY_RED_FLAG`,
        or a "stop" entry (possible fracture or clot) sets every point to 0 and ``stopped`` to True.

    Raises:
        ValueError: an id is unknown. TypeError: an answer is not a bool.
    """
    entries = contraindications()
    features = red_flag_features()
    questions = {entry.id for entry in entries if entry.applies == "when_yes"}
    _check_answers(situation, questions | set(features) | {ANY_RED_FLAG}, what="before_you_press")
    levels, default = pressure_levels(), _contra_data(_stamp(_CONTRA_FILE))[1]
    codes = point_codes()

    flag_answers = {key: value for key, value in situation.items() if key in features}
    result = triage(flag_answers) if flag_answers else None
    active = tuple(entry for entry in entries
                   if entry.applies == "always" or situation.get(entry.id, False))

    stop_reasons = []
    if result is not None and result.stops_pressing:
        stop_reasons.append(f"Red-flag check: {result.level.name}. {result.level.action}")
    if situation.get(ANY_RED_FLAG, False):
        stop_reasons.append("The red-flag check found a warning sign: follow its advice before any acupressure.")
    stop_reasons += [f"{entry.question} {entry.reason}" for entry in active if entry.stop]

    ceilings = {code: (levels[default], default, []) for code in codes}

    def lower(code: str, level: str, entry_id: str) -> None:
        value, name, reasons = ceilings[code]
        if levels[level] < value:
            ceilings[code] = (levels[level], level, [entry_id])
        elif levels[level] == value and entry_id not in reasons and level != default:
            reasons.append(entry_id)

    for entry in active:
        for effect in entry.effects:
            targets = codes if effect.all_points else effect.points
            for code in targets:
                lower(code, effect.max_pressure, entry.id)
    if stop_reasons:
        ceilings = {code: (0, "none", ["stop"]) for code in codes}
    limits = {code: PointLimit(code=code, ceiling=value, level=name,
                               reasons=tuple(r for r in reasons if r != "stop"))
              for code, (value, name, reasons) in ceilings.items()}
    advice = tuple(entry for entry in active if entry.kind == ADVICE_KIND)
    local_rules = tuple(entry for entry in active
                        if entry.kind != ADVICE_KIND and any(effect.local for effect in entry.effects))
    return Screen(stopped=bool(stop_reasons), triage=result, limits=limits, local_rules=local_rules,
                  active=active, stop_reasons=tuple(stop_reasons), advice=advice)


def _make_press_screen():
    import ipywidgets as widgets

    class PressScreen(widgets.VBox):
        """Situation questions as checkboxes, a "Check" button and the screen in an HTML widget."""

        # One heading per kind of data/contraindications.yaml that asks a question (nerve_vessel entries
        # always apply and ask nothing); tests check that every such kind has one.
        _HEADINGS = {"stop": "Could something be broken or clotted?",
                     "local": "Where you want to press",
                     "precaution": "Your health",
                     "pregnancy": "Pregnancy",
                     ADVICE_KIND: "Getting into position safely"}

        def __init__(self, *, red_flag_check=None) -> None:
            self.red_flag_check = red_flag_check
            parts = _Parts()
            self.checkboxes: dict[str, widgets.Checkbox] = {}
            children = [parts.html(_QUESTION_CSS + "<p>Tick every statement that is true for you, then press "
                                   "<strong>Check</strong>.</p>")]
            if red_flag_check is None:
                self.checkboxes[ANY_RED_FLAG] = parts.checkbox("Did the red-flag check find any warning sign?")
                children.append(self.checkboxes[ANY_RED_FLAG])
            for kind, heading in self._HEADINGS.items():
                entries = [e for e in contraindications() if e.applies == "when_yes" and e.kind == kind]
                if entries:
                    children.append(parts.html(f"<strong>{html.escape(heading)}</strong>"))
                for entry in entries:
                    self.checkboxes[entry.id] = parts.checkbox(entry.question or entry.id)
                    children.append(self.checkboxes[entry.id])
            self.button = widgets.Button(description="Check", tooltip="Check which points I may press",
                                         icon="check")
            self.result = widgets.HTML(value="")
            self.last_screen: Screen | None = None
            self.button.on_click(self._check)
            super().__init__(children=[*children, self.button, self.result])

        @property
        def situation(self) -> dict[str, bool]:
            """The answers passed to :func:`before_you_press` (with the linked red-flag check's, if any)."""
            answers = {key: box.value for key, box in self.checkboxes.items()}
            if self.red_flag_check is not None:
                answers.update(self.red_flag_check.answers)
            return answers

        def _check(self, _button=None) -> None:
            self.last_screen = before_you_press(self.situation)
            self.result.value = self.last_screen.to_html()

        def __repr__(self) -> str:
            return "Before-you-press screen: run the cell to answer"

    return PressScreen


@functools.cache
def _press_screen_class():
    # Built on first use so that importing this module does not import ipywidgets.
    return _make_press_screen()


def __getattr__(name: str):
    # PressScreen is created lazily (see _press_screen_class) but importable by name.
    if name == "PressScreen":
        return _press_screen_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def press_screen(*, red_flag_check=None):
    """Return the interactive "before you press" screen.

    Args:
        red_flag_check: an optional :func:`red_flag_check` widget whose answers are included, so a warning
            ticked there stops pressing here. Without it the screen asks one summary question instead.
    """
    return _press_screen_class()(red_flag_check=red_flag_check)
