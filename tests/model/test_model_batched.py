"""The batched data path gives what one image at a time gives: crops, landmarks, passes."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from synthetic_lv import ellipse_frame, ellipse_samples

from core.geometry import Spacing
from model.augment import batch_matrices, sample_batch
from model.cache import build_cache
from model.config import AugmentConfig, TrainConfig
from model.device import choose_device
from model.heatmap import decode
from model.infer import Predictor, pass_agreement
from model.network import HEATMAP_STRIDE, SIModel
from model.preprocess import (
    blur,
    canonical_pairs,
    frame_batch,
    frame_tensor,
    grid_matrix,
    map_points,
    similarity_matrix,
    upright_matrix,
    warp,
    warp_frames,
    whole_frame_matrix,
)

# Zoomed out to half size: every crop's source is blurred first, each by its own step.
ZOOMED_OUT = AugmentConfig(scale_range=(0.45, 0.7), intensity=False)


@pytest.mark.parametrize("cfg", [AugmentConfig(intensity=False), ZOOMED_OUT, None])
@pytest.mark.parametrize("upright", [True, False])
def test_training_crops_match_one_image_at_a_time(cfg, upright):
    cache = build_cache(
        ellipse_samples(5, spacing=Spacing(1.6, 1.1)), size=48, coarse_size=48, fov_mm=110.0
    )
    src, src_pts, mm = cache.fine, cache.fine_points, cache.fine_mm_per_px
    # Two generators in the same state: one gives the matrices, the other the batch.
    mats = batch_matrices(
        src_pts, src.shape[-1], 48, mm, cfg, torch.Generator().manual_seed(7), upright=upright
    )
    images, pts = sample_batch(
        src, src_pts, 48, mm, cfg, torch.Generator().manual_seed(7), upright=upright
    )
    for k in range(len(cache)):
        m = mats[k].numpy()
        one = warp(src[k : k + 1].float(), torch.from_numpy(m)[None], 48)
        assert torch.allclose(images[k : k + 1], one, atol=1e-5)
        expected = canonical_pairs(map_points(np.linalg.inv(m), src_pts[k].numpy()))
        assert np.allclose(pts[k].numpy(), expected, atol=1e-4)


def test_the_cache_is_what_each_frame_resampled_alone_gives():
    samples = ellipse_samples(3, spacing=Spacing(1.7, 1.2)) + ellipse_samples(
        2, seed=9, shape=(70, 60)
    )
    cache = build_cache(samples, size=40, coarse_size=40, fov_mm=100.0)
    for k, s in enumerate(samples):
        m = whole_frame_matrix(s.pixels.shape, s.spacing, 40)
        one = warp(frame_tensor(s.pixels), torch.from_numpy(m)[None], 40)[0].half()
        assert torch.allclose(cache.coarse[k].float(), one.float(), atol=2e-3)  # float16
        lm = np.array(s.landmarks.points())
        assert np.allclose(cache.coarse_points[k].numpy(), map_points(np.linalg.inv(m), lm), 1e-4)


def test_frames_of_several_shapes_scale_and_warp_as_one_frame_does():
    shapes = [(64, 80), (50, 50), (71, 44)]
    frames = [ellipse_frame(k, shape=shape)[0] for k, shape in enumerate(shapes * 2)]
    batch = frame_batch(frames)
    assert batch.pixels.shape == (6, 1, 71, 80)
    assert batch.shapes.tolist() == [list(f.shape) for f in frames]
    # Whole frames at about 3 source px per input px: each frame is blurred, then sampled.
    spacing = Spacing(2.0, 2.0)
    mats = np.stack([whole_frame_matrix(f.shape, spacing, 24) for f in frames])
    warped = warp_frames(batch, torch.from_numpy(mats), 24)
    for k, f in enumerate(frames):
        rows, cols = f.shape
        assert torch.allclose(batch.pixels[k, :, :rows, :cols], frame_tensor(f)[0], rtol=1e-6)
        one = warp(frame_tensor(f), torch.from_numpy(mats[k])[None], 24)
        assert torch.allclose(warped[k], one[0], atol=1e-5)


def test_per_image_blur_is_each_image_blurred_alone():
    x = torch.rand(3, 1, 20, 24)
    sigmas = torch.tensor([0.0, 0.7, 1.9])
    out = blur(x, sigmas)
    assert torch.equal(out[0], x[0])
    for k in (1, 2):
        assert torch.allclose(out[k : k + 1], blur(x[k : k + 1], float(sigmas[k])), atol=1e-6)


class _PeakedModel(torch.nn.Module):
    """Stands in for the network: one clear peak per landmark (a well-posed long axis), moved
    by the input's pixels, so the passes' geometry is compared, not float noise of a random
    ResNet whose points all sit near the centre (its axis angle is ill-conditioned)."""

    def forward(self, x):
        n = x.shape[-1] // HEATMAP_STRIDE
        pooled = F.avg_pool2d(x.float(), HEATMAP_STRIDE)  # (B, 1, n, n)
        yy, xx = torch.meshgrid(torch.arange(n * 1.0), torch.arange(n * 1.0), indexing="ij")
        peaks = [(0.5, 0.15), (0.3, 0.8), (0.7, 0.8), (0.2, 0.5), (0.8, 0.5)]  # x, y of n
        maps = torch.stack([-((xx - a * n) ** 2 + (yy - b * n) ** 2) / 4.0 for a, b in peaks])
        return {
            "heatmaps": maps[None] + 3.0 * pooled,
            "si": x.float().mean(dim=(1, 2, 3)),
            "features": pooled.flatten(1),
        }


@pytest.fixture(scope="module")
def peaked_predictor() -> Predictor:
    cfg = TrainConfig(size=64, coarse_size=64, fov_mm=100.0)
    predictor = Predictor(SIModel(), cfg, choose_device("cpu", amp=False))
    predictor.model = _PeakedModel()
    return predictor


@pytest.mark.slow  # builds a ResNet50 for the Predictor (the passes then run _PeakedModel)
@pytest.mark.parametrize("refine", [0, 2])
def test_prediction_passes_match_one_frame_at_a_time(peaked_predictor, refine):
    predictor = peaked_predictor.with_refine(refine)
    frames = [
        (ellipse_frame(k, shape=shape)[0], spacing)
        for k, (shape, spacing) in enumerate(
            [((64, 80), Spacing(2.0, 2.0)), ((72, 60), Spacing(1.8, 2.4))] * 2
        )
    ]
    got = {k: v.numpy() for k, v in predictor.passes(frames).items()}
    for k, (pixels, spacing) in enumerate(frames):
        ref = _one_frame(predictor, pixels, spacing)
        assert np.allclose(got["fine_matrix"][k], ref["fine_matrix"], atol=1e-5)
        assert np.allclose(got["points"][k], ref["points"], atol=1e-4)
        assert np.allclose(got["confidence"][k], ref["confidence"], atol=1e-5)
        assert got["si"][k] == pytest.approx(ref["si"], abs=1e-5)
        if refine:
            assert got["centre_shift_mm"][k] == pytest.approx(ref["shift"], abs=1e-4)
            assert got["axis_turn_deg"][k] == pytest.approx(ref["turn"], abs=1e-3)
        else:
            assert np.isnan(got["centre_shift_mm"][k]) and np.isnan(got["axis_turn_deg"][k])
    # The frames differ: the test compares different fine fields of view, not one repeated.
    assert np.ptp(got["fine_matrix"][:, 0, 2]) > 1.0


@torch.no_grad()
def _one_frame(predictor: Predictor, pixels, spacing) -> dict:
    """The passes as they ran before batching: numpy matrices, one frame, one warp each."""
    cfg = predictor.config
    frame = frame_tensor(pixels)

    def one_pass(m, size):
        x = warp(frame, torch.from_numpy(m)[None], size)
        out = predictor.forward(predictor.setup.to_input(x))
        pts, conf = decode(out["heatmaps"].float())
        return map_points(m, pts[0].numpy()), conf[0].numpy(), float(out["si"][0])

    pts, _, _ = one_pass(
        whole_frame_matrix(pixels.shape, spacing, cfg.coarse_size), cfg.coarse_size
    )
    for _ in range(1 + cfg.refine):
        before = pts
        m = upright_matrix(pts, spacing, cfg.fov_mm / cfg.size, cfg.size)
        pts, conf, si = one_pass(m, cfg.size)
    shift, turn = pass_agreement(before, pts, spacing) if cfg.refine else (math.nan, math.nan)
    return {
        "fine_matrix": m,
        "points": pts,
        "confidence": conf,
        "si": si,
        "shift": shift,
        "turn": turn,
    }


@settings(max_examples=40, deadline=None)
@given(
    angle=st.floats(-math.pi, math.pi),
    scale=st.floats(0.7, 1.4),
    flip=st.booleans(),
    row_mm=st.floats(0.7, 2.0),
    col_mm=st.floats(0.7, 2.0),
    dot=st.tuples(st.floats(40.0, 80.0), st.floats(40.0, 80.0)),
    mm_per_px=st.floats(0.8, 2.5),
)
def test_points_land_where_the_warped_image_puts_a_dot(
    angle, scale, flip, row_mm, col_mm, dot, mm_per_px
):
    # A smooth dot (sigma 2.5 px) in a 120 px frame; three frames warped in one batch.
    yy, xx = torch.meshgrid(torch.arange(120.0), torch.arange(120.0), indexing="ij")
    img = torch.exp(-((xx - dot[0]) ** 2 + (yy - dot[1]) ** 2) / (2 * 2.5**2))[None, None]
    spacing = Spacing(row_mm, col_mm)
    centre = np.array(dot) + np.array([3.0, -2.0])
    mats = np.stack(
        [
            grid_matrix(centre, spacing, mm_per_px, 48)
            @ similarity_matrix(48, angle_rad=angle + k, scale=scale, flip=flip, shift_px=(k, -k))
            for k in range(3)
        ]
    )
    out = warp(img.expand(3, 1, 120, 120), torch.from_numpy(mats), 48)
    for k in range(3):
        to_output = np.linalg.inv(mats[k])
        expected = map_points(to_output, np.array(dot))
        # The whole dot (3 sigma, as stretched by the warp: anisotropic pixels are resampled
        # isotropically) inside the output, or the border cuts it and moves its centroid.
        reach = 3 * 2.5 * np.linalg.norm(to_output[:2, :2], axis=0).max()
        assume(np.all((expected > reach) & (expected < 47 - reach)))
        w = out[k, 0].double()
        v, u = torch.meshgrid(torch.arange(48.0), torch.arange(48.0), indexing="ij")
        centroid = np.array([(w * u).sum() / w.sum(), (w * v).sum() / w.sum()])
        assert np.allclose(centroid, expected, atol=0.25)


def test_intensity_augmentation_follows_its_seed():
    from model.augment import augment_intensity

    x = torch.rand(6, 1, 16, 16)

    def run(seed):
        return augment_intensity(x.clone(), torch.Generator().manual_seed(seed))

    assert torch.equal(run(4), run(4))
    assert not torch.allclose(run(4), run(5))
    assert torch.isfinite(run(6)).all()
