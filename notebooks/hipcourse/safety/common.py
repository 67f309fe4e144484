"""Shared parts of the two safety screens: reading a safety data file through the data layer's checks, the
errors they raise, the answer check that refuses unknown question ids, and the checkbox widgets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hipcourse import paths

__all__ = ["NOT_A_DIAGNOSIS", "URGENCY_ORDER"]


#: Urgency levels, most urgent first. ``data/red_flags.yaml`` must list its levels in this order.
URGENCY_ORDER: tuple[str, ...] = ("emergency", "same_day", "soon", "routine")


#: Shown with every triage result, whatever the answers.
NOT_A_DIAGNOSIS = (
    "This check is not a diagnosis: it only tells you how quickly to get advice. If you are worried, or "
    "something is not on the list, contact a doctor, NHS 111 or your local health service anyway."
)


def _stamp(name: str) -> tuple[str, int | None]:
    """Cache key for ``data/<name>``: the data folder and the file's mtime (edits are picked up)."""
    path = paths.data_dir() / name
    try:
        return str(paths.data_dir()), path.stat().st_mtime_ns
    except FileNotFoundError:
        return str(paths.data_dir()), None


def _read_validated(name: str) -> tuple[dict, str]:
    """Read ``data/<name>`` with the shared loader and check it against its schema.

    Uses :mod:`hipcourse.content.data` (safe YAML loader refusing duplicate keys, the fast built-in subset of JSON
    Schema); full :mod:`jsonschema` validation runs in ``python -m hipcourse check`` and the tests, because
    importing jsonschema costs seconds in a notebook. Returns ``(document, "data/<name>")``.
    """
    from hipcourse.content import data, validate

    path = paths.data_dir() / name
    label = "data/" + name
    document, problems = data.read_yaml(path, label=label)
    if document is not None:
        schema = validate._schema(paths.data_dir() / "schemas" / name.replace(".yaml", ".schema.json"))
        if schema is None:
            problems.append(data.DataProblem(label, "", "its schema in data/schemas/ is missing"))
        else:
            problems += validate._structural_problems(document, schema, label, full=False)
    if problems:
        raise data.DataError(problems)
    return document, label


def _error(label: str, entry: str, message: str) -> Exception:
    from hipcourse.content import data

    return data.DataError([data.DataProblem(label, entry, message)])


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
