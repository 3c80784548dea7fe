"""A matplotlib figure embedded in Qt, with PNG and SVG export.

matplotlib draws the clinical plots (scatter, Bland–Altman, loss curves) because it gives
publication-quality vector export (SVG) for free; writing that on QPainter would be our own code
to keep.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import shiboken6

matplotlib.use("QtAgg")

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QFileDialog, QWidget

EXPORT_FILTER = "PNG image (*.png);;SVG vector image (*.svg)"


class PlotWidget(FigureCanvasQTAgg):
    """A figure canvas; `export(path)` writes PNG or SVG by the file's suffix."""

    def __init__(self, parent: QWidget | None = None, *, width_in=5.0, height_in=3.5) -> None:
        self.figure = Figure(figsize=(width_in, height_in), layout="constrained")
        super().__init__(self.figure)
        self.setParent(parent)

    def update(self, *args) -> None:
        """Qt's update, skipped once the widget is gone: matplotlib's idle draw renders first and
        then calls update(), and a garbage collection during the render can delete the window
        the canvas sat in (it printed "Internal C++ object (PlotWidget) already deleted")."""
        if shiboken6.isValid(self):
            super().update(*args)

    def export(self, path: str | Path) -> Path:
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg"):
            raise ValueError(f"plots export as .png or .svg, not {path.suffix or 'no suffix'}")
        self.figure.savefig(path, dpi=150)
        return path

    def export_dialog(self, default_name: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, "Export plot", default_name, EXPORT_FILTER)
        return self.export(name) if name else None
