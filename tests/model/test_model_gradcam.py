"""Grad-CAM: sign on a constructed case, shape and field of view on a real frame grid."""

import numpy as np
import pytest
import torch
from synthetic_lv import ellipse_frame
from torch import nn

from core.geometry import Spacing
from model.config import TrainConfig
from model.device import choose_device
from model.gradcam import GradCam, cam_copy, signed_grad_cam
from model.infer import Predictor
from model.network import SIModel


class _Constructed(nn.Module):
    """layer4 gives channel 0 = relu(x), channel 1 = relu(-x) (an in-place ReLU, as in
    torchvision); SI = mean(channel 0) - mean(channel 1)."""

    def __init__(self) -> None:
        super().__init__()
        self.layer4 = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.ReLU(inplace=True))
        with torch.no_grad():
            self.layer4[0].weight[:] = torch.tensor([1.0, -1.0]).view(2, 1, 1, 1)

    def forward(self, x):
        a = self.layer4(x)
        return {"si": a[:, 0].mean(dim=(1, 2)) - a[:, 1].mean(dim=(1, 2))}


def test_sign_on_a_constructed_case():
    x = torch.ones(1, 1, 8, 8)
    x[..., 4:] = -1.0  # left half drives channel 0 (raises SI), right half channel 1 (lowers)
    cam = signed_grad_cam(cam_copy(_Constructed()), x, "layer4")
    assert cam.shape == (1, 8, 8)
    assert (cam[0, :, :4] > 0.99).all()
    assert (cam[0, :, 4:] < -0.99).all()


@pytest.mark.slow  # a ResNet50
def test_map_lies_on_the_frame_grid_within_the_field_of_view():
    cfg = TrainConfig(size=64, coarse_size=64, fov_mm=100.0)
    torch.manual_seed(0)
    predictor = Predictor(SIModel(), cfg, choose_device("cpu"))
    pixels, _lm, _si = ellipse_frame(1, shape=(70, 90), spacing=Spacing(2.0, 1.5))
    cam, pred = GradCam(predictor).map(pixels, Spacing(2.0, 1.5), "layer3")
    assert cam.shape == pixels.shape
    inside = np.isfinite(cam)
    # The fine field of view is 100 mm square: 50 rows x ~67 columns of this frame.
    assert 0.5 * 50 * 66 < inside.sum() < 1.1 * 50 * 67
    assert np.nanmax(np.abs(cam)) <= 1.0 + 1e-6
    assert predictor.model.training is False and pred.landmarks is not None
