"""Repository part for annotators, series, images, their pixels, flags, splits and settings."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
from sqlalchemy import Select, and_, exists, func, not_, select, update
from sqlalchemy.orm import Session

from core.geometry import Spacing
from core.series_names import SeriesName, series_names
from core.splits import split_group
from core.store import pixels as pixel_codec
from core.store.errors import NotFoundError, StoreError, check_text
from core.store.models import (
    ROLES,
    SOURCES,
    SPLITS,
    VIEWS,
    Annotator,
    Image,
    ImagePixels,
    Reading,
    Series,
    Setting,
)
from core.store.records import ImageFilter, ImageInfo, image_info
from core.vocab import Role, Source, Split, View

ORDER_KEYS = {
    "id": (Image.id,),
    "series": (Series.key, Image.frame_index, Image.id),
    "series_id": (Image.series_id, Image.frame_index, Image.id),
    "frame_index": (Image.frame_index, Image.id),
    "view": (Image.view, Image.id),
    "source": (Image.source, Image.id),
    "split": (Image.split, Image.id),
}


# Ids per IN (...) query: well under SQLite's bound-parameter limit (999 before 3.32).
BATCH_IDS = 500


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH_IDS):
        yield ids[start : start + BATCH_IDS]


def _all_found(ids: list[int], found: Mapping[int, object]) -> None:
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFoundError(f"image {missing[0]} does not exist")


def _repeat_key(content_hash: str, series_id: int, frame_index: int) -> str:
    """Dedupe key of a frame whose pixels an earlier frame of its series already has."""
    return hashlib.sha256(f"{content_hash}|{series_id}|{frame_index}".encode()).hexdigest()


def _check(value: str | None, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise StoreError(f"{what} must be one of {', '.join(allowed)}; got {value!r}")


class ImagesMixin:
    session: Session

    # -- annotators -------------------------------------------------------------------------

    def ensure_annotator(self, name: str, role: Role = "annotator") -> int:
        """The annotator's id, created with `role` if new (an existing role is kept)."""
        _check(role, ROLES, "role")
        name = check_text(name.strip(), "the annotator's name")
        if not name:
            raise StoreError("an annotator needs a name")
        found = self.session.scalar(select(Annotator.id).where(Annotator.name == name))
        if found is not None:
            return found
        annotator = Annotator(name=name, role=role)
        self.session.add(annotator)
        self.session.flush()
        return annotator.id

    def annotators(self) -> list[tuple[int, str, str]]:
        """All annotators as (id, name, role), by name."""
        rows = self.session.execute(
            select(Annotator.id, Annotator.name, Annotator.role).order_by(Annotator.name)
        )
        return [(int(i), str(name), str(role)) for i, name, role in rows]

    # -- series and images ------------------------------------------------------------------

    def add_series(
        self,
        key: str,
        *,
        subject_key: str | None = None,
        view: View = "unknown",
        source: Source = "real",
        frame_interval_ms: float | None = None,
    ) -> int:
        """Get or create a series by its pseudonymous key; an existing one is left as it is."""
        _check(view, VIEWS, "view")
        _check(source, SOURCES, "source")
        found = self.session.scalar(select(Series.id).where(Series.key == key))
        if found is not None:
            return found
        series = Series(
            key=key,
            subject_key=subject_key,
            view=view,
            source=source,
            frame_interval_ms=frame_interval_ms,
        )
        self.session.add(series)
        self.session.flush()
        return series.id

    def add_image(
        self,
        series_id: int,
        pixels: np.ndarray,
        *,
        frame_index: int,
        spacing: Spacing | None,
        view: View = "unknown",
        source: Source = "real",
        is_ed: bool = False,
        is_es: bool = False,
        window: tuple[float, float] | None = None,
        frame_time_ms: float | None = None,
    ) -> tuple[int, bool]:
        """Store a frame; returns (image id, created).

        Identical decoded pixels (same values, shape and dtype) are stored once: adding them
        again returns the existing image, unchanged; only other frames of the same series keep
        their own copy (a cine's frames are never merged). is_ed / is_es move the series' flag here.
        """
        _check(view, VIEWS, "view")
        _check(source, SOURCES, "source")
        encoded = pixel_codec.encode(pixels)
        key = encoded.content_hash
        found = self.session.execute(
            select(Image.id, Image.series_id, Image.frame_index).where(Image.content_hash == key)
        ).first()
        if found is not None and found[1] == series_id and found[2] != int(frame_index):
            # The same pixels at another frame of the same cine (a still phase, a blank frame)
            # are a frame of their own: merging them would break the frame order.
            key = _repeat_key(key, series_id, int(frame_index))
            repeat = self.session.scalar(select(Image.id).where(Image.content_hash == key))
            if repeat is not None:
                return repeat, False
        elif found is not None:
            return found[0], False
        if self.session.get(Series, series_id) is None:
            raise NotFoundError(f"series {series_id} does not exist")
        image = Image(
            series_id=series_id,
            frame_index=int(frame_index),
            rows=encoded.shape[0],
            cols=encoded.shape[1],
            dtype=encoded.dtype,
            spacing_row_mm=None if spacing is None else float(spacing.row_mm),
            spacing_col_mm=None if spacing is None else float(spacing.col_mm),
            view=view,
            source=source,
            is_ed=bool(is_ed),
            is_es=bool(is_es),
            content_hash=key,
            window_center=None if window is None else float(window[0]),
            window_width=None if window is None else float(window[1]),
            frame_time_ms=frame_time_ms,
        )
        self.session.add(image)
        self.session.flush()
        self.session.add(ImagePixels(image_id=image.id, data=encoded.blob))
        if is_ed or is_es:
            self._clear_flags(image, ed=is_ed, es=is_es)
        return image.id, True

    def image(self, image_id: int) -> ImageInfo:
        """One image's metadata (no pixels)."""
        row = self.session.execute(
            select(Image, Series.key).join(Series).where(Image.id == image_id)
        ).first()
        if row is None:
            raise NotFoundError(f"image {image_id} does not exist")
        return image_info(row[0], row[1])

    def pixels(self, image_id: int) -> np.ndarray:
        """The decoded pixels of one image, exactly as they were added."""
        row = self.session.execute(
            select(ImagePixels.data, Image.rows, Image.cols, Image.dtype)
            .join(Image, Image.id == ImagePixels.image_id)
            .where(ImagePixels.image_id == image_id)
        ).first()
        if row is None:
            raise NotFoundError(f"image {image_id} does not exist")
        return pixel_codec.decode(row[0], (row[1], row[2]), row[3])

    def images(self, image_ids: Iterable[int]) -> dict[int, ImageInfo]:
        """Metadata of many images by id, read in batches (NotFoundError if one is missing)."""
        ids = list(dict.fromkeys(int(i) for i in image_ids))
        found: dict[int, ImageInfo] = {}
        for chunk in _chunks(ids):
            query = select(Image, Series.key).join(Series).where(Image.id.in_(chunk))
            found.update((i.id, image_info(i, key)) for i, key in self.session.execute(query))
        _all_found(ids, found)
        return {i: found[i] for i in ids}

    def pixels_many(self, image_ids: Iterable[int]) -> dict[int, np.ndarray]:
        """The decoded pixels of many images by id, read in batches (NotFoundError if one is
        missing). Mind the memory: every array is held at once."""
        ids = list(dict.fromkeys(int(i) for i in image_ids))
        found: dict[int, np.ndarray] = {}
        for chunk in _chunks(ids):
            query = (
                select(ImagePixels.image_id, ImagePixels.data, Image.rows, Image.cols, Image.dtype)
                .join(Image, Image.id == ImagePixels.image_id)
                .where(ImagePixels.image_id.in_(chunk))
            )
            for image_id, data, rows, cols, dtype in self.session.execute(query):
                found[image_id] = pixel_codec.decode(data, (rows, cols), dtype)
        _all_found(ids, found)
        return {i: found[i] for i in ids}

    def set_ed(self, image_id: int) -> None:
        """Mark the ED frame of its series (the flag leaves the series' other frames)."""
        self._set_flag(image_id, ed=True)

    def set_es(self, image_id: int) -> None:
        """Mark the ES frame of its series (the flag leaves the series' other frames)."""
        self._set_flag(image_id, es=True)

    def _set_flag(self, image_id: int, *, ed: bool = False, es: bool = False) -> None:
        image = self.session.get(Image, image_id)
        if image is None:
            raise NotFoundError(f"image {image_id} does not exist")
        self._clear_flags(image, ed=ed, es=es)
        if ed:
            image.is_ed = True
        if es:
            image.is_es = True
        self.session.flush()

    def _clear_flags(self, image: Image, *, ed: bool, es: bool) -> None:
        others = and_(Image.series_id == image.series_id, Image.id != image.id)
        if ed:
            self.session.execute(update(Image).where(others).values(is_ed=False))
        if es:
            self.session.execute(update(Image).where(others).values(is_es=False))

    def set_split(self, mapping: Mapping[int, Split | None]) -> None:
        """Assign images to train / val / test (None: no split)."""
        for split in set(mapping.values()):
            if split is not None:
                _check(split, SPLITS, "split")
        by_split: dict[Split | None, list[int]] = {}
        for image_id, split in mapping.items():
            by_split.setdefault(split, []).append(int(image_id))
        for split, ids in by_split.items():
            self.session.execute(update(Image).where(Image.id.in_(ids)).values(split=split))

    def split_groups(self) -> dict[int, tuple[str, str | None]]:
        """image id -> (its split group, see core.splits.split_group; its split), all images."""
        query = select(Image.id, Series.subject_key, Series.key, Image.split).join(Series)
        return {
            image_id: (split_group(subject_key, series_key), split)
            for image_id, subject_key, series_key, split in self.session.execute(query)
        }

    def series_names(self) -> dict[int, SeriesName]:
        """series id -> its short readable name (core.series_names), for every series."""
        query = select(Series.id, Series.subject_key, Series.view)
        rows = self.session.execute(query)
        return series_names((int(row[0]), row[1], str(row[2])) for row in rows)

    # -- listing ----------------------------------------------------------------------------

    def list_images(
        self,
        flt: ImageFilter | None = None,
        *,
        offset: int = 0,
        limit: int | None = 100,
        order_by: str = "id",
    ) -> list[ImageInfo]:
        """A page of matching images; order_by is a key of ORDER_KEYS, '-' first for descending."""
        descending = order_by.startswith("-")
        key = order_by.lstrip("-")
        if key not in ORDER_KEYS:
            raise StoreError(
                f"cannot order images by {order_by!r}; use one of {sorted(ORDER_KEYS)}"
            )
        columns = [c.desc() if descending else c.asc() for c in ORDER_KEYS[key]]
        query = _filtered(select(Image, Series.key).join(Series), flt).order_by(*columns)
        query = query.offset(offset).limit(limit)
        return [image_info(image, series_key) for image, series_key in self.session.execute(query)]

    def count_images(self, flt: ImageFilter | None = None) -> int:
        """How many images match the filter."""
        query = _filtered(select(func.count(Image.id)).join(Series), flt)
        return int(self.session.scalar(query) or 0)

    # -- settings ---------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A project setting (JSON value), or default."""
        setting = self.session.get(Setting, key)
        return default if setting is None else setting.value

    def set_setting(self, key: str, value: Any) -> None:
        """Store a project setting (any JSON value)."""
        setting = self.session.get(Setting, key)
        if setting is None:
            self.session.add(Setting(key=key, value=value))
        else:
            setting.value = value
        self.session.flush()


def _filtered(query: Select, flt: ImageFilter | None) -> Select:
    if flt is None:
        return query
    conditions = []
    if flt.series_id is not None:
        conditions.append(Image.series_id == flt.series_id)
    if flt.source is not None:
        conditions.append(Image.source == flt.source)
    if flt.split is not None:
        conditions.append(Image.split == flt.split)
    if flt.ed_only:
        conditions.append(Image.is_ed.is_(True))
    if flt.image_ids is not None:
        conditions.append(Image.id.in_([int(i) for i in flt.image_ids]))
    if flt.has_reading_by is not None:
        conditions.append(_reading_exists(Reading.annotator_id == flt.has_reading_by))
    if flt.needs_reading_by is not None:
        done = Reading.status.in_(("submitted", "approved"))
        conditions.append(not_(_reading_exists(Reading.annotator_id == flt.needs_reading_by, done)))
    if flt.status is not None:
        statuses = [flt.status] if isinstance(flt.status, str) else list(flt.status)
        conditions.append(_reading_exists(Reading.status.in_(statuses)))
    return query.where(*conditions)


def _reading_exists(*conditions) -> Any:
    return exists().where(Reading.image_id == Image.id, *conditions)
