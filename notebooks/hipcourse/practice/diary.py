"""The pain diary of lesson 6: pain before and after each session, kept with the learner's progress.

Entries are ``{"date": "YYYY-MM-DD", "before": 0-10, "after": 0-10, "note": "..."}``. The learner chooses the
date (nothing here reads a clock, so notebook outputs stay the same on every run). Entries live in the
``"diary"`` section of the learner's :class:`~hipcourse.learning.progress.ProgressStore`, which writes atomically under
a lock and merges with what is on disk, so an entry is never lost when two notebooks are open.

* :func:`validate_entry` - check one entry; :class:`DiaryError` names the field and the accepted values;
* :class:`Diary` - read, add and remove entries in the store;
* :func:`sample_entries` - the invented example of ``data/diary_sample.yaml``;
* :func:`plot_diary` - an :class:`~hipcourse.figures.display.AtlasFigure` with alt text and a caption reminding that
  change over time is not proof that pressing caused it;
* :func:`diary_widget` - date picker, two 0-10 number boxes, a note, Save, and the plot (keyboard usable).
"""

from __future__ import annotations

from hipcourse.content.data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file

import datetime as _dt
import functools
import html
from typing import Iterable, Mapping

from hipcourse import paths

__all__ = [
    "SECTION",
    "CAPTION",
    "DiaryError",
    "validate_entry",
    "Diary",
    "sample_entries",
    "plot_diary",
    "diary_widget",
]

#: Name of the progress-store section holding the diary.
SECTION = "diary"
_MAX_NOTE = 200

#: Shown under every diary plot.
CAPTION = (
    "Pain before (circles, solid line) and after (squares, dashed line) each session, 0 = no pain, 10 = worst "
    "imaginable. A fall over the weeks does not show that pressing caused it: many hip problems settle by "
    "themselves, pain that was unusually bad when you started tends to drift back toward your usual level, "
    "and in trials sham pressing helped about as much as real pressing."
)


class DiaryError(ValueError):
    """An invalid diary entry; the message names the field and what is accepted."""


def _as_date(value, *, where: str) -> str:
    if isinstance(value, _dt.datetime):
        raise DiaryError(f"{where}date: give a calendar date without a time, not {value!r}")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
        raise DiaryError(f"{where}date: '{value}' is not a date; use the form YYYY-MM-DD, e.g. 2024-03-04")
    if value is None:
        raise DiaryError(f"{where}date: please choose the date of the session")
    raise DiaryError(f"{where}date: {value!r} is not a date; use the form YYYY-MM-DD")


def _as_pain(value, *, field: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise DiaryError(f"{where}{field}: {value!r} is not a number; pain is a whole number from 0 to 10")
    if value != int(value) or not 0 <= value <= 10:
        raise DiaryError(f"{where}{field}: {value!r} is outside the scale; pain is a whole number from 0 to 10")
    return int(value)


def validate_entry(entry: Mapping, *, where: str = "") -> dict:
    """Return a clean copy of a diary entry or raise :class:`DiaryError`.

    ``date`` may be a :class:`datetime.date` or ``"YYYY-MM-DD"``; ``before`` and ``after`` whole numbers 0-10;
    ``note`` optional text of at most 200 characters. ``where`` prefixes messages (e.g. ``"entries[3]."``).
    """
    if not isinstance(entry, Mapping):
        raise DiaryError(f"{where.rstrip('.') or 'entry'}: a diary entry must be a mapping, not {type(entry).__name__}")
    unknown = sorted(set(entry) - {"date", "before", "after", "note"})
    if unknown:
        raise DiaryError(f"{where}{unknown[0]}: unknown field (allowed: date, before, after, note)")
    clean = {"date": _as_date(entry.get("date"), where=where),
             "before": _as_pain(entry.get("before"), field="before", where=where),
             "after": _as_pain(entry.get("after"), field="after", where=where)}
    note = entry.get("note")
    if note not in (None, ""):
        if not isinstance(note, str):
            raise DiaryError(f"{where}note: must be text, not {type(note).__name__}")
        if len(note) > _MAX_NOTE:
            raise DiaryError(f"{where}note: {len(note)} characters; keep it to {_MAX_NOTE}")
        clean["note"] = note.strip()
    return clean


def _sorted(entries: Iterable[dict]) -> list[dict]:
    # Stable sort: several sessions on one day keep the order in which they were entered.
    return sorted(entries, key=lambda e: e["date"])


class Diary:
    """The learner's diary in a :class:`~hipcourse.learning.progress.ProgressStore` (default: the learner's store)."""

    def __init__(self, store=None):
        if store is None:
            from hipcourse.learning.progress import ProgressStore

            store = ProgressStore()
        self.store = store

    def __repr__(self) -> str:
        return f"Diary: {len(self.entries())} entries"

    def entries(self) -> list[dict]:
        """All entries, oldest first. Entries that no longer validate are skipped, never deleted."""
        raw = self.store.get_section(SECTION, default=[]) or []
        good = []
        for index, entry in enumerate(raw if isinstance(raw, list) else []):
            try:
                good.append(validate_entry(entry, where=f"entries[{index}]."))
            except DiaryError:
                continue
        return _sorted(good)

    def add(self, *, date, before, after, note: str | None = None) -> dict:
        """Validate and save one entry; return the saved entry. Raises :class:`DiaryError`."""
        entry = validate_entry({"date": date, "before": before, "after": after, "note": note})

        def op(current):
            # `current` is the section as it is on disk now, so entries from other notebooks are kept.
            current = current if isinstance(current, list) else []
            return _sorted([*current, entry])

        self.store.update_section(SECTION, op)
        return entry

    def remove(self, *, date, index: int = 0) -> dict:
        """Remove the ``index``-th entry (0 = first entered) of ``date``; return it. ``KeyError`` if none."""
        day = _as_date(date, where="")
        removed = {}

        def op(current):
            current = list(current) if isinstance(current, list) else []
            same_day = [i for i, e in enumerate(current) if isinstance(e, dict) and e.get("date") == day]
            if index >= len(same_day) or index < 0:
                raise KeyError(f"no diary entry number {index} on {day}")
            removed.update(current.pop(same_day[index]))
            return current

        self.store.update_section(SECTION, op)
        return removed


@functools.lru_cache(maxsize=2)
def _sample(stamp: tuple[str, int]) -> tuple[dict, ...]:
    import json

    from hipcourse.content.schemas import schema_errors

    path = paths.data_dir() / "diary_sample.yaml"
    label = paths.display_path(path)
    document = _load_yaml_file(path)
    schema = json.loads((paths.data_dir() / "schemas" / "diary_sample.schema.json").read_text(encoding="utf-8"))
    error = next(iter(sorted(schema_errors(document, schema), key=str)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise DiaryError(f"{label}: {where}: {error.message}")
    return tuple(validate_entry(e, where=f"{label}: entries[{i}].") for i, e in enumerate(document["entries"]))


def sample_entries() -> list[dict]:
    """The invented demonstration diary of ``data/diary_sample.yaml`` (validated), oldest first."""
    path = paths.data_dir() / "diary_sample.yaml"
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except OSError as error:
        raise DiaryError(f"{paths.display_path(path)}: cannot read ({error.strerror})") from None
    return _sorted([dict(e) for e in _sample(stamp)])


def _summary(entries: list[dict]) -> str:
    first, last = entries[0], entries[-1]
    drops = [e["before"] - e["after"] for e in entries]
    mean_drop = sum(drops) / len(drops)
    return (f"{len(entries)} sessions from {first['date']} to {last['date']}. Pain before the session went from "
            f"{first['before']} to {last['before']} out of 10; within a session it fell by "
            f"{mean_drop:.1f} points on average.")


def plot_diary(entries: Iterable[Mapping], *, title: str = "Pain diary"):
    """Plot pain before and after each session over time; return an :class:`~hipcourse.figures.display.AtlasFigure`.

    Before: circles on a solid line; after: squares on a dashed line (Okabe-Ito blue and vermillion), so the
    two series differ by shape and line style as well as colour. The alt text lists every entry.

    Raises:
        DiaryError: an entry is invalid, or there are no entries.
    """
    from hipcourse.figures.cache import cached_figure

    entries = [dict(entry) if isinstance(entry, Mapping) else entry for entry in entries]
    # Plain entries (the sample diary, a learner's saved diary) can be served by the figure cache.
    return cached_figure("hipcourse.practice.diary:plot_diary", {"entries": entries, "title": title},
                         lambda: _plot_diary(entries, title=title))


def _plot_diary(entries: list, *, title: str):
    from hipcourse.figures.display import AtlasFigure, new_figure
    from hipcourse.figures.palette import OKABE_ITO

    clean = _sorted(validate_entry(e, where=f"entries[{i}].") for i, e in enumerate(entries))
    if not clean:
        raise DiaryError("the diary has no entries yet: add a session first")
    dates = [_dt.date.fromisoformat(e["date"]) for e in clean]
    figure = new_figure(size=(7.0, 3.6), display_scale=1.15)  # 8 pt ticks read at 9.2 pt
    axes = figure.add_axes((0.09, 0.13, 0.88, 0.76))
    for day, entry in zip(dates, clean):
        axes.plot([day, day], [entry["before"], entry["after"]], color="#999999", linewidth=0.8, zorder=1)
    axes.plot(dates, [e["before"] for e in clean], marker="o", linestyle="-", color=OKABE_ITO["blue"],
              markeredgecolor="#000000", label="before the session", zorder=3)
    axes.plot(dates, [e["after"] for e in clean], marker="s", linestyle="--", color=OKABE_ITO["vermillion"],
              markeredgecolor="#000000", label="after the session", zorder=3)
    axes.set_ylim(-0.3, 10.3)
    axes.set_yticks(range(0, 11, 2))
    axes.set_ylabel("pain (0-10)")
    axes.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    axes.legend(loc="upper right", fontsize=8, frameon=False)
    import matplotlib.dates as mdates

    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    if len(dates) > 1:
        axes.set_xlim(dates[0] - _dt.timedelta(days=1), dates[-1] + _dt.timedelta(days=1))
    for label in axes.get_xticklabels():
        label.set_fontsize(8)
    axes.set_title(title, fontsize=11)
    listing = "; ".join(f"{e['date']}: {e['before']} then {e['after']}" for e in clean)
    alt = (f"{title}: line chart of pain before and after each session. {_summary(clean)} "
           f"Every session (date: before then after): {listing}.")
    return AtlasFigure(figure, alt_text=alt, caption=CAPTION)


@functools.cache
def _widget_class():
    import ipywidgets as widgets

    class DiaryWidget(widgets.VBox):
        """Date picker, before/after number boxes, note, Save; the message and the plot go into HTML widgets.

        Attributes: ``date``, ``before``, ``after``, ``note``, ``save_button``, ``message`` (HTML),
        ``plot`` (HTML: the diary plot with alt text), ``diary`` (the :class:`Diary`).
        """

        def __init__(self, *, store=None):
            self.diary = Diary(store)
            # No default date: the learner picks it, so no clock value ever reaches a notebook output.
            self.date = widgets.DatePicker(description="Date", value=None)
            # Labelled number boxes, not sliders: ipywidgets' slider handle has no accessible name, while
            # BoundedIntText links its <label for> to an <input type="number"> that the arrow keys step.
            score = {"min": 0, "max": 10, "step": 1, "value": 0, "continuous_update": False,
                     "style": {"description_width": "12em"}, "layout": widgets.Layout(width="20em")}
            self.before = widgets.BoundedIntText(description="Pain before (0-10)", **score)
            self.after = widgets.BoundedIntText(description="Pain after (0-10)", **score)
            self.note = widgets.Text(description="Note (optional)", placeholder="e.g. long walk yesterday",
                                     style={"description_width": "12em"}, layout=widgets.Layout(width="40em"))
            self.save_button = widgets.Button(description="Save entry", icon="save", tooltip="Save this session")
            self.message = widgets.HTML(value="")
            self.plot = widgets.HTML(value="")
            self.save_button.on_click(self._save)
            super().__init__(children=[widgets.HTML("<p>Use <kbd>Tab</kbd> to move between boxes; type a "
                                                    "pain score from 0 to 10 or use the Up and Down arrow "
                                                    "keys.</p>"),
                                       self.date, self.before, self.after, self.note, self.save_button,
                                       self.message, self.plot])
            self._refresh_plot()

        def _save(self, _button=None) -> None:
            try:
                entry = self.diary.add(date=self.date.value, before=self.before.value, after=self.after.value,
                                       note=self.note.value)
            except DiaryError as error:
                self.message.value = f'<div role="alert">{html.escape(str(error))}</div>'
                return
            self.message.value = (f'<div role="status">Saved: {entry["date"]}, pain {entry["before"]} before '
                                  f'and {entry["after"]} after.</div>')
            self.note.value = ""
            self._refresh_plot()

        def _refresh_plot(self) -> None:
            entries = self.diary.entries()
            self.plot.value = plot_diary(entries, title="Your pain diary").to_html() if entries else ""

        def __repr__(self) -> str:
            return "Pain diary: run the cell to add a session"

    return DiaryWidget


def diary_widget(*, store=None):
    """Return the diary widget, saving to ``store`` (default: the learner's progress store)."""
    return _widget_class()(store=store)
