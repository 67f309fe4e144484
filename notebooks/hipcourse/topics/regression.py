"""Regression to the mean, for lesson 7: why pain falls after people enrol in a study at their worst.

* :func:`simulate_regression_to_mean` simulates untreated people (seeded, so the same seed gives the same
  numbers) and returns a :class:`RegressionToMeanResult`;
* :func:`regression_to_mean_figure` draws it (through the figure store, see :mod:`hipcourse.figures.cache`) with
  alt text from :func:`regression_to_mean_alt_text`;
* :func:`regression_to_mean_explorer` is a widget with a labelled number box for the enrolment threshold.

numpy, matplotlib and ipywidgets are imported inside the functions that need them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Mapping

from hipcourse.figures.palette import OKABE_ITO

__all__ = [
    "RegressionToMeanResult",
    "simulate_regression_to_mean",
    "regression_to_mean_alt_text",
    "regression_to_mean_figure",
    "simulated_regression_to_mean_figure",
    "regression_to_mean_explorer",
]


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
    from hipcourse.figures.cache import cached_figure

    result = result if result is not None else simulate_regression_to_mean()
    if result.settings is None:  # built by hand: nothing to find it by
        return _regression_to_mean_figure(result)
    return cached_figure("hipcourse.topics.regression:simulated_regression_to_mean_figure", dict(result.settings),
                         lambda: _regression_to_mean_figure(result))


def simulated_regression_to_mean_figure(**settings):
    """Simulate with ``settings`` (see :func:`simulate_regression_to_mean`) and return the figure of the result."""
    return regression_to_mean_figure(simulate_regression_to_mean(**settings))


def _regression_to_mean_figure(result: RegressionToMeanResult):
    from hipcourse.figures.display import AtlasFigure, new_figure

    # Shown 1.15 times larger (883 px, within a notebook cell): its 8 pt text then reads at 9.2 pt.
    figure = new_figure(size=(8.0, 4.3), display_scale=1.15)
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
    # Under the plots, not inside the scatter: inside, the key covered some of the people it explains.
    figure.legend(handles=scatter.get_lines(), loc="outside lower center", ncols=4, fontsize=8, frameon=False)
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
