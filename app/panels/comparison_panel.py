"""Model versus reference SI for clinicians: scatter, Bland–Altman, metrics, reader agreement.

Points are coloured by source (synthetic / real) and shaped by split; clicking one opens that
image. The reader-agreement table sits beside the model's so "comparable to inter-reader
variability" is a figure on screen, not a claim.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.panels.plot_widget import PlotWidget
from core.comparison import ComparisonPoints, agreement_metrics, comparison_points
from core.stats import (
    bland_altman,
    regression_metrics,
)

SOURCE_COLOURS = {"synthetic": "#4c72b0", "real": "#c44e52"}
SPLIT_MARKERS = {"train": "o", "val": "s", "test": "^", None: "D"}
METRIC_ROWS = (
    ("n", "images", "d"),
    ("mse", "MSE", ".5f"),
    ("rmse", "RMSE", ".4f"),
    ("mae", "MAE", ".4f"),
    ("pearson_r", "Pearson r", ".3f"),
    ("r2", "R²", ".3f"),
    ("bias", "Bland–Altman bias", "+.4f"),
    ("loa_low", "95 % limit (low)", "+.4f"),
    ("loa_high", "95 % limit (high)", "+.4f"),
    ("icc_2_1", "ICC(2,1)", ".3f"),
)


class ComparisonPanel(QWidget):
    """Scatter + Bland–Altman + metrics of the active run; `imageRequested(image_id)` on click."""

    imageRequested = Signal(int)

    def __init__(self, project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project = project
        self._run_id: int | None = None
        self._points: ComparisonPoints | None = None
        self.split_combo = QComboBox()
        self.split_combo.addItems(["all splits", "test", "val", "train"])
        self.split_combo.currentIndexChanged.connect(self.refresh)
        self.title = QLabel("No run selected")
        self.scatter = PlotWidget(width_in=4.2, height_in=3.6)
        self.bland_altman = PlotWidget(width_in=4.2, height_in=3.6)
        self.metrics_table = QTableWidget(len(METRIC_ROWS), 3)
        self.metrics_table.setHorizontalHeaderLabels(
            ["Model vs reference", "Reader vs reader", "Model vs reader mean"]
        )
        self.metrics_table.setVerticalHeaderLabels([label for _, label, _ in METRIC_ROWS])
        self.metrics_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.export_button = QPushButton("Export plots…")
        self.export_button.clicked.connect(self._export)
        self.scatter.mpl_connect("pick_event", self._on_pick)
        self.bland_altman.mpl_connect("pick_event", self._on_pick)
        top = QHBoxLayout()
        top.addWidget(self.title, stretch=1)
        top.addWidget(self.split_combo)
        top.addWidget(self.export_button)
        plots = QHBoxLayout()
        plots.addWidget(self.scatter)
        plots.addWidget(self.bland_altman)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(plots, stretch=3)
        layout.addWidget(self.metrics_table, stretch=2)

    def set_run(self, run_id: int | None) -> None:
        self._run_id = run_id
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        split = None if self.split_combo.currentIndex() == 0 else self.split_combo.currentText()
        if self._run_id is None:
            self._points = None
            self.title.setText("No run selected: train a model or pick a run")
        else:
            self._points = comparison_points(self._project, self._run_id, split=split)
            self.title.setText(f"Run {self._run_id}: {len(self._points.image_ids)} images")
        self._draw()
        self._fill_metrics()

    def metrics(self) -> dict | None:
        points = self._points
        if points is None or len(points.image_ids) < 2:
            return None
        return regression_metrics(points.model_si, points.reference_si)

    def _draw(self) -> None:
        for widget in (self.scatter, self.bland_altman):
            widget.figure.clear()
        ax_s = self.scatter.figure.add_subplot()
        ax_b = self.bland_altman.figure.add_subplot()
        points = self._points
        if points is not None and len(points.image_ids):
            self._draw_points(ax_s, ax_b, points)
        ax_s.set_xlabel("reference SI (readers)")
        ax_s.set_ylabel("model SI")
        ax_s.set_title("Model vs reference")
        ax_b.set_xlabel("mean of model and reference SI")
        ax_b.set_ylabel("model − reference SI")
        ax_b.set_title("Bland–Altman")
        for ax in (ax_s, ax_b):
            ax.grid(True, alpha=0.3)
        self.scatter.draw_idle()
        self.bland_altman.draw_idle()

    def _draw_points(self, ax_s, ax_b, points: ComparisonPoints) -> None:
        lo = float(min(points.model_si.min(), points.reference_si.min())) - 0.02
        hi = float(max(points.model_si.max(), points.reference_si.max())) + 0.02
        ax_s.plot([lo, hi], [lo, hi], color="0.4", linewidth=1, label="identity")
        ba = bland_altman(points.model_si, points.reference_si)
        for source, colour in SOURCE_COLOURS.items():
            for split, marker in SPLIT_MARKERS.items():
                mask = np.array(
                    [
                        s == source and p == split
                        for s, p in zip(points.sources, points.splits, strict=True)
                    ]
                )
                if not mask.any():
                    continue
                label = f"{source} · {split or 'unsplit'}"
                idx = np.flatnonzero(mask)
                ax_s.scatter(
                    points.reference_si[idx],
                    points.model_si[idx],
                    s=16,
                    c=colour,
                    marker=marker,
                    label=label,
                    picker=5,
                    gid=_gid(idx),
                    alpha=0.8,
                )
                ax_b.scatter(
                    ba.mean[idx],
                    ba.diff[idx],
                    s=16,
                    c=colour,
                    marker=marker,
                    picker=5,
                    gid=_gid(idx),
                    alpha=0.8,
                )
        for value, style in ((ba.bias, "-"), (ba.low, "--"), (ba.high, "--")):
            ax_b.axhline(value, color="0.3", linestyle=style, linewidth=1)
        # Labels inside the plot, on the left, above their line: never clipped by the frame.
        for value, text in ((ba.high, "+1.96 SD"), (ba.bias, "bias"), (ba.low, "−1.96 SD")):
            ax_b.text(
                0.01,
                value,
                f"{text} {value:+.3f}",
                transform=ax_b.get_yaxis_transform(),
                va="bottom",
                ha="left",
                fontsize="small",
                color="0.25",
            )
        ax_b.margins(y=0.18)
        ax_s.set_xlim(lo, hi)
        ax_s.set_ylim(lo, hi)
        ax_s.set_aspect("equal")
        ax_s.legend(fontsize="x-small", loc="upper left")

    def _fill_metrics(self) -> None:
        columns = (self.metrics() or {}, *self.agreement_metrics())
        for row, (key, _, spec) in enumerate(METRIC_ROWS):
            for col, source in enumerate(columns):
                value = source.get(key)
                text = format(value, spec) if _finite(value) else "–"
                self.metrics_table.setItem(row, col, QTableWidgetItem(text))

    def agreement_metrics(self) -> tuple[dict, dict]:
        """(reader vs reader, model vs reader mean) of the shown run (see core.comparison)."""
        return agreement_metrics(self._project, self._run_id)

    def _on_pick(self, event) -> None:
        gid = event.artist.get_gid()
        if not gid or self._points is None or not len(event.ind):
            return
        local = [int(v) for v in gid.split(",")]
        self.imageRequested.emit(int(self._points.image_ids[local[event.ind[0]]]))

    @Slot()
    def _export(self) -> None:
        name = f"run{self._run_id or 0}"
        self.scatter.export_dialog(f"{name}-scatter.png")
        self.bland_altman.export_dialog(f"{name}-bland-altman.png")


def _finite(value) -> bool:
    return isinstance(value, int | float | np.floating) and bool(np.isfinite(value))


def _gid(idx: np.ndarray) -> str:
    # matplotlib hands back indices into this artist's points; the gid maps them to ours
    return ",".join(str(int(i)) for i in idx)
