"""NISSL-minded augmentation on float RGB tensors in [0, 1], [3, H, W]: stain jitter in optical density (the
dye amount varies between sections), colour jitter, flips, 90° rotations (tissue has no up), blur (focus) and
scale jitter (a crop resized back: training-time only; the data itself is never resized)."""
import math

import torch
import torch.nn.functional as F


def stain_jitter(x: torch.Tensor, g: torch.Generator, strength: float = 0.15) -> torch.Tensor:
    od = -torch.log(x.clamp(min=1 / 255))
    scale = 1 + strength * (2 * torch.rand(3, 1, 1, generator=g) - 1)
    shift = 0.05 * strength * (2 * torch.rand(3, 1, 1, generator=g) - 1)
    return torch.exp(-(od * scale + shift)).clamp(0, 1)


def colour_jitter(x: torch.Tensor, g: torch.Generator, strength: float = 0.15) -> torch.Tensor:
    b, c, s = (1 + strength * (2 * torch.rand(3, generator=g) - 1)).tolist()
    x = x * b
    mean = x.mean()
    x = (x - mean) * c + mean
    grey = x.mean(dim=0, keepdim=True)
    return ((x - grey) * s + grey).clamp(0, 1)


def blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = max(1, int(math.ceil(2 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    y = F.pad(x[None], (radius, radius, radius, radius), mode='reflect')
    y = F.conv2d(y, k.view(1, 1, 1, -1).expand(3, 1, 1, -1), groups=3)
    y = F.conv2d(y, k.view(1, 1, -1, 1).expand(3, 1, -1, 1), groups=3)
    return y[0]


def scale_jitter(x: torch.Tensor, g: torch.Generator, min_scale: float = 0.75) -> torch.Tensor:
    size = x.shape[-1]
    side = int(size * (min_scale + (1 - min_scale) * torch.rand(1, generator=g).item()))
    if side >= size:
        return x
    y0, x0 = (int(torch.randint(0, size - side + 1, (1,), generator=g)) for _ in range(2))
    crop = x[:, y0:y0 + side, x0:x0 + side]
    return F.interpolate(crop[None], size=(size, size), mode='bilinear', align_corners=False)[0].clamp(0, 1)


def augment(x: torch.Tensor, g: torch.Generator, min_scale: float = 0.9) -> torch.Tensor:
    # Tiles come at a fixed µm/px, so cell size and density are evidence: scale jitter only covers calibration error
    # between scanners (±10% by default), not zoom.
    r = lambda: torch.rand(1, generator=g).item()  # noqa: E731
    x = stain_jitter(x, g)
    x = colour_jitter(x, g)
    if r() < 0.5:
        x = x.flip(-1)
    x = torch.rot90(x, int(torch.randint(0, 4, (1,), generator=g)), dims=(-2, -1))
    if r() < 0.3:
        x = blur(x, 0.3 + 1.2 * r())
    if r() < 0.5 and min_scale < 1:
        x = scale_jitter(x, g, min_scale)
    return x
