"""Pretrained weights come from a local file only; tests make their own (never the network)."""

import pytest
import torch
import torchvision

from model import weights
from model.network import SIModel, load_backbone


@pytest.mark.slow  # a ResNet50
def test_backbone_loads_from_a_local_file(tmp_path):
    torch.manual_seed(0)
    reference = torchvision.models.resnet50()
    path = tmp_path / "resnet50-test.pth"
    torch.save(reference.state_dict(), path)
    state = weights.load_state_dict(weights.find_weights(path))
    model = SIModel()
    assert load_backbone(model, state) > 300
    assert torch.equal(model.layer3[0].conv2.weight, reference.layer3[0].conv2.weight)
    summed = reference.conv1.weight.sum(dim=1, keepdim=True)
    assert torch.equal(model.stem[0].weight, summed)  # RGB kernels summed for one channel


def test_missing_file_and_wrong_file_are_clear(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError):
        weights.find_weights(tmp_path / "nope.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert weights.find_weights() is None
    assert "sphericity weights download" in weights.where_to_put()
    bad = tmp_path / "bad.pth"
    torch.save({"x": torch.zeros(1)}, bad)
    with pytest.raises(ValueError, match="not a ResNet50"):
        weights.load_state_dict(bad)
