import torch

from cytoclip_trainer.augment import augment, blur, stain_jitter


def test_augment_keeps_shape_and_range_and_is_seeded():
    x = torch.rand(3, 32, 32)
    a = augment(x, torch.Generator().manual_seed(5))
    b = augment(x, torch.Generator().manual_seed(5))
    c = augment(x, torch.Generator().manual_seed(6))
    assert a.shape == x.shape and a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_stain_jitter_keeps_white_white_and_changes_stain():
    x = torch.ones(3, 8, 8)
    x[:, :4] = 0.3
    y = stain_jitter(x, torch.Generator().manual_seed(1), strength=0.3)
    assert torch.allclose(y[:, 4:], torch.ones(3, 4, 8), atol=0.02)  # no dye, nothing to jitter
    assert not torch.allclose(y[:, :4], x[:, :4], atol=1e-3)


def test_blur_preserves_a_flat_image_and_smooths_an_edge():
    flat = torch.full((3, 16, 16), 0.5)
    assert torch.allclose(blur(flat, 1.0), flat, atol=1e-6)
    edge = torch.zeros(3, 16, 16)
    edge[:, :, 8:] = 1
    out = blur(edge, 1.0)
    assert 0 < out[0, 0, 7] < 0.5 < out[0, 0, 8] < 1

