"""The hip atlas: anatomical plates drawn by matplotlib from outline data, with computed point overlays.

Outlines (skin, bones, muscles, nerves and vessels, bursa) come from ``data/atlas/<view>.yaml`` as a few control
points per shape, drawn as smooth Catmull-Rom splines. Shapes follow the landmarks of the body being drawn
(``anchors``), and acupoints are *always* placed by :mod:`hipcourse.content.geometry`, never by coordinates in the
atlas data: move a landmark and the points move with it.

This module gathers the atlas's public names; the work is done in the modules beside it:

* :mod:`~hipcourse.figures.outlines` - reading and checking the outline data; views and layers;
* :mod:`~hipcourse.figures.anatomy` - drawing the anatomy layers (with a pixel cache for repeated views);
* :mod:`~hipcourse.figures.labels` - placing labels without overlaps, and measuring overlaps;
* :mod:`~hipcourse.figures.construction` - the point overlays and WHO constructions step by step;
* :mod:`~hipcourse.figures.plates` - :func:`draw_view`, one plate as an
  :class:`~hipcourse.figures.display.AtlasFigure` (PNG, ``<img alt>`` HTML and alt text in notebooks);
* :mod:`~hipcourse.figures.platebook` - :func:`show_plate`, the named plates of ``data/plates.yaml`` that the
  lessons show (one short call per figure);
* :mod:`~hipcourse.figures.explorer` - :func:`explorer` and :func:`proportions_demo`, the keyboard-usable widgets;
* :mod:`~hipcourse.figures.images` - the static diagrams of ``images/`` (``python -m hipcourse images``).
"""

from __future__ import annotations

from hipcourse.figures.anatomy import clear_render_cache
from hipcourse.figures.explorer import explorer, proportions_demo
from hipcourse.figures.images import check_images, image_specs, images_main, write_images
from hipcourse.figures.labels import LabelRequest, label_overlaps, place_labels
from hipcourse.figures.outlines import DEFAULT_LAYERS, LAYERS, VIEWS, AtlasDataError, load_outlines
from hipcourse.figures.platebook import show_plate
from hipcourse.figures.plates import draw_view

__all__ = [
    "VIEWS", "LAYERS", "DEFAULT_LAYERS", "AtlasDataError", "draw_view", "load_outlines", "place_labels",
    "LabelRequest", "clear_render_cache", "explorer", "proportions_demo", "image_specs", "write_images",
    "check_images", "images_main", "label_overlaps", "show_plate",
]
