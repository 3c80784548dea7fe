"""Run pytest with PySide6, shiboken6, torch and torchvision unimportable (proves core's layer)."""

import sys
from importlib.abc import MetaPathFinder

BLOCKED = ("PySide6", "shiboken6", "torch", "torchvision", "pytestqt")


class _Blocker(MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is blocked: core must not need it")
        return None


if __name__ == "__main__":
    from pathlib import Path

    # Run as a script, the repository root is not on sys.path; put it first so `core` is ours.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.meta_path.insert(0, _Blocker())
    import pytest

    sys.exit(pytest.main(["-p", "no:pytest-qt", "-p", "no:cacheprovider", *sys.argv[1:]]))
