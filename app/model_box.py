"""The inspector's model section: model SI beside mine and the reference, Grad-CAM, legend."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

# model.overlay's cool-warm map (blue lowers SI, light grey no effect, red raises it); repeated
# here as colours so the legend needs no torch-side import.
LEGEND_STOPS = ((0.0, "#3b4cc0"), (0.5, "#dddddd"), (1.0, "#b40426"))
MODEL_LANDMARK_COLOUR = "#ff4fd8"
FLAG_STYLE = "color: #e0a040;"
HIGHLIGHT_STYLE = "background: #7a1f1f; color: white; border-radius: 3px; padding: 0 4px;"


class CamLegend(QWidget):
    """A signed, diverging colour bar: −1 (blue, lowers SI) … 0 … +1 (red, raises SI)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(38)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            "Grad-CAM of the SI output: red regions push the predicted SI up, blue regions "
            "pull it down; colour strength is the relative evidence (±1 = strongest)."
        )

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        bar = QRectF(4, 2, self.width() - 8, 14)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for stop, colour in LEGEND_STOPS:
            gradient.setColorAt(stop, QColor(colour))
        painter.fillRect(bar, gradient)
        painter.setPen(QColor("#9aa0a6"))
        painter.drawRect(bar)
        painter.setPen(self.palette().windowText().color())
        text = QRectF(bar.left(), bar.bottom() + 2, bar.width(), self.height() - bar.bottom() - 2)
        left, centre, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignHCenter, None
        right = Qt.AlignmentFlag.AlignRight
        painter.drawText(text, int(left), "−1 lowers SI")
        painter.drawText(text, int(centre), "0")
        painter.drawText(text, int(right), "raises SI +1")
        painter.end()


class ModelBox(QGroupBox):
    """Shows the active run's view of the current image; its controls only emit signals."""

    thresholdChanged = Signal(float)
    camToggled = Signal(bool)
    camLayerChanged = Signal(str)
    camOpacityChanged = Signal(float)
    landmarksToggled = Signal(bool)
    suggestRequested = Signal()

    def __init__(self, *, threshold: float, opacity: float, layer: str, reviews: bool, parent=None):
        super().__init__("Model", parent)
        self._reviews = reviews
        self._values: tuple[float | None, float | None, float | None] = (None, None, None)
        self.my_si_label = QLabel("—")
        self.reference_si_label = QLabel("—")
        self.model_si_label = QLabel("—")
        self.difference_label = QLabel("—")
        self.threshold_spin = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=1.0, singleStep=0.005)
        self.threshold_spin.setValue(threshold)
        self.threshold_spin.setToolTip("Highlight |model SI − reference SI| above this")
        form = QFormLayout()
        form.setVerticalSpacing(2)
        form.addRow("My SI", self.my_si_label)
        form.addRow("Reference SI", self.reference_si_label)
        form.addRow("Model SI", self.model_si_label)
        form.addRow("Model − ref.", self.difference_label)
        form.addRow("Highlight >", self.threshold_spin)
        # Blinded double reading: annotators see no reference SI (nor a difference from it).
        for widget in (self.reference_si_label, self.difference_label, self.threshold_spin):
            form.setRowVisible(widget, reviews)
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addLayout(form)
        # Why the model's own checks distrust this prediction (not a long-axis LV, passes that
        # disagree, ...): hidden when there is nothing to say.
        self.flags_label = QLabel()
        self.flags_label.setWordWrap(True)
        self.flags_label.setStyleSheet(FLAG_STYLE)
        self.flags_label.setVisible(False)
        layout.addWidget(self.flags_label)
        layout.addLayout(self._build_cam(opacity, layer))
        self.legend = CamLegend()
        layout.addWidget(self.legend)
        layout.addLayout(self._build_landmarks())
        self.threshold_spin.valueChanged.connect(self._threshold_changed)

    def _build_cam(self, opacity: float, layer: str) -> QVBoxLayout:
        self.cam_check = QCheckBox("Grad-CAM")
        self.layer_box = QComboBox()
        self.layer_box.addItems(["layer4", "layer3"])
        self.layer_box.setCurrentText(layer)
        self.layer_box.setToolTip("layer4: coarse, most semantic; layer3: finer detail")
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(round(opacity * 100))
        self.opacity_slider.setToolTip("Overlay opacity")
        self.cam_status = QLabel("")
        self.cam_status.setObjectName("camStatus")
        row = QHBoxLayout()
        row.addWidget(self.cam_check)
        row.addWidget(self.layer_box)
        opacity = QHBoxLayout()
        opacity.addWidget(QLabel("Opacity"))
        opacity.addWidget(self.opacity_slider, 1)
        column = QVBoxLayout()
        column.addLayout(row)
        column.addLayout(opacity)
        column.addWidget(self.cam_status)
        self.cam_status.hide()
        self.cam_check.toggled.connect(self.camToggled)
        self.layer_box.currentTextChanged.connect(self.camLayerChanged)
        self.opacity_slider.valueChanged.connect(lambda v: self.camOpacityChanged.emit(v / 100.0))
        return column

    def _build_landmarks(self) -> QHBoxLayout:
        self.landmarks_check = QCheckBox("Model landmarks")
        self.landmarks_check.setStyleSheet(f"QCheckBox {{ color: {MODEL_LANDMARK_COLOUR}; }}")
        self.suggest_button = QPushButton("Suggest")
        self.suggest_button.setToolTip("Fill a new draft reading from the model's landmarks")
        row = QHBoxLayout()
        row.addWidget(self.landmarks_check)
        row.addWidget(self.suggest_button)
        self.landmarks_check.toggled.connect(self.landmarksToggled)
        self.suggest_button.clicked.connect(self.suggestRequested)
        return row

    # updates ---------------------------------------------------------------------------------
    def set_run(self, title: str) -> None:
        self.setTitle(title)

    def show_values(self, mine: float | None, reference: float | None, model: float | None):
        self._values = (mine, reference, model)
        self.my_si_label.setText(_fmt(mine))
        self.reference_si_label.setText(_fmt(reference))
        self.model_si_label.setText(_fmt(model))
        self._show_difference()

    def show_flags(self, flags: list[str], *, regression_si: bool = False) -> None:
        """Show the prediction's warnings, one a line, or nothing when it raised none.

        regression_si: the model SI shown comes from the regression head because of the flags.
        """
        lines = ["Check:", *(f"• {f}" for f in flags)]
        if regression_si:
            lines.append("The model SI here is the regression head's.")
        self.flags_label.setText("\n".join(lines) if flags else "")
        self.flags_label.setVisible(bool(flags))
        self._fit_flags()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_flags()

    def _fit_flags(self) -> None:
        # A scroll area sizes its contents from minimum sizes, which ignore how tall a
        # word-wrapped label grows at its width: give the label that height explicitly.
        label = self.flags_label
        width = label.width() if label.width() > 50 else self.contentsRect().width()
        label.setMinimumHeight(label.heightForWidth(width) if label.text() else 0)

    def threshold(self) -> float:
        return self.threshold_spin.value()

    def is_highlighted(self) -> bool:
        _mine, reference, model = self._values
        if reference is None or model is None:
            return False
        return abs(model - reference) > self.threshold()

    def _show_difference(self) -> None:
        _mine, reference, model = self._values
        if reference is None or model is None:
            self.difference_label.setText("—")
            self.difference_label.setStyleSheet("")
            return
        self.difference_label.setText(f"{model - reference:+.3f}")
        self.difference_label.setStyleSheet(HIGHLIGHT_STYLE if self.is_highlighted() else "")

    def _threshold_changed(self, value: float) -> None:
        self._show_difference()
        self.thresholdChanged.emit(value)

    def set_cam_shown(self, shown: bool) -> None:
        """Check the Grad-CAM box (camToggled follows only when that changes it)."""
        self.cam_check.setChecked(bool(shown))

    def set_landmarks_shown(self, shown: bool) -> None:
        """Check the model-landmarks box (landmarksToggled follows only when that changes it)."""
        self.landmarks_check.setChecked(bool(shown))

    def set_cam_status(self, text: str) -> None:
        self.cam_status.setText(text)
        self.cam_status.setVisible(bool(text))


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"
