"""The construction language used in ``data/landmarks.yaml`` and ``data/points.yaml``.

An expression describes how to find a point from landmarks, the way an
acupuncture text does ("one third of the way from the greater trochanter to
the sacral hiatus"). The syntax is a tiny, Python-like language:

=============================================  ===========================================
form                                           meaning
=============================================  ===========================================
``GT``, ``GB30``                               a landmark id or another point's code
``lerp(A, B, t)``                              the point a fraction ``t`` of the way A -> B
``mid(A, B)``                                  ``lerp(A, B, 1/2)``
``level(A, B)``                                x of A at the height of B
``offset(P, lateral=3, down=1, scale=back)``   move P by B-cun along body axes
``intersect(L1, L2)``                          where two lines meet; lines are
                                               ``line(A, B)``, ``horizontal(P)``,
                                               ``vertical(P)``
``1/3``, ``3.5``, ``-1``, ``2*0.5``            arithmetic on numbers only
=============================================  ===========================================

Expressions are parsed with :func:`ast.parse` (``mode="eval"``) and the
resulting tree is *interpreted* node by node from a whitelist: nothing is
ever passed to :func:`eval` or :func:`compile`, attribute access, subscripts,
lambdas, strings and unknown functions are rejected at parse time with an
:class:`ExprError` quoting the expression.

Typical use::

    expr = parse("lerp(GT, SH, 1/3)")
    expr.names                       # frozenset({'GT', 'SH'})
    result = expr.evaluate(view="posterior", resolve=lookup_xy, scale_cm=cm_per_cun)
    result.xy, result.steps          # position and construction trace
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

__all__ = [
    "ExprError", "Expr", "Step", "Result", "parse",
    "VIEW_AXES", "FUNCTIONS",
]

XY = tuple[float, float]

#: Offset keywords allowed in each view, mapped to (axis, sign): axis 0 is x, 1 is y.
#: The posterior and anterior views measure x away from the midline; the lateral
#: view measures x toward the front (see CONTRIBUTING.md, "Coordinates").
VIEW_AXES: Mapping[str, Mapping[str, tuple[int, int]]] = {
    "posterior": {"lateral": (0, 1), "medial": (0, -1), "up": (1, 1), "down": (1, -1)},
    "anterior": {"lateral": (0, 1), "medial": (0, -1), "up": (1, 1), "down": (1, -1)},
    "lateral": {"anterior": (0, 1), "posterior": (0, -1), "up": (1, 1), "down": (1, -1)},
}
_ALL_AXES = ("lateral", "medial", "anterior", "posterior", "up", "down")
_OPPOSITE = {"lateral": "medial", "medial": "lateral", "anterior": "posterior",
             "posterior": "anterior", "up": "down", "down": "up"}

#: Whitelisted functions: name -> (argument kinds, result kind).
FUNCTIONS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "lerp": (("point", "point", "number"), "point"),
    "mid": (("point", "point"), "point"),
    "level": (("point", "point"), "point"),
    "offset": (("point",), "point"),
    "intersect": (("line", "line"), "point"),
    "line": (("point", "point"), "line"),
    "horizontal": (("point",), "line"),
    "vertical": (("point",), "line"),
}


class ExprError(ValueError):
    """A construction expression is malformed or cannot be evaluated.

    ``str(error)`` is a complete sentence fragment such as
    ``unknown function 'foo' in "foo(GT)"``; :mod:`hipcourse.content.data` prefixes it
    with the file and entry.
    """


@dataclass(frozen=True)
class Step:
    """One step of a construction, for drawing construction lines.

    Attributes:
        kind: ``"lerp"``, ``"mid"``, ``"level"``, ``"offset"``, ``"intersect"``,
            ``"line"``, ``"horizontal"`` or ``"vertical"``.
        inputs: labels of the inputs (a landmark id, or the text of a nested
            expression such as ``"mid(ASIS, PS)"``).
        points: the (x, y) of each point input, in the same order (for lines:
            the points that define them).
        xy: the resulting position (``None`` for line steps).
        fraction: ``t`` of ``lerp`` (0.5 for ``mid``), else ``None``.
        offset: for ``offset``: B-cun per axis keyword, e.g. ``{"lateral": 3.0}``;
            the scale id is in ``scale``.
        scale: the cun scale used by ``offset`` (else ``None``).
        label: a human description, e.g. ``"1/3 of the way from GT to SH"``.
    """

    kind: str
    inputs: tuple[str, ...]
    points: tuple[XY, ...]
    xy: XY | None
    label: str
    fraction: float | None = None
    offset: Mapping[str, float] | None = None
    scale: str | None = None


@dataclass(frozen=True)
class Result:
    """The value of an expression: ``xy`` and the ordered construction ``steps``."""

    xy: XY
    steps: tuple[Step, ...]


# ---------------------------------------------------------------------------
# Internal tree (built once by parse(), interpreted by Expr.evaluate())
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    kind: str            # "point", "line" or "number"
    text: str            # source text, used in labels and messages


@dataclass(frozen=True)
class _Name(_Node):
    name: str = ""


@dataclass(frozen=True)
class _Number(_Node):
    value: float = 0.0


@dataclass(frozen=True)
class _Call(_Node):
    func: str = ""
    args: tuple[_Node, ...] = ()
    # offset only: axis keyword -> number node, and the scale id (or None)
    axes: tuple[tuple[str, _Node], ...] = ()
    scale: str | None = None


_BINOPS: Mapping[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


class _Parser:
    """Turn a Python ``ast`` tree into the whitelisted ``_Node`` tree."""

    def __init__(self, text: str):
        self.text = text

    def fail(self, problem: str) -> ExprError:
        return ExprError(f'{problem} in "{self.text}"')

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.dump(node)

    def node(self, node: ast.AST) -> _Node:
        if isinstance(node, ast.Name):
            return _Name("point", node.id, name=node.id)
        if isinstance(node, ast.Constant):
            # bool is a subclass of int: reject True/False explicitly.
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(f"unexpected value {node.value!r}")
            return _Number("number", self.segment(node), value=float(node.value))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.number(node.operand)
            value = -operand.value if isinstance(node.op, ast.USub) else operand.value
            return _Number("number", self.segment(node), value=value)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = self.number(node.left), self.number(node.right)
            if isinstance(node.op, ast.Div) and right.value == 0:
                raise self.fail(f"division by zero '{self.segment(node)}'")
            value = _BINOPS[type(node.op)](left.value, right.value)
            return _Number("number", self.segment(node), value=value)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            raise self.fail(f"attribute access '{self.segment(node)}' is not allowed")
        if isinstance(node, ast.Subscript):
            raise self.fail(f"indexing '{self.segment(node)}' is not allowed")
        raise self.fail(f"'{self.segment(node)}' is not allowed")

    def number(self, node: ast.AST) -> _Number:
        parsed = self.node(node)
        if not isinstance(parsed, _Number):
            raise self.fail(f"'{parsed.text}' must be a number")
        return parsed

    def call(self, node: ast.Call) -> _Call:
        text = self.segment(node)
        if not isinstance(node.func, ast.Name):
            raise self.fail(f"'{self.segment(node.func)}' is not a function of the construction language")
        func = node.func.id
        if func not in FUNCTIONS:
            raise self.fail(f"unknown function '{func}' (allowed: {', '.join(FUNCTIONS)})")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.fail(f"'*' arguments are not allowed in {func}()")
        kinds, result_kind = FUNCTIONS[func]
        if len(node.args) != len(kinds):
            raise self.fail(f"{func}() takes {len(kinds)} argument{'s' * (len(kinds) != 1)}, "
                            f"got {len(node.args)}")
        args = []
        for position, (arg, kind) in enumerate(zip(node.args, kinds), start=1):
            parsed = self.node(arg)
            if parsed.kind != kind:
                raise self.fail(f"argument {position} of {func}() must be a {kind}, "
                                f"not the {parsed.kind} '{parsed.text}'")
            args.append(parsed)
        if func != "offset":
            if node.keywords:
                raise self.fail(f"{func}() takes no keyword arguments")
            return _Call(result_kind, text, func=func, args=tuple(args))
        return self.offset(node, text, tuple(args))

    def offset(self, node: ast.Call, text: str, args: tuple[_Node, ...]) -> _Call:
        axes: list[tuple[str, _Node]] = []
        scale = None
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.fail("'**' arguments are not allowed in offset()")
            if keyword.arg == "scale":
                if not isinstance(keyword.value, ast.Name):
                    raise self.fail(f"scale= must name a scale, not '{self.segment(keyword.value)}'")
                scale = keyword.value.id
            elif keyword.arg in _ALL_AXES:
                if _OPPOSITE[keyword.arg] in dict(axes):
                    raise self.fail(f"offset() gives both '{_OPPOSITE[keyword.arg]}' "
                                    f"and '{keyword.arg}'")
                axes.append((keyword.arg, self.number(keyword.value)))
            else:
                raise self.fail(f"unknown offset direction '{keyword.arg}' "
                                f"(allowed: {', '.join(_ALL_AXES)}, scale)")
        if not axes:
            raise self.fail("offset() needs at least one direction, e.g. lateral=3")
        return _Call("point", text, func="offset", args=args, axes=tuple(axes), scale=scale)


def parse(text: str) -> "Expr":
    """Parse a construction expression; raise :class:`ExprError` if it is malformed.

    Only the syntax and the kinds of arguments are checked here; whether the
    names exist is checked when evaluating (or by :mod:`hipcourse.content.data`, which
    knows the landmarks, points and scales).
    """
    if not isinstance(text, str):
        raise ExprError(f"a construction must be text, not {type(text).__name__} {text!r}")
    if not text.strip():
        raise ExprError('empty construction ""')
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExprError(f'syntax error ({error.msg}) in "{text}"') from None
    parser = _Parser(text.strip())
    root = parser.node(tree.body)
    if root.kind != "point":
        raise ExprError(f'a construction must give a point, not a {root.kind}, in "{text}"')
    return Expr(text.strip(), root)


def _walk(node: _Node):
    yield node
    if isinstance(node, _Call):
        for arg in node.args:
            yield from _walk(arg)
        for _, value in node.axes:
            yield from _walk(value)


def format_fraction(value: float) -> str:
    """Write a fraction the way a text would: ``1/3``, ``7/19``, ``0.45``."""
    from fractions import Fraction  # only needed for labels; keeps the import light

    close = Fraction(value).limit_denominator(20)
    if math.isclose(float(close), value, abs_tol=1e-9):
        return str(close.numerator) if close.denominator == 1 else f"{close.numerator}/{close.denominator}"
    return f"{value:g}"


def _format_number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Expr:
    """A parsed construction expression (immutable, reusable for every view)."""

    text: str
    _root: _Node = field(repr=False)

    @property
    def names(self) -> frozenset[str]:
        """Landmark ids and point codes the expression refers to."""
        return frozenset(n.name for n in _walk(self._root) if isinstance(n, _Name))

    @property
    def ordered_names(self) -> tuple[str, ...]:
        """The referenced names in order of first appearance (left to right)."""
        seen: dict[str, None] = {}
        for node in _walk(self._root):
            if isinstance(node, _Name):
                seen.setdefault(node.name)
        return tuple(seen)

    @property
    def scales(self) -> frozenset[str]:
        """Scale ids named by ``scale=`` in ``offset`` calls."""
        return frozenset(n.scale for n in _walk(self._root)
                         if isinstance(n, _Call) and n.scale is not None)

    @property
    def offset_axes(self) -> frozenset[str]:
        """Offset direction keywords used (to check them against a view)."""
        return frozenset(axis for n in _walk(self._root) if isinstance(n, _Call)
                         for axis, _ in n.axes)

    @property
    def needs_default_scale(self) -> bool:
        """True if some ``offset`` has no ``scale=`` and relies on the caller's default."""
        return any(isinstance(n, _Call) and n.func == "offset" and n.scale is None
                   for n in _walk(self._root))

    def check_view(self, view: str) -> None:
        """Raise :class:`ExprError` if an offset direction does not exist in ``view``."""
        if view not in VIEW_AXES:
            raise ExprError(f"unknown view '{view}'")
        for axis in sorted(self.offset_axes):
            if axis not in VIEW_AXES[view]:
                raise ExprError(f"offset direction '{axis}' does not exist in the {view} view "
                                f"(allowed: {', '.join(VIEW_AXES[view])}) in \"{self.text}\"")

    def evaluate(self, *, view: str, resolve: Callable[[str], XY],
                 scale_cm: Callable[[str], float], default_scale: str | None = None) -> Result:
        """Compute the position and the construction trace.

        Args:
            view: ``posterior``, ``anterior`` or ``lateral`` (decides which offset
                directions exist and what they mean).
            resolve: returns the (x, y) of a landmark id or point code in this
                view; it should raise :class:`KeyError` for an unknown name.
            scale_cm: returns cm per cun for a scale id (``KeyError`` if unknown).
            default_scale: the scale used by ``offset`` calls without ``scale=``
                (a point's own region scale).
        """
        self.check_view(view)
        steps: list[Step] = []
        interpreter = _Interpreter(self.text, view, resolve, scale_cm, default_scale, steps)
        xy = interpreter.point(self._root)
        return Result(xy=xy, steps=tuple(steps))


@dataclass
class _Line:
    origin: XY
    direction: XY
    inputs: tuple[str, ...]
    points: tuple[XY, ...]
    text: str


class _Interpreter:
    def __init__(self, text, view, resolve, scale_cm, default_scale, steps):
        self.text = text
        self.view = view
        self.resolve = resolve
        self.scale_cm = scale_cm
        self.default_scale = default_scale
        self.steps = steps

    def fail(self, problem: str) -> ExprError:
        return ExprError(f'{problem} in "{self.text}"')

    def point(self, node: _Node) -> XY:
        if isinstance(node, _Name):
            try:
                x, y = self.resolve(node.name)
            except KeyError:
                raise self.fail(f"unknown landmark '{node.name}'") from None
            return (float(x), float(y))
        assert isinstance(node, _Call)  # parse() guarantees points are names or calls
        handler = getattr(self, "_" + node.func)
        return handler(node)

    def _record(self, kind, node, inputs, points, xy, label, **extra) -> XY:
        self.steps.append(Step(kind=kind, inputs=tuple(inputs), points=tuple(points),
                               xy=xy, label=label, **extra))
        return xy

    def _lerp(self, node: _Call, t: float | None = None, kind: str = "lerp") -> XY:
        a_node, b_node = node.args[0], node.args[1]
        a, b = self.point(a_node), self.point(b_node)
        if t is None:
            t = node.args[2].value  # type: ignore[attr-defined]
        xy = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        if kind == "mid":
            label = f"midpoint of {a_node.text} and {b_node.text}"
        else:
            label = f"{format_fraction(t)} of the way from {a_node.text} to {b_node.text}"
        return self._record(kind, node, (a_node.text, b_node.text), (a, b), xy, label, fraction=t)

    def _mid(self, node: _Call) -> XY:
        return self._lerp(node, 0.5, kind="mid")

    def _level(self, node: _Call) -> XY:
        a_node, b_node = node.args
        a, b = self.point(a_node), self.point(b_node)
        xy = (a[0], b[1])
        label = f"on the vertical through {a_node.text}, level with {b_node.text}"
        return self._record("level", node, (a_node.text, b_node.text), (a, b), xy, label)

    def _offset(self, node: _Call) -> XY:
        base_node = node.args[0]
        base = self.point(base_node)
        scale = node.scale or self.default_scale
        if scale is None:
            raise self.fail("offset() needs scale=<scale id> (no default scale here)")
        try:
            cm = float(self.scale_cm(scale))
        except KeyError:
            raise self.fail(f"unknown scale '{scale}'") from None
        moved = [base[0], base[1]]
        amounts: dict[str, float] = {}
        for axis, value_node in node.axes:
            index, sign = VIEW_AXES[self.view][axis]
            amount = value_node.value  # type: ignore[attr-defined]
            amounts[axis] = amount
            moved[index] += sign * amount * cm
        words = " and ".join(f"{_format_number(v)} cun {'up' if a == 'up' else 'down' if a == 'down' else a}"
                             for a, v in amounts.items())
        label = f"{words} from {base_node.text} ({scale} scale)"
        xy = (moved[0], moved[1])
        return self._record("offset", node, (base_node.text,), (base,), xy, label,
                            offset=dict(amounts), scale=scale)

    def line(self, node: _Node) -> _Line:
        assert isinstance(node, _Call) and node.kind == "line"
        if node.func == "line":
            a_node, b_node = node.args
            a, b = self.point(a_node), self.point(b_node)
            if a == b:
                raise self.fail(f"line({a_node.text}, {b_node.text}) joins two identical points")
            line = _Line(a, (b[0] - a[0], b[1] - a[1]), (a_node.text, b_node.text), (a, b),
                         f"the line {a_node.text}-{b_node.text}")
        else:
            p_node = node.args[0]
            p = self.point(p_node)
            direction = (1.0, 0.0) if node.func == "horizontal" else (0.0, 1.0)
            line = _Line(p, direction, (p_node.text,), (p,), f"the {node.func} through {p_node.text}")
        self._record(node.func, node, line.inputs, line.points, None, line.text)
        return line

    def _intersect(self, node: _Call) -> XY:
        first, second = self.line(node.args[0]), self.line(node.args[1])
        (px, py), (rx, ry) = first.origin, first.direction
        (qx, qy), (sx, sy) = second.origin, second.direction
        cross = rx * sy - ry * sx
        if abs(cross) < 1e-12:
            raise self.fail(f"{first.text} and {second.text} are parallel")
        t = ((qx - px) * sy - (qy - py) * sx) / cross
        xy = (px + t * rx, py + t * ry)
        label = f"where {first.text} meets {second.text}"
        return self._record("intersect", node, (node.args[0].text, node.args[1].text),
                            first.points + second.points, xy, label)
