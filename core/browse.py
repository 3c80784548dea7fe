"""What the image browser and navigation ask of a project: reading summaries, next unread, ED/ES.

Plain Python over the store's API, so the window's rules are tested without a window.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from core.store import ImageFilter, ImageInfo

CANDIDATE_PAGE = 500  # images read per query while looking for the next one needing a reading
FrameMark = Literal["ed", "es"]


@dataclass
class ReadingSummary:
    """What the browser shows about one image's readings."""

    count: int = 0
    my_status: str | None = None
    sis: list[float] = field(default_factory=list)

    @property
    def spread(self) -> float:
        """Largest minus smallest reader SI (0 with fewer than two SIs)."""
        return max(self.sis) - min(self.sis) if len(self.sis) > 1 else 0.0


def summarize(readings: Iterable, my_annotator_id: int) -> dict[int, ReadingSummary]:
    """image id -> ReadingSummary over ReadingInfo rows (my status: `my_annotator_id`'s)."""
    out: dict[int, ReadingSummary] = {}
    for r in readings:
        s = out.setdefault(r.image_id, ReadingSummary())
        s.count += 1
        if r.si is not None:
            s.sis.append(float(r.si))
        if r.annotator_id == my_annotator_id:
            s.my_status = r.status
    return out


def next_needing_reading(project, annotator_id: int, current_id: int | None) -> int | None:
    """The image after `current_id` (by id) that still needs this annotator's reading.

    Past the last one it starts again from the first; None when no image other than the current
    one needs a reading. Pages through the candidates, so any project size works.
    """
    flt = ImageFilter(needs_reading_by=annotator_id)
    first_other: int | None = None
    offset = 0
    while True:
        page = project.list_images(flt, offset=offset, limit=CANDIDATE_PAGE, order_by="id")
        for info in page:
            if current_id is None or info.id > current_id:
                return info.id
            if first_other is None and info.id != current_id:
                first_other = info.id
        if len(page) < CANDIDATE_PAGE:
            return first_other
        offset += len(page)


def mark_frame(project, image_id: int, which: FrameMark) -> ImageInfo:
    """Mark an image as its series' ED or ES frame; returns the image as stored now."""
    if which not in ("ed", "es"):
        raise ValueError(f"a frame is marked 'ed' or 'es', not {which!r}")
    (project.set_ed if which == "ed" else project.set_es)(image_id)
    return project.image(image_id)
