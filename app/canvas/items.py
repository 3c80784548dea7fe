"""Graphics items of the canvas: landmark handles, measurement lines, labels, ghosts, contour."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from app.canvas.tools import GRAB_RADIUS_PX
from core.geometry import Point

# Calm, distinct, legible on grey: amber apex, teal hinges, rose width ends (colour-blind safe-ish:
# they also differ in label and shape).
APEX_COLOR = QColor("#f2b134")
HINGE_COLOR = QColor("#4cc9c0")
WIDTH_COLOR = QColor("#f07aa0")
CONTOUR_COLOR = QColor("#9ad17a")
OUTLINE_COLOR = QColor(20, 24, 28)

HANDLE_STYLE: dict[str, tuple[QColor, str]] = {
    "apex": (APEX_COLOR, "Apex"),
    "hinge_a": (HINGE_COLOR, "A"),
    "hinge_b": (HINGE_COLOR, "B"),
    "w1": (WIDTH_COLOR, "W1"),
    "w2": (WIDTH_COLOR, "W2"),
}

HANDLE_RADIUS_PX = 7.0
Z_IMAGE, Z_OVERLAY, Z_GHOST, Z_LINES, Z_CONTOUR, Z_LABELS, Z_HANDLES = range(7)


def cosmetic_pen(color: QColor, width_px: float, style=Qt.PenStyle.SolidLine) -> QPen:
    """A pen whose width is in screen pixels whatever the zoom."""
    pen = QPen(color, width_px, style)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


def label_font() -> QFont:
    font = QFont()
    font.setPointSizeF(9.5)
    font.setWeight(QFont.Weight.DemiBold)
    return font


class HandleItem(QGraphicsItem):
    """A landmark handle: a filled disc of constant screen size with a short label beside it."""

    def __init__(self, name: str, *, interactive: bool = True) -> None:
        super().__init__()
        self.name = name
        self.color, self.label = HANDLE_STYLE.get(name, (QColor("white"), name))
        self.suggested = False
        self.interactive = interactive
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(Z_HANDLES)
        self._font = label_font()
        self._label_width = QFontMetricsF(self._font).horizontalAdvance(self.label)
        if interactive:
            self.setCursor(Qt.CursorShape.OpenHandCursor)

    def set_suggested(self, suggested: bool) -> None:
        if suggested != self.suggested:
            self.suggested = suggested
            self.update()

    def boundingRect(self) -> QRectF:
        r = GRAB_RADIUS_PX
        return QRectF(-r, -r - 14, 2 * r + 8 + self._label_width, 2 * r + 28)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), GRAB_RADIUS_PX, GRAB_RADIUS_PX)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = HANDLE_RADIUS_PX
        if self.suggested:
            # A suggestion is hollow and dashed until the annotator moves or confirms it.
            translucent = QColor(self.color)
            translucent.setAlpha(70)
            painter.setPen(cosmetic_pen(OUTLINE_COLOR, 4.5))
            painter.setBrush(translucent)
            painter.drawEllipse(QPointF(0, 0), r, r)
            painter.setPen(cosmetic_pen(self.color, 2.2, Qt.PenStyle.DashLine))
            painter.drawEllipse(QPointF(0, 0), r, r)
        else:
            painter.setPen(cosmetic_pen(OUTLINE_COLOR, 1.5))
            painter.setBrush(QBrush(self.color))
            painter.drawEllipse(QPointF(0, 0), r, r)
            painter.setBrush(QBrush(OUTLINE_COLOR))
            painter.drawEllipse(QPointF(0, 0), 1.4, 1.4)  # the exact point, visible when zoomed
        draw_outlined_text(painter, QPointF(r + 4, -r - 2), self.label, self.color, self._font)


def draw_outlined_text(
    painter: QPainter, pos: QPointF, text: str, color: QColor, font: QFont
) -> None:
    """Text with a dark halo so it reads on bright and dark pixels alike."""
    path = QPainterPath()
    path.addText(pos, font, text)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.strokePath(path, QPen(QColor(10, 12, 14, 220), 3.0))
    painter.fillPath(path, QBrush(color))


class LabelItem(QGraphicsItem):
    """A measurement label in a rounded dark box, constant screen size, anchored at a point."""

    def __init__(self, color: QColor) -> None:
        super().__init__()
        self.color = color
        self.text = ""
        self._font = label_font()
        self._rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(Z_LABELS)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_text(self, text: str) -> None:
        if text == self.text:
            return
        self.prepareGeometryChange()
        self.text = text
        metrics = QFontMetricsF(self._font)
        self._rect = QRectF(0, 0, metrics.horizontalAdvance(text) + 12, metrics.height() + 6)
        self._rect.translate(14, -self._rect.height() / 2)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if not self.text:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(self.color.red(), self.color.green(), self.color.blue(), 160)))
        painter.setBrush(QColor(16, 20, 24, 200))
        painter.drawRoundedRect(self._rect, 4, 4)
        painter.setFont(self._font)
        painter.setPen(QColor(236, 239, 241))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)


class PolylineItem(QGraphicsItem):
    """Segments or a polygon drawn with a cosmetic pen (lines, ghosts, contour)."""

    def __init__(self, pen: QPen, z: int, *, halo: bool = True) -> None:
        super().__init__()
        self.pen = pen
        self.halo = halo
        self.segments: list[tuple[Point, Point]] = []
        self._rect = QRectF()
        self.setZValue(z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_segments(self, segments: list[tuple[Point, Point]]) -> None:
        self.prepareGeometryChange()
        self.segments = segments
        xs = [p[0] for seg in segments for p in seg]
        ys = [p[1] for seg in segments for p in seg]
        if xs:
            self._rect = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        else:
            self._rect = QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        # Cosmetic pens draw outside the scene rect at high zoom-out; a margin keeps them repainted.
        return self._rect.adjusted(-3, -3, 3, 3)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if not self.segments:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        lines = [(QPointF(*a), QPointF(*b)) for a, b in self.segments]
        if self.halo:
            painter.setPen(cosmetic_pen(QColor(10, 12, 14, 150), self.pen.widthF() + 2.5))
            for a, b in lines:
                painter.drawLine(a, b)
        painter.setPen(self.pen)
        for a, b in lines:
            painter.drawLine(a, b)


class MarkerItem(QGraphicsItem):
    """A small constant-size cross for ghost landmarks and contour vertices."""

    def __init__(self, color: QColor, *, size_px: float = 4.0, square: bool = False) -> None:
        super().__init__()
        self.color = color
        self.size_px = size_px
        self.square = square
        self.selected = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(Z_CONTOUR if square else Z_GHOST)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        s = self.size_px + 3
        return QRectF(-s, -s, 2 * s, 2 * s)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = self.size_px
        if self.square:
            painter.setPen(cosmetic_pen(OUTLINE_COLOR, 1.2))
            painter.setBrush(QColor("white") if self.selected else self.color)
            painter.drawRect(QRectF(-s, -s, 2 * s, 2 * s))
            return
        painter.setPen(cosmetic_pen(OUTLINE_COLOR, 3.5))
        painter.drawLine(QPointF(-s, -s), QPointF(s, s))
        painter.drawLine(QPointF(-s, s), QPointF(s, -s))
        painter.setPen(cosmetic_pen(self.color, 1.8))
        painter.drawLine(QPointF(-s, -s), QPointF(s, s))
        painter.drawLine(QPointF(-s, s), QPointF(s, -s))
