"""The project schema as SQLAlchemy 2.0 typed mappings (the migrations must match it exactly)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.vocab import READING_STATUSES, ROLES, RUN_STATUSES, SOURCES, SPLITS, VIEWS

# Deterministic constraint names: migrations (and SQLite batch moves) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

STATUSES = READING_STATUSES  # the reading statuses, under the store's older name


def utcnow() -> datetime:
    """Now in UTC without tzinfo (SQLite keeps no zone; every stored time is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Setting(Base):
    """Project-wide values (JSON): the pseudonym salt (not the key), creation time, preferences."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class Annotator(Base):
    __tablename__ = "annotators"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="annotator")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Series(Base):
    """One acquisition (a cine), identified by a pseudonymous key."""

    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint(_in("view", VIEWS), name="view"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    subject_key: Mapped[str | None] = mapped_column(String(200), index=True)
    view: Mapped[str] = mapped_column(String(20), default="unknown")
    source: Mapped[str] = mapped_column(String(20), default="real")
    frame_interval_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Image(Base):
    """Metadata of one frame; its pixels live in image_pixels so listing never loads blobs."""

    __tablename__ = "images"
    __table_args__ = (
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint(_in("view", VIEWS), name="view"),
        CheckConstraint(f"split IS NULL OR {_in('split', SPLITS)}", name="split"),
        # Either both spacings are known or neither ("spacing unknown").
        CheckConstraint("(spacing_row_mm IS NULL) = (spacing_col_mm IS NULL)", name="spacing_pair"),
        Index("ix_images_series_id_frame_index", "series_id", "frame_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    frame_index: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    cols: Mapped[int] = mapped_column(Integer)
    dtype: Mapped[str] = mapped_column(String(10))  # numpy dtype.str, little-endian
    spacing_row_mm: Mapped[float | None] = mapped_column(Float)
    spacing_col_mm: Mapped[float | None] = mapped_column(Float)
    view: Mapped[str] = mapped_column(String(20), default="unknown")
    source: Mapped[str] = mapped_column(String(20), default="real", index=True)
    is_ed: Mapped[bool] = mapped_column(default=False, index=True)
    is_es: Mapped[bool] = mapped_column(default=False)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    split: Mapped[str | None] = mapped_column(String(10), index=True)
    window_center: Mapped[float | None] = mapped_column(Float)
    window_width: Mapped[float | None] = mapped_column(Float)
    frame_time_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ImagePixels(Base):
    """The zlib-compressed pixel bytes of one image (C order, dtype and shape in images)."""

    __tablename__ = "image_pixels"

    image_id: Mapped[int] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Reading(Base):
    """One annotator's landmarks (and optional contour) on one image, with derived SI."""

    __tablename__ = "readings"
    __table_args__ = (
        UniqueConstraint("image_id", "annotator_id"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_readings_annotator_id_status", "annotator_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id", ondelete="RESTRICT"))
    landmarks: Mapped[dict[str, Any]] = mapped_column(JSON)
    contour: Mapped[list[Any] | None] = mapped_column(JSON)
    # length/width are None when the image's spacing is unknown (SI then assumes square pixels).
    length_mm: Mapped[float | None] = mapped_column(Float)
    width_mm: Mapped[float | None] = mapped_column(Float)
    si: Mapped[float] = mapped_column(Float)
    si_contour: Mapped[float | None] = mapped_column(Float)
    si_volumetric: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    suggested: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # Optimistic concurrency: every UPDATE checks and increments the version.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy types it per instance)


class ReadingAudit(Base):
    """Append-only log of reading changes: who, when, what before, what after."""

    __tablename__ = "reading_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reading_id: Mapped[int] = mapped_column(
        ForeignKey("readings.id", ondelete="CASCADE"), index=True
    )
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Run(Base):
    """One training run: configuration, data snapshot, metrics, checkpoint."""

    __tablename__ = "runs"
    __table_args__ = (CheckConstraint(_in("status", RUN_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="created")
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    data_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    device: Mapped[str] = mapped_column(String(50))
    checkpoint_path: Mapped[str | None] = mapped_column(Text)
    duration_s: Mapped[float | None] = mapped_column(Float)
    code_version: Mapped[str] = mapped_column(String(50))
    model_si_kind: Mapped[str | None] = mapped_column(String(50))


class Prediction(Base):
    """A run's output for one image."""

    __tablename__ = "predictions"
    __table_args__ = (UniqueConstraint("run_id", "image_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    si_regression: Mapped[float | None] = mapped_column(Float)
    si_landmarks: Mapped[float | None] = mapped_column(Float)
    landmarks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    confidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The worklist's acquisition score and the signal that drove it (core.acquisition),
    # computed from the fields above when the prediction is stored.
    acquisition: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RunArtifact(Base):
    """One file of a run kept in the project (a server project's checkpoint): its size and
    sha256, checked on every read; the bytes are in run_artifact_chunks, in order."""

    __tablename__ = "run_artifacts"
    __table_args__ = (
        UniqueConstraint("run_id", "name"),
        CheckConstraint("size_bytes >= 0 AND n_chunks >= 0", name="size"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    n_chunks: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RunArtifactChunk(Base):
    """A piece of a run artifact (a few MiB), so no read or write holds a whole file."""

    __tablename__ = "run_artifact_chunks"

    artifact_id: Mapped[int] = mapped_column(
        ForeignKey("run_artifacts.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
