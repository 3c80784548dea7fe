"""The SI network: a ResNet50 backbone, an SI regression head and a landmark heatmap head."""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import resnet50

from core.geometry import LANDMARK_NAMES

HEATMAP_STRIDE = 4  # input pixels per heatmap cell
SI_CENTER = 0.6
INPUT_MEAN, INPUT_STD = (
    0.3,
    0.3,
)  # the regression head predicts an offset from a typical SI, which eases early training


class SIModel(nn.Module):
    """ResNet50 on one-channel frames; outputs {"si": (B,), "heatmaps": (B, 5, S/4, S/4),
    "features": (B, 2048)} (the pooled backbone features: model.ood measures their distance).

    The regression head (global average pool + small MLP; `si_head`, the name checkpoints store)
    follows the study and is the Grad-CAM target. The landmark head merges layer1..layer4
    features top-down (FPN style) at stride 4.
    """

    def __init__(self, fpn_channels: int = 128, hidden: int = 256) -> None:
        super().__init__()
        # Zero-initialised last BN of each residual block: trains faster from scratch.
        net = resnet50(weights=None, zero_init_residual=True)
        # MR frames have one channel: conv1 takes one (pretrained RGB kernels are summed).
        net.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layer1, self.layer2, self.layer3, self.layer4 = (
            net.layer1,
            net.layer2,
            net.layer3,
            net.layer4,
        )
        self.lateral = nn.ModuleList(nn.Conv2d(c, fpn_channels, 1) for c in (256, 512, 1024, 2048))
        self.heatmap_head = nn.Sequential(
            nn.Conv2d(fpn_channels, fpn_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(fpn_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(fpn_channels, len(LANDMARK_NAMES), 1),
        )
        self.si_head = nn.Sequential(
            nn.Linear(2048, hidden), nn.ReLU(inplace=True), nn.Dropout(0.1), nn.Linear(hidden, 1)
        )
        last = cast(nn.Linear, self.si_head[-1])
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        # Inputs are frames scaled so blood is near 1 (preprocess.frame_tensor); centre them.
        c1 = self.layer1(self.stem((x - INPUT_MEAN) / INPUT_STD))
        c2 = self.layer2(c1)
        c3 = self.layer3(c2)
        c4 = self.layer4(c3)
        pooled = torch.flatten(F.adaptive_avg_pool2d(c4, 1), 1)
        # The regression head may stay float32 in an otherwise bf16 model (Predictor on the CPU).
        si_dtype = cast(nn.Linear, self.si_head[0]).weight.dtype
        si = self.si_head(pooled.to(si_dtype)).squeeze(1) + SI_CENTER
        p = self.lateral[3](c4)
        for feat, lat in zip(
            (c3, c2, c1), (self.lateral[2], self.lateral[1], self.lateral[0]), strict=True
        ):
            p = lat(feat) + F.interpolate(p, size=feat.shape[-2:], mode="nearest")
        return {"si": si, "heatmaps": self.heatmap_head(p), "features": pooled}


def fused_for_inference(model: SIModel) -> SIModel:
    """An eval-mode copy with every batch norm folded into the convolution before it.

    Same outputs (to float rounding) for about a tenth less time per image on the CPU, where
    batch norm is a separate pass over every feature map. Only for prediction: the copy's
    statistics are frozen into its weights.
    """
    import copy

    from torch.nn.utils.fusion import fuse_conv_bn_eval

    fused = copy.deepcopy(model).eval()
    pairs = [(fused.stem, "0", "1"), (fused.heatmap_head, "0", "1")]
    for layer in (fused.layer1, fused.layer2, fused.layer3, fused.layer4):
        for block in layer:
            pairs += [(block, f"conv{k}", f"bn{k}") for k in (1, 2, 3)]
            if block.downsample is not None:
                pairs.append((block.downsample, "0", "1"))
    for parent, conv_name, bn_name in pairs:
        conv, bn = parent.get_submodule(conv_name), parent.get_submodule(bn_name)
        merged = fuse_conv_bn_eval(cast(nn.Conv2d, conv), cast(nn.BatchNorm2d, bn))
        parent.register_module(conv_name, merged)
        parent.register_module(bn_name, nn.Identity())
    return fused


def load_backbone(model: SIModel, state: dict[str, torch.Tensor]) -> int:
    """Copy torchvision ResNet50 weights into the backbone; returns how many tensors loaded."""
    own = model.state_dict()
    mapped = {}
    for key, value in state.items():
        if key.startswith("fc."):
            continue
        name = key.replace("conv1.", "stem.0.", 1) if key.startswith("conv1.") else key
        name = name.replace("bn1.", "stem.1.", 1) if key.startswith("bn1.") else name
        if name == "stem.0.weight" and value.shape[1] == 3:
            value = value.sum(dim=1, keepdim=True)
        if name in own and own[name].shape == value.shape:
            mapped[name] = value
    missing = [k for k in own if k.startswith(("stem", "layer")) and k not in mapped]
    if missing:
        raise ValueError(
            f"the weights file lacks {len(missing)} backbone tensors, e.g. {missing[0]}"
        )
    model.load_state_dict(mapped, strict=False)
    return len(mapped)
