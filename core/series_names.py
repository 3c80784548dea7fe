"""Short readable series names (subject and series number in import order, and the view)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SeriesName:
    """How people call a series: "S2 · series 1 · 4CH" (subject 2's first series, a 4CH view)."""

    subject: str | None  # "S2"; None when the import knew no subject
    number: int  # within the subject, or among the series without one
    view: str  # core.vocab.View

    @property
    def group(self) -> str:
        """The split group's name (core.splits): the subject, else the series."""
        return self.subject or f"series {self.number}"

    @property
    def label(self) -> str:
        label = f"{self.subject} · series {self.number}" if self.subject else self.group
        return label if self.view in ("", "unknown") else f"{label} · {self.view}"


def series_names(rows: Iterable[tuple[int, str | None, str]]) -> dict[int, SeriesName]:
    """series id -> SeriesName, from (series id, subject key or None, view) rows.

    Subjects are numbered in the order their first series was imported, series within a subject
    likewise; series with no subject (phantoms, plain image files) are numbered among themselves.
    The pseudonymous keys stay out of the name (40+ hex characters nobody can read), so a name is
    only meaningful within its project.
    """
    subjects: dict[str, int] = {}
    per_subject: dict[str, int] = {}
    loose = 0
    names = {}
    for series_id, subject_key, view in sorted(rows, key=lambda r: r[0]):
        if subject_key:
            subject = f"S{subjects.setdefault(subject_key, len(subjects) + 1)}"
            per_subject[subject_key] = number = per_subject.get(subject_key, 0) + 1
        else:
            subject, loose = None, loose + 1
            number = loose
        names[series_id] = SeriesName(subject, number, view or "unknown")
    return names
