"""What the canvas draws in screen space over the scene: the step hint, measurements, lock badge."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

HINT_BG = QColor(22, 27, 33, 215)
TEXT = QColor(232, 236, 240)
LOCK = QColor("#e8a33d")


def _font(point_size: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    if bold:
        font.setWeight(QFont.Weight.DemiBold)
    return font


def _box(painter: QPainter, rect: QRectF, border: QColor | None = None) -> None:
    painter.setPen(QPen(border, 1.0) if border is not None else Qt.PenStyle.NoPen)
    painter.setBrush(HINT_BG)
    painter.drawRoundedRect(rect, 6, 6)


def draw_foreground(painter: QPainter, viewport: QRect, hint: str, summary: dict) -> None:
    """Hint banner (top centre), measurement lines (bottom left), lock badge (top right)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if hint:
        font = _font(10.5)
        metrics = QFontMetricsF(font)
        width = min(metrics.horizontalAdvance(hint) + 28, viewport.width() - 16)
        rect = QRectF((viewport.width() - width) / 2, 10, width, metrics.height() + 14)
        _box(painter, rect, LOCK if summary.get("locked") else None)
        painter.setFont(font)
        painter.setPen(TEXT)
        elided = metrics.elidedText(hint, Qt.TextElideMode.ElideRight, width - 20)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, elided)
    lines = summary.get("lines") or []
    if lines:
        font = _font(10.5, bold=True)
        metrics = QFontMetricsF(font)
        line_h = metrics.height() + 4
        width = max(metrics.horizontalAdvance(line) for line in lines) + 24
        height = line_h * len(lines) + 12
        rect = QRectF(12, viewport.height() - height - 12, width, height)
        _box(painter, rect)
        painter.setFont(font)
        painter.setPen(TEXT)
        for i, line in enumerate(lines):
            row = QRectF(rect.left() + 12, rect.top() + 6 + i * line_h, width - 24, line_h)
            painter.drawText(row, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, line)
    if summary.get("locked"):
        font = _font(10.0, bold=True)
        text = "LOCKED"
        metrics = QFontMetricsF(font)
        rect = QRectF(viewport.width() - metrics.horizontalAdvance(text) - 40, 10, 0, 0)
        rect.setSize(
            QRectF(0, 0, metrics.horizontalAdvance(text) + 28, metrics.height() + 14).size()
        )
        _box(painter, rect, LOCK)
        painter.setFont(font)
        painter.setPen(LOCK)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
