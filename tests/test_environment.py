"""environment.yml -> pip requirements converter, and the pinned lock built from it."""

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import env_to_requirements as e2r  # noqa: E402


def _lock() -> dict[str, Version]:
    pins = {}
    for number, line in enumerate((ROOT / "requirements-lock.txt").read_text().splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        assert match, f"requirements-lock.txt:{number}: not an exact pin: {line!r}"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"requirements-lock.txt:{number}: {name} pinned twice"
        pins[name] = Version(match.group(2))
    return pins


ENV_REQUIREMENTS = e2r.convert((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_real_environment_converts_to_valid_requirements():
    names = [canonicalize_name(Requirement(r).name) for r in ENV_REQUIREMENTS]
    assert "python" not in names and "pip" not in names
    for expected in ("jupyterlab", "ipywidgets", "matplotlib", "nbval", "pytest", "pyyaml"):
        assert expected in names
    assert len(names) == len(set(names)), "a package is listed twice in environment.yml"
    assert "jupyterlab>=4.2,<5" in ENV_REQUIREMENTS


@pytest.mark.parametrize("requirement", ENV_REQUIREMENTS)
def test_lock_pins_every_environment_package_within_its_constraint(requirement):
    req = Requirement(requirement)
    pins = _lock()
    name = canonicalize_name(req.name)
    assert name in pins, f"{req.name} from environment.yml is missing from requirements-lock.txt"
    assert req.specifier.contains(pins[name], prereleases=True), (
        f"requirements-lock.txt pins {req.name}=={pins[name]}, outside environment.yml's '{req.specifier}'"
    )


def test_lock_header_matches_environment_python_version():
    text = (ROOT / "requirements-lock.txt").read_text()
    locked = re.search(r"^# python: (\d+)\.(\d+)\.\d+$", text, re.MULTILINE)
    assert locked, "requirements-lock.txt has no '# python: X.Y.Z' header line"
    wanted = re.search(r"^\s*-\s*python\s*=\s*(\d+)\.(\d+)", (ROOT / "environment.yml").read_text(), re.MULTILINE)
    assert wanted, "environment.yml does not pin python=X.Y"
    assert locked.groups() == wanted.groups()
    assert "tools/lock.py" in text.splitlines()[1], "the header must say how the lock was generated"


def test_lock_contains_test_tooling_needed_by_make_test():
    # make test runs pytest with nbval and xdist and these tests import packaging: all must come from the lock.
    assert {"pytest", "nbval", "pytest-xdist", "packaging", "ipykernel"} <= set(_lock())


INDENTED = """\
name: demo
channels:
  - conda-forge
dependencies:
  - python=3.11   # the interpreter
  - pip
  - numpy=1.26
  - conda-forge::scipy>=1.10,<2
  - matplotlib-base >=3.8
  - "pyyaml>=6"
  - libfoo=2.1=h12345_0
  - bar==1.0=py311_0
  - baz 1.2
  - pip:
    - some-pip-only==0.3 ; python_version >= "3.9"
    - -r extra.txt
  - pytables
"""

FLUSH = """\
name: demo
dependencies:
- python
- ipywidgets>=8.1,<9

- pip:
  - git+https://example.org/pkg.git#egg=pkg
- pytorch
variables:
  FOO: bar
"""


def test_indented_style_with_every_conda_form():
    assert e2r.convert(INDENTED) == [
        "numpy==1.26.*",
        "scipy>=1.10,<2",
        "matplotlib>=3.8",
        "pyyaml>=6",
        "libfoo==2.1.*",
        "bar==1.0",
        "baz==1.2.*",
        'some-pip-only==0.3 ; python_version >= "3.9"',
        "-r extra.txt",
        "tables",
    ]


def test_flush_style_and_list_ends_at_next_key():
    assert e2r.convert(FLUSH) == ["ipywidgets>=8.1,<9", "git+https://example.org/pkg.git#egg=pkg", "torch"]


def test_conda_or_operator_is_refused_with_location():
    with pytest.raises(e2r.ConversionError, match=r"env.yml:3: .*'\|'"):
        e2r.convert("dependencies:\n  - pip\n  - numpy>=1.20|<1.10\n", source="env.yml")


def test_missing_dependencies_and_bad_indentation_are_reported():
    with pytest.raises(e2r.ConversionError, match="no top-level 'dependencies:'"):
        e2r.convert("name: x\n")
    with pytest.raises(e2r.ConversionError, match="inconsistent list indentation"):
        e2r.convert("dependencies:\n  - numpy\n    - scipy\n")


def test_command_line_writes_file(tmp_path):
    env = tmp_path / "environment.yml"
    env.write_text(FLUSH)
    out = tmp_path / "req.txt"
    assert e2r.main([str(env), "-o", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "ipywidgets>=8.1,<9"
    assert e2r.main([str(tmp_path / "missing.yml")]) == 1
