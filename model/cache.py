"""Preprocessed frames in memory: each image resampled once, then augmented on the fly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from model.preprocess import (
    frame_tensor,
    grid_matrix,
    landmarks_array,
    lv_centre,
    map_points,
    warp,
    whole_frame_matrix,
)

# The fine source around the LV is this much larger than the fine field of view, so rotations,
# scaling and the simulated localisation error still find real pixels.
CONTEXT_FACTOR = 1.6


@dataclass
class FrameCache:
    """Resampled frames of a set of samples (float16) with their landmarks in those grids.

    fine: (N,1,C,C) at the fine mm/px, centred on the LV (preprocess.lv_centre), unrotated;
    coarse: (N,1,c,c) the whole frame padded square in mm (what the localising pass sees).
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


def context_size(size: int) -> int:
    return round(size * CONTEXT_FACTOR)


def build_cache(samples, *, size: int, coarse_size: int, fov_mm: float) -> FrameCache:
    """Resample every sample once: the fine context around its LV and the whole frame."""
    mm_per_px = fov_mm / size
    csize = context_size(size)
    if not samples:  # e.g. a fine-tune whose readings all sit in the training split
        return FrameCache(
            image_ids=[],
            fine=torch.zeros((0, 1, csize, csize), dtype=torch.float16),
            fine_points=torch.zeros((0, 5, 2)),
            coarse=torch.zeros((0, 1, coarse_size, coarse_size), dtype=torch.float16),
            coarse_points=torch.zeros((0, 5, 2)),
            si=torch.zeros(0),
            fine_mm_per_px=mm_per_px,
        )
    fine: list[torch.Tensor] = []
    fine_pts: list[torch.Tensor] = []
    coarse: list[torch.Tensor] = []
    coarse_pts: list[torch.Tensor] = []
    for s in samples:
        img = frame_tensor(s.pixels)
        pts = landmarks_array(s.landmarks)
        m_fine = grid_matrix(lv_centre(pts), s.spacing, mm_per_px, csize)
        m_coarse = whole_frame_matrix(s.pixels.shape[:2], s.spacing, coarse_size)
        for m, n, out, out_pts in (
            (m_fine, csize, fine, fine_pts),
            (m_coarse, coarse_size, coarse, coarse_pts),
        ):
            out.append(warp(img, torch.from_numpy(m)[None], n)[0].half())
            out_pts.append(torch.from_numpy(map_points(np.linalg.inv(m), pts)).float())
    return FrameCache(
        image_ids=[s.image_id for s in samples],
        fine=torch.stack(fine),
        fine_points=torch.stack(fine_pts),
        coarse=torch.stack(coarse),
        coarse_points=torch.stack(coarse_pts),
        si=torch.tensor([s.si for s in samples], dtype=torch.float32),
        fine_mm_per_px=mm_per_px,
    )
