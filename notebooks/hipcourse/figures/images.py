"""The static diagrams of ``images/``: their specifications, writing them and checking they are current
(``python -m hipcourse images``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from hipcourse.figures.plates import draw_view


def image_specs() -> dict[str, dict]:
    """The static diagrams of ``images/``: ``{name: draw_view keyword arguments}``."""
    return {
        "atlas_posterior": {"view": "posterior"},
        "atlas_anterior": {"view": "anterior"},
        "atlas_lateral": {"view": "lateral"},
        "construction_gb30": {"view": "posterior", "points": ["GB30"], "constructions": ["GB30"],
                              "layers": ("outline", "bones", "landmarks", "points", "constructions"),
                              "focus": ["GT", "SH", "GB30"],
                              "title": "Finding GB30: one third of the way from the greater trochanter to the sacral hiatus"},
        "construction_bl54": {"view": "posterior", "points": ["BL54"], "constructions": ["BL54"],
                              "layers": ("outline", "bones", "landmarks", "points", "constructions"),
                              "focus": ["PSIS", "S4F", "BL54"],
                              "title": "Finding BL54: 3 B-cun out from the sacral crest at the 4th foramen"},
        "construction_sp12": {"view": "anterior", "points": ["SP12"], "constructions": ["SP12"],
                              "layers": ("outline", "bones", "nerves_vessels", "landmarks", "points",
                                         "constructions"),
                              "focus": ["PS", "SP12"],
                              "title": "Finding SP12: 3.5 B-cun out from the top of the pubic bone"},
        "alternatives_posterior": {"view": "posterior", "points": ["GB30", "BL54"],
                                   "alternatives": ["GB30", "BL54"],
                                   "layers": ("outline", "bones", "landmarks", "points"),
                                   "title": "Where different sources put GB30 and BL54"},
        "alternatives_anterior": {"view": "anterior", "points": ["SP12"], "alternatives": ["SP12"],
                                  "layers": ("outline", "bones", "nerves_vessels", "landmarks", "points"),
                                  "title": "Where different sources put SP12"},
    }


def _images_dir() -> Path:
    from hipcourse.paths import repo_root

    return repo_root() / "images"


def _render_images(names: Iterable[str] | None = None) -> dict[str, dict[str, bytes]]:
    """Render every spec to ``{name: {suffix: bytes}}`` (png, svg, alt.txt)."""
    import io

    specs = image_specs()
    result = {}
    for name in names or specs:
        figure = draw_view(**specs[name])
        svg = io.BytesIO()
        figure.savefig(svg, format="svg")
        result[name] = {".png": figure.file_png_bytes(), ".svg": svg.getvalue(),
                        ".alt.txt": (figure.alt_text + "\n").encode("utf-8")}
    return result


def _manifest(rendered: Mapping[str, Mapping[str, bytes]]) -> dict:
    import hashlib

    import matplotlib

    return {
        "generator": "python -m hipcourse images",
        "matplotlib": matplotlib.__version__,
        "files": {f"{name}{suffix}": hashlib.sha256(data).hexdigest()
                  for name, files in sorted(rendered.items()) for suffix, data in sorted(files.items())},
    }


def write_images(*, directory: Path | str | None = None) -> list[Path]:
    """Write every static diagram (PNG 150 dpi, SVG, alt text) and ``manifest.json``; return the paths."""
    folder = Path(directory) if directory is not None else _images_dir()
    folder.mkdir(parents=True, exist_ok=True)
    rendered = _render_images()
    written = []
    for name, files in rendered.items():
        for suffix, data in files.items():
            path = folder / f"{name}{suffix}"
            path.write_bytes(data)
            written.append(path)
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(_manifest(rendered), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(manifest)
    return written


def check_images(*, directory: Path | str | None = None) -> list[str]:
    """Return a list of stale or missing files in ``images/`` (empty when up to date).

    SVG and alt text are compared exactly (both are deterministic).  PNG bytes are compared only when the
    manifest's matplotlib version equals the installed one, because rasterisation may change between versions.
    """
    import matplotlib

    folder = Path(directory) if directory is not None else _images_dir()
    problems = []
    manifest_path = folder / "manifest.json"
    recorded = {}
    if manifest_path.exists():
        recorded = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        problems.append("images/manifest.json: missing")
    same_version = recorded.get("matplotlib") == matplotlib.__version__
    rendered = _render_images()
    for name, files in rendered.items():
        for suffix, data in files.items():
            path = folder / f"{name}{suffix}"
            if not path.exists():
                problems.append(f"images/{path.name}: missing")
            elif suffix == ".png" and not same_version:
                continue
            elif path.read_bytes() != data:
                problems.append(f"images/{path.name}: stale (run python -m hipcourse images)")
    expected = set(_manifest(rendered)["files"]) if recorded else set()
    if recorded and set(recorded.get("files", {})) != expected:
        problems.append("images/manifest.json: lists different files (run python -m hipcourse images)")
    return problems


def images_main(argv: Sequence[str]) -> int:
    """``images [--check]``: write the static diagrams, or with ``--check`` exit 1 if any is stale."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hipcourse images",
                                     description="Write the atlas diagrams to images/ (PNG, SVG, alt text).")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if images/ is stale")
    options = parser.parse_args(list(argv))
    if options.check:
        problems = check_images()
        for problem in problems:
            print(problem)
        if problems:
            return 1
        print("images/ is up to date.")
        return 0
    written = write_images()
    print(f"wrote {len(written)} files to images/")
    return 0
