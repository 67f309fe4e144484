"""hipcourse: helper package for the self-care acupressure course on hip pain.

Notebooks import what they need from the submodules (``from hipcourse.content.geometry
import Body``).  This file stays tiny on purpose: the notebook import budget is
150 ms on top of matplotlib, so nothing heavy (yaml, jsonschema, matplotlib,
ipywidgets) may be imported here.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
