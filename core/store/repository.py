"""Repository: every store operation, bound to one session (one transaction, one user action)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.store.repo_artifacts import ArtifactsMixin
from core.store.repo_images import ImagesMixin
from core.store.repo_readings import ReadingsMixin
from core.store.repo_runs import RunsMixin

# Operations that only read: Project runs them without taking the SQLite write lock.
READ_METHODS = frozenset(
    {
        "annotators",
        "image",
        "images",
        "pixels",
        "pixels_many",
        "list_images",
        "count_images",
        "split_groups",
        "series_names",
        "get_setting",
        "reading",
        "readings_for_image",
        "readings",
        "audit",
        "reference_si",
        "reference_si_map",
        "runs",
        "run",
        "predictions",
        "info",
        "run_artifact",
        "read_run_artifact",
        "artifact_chunk_count",
    }
)
WRITE_METHODS = frozenset(
    {
        "ensure_annotator",
        "add_series",
        "add_image",
        "set_ed",
        "set_es",
        "set_split",
        "set_setting",
        "save_reading",
        "set_reading_status",
        "add_run",
        "update_run",
        "delete_run",
        "save_predictions",
        "put_run_artifact",
        "delete_run_artifacts",
    }
)


class Repository(ImagesMixin, ReadingsMixin, RunsMixin, ArtifactsMixin):
    """The store API on one session; get one from `Project.transaction()`.

    Results are plain records (ImageInfo, ReadingInfo, RunInfo, ...), never ORM objects, so they
    stay valid after the transaction ends.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
