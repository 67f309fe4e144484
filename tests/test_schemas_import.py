"""jsonschema is imported without its slow optional URI grammar, and that grammar stays importable."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys
from hipcourse.schemas import jsonschema_module
module = jsonschema_module()
assert module.Draft202012Validator({"type": "integer"}).is_valid(3)
assert not module.Draft202012Validator({"type": "integer"}).is_valid("3")
assert "rfc3987_syntax" not in sys.modules, "the slow grammar was imported"
assert jsonschema_module() is module
print("ok")
"""


def test_fast_import_in_a_fresh_interpreter():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT / "notebooks", capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
