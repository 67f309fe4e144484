"""Pain maps for lesson 2: one atlas view with the pain regions of a cause of hip pain shaded.

:func:`pain_map` returns an :class:`~hipcourse.figures.display.AtlasFigure` (main area hatched densely, areas
pain may spread to lightly dotted, so the two differ without relying on colour), with alt text naming every
shaded region. The regions and causes come from :mod:`hipcourse.topics.causes` (``data/causes.yaml``);
matplotlib is imported inside the drawing function only.
"""

from __future__ import annotations

from typing import Sequence

from hipcourse.topics.causes import VIEWS, Cause, CauseCatalogue, Region, Shape, load_causes

__all__ = ["pain_map"]

# How each view is named in the alt text.
_VIEW_WORDS = {"posterior": "seen from behind", "anterior": "seen from the front", "lateral": "seen from the right side"}


# --------------------------------------------------------------------------------------------- pain map
def pain_map(cause_id: str, *, view: str | None = None, catalogue: CauseCatalogue | None = None,
             title: str | None = None):
    """Draw one atlas view with the pain regions of a cause shaded, and return it as an ``AtlasFigure``.

    Main areas are filled with dense diagonal hatching, areas pain may spread to with light dotted hatching,
    so the two differ without relying on colour (Okabe-Ito vermillion and orange). The alt text names every
    shaded region and the regions that lie in other views.

    Args:
        cause_id: a cause id of ``data/causes.yaml`` (e.g. ``"gtps"``).
        view: ``posterior``, ``anterior`` or ``lateral``; by default the view showing most of the main areas.
        catalogue: the data to use (defaults to :func:`load_causes`).
        title: figure title; defaults to ``"Where <cause> usually hurts"``.

    Raises:
        KeyError: unknown cause; ValueError: unknown view, or the cause has no region drawn in ``view``.
    """
    if catalogue is not None:  # other data than data/causes.yaml: always drawn
        return _pain_map(cause_id, view=view, catalogue=catalogue, title=title)
    from hipcourse.figures.cache import cached_figure

    params = {"cause_id": cause_id, "view": view, "title": title}
    return cached_figure("hipcourse.topics.painmap:pain_map", params, lambda: _pain_map(**params))


def _pain_map(cause_id: str, *, view: str | None = None, catalogue: CauseCatalogue | None = None,
             title: str | None = None):
    """Draw the figure of :func:`pain_map` (never from the figure cache)."""
    from matplotlib.patches import Ellipse, Patch, Polygon

    from hipcourse.figures.plates import draw_view
    from hipcourse.figures.display import AtlasFigure
    from hipcourse.figures.palette import OKABE_ITO

    catalogue = catalogue or load_causes()
    cause = catalogue.cause(cause_id)
    if view is None:
        view = _best_view(cause, catalogue)
    elif view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    shown = {"primary": [], "secondary": []}
    elsewhere = []
    for kind, region_ids in (("primary", cause.primary_regions), ("secondary", cause.secondary_regions)):
        for region_id in region_ids:
            region = catalogue.regions[region_id]
            (shown[kind] if view in region.views() else elsewhere).append(region)
    if not shown["primary"] and not shown["secondary"]:
        raise ValueError(f"cause {cause_id!r} has no pain region drawn in the {view} view; "
                         f"try {', '.join(_views_of(cause, catalogue))}")
    title = title or f"Where {_lower_first(_short_name(cause))} usually hurts"
    base = draw_view(view, layers=("outline", "bones", "landmarks"), labels=False, title=title)
    figure = base.figure
    axes = figure.axes[0]
    styles = {
        "primary": {"facecolor": OKABE_ITO["vermillion"], "alpha": 0.45, "hatch": "////",
                    "edgecolor": OKABE_ITO["vermillion"], "label": "main pain area"},
        "secondary": {"facecolor": OKABE_ITO["orange"], "alpha": 0.3, "hatch": "..",
                      "edgecolor": OKABE_ITO["orange"], "label": "pain may spread here"},
    }
    handles = []
    for kind in ("secondary", "primary"):  # main areas drawn last so they sit on top where areas overlap
        style = dict(styles[kind])
        label = style.pop("label")
        for region in shown[kind]:
            shape = next(s for s in region.shapes if s.view == view)
            # Shapes are drawn as given: on the +x side (the side drawn with points) in front and back views.
            # zorder above the anatomy layers: pain is felt in the soft tissues over the bones, and the
            # translucent fill keeps the bones visible underneath.
            patch = _patch(shape, Ellipse=Ellipse, Polygon=Polygon, style=style)
            patch.set_zorder(25 if kind == "primary" else 24)
            axes.add_patch(patch)
        if shown[kind]:
            handles.append(Patch(label=label, **style))
    axes.legend(handles=handles[::-1], loc="lower left", fontsize=8, frameon=True)
    alt = _pain_map_alt(cause, view, shown, elsewhere, base_alt=base.alt_text)
    return AtlasFigure(figure, alt_text=alt, caption=title)


def _patch(shape: Shape, *, Ellipse, Polygon, style: dict):
    if shape.polygon is not None:
        return Polygon(shape.polygon, closed=True, linewidth=1.2, **style)
    return Ellipse(shape.center, shape.size[0], shape.size[1], angle=shape.angle, linewidth=1.2, **style)


def _views_of(cause: Cause, catalogue: CauseCatalogue) -> tuple[str, ...]:
    have = {v for r in cause.primary_regions + cause.secondary_regions for v in catalogue.regions[r].views()}
    return tuple(v for v in VIEWS if v in have)


def _best_view(cause: Cause, catalogue: CauseCatalogue) -> str:
    def score(view: str) -> tuple[int, int]:
        primary = sum(view in catalogue.regions[r].views() for r in cause.primary_regions)
        secondary = sum(view in catalogue.regions[r].views() for r in cause.secondary_regions)
        return (primary, secondary)

    return max(VIEWS, key=lambda view: (score(view), -VIEWS.index(view)))


def _short_name(cause: Cause) -> str:
    # "Sciatica (pain from an irritated nerve root ...)" -> "Sciatica": titles must fit the figure width.
    return cause.name.split(" (")[0]


def _lower_first(text: str) -> str:
    # "Osteoarthritis of the hip" -> "osteoarthritis of the hip", but keep acronyms such as "GTPS".
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def _names(regions: Sequence[Region]) -> str:
    names = [r.name.lower() for r in regions]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _pain_map_alt(cause: Cause, view: str, shown: dict, elsewhere: list, *, base_alt: str) -> str:
    parts = [f"Pain map of {_lower_first(cause.name)}, {_VIEW_WORDS[view]}."]
    if shown["primary"]:
        parts.append(f"Main pain area, densely hatched: {_names(shown['primary'])}.")
    if shown["secondary"]:
        parts.append(f"Pain may spread to, lightly dotted: {_names(shown['secondary'])}.")
    if elsewhere:
        parts.append(f"Also affected but not visible in this view: {_names(elsewhere)}.")
    parts.append(f"Background drawing: {base_alt}")
    return " ".join(parts)
