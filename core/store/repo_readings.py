"""Repository part for readings: saving with optimistic concurrency, status changes, audit, SI."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.geometry import UNKNOWN_SPACING, GeometryError, Landmarks, Point, Spacing, measure
from core.reference import reference_statuses
from core.store.errors import ConflictError, NotFoundError, StoreError, check_text
from core.store.models import STATUSES, Annotator, Image, Reading, ReadingAudit, utcnow
from core.store.records import AuditEntry, ReadingInfo, aware, reading_info, reading_state
from core.vocab import ReadingStatus


@dataclass(frozen=True)
class _Derived:
    length_mm: float | None
    width_mm: float | None
    si: float
    si_contour: float | None
    si_volumetric: float | None


def derive(image: Image, landmarks: Landmarks, contour: Sequence[Point] | None) -> _Derived:
    """SI (and contour SIs) of landmarks on an image; GeometryError when degenerate."""
    row_mm, col_mm = image.spacing_row_mm, image.spacing_col_mm
    known = row_mm is not None and col_mm is not None
    spacing = UNKNOWN_SPACING
    if row_mm is not None and col_mm is not None:
        spacing = Spacing(row_mm, col_mm)
    m = measure(landmarks, spacing, shape=(image.rows, image.cols))
    si_contour = si_volumetric = None
    if contour is not None:
        from core.geometry import contour_measure  # imported here: only contour saves need it

        cm = contour_measure(list(contour), landmarks, spacing)
        si_contour, si_volumetric = cm.width_mm / m.length_mm, cm.si_volumetric
    return _Derived(
        length_mm=m.length_mm if known else None,
        width_mm=m.width_mm if known else None,
        si=m.si,
        si_contour=si_contour,
        si_volumetric=si_volumetric,
    )


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise StoreError(f"reading status must be one of {', '.join(STATUSES)}; got {status!r}")


def _contour_json(contour: Sequence[Point] | None) -> list[list[float]] | None:
    if contour is None:
        return None
    points = [[float(x), float(y)] for x, y in contour]
    if not all(math.isfinite(v) for p in points for v in p):
        raise GeometryError("the contour has a point that is not a finite number")
    return points


class ReadingsMixin:
    session: Session

    def save_reading(
        self,
        image_id: int,
        annotator_id: int,
        landmarks: Landmarks,
        *,
        contour: Sequence[Point] | None = None,
        status: ReadingStatus = "draft",
        note: str = "",
        expected_version: int | None = None,
        suggested: dict | None = None,
    ) -> ReadingInfo:
        """Create or update one annotator's reading of an image; returns it as stored.

        The save is the reading's full state: every field (contour, note, suggested included) is
        replaced. expected_version None: the reading must not exist yet; otherwise it must be
        the stored version; anything else raises ConflictError carrying the stored reading. The
        SI is derived here (GeometryError for degenerate landmarks, and nothing is stored). The
        version goes up by one and an audit row records before and after.
        """
        _check_status(status)
        check_text(note, "the note")
        image = self.session.get(Image, image_id)
        if image is None:
            raise NotFoundError(f"image {image_id} does not exist")
        name = self._annotator_name(annotator_id)
        derived = derive(image, landmarks, contour)
        reading = self.session.scalar(
            select(Reading).where(
                Reading.image_id == image_id, Reading.annotator_id == annotator_id
            )
        )
        self._check_version(reading, expected_version, name, image_id)
        before = None if reading is None else reading_state(reading)
        if reading is None:
            reading = Reading(image_id=image_id, annotator_id=annotator_id, created_at=utcnow())
            self.session.add(reading)
        reading.landmarks = landmarks.to_dict()
        reading.contour = _contour_json(contour)
        reading.length_mm = derived.length_mm
        reading.width_mm = derived.width_mm
        reading.si = derived.si
        reading.si_contour = derived.si_contour
        reading.si_volumetric = derived.si_volumetric
        reading.status = status
        reading.note = note
        reading.suggested = suggested
        reading.updated_at = utcnow()
        self._flush_reading(reading, name, image_id)
        self._audit(reading, annotator_id, "create" if before is None else "update", before)
        return reading_info(reading, name)

    def set_reading_status(
        self,
        reading_id: int,
        status: ReadingStatus,
        *,
        by_annotator_id: int,
        note: str | None = None,
        expected_version: int,
    ) -> ReadingInfo:
        """Change a reading's status (review); ConflictError if it changed since it was loaded."""
        _check_status(status)
        if note is not None:
            check_text(note, "the note")
        reading = self.session.get(Reading, reading_id)
        if reading is None:
            raise NotFoundError(f"reading {reading_id} does not exist")
        self._annotator_name(by_annotator_id)
        name = self._annotator_name(reading.annotator_id)
        self._check_version(reading, expected_version, name, reading.image_id)
        before = reading_state(reading)
        reading.status = status
        if note is not None:
            reading.note = note
        reading.updated_at = utcnow()
        self._flush_reading(reading, name, reading.image_id)
        self._audit(reading, by_annotator_id, "status", before)
        return reading_info(reading, name)

    def reading(self, image_id: int, annotator_id: int) -> ReadingInfo | None:
        """One annotator's reading of an image, or None."""
        rows = self._reading_rows(
            Reading.image_id == image_id, Reading.annotator_id == annotator_id
        )
        return rows[0] if rows else None

    def readings_for_image(self, image_id: int) -> list[ReadingInfo]:
        """Every reading of an image, by annotator name."""
        return self._reading_rows(Reading.image_id == image_id)

    def readings(self, status: Iterable[ReadingStatus] | None = None) -> list[ReadingInfo]:
        """All readings (optionally only those with the given statuses), by image and annotator."""
        if status is None:
            return self._reading_rows()
        return self._reading_rows(Reading.status.in_(list(status)))

    def audit(self, reading_id: int | None = None) -> list[AuditEntry]:
        """The reading log, oldest first (one reading's, or all)."""
        query = select(ReadingAudit, Annotator.name).join(
            Annotator, Annotator.id == ReadingAudit.annotator_id
        )
        if reading_id is not None:
            query = query.where(ReadingAudit.reading_id == reading_id)
        rows = self.session.execute(query.order_by(ReadingAudit.id))
        return [
            AuditEntry(
                id=row.id,
                reading_id=row.reading_id,
                who=name,
                who_id=row.annotator_id,
                at=aware(row.at),
                action=row.action,
                before=row.before,
                after=row.after,
            )
            for row, name in rows
        ]

    def reference_si(self, image_id: int, include_submitted: bool = False) -> float | None:
        """The training target: mean SI of the image's approved (and submitted) readings."""
        query = select(func.avg(Reading.si)).where(
            Reading.image_id == image_id, Reading.status.in_(reference_statuses(include_submitted))
        )
        value = self.session.scalar(query)
        return None if value is None else float(value)

    def reference_si_map(self, include_submitted: bool = False) -> dict[int, float]:
        """Reference SI of every image that has one."""
        query = (
            select(Reading.image_id, func.avg(Reading.si))
            .where(Reading.status.in_(reference_statuses(include_submitted)))
            .group_by(Reading.image_id)
        )
        return {int(image_id): float(si) for image_id, si in self.session.execute(query)}

    # -- helpers ----------------------------------------------------------------------------

    def _annotator_name(self, annotator_id: int) -> str:
        name = self.session.scalar(select(Annotator.name).where(Annotator.id == annotator_id))
        if name is None:
            raise NotFoundError(f"annotator {annotator_id} does not exist")
        return name

    def _check_version(
        self, reading: Reading | None, expected: int | None, name: str, image_id: int
    ) -> None:
        stored = None if reading is None else reading.version
        if stored == expected:
            return
        stored_info = None if reading is None else reading_info(reading, name)
        if expected is None:
            message = f"{name} already has a reading of image {image_id} (version {stored})"
        elif reading is None:
            message = f"{name}'s reading of image {image_id} no longer exists"
        else:
            message = (
                f"{name}'s reading of image {image_id} changed meanwhile "
                f"(version {stored}, expected {expected})"
            )
        raise ConflictError(message, stored_info)

    def _flush_reading(self, reading: Reading, name: str, image_id: int) -> None:
        # The version check above ran in this transaction, but on PostgreSQL another session may
        # commit in between: the UPDATE ... WHERE version=? or the unique key catches it.
        try:
            self.session.flush()
        except (StaleDataError, IntegrityError) as exc:
            raise ConflictError(
                f"{name}'s reading of image {image_id} was changed by someone else; reload it",
                None,
            ) from exc

    def _audit(
        self, reading: Reading, annotator_id: int, action: str, before: dict[str, Any] | None
    ) -> None:
        self.session.add(
            ReadingAudit(
                reading_id=reading.id,
                annotator_id=annotator_id,
                at=reading.updated_at,
                action=action,
                before=before,
                after=reading_state(reading),
            )
        )
        self.session.flush()

    def _reading_rows(self, *conditions) -> list[ReadingInfo]:
        query = (
            select(Reading, Annotator.name)
            .join(Annotator, Annotator.id == Reading.annotator_id)
            .where(*conditions)
            .order_by(Reading.image_id, Annotator.name)
        )
        return [reading_info(r, name) for r, name in self.session.execute(query)]
