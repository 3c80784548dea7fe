"""Is a reading anatomically plausible: annulus, long axis and SI within the ranges of real hearts.

The one home of these limits: `import-masks` refuses to store a reading from a label map that
fails them, and the window warns (without blocking) when a person saves one.
"""

from __future__ import annotations

from core.geometry import Landmarks, Spacing, distance_mm, measure

# Mitral annulus in a long-axis view is about 20-35 mm in adults; the limits leave room for
# small and dilated hearts but not for hinge points a few mm apart or across the ventricle.
ANNULUS_MM = (15.0, 50.0)
LONG_AXIS_MM = (40.0, 140.0)  # apex to the hinge midpoint
SI_RANGE = (0.3, 1.0)


def plausibility_problems(landmarks: Landmarks, spacing: Spacing) -> list[str]:
    """Plain-language reasons why a reading is implausible; [] when it is within every range.

    Degenerate landmarks raise GeometryError (from core.geometry.measure), as everywhere else.
    """
    m = measure(landmarks, spacing)
    annulus_mm = distance_mm(landmarks.hinge_a, landmarks.hinge_b, spacing)
    checks = (
        ("mitral annulus (hinge A to B)", annulus_mm, ANNULUS_MM, " mm"),
        ("long axis", m.length_mm, LONG_AXIS_MM, " mm"),
        ("SI", m.si, SI_RANGE, ""),
    )
    problems = []
    for name, value, (low, high), unit in checks:
        if not low <= value <= high:
            side = "under" if value < low else "over"
            limit = low if value < low else high
            problems.append(f"{name} {value:.{_digits(unit)}f}{unit} is {side} {limit:g}{unit}")
    return problems


def limits_text() -> str:
    """The limits in words, for help texts: 'annulus 15-50 mm, long axis 40-140 mm, SI 0.3-1'."""
    return (
        f"annulus {ANNULUS_MM[0]:g}-{ANNULUS_MM[1]:g} mm, "
        f"long axis {LONG_AXIS_MM[0]:g}-{LONG_AXIS_MM[1]:g} mm, SI {SI_RANGE[0]:g}-{SI_RANGE[1]:g}"
    )


def _digits(unit: str) -> int:
    return 1 if unit else 2
