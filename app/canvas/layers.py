"""Scene items mirroring a reading (handles, lines, labels, contour) and other readers' ghosts."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QTransform
from PySide6.QtWidgets import QGraphicsScene

from app.canvas.items import (
    APEX_COLOR,
    CONTOUR_COLOR,
    HINGE_COLOR,
    WIDTH_COLOR,
    Z_CONTOUR,
    Z_GHOST,
    Z_LINES,
    HandleItem,
    LabelItem,
    MarkerItem,
    PolylineItem,
    cosmetic_pen,
)
from core.geometry import LANDMARK_NAMES, Landmarks, Point


def _mid(a: Point, b: Point) -> Point:
    return ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


class ReadingLayer:
    """The user's own reading drawn in a scene; ``show`` re-syncs every item from plain values."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self.handles = {name: HandleItem(name) for name in LANDMARK_NAMES}
        self.axis_line = PolylineItem(cosmetic_pen(APEX_COLOR, 2.0), Z_LINES)
        self.hinge_line = PolylineItem(cosmetic_pen(HINGE_COLOR, 1.8), Z_LINES)
        self.width_line = PolylineItem(cosmetic_pen(WIDTH_COLOR, 2.0), Z_LINES)
        self.length_label = LabelItem(APEX_COLOR)
        self.width_label = LabelItem(WIDTH_COLOR)
        self.contour_line = PolylineItem(cosmetic_pen(CONTOUR_COLOR, 1.8), Z_CONTOUR)
        self.chord_line = PolylineItem(
            cosmetic_pen(CONTOUR_COLOR, 1.6, Qt.PenStyle.DashLine), Z_CONTOUR
        )
        self.open_line = PolylineItem(
            cosmetic_pen(CONTOUR_COLOR, 1.5, Qt.PenStyle.DashLine), Z_CONTOUR
        )
        self.vertices: list[MarkerItem] = []
        self._scene = scene
        for item in (
            *self.handles.values(),
            self.axis_line,
            self.hinge_line,
            self.width_line,
            self.length_label,
            self.width_label,
            self.contour_line,
            self.chord_line,
            self.open_line,
        ):
            scene.addItem(item)
            item.hide()

    def show_landmarks(
        self,
        landmarks: Landmarks | None,
        suggested: dict | None,
        *,
        length_text: str = "",
        width_text: str = "",
    ) -> None:
        """Draw five handles, the long axis, hinge line and width, with their length labels."""
        visible = landmarks is not None
        for item in (self.axis_line, self.hinge_line, self.width_line):
            item.setVisible(visible)
        self.length_label.setVisible(visible and bool(length_text))
        self.width_label.setVisible(visible and bool(width_text))
        if landmarks is None:
            for handle in self.handles.values():
                handle.hide()
            return
        for name, handle in self.handles.items():
            handle.setPos(QPointF(*getattr(landmarks, name)))
            handle.set_suggested(bool(suggested and suggested.get(name)))
            handle.show()
        mid = _mid(landmarks.hinge_a, landmarks.hinge_b)
        self.axis_line.set_segments([(landmarks.apex, mid)])
        self.hinge_line.set_segments([(landmarks.hinge_a, landmarks.hinge_b)])
        self.width_line.set_segments([(landmarks.w1, landmarks.w2)])
        self.length_label.set_text(length_text)
        self.length_label.setPos(QPointF(*_lerp(mid, landmarks.apex, 0.8)))
        self.width_label.set_text(width_text)
        self.width_label.setPos(QPointF(*landmarks.w2))

    def show_partial(self, points: list[Point]) -> None:
        """Points of a placement in progress (apex, then hinges) with no doc behind them yet."""
        for handle in self.handles.values():
            handle.hide()
            handle.set_suggested(False)
        for name, point in zip(("apex", "hinge_a", "hinge_b"), points, strict=False):
            self.handles[name].setPos(QPointF(*point))
            self.handles[name].show()
        for item in (self.axis_line, self.width_line, self.length_label, self.width_label):
            item.hide()
        self.hinge_line.setVisible(len(points) >= 3)

    def set_interactive(self, interactive: bool) -> None:
        cursor = Qt.CursorShape.OpenHandCursor if interactive else Qt.CursorShape.ArrowCursor
        for handle in self.handles.values():
            handle.interactive = interactive
            handle.setCursor(cursor)

    def show_contour(
        self,
        contour: list[Point] | None,
        chord: tuple[Point, Point] | None,
        selected: int | None,
        open_points: list[Point],
    ) -> None:
        """The closed contour with its vertices, its widest chord, and any polygon being drawn."""
        closed = contour or []
        n = len(closed)
        self.contour_line.set_segments([(closed[i], closed[(i + 1) % n]) for i in range(n)])
        self.contour_line.setVisible(n > 0)
        self.chord_line.set_segments([chord] if chord else [])
        self.chord_line.setVisible(chord is not None)
        opened = open_points
        self.show_open_polygon(opened)
        points = closed + opened
        while len(self.vertices) < len(points):
            marker = MarkerItem(CONTOUR_COLOR, size_px=3.5, square=True)
            self._scene.addItem(marker)
            self.vertices.append(marker)
        for i, marker in enumerate(self.vertices):
            marker.setVisible(i < len(points))
            if i < len(points):
                marker.setPos(QPointF(*points[i]))
                marker.selected = i == selected
                marker.update()

    def show_open_polygon(self, points: list[Point]) -> None:
        """The polygon being clicked, as a dashed open line."""
        self.open_line.set_segments(list(itertools.pairwise(points)))
        self.open_line.setVisible(len(points) > 1)


GHOST_LABEL_STEP_PX = 24.0


class GhostLayer:
    """Other readers' landmarks (review mode): thin lines, small crosses and the reader's name."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self._scene = scene
        self._items: list = []

    def show(self, ghosts: list[tuple[str, QColor, Landmarks]]) -> None:
        for item in self._items:
            self._scene.removeItem(item)
        self._items = []
        for index, (name, color, landmarks) in enumerate(ghosts):
            self._add_ghost(name, QColor(color), landmarks, index)

    def _add_ghost(self, name: str, color: QColor, landmarks: Landmarks, index: int = 0) -> None:
        faded = QColor(color)
        faded.setAlpha(200)
        lines = PolylineItem(cosmetic_pen(faded, 1.2, Qt.PenStyle.DashLine), Z_GHOST)
        mid = _mid(landmarks.hinge_a, landmarks.hinge_b)
        lines.set_segments(
            [
                (landmarks.apex, mid),
                (landmarks.hinge_a, landmarks.hinge_b),
                (landmarks.w1, landmarks.w2),
            ]
        )
        self._scene.addItem(lines)
        self._items.append(lines)
        for point in landmarks.points():
            marker = MarkerItem(color)
            marker.setPos(QPointF(*point))
            self._scene.addItem(marker)
            self._items.append(marker)
        label = LabelItem(color)
        label.set_text(name)
        label.setPos(QPointF(*landmarks.apex))
        # Readers (and the model) often agree on the apex: stack their names, in screen pixels.
        label.setTransform(QTransform.fromTranslate(0, GHOST_LABEL_STEP_PX * index))
        self._scene.addItem(label)
        self._items.append(label)

    @property
    def count(self) -> int:
        return len(self._items)
