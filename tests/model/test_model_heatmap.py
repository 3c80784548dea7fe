"""Heatmap decoding recovers known sub-pixel points; confidence tells sharp from flat maps."""

import torch

from model.heatmap import decode, gaussian_targets, landmark_loss


def test_decoding_recovers_known_points():
    # Soft-argmax is biased within ~2 cells of the border (the Gaussian is cut off there); the
    # fine crop is centred on the LV, so landmarks lie well inside.
    points = torch.tensor([[[10.3, 20.7], [33.0, 9.5], [47.9, 47.2], [24.0, 24.0], [9.2, 40.1]]])
    logits = torch.log(gaussian_targets(points, 16, 16, sigma_cells=0.7).clamp_min(1e-30))
    decoded, confidence = decode(logits)
    assert torch.allclose(decoded, points, atol=0.15)
    assert (confidence > 0.8).all()


def test_flat_map_has_low_confidence_and_centre_point():
    decoded, confidence = decode(torch.zeros(1, 5, 16, 16))
    assert torch.allclose(decoded, torch.full((1, 5, 2), 31.5))
    assert (confidence < 0.1).all()


def test_loss_is_lower_at_the_right_place():
    points = torch.tensor([[[20.0, 30.0]] * 5])
    right = torch.log(gaussian_targets(points, 16, 16).clamp_min(1e-30))
    wrong = torch.log(gaussian_targets(points + 12.0, 16, 16).clamp_min(1e-30))
    assert landmark_loss(right, points, 64) < 0.05 < landmark_loss(wrong, points, 64)
