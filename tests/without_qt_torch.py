"""Run pytest with Qt (and, unless --allow-torch, torch) unimportable: proves the layers hold.

python tests/without_qt_torch.py -q tests/core                    # core: no Qt, no torch
python tests/without_qt_torch.py --allow-torch -q tests/model tests/app/cli   # no Qt
"""

import sys
from importlib.abc import MetaPathFinder

QT = ("PySide6", "shiboken6", "pytestqt")
TORCH = ("torch", "torchvision")


class _Blocker(MetaPathFinder):
    def __init__(self, blocked: tuple[str, ...]) -> None:
        self.blocked = blocked

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.blocked:
            raise ImportError(f"{fullname} is blocked: this layer must not need it")
        return None


if __name__ == "__main__":
    from pathlib import Path

    args = sys.argv[1:]
    allow_torch = "--allow-torch" in args
    args = [a for a in args if a != "--allow-torch"]
    # Run as a script, the repository root is not on sys.path; put it first so `core` is ours.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.meta_path.insert(0, _Blocker(QT if allow_torch else QT + TORCH))
    import pytest

    sys.exit(pytest.main(["-p", "no:pytest-qt", "-p", "no:cacheprovider", *args]))
