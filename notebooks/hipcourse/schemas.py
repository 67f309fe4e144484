"""One way to import jsonschema quickly, shared by every module that validates course data.

``import jsonschema`` normally imports ``rfc3987_syntax`` (pulled in by JupyterLab's dependencies) for its
optional ``uri`` format checker, and that package builds a parsing grammar at import time: 1.3-3 s on the
course machines, paid again in every kernel. The course schemas use no ``format`` keyword, so jsonschema is
imported with that optional module hidden; it falls back to skipping that one format, exactly as it does
where the package is not installed. Other code that imports ``rfc3987_syntax`` later still gets it.
"""

from __future__ import annotations

import sys
from types import ModuleType

__all__ = ["jsonschema_module"]

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
