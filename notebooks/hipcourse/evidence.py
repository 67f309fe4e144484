"""Lesson 7 helpers: what the evidence says, drawn from ``data/evidence.yaml`` and ``data/treatments.yaml``.

* :func:`load_evidence` / :func:`load_treatments` read a file, validate it against its JSON Schema in
  ``data/schemas/`` and check what a schema cannot (unique ids, known groups and scales, a confidence interval
  that contains its estimate, known source keys). Problems raise :class:`EvidenceDataError` naming the file,
  the entry and the problem.
* :func:`forest_plot` draws every entry that has an effect estimate with a 95 % confidence interval, one panel
  per (condition, scale) so that no two results on different scales share an axis; :func:`forest_alt_text`
  describes every drawn row in words (it is also the figure's ``text/plain`` output).
* :func:`unplotted_table`, :func:`guidelines_table`, :func:`treatments_table` list the rest as accessible tables.
* :func:`simulate_regression_to_mean`, :func:`regression_to_mean_figure` and :func:`regression_to_mean_explorer`
  show, with a seeded simulation of untreated people, why pain falls after people enrol at their worst.

Nothing here prints; heavy modules (yaml, jsonschema, numpy, matplotlib, ipywidgets) are imported inside the
functions that need them.
"""

from __future__ import annotations

from .data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file

import functools
import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .palette import OKABE_ITO
from .paths import data_dir, display_path, repo_root
from .tables import Table

__all__ = [
    "EvidenceDataError",
    "ComparisonStyle",
    "COMPARISON_STYLES",
    "CERTAINTY_WORDS",
    "ForestRow",
    "load_evidence",
    "load_treatments",
    "validate_evidence",
    "validate_treatments",
    "check_evidence_data",
    "check_treatments_data",
    "forest_rows",
    "forest_alt_text",
    "forest_plot",
    "unplotted_table",
    "guidelines_table",
    "treatments_table",
    "RegressionToMeanResult",
    "simulate_regression_to_mean",
    "regression_to_mean_alt_text",
    "regression_to_mean_figure",
    "regression_to_mean_explorer",
]


class EvidenceDataError(ValueError):
    """``data/evidence.yaml`` or ``data/treatments.yaml`` is invalid; the message names file, entry and problem."""


@dataclass(frozen=True)
class ComparisonStyle:
    """How rows with one kind of comparison group are drawn: legend label, Okabe-Ito colour, marker shape."""

    label: str
    colour: str
    marker: str


#: One style per ``comparison_kind``: every kind has its own marker shape, so colour is never the only cue.
COMPARISON_STYLES: dict[str, ComparisonStyle] = {
    "sham": ComparisonStyle("compared with sham (pretend) treatment", OKABE_ITO["vermillion"], "o"),
    "usual-care": ComparisonStyle("compared with usual care", OKABE_ITO["blue"], "s"),
    "education": ComparisonStyle("compared with education", OKABE_ITO["bluish_green"], "^"),
    "no-treatment": ComparisonStyle("compared with no treatment", OKABE_ITO["reddish_purple"], "D"),
    "active": ComparisonStyle("compared with another active treatment", OKABE_ITO["orange"], "v"),
}

_COMPARISON_SHORT = {"sham": "sham", "usual-care": "usual care", "education": "education",
                     "no-treatment": "no treatment", "active": "another treatment"}

#: Plain words for the certainty values used in the data files.
CERTAINTY_WORDS: dict[str, str] = {
    "high": "high certainty",
    "moderate": "moderate certainty",
    "low": "low certainty",
    "very-low": "very low certainty",
    "uncertain": "uncertain (the review's word)",
    "not-graded": "no certainty rating in our sources",
    "none-found": "no trials found",
    "not-applicable": "practical advice",
}

_VERDICT_WORDS = {
    "recommended": "Recommended",
    "may-help": "May help",
    "unproven": "Unproven",
    "not-recommended": "Not recommended",
    "avoid": "Avoid",
    "advice": "Advice",
}

_CATEGORY_WORDS = {
    "conventional": "Conventional treatments",
    "alternative": "Alternative treatments",
    "home": "Home remedies",
    "guidance": "Timelines and practitioners",
}


# --------------------------------------------------------------------------------------------- loading
def _read_yaml(path: Path) -> Any:
    import yaml  # heavy: only when a data file is read

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise EvidenceDataError(f"{display_path(path)}: cannot read ({error.strerror or error})") from error
    try:
        return _load_yaml_file(path)
    except yaml.YAMLError as error:
        raise EvidenceDataError(f"{display_path(path)}: not valid YAML ({error})") from error


@functools.lru_cache(maxsize=None)
def _schema_validator(name: str):
    from .schemas import jsonschema_module
    jsonschema = jsonschema_module()

    # The schema belongs to the code, so it is always the repository's, even when the data dir is overridden.
    schema_path = repo_root() / "data" / "schemas" / name
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _check_schema(document: Any, schema_name: str, where: str) -> None:
    if not isinstance(document, dict):
        raise EvidenceDataError(f"{where}: the top level must be a mapping")
    errors = sorted(_schema_validator(schema_name).iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        entry = _entry_label(document, list(error.absolute_path))
        raise EvidenceDataError(f"{where}: {entry}: {error.message}")


def _entry_label(document: Mapping, path: Sequence) -> str:
    """Render a JSON path like ``entries[li2018-sham].estimate`` (using ids where the item has one)."""
    label, node = "", document
    for part in path:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if part < len(node) else None
            item_id = item.get("id") if isinstance(item, dict) else None
            label += f"[{item_id if item_id else part}]"
            node = item
        else:
            label += f".{part}" if label else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return label or "(top level)"


def _known_source_keys() -> frozenset[str] | None:
    """Return the keys of ``data/sources.yaml``, or None if that file does not exist (yet)."""
    from .data import DataError, source_keys

    try:
        return source_keys()
    except DataError as error:
        raise EvidenceDataError(str(error)) from error


def _check_sources(items: Sequence[Mapping], section: str, where: str, source_keys) -> None:
    if source_keys is None:
        return
    for item in items:
        unknown = [key for key in item.get("sources", []) if key not in source_keys]
        if unknown:
            raise EvidenceDataError(
                f"{where}: {section}[{item['id']}].sources: unknown source key(s) {', '.join(unknown)} "
                "(every key must exist in data/sources.yaml)"
            )


def _check_unique_ids(items: Sequence[Mapping], section: str, where: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item["id"] in seen:
            raise EvidenceDataError(f"{where}: {section}[{item['id']}]: duplicate id")
        seen.add(item["id"])


def validate_evidence(document: Any, *, source_keys=None, where: str = "data/evidence.yaml") -> dict:
    """Check an evidence document (schema, then meaning) and return it unchanged.

    Args:
        document: the parsed YAML.
        source_keys: the allowed source keys (a set); ``None`` skips the source check.
        where: the file name used in error messages.

    Raises:
        EvidenceDataError: naming the file, the entry and the problem.
    """
    _check_schema(document, "evidence.schema.json", where)
    for section in ("scales", "groups", "entries", "guidelines"):
        _check_unique_ids(document[section], section, where)
    scales = {scale["id"] for scale in document["scales"]}
    groups = {group["id"] for group in document["groups"]}
    for entry in document["entries"]:
        label = f"{where}: entries[{entry['id']}]"
        if entry["group"] not in groups:
            raise EvidenceDataError(f"{label}.group: unknown group '{entry['group']}' (known: {', '.join(sorted(groups))})")
        estimate = entry.get("estimate")
        if estimate is None:
            continue
        if estimate["scale"] not in scales:
            raise EvidenceDataError(
                f"{label}.estimate.scale: unknown scale '{estimate['scale']}' (known: {', '.join(sorted(scales))})"
            )
        if not estimate["low"] <= estimate["value"] <= estimate["high"]:
            raise EvidenceDataError(
                f"{label}.estimate: the interval {estimate['low']} to {estimate['high']} does not contain "
                f"the estimate {estimate['value']}"
            )
    _check_sources(document["entries"], "entries", where, source_keys)
    _check_sources(document["guidelines"], "guidelines", where, source_keys)
    return document


def validate_treatments(document: Any, *, source_keys=None, where: str = "data/treatments.yaml") -> dict:
    """Check a treatments document (schema, unique ids, sources) and return it unchanged.

    An entry may have no sources only when its certainty is ``none-found`` (a statement that no evidence was
    found cites nothing); every other entry must cite at least one source.

    Raises:
        EvidenceDataError: naming the file, the entry and the problem.
    """
    _check_schema(document, "treatments.schema.json", where)
    _check_unique_ids(document["treatments"], "treatments", where)
    for item in document["treatments"]:
        if not item["sources"] and item["certainty"] != "none-found":
            raise EvidenceDataError(
                f"{where}: treatments[{item['id']}].sources: an entry that states evidence needs at least one source"
            )
    _check_sources(document["treatments"], "treatments", where, source_keys)
    return document


def _as_problems(validate, document, file: str) -> list:
    """Run ``validate`` on a schema-valid ``document`` and return its problem as ``hipcourse.data.DataProblem``s."""
    from . import data

    try:
        # Sources are checked by check_course itself; structure too, so only meaning is checked here.
        validate(document, source_keys=None, where=file)
    except EvidenceDataError as error:
        text = str(error)
        prefix = f"{file}: "
        entry, _, message = text[len(prefix):].partition(": ") if text.startswith(prefix) else ("", "", text)
        return [data.DataProblem(file, entry, message)]
    return []


def check_evidence_data(document, *, course=None, file: str = "data/evidence.yaml") -> list:
    """Semantic check for ``hipcourse.data.EXTRA_CHECKS["evidence"]`` (``python -m hipcourse check``).

    Returns a list of ``DataProblem`` (empty if the file is fine); schema problems are left to the caller.
    """
    if not _schema_validator("evidence.schema.json").is_valid(document):
        return []
    return _as_problems(validate_evidence, document, file)


def check_treatments_data(document, *, course=None, file: str = "data/treatments.yaml") -> list:
    """Semantic check for ``hipcourse.data.EXTRA_CHECKS["treatments"]``; see :func:`check_evidence_data`."""
    if not _schema_validator("treatments.schema.json").is_valid(document):
        return []
    return _as_problems(validate_treatments, document, file)


def load_evidence(*, path: str | Path | None = None) -> dict:
    """Return the validated contents of ``data/evidence.yaml`` (or of ``path``).

    Source keys are checked against ``data/sources.yaml`` when that file exists.
    """
    path = Path(path) if path is not None else data_dir() / "evidence.yaml"
    return validate_evidence(_read_yaml(path), source_keys=_known_source_keys(), where=display_path(path))


def load_treatments(*, path: str | Path | None = None) -> dict:
    """Return the validated contents of ``data/treatments.yaml`` (or of ``path``)."""
    path = Path(path) if path is not None else data_dir() / "treatments.yaml"
    return validate_treatments(_read_yaml(path), source_keys=_known_source_keys(), where=display_path(path))


# --------------------------------------------------------------------------------------------- forest plot
@dataclass(frozen=True)
class ForestRow:
    """One plotted result: where it sits (panel) and what it says."""

    entry_id: str
    panel: str          # "<group title> - <scale label>"
    group_title: str
    scale_label: str
    scale_short: str
    label: str          # "Study: intervention vs comparison"
    study: str
    comparison_short: str  # the comparison in a few words, for tick labels
    value: float
    low: float
    high: float
    comparison_kind: str
    certainty: str


def _decimals(*values: float) -> int:
    """Return how many decimals the most precise of ``values`` has (as written in the data file)."""
    return max(len(f"{value:g}".partition(".")[2]) for value in values)


def _number(value: float, decimals: int | None = None) -> str:
    # Same number of decimals for an estimate and its interval, as papers print them (-0.97 to -0.10).
    return f"{value:.{decimals}f}" if decimals is not None else f"{value:g}"


def forest_rows(evidence: Mapping | None = None) -> list[ForestRow]:
    """Return the rows of the forest plot: entries with an estimate, grouped by condition in file order."""
    evidence = evidence if evidence is not None else load_evidence()
    scales = {scale["id"]: scale for scale in evidence["scales"]}
    groups = {group["id"]: group for group in evidence["groups"]}
    group_order = {group["id"]: index for index, group in enumerate(evidence["groups"])}
    rows = []
    for entry in evidence["entries"]:
        estimate = entry.get("estimate")
        if estimate is None:
            continue
        scale = scales[estimate["scale"]]
        group_title = groups[entry["group"]]["title"]
        rows.append(ForestRow(
            entry_id=entry["id"],
            panel=f"{group_title} - {scale['label']}",
            group_title=group_title,
            scale_label=scale["label"],
            scale_short=scale["short"],
            label=f"{entry['study']}: {entry['intervention']} vs {entry['comparison'].lower()}",
            study=entry["study"],
            comparison_short=(entry["comparison"].lower() if len(entry["comparison"]) <= 20
                              else _COMPARISON_SHORT[entry["comparison_kind"]]),
            value=float(estimate["value"]),
            low=float(estimate["low"]),
            high=float(estimate["high"]),
            comparison_kind=entry["comparison_kind"],
            certainty=entry["certainty"],
        ))
    # Python's sort is stable: rows follow the order of `groups`, and the file order within a group.
    group_of = {entry["id"]: entry["group"] for entry in evidence["entries"]}
    rows.sort(key=lambda row: group_order[group_of[row.entry_id]])
    return rows


def _panels(rows: Sequence[ForestRow]) -> list[tuple[str, list[ForestRow]]]:
    panels: dict[str, list[ForestRow]] = {}
    for row in rows:
        panels.setdefault(row.panel, []).append(row)
    return list(panels.items())


def forest_alt_text(evidence: Mapping | None = None) -> str:
    """Describe the forest plot in words: every panel, every row, its estimate, interval and certainty."""
    rows = forest_rows(evidence)
    panels = _panels(rows)
    lines = [
        f"Forest plot of {len(rows)} results in {len(panels)} panels, one per condition and scale; each result "
        "is a marker (the estimate) with a line (its 95 % confidence interval). Left of the dashed zero line "
        "favours acupressure or acupuncture; a line that crosses zero means no clear difference."
    ]
    for title, panel_rows in panels:
        lines.append(f"{title}:")
        for row in panel_rows:
            crosses = row.low <= 0 <= row.high
            places = _decimals(row.value, row.low, row.high)
            verdict = "crosses zero, no clear difference" if crosses else (
                "favours the treatment" if row.high < 0 else "favours the comparison")
            lines.append(
                f"- {row.label}: {_number(row.value, places)} {row.scale_short} (95 % CI "
                f"{_number(row.low, places)} to {_number(row.high, places)}), {verdict}; "
                f"{CERTAINTY_WORDS[row.certainty]}."
            )
    return "\n".join(lines)


def forest_plot(*, evidence: Mapping | None = None):
    """Return the forest plot of ``evidence`` (default: ``data/evidence.yaml``) as an :class:`AtlasFigure`.

    Each (condition, scale) pair gets its own panel and x-axis, so results measured in different units are
    never drawn on a shared axis. Marker shape and colour show the kind of comparison group.
    """
    if evidence is not None:  # other data than data/evidence.yaml: always drawn
        return _forest_plot(evidence=evidence)
    from .figurecache import cached_figure

    return cached_figure("hipcourse.evidence:forest_plot", {}, _forest_plot)


def _forest_plot(*, evidence: Mapping | None = None):
    """Draw the figure of :func:`forest_plot` (never from the figure cache)."""
    from matplotlib.lines import Line2D

    from .figures import AtlasFigure, new_figure

    evidence = evidence if evidence is not None else load_evidence()
    rows = forest_rows(evidence)
    if not rows:
        raise EvidenceDataError("data/evidence.yaml: no entry has an estimate, so there is nothing to plot")
    panels = _panels(rows)
    heights = [len(panel_rows) + 1.2 for _, panel_rows in panels]
    figure = new_figure(size=(7.5, 1.2 + 0.5 * sum(heights)))
    grid = figure.add_gridspec(len(panels), 1, height_ratios=heights, hspace=0.0)
    figure.set_layout_engine("constrained")
    for index, (title, panel_rows) in enumerate(panels):
        axes = figure.add_subplot(grid[index])
        for position, row in enumerate(reversed(panel_rows)):
            style = COMPARISON_STYLES[row.comparison_kind]
            axes.plot([row.low, row.high], [position, position], color=style.colour, linewidth=2.2)
            axes.plot([row.value], [position], linestyle="none", marker=style.marker, markersize=9,
                      markerfacecolor=style.colour, markeredgecolor="black")
        # Short, wrapped tick labels keep the plotting area wide; the full wording is in the alt text.
        labels = [textwrap.fill(f"{row.study} vs {row.comparison_short}", 30) for row in reversed(panel_rows)]
        axes.set_yticks(range(len(panel_rows)), labels=labels, fontsize=8)
        axes.set_ylim(-0.7, len(panel_rows) - 0.3)
        span = max(abs(row.low) for row in panel_rows) * 1.15
        axes.set_xlim(-span, span * 0.35)
        axes.axvline(0, color="black", linestyle="--", linewidth=1.0)
        axes.set_title(f"{panel_rows[0].group_title}\n{panel_rows[0].scale_label}", fontsize=8.5, loc="left")
        axes.tick_params(axis="x", labelsize=8)
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
    kinds = [kind for kind in COMPARISON_STYLES if any(row.comparison_kind == kind for row in rows)]
    handles = [Line2D([], [], color=COMPARISON_STYLES[k].colour, marker=COMPARISON_STYLES[k].marker,
                      markeredgecolor="black", linewidth=2.2, label=COMPARISON_STYLES[k].label) for k in kinds]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    figure.suptitle("What trials found, each result on its own scale\n"
                    "Left of the dashed zero line: less pain or disability with acupressure or acupuncture",
                    fontsize=10)
    return AtlasFigure(figure, alt_text=forest_alt_text(evidence))


# --------------------------------------------------------------------------------------------- tables
def _groups_by_id(evidence: Mapping) -> dict[str, str]:
    return {group["id"]: group["title"] for group in evidence["groups"]}


def _sources_text(keys: Sequence[str]) -> str:
    return ", ".join(f"[{key}]" for key in keys) if keys else "none: no trials found"


def unplotted_table(*, evidence: Mapping | None = None) -> Table:
    """Return the results that have no confidence interval in our sources (so they are not plotted)."""
    evidence = evidence if evidence is not None else load_evidence()
    groups = _groups_by_id(evidence)
    rows = tuple(
        (groups[e["group"]], f"{e['study']} ({e['design']})", f"{e['intervention']} vs {e['comparison'].lower()}",
         e["result"], CERTAINTY_WORDS[e["certainty"]], _sources_text(e["sources"]))
        for e in evidence["entries"] if "estimate" not in e
    )
    return Table(
        caption="Results without a confidence interval in our sources, so they are described rather than plotted.",
        columns=("Condition", "Study", "Comparison", "What it found", "Certainty", "Sources"),
        rows=rows,
    )


def guidelines_table(*, evidence: Mapping | None = None) -> Table:
    """Return what clinical guidelines say about acupuncture and related care."""
    evidence = evidence if evidence is not None else load_evidence()
    rows = tuple((g["body"], g["topic"], g["position"], _sources_text(g["sources"])) for g in evidence["guidelines"])
    return Table(caption="What clinical guidelines say.", columns=("Guideline", "Condition", "Position", "Sources"),
                 rows=rows)


def treatments_table(*, category: str | None = None, treatments: Mapping | None = None) -> Table:
    """Return the reviewed treatments, optionally only one ``category``.

    Args:
        category: ``conventional``, ``alternative``, ``home`` or ``guidance``; None lists all.
        treatments: an already loaded document (default: ``data/treatments.yaml``).

    Raises:
        ValueError: for an unknown category.
    """
    if category is not None and category not in _CATEGORY_WORDS:
        raise ValueError(f"treatments_table: unknown category {category!r} (use one of {', '.join(_CATEGORY_WORDS)})")
    treatments = treatments if treatments is not None else load_treatments()
    rows = []
    for item in treatments["treatments"]:
        if category is not None and item["category"] != category:
            continue
        advice = item["advice"]
        if item["cautions"]:
            advice += " Caution: " + " ".join(item["cautions"])
        rows.append((item["name"], _VERDICT_WORDS[item["verdict"]], item["evidence"],
                     CERTAINTY_WORDS[item["certainty"]], advice, _sources_text(item["sources"])))
    title = _CATEGORY_WORDS[category] if category else "Treatments and remedies"
    return Table(caption=f"{title}: what the evidence shows, how certain it is, and what to do.",
                 columns=("Treatment", "Verdict", "What the evidence shows", "Certainty", "What to do", "Sources"),
                 rows=tuple(rows))


# --------------------------------------------------------------------------------------------- simulation
@dataclass(frozen=True)
class RegressionToMeanResult:
    """A simulated group of people who received *no treatment*, measured twice on a 0-10 pain scale.

    Attributes:
        seed, threshold, n_people: the inputs.
        baseline, follow_up: every person's two scores (numpy arrays).
        enrolled: boolean mask of people whose first score reached ``threshold`` (they "join the study").
    """

    seed: int
    threshold: float
    n_people: int
    baseline: Any
    follow_up: Any
    enrolled: Any
    #: every keyword argument of :func:`simulate_regression_to_mean` that made it (None if built by hand);
    #: lets :func:`regression_to_mean_figure` find the figure in the figure cache.
    settings: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def n_enrolled(self) -> int:
        """How many people reached the enrolment threshold."""
        return int(self.enrolled.sum())

    @property
    def baseline_mean(self) -> float:
        """Average first score of the enrolled people."""
        return float(self.baseline[self.enrolled].mean()) if self.n_enrolled else float("nan")

    @property
    def follow_up_mean(self) -> float:
        """Average second score of the enrolled people (no treatment in between)."""
        return float(self.follow_up[self.enrolled].mean()) if self.n_enrolled else float("nan")

    @property
    def mean_change(self) -> float:
        """Follow-up minus baseline for the enrolled people: negative means pain 'improved' on its own."""
        return self.follow_up_mean - self.baseline_mean

    def summary(self) -> str:
        """One plain-language sentence describing the result."""
        if not self.n_enrolled:
            return (f"Nobody out of {self.n_people} people scored {self.threshold:g} or more, "
                    "so nobody would have joined.")
        return (f"{self.n_enrolled} of {self.n_people} people scored {self.threshold:g} or more and joined. "
                f"Their average pain was {self.baseline_mean:.1f} when they joined and {self.follow_up_mean:.1f} "
                f"a few weeks later, a fall of {-self.mean_change:.1f} points with no treatment at all.")


def simulate_regression_to_mean(*, n_people: int = 300, threshold: float = 7.0, usual_mean: float = 5.0,
                                 person_sd: float = 1.0, day_sd: float = 1.5, seed: int = 7) -> RegressionToMeanResult:
    """Simulate untreated people whose pain varies around their own usual level, and who enrol when it is high.

    Each person has a usual pain level (normal around ``usual_mean``, spread ``person_sd``); each measurement is
    that level plus day-to-day variation (spread ``day_sd``), clipped to 0-10 and rounded to one decimal like a
    pain diary. People whose first score reaches ``threshold`` enrol. Nobody is treated, yet the enrolled
    group's second score is lower on average: regression to the mean. The same ``seed`` always gives the same
    numbers.

    Raises:
        ValueError: if ``n_people`` < 1, a spread is negative, or ``threshold`` is outside 0-10.
    """
    import numpy as np

    if n_people < 1:
        raise ValueError(f"simulate_regression_to_mean: n_people must be at least 1, got {n_people}")
    if person_sd < 0 or day_sd < 0:
        raise ValueError("simulate_regression_to_mean: person_sd and day_sd must not be negative")
    if not 0 <= threshold <= 10:
        raise ValueError(f"simulate_regression_to_mean: threshold must be within 0-10, got {threshold}")
    generator = np.random.default_rng(seed)
    usual = generator.normal(usual_mean, person_sd, n_people)
    baseline = np.round(np.clip(usual + generator.normal(0.0, day_sd, n_people), 0, 10), 1)
    follow_up = np.round(np.clip(usual + generator.normal(0.0, day_sd, n_people), 0, 10), 1)
    settings = {"n_people": n_people, "threshold": threshold, "usual_mean": usual_mean, "person_sd": person_sd,
                "day_sd": day_sd, "seed": seed}
    return RegressionToMeanResult(seed=seed, threshold=float(threshold), n_people=n_people,
                                  baseline=baseline, follow_up=follow_up, enrolled=baseline >= threshold,
                                  settings=settings)


def regression_to_mean_alt_text(result: RegressionToMeanResult) -> str:
    """Describe the regression-to-the-mean figure in words, from the simulated numbers."""
    return (
        f"Simulation of {result.n_people} people with hip pain who received no treatment. Left: each person's "
        f"pain when first asked (across) against a few weeks later (up); grey circles are people below the "
        f"enrolment line at {result.threshold:g}, orange triangles the {result.n_enrolled} people at or above it, "
        "and most triangles lie below the dashed line of 'no change'. Right: the enrolled group's average pain "
        f"went from {result.baseline_mean:.1f} to {result.follow_up_mean:.1f}. " + result.summary()
    )


def regression_to_mean_figure(result: RegressionToMeanResult | None = None):
    """Return an :class:`AtlasFigure` of ``result`` (default: :func:`simulate_regression_to_mean` defaults)."""
    from .figurecache import cached_figure

    result = result if result is not None else simulate_regression_to_mean()
    if result.settings is None:  # built by hand: nothing to find it by
        return _regression_to_mean_figure(result)
    return cached_figure("hipcourse.evidence:simulated_regression_to_mean_figure", dict(result.settings),
                         lambda: _regression_to_mean_figure(result))


def simulated_regression_to_mean_figure(**settings):
    """Simulate with ``settings`` (see :func:`simulate_regression_to_mean`) and return the figure of the result."""
    return regression_to_mean_figure(simulate_regression_to_mean(**settings))


def _regression_to_mean_figure(result: RegressionToMeanResult):
    from .figures import AtlasFigure, new_figure

    figure = new_figure(size=(8.0, 3.8))
    figure.set_layout_engine("constrained")
    scatter, bars = figure.subplots(1, 2, width_ratios=[1.6, 1.0])
    others = ~result.enrolled
    scatter.plot(result.baseline[others], result.follow_up[others], linestyle="none", marker="o", markersize=4,
                 color="#999999", label="did not join")
    scatter.plot(result.baseline[result.enrolled], result.follow_up[result.enrolled], linestyle="none",
                 marker="^", markersize=6, color=OKABE_ITO["orange"], markeredgecolor="black", markeredgewidth=0.4,
                 label=f"joined (first score {result.threshold:g} or more)")
    scatter.plot([0, 10], [0, 10], color="black", linestyle="--", linewidth=1, label="no change")
    scatter.axvline(result.threshold, color=OKABE_ITO["blue"], linestyle=":", linewidth=1.5, label="enrolment line")
    scatter.set(xlim=(0, 10), ylim=(0, 10), xlabel="Pain when first asked (0-10)", ylabel="Pain a few weeks later (0-10)")
    scatter.set_title("No treatment, yet high scores fall", fontsize=10)
    scatter.legend(fontsize=7, loc="upper left")
    means = [result.baseline_mean, result.follow_up_mean] if result.n_enrolled else [0.0, 0.0]
    bars.bar([0, 1], means, color=[OKABE_ITO["orange"], OKABE_ITO["sky_blue"]], edgecolor="black",
             hatch=["", "//"])
    for x, value in zip([0, 1], means):
        bars.text(x, value + 0.2, f"{value:.1f}", ha="center", fontsize=9)
    bars.set_xticks([0, 1], labels=["when they joined", "a few weeks later"], fontsize=8)
    bars.set(ylim=(0, 10), ylabel="Average pain of those who joined")
    bars.set_title(f"{result.n_enrolled} people who joined", fontsize=10)
    return AtlasFigure(figure, alt_text=regression_to_mean_alt_text(result))


def regression_to_mean_explorer(*, seed: int = 7, n_people: int = 300):
    """Return a widget: a labelled number box for the enrolment threshold and a plain-language result.

    The threshold is a ``BoundedFloatText`` (3.0-9.5 in steps of 0.5): its ``<label for>`` names the
    ``<input type="number">`` for screen readers and the Up/Down arrow keys step it (ipywidgets' slider handle
    has no accessible name).  The result goes into an ``HTML`` widget (never an ``Output`` widget) so the
    explorer can be driven in plain pytest by setting ``explorer.threshold.value``.
    """
    import html

    import ipywidgets as widgets

    threshold = widgets.BoundedFloatText(value=7.0, min=3.0, max=9.5, step=0.5,
                                         description="Enrol at pain score (3-9.5)", continuous_update=False,
                                         style={"description_width": "initial"})
    result_html = widgets.HTML()

    def update(_change=None) -> None:
        result = simulate_regression_to_mean(n_people=n_people, threshold=threshold.value, seed=seed)
        result_html.value = f"<p role=\"status\">{html.escape(result.summary())}</p>"

    threshold.observe(update, names="value")
    update()
    explorer = _explorer_class()([
        widgets.HTML("<p>Type a pain score from 3 to 9.5, or use the Up and Down arrow keys (steps of 0.5), to "
                     "change the score at which people join.</p>"),
        threshold, result_html,
    ])
    explorer.threshold, explorer.result = threshold, result_html
    return explorer


@functools.lru_cache(maxsize=None)
def _explorer_class():
    """Build the explorer widget class on first use (importing this module must not import ipywidgets)."""
    import ipywidgets as widgets

    class RegressionExplorer(widgets.VBox):
        """Threshold box + result for the regression-to-the-mean simulation."""

        def __repr__(self) -> str:
            return "Regression-to-the-mean explorer: run the cell and change the threshold"

    return RegressionExplorer
