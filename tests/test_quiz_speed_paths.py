"""The quick happy path of quiz bank validation never accepts a bad bank and never changes a message.

``load_bank`` confirms a valid bank with :func:`hipcourse.content.schemas.surely_valid` (no jsonschema import) and
asks jsonschema whenever that does not say yes. These tests hold it to that:

* every rule of ``data/schemas/quiz_bank.schema.json`` (each conditional branch, pattern, minimum, length,
  ``oneOf``), broken one at a time, is rejected through ``load_bank`` and ``show_quiz`` with exactly the
  message of the code before the quick path (jsonschema alone, then the semantic checks);
* on random edits of a bank, ``surely_valid`` gives jsonschema's verdict, every time;
* outside its subset ``surely_valid`` says no, and never yes where jsonschema says no;
* valid banks, the course's included, really skip jsonschema.

Nothing here is timed: speed is measured with a script, correctness is asserted here.
"""

import copy
import datetime
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hipcourse.learning import banks as quizmod
from hipcourse.content.data import load_yaml
from hipcourse.learning.progress import ProgressStore
from hipcourse.learning.quiz import QuizBankError, load_bank, show_quiz
from hipcourse.content.schemas import jsonschema_module, surely_valid

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "data" / "schemas" / "quiz_bank.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema_module().Draft202012Validator(SCHEMA)

# database=None: no .hypothesis folder in the working tree; deadline=None: the machine is shared.
COMMON = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture]}

#: A valid bank with every question type, every answer form and every optional field of the schema.
BASE = {
    "lesson": 93,
    "title": "Speed paths",
    "quizzes": [{
        "id": "qz",
        "title": "T",
        "intro": "I",
        "questions": [
            {"id": "q-single", "type": "single", "prompt": "P?", "sources": ["S-1"],
             "options": [{"text": "A", "correct": True, "explanation": "a"},
                         {"text": "B", "correct": False, "explanation": "b"}]},
            {"id": "q-multiple", "type": "multiple", "prompt": "P?",
             "options": [{"text": "A", "correct": True, "explanation": "a"}, {"text": "B", "explanation": "b"}]},
            {"id": "q-tf", "type": "truefalse", "prompt": "P?", "answer": True, "explanation_true": "t",
             "explanation_false": "f"},
            {"id": "q-match", "type": "match", "prompt": "P?",
             "pairs": [{"left": "L1", "right": "R1", "explanation": "e1"},
                       {"left": "L2", "right": "R2", "explanation": "e2"}],
             "distractors": ["R3"]},
            {"id": "q-num-scale", "type": "numeric", "prompt": "P?", "answer": {"scale_cun": "thigh_posterior"},
             "tolerance": 0.5, "unit": "B-cun", "explanation_correct": "c", "explanation_low": "l",
             "explanation_high": "h"},
            {"id": "q-num-dist", "type": "numeric", "prompt": "P?",
             "answer": {"distance_cun": ["SH", "GT"], "view": "posterior", "scale": "back", "axis": "horizontal"},
             "explanation_correct": "c", "explanation_low": "l", "explanation_high": "h"},
            {"id": "q-num-value", "type": "numeric", "prompt": "P?", "answer": {"value": 5},
             "explanation_correct": "c", "explanation_low": "l", "explanation_high": "h"},
            {"id": "q-locate", "type": "locate", "prompt": "P?", "point": "GB30", "view": "posterior",
             "tolerance_cun": 1.0, "scale": "back", "layers": ["outline"], "hint_after": 2, "explanation": "e"},
            {"id": "q-locate-lm", "type": "locate", "prompt": "P?", "landmark": "GT", "view": "lateral",
             "explanation": "e"},
        ],
    }],
}


def question(bank, qid):
    return next(q for q in bank["quizzes"][0]["questions"] if q["id"] == qid)


def _editor(select, changes):
    """An edit of the mapping ``select(bank)``: ``key=value`` sets, ``key=DELETE`` removes."""
    def apply(bank):
        target = select(bank)
        for key, value in changes.items():
            if value is DELETE:
                del target[key]
            else:
                target[key] = value
    return apply


def edit(qid, **changes):
    """An edit of one question."""
    return _editor(lambda bank: question(bank, qid), changes)


def edit_bank(**changes):
    """An edit of the bank's top level."""
    return _editor(lambda bank: bank, changes)


def edit_quiz(**changes):
    """An edit of the bank's first quiz."""
    return _editor(lambda bank: bank["quizzes"][0], changes)


def edit_item(qid, key, index, **changes):
    """Edit item ``index`` of the list ``key`` (options, pairs) of one question."""
    return _editor(lambda bank: question(bank, qid)[key][index], changes)


DELETE = object()
DIST = {"distance_cun": ["SH", "GT"], "view": "posterior", "scale": "back"}

#: One case per rule of quiz_bank.schema.json (name: edit). Each breaks the schema and nothing else.
SCHEMA_VIOLATIONS = {
    # top level
    "lesson missing (required)": edit_bank(lesson=DELETE),
    "lesson as text (type integer)": edit_bank(lesson="5"),
    "lesson true (a boolean is no integer)": edit_bank(lesson=True),
    "lesson 5.5 (type integer)": edit_bank(lesson=5.5),
    "lesson -1 (minimum 0)": edit_bank(lesson=-1),
    "lesson 100 (maximum 99)": edit_bank(lesson=100),
    "bank title empty (minLength)": edit_bank(title=""),
    "unknown top-level field (additionalProperties)": edit_bank(author="me"),
    "quizzes empty (minItems)": edit_bank(quizzes=[]),
    "quizzes a mapping (type array)": edit_bank(quizzes={"id": "qz"}),
    # quiz
    "quiz id starts with a dash (pattern)": edit_quiz(id="-qz"),
    "quiz id with a space (pattern)": edit_quiz(id="q z"),
    "quiz title missing (required)": edit_quiz(title=DELETE),
    "quiz intro empty (minLength via $ref)": edit_quiz(intro=""),
    "quiz questions empty (minItems)": edit_quiz(questions=[]),
    "unknown quiz field (additionalProperties)": edit_quiz(level=2),
    # every question
    "question id with a bang (pattern)": edit("q-tf", id="q-tf!"),
    "question type missing (required; every if passes)": edit("q-tf", type=DELETE),
    "question type unknown (enum)": edit("q-tf", type="essay"),
    "prompt empty (minLength)": edit("q-tf", prompt=""),
    "prompt a number (type string)": edit("q-tf", prompt=42),
    "source key empty (minLength)": edit("q-single", sources=[""]),
    "sources as text (type array)": edit("q-single", sources="S-1"),
    # single / multiple branch
    "single without options (then.required)": edit("q-single", options=DELETE),
    "single with one option (minItems 2)": edit("q-single", options=[{"text": "A", "correct": True,
                                                                      "explanation": "a"}]),
    "single with a truefalse field (then.additionalProperties)": edit("q-single", answer=True),
    "multiple with pairs (then.additionalProperties)": edit("q-multiple", pairs=[]),
    "option without explanation (required)": edit_item("q-single", "options", 1, explanation=DELETE),
    "option correct as text (type boolean)": edit_item("q-single", "options", 0, correct="yes"),
    "option unknown field (additionalProperties)": edit_item("q-single", "options", 0, hint="h"),
    "option text empty (minLength)": edit_item("q-multiple", "options", 1, text=""),
    # truefalse branch
    "truefalse without explanation_false (then.required)": edit("q-tf", explanation_false=DELETE),
    "truefalse answer as text (type boolean)": edit("q-tf", answer="true"),
    "truefalse answer 1 (type boolean)": edit("q-tf", answer=1),
    "truefalse with options (then.additionalProperties)": edit("q-tf", options=[]),
    # match branch
    "match with one pair (minItems 2)": edit("q-match", pairs=[{"left": "L", "right": "R", "explanation": "e"}]),
    "pair without right (required)": edit_item("q-match", "pairs", 1, right=DELETE),
    "pair left empty (minLength)": edit_item("q-match", "pairs", 0, left=""),
    "distractor empty (minLength)": edit("q-match", distractors=[""]),
    "match with an answer (then.additionalProperties)": edit("q-match", answer=True),
    # numeric branch
    "numeric without explanation_low (then.required)": edit("q-num-scale", explanation_low=DELETE),
    "numeric answer with two forms (oneOf: none)": edit("q-num-scale", answer={"scale_cun": "x", "value": 3}),
    "numeric answer empty (oneOf: none)": edit("q-num-scale", answer={}),
    "numeric answer a bare number (oneOf: none)": edit("q-num-scale", answer=5),
    "numeric value true (type number)": edit("q-num-value", answer={"value": True}),
    "numeric value as text (type number)": edit("q-num-value", answer={"value": "5"}),
    "scale_cun id with a space (pattern)": edit("q-num-scale", answer={"scale_cun": "thigh posterior"}),
    "distance_cun of three ids (maxItems 2)": edit("q-num-dist", answer={**DIST, "distance_cun": ["A", "B", "C"]}),
    "distance_cun of one id (minItems 2)": edit("q-num-dist", answer={**DIST, "distance_cun": ["A"]}),
    "distance_cun id with a space (pattern)": edit("q-num-dist", answer={**DIST, "distance_cun": ["SH", "G T"]}),
    "distance view unknown (enum)": edit("q-num-dist", answer={**DIST, "view": "top"}),
    "distance axis unknown (enum)": edit("q-num-dist", answer={**DIST, "axis": "diagonal"}),
    "distance without scale (required)": edit("q-num-dist", answer={k: v for k, v in DIST.items() if k != "scale"}),
    "tolerance -0.1 (minimum 0)": edit("q-num-scale", tolerance=-0.1),
    "tolerance as text (type number)": edit("q-num-scale", tolerance="0.5"),
    "unit a number (type string)": edit("q-num-scale", unit=5),
    "numeric with options (then.additionalProperties)": edit("q-num-value", options=[]),
    # locate branch
    "locate without view (then.required)": edit("q-locate", view=DELETE),
    "locate view unknown (enum)": edit("q-locate", view="top"),
    "locate with point and landmark (oneOf: both)": edit("q-locate", landmark="GT"),
    "locate with neither point nor landmark (oneOf: none)": edit("q-locate", point=DELETE),
    "locate tolerance_cun 0 (exclusiveMinimum 0)": edit("q-locate", tolerance_cun=0),
    "locate tolerance_cun -1 (exclusiveMinimum 0)": edit("q-locate", tolerance_cun=-1),
    "locate hint_after 0 (minimum 1)": edit("q-locate", hint_after=0),
    "locate hint_after 1.5 (type integer)": edit("q-locate", hint_after=1.5),
    "locate layer a number (items type string)": edit("q-locate", layers=[1]),
    "locate point with a space (pattern)": edit("q-locate", point="GB 30"),
    "locate scale starting with underscore (pattern)": edit("q-locate", scale="_back"),
    "locate without explanation (then.required)": edit("q-locate-lm", explanation=DELETE),
    "locate with an answer (then.additionalProperties)": edit("q-locate-lm", answer=True),
}

#: Schema-valid banks that the semantic checks reject (the quick yes must lead to these messages too).
SEMANTIC_VIOLATIONS = {
    "single with two correct options": edit_item("q-single", "options", 1, correct=True),
    "multiple with no correct option": edit_item("q-multiple", "options", 0, correct=False),
    "two options with the same text": edit_item("q-single", "options", 1, text="A"),
    "two pairs with the same left item": edit_item("q-match", "pairs", 1, left="L1"),
    "question id used twice": edit("q-multiple", id="q-single"),
    "quiz id used twice": lambda bank: bank["quizzes"].append(
        {"id": "qz", "title": "T2", "questions": [dict(question(bank, "q-tf"), id="q-tf2")]}),
}

#: Valid at the schema's edges (inclusive bounds, 2.0 as an integer): accepted, through the quick path.
VALID_EDGES = {
    "lesson 0": edit_bank(lesson=0),
    "lesson 99": edit_bank(lesson=99),
    "no bank title": edit_bank(title=DELETE),
    "tolerance 0": edit("q-num-scale", tolerance=0),
    "hint_after 1": edit("q-locate", hint_after=1),
    "hint_after 2.0 (an integer in Draft 2020-12)": edit("q-locate", hint_after=2.0),
    "tolerance_cun just above 0": edit("q-locate", tolerance_cun=0.001),
    "value a fraction": edit("q-num-value", answer={"value": 2.5}),
    "distance without axis": edit("q-num-dist", answer=DIST),
    "no optional fields": edit("q-locate", tolerance_cun=DELETE, scale=DELETE, layers=DELETE, hint_after=DELETE),
}


def bank_with(change) -> dict:
    bank = copy.deepcopy(BASE)
    change(bank)
    return bank


def old_message(path: Path) -> str | None:
    """What load_bank raised before the quick path existed: jsonschema alone, then the semantic checks."""
    data = load_yaml(path)
    where = quizmod._display(path)
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        err = min(errors, key=lambda e: len(list(e.absolute_path)) * -1)
        return f"{where}: {quizmod._entry_name(data, err.absolute_path)}: {err.message}"
    try:
        quizmod._check_bank_semantics(data, where)
    except QuizBankError as exc:
        return str(exc)
    return None


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    (folder / "quizzes").mkdir(parents=True)
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(folder))
    monkeypatch.setenv("HIPCOURSE_PROGRESS_DIR", str(tmp_path / "progress"))
    return folder


def write_bank(data_dir, text: str, name: str = "lesson93") -> Path:
    path = data_dir / "quizzes" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_rejected_as_before(data_dir, path: Path, *, schema_error: bool):
    data = load_yaml(path)
    assert VALIDATOR.is_valid(data) is not schema_error  # the case breaks what it says it breaks
    assert surely_valid(data, SCHEMA) is not schema_error
    expected = old_message(path)
    assert expected is not None
    with pytest.raises(QuizBankError) as raised:
        load_bank(path.stem)
    assert str(raised.value) == expected
    with pytest.raises(QuizBankError) as raised:
        show_quiz(path.stem, "qz", store=ProgressStore(data_dir.parent / "progress"))
    assert str(raised.value) == expected


# ------------------------------------------------------------------------------------------------ messages
def test_the_base_bank_is_valid_and_takes_the_quick_path(data_dir):
    path = write_bank(data_dir, yaml.safe_dump(BASE, sort_keys=False))
    assert VALIDATOR.is_valid(BASE) and surely_valid(BASE, SCHEMA)
    assert old_message(path) is None
    assert load_bank("lesson93")["quizzes"][0]["id"] == "qz"


@pytest.mark.parametrize("name", SCHEMA_VIOLATIONS)
def test_every_schema_rule_still_rejects_with_jsonschemas_message(data_dir, name):
    path = write_bank(data_dir, yaml.safe_dump(bank_with(SCHEMA_VIOLATIONS[name]), sort_keys=False))
    assert_rejected_as_before(data_dir, path, schema_error=True)


@pytest.mark.parametrize("name", SEMANTIC_VIOLATIONS)
def test_semantic_problems_keep_their_messages(data_dir, name):
    path = write_bank(data_dir, yaml.safe_dump(bank_with(SEMANTIC_VIOLATIONS[name]), sort_keys=False))
    assert_rejected_as_before(data_dir, path, schema_error=False)


@pytest.mark.parametrize(
    "body",
    [
        # The malformed banks of tests/test_quiz.py::test_invalid_banks_are_rejected_with_file_entry_and_problem.
        """\
        - {id: q1, type: single, prompt: P?, options: [{text: A, correct: true, explanation: a},
                                                       {text: B, correct: true, explanation: b}]}
        """,
        """\
        - {id: q1, type: multiple, prompt: P?, options: [{text: A, explanation: a}, {text: B, explanation: b}]}
        """,
        """\
        - {id: q1, type: truefalse, prompt: P?, answer: true, explanation_true: right}
        """,
        """\
        - {id: q1, type: single, prompt: P?, options: [{text: A, correct: true}, {text: B, explanation: b}]}
        """,
        """\
        - {id: q1, type: truefalse, prompt: P?, answer: true, explanation_true: a, explanation_false: b}
        - {id: q1, type: truefalse, prompt: Q?, answer: false, explanation_true: a, explanation_false: b}
        """,
        """\
        - {id: q1, type: essay, prompt: P?}
        """,
        # YAML turns these into values JSON has not got: a date, a boolean key. jsonschema decides.
        """\
        - {id: q1, type: truefalse, prompt: 2024-01-01, answer: true, explanation_true: a, explanation_false: b}
        """,
        """\
        - {id: q1, type: truefalse, prompt: P?, answer: true, explanation_true: a, explanation_false: b, yes: 1}
        """,
    ],
    ids=["single-two-correct", "multiple-none-correct", "tf-missing-false", "option-missing-explanation",
         "id-twice", "type-essay", "prompt-a-date", "key-yes"],
)
def test_the_existing_malformed_banks_give_the_identical_message(data_dir, body):
    text = "lesson: 91\nquizzes:\n  - id: qz\n    title: T\n    questions:\n" + textwrap.indent(
        textwrap.dedent(body), "      ")
    path = write_bank(data_dir, text, "lesson91")
    data = load_yaml(path)
    assert_rejected_as_before(data_dir, path, schema_error=not VALIDATOR.is_valid(data))


def test_the_yaml_specific_cases_are_left_to_jsonschema():
    # A date or a boolean key is outside the quick subset: it must say no (and jsonschema reports it).
    for value in ({"prompt": datetime.date(2024, 1, 1)}, {True: 1}):
        bank = copy.deepcopy(BASE)
        question(bank, "q-tf").update(value)
        assert not surely_valid(bank, SCHEMA) and not VALIDATOR.is_valid(bank)


@pytest.mark.parametrize("name", VALID_EDGES)
def test_valid_edge_cases_are_accepted_quickly(data_dir, name, monkeypatch):
    bank = bank_with(VALID_EDGES[name])
    assert VALIDATOR.is_valid(bank) and surely_valid(bank, SCHEMA)
    path = write_bank(data_dir, yaml.safe_dump(bank, sort_keys=False))
    assert old_message(path) is None

    def no_jsonschema():
        raise AssertionError("jsonschema was asked about a valid bank")

    monkeypatch.setattr(quizmod, "_bank_validator", no_jsonschema)
    loaded = load_bank("lesson93")
    assert [q["id"] for q in loaded["quizzes"][0]["questions"]] == [q["id"] for q in bank["quizzes"][0]["questions"]]


# ------------------------------------------------------------------------------------------------ exactness
MUTATION_VALUES = [
    "", "x", "-bad", "a b", "GB30", "single", "multiple", "truefalse", "match", "numeric", "locate", "essay",
    "posterior", "lateral", "top", "vertical", "distance", 0, -1, 1, 2, 99, 100, 0.0, 0.5, 1.5, 2.0, -0.1,
    True, False, None, [], [""], ["x"], ["SH", "GT"], ["A", "B", "C"], [1], {}, {"value": 3}, {"value": True},
    {"scale_cun": "back"}, {"scale_cun": "x", "value": 1}, dict(DIST), {**DIST, "axis": "vertical"},
    {"text": "A", "explanation": "a"}, {"text": "A", "correct": True, "explanation": "a"},
    {"left": "L", "right": "R", "explanation": "e"},
]
MUTATION_KEYS = [
    "id", "type", "prompt", "sources", "options", "answer", "explanation_true", "explanation_false", "pairs",
    "distractors", "tolerance", "unit", "explanation_correct", "explanation_low", "explanation_high", "point",
    "landmark", "view", "tolerance_cun", "scale", "layers", "hint_after", "explanation", "text", "correct",
    "left", "right", "title", "intro", "questions", "lesson", "quizzes", "value", "scale_cun", "distance_cun",
    "axis", "zzz",
]


def containers(node, out):
    """Every dict and list in ``node`` (the places an edit can happen)."""
    if isinstance(node, (dict, list)):
        out.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            containers(child, out)
    return out


mutation = st.tuples(st.integers(0, 10_000), st.sampled_from(["set", "delete", "add"]),
                     st.sampled_from(MUTATION_KEYS), st.sampled_from(range(len(MUTATION_VALUES))))


@settings(max_examples=600, **COMMON)
@given(st.lists(mutation, min_size=1, max_size=3))
def test_surely_valid_gives_jsonschemas_verdict_on_edited_banks(mutations):
    bank = copy.deepcopy(BASE)
    for where, action, key, value_index in mutations:
        nodes = containers(bank, [])
        node = nodes[where % len(nodes)]
        value = copy.deepcopy(MUTATION_VALUES[value_index])
        if isinstance(node, dict):
            keys = list(node)
            if action == "delete" and keys:
                del node[keys[where % len(keys)]]
            elif action == "set" and keys:
                node[keys[where % len(keys)]] = value
            else:
                node[key] = value
        elif action == "delete" and node:
            del node[where % len(node)]
        elif action == "set" and node:
            node[where % len(node)] = value
        else:
            node.append(value)
    # The bank schema lies wholly inside the subset, so on JSON data the quick answer is the full one.
    assert surely_valid(bank, SCHEMA) == VALIDATOR.is_valid(bank)


def test_every_course_bank_takes_the_quick_path():
    for name in quizmod.bank_names(data_dir=REPO / "data"):
        data = load_yaml(REPO / "data" / "quizzes" / f"{name}.yaml")
        assert VALIDATOR.is_valid(data) and surely_valid(data, SCHEMA), name


def test_loading_the_course_banks_does_not_import_jsonschema():
    probe = textwrap.dedent("""
        import sys
        from hipcourse.learning import quiz
        for name in quiz.bank_names(data_dir="../data"):
            quiz.load_bank(name, data_dir="../data")
        print("jsonschema" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO / "notebooks", capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# ------------------------------------------------------------------------------------------------ the subset
@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 3),  # valid under both: oneOf fails
        ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, -3),
        ({"not": {"type": "string"}}, "x"),
        ({"not": {"type": "string"}}, 1),
        ({"if": {"const": 1}, "then": {"type": "integer"}, "else": {"type": "string"}}, 2),
        ({"if": {"const": 1}, "then": {"type": "integer"}, "else": {"type": "string"}}, 1),
        ({"enum": [1]}, True),  # True is not 1
        ({"enum": [1]}, 1.0),  # but 1.0 is
        ({"const": [1, {"a": False}]}, [1, {"a": 0}]),
        ({"const": [1, {"a": False}]}, [1.0, {"a": False}]),
        ({"type": "integer"}, 2.0),
        ({"type": "number"}, False),
        ({"type": ["boolean", "null"]}, None),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, 3),
        ({"exclusiveMaximum": 3}, 3),
        ({"maximum": 3}, float("nan")),
        ({"maxLength": 2}, "abc"),
        ({"items": {"type": "string"}, "maxItems": 1}, ["a", "b"]),
        ({"$defs": {"node": {"type": "object", "properties": {"a": {"$ref": "#/$defs/node"}}}},
          "$ref": "#/$defs/node"}, {"a": {"a": 1}}),
        ({"$defs": {"node": {"type": "object", "properties": {"a": {"$ref": "#/$defs/node"}}}},
          "$ref": "#/$defs/node"}, {"a": {"a": {}}}),
        ({"$defs": {"n": {"type": "number"}}, "additionalProperties": {"$ref": "#/$defs/n"}}, {"a": "x"}),
        ({"properties": {"a": True, "b": False}}, {"a": 1}),
        ({"properties": {"a": True, "b": False}}, {"b": 1}),
    ],
)
def test_surely_valid_matches_jsonschema_inside_the_subset(schema, instance):
    assert surely_valid(instance, schema) == jsonschema_module().Draft202012Validator(schema).is_valid(instance)


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"patternProperties": {"^x": {"type": "string"}}, "additionalProperties": False}, {"x1": "a"}),
        ({"prefixItems": [{"type": "integer"}], "items": {"type": "string"}}, [1, "a"]),
        ({"format": "email"}, "a@b.c"),
        ({"unevaluatedProperties": False}, {}),
        ({"$ref": "#foo", "$defs": {"a": {"$anchor": "foo"}}}, 1),
        ({"$ref": "#/$defs/missing"}, 1),
        ({"$ref": "other.json"}, 1),
        ({"$ref": "#/$defs/a", "$defs": {"a": {"$id": "https://x.invalid/a", "type": "integer"}}}, 1),
        ({"$ref": "#/$defs/a~1b", "$defs": {"a/b": {"type": "integer"}}}, 1),
        ({"properties": {"a": {"$id": "https://x.invalid/a"}}}, {"a": 1}),
        ({"$schema": "http://json-schema.org/draft-07/schema#", "type": "integer"}, 1),
        ({"type": "integer", "minimumm": 0}, 1),  # a typo: jsonschema ignores it, the subset does not guess
        ({"type": "strnig"}, "x"),
        ({"minItems": 1.0}, [1]),
        ({"type": "object"}, {1: "a"}),
        ({"type": "string"}, datetime.date(2024, 1, 1)),
        ({}, datetime.date(2024, 1, 1)),  # valid for jsonschema, but a value JSON has not got is not judged
        (True, None),  # only a mapping is taken as a whole schema
    ],
)
def test_surely_valid_says_no_outside_the_subset(schema, instance):
    # Some of these are valid for jsonschema: saying no only costs the import it tried to save.
    assert surely_valid(instance, schema) is False
