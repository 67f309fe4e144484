"""Validate course data against its JSON Schemas cheaply: a quick yes, and jsonschema when it matters.

Two tools, shared by every module that validates course data:

* :func:`jsonschema_module` imports :mod:`jsonschema` quickly. ``import jsonschema`` normally imports
  ``rfc3987_syntax`` (pulled in by JupyterLab's dependencies) for its optional ``uri`` format checker, and
  that package builds a parsing grammar at import time: 1.3-3 s on the course machines, paid again in every
  kernel. The course schemas use no ``format`` keyword, so jsonschema is imported with that optional module
  hidden; it falls back to skipping that one format, exactly as it does where the package is not installed.
  Other code that imports ``rfc3987_syntax`` later still gets it.
* :func:`surely_valid` answers "would ``Draft202012Validator(schema)`` find no error?" without importing
  jsonschema at all. Even with the grammar hidden, the import costs about 50-100 ms, the largest part of the
  first ``show_quiz`` in a kernel, although the banks are almost always valid. Callers use it as a fast happy
  path and run jsonschema whenever it does not say yes, so the messages people see still come from jsonschema
  alone. It reproduces jsonschema's verdict exactly for a fixed subset of Draft 2020-12 and gives up (says
  no) on anything outside it: a keyword it does not know, a ``$ref`` it cannot resolve locally, a value that
  YAML could produce but JSON could not (a date, a non-text key). Giving up costs only the import it tried to
  save; a wrong yes would let a broken file through, so the subset is small and copies jsonschema's rules
  keyword by keyword (``tests/test_quiz_speed_paths.py`` checks it against jsonschema).
"""

from __future__ import annotations

import re
import sys
from types import ModuleType

__all__ = ["jsonschema_module", "surely_valid"]

_OPTIONAL_SLOW = "rfc3987_syntax"


def jsonschema_module() -> ModuleType:
    """Return the :mod:`jsonschema` module, importing it without its slow optional URI grammar."""
    module = sys.modules.get("jsonschema")
    if module is not None:
        return module
    hidden = _OPTIONAL_SLOW not in sys.modules
    if hidden:
        sys.modules[_OPTIONAL_SLOW] = None  # makes "import rfc3987_syntax" raise ImportError
    try:
        import jsonschema
    finally:
        if hidden:
            del sys.modules[_OPTIONAL_SLOW]
    return jsonschema


# ------------------------------------------------------------------------------------------------ quick yes
_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

#: Keywords that only describe (jsonschema does not validate with them); ``$defs`` only holds subschemas
#: for ``$ref``; ``then``/``else`` are read by ``if``.
_NOT_VALIDATING = frozenset({"title", "description", "$comment", "default", "examples", "deprecated",
                             "readOnly", "writeOnly", "$defs", "then", "else"})

#: The Python types a JSON document is made of. Anything else (YAML dates, sets, binary) is left to
#: jsonschema: its answer for them is not worth copying.
_JSON_TYPES = (dict, list, str, int, float, bool, type(None))


class _Undecided(Exception):
    """The schema or the document is outside the subset that :func:`surely_valid` reproduces exactly."""


def surely_valid(instance, schema) -> bool:
    """Return ``True`` only if ``jsonschema.Draft202012Validator(schema)`` would report no error for ``instance``.

    ``False`` means "invalid, or outside the subset": run jsonschema for the verdict and its messages. The
    subset (copied from jsonschema 4's Draft 2020-12 rules): boolean schemas, local ``$ref`` (``#/...``),
    ``type``, ``enum``, ``const``, ``required``, ``properties``, ``additionalProperties``, ``items`` (one
    schema), ``minItems``, ``maxItems``, ``minLength``, ``maxLength``, ``pattern``, ``minimum``, ``maximum``,
    ``exclusiveMinimum``, ``exclusiveMaximum``, ``minProperties``, ``maxProperties``, ``uniqueItems``,
    ``propertyNames``, ``allOf``, ``anyOf``, ``oneOf``, ``not``, ``if``/``then``/
    ``else``, and the keywords that only describe. The root may carry ``$schema`` (Draft 2020-12 only) and
    ``$id``. Needs no import beyond :mod:`re`.
    """
    if not isinstance(schema, dict) or schema.get("$schema", _DRAFT_2020_12) != _DRAFT_2020_12:
        return False
    try:
        return _valid(instance, schema, schema)
    except Exception:  # _Undecided, or anything unforeseen (a malformed schema): jsonschema decides
        return False


def _valid(instance, schema, root) -> bool:
    # Exact, not merely strict: "not", "oneOf" and "if" turn a wrong "invalid" into a wrong "valid", so every
    # rule below answers as jsonschema does, or raises _Undecided.
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, dict) or type(instance) not in _JSON_TYPES:
        raise _Undecided
    if isinstance(instance, dict) and not all(type(key) is str for key in instance):
        raise _Undecided  # YAML keys such as 1 or yes (true)
    for keyword, value in schema.items():
        rule = _RULES.get(keyword)
        if rule is None:
            if keyword in _NOT_VALIDATING or (schema is root and keyword in ("$schema", "$id")):
                continue
            raise _Undecided(keyword)  # e.g. patternProperties, prefixItems, format, a nested $id
        if not rule(value, instance, schema, root):
            return False
    return True


def _schema_list(value) -> list:
    if not isinstance(value, list) or not value:
        raise _Undecided
    return value


def _count(value) -> int:
    if type(value) is not int or value < 0:
        raise _Undecided
    return value


def _limit(value):
    if type(value) not in (int, float):
        raise _Undecided
    return value


def _is_number(instance) -> bool:
    return type(instance) in (int, float)  # bool is a subclass of int but not a JSON number


def _equal(one, two) -> bool:
    """jsonschema's ``equal``: ``True`` is not ``1``, ``1`` is ``1.0``, containers compare item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return len(one) == len(two) and all(key in two and _equal(value, two[key]) for key, value in one.items())
    if isinstance(one, bool) or isinstance(two, bool):
        return type(one) is type(two) and one == two
    return one == two


_TYPE_TESTS = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    # Draft 2020-12: 2.0 is an integer too.
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
}


def _type(value, instance, schema, root) -> bool:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and n in _TYPE_TESTS for n in names):
        raise _Undecided
    return any(_TYPE_TESTS[name](instance) for name in names)


def _enum(value, instance, schema, root) -> bool:
    if not isinstance(value, list):
        raise _Undecided
    return any(_equal(each, instance) for each in value)


def _const(value, instance, schema, root) -> bool:
    return _equal(instance, value)


def _required(value, instance, schema, root) -> bool:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise _Undecided
    return not isinstance(instance, dict) or all(name in instance for name in value)


def _properties(value, instance, schema, root) -> bool:
    if not isinstance(value, dict):
        raise _Undecided
    if not isinstance(instance, dict):
        return True
    return all(_valid(instance[name], sub, root) for name, sub in value.items() if name in instance)


def _additional_properties(value, instance, schema, root) -> bool:
    if "patternProperties" in schema:
        raise _Undecided  # it changes which keys count as additional
    if not isinstance(instance, dict):
        return True
    known = schema.get("properties", {})
    return all(_valid(item, value, root) for name, item in instance.items() if name not in known)


def _items(value, instance, schema, root) -> bool:
    if not isinstance(value, (dict, bool)) or "prefixItems" in schema:
        raise _Undecided  # the pre-2020 list form, or prefixItems changing which items it covers
    return not isinstance(instance, list) or all(_valid(item, value, root) for item in instance)


def _sized(kind, compare):
    def rule(value, instance, schema, root) -> bool:
        return not isinstance(instance, kind) or compare(len(instance), _count(value))
    return rule


def _unique_items(value, instance, schema, root) -> bool:
    if type(value) is not bool:
        raise _Undecided
    if not value or not isinstance(instance, list):
        return True
    # jsonschema's "uniq" with its own equality: True and 1 differ, 1 and 1.0 do not.
    return not any(_equal(first, second) for index, first in enumerate(instance) for second in instance[index + 1:])


def _property_names(value, instance, schema, root) -> bool:
    return not isinstance(instance, dict) or all(_valid(name, value, root) for name in instance)


def _pattern(value, instance, schema, root) -> bool:
    if not isinstance(value, str):
        raise _Undecided
    return not isinstance(instance, str) or re.search(value, instance) is not None  # jsonschema uses re.search


def _bound(fails):
    # ``fails`` is jsonschema's own comparison, so NaN and int/float mixes come out the same.
    def rule(value, instance, schema, root) -> bool:
        return not _is_number(instance) or not fails(instance, _limit(value))
    return rule


def _all_of(value, instance, schema, root) -> bool:
    return all(_valid(instance, sub, root) for sub in _schema_list(value))


def _any_of(value, instance, schema, root) -> bool:
    return any(_valid(instance, sub, root) for sub in _schema_list(value))


def _one_of(value, instance, schema, root) -> bool:
    return sum(_valid(instance, sub, root) for sub in _schema_list(value)) == 1


def _not(value, instance, schema, root) -> bool:
    return not _valid(instance, value, root)


def _if(value, instance, schema, root) -> bool:
    branch = "then" if _valid(instance, value, root) else "else"
    return branch not in schema or _valid(instance, schema[branch], root)


def _ref(value, instance, schema, root) -> bool:
    # Only plain JSON pointers into this document ("#" or "#/a/b"); anchors ("#name"), escapes, %-encoding
    # and other documents are left to jsonschema.
    if not isinstance(value, str) or not (value == "#" or value.startswith("#/")) or "~" in value or "%" in value:
        raise _Undecided
    target = root
    for part in value[2:].split("/") if value != "#" else ():
        if not isinstance(target, dict) or part not in target:
            raise _Undecided
        target = target[part]
        if isinstance(target, dict) and ("$id" in target or "$schema" in target):
            raise _Undecided  # another resource, with its own base URI or dialect
    return _valid(instance, target, root)


_RULES = {
    "$ref": _ref,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional_properties,
    "items": _items,
    "minItems": _sized(list, lambda n, limit: n >= limit),
    "maxItems": _sized(list, lambda n, limit: n <= limit),
    "minLength": _sized(str, lambda n, limit: n >= limit),
    "maxLength": _sized(str, lambda n, limit: n <= limit),
    "minProperties": _sized(dict, lambda n, limit: n >= limit),
    "maxProperties": _sized(dict, lambda n, limit: n <= limit),
    "uniqueItems": _unique_items,
    "propertyNames": _property_names,
    "pattern": _pattern,
    "minimum": _bound(lambda x, limit: x < limit),
    "maximum": _bound(lambda x, limit: x > limit),
    "exclusiveMinimum": _bound(lambda x, limit: x <= limit),
    "exclusiveMaximum": _bound(lambda x, limit: x >= limit),
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
}


def schema_errors(instance, schema) -> list:
    """Every error ``jsonschema.Draft202012Validator(schema)`` finds in ``instance`` (unsorted), or ``[]``.

    A document :func:`surely_valid` confirms costs no jsonschema import; anything else gets jsonschema's own
    errors, so messages never depend on which path was taken. Callers sort or pick as they always did.
    """
    if surely_valid(instance, schema):
        return []
    return list(jsonschema_module().Draft202012Validator(schema).iter_errors(instance))
