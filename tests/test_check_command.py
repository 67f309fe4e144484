"""`python -m hipcourse check` over the whole of data/: every kind with a schema, every quiz bank."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_check(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "notebooks"))
    return subprocess.run([sys.executable, "-m", "hipcourse", "check", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_real_data_passes_check():
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")


def test_check_reports_a_broken_quiz_bank(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    bank = data / "quizzes" / "lesson00.yaml"
    bank.write_text(bank.read_text(encoding="utf-8") + "\nunexpected_top_level_field: 1\n", encoding="utf-8")
    result = run_check("--data-dir", str(data))
    assert result.returncode == 1
    assert "lesson00.yaml" in result.stdout + result.stderr
