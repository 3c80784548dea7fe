"""Inspector panel: landmarks in mm, live length / width / SI, contour SIs, status and review."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.geometry import LANDMARK_NAMES, UNKNOWN_SPACING, GeometryError, Spacing, measure

LANDMARK_LABELS = {
    "apex": "Apex",
    "hinge_a": "Hinge A",
    "hinge_b": "Hinge B",
    "w1": "Width W1",
    "w2": "Width W2",
}
# Ghost colours for other readers; the same order is used on the canvas and in the table.
READER_COLOURS = ("#f4a261", "#2a9d8f", "#e76f51", "#8ab4f8", "#c77dff", "#ffd166")


def reader_colour(index: int) -> QColor:
    return QColor(READER_COLOURS[index % len(READER_COLOURS)])


class _NoteEdit(QPlainTextEdit):
    """A note box that reports when the user leaves it (the note is then saved)."""

    editingFinished = Signal()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()


class InspectorPanel(QWidget):
    """Shows the current image's reading; its buttons ask the window to change status."""

    submitRequested = Signal()
    reopenRequested = Signal()
    reviewRequested = Signal(int, str, str)  # reading id, "approved" | "rejected", note
    noteEdited = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self._spacing: Spacing | None = None
        self._shape: tuple[int, int] | None = None
        self._reviews = False
        self._doc = None
        self._readings: list = []
        self.image_label = QLabel("No image")
        self.image_label.setObjectName("imageTitle")
        self.image_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.image_label)
        for box in (self._build_measurements(), self._build_landmarks(), self._build_status()):
            box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            layout.addWidget(box)
        layout.addWidget(self._build_review(), 1)
        layout.addStretch(1)  # takes the room of the review box when it is hidden
        self._layout = layout

    def add_section(self, box: QWidget) -> None:
        """Another section (the model's) below the readers: reviewing comes first."""
        box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._layout.insertWidget(self._layout.indexOf(self.review_box) + 1, box)

    # construction ----------------------------------------------------------------------------
    def _build_measurements(self) -> QGroupBox:
        box = self.measure_box = QGroupBox("Measurement")
        form = QFormLayout(box)
        self.si_label = QLabel("—")
        self.si_label.setObjectName("siValue")
        self.length_label = QLabel("—")
        self.width_label = QLabel("—")
        self.contour_width_label = QLabel("—")
        self.contour_si_label = QLabel("—")
        self.volumetric_si_label = QLabel("—")
        form.addRow("SI", self.si_label)
        form.addRow("Long axis", self.length_label)
        form.addRow("Width", self.width_label)
        form.addRow("Contour width", self.contour_width_label)
        form.addRow("Contour SI", self.contour_si_label)
        form.addRow("Volumetric SI", self.volumetric_si_label)
        self._form = form
        return box

    def _build_landmarks(self) -> QGroupBox:
        box = QGroupBox("Landmarks (mm)")
        self.landmark_table = QTableWidget(len(LANDMARK_NAMES), 2)
        self.landmark_table.setHorizontalHeaderLabels(["x", "y"])
        self.landmark_table.setVerticalHeaderLabels([LANDMARK_LABELS[n] for n in LANDMARK_NAMES])
        self.landmark_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.landmark_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.landmark_table.verticalHeader().setDefaultSectionSize(22)
        self.landmark_table.setFixedHeight(22 * len(LANDMARK_NAMES) + 28)
        self.landmark_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        QVBoxLayout(box).addWidget(self.landmark_table)
        return box

    def _build_status(self) -> QGroupBox:
        box = QGroupBox("My reading")
        self.status_label = QLabel("not started")
        self.status_label.setObjectName("statusValue")
        self.submit_button = QPushButton("Submit")
        self.reopen_button = QPushButton("Reopen")
        self.note_edit = _NoteEdit()
        self.note_edit.setPlaceholderText("Note (saved with the reading)")
        self.note_edit.setFixedHeight(54)
        buttons = QHBoxLayout()
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.reopen_button)
        layout = QVBoxLayout(box)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        layout.addWidget(self.note_edit)
        self.submit_button.clicked.connect(self.submitRequested)
        self.reopen_button.clicked.connect(self.reopenRequested)
        self.note_edit.editingFinished.connect(self._note_finished)
        return box

    def _build_review(self) -> QGroupBox:
        self.review_box = QGroupBox("Readers")
        self.readers_table = QTableWidget(0, 3)
        self.readers_table.setHorizontalHeaderLabels(["Reader", "SI", "Status"])
        self.readers_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.readers_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.readers_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.readers_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.readers_table.setMinimumHeight(96)
        self.readers_table.verticalHeader().setVisible(False)
        self.readers_table.verticalHeader().setDefaultSectionSize(22)
        self.spread_label = QLabel("")
        self.review_note = QPlainTextEdit()
        self.review_note.setPlaceholderText("Review note (why approved or rejected)")
        self.review_note.setFixedHeight(48)
        self.approve_button = QPushButton("Approve")
        self.approve_button.setObjectName("approveButton")
        self.reject_button = QPushButton("Reject")
        self.reject_button.setObjectName("rejectButton")
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        layout = QVBoxLayout(self.review_box)
        layout.addWidget(self.readers_table, 1)
        layout.addWidget(self.spread_label)
        layout.addWidget(self.review_note)
        layout.addLayout(buttons)
        self.readers_table.itemSelectionChanged.connect(lambda: self.show_doc(self._doc))
        self.approve_button.clicked.connect(lambda: self.request_review("approved"))
        self.reject_button.clicked.connect(lambda: self.request_review("rejected"))
        return self.review_box

    # updates ---------------------------------------------------------------------------------
    def set_image(self, info, series_label: str | None = None) -> None:
        """Show the image's facts; the series by its short label, its key as a tooltip."""
        self._spacing = info.spacing if info is not None else None
        self._shape = tuple(info.shape[:2]) if info is not None else None
        if info is None:
            self.image_label.setText("No image")
            return
        spacing = (
            f"{info.spacing.col_mm:.2f} × {info.spacing.row_mm:.2f} mm"
            if info.spacing
            else "spacing unknown (pixels)"
        )
        flags = " · ED" if info.is_ed else " · ES" if info.is_es else ""
        view = "" if info.view == "unknown" or series_label else f"{info.view} · "
        self.image_label.setText(
            f"<b>{series_label or info.series_key[:8]}</b> · frame {info.frame_index}{flags}<br>"
            f"{view}{info.shape[1]}×{info.shape[0]} px · {spacing}"
        )
        self.image_label.setToolTip(f"series key {info.series_key}")

    def set_role(self, reviews: bool) -> None:
        self._reviews = reviews
        self.review_box.setVisible(reviews)

    def show_doc(self, doc) -> None:
        """Live numbers from the doc being edited (called on every doc change)."""
        self._doc = doc
        landmarks = doc.landmarks if doc is not None else None
        contour = doc.contour if doc is not None else None
        title = "Measurement"
        if landmarks is None and self._reviews:
            # A reviewer without a reading of their own sees the selected reader's numbers.
            selected = self._selected_reading()
            if selected is not None:
                landmarks, contour = selected.landmarks, selected.contour
                title = f"Measurement: {selected.annotator_name}"
        self.measure_box.setTitle(title)
        self._show_landmarks(landmarks)
        self._show_measurement(landmarks)
        self._show_contour(landmarks, contour)

    def _unit_spacing(self) -> tuple[Spacing, str]:
        return (self._spacing, "mm") if self._spacing else (UNKNOWN_SPACING, "px")

    def _show_landmarks(self, landmarks) -> None:
        spacing, _unit = self._unit_spacing()
        for row, name in enumerate(LANDMARK_NAMES):
            point = getattr(landmarks, name) if landmarks is not None else None
            x_mm, y_mm = spacing.to_mm(point) if point is not None else (None, None)
            for column, value in enumerate((x_mm, y_mm)):
                text = "—" if value is None else f"{value:.1f}"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.landmark_table.setItem(row, column, item)

    def _show_measurement(self, landmarks) -> None:
        spacing, unit = self._unit_spacing()
        if landmarks is None:
            for label in (self.si_label, self.length_label, self.width_label):
                label.setText("—")
            return
        try:
            m = measure(landmarks, spacing, shape=self._shape)
        except GeometryError as exc:
            self.si_label.setText("—")
            self.length_label.setText("—")
            self.width_label.setText(str(exc))
            return
        self.si_label.setText(f"{m.si:.3f}")
        self.length_label.setText(f"{m.length_mm:.1f} {unit}")
        self.width_label.setText(f"{m.width_mm:.1f} {unit}")

    def _show_contour(self, landmarks, contour) -> None:
        labels = (self.contour_width_label, self.contour_si_label, self.volumetric_si_label)
        for label in labels:  # contour rows only when there is a contour: less to read
            self._form.setRowVisible(label, bool(contour))
        if landmarks is None or not contour or len(contour) < 3:
            for label in labels:
                label.setText("—")
            return
        spacing, unit = self._unit_spacing()
        try:
            from core.geometry import contour_measure

            cm = contour_measure(contour, landmarks, spacing)
        except (GeometryError, ImportError) as exc:
            for label in labels:
                label.setText("—")
            self.contour_width_label.setText(str(exc)[:60])
            return
        length_mm = measure(landmarks, spacing).length_mm
        self.contour_width_label.setText(f"{cm.width_mm:.1f} {unit}")
        self.contour_si_label.setText(f"{cm.width_mm / length_mm:.3f}")
        self.volumetric_si_label.setText(f"{cm.si_volumetric:.3f}")

    def show_reading(self, reading, *, locked: bool) -> None:
        status = reading.status if reading is not None else "not started"
        self.status_label.setText(f"{status}{' · locked' if locked else ''}")
        self.status_label.setProperty("status", status.replace(" ", "_"))
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)
        self.submit_button.setEnabled(reading is not None and reading.status in ("draft",))
        self.reopen_button.setEnabled(reading is not None and reading.status != "draft")
        note = reading.note if reading is not None else ""
        if self.note_edit.toPlainText() != note:
            self.note_edit.setPlainText(note)

    def show_readers(self, readings: list, my_annotator_id: int) -> None:
        """The readers table: every reading of the image (reviewers only)."""
        self._readings = list(readings)
        self.readers_table.setRowCount(len(readings))
        ordered = sorted(readings, key=lambda r: (r.annotator_id != my_annotator_id, r.id))
        others = 0
        for row, r in enumerate(ordered):
            mine = r.annotator_id == my_annotator_id
            colour = QColor("#ffffff") if mine else reader_colour(others)
            others += 0 if mine else 1
            name = QTableWidgetItem(f"{r.annotator_name}{' (me)' if mine else ''}")
            name.setForeground(colour)
            name.setData(Qt.ItemDataRole.UserRole, r.id)
            si = QTableWidgetItem("—" if r.si is None else f"{r.si:.3f}")
            si.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.readers_table.setItem(row, 0, name)
            self.readers_table.setItem(row, 1, si)
            self.readers_table.setItem(row, 2, QTableWidgetItem(r.status))
        sis = [r.si for r in readings if r.si is not None]
        spread = max(sis) - min(sis) if len(sis) > 1 else None
        self.spread_label.setText(
            "" if spread is None else f"SI spread between readers {spread:.3f}"
        )
        if readings and self.readers_table.currentRow() < 0:
            self.readers_table.selectRow(0)
        self.show_doc(self._doc)

    def _selected_reading(self):
        reading_id = self.selected_reading_id()
        return next((r for r in self._readings if r.id == reading_id), None)

    def selected_reading_id(self) -> int | None:
        item = self.readers_table.item(self.readers_table.currentRow(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def request_review(self, status: str) -> None:
        reading_id = self.selected_reading_id()
        if reading_id is not None:
            self.reviewRequested.emit(reading_id, status, self.review_note.toPlainText())

    def _note_finished(self) -> None:
        self.noteEdited.emit(self.note_edit.toPlainText())
