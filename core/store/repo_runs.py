"""Repository part for training runs, their predictions, and the project summary."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from core.store.errors import NotFoundError, StoreError
from core.store.models import STATUSES, Annotator, Image, Prediction, Reading, Run, Series
from core.store.records import RunInfo, run_info
from core.store.repo_artifacts import delete_artifacts
from core.vocab import RUN_STATUSES, RunStatus

PREDICTION_FIELDS = ("si_regression", "si_landmarks", "landmarks", "confidence")


class RunsMixin:
    session: Session

    def add_run(self, config: dict, *, device: str, data_snapshot: dict) -> int:
        """Record a new training run (status 'created'); returns its id."""
        from core import __version__

        run = Run(
            config=config,
            data_snapshot=data_snapshot,
            device=device,
            status="created",
            code_version=__version__,
        )
        self.session.add(run)
        self.session.flush()
        return run.id

    def update_run(
        self,
        run_id: int,
        *,
        status: RunStatus | None = None,
        metrics: dict | None = None,
        checkpoint_path: str | None = None,
        duration_s: float | None = None,
        model_si_kind: str | None = None,
    ) -> None:
        """Set the given fields of a run (fields left as None are not changed)."""
        run = self._run(run_id)
        if status is not None and status not in RUN_STATUSES:
            raise StoreError(f"run status must be one of {', '.join(RUN_STATUSES)}; got {status!r}")
        changes = {
            "status": status,
            "metrics": metrics,
            "checkpoint_path": checkpoint_path,
            "duration_s": duration_s,
            "model_si_kind": model_si_kind,
        }
        for field, value in changes.items():
            if value is not None:
                setattr(run, field, value)
        self.session.flush()

    def runs(self) -> list[RunInfo]:
        """All runs, oldest first."""
        return [run_info(r) for r in self.session.scalars(select(Run).order_by(Run.id))]

    def run(self, run_id: int) -> RunInfo:
        """One run."""
        return run_info(self._run(run_id))

    def delete_run(self, run_id: int) -> None:
        """Remove a run's row, predictions and the files it keeps in the project
        (core.runs.delete_run also removes its files beside the project and cached copies)."""
        run = self._run(run_id)
        self.session.execute(delete(Prediction).where(Prediction.run_id == run_id))
        delete_artifacts(self.session, run_id)
        self.session.delete(run)
        self.session.flush()

    def save_predictions(self, run_id: int, rows: list[dict]) -> None:
        """Store a run's predictions; an image predicted again by the same run is replaced.

        Each gets its acquisition score (core.acquisition), from its fields and the run's
        feature-distance limit; a row read back from predictions() may carry its old score,
        which is recomputed, never stored as given.
        """
        from core.acquisition import acquisition, run_distance_limit

        limit = run_distance_limit(self._run(run_id).metrics)
        values = []
        for row in rows:
            unknown = set(row) - {"image_id", "acquisition", *PREDICTION_FIELDS}
            if unknown:
                raise StoreError(f"unknown prediction fields: {sorted(unknown)}")
            values.append(
                {"run_id": run_id, "image_id": int(row["image_id"])}
                | {field: row.get(field) for field in PREDICTION_FIELDS}
                | {"acquisition": acquisition(row, limit)}
            )
        if not values:
            return
        image_ids = [v["image_id"] for v in values]
        self.session.execute(
            delete(Prediction).where(
                Prediction.run_id == run_id, Prediction.image_id.in_(image_ids)
            )
        )
        self.session.execute(insert(Prediction), values)

    def predictions(self, run_id: int) -> dict[int, dict]:
        """A run's predictions by image id (the PREDICTION_FIELDS and the stored acquisition)."""
        rows = self.session.scalars(select(Prediction).where(Prediction.run_id == run_id))
        fields = (*PREDICTION_FIELDS, "acquisition")
        return {p.image_id: {f: getattr(p, f) for f in fields} for p in rows}

    def info(self) -> dict[str, Any]:
        """Counts of series, images, readings by status, annotators and runs; schema revision."""
        from core.store.migrations import revision_of

        by_status: dict[str, int] = dict.fromkeys(STATUSES, 0)
        query = select(Reading.status, func.count()).group_by(Reading.status)
        by_status.update({status: int(n) for status, n in self.session.execute(query)})
        return {
            "series": self._count(Series.id),
            "images": self._count(Image.id),
            "readings": by_status,
            "readings_total": sum(by_status.values()),
            "runs": self._count(Run.id),
            "annotators": self._count(Annotator.id),
            "schema_revision": revision_of(self.session.connection()),
        }

    def _count(self, column) -> int:
        return int(self.session.scalar(select(func.count(column))) or 0)

    def _run(self, run_id: int) -> Run:
        run = self.session.get(Run, run_id)
        if run is None:
            raise NotFoundError(f"run {run_id} does not exist")
        return run
