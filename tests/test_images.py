"""images/ must match what `python -m hipcourse images` would write now (SVG and alt text exactly)."""

import json

from hipcourse.figures import atlas, images


def test_images_are_up_to_date():
    problems = atlas.check_images()
    assert problems == [], "\n".join(problems) + "\nRun: python -m hipcourse images"


def test_every_image_has_alt_text_and_is_in_the_manifest():
    folder = images._images_dir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in atlas.image_specs():
        alt = (folder / f"{name}.alt.txt").read_text(encoding="utf-8")
        assert alt.strip() and "view" in alt
        for suffix in (".png", ".svg", ".alt.txt"):
            assert f"{name}{suffix}" in manifest["files"]
        svg = (folder / f"{name}.svg").read_text(encoding="utf-8")
        assert "<dc:date>" not in svg


def test_check_reports_a_stale_file(tmp_path):
    atlas.write_images(directory=tmp_path)
    assert atlas.check_images(directory=tmp_path) == []
    (tmp_path / "atlas_lateral.alt.txt").write_text("old text\n", encoding="utf-8")
    assert any("atlas_lateral.alt.txt: stale" in p for p in atlas.check_images(directory=tmp_path))
