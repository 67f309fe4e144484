"""Display objects for course figures: a matplotlib Figure plus its alt text, shown the same way everywhere.

:class:`AtlasFigure` wraps a :class:`matplotlib.figure.Figure` that was created *without* pyplot, so the inline
backend never shows it a second time, and gives it a deterministic rich display:

* ``text/html``: ``<figure><img alt="..." src="data:image/png;base64,..."><figcaption>...</figcaption></figure>``,
  so screen readers and axe see the alt text (JupyterLab shows a bare ``image/png`` output without one). The
  PNG is 150 dpi, reduced to a 128-colour palette (flat atlas colours survive it unchanged to the eye) and
  carries no metadata: notebooks stay small (each figure is stored once, not also as ``image/png``);
* ``text/plain``: the alt text, which strict nbval compares; the alt text therefore describes every drawn point
  position so that a moved point changes the stored output.

Other modules (charts, forest plots) can reuse it: build a Figure, write an alt text, wrap both.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any, Mapping

__all__ = ["AtlasFigure", "DPI", "SCREEN_DPI", "new_figure"]

#: Resolution of raster files written to disk (images/, charts, handouts).
DPI = 150

#: Resolution of figures shown in notebooks: sharp at 100 % zoom (CSS pixels are 1/96 in) while keeping the
#: committed notebooks small (a lesson with ten atlas plates stays well under 1.5 MB).
SCREEN_DPI = 110

# Metadata that would otherwise embed the matplotlib version or a timestamp in the files.
_PNG_METADATA = {"Software": None}
_SVG_METADATA = {"Date": None, "Creator": None}
_PDF_METADATA = {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}


def new_figure(*, size: tuple[float, float] = (6.0, 7.0), display_scale: float = 1.0):
    """Return a new pyplot-free :class:`matplotlib.figure.Figure` of ``size`` inches with an Agg canvas.

    ``display_scale`` shows the figure that much larger in a notebook (its ``<img width>`` grows with it) and
    renders it at that much more than :data:`SCREEN_DPI`, so the enlarged picture stays sharp: everything,
    text included, is magnified.  Plates use it so that their smallest labels read at 9 pt or more.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not display_scale > 0:
        raise ValueError(f"display_scale must be a positive number, got {display_scale!r}")
    figure = Figure(figsize=size, dpi=SCREEN_DPI * display_scale)
    FigureCanvasAgg(figure)  # attaches itself to the figure; needed for text extents and printing
    return figure


def _palette_png(image, *, dpi: int | None = None) -> bytes:
    """Encode an RGB PIL image as a small, deterministic 128-colour palette PNG (no dithering, no metadata)."""
    from PIL import Image

    palette = image.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    options = {"dpi": (dpi, dpi)} if dpi else {}
    palette.save(buffer, format="png", compress_level=6, **options)
    return buffer.getvalue()


class AtlasFigure:
    """A course figure: a matplotlib Figure with its alt text and the positions of the points it shows.

    Args:
        figure: a :class:`matplotlib.figure.Figure` (ideally made by :func:`new_figure`).
        alt_text: a plain-language description of everything drawn (used as ``alt`` and as ``text/plain``).
        points_drawn: ``{code or variant id: (x, y)}`` in the figure's data coordinates (cm).
        caption: optional visible caption under the image (defaults to the figure title, if any).
    """

    def __init__(self, figure, *, alt_text: str, points_drawn: Mapping[str, tuple[float, float]] | None = None,
                 caption: str | None = None) -> None:
        if not alt_text or not alt_text.strip():
            raise ValueError("AtlasFigure needs a non-empty alt_text: every course figure must be described")
        self.figure = figure
        self.alt_text = alt_text.strip()
        self.points_drawn: dict[str, tuple[float, float]] = dict(points_drawn or {})
        self.caption = caption
        self._png: bytes | None = None

    # -- output -------------------------------------------------------------------------------------------
    def savefig(self, target, *, format: str | None = None, dpi: int = DPI, **kwargs: Any) -> None:
        """Save the figure deterministically (no timestamps, fixed SVG ids) to a path or binary file object.

        ``format`` defaults to the file suffix (``png``, ``svg``, ``pdf``).  Extra keyword arguments go to
        :meth:`matplotlib.figure.Figure.savefig`.
        """
        import matplotlib

        if format is None:
            if isinstance(target, (str, Path)):
                format = Path(target).suffix.lstrip(".").lower() or "png"
            else:
                format = "png"
        metadata = {"png": _PNG_METADATA, "svg": _SVG_METADATA, "pdf": _PDF_METADATA}.get(format)
        options = {"format": format, "dpi": dpi, **kwargs}
        if metadata is not None and "metadata" not in kwargs:
            options["metadata"] = metadata
        # A fixed hash salt makes SVG element ids identical from run to run.
        with matplotlib.rc_context({"svg.hashsalt": "hipcourse", "svg.fonttype": "path"}):
            self.figure.savefig(target, **options)

    def png_bytes(self) -> bytes:
        """Return the figure as PNG bytes at its own dpi (:data:`SCREEN_DPI` x its display scale; cached)."""
        if self._png is None:
            self._png = self._render_png()
        return self._png

    def file_png_bytes(self, *, dpi: int = DPI) -> bytes:
        """Return the figure as a palette PNG at ``dpi`` (default :data:`DPI`, 150) for files on disk."""
        from PIL import Image

        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=dpi)
        buffer.seek(0)
        return _palette_png(Image.open(buffer).convert("RGB"), dpi=dpi)

    def _render_png(self) -> bytes:
        # Render once with Agg and encode the pixel buffer directly: half the time of savefig (which draws
        # again) and no metadata at all, so the bytes depend only on the pixels.
        import numpy as np
        from PIL import Image

        canvas = self.figure.canvas
        if not hasattr(canvas, "buffer_rgba"):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=self.figure.dpi)
            buffer.seek(0)
            return _palette_png(Image.open(buffer).convert("RGB"))
        renderer = getattr(canvas, "renderer", None)
        width, height = canvas.get_width_height(physical=True)
        # A figure already drawn and unchanged since (e.g. by a benchmark or a test) need not be drawn again.
        if self.figure.stale or renderer is None or (renderer.width, renderer.height) != (width, height):
            canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba())
        return _palette_png(Image.fromarray(pixels[..., :3]))

    def svg_text(self) -> str:
        """Return the figure as deterministic SVG text."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="svg")
        return buffer.getvalue().decode("utf-8")

    def to_html(self) -> str:
        """Return ``<figure><img alt=... src=data:...><figcaption>...</figcaption></figure>``."""
        data = base64.b64encode(self.png_bytes()).decode("ascii")
        alt = html.escape(self.alt_text, quote=True)
        caption = self.resolved_caption()
        caption_html = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        return (f'<figure style="margin:0"><img alt="{alt}" width="{self.width_px()}" '
                f'src="data:image/png;base64,{data}">{caption_html}</figure>')

    def width_px(self) -> int:
        """The width the figure is shown at, in CSS pixels (readable at 100 % zoom).

        A CSS pixel is 1/96 in, so a figure drawn at :data:`SCREEN_DPI` shows at its size in inches; one made
        with a ``display_scale`` (a higher dpi, see :func:`new_figure`) shows that much wider.
        """
        return int(round(self.figure.get_figwidth() * 96 * self.figure.dpi / SCREEN_DPI))

    def resolved_caption(self) -> str:
        """The visible caption: :attr:`caption` if given, else the figure title (may be empty)."""
        return self.caption if self.caption is not None else self._title()

    def _title(self) -> str:
        suptitle = getattr(self.figure, "_suptitle", None)
        if suptitle is not None and suptitle.get_text():
            return suptitle.get_text()
        for axes in self.figure.axes:
            if axes.get_title():
                return axes.get_title()
        return ""

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        # No separate image/png: it would store the same picture twice, and without its alt text.
        bundle = {"text/html": self.to_html(), "text/plain": self.alt_text}
        if include:
            bundle = {key: value for key, value in bundle.items() if key in include}
        if exclude:
            bundle = {key: value for key, value in bundle.items() if key not in exclude}
        return bundle

    def __repr__(self) -> str:
        return self.alt_text
