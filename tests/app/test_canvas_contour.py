"""Contour mode with real mouse events: draw, close, insert, move and delete vertices, undo."""

from __future__ import annotations

import math

import pytest
from canvas_helpers import click, drag, make_canvas, truth_frame, vp
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def polygon(truth, n: int = 8):
    """n points on an ellipse around the long axis of the truth landmarks."""
    cx = (truth.w1[0] + truth.w2[0]) / 2
    cy = (truth.apex[1] + truth.hinge_a[1]) / 2
    rx = abs(truth.w2[0] - truth.w1[0]) / 2 * 0.9
    ry = abs(truth.hinge_a[1] - truth.apex[1]) / 2 * 0.9
    return [
        (cx + rx * math.cos(2 * math.pi * k / n), cy + ry * math.sin(2 * math.pi * k / n))
        for k in range(n)
    ]


@pytest.fixture
def contour_canvas(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, doc, stack = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    doc.landmarks = truth
    canvas.set_doc(doc, locked=False)
    canvas.set_contour_mode(True)
    return canvas, doc, stack, truth


def test_click_a_polygon_and_close_it_on_the_first_vertex(contour_canvas):
    canvas, doc, stack, truth = contour_canvas
    points = polygon(truth)
    assert "contour" in canvas.hint().lower()
    for point in points:
        click(canvas, point)
    assert doc.contour is None  # still open
    QTest.mouseMove(canvas.viewport(), vp(canvas, points[0]))
    assert canvas.layer.open_line.segments[-1][1] == pytest.approx(points[0], abs=0.6)
    click(canvas, points[0])
    assert doc.contour is not None and len(doc.contour) == len(points)
    assert stack.count() == 1 and stack.undoText() == "Draw contour"
    assert doc.contour == [pytest.approx(p, abs=0.6) for p in points]
    assert any("volumetric SI" in line for line in canvas.reading.summary()["lines"])
    assert canvas.layer.chord_line.isVisible()


def test_insert_move_and_delete_vertices_each_one_undo_step(contour_canvas):
    canvas, doc, stack, truth = contour_canvas
    points = polygon(truth)
    for point in [*points, points[0]]:
        click(canvas, point)
    drawn = list(doc.contour)
    # Insert: press on the middle of an edge and drag it outward: one step.
    edge_mid = ((points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2)
    drag(canvas, edge_mid, (edge_mid[0] + 6, edge_mid[1] + 4))
    assert len(doc.contour) == len(points) + 1 and stack.count() == 2
    assert doc.contour[1] == pytest.approx((edge_mid[0] + 6, edge_mid[1] + 4), abs=0.6)
    # Move an existing vertex.
    drag(canvas, doc.contour[4], (doc.contour[4][0] - 5, doc.contour[4][1]))
    assert stack.count() == 3
    # Right-click deletes a vertex; Del deletes the selected one.
    click(canvas, doc.contour[2], Qt.MouseButton.RightButton)
    assert len(doc.contour) == len(points) and stack.count() == 4
    click(canvas, doc.contour[3])  # selects it
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    assert len(doc.contour) == len(points) - 1 and stack.count() == 5
    for _ in range(4):
        stack.undo()
    assert doc.contour == drawn


def test_escape_drops_an_open_polygon_and_a_triangle_keeps_three_vertices(contour_canvas):
    canvas, doc, stack, truth = contour_canvas
    points = polygon(truth, n=3)
    click(canvas, points[0])
    click(canvas, points[1])
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.reading.contour_tool.open_points == [] and stack.count() == 0
    for point in [*points, points[0]]:
        click(canvas, point)
    assert len(doc.contour) == 3
    click(canvas, doc.contour[0], Qt.MouseButton.RightButton)
    assert len(doc.contour) == 3 and stack.count() == 1  # refused: a polygon needs three
    canvas.clear_contour()
    assert doc.contour is None and stack.count() == 2


def test_contour_mode_refused_on_a_locked_reading(contour_canvas):
    canvas, doc, stack, truth = contour_canvas
    canvas.set_locked(True)
    for point in polygon(truth) + polygon(truth)[:1]:
        click(canvas, point)
    assert doc.contour is None and stack.count() == 0
