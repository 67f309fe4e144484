"""The routine builder and the guided-session timer of lesson 6.

:func:`build_routine` answers "I hurt *here*: which points, in which order, how long and how hard?" from
``data/routine.yaml``. Safety comes first, always: it calls :func:`hipcourse.safety.screen.before_you_press` with the
learner's answers *before* choosing anything.

* If the screen stops pressing (any red flag, a possible fracture or clot), the routine is empty, says why,
  and sends the learner to lesson 3.
* Otherwise each candidate point the screen forbids is removed and listed with the screen's reason, and every
  remaining point's pressure is capped at the screen's ceiling.
* Position notes (``position_notes`` in the data) follow the learner's answers to *every* step in that position:
  with a hip replacement, each side-lying step carries the surgical-precautions note, not only the points over
  the joint that the screen leaves out.

Widgets: :func:`routine_builder` (pain-area checkboxes plus the "before you press" questions, a button, the
routine in an HTML widget) and :func:`guided_session` (a timer with Start / Pause / Skip that never blocks the
kernel: it ticks with :class:`threading.Timer`, and only once the learner presses Start, so it never runs
under tests or notebook execution).
"""

from __future__ import annotations

from hipcourse.content.data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file

import functools
import html
import threading
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from hipcourse import paths

__all__ = [
    "RoutineDataError",
    "Area",
    "RoutineStep",
    "RemovedPoint",
    "Routine",
    "areas",
    "build_routine",
    "routine_builder",
    "guided_session",
    "SAFETY_LESSON",
]

#: Where a stopped routine sends the learner.
SAFETY_LESSON = "03_safety_first.ipynb"
_FILE = "routine.yaml"


class RoutineDataError(ValueError):
    """``data/routine.yaml`` is unreadable or inconsistent; the message names the file and the entry."""


@dataclass(frozen=True)
class Area:
    """A painful area the learner can choose: ``id``, ``name``, ``description`` and its candidate points."""

    id: str
    name: str
    description: str
    points: tuple[str, ...]


@dataclass(frozen=True)
class RoutineStep:
    """One point of a routine: where, how, how long (``minutes`` per side) and how hard (0-10)."""

    code: str
    name: str
    position: str
    how: str
    minutes: float
    pressure: int
    pressure_words: str
    both_sides: bool
    areas: tuple[str, ...]
    capped_by: tuple[str, ...] = ()
    #: The position id of ``data/routine.yaml`` (``side_lying``); ``position`` is its text.
    position_id: str = ""
    #: Notes that the learner's answers attach to this step's position (e.g. hip-replacement precautions).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemovedPoint:
    """A point left out by the safety screen, with the screen's reasons in words."""

    code: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Routine:
    """What :func:`build_routine` returns.

    ``stopped`` is True when the safety screen stops all pressing; then ``steps`` is empty and
    ``stop_reasons`` says why. ``removed`` lists points the screen took out; ``local_rules`` are "not on the
    affected spot" reminders the learner must apply themselves.
    """

    areas: tuple[str, ...]
    steps: tuple[RoutineStep, ...]
    removed: tuple[RemovedPoint, ...]
    stopped: bool
    stop_reasons: tuple[str, ...] = ()
    local_rules: tuple[str, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        """Point codes in routine order."""
        return tuple(step.code for step in self.steps)

    @property
    def total_minutes(self) -> float:
        """Pressing time, counting both sides of bilateral points."""
        return sum(step.minutes * (2 if step.both_sides else 1) for step in self.steps)

    def removed_groups(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """Removed points grouped by identical reasons: ``[(reasons, codes), ...]`` in first-seen order."""
        groups: dict[tuple[str, ...], list[str]] = {}
        for removed in self.removed:
            groups.setdefault(removed.reasons, []).append(removed.code)
        return [(reasons, tuple(codes)) for reasons, codes in groups.items()]

    def text(self) -> str:
        """The routine in plain text (also its ``repr``, compared by nbval)."""
        if self.stopped:
            lines = ["STOP: do not press any points. Get checked first."]
            lines += [f"- {reason}" for reason in self.stop_reasons]
            lines.append(f"Go back to lesson 3 ({SAFETY_LESSON}) for what to do and how quickly.")
            return "\n".join(lines)
        if not self.steps:
            lines = ["No points are suitable for you with these answers."]
        else:
            lines = [f"Your routine: {len(self.steps)} points, about {self.total_minutes:g} minutes of pressing."]
            for n, step in enumerate(self.steps, 1):
                sides = " on each side" if step.both_sides else ""
                notes = "".join(f" Note: {note}" for note in step.notes)
                lines.append(f"{n}. {step.code} ({step.name}): {step.minutes:g} min{sides}, pressure up to "
                             f"{step.pressure}/10 ({step.pressure_words}). {step.how}{notes}")
        lines += [f"Left out: {', '.join(codes)}. {' '.join(reasons)}" for reasons, codes in self.removed_groups()]
        lines += [f"Remember: {rule}" for rule in self.local_rules]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_html(self) -> str:
        """The routine as HTML: a stop message, or an ordered list plus what was left out and why."""
        esc = html.escape
        if self.stopped:
            items = "".join(f"<li>{esc(reason)}</li>" for reason in self.stop_reasons)
            return ('<div role="alert"><p><span aria-hidden="true">⛔</span> <strong>Stop: do not press any '
                    f"points.</strong> Get checked first.</p><ul>{items}</ul><p>Go back to "
                    f'<a href="{SAFETY_LESSON}">lesson 3: Safety first</a> for what to do and how quickly.</p></div>')
        parts = ['<div role="status">']
        if self.steps:
            parts.append(f"<p><strong>Your routine:</strong> {len(self.steps)} points, about "
                         f"{self.total_minutes:g} minutes of pressing.</p><ol>")
            for step in self.steps:
                sides = " on each side" if step.both_sides else ""
                notes = "".join(f' <strong class="routine-note">Note:</strong> {esc(note)}' for note in step.notes)
                parts.append(f"<li><strong>{esc(step.code)}</strong> ({esc(step.name)}): {step.minutes:g} min"
                             f"{sides}, pressure up to <strong>{step.pressure}/10</strong> "
                             f"({esc(step.pressure_words)}). <em>{esc(step.position)}</em> {esc(step.how)}{notes}</li>")
            parts.append("</ol>")
        else:
            parts.append("<p>No points are suitable for you with these answers.</p>")
        if self.removed:
            parts.append("<p><strong>Left out by the safety screen:</strong></p><ul>")
            parts += [f"<li><strong>{esc(', '.join(codes))}</strong>: {esc(' '.join(reasons))}</li>"
                      for reasons, codes in self.removed_groups()]
            parts.append("</ul>")
        if self.local_rules:
            parts.append("<p><strong>Remember:</strong></p><ul>")
            parts += [f"<li>{esc(rule)}</li>" for rule in self.local_rules]
            parts.append("</ul>")
        parts.append("<p>Stop at once if pain shoots, tingles or goes numb down the leg, or if you feel dizzy.</p>"
                     "</div>")
        return "".join(parts)


# -------------------------------------------------------------------------------------------------- data
def _stamp() -> tuple[str, int]:
    path = paths.data_dir() / _FILE
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError as error:
        raise RoutineDataError(f"{paths.display_path(path)}: cannot read ({error.strerror})") from None


def _meaning_problems(document: dict):
    """Yield ``(entry, message)`` for what the schema cannot say: unknown points, positions and questions."""
    points = {entry["code"]: entry for entry in document["points"]}
    for area in document["areas"]:
        for code in area["points"]:
            if code not in points:
                yield f"areas[{area['id']}]", f"point {code} has no entry under 'points'"
    for code, entry in points.items():
        if entry["position"] not in document["positions"]:
            yield f"points[{code}]", (f"unknown position '{entry['position']}' "
                                      f"(known: {', '.join(document['positions'])})")
    notes = tuple(document.get("position_notes", ()))
    if notes:
        from hipcourse.safety import screen as safety_screen

        questions = [entry.id for entry in safety_screen.contraindications() if entry.applies == "when_yes"]
        for index, note in enumerate(notes):
            if note["position"] not in document["positions"]:
                yield f"position_notes[{index}]", (f"unknown position '{note['position']}' "
                                                   f"(known: {', '.join(document['positions'])})")
            if note["when"] not in questions:
                yield f"position_notes[{index}]", (f"'when' is '{note['when']}', not a yes/no question of "
                                                   f"data/contraindications.yaml (known: {', '.join(questions)})")


def check_routine_data(document, *, course, file: str = "data/routine.yaml") -> list:
    """Semantic check for ``hipcourse.content.check.EXTRA_CHECKS["routine"]`` (``python -m hipcourse check``):
    every problem the routine loader would raise (it raises the first), as ``DataProblem`` objects."""
    from hipcourse.content.problems import DataProblem

    return [DataProblem(file, entry, message) for entry, message in _meaning_problems(document)]


@functools.lru_cache(maxsize=4)
def _load(stamp: tuple[str, int]) -> dict:
    import json

    import yaml

    from hipcourse.content.schemas import schema_errors

    path = paths.data_dir() / _FILE
    label = paths.display_path(path)
    try:
        document = _load_yaml_file(path)
    except yaml.YAMLError as error:
        raise RoutineDataError(f"{label}: not valid YAML ({error})") from None
    schema = json.loads((paths.data_dir() / "schemas" / "routine.schema.json").read_text(encoding="utf-8"))
    error = next(iter(sorted(schema_errors(document, schema), key=str)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise RoutineDataError(f"{label}: {where}: {error.message}")
    problem = next(iter(_meaning_problems(document)), None)
    if problem is not None:
        raise RoutineDataError(f"{label}: {problem[0]}: {problem[1]}")
    points = {entry["code"]: entry for entry in document["points"]}
    notes = tuple(document.get("position_notes", ()))
    return {"positions": document["positions"], "points": points, "position_notes": notes,
            "areas": {a["id"]: Area(a["id"], a["name"], a["description"], tuple(a["points"]))
                      for a in document["areas"]}}


def _data() -> dict:
    return _load(_stamp())


def areas() -> tuple[Area, ...]:
    """The painful areas the learner can choose, in file order."""
    return tuple(_data()["areas"].values())


# ------------------------------------------------------------------------------------------------ builder
def _point_name(code: str) -> str:
    from hipcourse.content.data import load_course

    point = load_course().points.get(code)
    return f"{point.pinyin}, {point.english}" if point is not None else code


def build_routine(*, pain_areas: Iterable[str], situation: Mapping[str, bool], max_points: int = 6) -> Routine:
    """Build a safe routine for the chosen painful areas.

    Args:
        pain_areas: area ids of :func:`areas` (e.g. ``["buttock", "side_of_hip"]``).
        situation: the learner's answers for :func:`hipcourse.safety.screen.before_you_press` (red-flag and
            contraindication question ids mapped to True/False). The screen runs first.
        max_points: at most this many points (a short routine is easier to keep up); the first in each area
            come first.

    Returns:
        A :class:`Routine`. When the screen stops pressing, ``stopped`` is True and there are no steps.

    Raises:
        ValueError: no area chosen, an unknown area id, ``max_points`` below 1, or an unknown situation id
            (from the safety screen).
    """
    from hipcourse.safety import screen as safety_screen

    screen = safety_screen.before_you_press(situation)  # first, before anything is chosen
    chosen = list(dict.fromkeys(pain_areas))
    data = _data()
    unknown = [a for a in chosen if a not in data["areas"]]
    if unknown:
        raise ValueError(f"build_routine: unknown pain area(s) {', '.join(map(repr, unknown))} "
                         f"(known: {', '.join(data['areas'])})")
    if not chosen:
        raise ValueError("build_routine: choose at least one pain area")
    if not (isinstance(max_points, int) and max_points >= 1):
        raise ValueError(f"build_routine: max_points must be a whole number of at least 1, not {max_points!r}")
    if screen.stopped:
        return Routine(areas=tuple(chosen), steps=(), removed=(), stopped=True,
                       stop_reasons=tuple(screen.stop_reasons))

    reasons_by_id = {entry.id: entry.reason for entry in screen.active}
    levels = safety_screen.pressure_levels()
    words = {value: name for name, value in levels.items()}
    # Round-robin over the areas so that every chosen area gets its best points before any gets a third.
    candidates: dict[str, list[str]] = {}
    queues = [list(data["areas"][a].points) for a in chosen]
    while any(queues):
        for area_id, queue in zip(chosen, queues):
            if queue:
                candidates.setdefault(queue.pop(0), []).append(area_id)
    kept, removed = [], []
    for code, from_areas in candidates.items():
        if not screen.allowed(code):
            limit = screen.limits[code]
            removed.append(RemovedPoint(code, tuple(reasons_by_id.get(r, r) for r in limit.reasons)
                                        or ("The safety screen does not allow this point.",)))
        elif len(kept) < max_points:
            kept.append((code, from_areas))
    steps = []
    answered = {entry.id for entry in screen.active}
    for code, from_areas in sorted(kept, key=lambda item: data["points"][item[0]]["order"]):
        entry = data["points"][code]
        target = levels[entry["pressure"]]
        ceiling = screen.ceiling(code)
        pressure = min(target, ceiling)
        capped = tuple(screen.limits[code].reasons) if ceiling < target else ()
        both_sides = not entry.get("midline", False)
        # Every step in the position gets the note, whichever point it is (issue 13: not only GB29/GB30).
        notes = tuple(" ".join(note["note"].split()) for note in data["position_notes"]
                      if note["position"] == entry["position"] and note["when"] in answered)
        steps.append(RoutineStep(code=code, name=_point_name(code), position=data["positions"][entry["position"]],
                                 how=entry["how"], minutes=float(entry["minutes"]), pressure=pressure,
                                 pressure_words=_PRESSURE_WORDS.get(words.get(pressure, ""), f"{pressure}/10"),
                                 both_sides=both_sides, areas=tuple(from_areas), capped_by=capped,
                                 position_id=entry["position"], notes=notes))
    local = tuple(f"{entry.question} {entry.reason}" for entry in screen.local_rules)
    return Routine(areas=tuple(chosen), steps=tuple(steps), removed=tuple(removed), stopped=False,
                   local_rules=local)


_PRESSURE_WORDS = {
    "gentle_touch": "gentle touch only: rest the fingertips on the skin",
    "light": "light: well short of any discomfort",
    "moderate": "moderate: a medium press",
    "firm": "firm but comfortable",
}


# ------------------------------------------------------------------------------------------------ widgets
@functools.cache
def _widget_classes():
    # Built on first use so that importing this module does not import ipywidgets.
    import ipywidgets as widgets

    from hipcourse.safety import screen as safety_screen

    class RoutineBuilder(widgets.VBox):
        """Choose painful areas, answer the safety questions, press "Build my routine".

        Attributes: ``area_boxes`` (``{area id: Checkbox}``), ``screen`` (the
        :func:`hipcourse.safety.screen.press_screen` widget whose answers are used), ``button``, ``result`` (HTML),
        ``routine`` (the last :class:`Routine`, or None).
        """

        def __init__(self, *, red_flag_check=None):
            self.area_boxes = {}
            children = [widgets.HTML("<p><strong>1. Where does it hurt?</strong> Tick every area that applies.</p>")]
            for area in areas():
                label = f"{area.name}: {area.description}"
                box = widgets.Checkbox(value=False, description=label, indent=False, tooltip=label,
                                       layout=widgets.Layout(width="100%"), style={"description_width": "initial"})
                self.area_boxes[area.id] = box
                children.append(box)
            self.screen = safety_screen.press_screen(red_flag_check=red_flag_check)
            # The screen's own Check button is not needed here: "Build my routine" runs the screen first.
            self.screen.button.layout.display = "none"
            self.button = widgets.Button(description="Build my routine", icon="check",
                                         tooltip="Run the safety screen, then build my routine")
            self.result = widgets.HTML(value="")
            self.routine: Routine | None = None
            self.button.on_click(self._build)
            super().__init__(children=[*children,
                                       widgets.HTML("<p><strong>2. Before you press:</strong> tick every "
                                                    "statement that is true for you.</p>"),
                                       self.screen, self.button, self.result])

        @property
        def pain_areas(self) -> list[str]:
            """Ids of the ticked areas."""
            return [key for key, box in self.area_boxes.items() if box.value]

        def _build(self, _button=None) -> None:
            if not self.pain_areas:
                self.routine = None
                self.result.value = '<div role="alert">Please tick at least one area where it hurts.</div>'
                return
            self.routine = build_routine(pain_areas=self.pain_areas, situation=self.screen.situation)
            self.result.value = self.routine.to_html()

        def __repr__(self) -> str:
            return "Routine builder: run the cell to choose where it hurts"

    class GuidedSession(widgets.VBox):
        """A guided session for a :class:`Routine`: one segment per point and side, with a countdown.

        Nothing runs until the learner presses Start. Each second a :class:`threading.Timer` (or the
        ``scheduler`` given) calls :meth:`tick`, which only updates widget values, so the kernel stays free.
        Pause cancels the pending tick; Skip moves to the next segment.

        Args:
            routine: the routine to guide.
            seconds_per_minute: 60 in real use; tests use small values.
            scheduler: ``(delay_seconds, callback) -> handle with .cancel()``; default starts a daemon
                :class:`threading.Timer`.
        """

        def __init__(self, routine: Routine, *, seconds_per_minute: int = 60,
                     scheduler: Callable | None = None):
            self.routine = routine
            self.segments = []
            for step in routine.steps:
                sides = ("right side", "left side") if step.both_sides else ("midline",)
                for side in sides:
                    self.segments.append((step, side, int(round(step.minutes * seconds_per_minute))))
            self.index = 0
            self.remaining = self.segments[0][2] if self.segments else 0
            self.running = False
            self.finished = not self.segments
            self._scheduler = scheduler or _thread_scheduler
            self._handle = None
            self._lock = threading.Lock()
            self.start_button = widgets.Button(description="Start", icon="play", tooltip="Start or resume")
            self.pause_button = widgets.Button(description="Pause", icon="pause", tooltip="Pause", disabled=True)
            self.skip_button = widgets.Button(description="Skip", icon="forward", tooltip="Skip to the next point")
            self.display = widgets.HTML(value="")
            self.display.add_class("guided-session")
            self.start_button.on_click(self.start)
            self.pause_button.on_click(self.pause)
            self.skip_button.on_click(self.skip)
            self._render()
            super().__init__(children=[self.display,
                                       widgets.HBox([self.start_button, self.pause_button, self.skip_button])])

        def __repr__(self) -> str:
            return f"Guided session: {len(self.segments)} steps; run the cell and press Start"

        # -- state ------------------------------------------------------------------------------------
        def start(self, _button=None) -> None:
            """Start or resume the countdown."""
            with self._lock:
                if self.finished or self.running:
                    return
                self.running = True
                self._schedule()
            self._render()

        def pause(self, _button=None) -> None:
            """Stop the countdown where it is."""
            with self._lock:
                self.running = False
                self._cancel()
            self._render()

        def skip(self, _button=None) -> None:
            """Go to the next segment (keeps running if it was running)."""
            with self._lock:
                self._advance()
            self._render()

        def tick(self) -> None:
            """One second passes (called by the scheduler; tests call it directly)."""
            with self._lock:
                if not self.running or self.finished:
                    return
                self.remaining -= 1
                if self.remaining <= 0:
                    self._advance()
                if self.running:
                    self._schedule()
            self._render()

        def _advance(self) -> None:
            self.index += 1
            if self.index >= len(self.segments):
                self.finished, self.running = True, False
                self.remaining = 0
                self._cancel()
            else:
                self.remaining = self.segments[self.index][2]

        def _schedule(self) -> None:
            self._cancel()
            self._handle = self._scheduler(1.0, self.tick)

        def _cancel(self) -> None:
            if self._handle is not None:
                self._handle.cancel()
                self._handle = None

        def _render(self) -> None:
            esc = html.escape
            self.start_button.disabled = self.running or self.finished
            self.pause_button.disabled = not self.running
            self.skip_button.disabled = self.finished
            if self.finished:
                self.display.value = ('<div role="status"><strong>Session finished.</strong> Breathe normally, '
                                      "get up slowly, and note your pain (0-10) in your diary.</div>")
                return
            step, side, _ = self.segments[self.index]
            minutes, seconds = divmod(max(self.remaining, 0), 60)
            started = self.index > 0 or self.remaining < self.segments[self.index][2]
            state = "running" if self.running else ("paused: press Start" if started else "ready: press Start")
            self.display.value = (
                f'<div role="timer" aria-live="off"><p>Step {self.index + 1} of {len(self.segments)}: '
                f"<strong>{esc(step.code)}</strong>, {esc(side)}; pressure up to {step.pressure}/10 "
                f"({esc(step.pressure_words)}).</p><p>{esc(step.how)}</p>"
                + "".join(f"<p><strong>Note:</strong> {esc(note)}</p>" for note in step.notes) +
                f'<p style="font-size:1.6em">{minutes:d}:{seconds:02d}</p><p><small>{esc(state)}. Breathe slowly: '
                "in through the nose, out through the mouth; ease the pressure off as you finish.</small></p></div>")

    return RoutineBuilder, GuidedSession


def _thread_scheduler(delay: float, callback: Callable[[], None]):
    timer = threading.Timer(delay, callback)
    timer.daemon = True  # never keeps the kernel alive on shutdown
    timer.start()
    return timer


def __getattr__(name: str):
    if name == "RoutineBuilder":
        return _widget_classes()[0]
    if name == "GuidedSession":
        return _widget_classes()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def routine_builder(*, red_flag_check=None):
    """Return the routine-builder widget (optionally linked to a :func:`hipcourse.safety.triage.red_flag_check`)."""
    return _widget_classes()[0](red_flag_check=red_flag_check)


def guided_session(routine: Routine, *, seconds_per_minute: int = 60, scheduler=None):
    """Return the guided-session timer widget for ``routine``; it starts only when Start is pressed."""
    if not isinstance(routine, Routine):
        raise TypeError(f"guided_session needs a Routine from build_routine(), not {type(routine).__name__}")
    return _widget_classes()[1](routine, seconds_per_minute=seconds_per_minute, scheduler=scheduler)
