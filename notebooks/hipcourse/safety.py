"""Safety first: red-flag triage and the "before you press" screen.

Two questions come before any acupressure in this course, and this module answers both from the data files
``data/red_flags.yaml`` and ``data/contraindications.yaml`` (validated against their JSON Schemas):

* :func:`triage` -- "Does my pain need a doctor, and how soon?" Given yes/no answers to the red-flag
  questions it returns a :class:`TriageResult`: the most urgent level (emergency, same day, within days,
  routine), every matched warning sign with what to do, and always the reminder that this is not a diagnosis.
* :func:`before_you_press` -- "Which points may I press, and how hard?" Given yes/no answers about the
  learner's situation it returns a :class:`Screen`: a pressure ceiling (0-10) for every point of the course
  with the reasons, the "not on this spot" rules, and whether pressing must stop altogether. Any red-flag
  answer above "routine" stops all pressing.

Both accept a mapping ``{question_id: bool}``; unknown ids raise :class:`ValueError` so that a typo cannot
silently drop a warning. Lesson 6's routine builder calls :func:`before_you_press` first and only offers
points for which :meth:`Screen.allowed` is true, capped at :meth:`Screen.ceiling`.

Widgets for the notebook: :func:`red_flag_check` and :func:`press_screen`. Their results go into
``widgets.HTML`` values, so tests drive them by ticking checkboxes and calling ``button.click()``.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hipcourse import paths

__all__ = [
    "URGENCY_ORDER", "NOT_A_DIAGNOSIS", "ANY_RED_FLAG",
    "UrgencyLevel", "Feature", "RedFlag", "MatchedFlag", "TriageResult",
    "Effect", "Contraindication", "PointLimit", "Screen",
    "urgency_levels", "red_flags", "red_flag_features", "contraindications", "pressure_levels",
    "point_codes", "check_contraindications", "triage", "before_you_press", "red_flag_check", "press_screen",
    "RedFlagCheck", "PressScreen", "UrgencyTable", "urgency_table",
]

#: Urgency levels, most urgent first. ``data/red_flags.yaml`` must list its levels in this order.
URGENCY_ORDER: tuple[str, ...] = ("emergency", "same_day", "soon", "routine")

#: Shown with every triage result, whatever the answers.
NOT_A_DIAGNOSIS = (
    "This check is not a diagnosis: it only tells you how quickly to get advice. If you are worried, or "
    "something is not on the list, contact a doctor, NHS 111 or your local health service anyway."
)

#: Extra key accepted by :func:`before_you_press`: "the red-flag check found a warning sign". Used by the
#: screen widget when it is not linked to a :class:`RedFlagCheck`.
ANY_RED_FLAG = "any_red_flag"

_RED_FLAGS_FILE = "red_flags.yaml"
_CONTRA_FILE = "contraindications.yaml"
_POINTS_FILE = "points.yaml"


# --------------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UrgencyLevel:
    """One level of urgency: ``id`` (see :data:`URGENCY_ORDER`), words, an icon and what to do."""

    id: str
    name: str
    icon: str
    action: str

    @property
    def rank(self) -> int:
        """0 for ``routine`` up to 3 for ``emergency`` (bigger is more urgent)."""
        return len(URGENCY_ORDER) - 1 - URGENCY_ORDER.index(self.id)


@dataclass(frozen=True)
class Feature:
    """A yes/no red-flag question. ``urgency`` is already resolved (feature override or its flag's)."""

    id: str
    question: str
    urgency: str
    flag_id: str


@dataclass(frozen=True)
class RedFlag:
    """A red-flag scenario of ``data/red_flags.yaml``."""

    id: str
    name: str
    urgency: str
    features: tuple[Feature, ...]
    what_to_do: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class MatchedFlag:
    """A red flag with the features the learner answered "yes"; ``urgency`` is the highest of those."""

    flag: RedFlag
    urgency: str
    features: tuple[Feature, ...]


@dataclass(frozen=True)
class TriageResult:
    """What :func:`triage` returns.

    Attributes:
        level: the most urgent level among the matched features (``routine`` if none matched).
        matched: every red flag with at least one "yes", most urgent first (file order within a level).
        advice: what to do, in plain words: the level's action, or the routine advice for persistent
            pain when nothing matched.
        not_a_diagnosis: always :data:`NOT_A_DIAGNOSIS`.
    """

    level: UrgencyLevel
    matched: tuple[MatchedFlag, ...]
    advice: str
    not_a_diagnosis: str = NOT_A_DIAGNOSIS

    @property
    def is_emergency(self) -> bool:
        """True when the advice is to call 999 / the local emergency number or go to A&E."""
        return self.level.id == "emergency"

    @property
    def stops_pressing(self) -> bool:
        """True when the answers mean: no acupressure until checked (anything above routine)."""
        return self.level.id != "routine"

    @property
    def text(self) -> str:
        """The result as plain text (level in words, advice, each matched flag, not-a-diagnosis)."""
        lines = [f"{self.level.icon} {self.level.name}: {self.advice}"]
        for match in self.matched:
            level = _level(match.urgency)
            lines.append(f"- {match.flag.name} ({level.name}): {match.flag.what_to_do}")
        lines.append(self.not_a_diagnosis)
        return "\n".join(lines)

    def to_html(self) -> str:
        """The result as HTML: urgency in words with an icon (never colour alone), then the details."""
        esc = html.escape
        parts = [
            f'<div role="status"><p><span aria-hidden="true">{esc(self.level.icon)}</span> '
            f"<strong>{esc(self.level.name)}</strong>: {esc(self.advice)}</p>"
        ]
        if self.matched:
            parts.append("<ul>")
            for match in self.matched:
                level = _level(match.urgency)
                ticked = "; ".join(esc(f.question) for f in match.features)
                parts.append(
                    f'<li><span aria-hidden="true">{esc(level.icon)}</span> <strong>{esc(match.flag.name)}'
                    f"</strong> ({esc(level.name)}). {esc(match.flag.what_to_do)}"
                    f"<br><small>You answered yes to: {ticked}</small></li>"
                )
            parts.append("</ul>")
        parts.append(f"<p><em>{esc(self.not_a_diagnosis)}</em></p></div>")
        return "".join(parts)

    def __str__(self) -> str:
        return self.text


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
    """

    stopped: bool
    triage: TriageResult | None
    limits: Mapping[str, PointLimit]
    local_rules: tuple[Contraindication, ...]
    active: tuple[Contraindication, ...]
    stop_reasons: tuple[str, ...] = field(default=())

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


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------

def _stamp(name: str) -> tuple[str, int | None]:
    """Cache key for ``data/<name>``: the data folder and the file's mtime (edits are picked up)."""
    path = paths.data_dir() / name
    try:
        return str(paths.data_dir()), path.stat().st_mtime_ns
    except FileNotFoundError:
        return str(paths.data_dir()), None


def _read_validated(name: str) -> tuple[dict, str]:
    """Read ``data/<name>`` with the shared loader and check it against its schema.

    Uses :mod:`hipcourse.data` (safe YAML loader refusing duplicate keys, the fast built-in subset of JSON
    Schema); full :mod:`jsonschema` validation runs in ``python -m hipcourse check`` and the tests, because
    importing jsonschema costs seconds in a notebook. Returns ``(document, "data/<name>")``.
    """
    from hipcourse import data

    path = paths.data_dir() / name
    label = "data/" + name
    document, problems = data.read_yaml(path, label=label)
    if document is not None:
        schema = data._schema(paths.data_dir() / "schemas" / name.replace(".yaml", ".schema.json"))
        if schema is None:
            problems.append(data.DataProblem(label, "", "its schema in data/schemas/ is missing"))
        else:
            problems += data._structural_problems(document, schema, label, full=False)
    if problems:
        raise data.DataError(problems)
    return document, label


def _error(label: str, entry: str, message: str) -> Exception:
    from hipcourse import data

    return data.DataError([data.DataProblem(label, entry, message)])


@functools.lru_cache(maxsize=4)
def _red_flag_data(stamp: tuple) -> tuple[tuple[UrgencyLevel, ...], tuple[RedFlag, ...]]:
    document, shown = _read_validated(_RED_FLAGS_FILE)
    levels = tuple(UrgencyLevel(**entry) for entry in document["urgency_levels"])
    if tuple(level.id for level in levels) != URGENCY_ORDER:
        raise _error(shown, "urgency_levels", f"levels must be listed in the order {', '.join(URGENCY_ORDER)}")
    flags, seen = [], set()
    for raw in document["red_flags"]:
        features = []
        for item in raw["features"]:
            if item["id"] in seen:
                raise _error(shown, f"red_flags[{raw['id']}].features[{item['id']}]", "duplicate feature id")
            seen.add(item["id"])
            features.append(Feature(id=item["id"], question=" ".join(item["question"].split()),
                                    urgency=item.get("urgency", raw["urgency"]), flag_id=raw["id"]))
        if raw["id"] in {flag.id for flag in flags}:
            raise _error(shown, f"red_flags[{raw['id']}]", "duplicate red flag id")
        flags.append(RedFlag(id=raw["id"], name=raw["name"], urgency=raw["urgency"], features=tuple(features),
                             what_to_do=" ".join(raw["what_to_do"].split()), sources=tuple(raw["sources"])))
    return levels, tuple(flags)


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
    from hipcourse import data

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
    """Semantic check for ``hipcourse.data.EXTRA_CHECKS["contraindications"]``: every point code used in
    ``regions`` or ``effects`` must be a point of ``data/points.yaml``. Returns ``DataProblem`` objects."""
    from hipcourse import data

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
    return problems


def urgency_levels() -> tuple[UrgencyLevel, ...]:
    """The four urgency levels of ``data/red_flags.yaml``, most urgent first."""
    return _red_flag_data(_stamp(_RED_FLAGS_FILE))[0]


def red_flags() -> tuple[RedFlag, ...]:
    """Every red-flag scenario of ``data/red_flags.yaml``, in file order."""
    return _red_flag_data(_stamp(_RED_FLAGS_FILE))[1]


def red_flag_features() -> dict[str, Feature]:
    """``{feature_id: Feature}`` for every red-flag question, in file order."""
    return {feature.id: feature for flag in red_flags() for feature in flag.features}


def contraindications() -> tuple[Contraindication, ...]:
    """Every entry of ``data/contraindications.yaml``, in file order."""
    return _contra_data(_stamp(_CONTRA_FILE))[2]


def pressure_levels() -> dict[str, int]:
    """``{level_name: 0-10 ceiling}``, e.g. ``{"none": 0, ..., "firm": 7}``."""
    return dict(_contra_data(_stamp(_CONTRA_FILE))[0])


def point_codes() -> tuple[str, ...]:
    """The point codes of ``data/points.yaml`` (the points the screen gives ceilings for)."""
    return _points()


def _level(level_id: str) -> UrgencyLevel:
    return urgency_levels()[URGENCY_ORDER.index(level_id)]


def _check_answers(answers: Mapping[str, bool], known: Iterable[str], *, what: str) -> None:
    if not isinstance(answers, Mapping):
        raise TypeError(f"{what}: expected a mapping of question id to True/False, got {type(answers).__name__}")
    known = set(known)
    unknown = sorted(key for key in answers if key not in known)
    if unknown:
        raise ValueError(f"{what}: unknown question id(s): {', '.join(map(str, unknown))}")
    not_bool = sorted(key for key, value in answers.items() if not isinstance(value, bool))
    if not_bool:
        raise TypeError(f"{what}: answers must be True or False: {', '.join(not_bool)}")


# --------------------------------------------------------------------------------------------------
# Triage and screen
# --------------------------------------------------------------------------------------------------

def triage(answers: Mapping[str, bool]) -> TriageResult:
    """Turn yes/no answers to the red-flag questions into advice on how soon to get help.

    Args:
        answers: ``{feature_id: True/False}``; ids are those of :func:`red_flag_features`. Questions left
            out count as "no".

    Returns:
        A :class:`TriageResult` whose ``level`` is the most urgent of the "yes" answers, with every matched
        red flag (most urgent first) and its advice. With no "yes" it gives the routine advice for pain
        that is not settling. It always carries :data:`NOT_A_DIAGNOSIS`.

    Raises:
        ValueError: an id is not a red-flag question. TypeError: an answer is not a bool.
    """
    features = red_flag_features()
    _check_answers(answers, features, what="triage")
    matched = []
    for flag in red_flags():
        yes = tuple(f for f in flag.features if answers.get(f.id, False))
        if yes:
            most = min((f.urgency for f in yes), key=URGENCY_ORDER.index)
            matched.append(MatchedFlag(flag=flag, urgency=most, features=yes))
    # sorted() is stable, so flags of the same level keep the file's order.
    matched.sort(key=lambda m: URGENCY_ORDER.index(m.urgency))
    if not matched:
        routine = next(flag for flag in red_flags() if flag.urgency == "routine")
        advice = "None of the warning signs apply. " + routine.what_to_do
        return TriageResult(level=_level("routine"), matched=(), advice=advice)
    level = _level(matched[0].urgency)
    return TriageResult(level=level, matched=tuple(matched), advice=level.action)


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
    local_rules = tuple(entry for entry in active if any(effect.local for effect in entry.effects))
    return Screen(stopped=bool(stop_reasons), triage=result, limits=limits, local_rules=local_rules,
                  active=active, stop_reasons=tuple(stop_reasons))


class UrgencyTable:
    """The four urgency levels with what to do and the warning signs at each level (for lesson 3).

    Displays as an HTML table in a notebook; ``repr()`` gives the same content as plain text (it is also
    what strict nbval compares and what untrusted notebooks show).
    """

    def __init__(self) -> None:
        self.rows = []
        for level in urgency_levels():
            names = [flag.name for flag in red_flags()
                     if any(f.urgency == level.id for f in flag.features)]
            self.rows.append((level, tuple(names)))

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = ["<table><caption>How quickly to get help</caption><tr><th scope=\"col\">Level</th>"
                 "<th scope=\"col\">What to do</th><th scope=\"col\">Situations at this level</th></tr>"]
        for level, names in self.rows:
            signs = "<br>".join(esc(name) for name in names)
            parts.append(f"<tr><td><span aria-hidden=\"true\">{esc(level.icon)}</span> "
                         f"<strong>{esc(level.name)}</strong></td><td>{esc(level.action)}</td><td>{signs}</td></tr>")
        parts.append("</table>")
        return "".join(parts)

    def __repr__(self) -> str:
        lines = ["How quickly to get help:"]
        for level, names in self.rows:
            lines.append(f"{level.icon} {level.name}: {level.action} Situations: {'; '.join(names)}.")
        return "\n".join(lines)


def urgency_table() -> UrgencyTable:
    """Return the table of urgency levels, what to do at each, and which warning signs belong to it."""
    return UrgencyTable()


# --------------------------------------------------------------------------------------------------
# Widgets
# --------------------------------------------------------------------------------------------------

_QUESTION_CLASS = "hipcourse-question"

# ipywidgets draws a checkbox label on one line cut off with "..." at a fixed height; questions are whole
# sentences, so let them wrap (the label element wraps the box, so clicking the text still ticks it).
_QUESTION_CSS = (
    f"<style>.{_QUESTION_CLASS} {{height: auto !important; margin-bottom: 0.3em;}} "
    f".{_QUESTION_CLASS} label {{white-space: normal !important; overflow: visible !important; "
    "line-height: 1.4 !important; align-items: flex-start !important;}</style>"
)


class _Parts:
    """Builds the checkboxes and headings of one widget, sharing one layout and one style object.

    Sharing matters: every ipywidgets Layout/Style is a model saved in the notebook's widget state, and the
    red-flag check has over 40 questions; one model each instead of one per box keeps the file small.
    """

    def __init__(self) -> None:
        import ipywidgets as widgets
        # The style classes are not re-exported at the top level of ipywidgets 8.
        from ipywidgets.widgets.widget_bool import CheckboxStyle
        from ipywidgets.widgets.widget_string import HTMLStyle

        self._widgets = widgets
        # indent=False and a full-width layout keep long questions readable; the description is the label
        # screen readers announce, and Tab/Space operate the box from the keyboard.
        self.box_layout = widgets.Layout(width="100%")
        self.box_style = CheckboxStyle(description_width="initial")
        self.text_layout = widgets.Layout()
        self.text_style = HTMLStyle()

    def checkbox(self, question: str):
        box = self._widgets.Checkbox(value=False, description=question, indent=False, tooltip=question,
                                     layout=self.box_layout, style=self.box_style)
        box.add_class(_QUESTION_CLASS)
        return box

    def html(self, value: str):
        return self._widgets.HTML(value=value, layout=self.text_layout, style=self.text_style)


def _make_red_flag_check():
    import ipywidgets as widgets

    class RedFlagCheck(widgets.VBox):
        """Red-flag questions as checkboxes, a "Check" button and the advice in an HTML widget."""

        def __init__(self) -> None:
            parts = _Parts()
            self.checkboxes: dict[str, widgets.Checkbox] = {}
            children = [parts.html(_QUESTION_CSS + "<p>Tick every statement that is true for you now, then press "
                                   "<strong>Check</strong>.</p>")]
            for flag in red_flags():
                children.append(parts.html(f"<strong>{html.escape(flag.name)}</strong>"))
                for feature in flag.features:
                    box = parts.checkbox(feature.question)
                    self.checkboxes[feature.id] = box
                    children.append(box)
            self.button = widgets.Button(description="Check", tooltip="Check my answers",
                                         icon="check", button_style="")
            self.result = widgets.HTML(value="")
            self.last_result: TriageResult | None = None
            self.button.on_click(self._check)
            super().__init__(children=[*children, self.button, self.result])

        @property
        def answers(self) -> dict[str, bool]:
            """``{feature_id: ticked}`` for every question."""
            return {key: box.value for key, box in self.checkboxes.items()}

        def _check(self, _button=None) -> None:
            self.last_result = triage(self.answers)
            self.result.value = self.last_result.to_html()

        def __repr__(self) -> str:
            return "Red-flag check: run the cell to answer"

    return RedFlagCheck


def _make_press_screen():
    import ipywidgets as widgets

    class PressScreen(widgets.VBox):
        """Situation questions as checkboxes, a "Check" button and the screen in an HTML widget."""

        _HEADINGS = {"stop": "Could something be broken or clotted?",
                     "local": "Where you want to press",
                     "precaution": "Your health",
                     "pregnancy": "Pregnancy"}

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
def _widget_classes():
    # Built on first use so that importing hipcourse.safety does not import ipywidgets.
    return _make_red_flag_check(), _make_press_screen()


def __getattr__(name: str):
    # RedFlagCheck / PressScreen are created lazily (see _widget_classes) but importable by name.
    if name == "RedFlagCheck":
        return _widget_classes()[0]
    if name == "PressScreen":
        return _widget_classes()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def red_flag_check():
    """Return the interactive red-flag check: tick the questions, press "Check", read the advice.

    The widget has ``checkboxes`` (``{feature_id: Checkbox}``), ``button`` and ``result`` (an HTML widget);
    ``last_result`` holds the latest :class:`TriageResult`.
    """
    return _widget_classes()[0]()


def press_screen(*, red_flag_check=None):
    """Return the interactive "before you press" screen.

    Args:
        red_flag_check: an optional :func:`red_flag_check` widget whose answers are included, so a warning
            ticked there stops pressing here. Without it the screen asks one summary question instead.
    """
    return _widget_classes()[1](red_flag_check=red_flag_check)
