"""The pain diary (hipcourse.practice.diary): validation, saving through the progress store, the sample, the plot."""

import datetime as dt
import json

import pytest

from hipcourse.practice.diary import CAPTION, Diary, DiaryError, diary_widget, plot_diary, sample_entries, validate_entry
from hipcourse.learning.progress import ProgressStore


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path)


@pytest.mark.parametrize("entry, message", [
    ({"date": "2024-02-30", "before": 5, "after": 3}, "not a date"),
    ({"date": None, "before": 5, "after": 3}, "choose the date"),
    ({"date": dt.datetime(2024, 3, 1, 9), "before": 5, "after": 3}, "without a time"),
    ({"date": "2024-03-01", "before": 11, "after": 3}, "before: 11 is outside"),
    ({"date": "2024-03-01", "before": 5, "after": -1}, "after: -1 is outside"),
    ({"date": "2024-03-01", "before": 4.5, "after": 3}, "whole number"),
    ({"date": "2024-03-01", "before": "five", "after": 3}, "not a number"),
    ({"date": "2024-03-01", "before": 5, "after": 3, "mood": 2}, "unknown field"),
    ({"date": "2024-03-01", "before": 5, "after": 3, "note": "x" * 201}, "keep it to 200"),
])
def test_invalid_entries_name_the_field(entry, message):
    with pytest.raises(DiaryError, match=message):
        validate_entry(entry)


def test_add_saves_sorted_entries_in_the_progress_file(store):
    diary = Diary(store)
    diary.add(date="2024-03-08", before=6, after=4)
    diary.add(date=dt.date(2024, 3, 1), before=7, after=5, note=" first ")
    assert [e["date"] for e in diary.entries()] == ["2024-03-01", "2024-03-08"]
    on_disk = json.loads(store.path.read_text())["sections"]["diary"]
    assert on_disk[0] == {"date": "2024-03-01", "before": 7, "after": 5, "note": "first"}


def test_two_writers_never_lose_an_entry(tmp_path):
    first, second = Diary(ProgressStore(tmp_path)), Diary(ProgressStore(tmp_path))
    first.add(date="2024-03-01", before=5, after=4)
    second.add(date="2024-03-02", before=4, after=3)
    first.add(date="2024-03-03", before=3, after=3)
    assert [e["date"] for e in Diary(ProgressStore(tmp_path)).entries()] == ["2024-03-01", "2024-03-02",
                                                                              "2024-03-03"]


def test_invalid_add_writes_nothing(store):
    with pytest.raises(DiaryError):
        Diary(store).add(date="2024-03-01", before=12, after=3)
    assert Diary(store).entries() == []


def test_remove_an_entry(store):
    diary = Diary(store)
    diary.add(date="2024-03-01", before=5, after=4)
    diary.add(date="2024-03-01", before=6, after=2)
    assert diary.remove(date="2024-03-01", index=1)["after"] == 2
    assert len(diary.entries()) == 1
    with pytest.raises(KeyError, match="no diary entry"):
        diary.remove(date="2024-04-01")


def test_sample_is_valid_and_plots_with_alt_text_and_caption():
    entries = sample_entries()
    assert len(entries) >= 10 and entries == sorted(entries, key=lambda e: e["date"])
    figure = plot_diary(entries, title="Sample")
    assert f"{len(entries)} sessions from {entries[0]['date']} to {entries[-1]['date']}" in figure.alt_text
    assert f"{entries[-1]['date']}: {entries[-1]['before']} then {entries[-1]['after']}" in figure.alt_text
    assert figure.caption == CAPTION and "does not show that pressing caused it" in CAPTION
    html = figure.to_html()
    assert 'alt="Sample: line chart' in html and "<figcaption>" in html
    lines = figure.figure.axes[0].get_lines()
    markers = {line.get_marker() for line in lines if line.get_label().endswith("session")}
    assert markers == {"o", "s"}  # before and after differ by shape, not only colour


def test_plot_needs_entries():
    with pytest.raises(DiaryError, match="no entries"):
        plot_diary([])


def test_widget_saves_learner_chosen_date_and_plots(store):
    widget = diary_widget(store=store)
    assert widget.date.value is None and widget.plot.value == ""  # no clock: the learner picks the date
    widget.before.value, widget.after.value = 6, 4
    widget.save_button.click()
    assert "choose the date" in widget.message.value and Diary(store).entries() == []
    widget.date.value = dt.date(2024, 5, 1)
    widget.note.value = "after a walk"
    widget.save_button.click()
    assert "Saved: 2024-05-01, pain 6 before and 4 after" in widget.message.value
    assert Diary(store).entries() == [{"date": "2024-05-01", "before": 6, "after": 4, "note": "after a walk"}]
    assert "<img alt=" in widget.plot.value and widget.note.value == ""


def test_pain_scores_are_labelled_number_boxes_from_0_to_10(store):
    import ipywidgets as widgets

    widget = diary_widget(store=store)
    for box in (widget.before, widget.after):
        assert isinstance(box, widgets.BoundedIntText) and "(0-10)" in box.description
        assert (box.min, box.max, box.step) == (0, 10, 1)
    widget.before.value, widget.after.value = 14, -3  # typed out of range: clamped, never saved as such
    assert (widget.before.value, widget.after.value) == (10, 0)
    assert "slider" not in widget.children[0].value
