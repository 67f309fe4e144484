"""Red-flag triage: "Does my pain need a doctor, and how soon?"

Given yes/no answers to the questions of ``data/red_flags.yaml`` (validated against its JSON Schema),
:func:`triage` returns a :class:`TriageResult`: the most urgent level (emergency, same day, within days,
routine), every matched warning sign with what to do, and always the reminder that this is not a diagnosis.
Answers are a mapping ``{question_id: bool}``; unknown ids raise :class:`ValueError`, so a typo cannot silently
drop a warning. Combination rules of the data (:func:`red_flag_combinations`, e.g. a groin lump with vomiting:
a strangulated hernia) raise the level when signs come together; they can never lower it.
:func:`urgency_table` is lesson 3's table of the signs by level (each question once, at its own level);
:func:`red_flag_check` is the notebook widget (its result goes into an ``HTML`` widget value, so tests tick
boxes and click the button). :func:`check_red_flags` is the semantic check of ``python -m hipcourse check``.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping
from dataclasses import dataclass

from hipcourse.safety.common import (NOT_A_DIAGNOSIS, URGENCY_ORDER, _QUESTION_CSS, _Parts, _check_answers, _error,
                                     _read_validated, _stamp)

__all__ = [
    "URGENCY_ORDER", "NOT_A_DIAGNOSIS", "UrgencyLevel", "Feature", "RedFlag", "MatchedFlag", "Combination",
    "MatchedCombination", "TriageResult", "urgency_levels", "red_flags", "red_flag_features",
    "red_flag_combinations", "triage", "red_flag_check", "RedFlagCheck", "UrgencyTable", "urgency_table",
    "check_red_flags",
]


_RED_FLAGS_FILE = "red_flags.yaml"

#: Heading of the combination rules in :class:`UrgencyTable`.
COMBINATIONS_HEADING = "Signs that are more urgent together than alone"


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
class Combination:
    """A rule of ``data/red_flags.yaml`` ``combinations``: signs that are more urgent together than alone.

    It matches when every feature of ``all_of`` is "yes" and, if ``any_of`` is not empty, at least one of
    ``any_of`` too.
    """

    id: str
    name: str
    urgency: str
    all_of: tuple[str, ...]
    any_of: tuple[str, ...]
    what_to_do: str
    sources: tuple[str, ...]

    def matched_features(self, answers: Mapping[str, bool]) -> tuple[str, ...]:
        """The ids of the "yes" answers that make this rule match, or ``()`` when it does not match."""
        if not all(answers.get(fid, False) for fid in self.all_of):
            return ()
        extra = tuple(fid for fid in self.any_of if answers.get(fid, False))
        if self.any_of and not extra:
            return ()
        return self.all_of + extra


@dataclass(frozen=True)
class MatchedCombination:
    """A combination rule that matched, with the ids of the answers that made it match."""

    rule: Combination
    features: tuple[str, ...]

    @property
    def urgency(self) -> str:
        return self.rule.urgency


@dataclass(frozen=True)
class TriageResult:
    """What :func:`triage` returns.

    Attributes:
        level: the most urgent level among the matched features and combinations (``routine`` if none).
        matched: every red flag with at least one "yes", most urgent first (file order within a level).
        combinations: every combination rule that matched, most urgent first.
        advice: what to do, in plain words: the level's action, or the routine advice for persistent
            pain when nothing matched.
        not_a_diagnosis: always :data:`NOT_A_DIAGNOSIS`.
    """

    level: UrgencyLevel
    matched: tuple[MatchedFlag, ...]
    advice: str
    not_a_diagnosis: str = NOT_A_DIAGNOSIS
    combinations: tuple[MatchedCombination, ...] = ()

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
        for combo in self.combinations:
            level = _level(combo.urgency)
            lines.append(f"- Together: {combo.rule.name} ({level.name}): {combo.rule.what_to_do}")
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
            features = red_flag_features()
            for combo in self.combinations:
                level = _level(combo.urgency)
                ticked = "; ".join(esc(features[fid].question) for fid in combo.features)
                parts.append(
                    f'<li><span aria-hidden="true">{esc(level.icon)}</span> <strong>Together: '
                    f"{esc(combo.rule.name)}</strong> ({esc(level.name)}). {esc(combo.rule.what_to_do)}"
                    f"<br><small>These answers together: {ticked}</small></li>"
                )
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


def _combination_problems(document, file: str) -> list:
    """Problems of the ``combinations`` of a red-flag document (a parsed ``data/red_flags.yaml``).

    Reports, each with the file, the rule and the problem: a feature id that is not a question of
    ``red_flags``, an id used twice in one rule, a duplicate rule id or one that is also a red flag's id,
    and a rule that could never raise the level (a feature it needs is already as urgent alone, or every
    ``any_of`` feature is).
    """
    from hipcourse.content.problems import DataProblem

    if not isinstance(document, Mapping):
        return []
    flags = [f for f in document.get("red_flags") or [] if isinstance(f, Mapping)]
    urgency = {}
    for flag in flags:
        for item in flag.get("features") or []:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                urgency[item["id"]] = item.get("urgency", flag.get("urgency"))
    flag_ids = {flag.get("id") for flag in flags}
    problems, seen = [], set()
    for index, rule in enumerate(document.get("combinations") or []):
        if not isinstance(rule, Mapping):
            continue
        rule_id = rule.get("id")
        entry = f"combinations[{rule_id if isinstance(rule_id, str) else index}]"
        if rule_id in seen:
            problems.append(DataProblem(file, entry, f"duplicate combination id '{rule_id}'"))
        elif rule_id in flag_ids:
            problems.append(DataProblem(file, entry, f"id '{rule_id}' is also a red flag's id"))
        seen.add(rule_id)
        used = []
        for key in ("all_of", "any_of"):
            for fid in rule.get(key) or []:
                if fid not in urgency:
                    problems.append(DataProblem(file, f"{entry}.{key}",
                                                f"unknown feature '{fid}' (not a question of red_flags)"))
                elif fid in used:
                    problems.append(DataProblem(file, f"{entry}.{key}", f"feature '{fid}' is used twice"))
                used.append(fid)
        level = rule.get("urgency")
        if level not in URGENCY_ORDER or any(fid not in urgency for fid in used):
            continue
        rank = URGENCY_ORDER.index

        def as_urgent(fid):
            return urgency[fid] in URGENCY_ORDER and rank(urgency[fid]) <= rank(level)

        any_of = rule.get("any_of") or []
        if any(as_urgent(fid) for fid in rule.get("all_of") or []) or (any_of and all(map(as_urgent, any_of))):
            problems.append(DataProblem(file, f"{entry}.urgency",
                                        f"'{level}' never raises the level: a feature it needs is already "
                                        "that urgent on its own"))
    return problems


def check_red_flags(document, *, course=None, file: str = "data/red_flags.yaml") -> list:
    """Semantic check for ``hipcourse.content.check.EXTRA_CHECKS["red_flags"]``: feature ids unique across all
    red flags, and every combination rule well formed (see :func:`_combination_problems`). Returns
    ``DataProblem`` objects; ``course`` is accepted for the hook's signature and not needed."""
    from hipcourse.content.problems import DataProblem

    problems, seen = [], set()
    for flag in (document.get("red_flags") or []) if isinstance(document, Mapping) else []:
        if not isinstance(flag, Mapping):
            continue
        for item in flag.get("features") or []:
            fid = item.get("id") if isinstance(item, Mapping) else None
            if fid in seen:
                problems.append(DataProblem(file, f"red_flags[{flag.get('id')}].features[{fid}]",
                                            "duplicate feature id"))
            seen.add(fid)
    return problems + _combination_problems(document, file)


@functools.lru_cache(maxsize=4)
def _red_flag_data(stamp: tuple) -> tuple[tuple[UrgencyLevel, ...], tuple[RedFlag, ...], tuple[Combination, ...]]:
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
    problems = _combination_problems(document, shown)
    if problems:
        from hipcourse.content.problems import DataError

        raise DataError(problems)
    combinations = tuple(
        Combination(id=raw["id"], name=raw["name"], urgency=raw["urgency"], all_of=tuple(raw["all_of"]),
                    any_of=tuple(raw.get("any_of", ())), what_to_do=" ".join(raw["what_to_do"].split()),
                    sources=tuple(raw["sources"]))
        for raw in document.get("combinations", ()))
    return levels, tuple(flags), combinations


def urgency_levels() -> tuple[UrgencyLevel, ...]:
    """The four urgency levels of ``data/red_flags.yaml``, most urgent first."""
    return _red_flag_data(_stamp(_RED_FLAGS_FILE))[0]


def red_flags() -> tuple[RedFlag, ...]:
    """Every red-flag scenario of ``data/red_flags.yaml``, in file order."""
    return _red_flag_data(_stamp(_RED_FLAGS_FILE))[1]


def red_flag_combinations() -> tuple[Combination, ...]:
    """Every combination rule of ``data/red_flags.yaml``, in file order."""
    return _red_flag_data(_stamp(_RED_FLAGS_FILE))[2]


def red_flag_features() -> dict[str, Feature]:
    """``{feature_id: Feature}`` for every red-flag question, in file order."""
    return {feature.id: feature for flag in red_flags() for feature in flag.features}


def _level(level_id: str) -> UrgencyLevel:
    return urgency_levels()[URGENCY_ORDER.index(level_id)]


def triage(answers: Mapping[str, bool]) -> TriageResult:
    """Turn yes/no answers to the red-flag questions into advice on how soon to get help.

    Args:
        answers: ``{feature_id: True/False}``; ids are those of :func:`red_flag_features`. Questions left
            out count as "no".

    Returns:
        A :class:`TriageResult` whose ``level`` is the most urgent of the "yes" answers and of the matched
        combination rules, with every matched red flag and rule (most urgent first) and its advice. With no
        "yes" it gives the routine advice for pain that is not settling. It always carries
        :data:`NOT_A_DIAGNOSIS`.

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
    combos = [MatchedCombination(rule=rule, features=found) for rule in red_flag_combinations()
              if (found := rule.matched_features(answers))]
    combos.sort(key=lambda m: URGENCY_ORDER.index(m.urgency))
    # The most urgent of everything that matched: a rule can raise the level, never lower it.
    most = min([m.urgency for m in matched] + [c.urgency for c in combos], key=URGENCY_ORDER.index)
    level = _level(most)
    return TriageResult(level=level, matched=tuple(matched), advice=level.action, combinations=tuple(combos))


class UrgencyTable:
    """The four urgency levels with what to do and the warning signs at each level (for lesson 3).

    Every question appears exactly once, at its own level (a feature's override, else its red flag's), under
    the name of its red flag; the combination rules follow by name, at their level, under
    :data:`COMBINATIONS_HEADING` (their questions are already listed at their own levels).
    ``rows`` is ``[(level, [(situation, (question, ...)), ...]), ...]``, most urgent first. Displays as an HTML
    table in a notebook; ``repr()`` gives the same content as plain text (it is also what strict nbval
    compares and what untrusted notebooks show).
    """

    def __init__(self) -> None:
        self.rows = []
        for level in urgency_levels():
            groups = []
            for flag in red_flags():
                questions = tuple(f.question for f in flag.features if f.urgency == level.id)
                if questions:
                    groups.append((flag.name, questions))
            together = tuple(rule.name + "." for rule in red_flag_combinations() if rule.urgency == level.id)
            if together:
                groups.append((COMBINATIONS_HEADING, together))
            self.rows.append((level, tuple(groups)))

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = ["<table><caption>How quickly to get help</caption><tr><th scope=\"col\">Level</th>"
                 "<th scope=\"col\">What to do</th><th scope=\"col\">Warning signs at this level</th></tr>"]
        for level, groups in self.rows:
            signs = "".join(f"<p><strong>{esc(name)}</strong><br>" + "<br>".join(esc(q) for q in questions)
                            + "</p>" for name, questions in groups)
            parts.append(f"<tr><td><span aria-hidden=\"true\">{esc(level.icon)}</span> "
                         f"<strong>{esc(level.name)}</strong></td><td>{esc(level.action)}</td><td>{signs}</td></tr>")
        parts.append("</table>")
        return "".join(parts)

    def __repr__(self) -> str:
        lines = ["How quickly to get help:"]
        for level, groups in self.rows:
            lines.append(f"{level.icon} {level.name}: {level.action}")
            for name, questions in groups:
                lines.append(f"  {name}: " + " ".join(questions))
        return "\n".join(lines)


def urgency_table() -> UrgencyTable:
    """Return the table of urgency levels, what to do at each, and which warning signs belong to it."""
    return UrgencyTable()


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


@functools.cache
def _red_flag_check_class():
    # Built on first use so that importing this module does not import ipywidgets.
    return _make_red_flag_check()


def __getattr__(name: str):
    # RedFlagCheck is created lazily (see _red_flag_check_class) but importable by name.
    if name == "RedFlagCheck":
        return _red_flag_check_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def red_flag_check():
    """Return the interactive red-flag check: tick the questions, press "Check", read the advice.

    The widget has ``checkboxes`` (``{feature_id: Checkbox}``), ``button`` and ``result`` (an HTML widget);
    ``last_result`` holds the latest :class:`TriageResult`.
    """
    return _red_flag_check_class()()
