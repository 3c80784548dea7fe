"""The repository API: images and pixels, readings with versions and audit, filters, runs."""

import math

import numpy as np
import pytest
from store_helpers import SPACING, frame, landmarks

from core.geometry import GeometryError, Spacing, contour_measure, measure
from core.store import ConflictError, ImageFilter, NotFoundError, StoreError


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.float32])
def test_pixels_round_trip_exactly(project, dtype):
    series = project.add_series("s")
    pixels = (np.arange(16 * 12).reshape(16, 12) * 7 - 300).astype(dtype)
    image, created = project.add_image(series, pixels, frame_index=0, spacing=None)
    assert created
    back = project.pixels(image)
    assert back.dtype == np.dtype(dtype) and back.shape == (16, 12)
    assert np.array_equal(back, pixels)
    back[0, 0] = 1  # a caller may draw on its copy
    info = project.image(image)
    assert info.shape == (16, 12) and info.spacing is None and info.dtype == np.dtype(dtype).str


def test_big_endian_and_non_contiguous_pixels_are_stored_canonically(project):
    series = project.add_series("s")
    pixels = np.arange(64, dtype=">u2").reshape(8, 8)
    image, _ = project.add_image(series, pixels, frame_index=0, spacing=None)
    assert np.array_equal(project.pixels(image), pixels)
    # the same values, little-endian and as a transposed view, are the same image
    same = np.ascontiguousarray(pixels.astype("<u2").T).T
    assert project.add_image(series, same, frame_index=0, spacing=None) == (image, False)


def test_identical_pixels_are_stored_once(filled):
    project, _, series, images = filled
    again, created = project.add_image(series, frame(0), frame_index=0, spacing=SPACING)
    assert (again, created) == (images[0], False)
    other_series = project.add_series("series-2")
    copy, created = project.add_image(other_series, frame(0), frame_index=0, spacing=SPACING)
    assert (copy, created) == (images[0], False)  # the same frame from another file
    assert project.count_images() == 3
    # ...but within one cine, the same pixels at another frame are a frame of their own
    still, created = project.add_image(series, frame(0), frame_index=9, spacing=SPACING)
    assert created and still not in images
    assert project.add_image(series, frame(0), frame_index=9, spacing=SPACING) == (still, False)
    # same bytes as another dtype or shape are a different image
    other, created = project.add_image(series, frame(0).view(np.int16), frame_index=9, spacing=None)
    assert created and other not in images


def test_images_must_be_2d_numbers(project):
    series = project.add_series("s")
    with pytest.raises(StoreError, match="2-D"):
        project.add_image(series, np.zeros((2, 2, 3)), frame_index=0, spacing=None)
    with pytest.raises(StoreError, match="cannot be stored"):
        project.add_image(series, np.array([["a"]]), frame_index=0, spacing=None)
    with pytest.raises(NotFoundError):
        project.add_image(999, frame(1), frame_index=0, spacing=None)


def test_image_metadata(project):
    series = project.add_series("cine", subject_key="subj", view="4CH", frame_interval_ms=33.0)
    image, _ = project.add_image(
        series,
        frame(5),
        frame_index=4,
        spacing=Spacing(1.7, 1.6),
        view="4CH",
        source="synthetic",
        is_es=True,
        window=(400.0, 800.0),
        frame_time_ms=132.0,
    )
    info = project.image(image)
    assert (info.series_key, info.frame_index, info.view, info.source) == (
        "cine",
        4,
        "4CH",
        "synthetic",
    )
    assert info.spacing == Spacing(1.7, 1.6)
    assert info.window == (400.0, 800.0) and info.frame_time_ms == 132.0
    assert info.is_es and not info.is_ed and info.split is None
    assert len(info.content_hash) == 64
    assert project.add_series("cine") == series  # get-or-create by key
    with pytest.raises(NotFoundError):
        project.image(12345)
    with pytest.raises(StoreError, match="view"):
        project.add_series("x", view="sideways")


def test_ed_and_es_flags_are_one_per_series(filled):
    project, _, _, images = filled
    project.set_ed(images[0])
    project.set_ed(images[2])
    project.set_es(images[1])
    flags = {i.id: (i.is_ed, i.is_es) for i in project.list_images()}
    assert flags == {images[0]: (False, False), images[1]: (False, True), images[2]: (True, False)}
    other = project.add_series("other")
    extra, _ = project.add_image(other, frame(50), frame_index=0, spacing=None, is_ed=True)
    assert project.image(images[2]).is_ed and project.image(extra).is_ed


def test_split_and_listing_filters(filled):
    project, alice, series, images = filled
    bob = project.ensure_annotator("bob", role="reviewer")
    project.set_split({images[0]: "train", images[1]: "val"})
    project.set_ed(images[2])
    project.save_reading(images[0], alice, landmarks(), status="submitted")
    project.save_reading(images[1], alice, landmarks())
    project.save_reading(images[1], bob, landmarks(), status="approved")

    def ids(**kw):
        return [i.id for i in project.list_images(ImageFilter(**kw))]

    assert ids(split="train") == [images[0]]
    assert ids(ed_only=True) == [images[2]]
    assert ids(has_reading_by=alice) == images[:2]
    assert ids(needs_reading_by=alice) == images[1:]  # image 1 holds only a draft
    assert ids(status="approved") == [images[1]]
    assert ids(status=["approved", "submitted"]) == images[:2]
    assert ids(series_id=series, image_ids=[images[2], images[0]]) == [images[0], images[2]]
    assert ids(source="real") == []
    assert project.count_images(ImageFilter(has_reading_by=alice)) == 2
    assert [i.id for i in project.list_images(order_by="-id", limit=2)] == images[:0:-1]
    assert [i.id for i in project.list_images(offset=1, limit=1)] == [images[1]]
    with pytest.raises(StoreError, match="order"):
        project.list_images(order_by="pixels")
    with pytest.raises(StoreError, match="split"):
        project.set_split({images[0]: "holdout"})


def test_annotators_keep_their_role(project):
    alice = project.ensure_annotator("alice", role="clinician")
    assert project.ensure_annotator(" alice ") == alice
    assert project.annotators() == [(alice, "alice", "clinician")]
    with pytest.raises(StoreError, match="role"):
        project.ensure_annotator("eve", role="boss")


def test_save_reading_derives_si_with_anisotropic_spacing(filled):
    project, alice, _, images = filled
    saved = project.save_reading(images[0], alice, landmarks(), note="first")
    expected = measure(landmarks(), SPACING)
    assert saved.si == pytest.approx(expected.si, rel=1e-12)
    assert saved.length_mm == pytest.approx(expected.length_mm)
    assert saved.width_mm == pytest.approx(expected.width_mm)
    assert (saved.version, saved.status, saved.note, saved.annotator_name) == (
        1,
        "draft",
        "first",
        "alice",
    )
    assert project.reading(images[0], alice) == saved


def test_unknown_spacing_gives_si_without_lengths(project):
    alice = project.ensure_annotator("alice")
    image, _ = project.add_image(project.add_series("s"), frame(3), frame_index=0, spacing=None)
    saved = project.save_reading(image, alice, landmarks())
    assert saved.length_mm is None and saved.width_mm is None
    assert saved.si == pytest.approx(measure(landmarks(), Spacing(1.0, 1.0)).si)


def test_contour_sis_are_stored_under_their_own_names(filled):
    project, alice, _, images = filled
    contour = [
        (8 + 5 * math.cos(t), 8 + 6 * math.sin(t)) for t in np.linspace(0, 2 * math.pi, 40)[:-1]
    ]
    saved = project.save_reading(images[0], alice, landmarks(), contour=contour)
    cm = contour_measure(contour, landmarks(), SPACING)
    assert saved.si_volumetric == pytest.approx(cm.si_volumetric)
    assert saved.si_contour == pytest.approx(cm.width_mm / saved.length_mm)
    assert saved.contour == contour


def test_versions_conflicts_and_audit(filled):
    project, alice, _, images = filled
    bob = project.ensure_annotator("bob", role="reviewer")
    first = project.save_reading(images[0], alice, landmarks())
    with pytest.raises(ConflictError) as caught:
        project.save_reading(images[0], alice, landmarks(1.0))  # must not exist yet
    assert caught.value.stored == first
    second = project.save_reading(images[0], alice, landmarks(1.0), expected_version=1)
    assert second.version == 2 and second.si > first.si
    with pytest.raises(ConflictError, match="expected 1") as caught:
        project.save_reading(images[0], alice, landmarks(0.5), expected_version=1)
    assert caught.value.stored == second
    with pytest.raises(ConflictError):
        project.save_reading(images[1], alice, landmarks(), expected_version=3)
    assert project.reading(images[1], alice) is None
    reviewed = project.set_reading_status(
        second.id, "approved", by_annotator_id=bob, note="ok", expected_version=2
    )
    assert (reviewed.status, reviewed.note, reviewed.version) == ("approved", "ok", 3)
    with pytest.raises(ConflictError):
        project.set_reading_status(second.id, "rejected", by_annotator_id=bob, expected_version=2)
    log = project.audit(second.id)
    assert [(e.action, e.who) for e in log] == [
        ("create", "alice"),
        ("update", "alice"),
        ("status", "bob"),
    ]
    assert log[0].before is None and log[1].before == log[0].after
    assert log[2].after["status"] == "approved" and log[2].after["version"] == 3
    assert project.reading(images[0], alice).landmarks == landmarks(1.0)


def test_degenerate_landmarks_store_nothing(filled):
    project, alice, _, images = filled
    bad = landmarks().replace(w2=landmarks().w1)
    with pytest.raises(GeometryError):
        project.save_reading(images[0], alice, bad)
    off_image = landmarks().replace(apex=(8.0, -5.0))
    with pytest.raises(GeometryError):
        project.save_reading(images[0], alice, off_image)
    assert project.readings() == [] and project.audit() == []


def test_unknown_ids_and_statuses(filled):
    project, alice, _, images = filled
    with pytest.raises(NotFoundError):
        project.save_reading(999, alice, landmarks())
    with pytest.raises(NotFoundError):
        project.save_reading(images[0], 999, landmarks())
    with pytest.raises(StoreError, match="status"):
        project.save_reading(images[0], alice, landmarks(), status="final")


def test_reference_si(filled):
    project, alice, _, images = filled
    bob = project.ensure_annotator("bob")
    a = project.save_reading(images[0], alice, landmarks(), status="approved")
    b = project.save_reading(images[0], bob, landmarks(1.0), status="submitted")
    project.save_reading(images[1], alice, landmarks(), status="draft")
    assert project.reference_si(images[0]) == pytest.approx(a.si)
    assert project.reference_si(images[0], include_submitted=True) == pytest.approx(
        (a.si + b.si) / 2
    )
    assert project.reference_si(images[1]) is None
    assert project.reference_si_map() == {images[0]: pytest.approx(a.si)}
    assert set(project.reference_si_map(include_submitted=True)) == {images[0]}
    assert [r.status for r in project.readings(["approved", "submitted"])] == [
        "approved",
        "submitted",
    ]
    assert len(project.readings_for_image(images[0])) == 2


def test_suggested_is_kept(filled):
    project, alice, _, images = filled
    suggestion = {"run_id": 3, "accepted": ["apex", "w1"]}
    saved = project.save_reading(images[0], alice, landmarks(), suggested=suggestion)
    assert project.reading(images[0], alice).suggested == suggestion == saved.suggested


def test_transaction_rolls_back_on_error(filled):
    project, alice, _, images = filled
    with pytest.raises(RuntimeError), project.transaction() as repo:
        repo.save_reading(images[0], alice, landmarks())
        raise RuntimeError("user cancelled")
    assert project.reading(images[0], alice) is None


def test_runs_and_predictions(filled):
    project, _, _, images = filled
    run = project.add_run({"lr": 1e-4}, device="cpu", data_snapshot={"images": images})
    project.update_run(
        run, status="done", metrics={"mse": 0.01}, duration_s=2.5, model_si_kind="both"
    )
    info = project.run(run)
    assert (info.status, info.metrics, info.duration_s, info.config) == (
        "done",
        {"mse": 0.01},
        2.5,
        {"lr": 1e-4},
    )
    rows = [
        {
            "image_id": i,
            "si_regression": 0.5 + i / 100,
            "si_landmarks": 0.6,
            "landmarks": {"apex": [1, 2]},
            "confidence": {"apex": 0.9},
        }
        for i in images
    ]
    project.save_predictions(run, rows)
    project.save_predictions(run, [{"image_id": images[0], "si_regression": 0.7}])
    predicted = project.predictions(run)
    assert (
        predicted[images[0]]["si_regression"] == 0.7 and predicted[images[0]]["landmarks"] is None
    )
    assert predicted[images[1]]["confidence"] == {"apex": 0.9}
    with pytest.raises(StoreError, match="unknown prediction fields"):
        project.save_predictions(run, [{"image_id": images[0], "si": 1.0}])
    # a row read back carries its score; saved again (changed), the score is recomputed
    read_back = {**predicted[images[1]], "image_id": images[1], "si_landmarks": 0.9}
    stale = read_back["acquisition"]
    project.save_predictions(run, [{**read_back, "acquisition": {"score": -1.0}}])
    fresh = project.predictions(run)[images[1]]["acquisition"]
    assert fresh["score"] != -1.0 and fresh["score"] > stale["score"]  # the heads now disagree
    assert [r.id for r in project.runs()] == [run]
    project.delete_run(run)
    assert project.runs() == [] and project.predictions(run) == {}
    with pytest.raises(NotFoundError):
        project.run(run)


def test_settings_and_secret(project):
    assert len(project.secret) == 64
    assert project.get_setting("missing", 7) == 7
    project.set_setting("browser", {"page": 2, "filters": ["ed"]})
    project.set_setting("browser", {"page": 3})
    assert project.get_setting("browser") == {"page": 3}


def test_listing_never_reads_pixel_blobs(filled):
    from sqlalchemy import event

    project, alice, _, images = filled
    project.save_reading(images[0], alice, landmarks())
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(project._engine, "before_cursor_execute", record)
    try:
        project.list_images(ImageFilter(has_reading_by=alice, status="draft"))
        project.count_images(ImageFilter(needs_reading_by=alice))
        project.image(images[1])
    finally:
        event.remove(project._engine, "before_cursor_execute", record)
    assert statements and not any("image_pixels" in s for s in statements)
    project.pixels(images[1])  # the one call that does read a blob


def test_audit_records_which_suggested_points_were_accepted(filled):
    project, alice, _, images = filled
    record = {"run_id": 1, "landmarks": landmarks().to_dict(), "points": {"apex": True}}
    saved = project.save_reading(images[0], alice, landmarks(), suggested=record)
    moved = {**record, "points": {"apex": False}}
    project.save_reading(images[0], alice, landmarks(1.0), expected_version=1, suggested=moved)
    log = project.audit(saved.id)
    assert log[0].after["suggested"]["points"] == {"apex": True}
    assert log[1].before["suggested"]["points"] == {"apex": True}
    assert log[1].after["suggested"]["points"] == {"apex": False}
