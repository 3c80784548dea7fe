"""widest_width_from_image(): recovers the cavity's widest width from synthetic images."""

import math

import numpy as np
import pytest

from core.geometry import GeometryError, Landmarks, Spacing, measure, widest_width_from_image
from core.geometry.profile import bilinear


def ellipse_image(shape, spacing, centre_mm, a_mm, b_mm, angle, inside=1.0, outside=0.05):
    """Image whose pixels (centres) inside the ellipse are `inside`; semi-axis a along angle."""
    rows, cols = shape
    y, x = np.mgrid[0:rows, 0:cols]
    dx, dy = x * spacing.col_mm - centre_mm[0], y * spacing.row_mm - centre_mm[1]
    c, s = math.cos(angle), math.sin(angle)
    along, across = dx * c + dy * s, -dx * s + dy * c
    mask = (along / a_mm) ** 2 + (across / b_mm) ** 2 <= 1.0
    return np.where(mask, inside, outside), along, across


def major_axis_px(centre_mm, a_mm, angle, spacing, reach=0.95):
    """Apex and hinge points (pixels) of a long axis along the ellipse's major axis."""
    c, s = math.cos(angle), math.sin(angle)
    apex = (centre_mm[0] + reach * a_mm * c, centre_mm[1] + reach * a_mm * s)
    m = (centre_mm[0] - reach * a_mm * c, centre_mm[1] - reach * a_mm * s)
    hinge_a, hinge_b = (m[0] - 4 * s, m[1] + 4 * c), (m[0] + 4 * s, m[1] - 4 * c)
    return tuple(spacing.to_px(p) for p in (apex, hinge_a, hinge_b))


def check_width(result, axis, spacing, expected_mm):
    assert result is not None
    w1, w2 = result
    lm = Landmarks(*axis, w1, w2)
    width_mm = measure(lm, spacing).width_mm  # also validates: the width crosses the axis
    assert abs(width_mm - expected_mm) <= max(spacing.row_mm, spacing.col_mm)  # 1 pixel
    return lm


@pytest.mark.parametrize("angle", [0.0, 0.5, 1.9])
def test_bright_ellipse_gives_its_minor_axis(angle):
    spacing = Spacing.isotropic(1.4)
    centre, a, b = (110.0, 90.0), 45.0, 27.0
    image, _, _ = ellipse_image((128, 160), spacing, centre, a, b, angle)
    axis = major_axis_px(centre, a, angle, spacing)
    lm = check_width(widest_width_from_image(image, *axis, spacing), axis, spacing, 2 * b)
    # The midpoint is on the axis (the ellipse is symmetric about it) near the centre: the
    # width of a pixelated ellipse is flat to a pixel over a few mm around its centre.
    mid = spacing.to_mm(((lm.w1[0] + lm.w2[0]) / 2, (lm.w1[1] + lm.w2[1]) / 2))
    d = np.subtract(mid, centre)
    assert abs(d @ (-math.sin(angle), math.cos(angle))) < spacing.col_mm
    assert abs(d @ (math.cos(angle), math.sin(angle))) < 0.2 * a


def test_anisotropic_spacing_is_handled_in_mm():
    spacing = Spacing(row_mm=1.2, col_mm=1.9)
    centre, a, b, angle = (150.0, 120.0), 46.0, 25.0, 0.9
    image, _, _ = ellipse_image((200, 160), spacing, centre, a, b, angle)
    axis = major_axis_px(centre, a, angle, spacing)
    lm = check_width(widest_width_from_image(image, *axis, spacing), axis, spacing, 2 * b)
    ax = np.subtract(
        spacing.to_mm(lm.apex),
        spacing.to_mm(((axis[1][0] + axis[2][0]) / 2, (axis[1][1] + axis[2][1]) / 2)),
    )
    w = np.subtract(spacing.to_mm(lm.w1), spacing.to_mm(lm.w2))
    assert abs(ax @ w) / (np.linalg.norm(ax) * np.linalg.norm(w)) < 1e-9


def test_cavity_with_wall_neighbours_and_noise():
    # Blood with a 20 % gradient and noise, a 7 mm myocardium ring, bright RV blood and fat
    # beyond it, mid-grey tissue elsewhere: the edge is the blood/myocardium boundary.
    rng = np.random.default_rng(7)
    spacing = Spacing.isotropic(1.5)
    centre, a, b, angle = (120.0, 110.0), 44.0, 24.0, 0.35
    _, along, across = ellipse_image((150, 170), spacing, centre, a, b, angle)
    r_cavity = np.hypot(along / a, across / b)
    r_wall = np.hypot(along / (a + 7), across / (b + 7))
    image = np.full(along.shape, 0.5)
    image[across > b + 7] = 1.1  # right ventricle blood beyond the septum
    image[r_wall <= 1.0] = 0.35
    cavity = r_cavity <= 1.0
    image[cavity] = 0.9 + 0.2 * (along[cavity] + a) / (2 * a)  # coil / flow gradient
    image = image + rng.normal(0.0, 0.04, image.shape)
    axis = major_axis_px(centre, a, angle, spacing)
    check_width(widest_width_from_image(image, *axis, spacing), axis, spacing, 2 * b)


def test_one_level_leak_through_the_wall_is_ignored():
    # A vertical cavity with a 3-pixel channel through its wall (at level 0.5, which the
    # coarse sweep samples) into a closed bright chamber: that one profile runs 72 mm long.
    spacing = Spacing.isotropic(1.0)
    centre, a, b = (60.0, 80.0), 40.0, 20.0
    image, _, _ = ellipse_image((160, 120), spacing, centre, a, b, math.pi / 2)
    image[79:82, 60:105] = 1.0
    image[30:130, 105:112] = 1.0
    axis = major_axis_px(centre, a, math.pi / 2, spacing)
    check_width(widest_width_from_image(image, *axis, spacing), axis, spacing, 2 * b)


def test_nothing_sensible_gives_none():
    spacing = Spacing.isotropic(1.0)
    flat = np.full((100, 100), 0.7)
    axis = ((50.0, 10.0), (45.0, 90.0), (55.0, 90.0))
    assert widest_width_from_image(flat, *axis, spacing) is None
    bright_to_edge = np.ones((100, 100))
    bright_to_edge[:, :30] = 0.0  # closed on one side only
    assert widest_width_from_image(bright_to_edge, *axis, spacing) is None
    dark_axis, _, _ = ellipse_image((100, 100), spacing, (20.0, 50.0), 10.0, 8.0, 0.0)
    assert widest_width_from_image(dark_axis, *axis, spacing) is None  # cavity not on the axis


def test_rejects_non_2d_pixels_and_zero_axis():
    with pytest.raises(GeometryError, match="2-D image"):
        widest_width_from_image(np.zeros((4, 4, 3)), (1, 1), (2, 2), (3, 3), Spacing(1, 1))
    with pytest.raises(GeometryError, match="zero length"):
        widest_width_from_image(np.zeros((4, 4)), (1, 1), (0, 1), (2, 1), Spacing(1, 1))


def test_bilinear_is_exact_on_a_plane_and_nan_off_the_image():
    y, x = np.mgrid[0:5, 0:7]
    plane = 2.0 * x + 3.0 * y + 1.0
    xs = np.array([0.0, 2.25, 5.9, 6.0, -0.5, 6.5, -0.6, 3.0])
    ys = np.array([0.0, 1.5, 3.1, 4.0, 2.0, 4.5, 1.0, 4.6])
    out = bilinear(plane, xs, ys)
    expected = 2.0 * xs[:4] + 3.0 * ys[:4] + 1.0
    assert out[:4] == pytest.approx(expected)
    assert out[4] == pytest.approx(plane[2, 0]) and out[5] == pytest.approx(plane[4, 6])
    assert np.isnan(out[6:]).all()
