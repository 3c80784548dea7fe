"""Property tests of storage: exact round trips, and version semantics equal to a model dict."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from store_helpers import SPACING, frame

from core.geometry import GeometryError, Landmarks, measure
from core.store import ConflictError, Project, StoreError

SIDE = 64


@st.composite
def valid_landmarks(draw):
    """Landmarks on a 64x64 frame with arbitrary float coordinates and a crossing width."""
    angle = draw(st.floats(0, 2 * math.pi))
    ux, uy = math.cos(angle), math.sin(angle)
    mx, my = draw(st.floats(22, 42)), draw(st.floats(22, 42))
    length = draw(st.floats(6, 18))
    half_hinge, hinge_angle = draw(st.floats(1, 8)), draw(st.floats(0, math.pi))
    hx, hy = half_hinge * math.cos(hinge_angle), half_hinge * math.sin(hinge_angle)
    level = draw(st.floats(0.1, 0.9))
    px, py = mx + level * length * ux, my + level * length * uy
    s1, s2 = draw(st.floats(0.5, 12)), draw(st.floats(0.5, 12))
    landmarks = Landmarks(
        apex=(mx + length * ux, my + length * uy),
        hinge_a=(mx + hx, my + hy),
        hinge_b=(mx - hx, my - hy),
        w1=(px - s1 * uy, py + s1 * ux),
        w2=(px + s2 * uy, py - s2 * ux),
    )
    try:
        measure(landmarks, SPACING, shape=(SIDE, SIDE))
    except GeometryError:
        assume(False)
    return landmarks


def test_random_landmarks_round_trip_exactly(project_url):
    with Project.create(project_url) as project:
        series = project.add_series("s")
        image, _ = project.add_image(
            series, frame(1, shape=(SIDE, SIDE)), frame_index=0, spacing=SPACING
        )
        names = itertools.count()

        @given(landmarks=valid_landmarks(), note=st.text(max_size=30))
        @settings(max_examples=60)
        def check(landmarks, note):
            annotator = project.ensure_annotator(f"reader {next(names)}")
            if "\x00" in note:  # PostgreSQL cannot store NUL: every backend refuses it alike
                with pytest.raises(StoreError, match="NUL"):
                    project.save_reading(image, annotator, landmarks, note=note)
                assert project.reading(image, annotator) is None
                return
            project.save_reading(image, annotator, landmarks, note=note)
            stored = project.reading(image, annotator)
            assert stored.landmarks == landmarks  # bit-exact floats
            assert stored.note == note
            assert stored.si == measure(landmarks, SPACING).si

        check()


pixel_arrays = hnp.arrays(
    dtype=st.sampled_from([np.uint8, np.uint16, np.int16, np.float32]),
    shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=16),
)


def test_random_pixels_round_trip_exactly(project_url):
    with Project.create(project_url) as project:
        series = project.add_series("s")

        @given(pixels=pixel_arrays)
        @settings(max_examples=80)
        def check(pixels):
            image, _ = project.add_image(series, pixels, frame_index=0, spacing=None)
            back = project.pixels(image)
            assert back.dtype == pixels.dtype and back.shape == pixels.shape
            assert back.tobytes() == pixels.tobytes()  # NaN payloads and -0.0 included

        check()


# One save: (image 0/1, annotator 0/1, which expected_version to send, width shift).
operations = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.integers(0, 1),
        st.sampled_from(["none", "current", "stale", "ahead"]),
        st.floats(0, 2),
    ),
    max_size=15,
)


def _expected(kind: str, version: int | None) -> int | None:
    if kind == "none":
        return None
    if kind == "current":
        return version
    if kind == "stale":
        return None if version is None else version - 1 or None
    return (version or 0) + 1


def test_random_save_sequences_behave_like_a_model_dict(project_url):
    from store_helpers import landmarks

    with Project.create(project_url) as project:
        readers = [project.ensure_annotator(n) for n in ("a", "b")]
        series = project.add_series("s")
        seeds = itertools.count(100)

        @given(ops=operations)
        @settings(max_examples=40)
        def check(ops):
            images = [
                project.add_image(series, frame(next(seeds)), frame_index=0, spacing=SPACING)[0]
                for _ in range(2)
            ]
            model: dict[tuple[int, int], tuple[int, Landmarks]] = {}
            for image_index, reader_index, kind, shift in ops:
                key = (images[image_index], readers[reader_index])
                version = model[key][0] if key in model else None
                expected = _expected(kind, version)
                lm = landmarks(shift)
                try:
                    saved = project.save_reading(*key, lm, expected_version=expected)
                except ConflictError as exc:
                    assert expected != version
                    assert (None if exc.stored is None else exc.stored.version) == version
                    continue
                assert expected == version
                assert saved.version == (version or 0) + 1
                model[key] = (saved.version, lm)
            stored = {
                (r.image_id, r.annotator_id): (r.version, r.landmarks)
                for image in images
                for r in project.readings_for_image(image)
            }
            assert stored == model

        check()


def test_nul_in_a_note_or_a_name_is_refused_on_every_backend(project_url):
    landmarks = Landmarks(
        apex=(32, 10), hinge_a=(26, 50), hinge_b=(38, 50), w1=(24, 30), w2=(40, 30)
    )
    with Project.create(project_url) as project:
        series = project.add_series("s")
        image, _ = project.add_image(
            series, frame(1, shape=(SIDE, SIDE)), frame_index=0, spacing=SPACING
        )
        with pytest.raises(StoreError, match="name contains a NUL"):
            project.ensure_annotator("reader\x00")
        reader = project.ensure_annotator("reader", role="reviewer")
        saved = project.save_reading(image, reader, landmarks, note="fine")
        with pytest.raises(StoreError, match="note contains a NUL"):
            project.set_reading_status(
                saved.id, "approved", by_annotator_id=reader, note="a\x00", expected_version=1
            )
        stored = project.reading(image, reader)
        assert (stored.status, stored.note, stored.version) == ("draft", "fine", 1)
