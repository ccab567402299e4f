__version__ = "0.1.0"

# `from surrnb import Study, Space`: the front-door names, imported on first use so that `import surrnb.core` stays light.
_FRONT = {"Study": "surrnb.study", "Strategy": "surrnb.study", "Space": "surrnb.space", "Float": "surrnb.space",
          "Int": "surrnb.space", "Categorical": "surrnb.space", "get_problem": "surrnb.problems", "SurrnbError": "surrnb.core"}

def __getattr__(name):
    if name in _FRONT:
        import importlib
        return getattr(importlib.import_module(_FRONT[name]), name)
    raise AttributeError(f"module 'surrnb' has no attribute {name!r}")

def __dir__(): return sorted(list(globals()) + list(_FRONT))
