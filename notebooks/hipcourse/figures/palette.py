"""Colour-blind-safe colours and marker shapes shared by every course figure.

The point colours come from the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), which stays
distinguishable for the common forms of colour-vision deficiency.  Nothing in a course figure relies on colour
alone: every point group also has its own marker shape, and nerves, arteries and veins differ in line style and
carry labels.

This module has no heavy imports so any module (or a notebook) can use it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "OKABE_ITO",
    "ANATOMY",
    "PointStyle",
    "point_style",
    "variant_style",
    "point_group",
]

#: The eight Okabe-Ito colours, by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Colours and line styles of the anatomical layers.  Bone is a muted ivory with a darker outline (as in an
#: anatomy atlas); muscles are semi-transparent so bones and nerves stay visible through them; the three
#: neurovascular kinds differ in line style as well as colour (nerve dash-dot, artery solid, vein dashed).
ANATOMY: dict[str, dict] = {
    "skin": {"face": "#F6EEE6", "edge": "#6B5B4E", "linewidth": 1.4},
    "crease": {"edge": "#6B5B4E", "linewidth": 1.0, "linestyle": (0, (4, 2))},
    "bone": {"face": "#EDE3C8", "edge": "#7A6545", "linewidth": 1.1},
    "bone_detail": {"face": "#CDBF9C", "edge": "#7A6545", "linewidth": 0.8},
    "muscle": {"face": "#C0504D", "edge": "#8E2F2C", "alpha": 0.2, "linewidth": 0.9, "fibre_alpha": 0.35},
    "nerve": {"edge": "#F0E442", "casing": "#5C5200", "linewidth": 2.6, "linestyle": "-."},
    "artery": {"edge": "#C0392B", "casing": "#5A120C", "linewidth": 2.2, "linestyle": "-"},
    "vein": {"edge": "#0072B2", "casing": "#00334F", "linewidth": 2.2, "linestyle": "--"},
    "bursa": {"face": "#56B4E9", "edge": "#0072B2", "alpha": 0.35, "linewidth": 1.0, "hatch": "...."},
    "foramen": {"face": "#7A6545"},
    "ligament": {"edge": "#7A6545", "linewidth": 1.8, "linestyle": (0, (6, 1.5, 1, 1.5))},
    "fascia": {"face": "#B9B2A4", "edge": "#6F6A5F", "alpha": 0.45},
    "label": {"colour": "#3A2E25", "leader": "#3A2E25"},
    "landmark": {"colour": "#000000", "marker": "+", "size": 7},
    "construction": {"colour": "#CC79A7", "linewidth": 1.3, "linestyle": (0, (5, 3))},
    "ruler": {"colour": "#000000", "linewidth": 0.9},
}


@dataclass(frozen=True)
class PointStyle:
    """How one acupoint (or point group) is drawn: colour, marker shape, marker size and group name."""

    colour: str
    marker: str
    size: float
    group: str


# Groups follow the course's teaching: the three core points first, then the supporting points by channel.
# Each group has a different marker shape so the groups can be told apart in greyscale too.
_GROUPS: dict[str, PointStyle] = {
    "core": PointStyle(OKABE_ITO["vermillion"], "o", 9.0, "core point"),
    "gall_bladder": PointStyle(OKABE_ITO["blue"], "^", 8.0, "Gall Bladder channel"),
    "bladder": PointStyle(OKABE_ITO["bluish_green"], "s", 7.0, "Bladder channel"),
    "other": PointStyle(OKABE_ITO["reddish_purple"], "D", 7.0, "other channel"),
}

_CORE = frozenset({"GB30", "BL54", "SP12"})

# Alternative locations: the standard (WHO) location keeps its group style, each variant gets the next style
# from this list, so a legend can name every source by shape and colour.
_VARIANTS: tuple[PointStyle, ...] = (
    PointStyle(OKABE_ITO["orange"], "P", 9.0, "variant 1"),
    PointStyle(OKABE_ITO["sky_blue"], "X", 9.0, "variant 2"),
    PointStyle(OKABE_ITO["reddish_purple"], "v", 9.0, "variant 3"),
    PointStyle(OKABE_ITO["yellow"], "*", 11.0, "variant 4"),
)


def point_group(code: str) -> str:
    """Return the style group of an acupoint code: ``core``, ``gall_bladder``, ``bladder`` or ``other``."""
    if code in _CORE:
        return "core"
    if code.startswith("GB"):
        return "gall_bladder"
    if code.startswith("BL"):
        return "bladder"
    return "other"


def point_style(code: str) -> PointStyle:
    """Return the :class:`PointStyle` of acupoint ``code`` (e.g. ``"GB30"``)."""
    return _GROUPS[point_group(code)]


def variant_style(index: int) -> PointStyle:
    """Return the style of the ``index``-th alternative location of a point (0-based).

    Raises:
        ValueError: if ``index`` is negative.
    """
    if index < 0:
        raise ValueError(f"variant index must be >= 0, got {index}")
    return _VARIANTS[index % len(_VARIANTS)]
