"""Instructor answer keys (hipcourse.instructor.keys): generated from the banks, answers computed, every explanation shown."""

import html

import pytest

from hipcourse import cli
from hipcourse.instructor import keys
from hipcourse.content.geometry import Body
from hipcourse.learning.quiz import Numeric, all_questions, bank_names


def _flat(text):
    return " ".join(str(text).split())


@pytest.fixture(scope="module")
def body():
    return Body.reference()


def test_every_question_of_every_bank_is_in_its_key_with_answer_and_all_explanations(body):
    for bank in bank_names():
        markdown = keys.key_markdown(bank, body=body)
        for qbank, _quiz, spec in all_questions(banks=[bank]):
            assert f"`{spec['id']}`" in markdown, f"{bank}: {spec['id']} missing from the key"
            if spec["type"] == "single":
                right = next(o["text"] for o in spec["options"] if o.get("correct"))
                assert f"**Answer: {_flat(right)}**" in markdown
            if spec["type"] in ("single", "multiple"):
                for option in spec["options"]:
                    assert _flat(option["explanation"]) in markdown, (spec["id"], option["text"])
            if spec["type"] == "truefalse":
                assert _flat(spec["explanation_true"]) in markdown
                assert _flat(spec["explanation_false"]) in markdown


def test_truefalse_and_multiple_answers_are_right(body):
    tf = {"id": "t", "type": "truefalse", "prompt": "p", "answer": False,
          "explanation_true": "no", "explanation_false": "yes"}
    assert keys.question_key(tf, body=body).answer == "False"
    multi = {"id": "m", "type": "multiple", "prompt": "p", "options": [
        {"text": "A", "correct": True, "explanation": "a"}, {"text": "B", "explanation": "b"},
        {"text": "C", "correct": True, "explanation": "c"}]}
    entry = keys.question_key(multi, body=body)
    assert entry.answer == "A; C"
    assert ("wrong: B", "b") in entry.explanations and ("right: C", "c") in entry.explanations


def test_numeric_answers_are_computed_like_the_grading_widget(body):
    base = {"type": "numeric", "prompt": "How far?", "tolerance": 0.5, "unit": "B-cun",
            "explanation_correct": "ok", "explanation_low": "low", "explanation_high": "high"}
    by_scale = dict(base, id="n1", answer={"scale_cun": "thigh_posterior"})
    assert keys.question_key(by_scale, body=body).answer.startswith("14 B-cun")
    by_distance = dict(base, id="n2", answer={"distance_cun": ["GT", "PC"], "view": "posterior",
                                               "scale": "thigh_lateral", "axis": "vertical"})
    expected = Numeric(dict(by_distance), body=body).expected
    assert keys.question_key(by_distance, body=body).answer.startswith(f"{expected:g} B-cun")
    assert expected == pytest.approx(19.0)  # GT to the popliteal crease is the 19 B-cun index measure


def test_locate_answers_come_from_the_geometry(body):
    spec = {"id": "loc", "type": "locate", "prompt": "Click GB30.", "point": "GB30", "view": "posterior",
            "tolerance_cun": 1.0, "explanation": "Because."}
    entry = keys.question_key(spec, body=body)
    x, y = body.point("GB30", "posterior")
    assert f"x = {x:.1f} cm, y = {y:.1f} cm" in entry.answer
    construction = dict(entry.explanations)["Construction"]
    assert "1/3 of the way from GT to SH" in construction


def test_unknown_type_is_refused_with_the_question_id(body):
    with pytest.raises(ValueError, match="question q9: unknown type 'essay'"):
        keys.question_key({"id": "q9", "type": "essay", "prompt": "Write."}, body=body)


def test_html_key_is_escaped_and_self_contained(body):
    page = keys.key_html("lesson00", body=body)
    assert page.startswith("<!DOCTYPE html>") and "http://" not in page and "https://" not in page
    first = all_questions(banks=["lesson00"])[0][2]
    assert html.escape(_flat(first["prompt"])) in page


def test_command_writes_every_bank_and_rewrites_nothing_unchanged(tmp_path, capsys):
    out = tmp_path / "keys"
    assert cli.main(["answer-keys", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    for bank in bank_names():
        assert {f"{bank}-key.md", f"{bank}-key.html"} <= names
    assert "index.md" in names
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert cli.main(["answer-keys", "--out", str(out)]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps
    assert "wrote" in capsys.readouterr().out
