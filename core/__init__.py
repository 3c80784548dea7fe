"""Sphericity Studio's domain layer: geometry, imaging, phantoms, storage, export, statistics."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sphericity-studio")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+src"
