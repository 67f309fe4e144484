"""The progress panel a learner sees in lesson 0 and lesson 8: a summary of their quiz progress, Export (with an
optional name, for an instructor) and Reset (asks to confirm; a backup is kept)."""

from __future__ import annotations

import functools
from pathlib import Path

from hipcourse.learning import review
from hipcourse.learning.progress import ProgressStore

__all__ = ["progress_panel"]


def progress_panel(store: ProgressStore | None = None, *, export_path="hipcourse-progress-export.json"):
    """Return a widget with a progress summary, Export (with a name field) and Reset (asks to confirm)."""
    import ipywidgets as widgets


    store = store if store is not None else ProgressStore()
    summary = widgets.HTML(value=review.summary_html(store))
    name = widgets.Text(value="", description="Your name", placeholder="optional, for your instructor")
    export_button = widgets.Button(description="Export", tooltip="Save a copy of your progress for an instructor")
    reset_button = widgets.Button(description="Reset", tooltip="Start your quiz progress afresh (asks first)")
    confirm_button = widgets.Button(description="Yes, reset", button_style="danger",
                                    tooltip="Confirm: start afresh; a backup is kept",
                                    layout=widgets.Layout(display="none"))
    cancel_button = widgets.Button(description="Cancel", tooltip="Keep my progress",
                                   layout=widgets.Layout(display="none"))
    status = widgets.HTML(value="")

    def show_confirm(visible):
        confirm_button.layout.display = None if visible else "none"
        cancel_button.layout.display = None if visible else "none"

    def on_export(_button=None):
        try:
            path = store.export(export_path, name=name.value.strip() or None)
        except OSError as exc:
            status.value = f"Export failed: {exc.strerror or exc}."
        else:
            status.value = f"Exported to {Path(path).name}. Send this file to your instructor."

    def on_reset(_button=None):
        show_confirm(True)
        status.value = "Reset clears your quiz answers and scores (a backup is kept). Are you sure?"

    def on_confirm(_button=None):
        show_confirm(False)
        backup = store.reset(confirm=True)
        summary.value = review.summary_html(store)
        if store.warnings_for_learner and store.warnings_for_learner[-1].startswith("Progress was not reset"):
            status.value = store.warnings_for_learner[-1]
        else:
            kept = f" The old progress was kept as {backup.name}." if backup else ""
            status.value = "Your quiz progress was reset." + kept

    def on_cancel(_button=None):
        show_confirm(False)
        status.value = "Nothing was changed."

    export_button.on_click(on_export)
    reset_button.on_click(on_reset)
    confirm_button.on_click(on_confirm)
    cancel_button.on_click(on_cancel)
    panel = _panel_class()([
        widgets.HTML(value="<h3>Your progress</h3>"), summary, name,
        widgets.HBox([export_button, reset_button, confirm_button, cancel_button]), status,
    ])
    panel.add_class("progress-panel")
    panel.store, panel.summary, panel.name, panel.status = store, summary, name, status
    panel.export_button, panel.reset_button = export_button, reset_button
    panel.confirm_button, panel.cancel_button = confirm_button, cancel_button
    return panel


@functools.lru_cache(maxsize=None)
def _panel_class():
    """Build the panel widget class on first use, so importing this module does not import ipywidgets."""
    import ipywidgets as widgets

    class ProgressPanel(widgets.VBox):
        """The progress panel widget (see :func:`progress_panel`)."""

        def __repr__(self):
            return "Progress panel: run the cell to see your progress"

    return ProgressPanel
