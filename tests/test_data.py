"""Tests of hipcourse.paths, hipcourse.content.data, hipcourse.content.sources and the `check` command.

`make_data_dir` (also used by test_check_errors.py and test_geometry.py) builds a
temporary data folder from the real views/landmarks/scales/schemas, a small fixture
points.yaml mirroring the course's constructions, and a generated sources.yaml that
holds exactly the keys those files cite. Tests that need the real points and sources
files use `REAL_DATA`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from hipcourse import cli, paths
from hipcourse.content import sources
from hipcourse.content.check import check_course
from hipcourse.content.data import Course, DataError, DataProblem, load_course, read_yaml

REPO = Path(__file__).resolve().parent.parent
REAL_DATA = REPO / "data"
OWN_FILES = ("views.yaml", "landmarks.yaml", "scales.yaml")

FIXTURE_POINTS = """\
points:
  - code: GB30
    pinyin: Huantiao
    english: Jumping Round
    channel: Gall Bladder
    core: true
    region: buttock
    location: One third of the way from the greater trochanter to the sacral hiatus.
    landmarks: [GT, SH]
    scale: thigh_lateral
    locations:
      posterior: "lerp(GT, SH, 1/3)"
      lateral: "lerp(GT, SH, 1/3)"
    alternatives:
      - id: who-alt
        label: WHO alternative
        sources: [J-GB30-higokoro]
        locations:
          lateral: "lerp(GT, ASIS, 1/3)"
      - id: deadman
        label: Deadman sacro-coccygeal end
        sources: [P-GB30-woodley]
        locations:
          posterior: "lerp(GT, SCJ, 1/3)"
      - id: sciatica
        label: About 1 cun lower
        sources: [P-GB30-woodley]
        locations:
          posterior: "offset(GB30, down=1)"
    sources: [J-GB30-higokoro]
  - code: SP12
    english: Surging Gate
    region: groin
    location: Level with the top of the pubic bone, 3.5 cun from the midline.
    scale: abdomen
    locations:
      anterior: "offset(PS, lateral=3.5, scale=abdomen)"
    sources: [J-SP12-tsubolab]
  - code: BL54
    english: Order's Limit
    region: buttock
    location: Level with the 4th sacral foramen, 3 cun from the midline.
    scale: back
    locations:
      posterior: "offset(level(MSC, S4F), lateral=3, scale=back)"
    sources: [K-BL54]
  - code: GB29
    english: Stationary Bone-Hole
    region: hip
    location: Midway between the ASIS and the greater trochanter.
    scale: thigh_lateral
    locations:
      lateral: "mid(ASIS, GT)"
    sources: [J-GB29-tsubolab]
  - code: GB31
    english: Wind Market
    region: thigh
    location: 7 cun above the knee crease on the side of the thigh.
    scale: thigh_lateral
    locations:
      lateral: "lerp(PC, GT, 7/19)"
    sources: [J-GB31-higokoro]
  - code: BL36
    english: Support
    region: thigh
    location: Middle of the buttock crease.
    scale: thigh_posterior
    locations:
      posterior: "GF"
    sources: [P-BL36-woodley]
  - code: BL40
    english: Bend Middle
    region: knee
    location: Middle of the knee crease.
    scale: thigh_posterior
    locations:
      posterior: "PC"
    sources: [P-BL40-woodley]
  - code: GB34
    english: Yang Mound Spring
    region: leg
    location: In front of and below the head of the fibula.
    scale: leg_lateral
    locations:
      lateral: "offset(FH, anterior=1, down=1, scale=leg_lateral)"
    sources: [P-GB34-woodley]
  - code: BL23
    english: Kidney Shu
    region: lower back
    location: 1.5 cun from the midline at the level of L2.
    scale: back
    locations:
      posterior: "offset(level(MSC, L2), lateral=1.5, scale=back)"
    sources: [P-BL23-knowlative]
  - code: SP13
    english: Bowel Abode
    region: lower belly
    location: 4.3 cun below the navel and 4 cun from the midline.
    scale: abdomen
    locations:
      anterior: "offset(U, down=4.3, lateral=4, scale=abdomen)"
    sources: [P-SP13-sacredlotus]
  - code: ST31
    english: Thigh Joint
    region: thigh
    location: Below the ASIS, level with the lower border of the pubic symphysis.
    scale: thigh_medial
    locations:
      anterior: "intersect(line(ASIS, PB_lat), horizontal(PS_inf))"
    sources: [K-ST31]
  - code: BL34
    english: Lower Bone-Hole
    region: sacrum
    location: In the 4th posterior sacral foramen.
    scale: back
    locations:
      posterior: "S4F"
    sources: [J-BL34-acure]
  - code: Ashi
    english: Tender point
    region: anywhere
    location: Wherever pressing finds a tender spot.
    computable: false
    sources: [P-ashi-xu2005]
"""


def _cited_keys(*texts: str) -> list[str]:
    keys: set[str] = set()
    for text in texts:
        for group in re.findall(r"sources: \[([^\]]*)\]", text):
            keys.update(key.strip() for key in group.split(",") if key.strip())
    return sorted(keys)


def fixture_sources(*texts: str) -> str:
    """A sources.yaml holding exactly the keys cited in ``texts``."""
    lines = ["sources:"]
    for key in _cited_keys(*texts):
        lines += [f"  - key: {key}", f"    title: Title of {key}", f"    citation: Citation of {key}.",
                  f"    url: https://example.org/{key.lower()}", "    kind: study", "    topic: anatomy"]
    return "\n".join(lines) + "\n"


def make_data_dir(tmp_path: Path, *, points: str = FIXTURE_POINTS) -> Path:
    """A complete, valid data folder in ``tmp_path / "data"`` (see module docstring)."""
    folder = tmp_path / "data"
    (folder / "schemas").mkdir(parents=True)
    texts = [points]
    for name in OWN_FILES:
        text = (REAL_DATA / name).read_text(encoding="utf-8")
        (folder / name).write_text(text, encoding="utf-8")
        texts.append(text)
    for kind in ("sources", "views", "landmarks", "scales", "points"):
        shutil.copy(REAL_DATA / "schemas" / f"{kind}.schema.json", folder / "schemas")
    (folder / "points.yaml").write_text(points, encoding="utf-8")
    (folder / "sources.yaml").write_text(fixture_sources(*texts), encoding="utf-8")
    return folder


@pytest.fixture
def data_dir(tmp_path):
    return make_data_dir(tmp_path)


# --- paths -------------------------------------------------------------------------


def test_repo_root_is_found_from_the_package():
    assert (paths.repo_root() / "CONTRIBUTING.md").is_file()
    assert paths.repo_root() == REPO


def test_data_dir_default_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    assert paths.data_dir() == REPO / "data"
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))
    assert paths.data_dir() == tmp_path.resolve()


def test_progress_dir_override_and_platformdirs(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.PROGRESS_DIR_ENV, str(tmp_path / "p"))
    assert paths.progress_dir() == (tmp_path / "p").resolve()
    monkeypatch.delenv(paths.PROGRESS_DIR_ENV)
    import platformdirs

    assert paths.progress_dir() == Path(platformdirs.user_data_dir("hipcourse"))


def test_display_path_is_relative_inside_the_repo(tmp_path):
    assert paths.display_path(REPO / "data" / "points.yaml") == "data/points.yaml"
    assert paths.display_path(tmp_path / "x.yaml") == (tmp_path / "x.yaml").as_posix()


# --- loading -----------------------------------------------------------------------


def test_fixture_loads_into_a_frozen_course(data_dir):
    course = load_course(data_dir)
    assert isinstance(course, Course)
    assert {"GT", "SH", "S4F", "MIP", "SCAP_M"} <= set(course.landmarks)
    assert set(course.scales) == {"abdomen", "thigh_lateral", "thigh_posterior", "thigh_medial",
                                  "back", "leg_lateral"}
    assert list(course.views) == ["posterior", "anterior", "lateral"]
    gb30 = course.points["GB30"]
    assert gb30.locations["posterior"] == "lerp(GT, SH, 1/3)"
    assert gb30.alternative("who-alt").locations == {"lateral": "lerp(GT, ASIS, 1/3)"}
    assert course.landmarks["S4F"].constructions["posterior"].startswith("level(")
    assert course.views["lateral"].x_axis == "anterior"
    with pytest.raises(TypeError):
        course.points["X"] = gb30  # read-only mapping
    with pytest.raises(AttributeError):
        course.points = {}  # frozen dataclass
    with pytest.raises(KeyError, match="no alternative 'nope'"):
        gb30.alternative("nope")


def test_load_is_cached_and_reloads_after_an_edit(data_dir):
    first = load_course(data_dir)
    assert load_course(data_dir) is first
    assert load_course(str(data_dir)) is first
    scales = data_dir / "scales.yaml"
    scales.write_text(scales.read_text().replace("cun: 19", "cun: 20"))
    os.utime(scales, ns=(1, 1))  # make sure the mtime changes even on coarse clocks
    second = load_course(data_dir)
    assert second is not first
    assert second.scales["thigh_lateral"].cun == 20


def test_load_course_uses_the_environment_override(monkeypatch, data_dir):
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(data_dir))
    assert load_course().data_dir == data_dir.resolve()


def test_data_error_lists_every_problem_with_file_and_entry(data_dir):
    points = data_dir / "points.yaml"
    text = points.read_text().replace('posterior: "lerp(GT, SH, 1/3)"', 'posterior: "lerp(GTT, SH, 1/3)"')
    text = text.replace("scale: abdomen\n", "scale: belly\n", 1)
    points.write_text(text)
    with pytest.raises(DataError) as caught:
        load_course(data_dir)
    lines = str(caught.value).splitlines()
    assert ('data/points.yaml: points[GB30].locations.posterior: unknown landmark \'GTT\' '
            'in "lerp(GTT, SH, 1/3)"') in lines
    assert "data/points.yaml: points[SP12].scale: unknown scale 'belly'" in lines
    assert len(caught.value.problems) == len(lines) >= 2
    assert all(isinstance(p, DataProblem) for p in caught.value.problems)


def test_problem_without_entry_prints_file_and_message():
    assert str(DataProblem("data/x.yaml", "", "file is missing")) == "data/x.yaml: file is missing"


def test_read_yaml_reports_duplicate_keys_with_line(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("a: 1\nb: 2\na: 3\n")
    document, problems = read_yaml(path, label="data/dup.yaml")
    assert document is None
    assert problems == [DataProblem("data/dup.yaml", "line 3", "YAML error: duplicate key 'a'")]


def test_every_load_skips_the_slow_jsonschema_import(data_dir):
    # The notebook budget forbids importing jsonschema on load (2-3 s in this venv):
    # run a fresh interpreter so earlier tests' imports do not count.
    import subprocess
    import sys

    code = ("import sys; from hipcourse.content.data import load_course; load_course(sys.argv[1]); "
            "print('jsonschema' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(data_dir)], capture_output=True,
                            text=True, cwd=REPO / "notebooks", check=True)
    assert result.stdout.strip() == "False"


# --- full check, other kinds, CLI -------------------------------------------------------


def test_check_course_on_fixture_counts_entries(data_dir):
    report = check_course(data_dir)
    assert report.ok, report.summary()
    assert report.summary().startswith("OK: 29 landmarks, 13 points, 6 scales, 3 views, ")


def test_check_discovers_other_kinds_and_quiz_banks(data_dir):
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "required": ["flags"],
              "properties": {"flags": {"type": "array", "items": {
                  "type": "object", "required": ["id"], "properties": {
                      "id": {"type": "string"}, "sources": {"type": "array"}}}}}}
    (data_dir / "schemas" / "red_flags.schema.json").write_text(json.dumps(schema))
    (data_dir / "red_flags.yaml").write_text("flags:\n  - id: fracture\n    sources: [NOPE]\n  - {}\n")
    bank_schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                   "required": ["lesson"], "properties": {"lesson": {"type": "integer"}}}
    (data_dir / "schemas" / "quiz_bank.schema.json").write_text(json.dumps(bank_schema))
    (data_dir / "quizzes").mkdir()
    (data_dir / "quizzes" / "lesson01.yaml").write_text("lesson: one\n")
    # a schema for something that is not a data file (learner progress) is ignored
    (data_dir / "schemas" / "progress.schema.json").write_text(json.dumps({"type": "object"}))
    report = check_course(data_dir)
    assert set(report.problems) == {
        DataProblem("data/red_flags.yaml", "flags[fracture].sources", "unknown source key 'NOPE'"),
        DataProblem("data/red_flags.yaml", "flags[1]", "missing required field 'id'"),
        DataProblem("data/quizzes/lesson01.yaml", "lesson", "must be a whole number, not text 'one'"),
    }


def test_cli_check_ok_and_failure(data_dir, capsys):
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out.startswith("OK: 29 landmarks, 13 points")
    (data_dir / "scales.yaml").unlink()
    assert cli.main(["check", "--data-dir", str(data_dir)]) == 1
    captured = capsys.readouterr()
    assert "data/scales.yaml: file is missing" in captured.out.splitlines()
    assert "problem" in captured.err


def test_cli_lists_commands_and_rejects_unknown(capsys):
    assert "check" in cli.COMMANDS
    assert cli.main(["--help"]) == 0
    assert "commands:" in capsys.readouterr().out
    assert cli.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_python_dash_m_entry_point(data_dir):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "hipcourse", "check", "--data-dir", str(data_dir)],
                            capture_output=True, text=True, cwd=REPO / "notebooks")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ")


# --- the real files ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["views", "landmarks", "scales", "points", "sources"])
def test_real_file_passes_full_json_schema(kind):
    from jsonschema.validators import Draft202012Validator

    schema = json.loads((REAL_DATA / "schemas" / f"{kind}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    document, problems = read_yaml(REAL_DATA / f"{kind}.yaml", label=kind)
    assert problems == []
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(document)]
    assert errors == []


def test_real_core_files_check_clean():
    # Only the five core files: other kinds belong to other tests (and `python -m hipcourse check`).
    core = {f"data/{kind}.yaml" for kind in ("views", "landmarks", "scales", "points", "sources")}
    problems = [p for p in check_course(REAL_DATA).problems if p.file in core]
    assert problems == []


def test_landmark_heights_are_equal_across_views():
    course = load_course(REAL_DATA)
    for landmark in course.landmarks.values():
        heights = {xy[1] for xy in landmark.coordinates.values()}
        assert len(heights) <= 1, (landmark.id, landmark.coordinates)


def test_views_cover_the_required_landmarks():
    course = load_course(REAL_DATA)

    def inside(view, landmark):
        xmin, xmax, ymin, ymax = course.views[view].extent
        x, y = course.landmarks[landmark].coordinates[view]
        return xmin <= x <= xmax and ymin <= y <= ymax

    assert all(inside("posterior", lm) for lm in ("L2", "PC", "GT", "FH"))
    assert all(inside("anterior", lm) for lm in ("U", "PB", "ASIS", "GT"))
    assert all(inside("lateral", lm) for lm in ("ICT", "LM", "GT", "FH"))
    assert course.landmarks["SCAP_M"].schematic  # documented drawing assumption


# --- sources -------------------------------------------------------------------------------


def test_lookup_and_format_reference(data_dir):
    assert sources.lookup("K-BL54", data_dir=data_dir).title == "Title of K-BL54"
    assert (sources.format_reference("K-BL54", data_dir=data_dir)
            == "**[K-BL54]** Citation of K-BL54. <https://example.org/k-bl54>")
    with pytest.raises(KeyError, match="unknown source key 'Z-none'"):
        sources.lookup("Z-none", data_dir=data_dir)


def test_format_reference_prefers_citation_and_handles_no_url(data_dir):
    (data_dir / "sources.yaml").write_text(
        (data_dir / "sources.yaml").read_text()
        + "  - key: W1\n    title: WHO book\n    citation: WHO WPRO. Standard locations. 2008.\n"
          "    kind: standard\n    topic: who\n    isbn: 978-92-9061-248-7\n")
    assert (sources.format_reference("W1", data_dir=data_dir)
            == "**[W1]** WHO WPRO. Standard locations. 2008. ISBN 978-92-9061-248-7")


def test_references_markdown_sorts_and_deduplicates(data_dir):
    text = sources.references_markdown(["K-ST31", "A-hiatus", "K-ST31", "K-BL54"], data_dir=data_dir)
    assert [line.split("]")[0] for line in text.splitlines()] == ["- **[A-hiatus", "- **[K-BL54",
                                                                  "- **[K-ST31"]
    assert sources.references_markdown([], data_dir=data_dir) == ""


def test_cited_keys_finds_citations_only():
    text = ("GB30 lies on the line [J-GB30-higokoro], [K-BL54]; see [the WHO book](https://x.org) "
            "and [W1]. - [ ] objective - [x] done [E-li2018] [K-BL54] [lowercase] [C-reid2016]")
    assert sources.cited_keys(text) == ["J-GB30-higokoro", "K-BL54", "W1", "E-li2018", "C-reid2016"]


def test_citations_are_parsed_once_for_notebooks_and_the_tool():
    from hipcourse.content import sources

    text = "See [K-BL54] and [E-li2018, W1; C-devon]. [Note] is a word, [x] a box, [Lesson 1](01.ipynb) a link."
    assert sources.cited_keys(text) == ["K-BL54", "E-li2018", "W1", "C-devon"]
    with pytest.raises(sources.UnknownSourceError) as raised:
        sources.references_markdown(["K-BL54", "T-nowhere", "T-gone"])
    assert raised.value.keys == ("T-gone", "T-nowhere")
    line = sources.references_markdown(["T-a"], entries={"T-a": {"title": "A page", "url": "https://a.example"}})
    assert line == "- **[T-a]** A page. <https://a.example>"
