"""contour_measure(): widest perpendicular chord, area, area-length volume vs closed forms."""

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon

from core.geometry import GeometryError, Landmarks, Spacing, contour_measure


def ellipse_mm(centre, a, b, angle, n=2000):
    """Points of an ellipse in mm: semi-axis a along `angle`, b across it."""
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    c, s = math.cos(angle), math.sin(angle)
    x, y = a * np.cos(t), b * np.sin(t)
    return np.stack([centre[0] + c * x - s * y, centre[1] + s * x + c * y], axis=1)


def axis_landmarks_mm(centre, a, angle, spacing):
    """Landmarks whose long axis is the ellipse's major axis (apex to M, both on the rim)."""
    c, s = math.cos(angle), math.sin(angle)
    apex = (centre[0] + a * c, centre[1] + a * s)
    m = (centre[0] - a * c, centre[1] - a * s)
    ha, hb = (m[0] - 5 * s, m[1] + 5 * c), (m[0] + 5 * s, m[1] - 5 * c)
    w1, w2 = (centre[0] - 3 * s, centre[1] + 3 * c), (centre[0] + 3 * s, centre[1] - 3 * c)
    return Landmarks(*(spacing.to_px(p) for p in (apex, ha, hb, w1, w2)))


def test_circle_is_a_sphere():
    r, n = 25.0, 2000
    spacing = Spacing.isotropic(1.0)
    contour = ellipse_mm((60.0, 50.0), r, r, 0.0, n)
    out = contour_measure(contour, axis_landmarks_mm((60.0, 50.0), r, 0.7, spacing), spacing)
    assert out.width_mm == pytest.approx(2 * r, rel=1e-5)
    polygon_area = n / 2 * r**2 * math.sin(2 * math.pi / n)  # exact area of the polygon
    assert out.area_mm2 == pytest.approx(polygon_area, rel=1e-12)
    assert out.area_mm2 == pytest.approx(math.pi * r**2, rel=1e-5)
    # L = 2r: V = 8 (pi r^2)^2 / (3 pi 2r) = 4/3 pi r^3, a sphere, and its volumetric SI is 1.
    assert out.volume_ml == pytest.approx(4 / 3 * math.pi * r**3 / 1000, rel=1e-4)
    assert out.si_volumetric == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("angle", [0.0, 0.4, 1.3, -2.2])
def test_ellipse_under_anisotropic_spacing_is_a_prolate_spheroid(angle):
    a, b, centre = 45.0, 25.0, (80.0, 70.0)  # mm
    spacing = Spacing(row_mm=1.8, col_mm=1.2)
    contour_px = np.array([spacing.to_px(p) for p in ellipse_mm(centre, a, b, angle)])
    out = contour_measure(contour_px, axis_landmarks_mm(centre, a, angle, spacing), spacing)
    assert out.width_mm == pytest.approx(2 * b, rel=1e-5)  # the minor axis
    chord_mm = [spacing.to_mm(p) for p in out.chord]
    assert math.dist(*chord_mm) == pytest.approx(out.width_mm)
    mid = ((chord_mm[0][0] + chord_mm[1][0]) / 2, (chord_mm[0][1] + chord_mm[1][1]) / 2)
    assert math.dist(mid, centre) < 0.5
    assert out.area_mm2 == pytest.approx(math.pi * a * b, rel=1e-5)
    # L = 2a: V = 4/3 pi a b^2, volumetric SI = b^2 / a^2.
    assert out.volume_ml == pytest.approx(4 / 3 * math.pi * a * b**2 / 1000, rel=1e-4)
    assert out.si_volumetric == pytest.approx(b**2 / a**2, rel=1e-4)


def test_longest_single_segment_not_the_sum_of_pieces():
    # A "Y": two arms 12 wide at the top (24 together) over a stem whose widest chord, at the
    # notch (10, 5), is 18. The chord through the notch touches the boundary and stays one chord.
    y_shape = [(8, 0), (12, 0), (40, 20), (28, 20), (10, 5), (-8, 20), (-20, 20)]
    lm = Landmarks(apex=(10, 20), hinge_a=(5, 0), hinge_b=(15, 0), w1=(5, 10), w2=(15, 10))
    out = contour_measure(y_shape, lm, Spacing.isotropic(1.0))
    assert out.width_mm == pytest.approx(18.0, abs=1e-9)
    assert sorted(p[0] for p in out.chord) == pytest.approx([1.0, 19.0])


def test_accepts_a_shapely_polygon_and_a_closed_ring():
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]
    lm = Landmarks(apex=(5, 10), hinge_a=(0, 0), hinge_b=(10, 0), w1=(0, 5), w2=(10, 5))
    spacing = Spacing(row_mm=2.0, col_mm=1.0)
    a = contour_measure(Polygon(square), lm, spacing)
    b = contour_measure([*square, square[0]], lm, spacing)
    assert a == b
    assert a.area_mm2 == pytest.approx(200.0)
    assert a.width_mm == pytest.approx(10.0)  # horizontal chords, 10 columns x 1 mm


LM = Landmarks(apex=(5, 10), hinge_a=(0, 0), hinge_b=(10, 0), w1=(0, 5), w2=(10, 5))


@pytest.mark.parametrize(
    ("contour", "message"),
    [
        ([(0, 0), (1, 1)], "at least 3 distinct points"),
        ([(0, 0), (1, 1), (0, 0), (1, 1)], "at least 3 distinct points"),
        ([(0, 0), (1, 1), (2, 2), (3, 3)], "encloses no area"),
        ([(0, 0), (10, 10), (10, 0), (0, 10)], r"crosses itself \(near pixel \(5.0, 5.0\)\)"),
        ([(0, 0), (4, 0), (4, 4), (2, 0), (0, 4)], "crosses itself"),
        ([(0, 0), (1, math.nan), (2, 0)], "without a valid position"),
        ([1, 2, 3], "list of \\(x, y\\) points"),
    ],
)
def test_degenerate_contours_are_rejected(contour, message):
    with pytest.raises(GeometryError, match=message):
        contour_measure(contour, LM, Spacing.isotropic(1.0))


def test_polygon_with_a_hole_is_rejected():
    ring = Polygon([(0, 0), (9, 0), (9, 9), (0, 9)], [[(3, 3), (6, 3), (6, 6), (3, 6)]])
    with pytest.raises(GeometryError, match="without holes"):
        contour_measure(ring, LM, Spacing.isotropic(1.0))


def test_zero_length_axis_is_rejected():
    with pytest.raises(GeometryError, match="zero length"):
        contour_measure([(0, 0), (4, 0), (0, 4)], LM.replace(apex=(5, 0)), Spacing.isotropic(1.0))


def shapely_widest_chord_mm(polygon_mm, levels, u, n, reach):
    """Oracle: the longest single intersection piece of perpendicular lines, via shapely."""
    best = 0.0
    for a in levels:
        centre = np.multiply(u, a)
        line = LineString([centre - np.multiply(n, reach), centre + np.multiply(n, reach)])
        piece = shapely.line_merge(line.intersection(polygon_mm))
        parts = piece.geoms if hasattr(piece, "geoms") else [piece]
        best = max([best, *(p.length for p in parts if isinstance(p, LineString))])
    return best


@st.composite
def star_polygons(draw):
    """Simple polygons: vertices at increasing angles around the origin, random radii (mm)."""
    count = draw(st.integers(3, 30))
    radii = draw(st.lists(st.floats(3.0, 60.0), min_size=count, max_size=count))
    gaps = draw(st.lists(st.floats(0.2, 1.0), min_size=count, max_size=count))
    angles = np.cumsum(gaps) / np.sum(gaps) * 2 * np.pi
    return np.stack([np.cos(angles) * radii, np.sin(angles) * radii], axis=1)


@settings(max_examples=60)
@given(star_polygons(), st.floats(-math.pi, math.pi), st.floats(0.5, 2.0), st.floats(0.5, 2.0))
def test_widest_chord_matches_a_shapely_sweep(points_mm, angle, row_mm, col_mm):
    spacing = Spacing(row_mm, col_mm)
    u = np.array([math.cos(angle), math.sin(angle)])
    n = np.array([-u[1], u[0]])
    # Axis through the origin: M at -70 u, apex at +70 u (hinges across it).
    lm = Landmarks(
        *(
            spacing.to_px(tuple(p))
            for p in (70 * u, -70 * u + 5 * n, -70 * u - 5 * n, 3 * n, -3 * n)
        )
    )
    contour_px = [spacing.to_px(tuple(p)) for p in points_mm]
    out = contour_measure(contour_px, lm, spacing)
    polygon_mm = Polygon(points_mm)
    vertex_levels = (points_mm @ u + 70.0).tolist()
    # Just off each vertex level (open chords), plus a dense sweep, in M-origin levels.
    levels = [v + d for v in vertex_levels for d in (-1e-9, 1e-9)]
    levels += np.linspace(min(vertex_levels), max(vertex_levels), 400).tolist()
    oracle = shapely_widest_chord_mm(polygon_mm, np.array(levels) - 70.0, u, n, 200.0)
    assert out.width_mm == pytest.approx(oracle, rel=1e-6, abs=1e-6)
    a_mm, b_mm = (np.array(spacing.to_mm(p)) for p in out.chord)
    assert abs((b_mm - a_mm) @ u) < 1e-9 * out.width_mm  # perpendicular in mm
    assert shapely.covers(polygon_mm.buffer(1e-9), LineString([a_mm, b_mm]))
