"""Cine bar: frame slider, play/pause at the acquisition's rate, ED/ES shown and settable."""

from __future__ import annotations

import itertools
import statistics

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from core.store import ImageFilter

DEFAULT_FRAME_INTERVAL_MS = 40.0  # 25 frames/s when the acquisition did not record its timing


def frame_interval_ms(frames: list) -> float:
    """The acquisition's frame interval: median step of frame times, else the default."""
    times = [f.frame_time_ms for f in frames if f.frame_time_ms is not None]
    steps = [b - a for a, b in itertools.pairwise(times) if b > a]
    return float(statistics.median(steps)) if steps else DEFAULT_FRAME_INTERVAL_MS


class CineBar(QWidget):
    """Frames of the current image's series; emits the image id of the frame to show."""

    frameSelected = Signal(int)
    markRequested = Signal(str)  # "ed" | "es"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("cineBar")
        self._frames: list = []
        self._series_id: int | None = None
        self.play_button = QPushButton("▶")
        self.play_button.setObjectName("playButton")
        self.play_button.setCheckable(True)
        self.play_button.setFixedWidth(36)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.frame_label = QLabel("")
        # Room for the longest label of a 99-frame cine, and no more (the canvas needs the width).
        self.frame_label.setMinimumWidth(
            self.frame_label.fontMetrics().horizontalAdvance("frame 99/99 ED ES  ·  ED 99  ES 99")
        )
        self.ed_button = QPushButton("Mark ED")
        self.es_button = QPushButton("Mark ES")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        for widget in (self.play_button, self.slider, self.frame_label):
            layout.addWidget(widget, 1 if widget is self.slider else 0)
        layout.addWidget(self.ed_button)
        layout.addWidget(self.es_button)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.advance)
        self.play_button.toggled.connect(self._play_toggled)
        self.slider.valueChanged.connect(self._slider_moved)
        self.ed_button.clicked.connect(lambda: self.markRequested.emit("ed"))
        self.es_button.clicked.connect(lambda: self.markRequested.emit("es"))

    def show_series(self, project, image) -> None:
        """Load the frames of `image`'s series (once per series) and point at `image`."""
        if image.series_id != self._series_id:
            self._series_id = image.series_id
            flt = ImageFilter(series_id=image.series_id)
            self._frames = sorted(
                project.list_images(flt, limit=100_000), key=lambda f: f.frame_index
            )
            self._timer.setInterval(round(frame_interval_ms(self._frames)))
        position = next((i for i, f in enumerate(self._frames) if f.id == image.id), 0)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(self._frames) - 1, 0))
        self.slider.setValue(position)
        self.slider.blockSignals(False)
        self.setEnabled(len(self._frames) > 0)
        self.play_button.setEnabled(len(self._frames) > 1)
        self._update_label()

    def refresh_flags(self, project) -> None:
        """Re-read ED/ES after they were changed."""
        self._frames = [project.image(f.id) for f in self._frames]
        self._update_label()

    def frame_ids(self) -> list[int]:
        return [f.id for f in self._frames]

    def step(self, delta: int) -> None:
        if self._frames:
            self.slider.setValue((self.slider.value() + delta) % len(self._frames))

    def advance(self) -> None:
        self.step(1)

    def toggle_play(self) -> None:
        self.play_button.toggle()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def stop(self) -> None:
        self.play_button.setChecked(False)

    def _play_toggled(self, on: bool) -> None:
        self.play_button.setText("❚❚" if on else "▶")
        if on and len(self._frames) > 1:
            self._timer.start()
        else:
            self._timer.stop()

    def _slider_moved(self, position: int) -> None:
        self._update_label()
        if 0 <= position < len(self._frames):
            self.frameSelected.emit(self._frames[position].id)

    def _update_label(self) -> None:
        if not self._frames:
            self.frame_label.setText("")
            return
        position = self.slider.value()
        ed = next((f.frame_index for f in self._frames if f.is_ed), None)
        es = next((f.frame_index for f in self._frames if f.is_es), None)
        current = self._frames[position]
        marks = " ".join(m for m, on in (("ED", current.is_ed), ("ES", current.is_es)) if on)
        self.frame_label.setText(
            f"frame {position + 1}/{len(self._frames)} {marks}  ·  "
            f"ED {'—' if ed is None else ed}  ES {'—' if es is None else es}"
        )
