"""Preprocessed frames in memory: each image resampled once, then augmented on the fly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from model.preprocess import (
    frame_batch,
    grid_matrices,
    landmarks_array,
    lv_centre,
    map_points,
    pixel_sizes_mm,
    warp_frames,
    whole_frame_matrices,
)

# The fine source around the LV is this much larger than the fine field of view, so rotations,
# scaling and the simulated localisation error still find real pixels.
CONTEXT_FACTOR = 1.6
# Frames resampled per batched warp while the cache is built (bounds the float32 copies).
BUILD_CHUNK = 64
# Share of the free GPU memory the pixels may take there; beyond it they stay in pinned memory.
DEVICE_SHARE = 0.25


@dataclass
class FrameCache:
    """Resampled frames of a set of samples (float16) with their landmarks in those grids.

    fine: (N,1,C,C) at the fine mm/px, centred on the LV (preprocess.lv_centre), unrotated;
    coarse: (N,1,c,c) the whole frame padded square in mm (what the localising pass sees).
    The pixels may live on the device (see to_device); landmarks and SI stay on the host,
    where each batch's matrices are composed.
    """

    image_ids: list[int]
    fine: torch.Tensor
    fine_points: torch.Tensor
    coarse: torch.Tensor
    coarse_points: torch.Tensor
    si: torch.Tensor
    fine_mm_per_px: float

    def __len__(self) -> int:
        return len(self.image_ids)

    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in (self.fine, self.coarse))

    def to_device(self, device: torch.device) -> str:
        """Pixels onto a CUDA device when they fit in DEVICE_SHARE of its free memory, else
        into pinned host memory (copied per batch without waiting); returns where they went."""
        if device.type != "cuda" or not len(self):
            return "host"
        free, _ = torch.cuda.mem_get_info(device)
        if self.nbytes() <= DEVICE_SHARE * free:
            self.fine, self.coarse = self.fine.to(device), self.coarse.to(device)
            return "device"
        self.fine, self.coarse = self.fine.pin_memory(), self.coarse.pin_memory()
        return "pinned"


def context_size(size: int) -> int:
    return round(size * CONTEXT_FACTOR)


def build_cache(samples, *, size: int, coarse_size: int, fov_mm: float) -> FrameCache:
    """Resample every sample once: the fine context around its LV and the whole frame
    (batched: one warp per frame shape and BUILD_CHUNK frames)."""
    mm_per_px = fov_mm / size
    csize = context_size(size)
    parts = [
        _resample(samples[k : k + BUILD_CHUNK], csize, coarse_size, mm_per_px)
        for k in range(0, len(samples), BUILD_CHUNK)
    ]
    if not parts:  # e.g. a fine-tune whose readings all sit in the training split
        parts = [
            (
                torch.zeros((0, 1, csize, csize), dtype=torch.float16),
                torch.zeros((0, 5, 2)),
                torch.zeros((0, 1, coarse_size, coarse_size), dtype=torch.float16),
                torch.zeros((0, 5, 2)),
            )
        ]
    fine, fine_pts, coarse, coarse_pts = (torch.cat(t) for t in zip(*parts, strict=True))
    return FrameCache(
        image_ids=[s.image_id for s in samples],
        fine=fine,
        fine_points=fine_pts,
        coarse=coarse,
        coarse_points=coarse_pts,
        si=torch.tensor([s.si for s in samples], dtype=torch.float32),
        fine_mm_per_px=mm_per_px,
    )


def _resample(samples, csize: int, coarse_size: int, mm_per_px: float):
    """(fine, fine points, coarse, coarse points) of a few samples."""
    frames = frame_batch([s.pixels for s in samples])
    pts = torch.from_numpy(np.stack([landmarks_array(s.landmarks) for s in samples]))
    px_mm = pixel_sizes_mm([s.spacing for s in samples])
    out = []
    for m, n in (
        (grid_matrices(lv_centre(pts), px_mm, mm_per_px, csize), csize),
        (whole_frame_matrices(frames.shapes, px_mm, coarse_size), coarse_size),
    ):
        out.append(warp_frames(frames, m, n).half())
        out.append(map_points(torch.linalg.inv(m), pts).float())
    return tuple(out)
