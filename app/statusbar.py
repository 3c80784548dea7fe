"""Status bar: the step hint, mm position and pixel value under the cursor, zoom, window/level."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

from core.geometry import Spacing


class ProjectStatusBar(QStatusBar):
    """Permanent fields on the right; transient messages (hints, saves) on the left."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("projectStatus")
        self._spacing: Spacing | None = None
        self.hint_label = QLabel("")
        self.hint_label.setObjectName("hintLabel")
        self.position_label = QLabel("—")
        self.value_label = QLabel("")
        self.zoom_label = QLabel("")
        self.window_label = QLabel("")
        self.user_label = QLabel("")
        self.addWidget(self.hint_label, 1)
        for label, width in (
            (self.position_label, 190),
            (self.value_label, 90),
            (self.zoom_label, 80),
            (self.window_label, 130),
            (self.user_label, 170),
        ):
            label.setMinimumWidth(width)
            self.addPermanentWidget(label)

    def set_spacing(self, spacing: Spacing | None) -> None:
        self._spacing = spacing

    def set_user(self, name: str, role: str) -> None:
        self.user_label.setText(f"{name} · {role}")

    def show_hint(self, text: str) -> None:
        self.hint_label.setText(text)

    def show_cursor(self, x_px: float, y_px: float, value) -> None:
        if value is None:
            self.position_label.setText("—")
            self.value_label.setText("")
            return
        if self._spacing is not None:
            x_mm, y_mm = self._spacing.to_mm((x_px, y_px))
            self.position_label.setText(f"x {x_mm:.1f} mm  y {y_mm:.1f} mm")
        else:
            self.position_label.setText(f"x {x_px:.1f} px  y {y_px:.1f} px")
        self.value_label.setText(f"value {_fmt_value(value)}")

    def show_zoom(self, factor: float) -> None:
        self.zoom_label.setText(f"zoom {factor * 100:.0f} %")

    def show_window(self, center: float, width: float) -> None:
        self.window_label.setText(f"W/L {width:.0f} / {center:.0f}")


def _fmt_value(value) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.2f}"
