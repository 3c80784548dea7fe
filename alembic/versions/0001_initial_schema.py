"""Initial schema: settings, annotators, series, images, pixels, readings, audit, runs, predictions.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 05:44:36.686383
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annotators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('annotator', 'reviewer', 'clinician')", name=op.f("ck_annotators_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotators")),
        sa.UniqueConstraint("name", name=op.f("uq_annotators_name")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("data_snapshot", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("device", sa.String(length=50), nullable=False),
        sa.Column("checkpoint_path", sa.Text(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("code_version", sa.String(length=50), nullable=False),
        sa.Column("model_si_kind", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("subject_key", sa.String(length=200), nullable=True),
        sa.Column("view", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("frame_interval_ms", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("source IN ('real', 'synthetic')", name=op.f("ck_series_source")),
        sa.CheckConstraint("view IN ('4CH', '2CH', '3CH', 'unknown')", name=op.f("ck_series_view")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
        sa.UniqueConstraint("key", name=op.f("uq_series_key")),
    )
    op.create_index(op.f("ix_series_subject_key"), "series", ["subject_key"], unique=False)

    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("frame_index", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("cols", sa.Integer(), nullable=False),
        sa.Column("dtype", sa.String(length=10), nullable=False),
        sa.Column("spacing_row_mm", sa.Float(), nullable=True),
        sa.Column("spacing_col_mm", sa.Float(), nullable=True),
        sa.Column("view", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("is_ed", sa.Boolean(), nullable=False),
        sa.Column("is_es", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("split", sa.String(length=10), nullable=True),
        sa.Column("window_center", sa.Float(), nullable=True),
        sa.Column("window_width", sa.Float(), nullable=True),
        sa.Column("frame_time_ms", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("source IN ('real', 'synthetic')", name=op.f("ck_images_source")),
        sa.CheckConstraint(
            "split IS NULL OR split IN ('train', 'val', 'test')", name=op.f("ck_images_split")
        ),
        sa.CheckConstraint("view IN ('4CH', '2CH', '3CH', 'unknown')", name=op.f("ck_images_view")),
        sa.CheckConstraint(
            "(spacing_row_mm IS NULL) = (spacing_col_mm IS NULL)",
            name=op.f("ck_images_spacing_pair"),
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_images_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_images_content_hash")),
    )
    op.create_index(op.f("ix_images_is_ed"), "images", ["is_ed"], unique=False)
    op.create_index(
        "ix_images_series_id_frame_index", "images", ["series_id", "frame_index"], unique=False
    )
    op.create_index(op.f("ix_images_source"), "images", ["source"], unique=False)
    op.create_index(op.f("ix_images_split"), "images", ["split"], unique=False)

    op.create_table(
        "image_pixels",
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_image_pixels_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("image_id", name=op.f("pk_image_pixels")),
    )
    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("si_regression", sa.Float(), nullable=True),
        sa.Column("si_landmarks", sa.Float(), nullable=True),
        sa.Column("landmarks", sa.JSON(), nullable=True),
        sa.Column("confidence", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_predictions_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_predictions_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictions")),
        sa.UniqueConstraint("run_id", "image_id", name=op.f("uq_predictions_run_id_image_id")),
    )
    op.create_index(op.f("ix_predictions_image_id"), "predictions", ["image_id"], unique=False)

    op.create_table(
        "readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("landmarks", sa.JSON(), nullable=False),
        sa.Column("contour", sa.JSON(), nullable=True),
        sa.Column("length_mm", sa.Float(), nullable=True),
        sa.Column("width_mm", sa.Float(), nullable=True),
        sa.Column("si", sa.Float(), nullable=False),
        sa.Column("si_contour", sa.Float(), nullable=True),
        sa.Column("si_volumetric", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("suggested", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'rejected')",
            name=op.f("ck_readings_status"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_readings_version")),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["annotators.id"],
            name=op.f("fk_readings_annotator_id_annotators"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_readings_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readings")),
        sa.UniqueConstraint(
            "image_id", "annotator_id", name=op.f("uq_readings_image_id_annotator_id")
        ),
    )
    op.create_index(
        "ix_readings_annotator_id_status", "readings", ["annotator_id", "status"], unique=False
    )
    op.create_index(op.f("ix_readings_status"), "readings", ["status"], unique=False)

    op.create_table(
        "reading_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["annotators.id"],
            name=op.f("fk_reading_audit_annotator_id_annotators"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reading_id"],
            ["readings.id"],
            name=op.f("fk_reading_audit_reading_id_readings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_audit")),
    )
    op.create_index(
        op.f("ix_reading_audit_reading_id"), "reading_audit", ["reading_id"], unique=False
    )


def downgrade() -> None:
    # Dropping a table drops its indexes too.
    op.drop_table("reading_audit")
    op.drop_table("readings")
    op.drop_table("predictions")
    op.drop_table("image_pixels")
    op.drop_table("images")
    op.drop_table("settings")
    op.drop_table("series")
    op.drop_table("runs")
    op.drop_table("annotators")
