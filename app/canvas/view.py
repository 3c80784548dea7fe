"""ReadingCanvas: the QGraphicsView where an annotator views a frame and edits one reading."""

from __future__ import annotations

import itertools
import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPixmap, QTransform, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

from app.canvas import render
from app.canvas.foreground import draw_foreground
from app.canvas.items import Z_IMAGE, Z_OVERLAY
from app.canvas.layers import GhostLayer, ReadingLayer
from app.canvas.reading import ReadingInteraction
from core.edits import ReadingDoc
from core.geometry import Landmarks, Spacing

MIN_ZOOM, MAX_ZOOM = 0.05, 64.0
WHEEL_ZOOM_PER_DEGREE = 1.0025  # 120 units (one notch) = 15 degrees -> about 4 % per notch
WINDOW_DRAG_PER_PX = 1.0 / 200.0


class ReadingCanvas(QGraphicsView):
    """A frame with the user's reading on top; emits edits, never changes the document itself."""

    editRequested = Signal(object)
    dragFinished = Signal()
    cursorMoved = Signal(float, float, object)
    hintChanged = Signal(str)
    windowChanged = Signal(float, float)
    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setBackgroundBrush(QColor(14, 16, 19))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The foreground (hint, measurements) is drawn in viewport coordinates: repaint it whole.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._image_item = QGraphicsPixmapItem()
        self._image_item.setZValue(Z_IMAGE)
        self._image_item.setOffset(-0.5, -0.5)  # pixel centres on integer scene coordinates
        self._image_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self._overlay_item = QGraphicsPixmapItem()
        self._overlay_item.setZValue(Z_OVERLAY)
        self._overlay_item.setPos(-0.5, -0.5)  # scaled from the frame's outer corner
        self.scene().addItem(self._image_item)
        self.scene().addItem(self._overlay_item)
        self.layer = ReadingLayer(self.scene())
        self.ghosts = GhostLayer(self.scene())
        self.reading = ReadingInteraction(self)
        self._pixels: np.ndarray | None = None
        self._spacing: Spacing | None = None
        self._window = (0.5, 1.0)
        self._fitted = True
        self._gesture: tuple[str, QPointF, tuple[float, float]] | None = None  # pan / window
        self._space_down = False
        self._hint = ""
        self._serial = itertools.count(1)

    # -- image -------------------------------------------------------------------------------

    def set_image(
        self,
        pixels: np.ndarray | None,
        spacing: Spacing | None,
        window: tuple[float, float] | None = None,
    ) -> None:
        """Show a frame (rows, cols) with its pixel spacing (None: unknown) and window."""
        self.reading.abort_gestures()
        old_shape = None if self._pixels is None else self._pixels.shape
        self._pixels = pixels
        self._spacing = spacing
        if pixels is None:
            self._image_item.setPixmap(QPixmap())
            self.set_overlay(None, 0.0)
            self.refresh()
            return
        self._window = tuple(window) if window is not None else render.auto_window(pixels)
        self._render_image()
        if pixels.shape != old_shape:
            rows, cols = pixels.shape
            margin = 20.0 * max(rows, cols)  # room to pan an image off-centre at any zoom
            self.setSceneRect(QRectF(-margin, -margin, cols + 2 * margin, rows + 2 * margin))
            self.set_overlay(None, 0.0)
            self.fit()
        self.windowChanged.emit(*self._window)
        self.refresh()

    def _render_image(self) -> None:
        image = render.frame_to_qimage(self._pixels, *self._window)
        self._image_item.setPixmap(QPixmap.fromImage(image))
        self._update_sampling()

    def pixels(self) -> np.ndarray | None:
        return self._pixels

    def spacing(self) -> Spacing | None:
        return self._spacing

    def image_rect(self) -> QRectF:
        if self._pixels is None:
            return QRectF()
        rows, cols = self._pixels.shape
        return QRectF(-0.5, -0.5, cols, rows)

    def set_overlay(self, rgba: np.ndarray | None, opacity: float) -> None:
        """An RGBA map over the frame (Grad-CAM); None removes it."""
        if rgba is None:
            self._overlay_item.setPixmap(QPixmap())
            self._overlay_item.hide()
            return
        self._overlay_item.setPixmap(QPixmap.fromImage(render.rgba_to_qimage(rgba)))
        scale_x = scale_y = 1.0
        if self._pixels is not None:
            # A coarser map (Grad-CAM) is stretched over the whole frame.
            rows, cols = self._pixels.shape
            scale_x, scale_y = cols / rgba.shape[1], rows / rgba.shape[0]
        self._overlay_item.setTransform(QTransform.fromScale(scale_x, scale_y))
        self._overlay_item.setOpacity(max(0.0, min(1.0, float(opacity))))
        self._overlay_item.show()

    def overlay_shown(self) -> bool:
        """Whether an overlay (Grad-CAM) is over the frame now."""
        return self._overlay_item.isVisible() and not self._overlay_item.pixmap().isNull()

    def overlay_opacity(self) -> float:
        return self._overlay_item.opacity()

    # -- window / level ------------------------------------------------------------------------

    def window(self) -> tuple[float, float]:  # type: ignore[override]
        """(center, width) of the current window."""
        return self._window

    def set_window(self, center: float, width: float) -> None:
        width = max(float(width), 1e-6)
        if (float(center), width) == self._window:
            return
        self._window = (float(center), width)
        if self._pixels is not None:
            self._render_image()
        self.windowChanged.emit(*self._window)

    def set_window_preset(self, name: str) -> None:
        """Apply a preset from render.WINDOW_PRESETS (auto, full, contrast)."""
        if self._pixels is not None:
            self.set_window(*render.preset_window(self._pixels, name))

    # -- zoom and pan --------------------------------------------------------------------------

    def zoom(self) -> float:
        """Screen pixels per image pixel."""
        return self.transform().m11()

    def fit(self) -> None:
        """Show the whole frame, centred, with a small margin."""
        self._fitted = True
        if self._pixels is None:
            return
        rect = self.image_rect()
        pad = 0.02 * max(rect.width(), rect.height())
        self.fitInView(rect.adjusted(-pad, -pad, pad, pad), Qt.AspectRatioMode.KeepAspectRatio)
        self._zoom_changed()

    def actual_size(self) -> None:
        """1:1 — one image pixel per screen pixel, keeping the view centre."""
        self.zoom_by(1.0 / self.zoom())

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the scene point under ``anchor`` (viewport px) in place."""
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        if factor == 1.0:
            return
        self._fitted = False
        scene_point = self.mapToScene(anchor.toPoint())
        self.scale(factor, factor)
        drift = self.mapFromScene(scene_point) - anchor.toPoint()
        self._scroll_by(drift.x(), drift.y())
        self._zoom_changed()

    def scene_point(self, viewport_pos: QPointF) -> QPointF:
        """The scene (image pixel) point under a viewport position, with sub-pixel precision."""
        return self.viewportTransform().inverted()[0].map(QPointF(viewport_pos))

    def viewport_point(self, scene_pos: QPointF) -> QPointF:
        return self.viewportTransform().map(QPointF(scene_pos))

    def _scroll_by(self, dx: float, dy: float) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(dx))
        v.setValue(v.value() + round(dy))

    def _zoom_changed(self) -> None:
        self._update_sampling()
        self.zoomChanged.emit(self.zoom())

    def _update_sampling(self) -> None:
        # Zoomed in, each image pixel is a crisp block so a landmark lands on the pixel meant.
        mode = (
            Qt.TransformationMode.FastTransformation
            if self.zoom() >= 1.0
            else Qt.TransformationMode.SmoothTransformation
        )
        self._image_item.setTransformationMode(mode)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    # -- document ------------------------------------------------------------------------------

    def set_doc(self, doc: ReadingDoc | None, *, locked: bool = False) -> None:
        """Show and edit this reading (None: none); a locked reading refuses every edit."""
        self.reading.set_doc(doc, locked=locked)

    def set_locked(self, locked: bool) -> None:
        self.reading.set_locked(locked)

    def doc(self) -> ReadingDoc | None:
        return self.reading.doc

    def set_ghosts(self, ghosts: list[tuple[str, QColor, Landmarks]]) -> None:
        """Other readers' landmarks as coloured dashed overlays (empty list: none)."""
        self.ghosts.show(list(ghosts))

    def start_placement(self) -> None:
        """Guided placement: apex -> hinge A -> hinge B; the width is then placed for you."""
        self.reading.start_placement()

    def cancel_step(self) -> bool:
        """Esc: cancel the drag, placement or polygon in progress; True if one was."""
        return self.reading.cancel_step()

    def set_contour_mode(self, on: bool) -> None:
        self.reading.set_contour_mode(on)

    def contour_mode(self) -> bool:
        return self.reading.contour_mode

    def snap_width_to_mid_length(self) -> None:
        self.reading.snap_mid_length()

    def confirm_suggestions(self) -> None:
        self.reading.confirm_suggestions()

    def clear_contour(self) -> None:
        self.reading.clear_contour()

    def new_merge_key(self, kind: str) -> tuple[str, int, int]:
        """A key shared by the edits of one gesture only (unique per canvas and gesture)."""
        return (kind, id(self), next(self._serial))

    def refresh(self) -> None:
        """Redraw the reading from the document and re-emit the hint when it changed."""
        self.reading.refresh()
        hint = self.reading.hint()
        if hint != self._hint:
            self._hint = hint
            self.hintChanged.emit(hint)
        self.viewport().update()

    def hint(self) -> str:
        return self._hint

    # -- events --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space_down
        ):
            self._gesture = ("pan", pos, (0.0, 0.0))
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self.reading.press(button, pos):
            pass
        elif button == Qt.MouseButton.RightButton:
            self._gesture = ("window", pos, self._window)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        self._emit_cursor(pos)
        if self._gesture is not None:
            kind, start, start_window = self._gesture
            delta = pos - start
            if kind == "pan":
                self._scroll_by(-delta.x(), -delta.y())
                self._gesture = ("pan", pos, start_window)
            else:
                center, width = start_window
                self.set_window(
                    center + delta.y() * width * WINDOW_DRAG_PER_PX,
                    width * math.exp(delta.x() * WINDOW_DRAG_PER_PX),
                )
        else:
            self.reading.move(pos)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._gesture is not None:
            self._gesture = None
            self.viewport().unsetCursor()
        else:
            self.reading.release(event.position())
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.mousePressEvent(event)  # a fast second click is just another click

    def wheelEvent(self, event: QWheelEvent) -> None:
        degrees = event.angleDelta().y() / 8.0
        if degrees:
            self.zoom_by(WHEEL_ZOOM_PER_DEGREE**degrees, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            handled = True
        elif key == Qt.Key.Key_Escape:
            handled = self.cancel_step()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            handled = self.reading.delete_key()
        else:
            handled = False
        if handled:
            event.accept()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
        super().keyReleaseEvent(event)

    def _emit_cursor(self, pos: QPointF) -> None:
        point = self.scene_point(pos)
        x, y = point.x(), point.y()
        value = None
        if self._pixels is not None:
            col, row = round(x), round(y)
            rows, cols = self._pixels.shape
            if 0 <= row < rows and 0 <= col < cols:
                value = self._pixels[row, col].item()
        self.cursorMoved.emit(x, y, value)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        painter.save()
        painter.resetTransform()
        draw_foreground(painter, self.viewport().rect(), self._hint, self.reading.summary())
        painter.restore()
