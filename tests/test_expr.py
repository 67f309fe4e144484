"""Tests of the construction language (hipcourse.content.expr)."""

import pytest

from hipcourse.content.expr import ExprError, format_fraction, parse

POINTS = {"A": (0.0, 0.0), "B": (6.0, 3.0), "C": (2.0, 10.0), "P": (1.0, 1.0)}
SCALES = {"abdomen": 2.0, "back": 2.5}


def run(text, view="posterior", default_scale=None):
    def resolve(name):
        return POINTS[name]

    def scale_cm(scale):
        return SCALES[scale]

    return parse(text).evaluate(view=view, resolve=resolve, scale_cm=scale_cm,
                                default_scale=default_scale)


@pytest.mark.parametrize("text, expected", [
    ("A", (0.0, 0.0)),
    ("lerp(A, B, 1/3)", (2.0, 1.0)),
    ("lerp(A, B, 2*0.5)", (6.0, 3.0)),
    ("lerp(A, B, -1)", (-6.0, -3.0)),
    ("mid(A, B)", (3.0, 1.5)),
    ("level(C, B)", (2.0, 3.0)),
    ("offset(P, lateral=2, scale=abdomen)", (5.0, 1.0)),
    ("offset(P, medial=0.4, down=1, scale=back)", (0.0, -1.5)),
    ("offset(P, up=1 + 1)", (1.0, 5.0)),   # default scale abdomen (2 cm)
    ("intersect(line(A, B), vertical(C))", (2.0, 1.0)),
    ("intersect(horizontal(C), line(A, C))", (2.0, 10.0)),
    ("intersect(line(A, B), line(C, P))", (16 / 17, 8 / 17)),  # y = x/2 meets y = 9x - 8
    ("mid(lerp(A, B, 1/3), level(C, B))", (2.0, 2.0)),
])
def test_each_form_evaluates(text, expected):
    xy = run(text, default_scale="abdomen").xy
    assert xy == pytest.approx(expected)


def test_offset_directions_in_the_lateral_view():
    assert run("offset(P, anterior=1, scale=abdomen)", view="lateral").xy == pytest.approx((3.0, 1.0))
    assert run("offset(P, posterior=1, scale=abdomen)", view="lateral").xy == pytest.approx((-1.0, 1.0))


def test_names_scales_and_axes_are_exposed():
    expr = parse("offset(intersect(line(ASIS, PB_lat), horizontal(PS_inf)), lateral=1, down=2, scale=back)")
    assert expr.names == {"ASIS", "PB_lat", "PS_inf"}
    assert expr.ordered_names == ("ASIS", "PB_lat", "PS_inf")
    assert expr.scales == {"back"}
    assert expr.offset_axes == {"lateral", "down"}
    assert not expr.needs_default_scale
    assert parse("offset(GT, down=1)").needs_default_scale


def test_trace_of_lerp_has_label_fraction_inputs_and_result():
    (step,) = run("lerp(A, B, 1/3)").steps
    assert step.kind == "lerp"
    assert step.inputs == ("A", "B")
    assert step.points == ((0.0, 0.0), (6.0, 3.0))
    assert step.fraction == pytest.approx(1 / 3)
    assert step.xy == pytest.approx((2.0, 1.0))
    assert step.label == "1/3 of the way from A to B"


def test_trace_of_nested_construction_in_order():
    steps = run("offset(level(C, mid(A, B)), lateral=3, scale=back)").steps
    assert [s.kind for s in steps] == ["mid", "level", "offset"]
    assert steps[0].label == "midpoint of A and B"
    assert steps[1].label == "on the vertical through C, level with mid(A, B)"
    assert steps[2].offset == {"lateral": 3.0}
    assert steps[2].scale == "back"
    assert steps[2].label == "3 cun lateral from level(C, mid(A, B)) (back scale)"
    assert steps[2].xy == pytest.approx((9.5, 1.5))


def test_trace_of_intersection_includes_both_lines():
    steps = run("intersect(line(A, B), horizontal(P))").steps
    assert [s.kind for s in steps] == ["line", "horizontal", "intersect"]
    assert steps[0].xy is None and steps[0].points == ((0.0, 0.0), (6.0, 3.0))
    assert steps[2].label == "where the line A-B meets the horizontal through P"
    assert steps[2].xy == pytest.approx((2.0, 1.0))


@pytest.mark.parametrize("value, text", [(1 / 3, "1/3"), (7 / 19, "7/19"), (0.5, "1/2"),
                                         (2.0, "2"), (0.123456, "0.123456")])
def test_format_fraction(value, text):
    assert format_fraction(value) == text


@pytest.mark.parametrize("text, message", [
    ("__import__('os')", "unknown function '__import__' (allowed: lerp, mid, level, offset, intersect, "
                         "line, horizontal, vertical) in \"__import__('os')\""),
    ("GT.x", "attribute access 'GT.x' is not allowed in \"GT.x\""),
    ("GT.__class__", "attribute access 'GT.__class__' is not allowed in \"GT.__class__\""),
    ("os.system('ls')", "'os.system' is not a function of the construction language in \"os.system('ls')\""),
    ("GT[0]", "indexing 'GT[0]' is not allowed in \"GT[0]\""),
    ("lambda: GT", "'lambda: GT' is not allowed in \"lambda: GT\""),
    ("lerp(GT, SH, 'x')", "unexpected value 'x' in \"lerp(GT, SH, 'x')\""),
    ("lerp(GT, SH, True)", "unexpected value True in \"lerp(GT, SH, True)\""),
    ("lerp(GT, SH)", "lerp() takes 3 arguments, got 2 in \"lerp(GT, SH)\""),
    ("mid(GT, 3)", "argument 2 of mid() must be a point, not the number '3' in \"mid(GT, 3)\""),
    ("lerp(GT, SH, GT)", "argument 3 of lerp() must be a number, not the point 'GT' in \"lerp(GT, SH, GT)\""),
    ("intersect(GT, SH)", "argument 1 of intersect() must be a line, not the point 'GT' in \"intersect(GT, SH)\""),
    ("line(GT, SH)", "a construction must give a point, not a line, in \"line(GT, SH)\""),
    ("3", "a construction must give a point, not a number, in \"3\""),
    ("GT + SH", "'GT' must be a number in \"GT + SH\""),
    ("lerp(GT, SH, 1/0)", "division by zero '1/0' in \"lerp(GT, SH, 1/0)\""),
    ("lerp(GT, SH, 2**8)", "'2**8' is not allowed in \"lerp(GT, SH, 2**8)\""),
    ("mid(GT, SH, t=1)", "mid() takes no keyword arguments in \"mid(GT, SH, t=1)\""),
    ("offset(GT, sideways=1)", "unknown offset direction 'sideways' (allowed: lateral, medial, anterior, "
                               "posterior, up, down, scale) in \"offset(GT, sideways=1)\""),
    ("offset(GT, lateral=1, medial=1)", "offset() gives both 'lateral' and 'medial' in "
                                        "\"offset(GT, lateral=1, medial=1)\""),
    ("offset(GT, scale=back)", "offset() needs at least one direction, e.g. lateral=3 in "
                               "\"offset(GT, scale=back)\""),
    ("offset(GT, up=1, scale='back')", "scale= must name a scale, not ''back'' in "
                                       "\"offset(GT, up=1, scale='back')\""),
    ("offset(GT, up=GT)", "'GT' must be a number in \"offset(GT, up=GT)\""),
    ("mid(*GT)", "'*' arguments are not allowed in mid() in \"mid(*GT)\""),
    ("", 'empty construction ""'),
    ("lerp(GT, SH", "syntax error ('(' was never closed) in \"lerp(GT, SH\""),
])
def test_malformed_expressions_are_rejected(text, message):
    with pytest.raises(ExprError) as caught:
        parse(text)
    assert str(caught.value) == message


def test_module_never_calls_eval_exec_or_compile():
    import ast
    import inspect

    import hipcourse.content.expr as module

    tree = ast.parse(inspect.getsource(module))
    called = {node.func.id for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__"}
    # the only getattr dispatches to the interpreter's own "_<function>" methods
    assert "getattr(self, \"_\" + node.func)" in inspect.getsource(module)


def test_dangerous_text_is_rejected_before_anything_runs(monkeypatch):
    calls = []
    monkeypatch.setattr("os.system", lambda *a: calls.append(a))
    for text in ("__import__('os').system('echo hi')", "open('/etc/passwd')", "(lambda: 1)()"):
        with pytest.raises(ExprError):
            parse(text)
    assert calls == []


@pytest.mark.parametrize("text, view, message", [
    ("offset(P, anterior=1, scale=back)", "posterior",
     "offset direction 'anterior' does not exist in the posterior view (allowed: lateral, medial, up, down)"
     " in \"offset(P, anterior=1, scale=back)\""),
    ("offset(P, lateral=1, scale=back)", "lateral",
     "offset direction 'lateral' does not exist in the lateral view (allowed: anterior, posterior, up, down)"
     " in \"offset(P, lateral=1, scale=back)\""),
    ("lerp(Z, B, 1/2)", "posterior", "unknown landmark 'Z' in \"lerp(Z, B, 1/2)\""),
    ("offset(P, up=1, scale=legs)", "posterior", "unknown scale 'legs' in \"offset(P, up=1, scale=legs)\""),
    ("offset(P, up=1)", "posterior", "offset() needs scale=<scale id> (no default scale here) in \"offset(P, up=1)\""),
    ("intersect(horizontal(A), horizontal(B))", "posterior",
     "the horizontal through A and the horizontal through B are parallel in "
     "\"intersect(horizontal(A), horizontal(B))\""),
    ("intersect(line(A, A), vertical(B))", "posterior",
     "line(A, A) joins two identical points in \"intersect(line(A, A), vertical(B))\""),
    ("A", "top", "unknown view 'top'"),
])
def test_evaluation_errors(text, view, message):
    with pytest.raises(ExprError) as caught:
        run(text, view=view)
    assert str(caught.value) == message


def test_non_text_is_rejected():
    with pytest.raises(ExprError, match="must be text, not int 3"):
        parse(3)
