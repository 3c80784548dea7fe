"""Plain, immutable records the store hands out (no session attached, safe across threads)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from core.geometry import Landmarks, Point, Spacing
from core.store.models import Image, Reading, Run
from core.vocab import ReadingStatus, RunStatus, Source, Split, View


@dataclass(frozen=True)
class ImageInfo:
    """What is known about one image, without its pixels."""

    id: int
    series_id: int
    series_key: str
    frame_index: int
    shape: tuple[int, int]  # (rows, cols)
    dtype: str
    spacing: Spacing | None  # None: spacing unknown
    view: View
    is_ed: bool
    is_es: bool
    source: Source
    split: Split | None
    content_hash: str
    window: tuple[float, float] | None  # (center, width)
    frame_time_ms: float | None


@dataclass(frozen=True)
class ReadingInfo:
    """One reading as stored. length_mm/width_mm are None when the image's spacing is unknown
    (si then assumes square pixels)."""

    id: int
    image_id: int
    annotator_id: int
    annotator_name: str
    landmarks: Landmarks
    contour: list[Point] | None
    length_mm: float | None
    width_mm: float | None
    si: float
    si_contour: float | None
    si_volumetric: float | None
    status: ReadingStatus
    note: str
    version: int
    created_at: datetime
    updated_at: datetime
    suggested: dict | None


@dataclass(frozen=True)
class ImageFilter:
    """Filters of the image browser; every field is optional and they combine with AND.

    needs_reading_by: images where that annotator has no reading yet, or only a draft or a
    rejected one. status: images with at least one reading in that status (or any of several).
    """

    series_id: int | None = None
    source: Source | None = None
    split: Split | None = None
    ed_only: bool = False
    has_reading_by: int | None = None
    needs_reading_by: int | None = None
    status: ReadingStatus | Collection[ReadingStatus] | None = None
    image_ids: Collection[int] | None = None


@dataclass(frozen=True)
class RunInfo:
    """One training run."""

    id: int
    created_at: datetime
    status: RunStatus
    config: dict
    data_snapshot: dict
    metrics: dict | None
    device: str
    checkpoint_path: str | None
    duration_s: float | None
    code_version: str
    model_si_kind: str | None


@dataclass(frozen=True)
class AuditEntry:
    """One row of the append-only reading log."""

    id: int
    reading_id: int
    who: str
    who_id: int
    at: datetime
    action: str  # "create", "update" or "status"
    before: dict | None
    after: dict | None


def aware(moment: datetime) -> datetime:
    """Stored times are naive UTC; hand them out zone-aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def image_info(image: Image, series_key: str) -> ImageInfo:
    spacing = None
    if image.spacing_row_mm is not None and image.spacing_col_mm is not None:
        spacing = Spacing(image.spacing_row_mm, image.spacing_col_mm)
    window = None
    if image.window_center is not None and image.window_width is not None:
        window = (image.window_center, image.window_width)
    return ImageInfo(
        id=image.id,
        series_id=image.series_id,
        series_key=series_key,
        frame_index=image.frame_index,
        shape=(image.rows, image.cols),
        dtype=image.dtype,
        spacing=spacing,
        view=cast(View, image.view),
        is_ed=bool(image.is_ed),
        is_es=bool(image.is_es),
        source=cast(Source, image.source),
        split=cast(Split | None, image.split),
        content_hash=image.content_hash,
        window=window,
        frame_time_ms=image.frame_time_ms,
    )


def reading_info(reading: Reading, annotator_name: str) -> ReadingInfo:
    contour = None
    if reading.contour is not None:
        contour = [(float(x), float(y)) for x, y in reading.contour]
    return ReadingInfo(
        id=reading.id,
        image_id=reading.image_id,
        annotator_id=reading.annotator_id,
        annotator_name=annotator_name,
        landmarks=Landmarks.from_dict(reading.landmarks),
        contour=contour,
        length_mm=reading.length_mm,
        width_mm=reading.width_mm,
        si=reading.si,
        si_contour=reading.si_contour,
        si_volumetric=reading.si_volumetric,
        status=cast(ReadingStatus, reading.status),
        note=reading.note,
        version=reading.version,
        created_at=aware(reading.created_at),
        updated_at=aware(reading.updated_at),
        suggested=reading.suggested,
    )


def run_info(run: Run) -> RunInfo:
    return RunInfo(
        id=run.id,
        created_at=aware(run.created_at),
        status=cast(RunStatus, run.status),
        config=run.config,
        data_snapshot=run.data_snapshot,
        metrics=run.metrics,
        device=run.device,
        checkpoint_path=run.checkpoint_path,
        duration_s=run.duration_s,
        code_version=run.code_version,
        model_si_kind=run.model_si_kind,
    )


def reading_state(reading: Reading) -> dict[str, Any]:
    """The audited part of a reading, as JSON."""
    return {
        "landmarks": reading.landmarks,
        "contour": reading.contour,
        "si": reading.si,
        "status": reading.status,
        "note": reading.note,
        "version": reading.version,
        # which points came from a model suggestion and were accepted unchanged
        "suggested": reading.suggested,
    }
