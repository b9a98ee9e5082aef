import math

import torch

from cytoclip_trainer.loss import contrastive_loss, contrastive_loss_from_logits, positive_targets


def test_clip_loss_on_hand_checked_logits():
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    # each row/column: -log(e^2 / (e^2 + 1)) = log(1 + e^-2)
    assert math.isclose(contrastive_loss_from_logits(logits).item(), math.log(1 + math.exp(-2)), rel_tol=1e-6)


def test_asymmetric_logits_average_both_directions():
    logits = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    # image->text rows: row0 -log(e/(e+1)), row1 -log(1/(e+1)); text->image rows (columns): col0 -log(e/(2e)),
    # col1 -log(1/2)
    i2t = 0.5 * (-math.log(math.e / (math.e + 1)) - math.log(1 / (math.e + 1)))
    t2i = 0.5 * (math.log(2) + math.log(2))
    assert math.isclose(contrastive_loss_from_logits(logits).item(), 0.5 * (i2t + t2i), rel_tol=1e-6)


def test_same_region_pairs_are_positives():
    t = positive_targets(['CP', 'SP', 'CP'])
    assert torch.allclose(t, torch.tensor([[0.5, 0, 0.5], [0, 1, 0], [0.5, 0, 0.5]]))
    logits = torch.tensor([[3.0, 0.0, 3.0], [0.0, 3.0, 0.0], [3.0, 0.0, 3.0]])
    multi = contrastive_loss_from_logits(logits, ['CP', 'SP', 'CP']).item()
    expected_cp_row = -(0.5 * 2 * math.log(math.exp(3) / (2 * math.exp(3) + 1)))
    expected_sp_row = -math.log(math.exp(3) / (math.exp(3) + 2))
    assert math.isclose(multi, (2 * expected_cp_row + expected_sp_row) / 3, rel_tol=1e-6)
    # When the other CP item scores higher than the item's own caption, identity targets punish it; ours do not.
    skew = torch.tensor([[1.0, 0.0, 3.0], [0.0, 3.0, 0.0], [3.0, 0.0, 1.0]])
    assert contrastive_loss_from_logits(skew, ['CP', 'SP', 'CP']) < contrastive_loss_from_logits(skew)


def test_loss_uses_the_temperature():
    image = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), dim=-1)
    hot = contrastive_loss(image, image, torch.tensor(5.0)).item()
    cold = contrastive_loss(image, image, torch.tensor(1.0)).item()
    assert math.isclose(hot, math.log(1 + math.exp(-5)), rel_tol=1e-4)
    assert math.isclose(cold, math.log(1 + math.exp(-1)), rel_tol=1e-6)
