"""Quiz widgets driven as a learner would: set values, click buttons, click on the diagram (Agg, no kernel)."""

import sys
import textwrap
from pathlib import Path

import pytest
from matplotlib.backend_bases import MouseEvent

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from quiz_fakes import FakeBody, data_copy, make_figure  # noqa: E402

from hipcourse.learning import locate as locatemod  # noqa: E402
from hipcourse.learning import quiz as quizmod  # noqa: E402
from hipcourse.learning.progress import ProgressStore  # noqa: E402
from hipcourse.learning.quiz import (  # noqa: E402
    Locate, Match, MultipleChoice, Numeric, Quiz, QuizBankError, SingleChoice, TrueFalse, agg_canvas,
    load_bank, make_question, show_quiz,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = data_copy(tmp_path)
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(folder))
    monkeypatch.setenv("HIPCOURSE_PROGRESS_DIR", str(tmp_path / "progress"))
    return folder


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress")


def spec(bank_data, qid):
    return next(q for quiz in bank_data["quizzes"] for q in quiz["questions"] if q["id"] == qid)


@pytest.fixture
def bank(data_dir):
    return load_bank("lesson90")


def click_on(question, x, y, button=1):
    """Simulate a mouse click at data coordinates (x, y) on the question's diagram."""
    fig, ax = question.figure, question.ax
    fig.canvas.draw()
    px, py = ax.transData.transform((x, y))
    MouseEvent("button_press_event", fig.canvas, px, py, button=button)._process()


def locate(bank, qid="fx-locate", store=None):
    return make_question(spec(bank, qid), bank="lesson90", quiz="where", store=store, body=FakeBody(),
                         canvas_factory=agg_canvas, figure=make_figure())


# ---------------------------------------------------------------------------------------------- loading
def test_load_bank_returns_every_question_type(bank):
    types = {q["type"] for quiz in bank["quizzes"] for q in quiz["questions"]}
    assert types == {"single", "multiple", "truefalse", "match", "numeric", "locate"}


def test_missing_bank_names_the_file_and_known_banks(data_dir):
    with pytest.raises(QuizBankError, match=r"lesson77\.yaml: no such quiz bank 'lesson77' \(banks: lesson90\)"):
        load_bank("lesson77")


def test_unknown_quiz_id_is_a_clear_error(data_dir):
    with pytest.raises(QuizBankError, match=r"no quiz 'nope' \(quizzes: basics, numbers, where\)"):
        show_quiz("lesson90", "nope", store=ProgressStore(data_dir / "p"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("""\
         - id: q1
           type: single
           prompt: P?
           options:
             - {text: A, correct: true, explanation: a}
             - {text: B, correct: true, explanation: b}
         """, r"questions\[q1\]\.options: a 'single' question needs exactly one correct option, found 2"),
        ("""\
         - id: q1
           type: multiple
           prompt: P?
           options:
             - {text: A, explanation: a}
             - {text: B, explanation: b}
         """, r"questions\[q1\]\.options: a 'multiple' question needs at least one correct option"),
        ("""\
         - id: q1
           type: truefalse
           prompt: P?
           answer: true
           explanation_true: right
         """, r"questions\[q1\]: 'explanation_false' is a required property"),
        ("""\
         - id: q1
           type: single
           prompt: P?
           options:
             - {text: A, correct: true}
             - {text: B, explanation: b}
         """, r"questions\[q1\]\.options\[0\]: 'explanation' is a required property"),
        ("""\
         - id: q1
           type: truefalse
           prompt: P?
           answer: true
           explanation_true: a
           explanation_false: b
         - id: q1
           type: truefalse
           prompt: Q?
           answer: false
           explanation_true: a
           explanation_false: b
         """, r"questions\[q1\]: question id used twice"),
        ("""\
         - id: q1
           type: essay
           prompt: P?
         """, r"questions\[q1\]\.type: 'essay' is not one of"),
    ],
)
def test_invalid_banks_are_rejected_with_file_entry_and_problem(data_dir, body, message):
    text = "lesson: 91\nquizzes:\n  - id: qz\n    title: T\n    questions:\n" + textwrap.indent(
        textwrap.dedent(body), "      ")
    (data_dir / "quizzes" / "lesson91.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(QuizBankError, match=r"lesson91\.yaml: quizzes\[qz\]\." + message):
        load_bank("lesson91")


def test_yaml_syntax_error_names_the_file(data_dir):
    (data_dir / "quizzes" / "lesson92.yaml").write_text("lesson: 92\nquizzes: [\n", encoding="utf-8")
    with pytest.raises(QuizBankError, match=r"lesson92\.yaml: not valid YAML"):
        load_bank("lesson92")


def test_every_course_bank_is_valid():
    # The real banks in data/quizzes must load with the schema and the semantic checks.
    names = quizmod.bank_names(data_dir=REPO / "data")
    assert names, "no quiz banks in data/quizzes"
    for name in names:
        load_bank(name, data_dir=REPO / "data")


# ---------------------------------------------------------------------------------------------- repr
def test_unrun_quiz_text_plain_invites_to_run(data_dir, store):
    q = show_quiz("lesson90", "basics", store=store)
    assert repr(q) == "Quiz: Fixture basics: run the cell to answer"
    bundle = q._repr_mimebundle_()
    assert bundle["text/plain"] == "Quiz: Fixture basics: run the cell to answer"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_long_titles_are_cut_by_ipywidgets_at_110_characters(store):
    title = "T" * 200
    bundle = Quiz(title, [], store=store)._repr_mimebundle_()
    assert bundle["text/plain"] == ("Quiz: " + title)[:110] + "…"


# ---------------------------------------------------------------------------------------------- single
def test_single_choice_wrong_then_right(bank, store):
    q = make_question(spec(bank, "fx-single"), bank="lesson90", quiz="basics", store=store)
    assert isinstance(q, SingleChoice)
    assert "quiz-fx-single" in q._dom_classes
    q.check_button.click()
    assert "Please choose an answer first" in q.feedback.value and q.attempts == 0

    q.choice.value = "Sacral hiatus"
    q.check_button.click()
    assert "Not quite" in q.feedback.value
    assert "lower end of the sacrum" in q.feedback.value  # explanation of the chosen option
    assert "top outer corner" not in q.feedback.value  # the right answer is not given away
    assert q.choice.disabled and q.check_button.disabled and not q.retry_button.disabled
    assert q.attempts == 1 and q.correct is False

    q.retry_button.click()
    assert q.feedback.value == "" and not q.choice.disabled
    q.choice.value = "Greater trochanter"
    q.check_button.click()
    assert "Correct" in q.feedback.value and "Attempts: 2" in q.feedback.value
    assert q.solved and q.correct
    rec = store.question("fx-single")
    assert rec["attempts"] == 2 and rec["correct"] is True
    assert rec["answers"] == ["Sacral hiatus", "Greater trochanter"]
    assert rec["bank"] == "lesson90" and rec["quiz"] == "basics"


def test_show_answer_gives_every_explanation_and_no_score(bank, store):
    q = make_question(spec(bank, "fx-single"), store=store)
    q.show_button.click()
    for text in ("top outer corner", "front of the pelvis", "lower end of the sacrum"):
        assert text in q.feedback.value
    assert q.choice.value == "Greater trochanter" and q.revealed and not q.solved
    q.retry_button.click()
    q.check_button.click()
    assert "Correct" in q.feedback.value and not q.solved  # looked up: does not count
    assert store.question("fx-single")["revealed"] is True


def test_feedback_escapes_html_from_banks(store):
    s = {"id": "x", "type": "single", "prompt": "<script>alert(1)</script>",
         "options": [{"text": "<b>A</b>", "correct": True, "explanation": "a & b"},
                     {"text": "B", "explanation": "b"}]}
    q = make_question(s, store=store)
    assert "<script>" not in q.prompt.value and "&lt;script&gt;" in q.prompt.value
    q.choice.value = "<b>A</b>"
    q.check_button.click()
    assert "&lt;b&gt;A&lt;/b&gt;" in q.feedback.value and "a &amp; b" in q.feedback.value


# ---------------------------------------------------------------------------------------------- multiple
def test_multiple_choice_explains_each_ticked_option(bank, store):
    q = make_question(spec(bank, "fx-multiple"), store=store)
    assert isinstance(q, MultipleChoice)
    q.check_button.click()
    assert "tick at least one" in q.feedback.value
    q.boxes[0].value = True
    q.boxes[2].value = True
    q.check_button.click()
    assert "Not quite" in q.feedback.value
    assert "on the side of the hip" in q.feedback.value and "deep in the buttock" in q.feedback.value
    assert "1 right option was not ticked" in q.feedback.value
    q.retry_button.click()
    q.boxes[2].value = False
    q.boxes[1].value = True
    q.check_button.click()
    assert "Correct" in q.feedback.value and q.solved
    assert store.question("fx-multiple")["answers"][-1] == ["Greater trochanter", "Iliac crest"]


def test_multiple_show_answer_ticks_the_right_boxes(bank):
    q = make_question(spec(bank, "fx-multiple"))
    q.show_button.click()
    assert [b.value for b in q.boxes] == [True, True, False]
    assert all(b.disabled for b in q.boxes)


# ---------------------------------------------------------------------------------------------- true/false
@pytest.mark.parametrize(("value", "word", "explanation"), [(True, "Correct", "Right, in most"),
                                                            (False, "Not quite", "Not so, in most")])
def test_true_false(bank, store, value, word, explanation):
    q = make_question(spec(bank, "fx-tf"), store=store)
    assert isinstance(q, TrueFalse)
    q.check_button.click()
    assert q.attempts == 0
    q.choice.value = value
    q.check_button.click()
    assert word in q.feedback.value and explanation in q.feedback.value
    assert store.question("fx-tf")["answers"] == [value]


# ---------------------------------------------------------------------------------------------- match
def test_match_counts_pairs_and_explains_the_right_ones(bank, store):
    q = make_question(spec(bank, "fx-match"), store=store)
    assert isinstance(q, Match)
    assert list(q.dropdowns[0].options) == ["Bends the knee", "Moves the thigh backwards",
                                            "Moves the thigh out to the side"]
    q.dropdowns[0].value = "Moves the thigh out to the side"
    q.check_button.click()
    assert "choose a match for every item" in q.feedback.value and q.attempts == 0
    q.dropdowns[1].value = "Bends the knee"
    q.check_button.click()
    assert "Not quite" in q.feedback.value and "1 of 2 matched" in q.feedback.value
    assert "steadies the pelvis" in q.feedback.value and "climbing stairs" not in q.feedback.value
    q.retry_button.click()
    q.dropdowns[1].value = "Moves the thigh backwards"
    q.check_button.click()
    assert "Correct" in q.feedback.value and "2 of 2 matched" in q.feedback.value
    assert store.question("fx-match")["answers"][-1] == {"Gluteus medius": "Moves the thigh out to the side",
                                                         "Gluteus maximus": "Moves the thigh backwards"}


def test_match_show_answer(bank):
    q = make_question(spec(bank, "fx-match"))
    q.show_button.click()
    assert [d.value for d in q.dropdowns] == ["Moves the thigh out to the side", "Moves the thigh backwards"]
    assert "climbing stairs" in q.feedback.value


# ---------------------------------------------------------------------------------------------- numeric
@pytest.mark.parametrize(("value", "word", "text"), [(14.0, "Correct", "Yes, 14 B-cun"),
                                                     (14.4, "Correct", "Yes, 14 B-cun"),
                                                     (13.0, "too low", "Too few"),
                                                     (19.0, "too high", "Too many")])
def test_numeric_scale_answer_comes_from_scales_yaml(bank, store, value, word, text):
    q = make_question(spec(bank, "fx-num-scale"), store=store)
    assert isinstance(q, Numeric) and q.expected == 14.0
    q.entry.value = value
    q.check_button.click()
    assert word in q.feedback.value and text in q.feedback.value


def test_numeric_distance_is_computed_with_the_body(bank):
    # SH (0, 93) to GT (16, 92) across = 16 cm; back scale 2 cm per cun -> 8 cun.
    q = make_question(spec(bank, "fx-num-dist"), body=FakeBody())
    assert q.expected == 8.0
    q.entry.value = 7.8
    q.check_button.click()
    assert "Correct" in q.feedback.value
    q.retry_button.click()
    q.entry.value = 7.7  # outside the 0.25 tolerance
    q.check_button.click()
    assert "Not quite" in q.feedback.value and "Too low" in q.feedback.value
    q.show_button.click()
    assert q.entry.value == 8.0 and "<b>8 B-cun</b>" in q.feedback.value


def test_numeric_unknown_scale_is_a_clear_error(data_dir):
    s = {"id": "n", "type": "numeric", "prompt": "?", "answer": {"scale_cun": "nope"}, "explanation_correct": "c",
         "explanation_low": "l", "explanation_high": "h"}
    with pytest.raises(QuizBankError, match=r"scales\.yaml: no scale 'nope'"):
        make_question(s).expected


# ---------------------------------------------------------------------------------------------- locate
def test_locate_click_near_the_point_is_correct(bank, store):
    q = locate(bank, store=store)
    assert isinstance(q, Locate) and q.scale == "thigh_lateral" and q.target == (10.0, 93.0)
    click_on(q, 10.6, 93.8)  # 1 cm away = 0.5 cun
    assert "Correct" in q.feedback.value and "0.5 cun from GB30" in q.feedback.value
    assert q.attempts == 1 and q.solved
    xs, ys = q._click_artist.get_data()
    assert (round(xs[0], 1), round(ys[0], 1)) == (10.6, 93.8)
    assert len(q._target_artist.get_xdata()) == 1  # the star appears when found
    assert store.question("fx-locate")["answers"] == [[10.6, 93.8]]


def test_locate_miss_says_how_far_and_where(bank):
    q = locate(bank)
    click_on(q, 10.0, 97.0)  # 4 cm too high = 2 cun
    assert "Not quite" in q.feedback.value and "2.0 cun too far up" in q.feedback.value
    assert len(q._target_artist.get_xdata()) == 0  # not given away
    click_on(q, 4.0, 93.0)
    assert "3.0 cun too far toward the midline" in q.feedback.value
    assert q.attempts == 2 and q.misses == 2 and q.steps_shown == 0


def test_locate_ignores_clicks_outside_the_axes_and_other_buttons(bank):
    q = locate(bank)
    q.figure.canvas.draw()
    MouseEvent("button_press_event", q.figure.canvas, 1, 1, button=1)._process()  # figure corner, no axes
    click_on(q, 10.0, 93.0, button=3)  # right click
    assert q.attempts == 0 and q.feedback.value == ""


def test_locate_construction_after_three_misses_one_step_per_try(bank):
    q = locate(bank)
    n_lines = len(q.ax.lines)
    for _ in range(2):
        click_on(q, 20.0, 110.0)
    assert q.steps_shown == 0 and "one more miss" in q.feedback.value
    click_on(q, 20.0, 110.0)
    assert q.steps_shown == 1 and "1/3 of the way from GT to SH" in q.steps_html.value
    assert len(q.ax.lines) > n_lines
    click_on(q, 20.0, 110.0)
    assert q.steps_shown == 2
    q.next_step_button.click()
    assert q.steps_shown == 3 and q.next_step_button.disabled and "all steps shown" in q.steps_html.value
    q.next_step_button.click()  # nothing more to draw: no error
    assert q.steps_shown == 3


def test_locate_show_answer_draws_target_and_all_steps(bank, store):
    q = locate(bank, store=store)
    q.show_button.click()
    assert q.revealed and q.steps_shown == 3
    assert list(q._target_artist.get_xdata()) == [10.0]
    assert "x = 10.0 cm, y = 93.0 cm" in q.feedback.value
    assert q.check_button.disabled


def test_locate_keyboard_route(bank):
    q = locate(bank)
    q.check_button.click()  # nothing placed yet: counts as placing at the typed values
    assert q.attempts == 1
    q.x_entry.value, q.y_entry.value = 10.2, 93.2
    q.check_button.click()
    assert "Correct" in q.feedback.value and q.attempts == 2
    assert not q.check_button.disabled  # locate questions never freeze


def test_locate_landmark_uses_the_default_scale(bank):
    q = locate(bank, "fx-locate-gt")
    assert q.code == "GT" and q.scale == locatemod.LANDMARK_SCALE and q.steps == []
    click_on(q, 16.0, 92.0)
    assert "Correct" in q.feedback.value


# ---------------------------------------------------------------------------------------------- quiz
def test_quiz_score_line_and_store(data_dir, store):
    q = show_quiz("lesson90", "basics", store=store)
    assert "Score: 0 / 4" in q.score_html.value
    single, multiple, tf, _match = q.questions
    single.choice.value = "Greater trochanter"
    single.check_button.click()
    tf.choice.value = False
    tf.check_button.click()
    multiple.show_button.click()
    assert "Score: 1 / 4" in q.score_html.value and q.score == 1
    assert store.load()["quizzes"]["lesson90/basics"] == {"score": 1, "total": 4, "best": 1}
    assert "quiz-lesson90-basics" in q._dom_classes


def test_quiz_shows_learner_warnings_from_the_store(data_dir, tmp_path):
    store = ProgressStore(tmp_path / "progress")
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    q = show_quiz("lesson90", "basics", store=store)
    q.questions[0].choice.value = "Greater trochanter"
    q.questions[0].check_button.click()
    assert "could not be read" in q.warnings_html.value and "progress.json.corrupt-1" in q.warnings_html.value


def test_show_quiz_defaults_to_the_learner_store(data_dir, tmp_path):
    q = show_quiz("lesson90", "basics")
    q.questions[2].choice.value = True
    q.questions[2].check_button.click()
    assert (tmp_path / "progress" / "progress.json").exists()
    assert ProgressStore().question("fx-tf")["correct"] is True


def test_show_quiz_with_locate_questions_draws_each_view_with_the_atlas(data_dir, store, monkeypatch):
    from hipcourse.figures import plates
    from hipcourse.figures.display import AtlasFigure

    calls = []

    def fake_draw_view(view, **kwargs):
        calls.append((view, kwargs))
        return AtlasFigure(make_figure(), alt_text=f"Outline of the hip seen from the {view}.")

    monkeypatch.setattr(plates, "draw_view", fake_draw_view)
    body = FakeBody()
    q = show_quiz("lesson90", "where", store=store, body=body, canvas_factory=agg_canvas)
    assert [type(x) for x in q.questions] == [Locate, Locate]
    view, kwargs = calls[0]
    # The diagram must not give the answer away: no points, no labels.
    assert view == "posterior" and kwargs["points"] == () and kwargs["labels"] is False and kwargs["body"] is body
    loc = q.questions[0]
    assert "Outline of the hip seen from the posterior." in loc.alt.value
    click_on(loc, 10.0, 93.0)
    assert "Correct" in loc.feedback.value and "Score: 1 / 2" in q.score_html.value


# ---------------------------------------------------------------------------------------------- real course data
def test_locate_with_the_real_body_and_atlas(tmp_path):
    from hipcourse.content.geometry import Body

    body = Body.reference(data_dir=REPO / "data")
    s = {"id": "real-gb30", "type": "locate", "prompt": "Click where GB30 lies.", "point": "GB30",
         "view": "posterior", "tolerance_cun": 1.0, "explanation": "One third of the way from GT to SH."}
    q = make_question(s, body=body, canvas_factory=agg_canvas, store=ProgressStore(tmp_path))
    assert q.target == body.point("GB30", "posterior")
    assert "Diagram:" in q.alt.value and "GB30" not in q.alt.value  # the figure does not give it away
    tx, ty = q.target
    click_on(q, tx, ty + 30 * body.cun(q.scale) / 10)  # 3 cun straight up
    assert "Not quite" in q.feedback.value and "3.0 cun too far up" in q.feedback.value
    q.show_button.click()
    assert q.steps_shown == len(body.construction("GB30", "posterior")) >= 1
    assert q.steps[0].label in q.steps_html.value


def test_every_computed_answer_in_the_course_banks_resolves():
    # Numeric answers and locate targets are computed from the course data: each must exist.
    from hipcourse.content.geometry import Body

    body = Body.reference(data_dir=REPO / "data")
    for bank, _quiz, s in quizmod.all_questions(data_dir=REPO / "data"):
        if s["type"] == "numeric":
            assert make_question(s, body=body).expected > 0, (bank, s["id"])
        elif s["type"] == "locate":
            q = make_question(s, body=body, canvas_factory=agg_canvas, figure=make_figure())
            assert q.scale and q.target, (bank, s["id"])


# ---------------------------------------------------------------------------------------------- readable feedback
def test_feedback_never_doubles_punctuation_after_an_option(store):
    s = {"id": "punct", "type": "single", "prompt": "Which?",
         "options": [{"text": "It relaxes the points.", "correct": True, "explanation": "Yes. It does."},
                     {"text": "Greater trochanter", "explanation": "No. Not this one."}]}
    q = make_question(s, store=store)
    q.choice.value = "It relaxes the points."
    q.check_button.click()
    assert "<b>It relaxes the points.</b> Yes. It does." in q.feedback.value
    assert ".:" not in q.feedback.value
    q.show_button.click()
    text = q.feedback.value
    assert ".:" not in text and "<b>Greater trochanter</b>: No. Not this one." in text
    assert "Right option: <b>It relaxes the points.</b> Yes." in text and "Wrong option: " in text


def test_no_course_feedback_reads_with_doubled_punctuation(store):
    # Every option of every course bank, checked and revealed: no ".:" or "?:" or ". ." anywhere.
    for bank, _quiz, s in quizmod.all_questions(data_dir=REPO / "data"):
        if s["type"] not in ("single", "multiple", "match"):
            continue
        q = make_question(s, store=store)
        q.show_button.click()
        for bad in (".:", "?:", "!:", ". .", "..", ":</b>:"):
            assert bad not in q.feedback.value.replace("...", ""), (bank, s["id"], bad)


def test_verdict_is_in_words_and_colour_is_only_a_side_bar(bank, store):
    q = make_question(spec(bank, "fx-single"), store=store)
    q.choice.value = "Sacral hiatus"
    q.check_button.click()
    feedback = q.feedback.value
    assert "Not quite." in feedback and "border-left:4px solid #D55E00" in feedback
    assert "color:" not in feedback  # coloured text would fail the 4.5:1 contrast on white


# ---------------------------------------------------------------------------------------------- locate layout
def test_locate_diagram_is_at_most_the_laptop_height_and_grades_in_data_coordinates(tmp_path):
    import ipywidgets as widgets

    from hipcourse.content.geometry import Body

    body = Body.reference(data_dir=REPO / "data")
    s = {"id": "small-gb30", "type": "locate", "prompt": "Click where GB30 lies.", "point": "GB30",
         "view": "posterior", "tolerance_cun": 1.0, "explanation": "One third of the way from GT to SH."}
    q = make_question(s, body=body, canvas_factory=agg_canvas, store=ProgressStore(tmp_path))
    width, height = q.figure.get_size_inches()
    assert height <= locatemod.LOCATE_MAX_HEIGHT_IN + 1e-9 and width < height
    assert height * q.figure.dpi <= 620  # pixels on screen: prompt, picture and feedback fit together
    # Prompt on top; picture and a column with the buttons and the feedback side by side (wrapping if narrow).
    prompt, row = q.children
    assert prompt is q.prompt and isinstance(row, widgets.HBox) and row.layout.flex_flow == "row wrap"
    picture, side = row.children
    assert picture is q.canvas_widget and q.feedback in side.children and q.buttons in side.children
    click_on(q, *q.target)
    assert "Correct" in q.feedback.value


def test_locate_leaves_a_figure_it_is_given_at_its_size(bank):
    figure = make_figure()
    figure.set_size_inches(6, 10)
    q = make_question(spec(bank, "fx-locate"), body=FakeBody(), canvas_factory=agg_canvas, figure=figure)
    assert tuple(q.figure.get_size_inches()) == (6, 10)
