"""The forest plot of lesson 7: every result of ``data/evidence.yaml`` that has an effect estimate with a 95 %
confidence interval.

* :func:`forest_rows` turns the data into :class:`ForestRow` records, grouped by condition in file order;
* :func:`forest_plot` draws one panel per (condition, scale), so that no two results on different scales share
  an axis; marker shape and colour (:data:`COMPARISON_STYLES`) show the kind of comparison group;
* :func:`forest_alt_text` describes every drawn row in words (it is also the figure's ``text/plain`` output).

The data, its checks and the tables are in :mod:`hipcourse.topics.evidence`. matplotlib is imported inside the
drawing function only.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Mapping, Sequence

from hipcourse.figures.palette import OKABE_ITO
from hipcourse.topics.evidence import CERTAINTY_WORDS, EvidenceDataError, load_evidence

__all__ = [
    "ComparisonStyle",
    "COMPARISON_STYLES",
    "ForestRow",
    "forest_rows",
    "forest_alt_text",
    "forest_plot",
]


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
    from hipcourse.figures.cache import cached_figure

    return cached_figure("hipcourse.topics.evidence_plots:forest_plot", {}, _forest_plot)


def _forest_plot(*, evidence: Mapping | None = None):
    """Draw the figure of :func:`forest_plot` (never from the figure cache)."""
    from matplotlib.lines import Line2D

    from hipcourse.figures.display import AtlasFigure, new_figure

    evidence = evidence if evidence is not None else load_evidence()
    rows = forest_rows(evidence)
    if not rows:
        raise EvidenceDataError("data/evidence.yaml: no entry has an estimate, so there is nothing to plot")
    panels = _panels(rows)
    heights = [len(panel_rows) + 1.2 for _, panel_rows in panels]
    figure = new_figure(size=(7.5, 1.2 + 0.5 * sum(heights)), display_scale=1.15)  # 8 pt reads at 9.2 pt
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
