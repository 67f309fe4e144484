"""Numbered citations (hipcourse.content.citations): key form <-> numbered form, numbering, what a reader sees."""

import pytest

from hipcourse.content import citations as C
from hipcourse.content.sources import UnknownSourceError, cited_keys

ENTRIES = {"T-a": {"key": "T-a", "title": "Alpha", "citation": "Alpha A. Journal 2020", "doi": "10.1/a"},
           "T-b": {"key": "T-b", "title": "Beta", "url": "https://b.example"}}
TEXT = "First [T-b]. Both [T-a, T-b]; a link [x](01.ipynb), a task [ ] and [T-a](http://not-a-citation)."


def test_numbers_follow_first_citation_and_round_trip():
    numbers = C.numbering([TEXT])
    assert numbers == {"T-b": 1, "T-a": 2}
    shown = C.numbered_form(TEXT, numbers)
    assert shown == ('First <sup>[1](#ref-T-b "Reference 1")</sup>. Both <sup>[2](#ref-T-a "Reference 2"), '
                     '[1](#ref-T-b "Reference 1")</sup>; a link [x](01.ipynb), a task [ ] and '
                     '[T-a](http://not-a-citation).')
    assert C.key_form(shown) == TEXT
    assert cited_keys(shown) == cited_keys(TEXT) == ["T-b", "T-a"]
    # re-numbering the numbered form is a no-op; numbers change when an earlier citation is added
    assert C.numbered_form(shown, numbers) == shown
    assert C.numbering(["Now [T-a] first.", shown]) == {"T-a": 1, "T-b": 2}


def test_numbering_spans_cells_in_order():
    assert C.numbering(["[T-a]", "[T-b] and [T-a]"]) == {"T-a": 1, "T-b": 2}


def test_a_key_without_a_number_is_an_error():
    with pytest.raises(UnknownSourceError, match="T-zz"):
        C.numbered_form("See [T-zz].", {"T-a": 1})


def test_references_are_numbered_with_anchors_and_no_keys():
    text = C.numbered_references({"T-b": 1, "T-a": 2}, entries=ENTRIES)
    assert text.splitlines() == ['1. <a id="ref-T-b"></a>Beta. <https://b.example>',
                                 '2. <a id="ref-T-a"></a>Alpha A. Journal 2020. [doi:10.1/a](https://doi.org/10.1/a)']
    assert C.visible_keys(text, ENTRIES) == []
    with pytest.raises(UnknownSourceError, match="T-zz"):
        C.numbered_references({"T-zz": 1}, entries=ENTRIES)


def test_visible_keys_sees_keys_in_text_but_not_in_links_or_attributes():
    shown = C.numbered_form(TEXT, C.numbering([TEXT]))
    # the only visible key left is the link *text* "[T-a](http://...)", which is what a reader would see
    assert C.visible_keys(shown, ENTRIES) == ["T-a"]
    assert C.visible_keys('<td>Beta; Alpha</td> <a id="ref-T-a"></a>', ENTRIES) == []
    assert C.visible_keys("<td>[T-b]</td> and T-a.", ENTRIES) == ["T-a", "T-b"]
