"""Symmetric contrastive loss with multi-positive targets: pairs of the same region are positives, not negatives
(a tile batch holds many items of one region; treating them as negatives would push alike images apart)."""
import torch


def positive_targets(regions: list, device=None) -> torch.Tensor:
    """[N, N] row-normalised targets: 1 where two items share a region (the diagonal always)."""
    codes = {r: k for k, r in enumerate(sorted(set(regions)))}
    ids = torch.tensor([codes[r] for r in regions], device=device)
    same = (ids[:, None] == ids[None, :]).float()
    return same / same.sum(dim=1, keepdim=True)


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return -(targets * logits.log_softmax(dim=-1)).sum(dim=-1).mean()


def contrastive_loss(image: torch.Tensor, text: torch.Tensor, logit_scale: torch.Tensor, regions: list = None):
    """image, text: L2-normalised [N, D]. With regions=None this is CLIP's loss (identity targets)."""
    logits = logit_scale * image @ text.t()
    return contrastive_loss_from_logits(logits, regions)


def contrastive_loss_from_logits(logits: torch.Tensor, regions: list = None) -> torch.Tensor:
    n = logits.shape[0]
    if regions is None:
        targets = torch.eye(n, device=logits.device)
    else:
        targets = positive_targets(regions, logits.device)
    # The target matrix is symmetric, so the text->image direction uses the same targets on the transpose.
    return 0.5 * (soft_cross_entropy(logits.float(), targets) + soft_cross_entropy(logits.t().float(), targets))
