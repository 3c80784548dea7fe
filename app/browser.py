"""Image browser: a virtual, paged, sortable table over the project's images, with filters."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.browse import ReadingSummary, summarize
from core.store import ImageFilter

PAGE_SIZE = 200
# Blinded double reading: an annotator sees neither other readers' SIs (the reference SI is their
# mean) nor how far readers disagree.
REVIEW_ONLY_COLUMNS = (6,)
REVIEW_ONLY_FILTERS = ("disagree",)
STORE_ORDER = {0: "series_id", 1: "frame_index", 2: "view"}  # column -> the store's order_by
MAX_PAGES = 40
MODEL_DIFFERENCE_BRUSH = QColor(122, 31, 31, 150)  # the inspector's highlight, translucent
COLUMNS = ("Series", "Frame", "View", "ED/ES", "Mine", "Readings", "Ref SI", "Model SI", "mm")
FILTERS = (
    ("all", "All images"),
    ("needs_mine", "Needs my reading"),
    ("needs_review", "Needs review"),
    ("disagree", "Readers disagree by more than"),
    # The worklist (core.worklist) of the browser's run: unread images, the least sure first.
    ("worklist", "Model least sure (unread)"),
)


class ImageTableModel(QAbstractTableModel):
    """Rows fetched from the store a page at a time; sort and filter by building id lists."""

    def __init__(
        self, project, my_annotator_id: int, parent=None, *, model_run: int | None = None
    ) -> None:
        super().__init__(parent)
        self._project = project
        self._me = my_annotator_id
        self._filter_kind = "all"
        self._threshold = 0.05
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._ids: list[int] | None = None  # explicit row order; None = store order by id
        self._count = 0
        self._pages: OrderedDict[int, list] = OrderedDict()
        self._summary: dict[int, ReadingSummary] = {}
        self._reference: dict[int, float] = {}
        self._model_si: dict[int, float] = {}
        self._series_labels: dict[int, str] = {}  # series id -> short label; the key is a tooltip
        self._model_run = model_run  # None: core.runs.active_run
        self._model_threshold: float | None = None  # None: no highlight (annotators: blinded)
        self._resetting = False
        self._worklist_note = ""
        self._why: dict[int, str] = {}  # worklist order: image id -> score and why
        self._kept: int | None = None  # worklist order: the image just read stays on top
        self.refresh()

    # structure -------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        info = self.image_at(index.row())
        if info is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(info, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (1, 5, 6, 7):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return info.id
        if role == Qt.ItemDataRole.ToolTipRole and info.id in self.worklist_why():
            return self._why[info.id]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            return f"series key {info.series_key}"
        if role == Qt.ItemDataRole.BackgroundRole and self.model_differs(info.id):
            return MODEL_DIFFERENCE_BRUSH
        return None

    def model_differs(self, image_id: int) -> bool:
        """|model SI − reference SI| beyond the user's threshold (the inspector's highlight)."""
        model, reference = self._model_si.get(image_id), self._reference.get(image_id)
        if self._model_threshold is None or model is None or reference is None:
            return False
        return abs(model - reference) > self._model_threshold

    def set_model_threshold(self, threshold: float | None) -> None:
        self._model_threshold = threshold
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))

    def _cell(self, info, column: int):
        summary = self._summary.get(info.id)
        if column == 0:
            return self.series_label(info)
        if column == 1:
            return str(info.frame_index)
        if column == 2:
            return info.view if info.view != "unknown" else "—"
        if column == 3:
            return "ED" if info.is_ed else "ES" if info.is_es else ""
        if column == 4:
            return summary.my_status if summary and summary.my_status else "—"
        if column == 5:
            return str(summary.count) if summary else "0"
        if column == 6:
            return _fmt(self._reference.get(info.id))
        if column == 7:
            return _fmt(self._model_si.get(info.id))
        return "yes" if info.spacing is not None else "no"

    def series_label(self, info) -> str:
        """The image's series as people read it (subject, series number, view)."""
        return self._series_labels.get(info.series_id, info.series_key[:8])

    # paging ----------------------------------------------------------------------------------
    def image_at(self, row: int):
        if not 0 <= row < self._count:
            return None
        page_no, offset = divmod(row, PAGE_SIZE)
        page = self._pages.get(page_no)
        if page is None:
            page = self._fetch_page(page_no)
            self._pages[page_no] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page[offset] if offset < len(page) else None

    def _fetch_page(self, page_no: int) -> list:
        start = page_no * PAGE_SIZE
        if self._ids is None:
            return self._project.list_images(
                self._store_filter(), offset=start, limit=PAGE_SIZE, order_by=self._store_order()
            )
        ids = self._ids[start : start + PAGE_SIZE]
        rows = self._project.list_images(ImageFilter(image_ids=ids), limit=len(ids))
        by_id = {r.id: r for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def row_of(self, image_id: int) -> int | None:
        if self._ids is not None:
            try:
                return self._ids.index(image_id)
            except ValueError:
                return None
        cached = [(n, p) for n, p in self._pages.items()]
        others = (n for n in range(-(-self._count // PAGE_SIZE)) if n not in self._pages)
        for page_no, page in [*cached, *((n, None) for n in others)]:
            if page is None:
                self.image_at(page_no * PAGE_SIZE)  # fetches and caches the page
                page = self._pages[page_no]
            for offset, info in enumerate(page):
                if info.id == image_id:
                    return page_no * PAGE_SIZE + offset
        return None

    # filters and sorting ---------------------------------------------------------------------
    def set_filter(self, kind: str, threshold: float | None = None) -> None:
        self._filter_kind = kind
        self._kept = None
        if threshold is not None:
            self._threshold = threshold
        self.refresh()

    def filter_kind(self) -> str:
        return self._filter_kind

    def worklist_note(self) -> str:
        """What the worklist order shows, or why it is empty ("" in other orders)."""
        return self._worklist_note if self._filter_kind == "worklist" else ""

    def worklist_why(self) -> dict[int, str]:
        """image id -> "score 2.3: why" in the worklist order ({} in other orders)."""
        return self._why if self._filter_kind == "worklist" else {}

    def _worklist_ids(self) -> list[int]:
        """The run's worklist (every unread image it predicted), the image kept first."""
        from core.runs import active_run_id
        from core.worklist import worklist

        self._why = {}
        run_id = self._model_run if self._model_run is not None else active_run_id(self._project)
        if run_id is None or run_id not in {r.id for r in self._project.runs()}:
            self._worklist_note = "no run yet: train one, then predict all images"
            return []
        listed = worklist(self._project, run_id)
        ids = [p.image_id for p in listed.picks]
        self._why = {p.image_id: f"model doubt {p.score:.2f}: {p.why}" for p in listed.picks}
        self._worklist_note = f"unread, run {run_id}'s least sure first"
        if listed.without_prediction:
            self._worklist_note += (
                f"; {listed.without_prediction} unread without a prediction "
                "(Model → Predict all images)"
            )
        if self._kept is not None and self._kept not in ids:
            ids.insert(0, self._kept)
        return ids

    def _still_read(self, image_id: int) -> bool:
        """Whether a save left the worklist as it was: the image on top, read before and now
        (each drag of a reading saves; ranking again on each would cost a project read)."""
        from core.worklist import read_images

        if image_id != self._kept or image_id in self._why:
            return False
        return image_id in read_images(self._project.readings_for_image(image_id))

    def _store_filter(self) -> ImageFilter | None:
        if self._filter_kind == "worklist":
            return ImageFilter(image_ids=self._ids or [])
        if self._filter_kind == "needs_mine":
            return ImageFilter(needs_reading_by=self._me)
        if self._filter_kind == "needs_review":
            return ImageFilter(status="submitted")
        if self._filter_kind == "disagree":
            ids = sorted(i for i, s in self._summary.items() if s.spread > self._threshold)
            return ImageFilter(image_ids=ids)
        return None

    def model_run(self) -> int | None:
        return self._model_run

    def set_model_run(self, run_id: int | None) -> None:
        """Show the model SI of this run (None: core.runs.active_run)."""
        self._model_run = run_id
        self.refresh()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        wanted = (column, order) if 0 <= column < len(COLUMNS) else None
        if wanted == self._sort or self._resetting:
            return  # the header re-announces its indicator when the model resets
        self._sort = wanted
        self.refresh()

    def _store_order(self) -> str:
        """The store's order for a sort it can do itself (paged), else by id."""
        if self._sort is None or self._sort[0] not in STORE_ORDER:
            return "id"
        column, order = self._sort
        descending = order == Qt.SortOrder.DescendingOrder
        return ("-" if descending else "") + STORE_ORDER[column]

    def _sorted_ids(self) -> list[int] | None:
        """Row order for sorts on derived columns (statuses, SIs): every id, sorted here."""
        if self._filter_kind == "worklist":  # the worklist's order, whatever the header says
            return self._worklist_ids()
        if self._sort is None or self._sort[0] in STORE_ORDER:
            return None
        column, order = self._sort
        flt = self._store_filter()
        rows = self._project.list_images(flt, limit=max(self._count, 1), order_by="id")
        key = self._sort_key(column)
        rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        return [r.id for r in rows]

    def _sort_key(self, column: int):
        def number(value) -> tuple[int, float]:
            return (0, value) if value is not None else (1, 0.0)  # blanks last

        keys = {
            3: lambda r: (not r.is_ed, not r.is_es, r.id),
            4: lambda r: (self._summary.get(r.id, ReadingSummary()).my_status or "~", r.id),
            5: lambda r: (self._summary.get(r.id, ReadingSummary()).count, r.id),
            6: lambda r: number(self._reference.get(r.id)),
            7: lambda r: number(self._model_si.get(r.id)),
            8: lambda r: (r.spacing is None, r.id),
        }
        return keys[column]

    # refreshing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._resetting = True
        self.beginResetModel()
        try:
            self._summary = summarize(self._project.readings(), self._me)
            self._reference = self._project.reference_si_map()
            self._model_si = _model_si(self._project, self._model_run)
            self._series_labels = {i: n.label for i, n in self._project.series_names().items()}
            self._pages.clear()
            if self._filter_kind == "worklist":
                self._ids = self._sorted_ids()
                self._count = len(self._ids or [])
            else:
                self._count = self._project.count_images(self._store_filter())
                self._ids = self._sorted_ids()
        finally:
            self.endResetModel()
            self._resetting = False

    def refresh_image(self, image_id: int) -> None:
        """Re-read one image's readings after a save (cheap: no reset, no re-paging).

        In the worklist order a reading changes the list: it is ranked again, the image just
        read kept on top so that Next goes on to the new first unread image."""
        if self._filter_kind == "worklist" and not self._still_read(image_id):
            self._kept = image_id
            self.refresh()
            return
        self._summary.pop(image_id, None)
        self._summary.update(summarize(self._project.readings_for_image(image_id), self._me))
        ref = self._project.reference_si(image_id)
        if ref is None:
            self._reference.pop(image_id, None)
        else:
            self._reference[image_id] = ref
        self._pages.clear()  # ED/ES flags may have changed too
        row = self.row_of(image_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        else:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))


def _model_si(project, run_id: int | None) -> dict[int, float]:
    """image id -> the run's model SI (its better head; default: core.runs.active_run)."""
    from core.model_si import model_si, run_si_kind
    from core.runs import active_run_id

    runs = {r.id: r for r in project.runs()}
    if run_id is None:
        run_id = active_run_id(project)
    if run_id is None or run_id not in runs:
        return {}
    kind = run_si_kind(runs[run_id])
    values = {i: model_si(row, kind) for i, row in project.predictions(run_id).items()}
    return {i: v for i, v in values.items() if v is not None}


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


class BrowserPanel(QWidget):
    """The browser's table with its filter controls; emits the image id the user picks."""

    imageActivated = Signal(int)

    def __init__(self, model: ImageTableModel, parent=None, *, reviews: bool = True) -> None:
        super().__init__(parent)
        self.model = model
        self.filter_box = QComboBox()
        for key, label in FILTERS:
            if reviews or key not in REVIEW_ONLY_FILTERS:
                self.filter_box.addItem(label, key)
        self.threshold = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=1.0, singleStep=0.01)
        self.threshold.setValue(0.05)
        self.threshold.setToolTip("SI difference between the most distant readers")
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)  # the worklist's note must not widen the browser
        self.table = QTableView()
        self.table.setModel(model)
        self._setup_table()
        for column in () if reviews else REVIEW_ONLY_COLUMNS:
            self.table.setColumnHidden(column, True)
        self.threshold.setVisible(reviews)
        self.threshold.setEnabled(False)  # only for the disagreement filter
        top = QHBoxLayout()
        # The filter names may elide: the browser gives its width to the canvas when docks open.
        self.filter_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.filter_box.setMinimumContentsLength(12)
        top.addWidget(self.filter_box, 1)
        top.addWidget(self.threshold)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.filter_box.currentIndexChanged.connect(self._filter_changed)
        self.threshold.valueChanged.connect(self._filter_changed)
        model.modelReset.connect(self._update_count)
        self._update_count()

    def _setup_table(self) -> None:
        t = self.table
        t.setObjectName("browserTable")
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # No indicator before sorting is enabled: enabling it sorts by the indicator's column.
        t.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        t.setSortingEnabled(True)
        t.verticalHeader().setVisible(False)
        t.verticalHeader().setDefaultSectionSize(22)
        t.setAlternatingRowColors(True)
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((98, 50, 40, 46, 62, 68, 52, 64, 34)):
            t.setColumnWidth(column, width)
        # Series labels ("S12 · series 3 · 4CH") are read whole, never elided.
        t.setColumnWidth(0, t.fontMetrics().horizontalAdvance("S00 · series 00 · 4CH") + 14)
        t.selectionModel().currentRowChanged.connect(self._row_changed)

    def _filter_changed(self, *_args) -> None:
        self.threshold.setEnabled(self.filter_box.currentData() == "disagree")
        self.model.set_filter(self.filter_box.currentData(), self.threshold.value())

    def _update_count(self) -> None:
        note = self.model.worklist_note()
        self.count_label.setText(f"{self.model.rowCount()} images" + (f": {note}" if note else ""))
        self.count_label.setToolTip(note)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        image_id = self.model.data(current, Qt.ItemDataRole.UserRole)
        if image_id is not None:
            self.imageActivated.emit(int(image_id))

    def current_image_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.data(index, Qt.ItemDataRole.UserRole) if index.isValid() else None

    def select_row(self, row: int) -> bool:
        if not 0 <= row < self.model.rowCount():
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def select_image(self, image_id: int, *, quietly: bool = False) -> bool:
        """Select an image's row; quietly: without imageActivated (the image is already open)."""
        row = self.model.row_of(image_id)
        if row is None:
            return False
        if not quietly:
            return self.select_row(row)
        self.table.blockSignals(True)
        try:
            return self.select_row(row)
        finally:
            self.table.blockSignals(False)

    def step(self, delta: int) -> bool:
        """Select the next (delta=1) or previous (delta=-1) row."""
        current = self.table.currentIndex().row()
        return self.select_row(max(current, -1) + delta if current >= 0 else 0)
