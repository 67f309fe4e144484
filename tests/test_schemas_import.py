"""jsonschema is imported without its slow optional URI grammar, and that grammar stays importable."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys
from hipcourse.content.schemas import jsonschema_module
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


# Every data file that lesson code validates when a notebook loads it, with its schema.
LOADED_IN_LESSONS = ("causes", "evidence", "treatments", "lessons", "diary_sample", "routine")

LESSON_LOADS = """
import sys
from hipcourse.content.tables import lesson_map
from hipcourse.practice.diary import sample_entries
from hipcourse.practice.routine import build_routine
from hipcourse.topics.causes import load_causes
from hipcourse.topics.evidence import load_evidence, load_treatments
load_causes(); load_evidence(); load_treatments(); sample_entries(); lesson_map()
build_routine(pain_areas=["buttock"], situation={})
print("jsonschema" in sys.modules)
"""


def test_valid_course_data_is_loaded_without_importing_jsonschema():
    # jsonschema costs 50-100 ms per kernel even without the grammar; valid data never needs it.
    result = subprocess.run([sys.executable, "-c", LESSON_LOADS], cwd=ROOT / "notebooks", capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_schema_errors_are_jsonschemas_errors_on_real_and_broken_documents():
    import copy
    import json

    import yaml

    from hipcourse.content.schemas import jsonschema_module, schema_errors

    validator_class = jsonschema_module().Draft202012Validator
    for name in LOADED_IN_LESSONS:
        schema = json.loads((ROOT / "data" / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        document = yaml.safe_load((ROOT / "data" / f"{name}.yaml").read_text(encoding="utf-8"))
        assert schema_errors(document, schema) == [], name
        broken = copy.deepcopy(document)
        broken["not_a_field"] = 1
        first_list = next(value for value in broken.values() if isinstance(value, list))
        first_list.append("not an entry")
        expected = sorted(error.message for error in validator_class(schema).iter_errors(broken))
        assert expected, f"{name}: the broken copy should be invalid"
        assert sorted(error.message for error in schema_errors(broken, schema)) == expected, name


def test_the_quick_check_agrees_with_jsonschema_on_the_object_and_uniqueness_keywords():
    from hipcourse.content.schemas import jsonschema_module, surely_valid

    validator_class = jsonschema_module().Draft202012Validator
    schemas = [{"uniqueItems": True}, {"uniqueItems": False}, {"minProperties": 1}, {"maxProperties": 1},
               {"propertyNames": {"pattern": "^[a-z]+$"}}, {"propertyNames": {"maxLength": 2}}]
    instances = [[1, 2], [1, 1], [1, 1.0], [True, 1], [[1], [1]], [{"a": 1}, {"a": 1.0}], [False, 0], [],
                 {}, {"a": 1}, {"a": 1, "b": 2}, {"A": 1}, {"abc": 1}, "text", 3, None]
    for schema in schemas:
        for instance in instances:
            expected = validator_class(schema).is_valid(instance)
            # "surely valid" may never say yes where jsonschema says no, and says yes for every valid case here.
            assert surely_valid(instance, schema) == expected, (schema, instance)
