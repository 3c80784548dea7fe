"""The project's closed vocabularies: each a Literal type (for the type checker) and its values."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["annotator", "reviewer", "clinician"]
ReadingStatus = Literal["draft", "submitted", "approved", "rejected"]
Source = Literal["real", "synthetic"]
Split = Literal["train", "val", "test"]
View = Literal["4CH", "2CH", "3CH", "unknown"]
# created -> running -> done | cancelled | error. Only a "done" run ran to its end; a cancelled
# one keeps the best checkpoint it reached and may still be chosen by hand.
RunStatus = Literal["created", "running", "done", "cancelled", "error"]
# Which of a run's two SI estimates is its model SI (core.model_si).
SIKind = Literal["regression", "landmarks"]
# The events a training or prediction child reports (JSON lines, model.progress).
ProgressEvent = Literal["start", "epoch", "batch", "val", "done", "cancelled", "error"]

ROLES: tuple[Role, ...] = get_args(Role)
READING_STATUSES: tuple[ReadingStatus, ...] = get_args(ReadingStatus)
SOURCES: tuple[Source, ...] = get_args(Source)
SPLITS: tuple[Split, ...] = get_args(Split)
VIEWS: tuple[View, ...] = get_args(View)
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
SI_KINDS: tuple[SIKind, ...] = get_args(SIKind)
PROGRESS_EVENTS: tuple[ProgressEvent, ...] = get_args(ProgressEvent)
