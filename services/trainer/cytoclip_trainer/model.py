"""CLIP in OpenAI's layout. Parameter names and shapes match OpenAI CLIP and open_clip state dicts
(e.g. `visual.transformer.resblocks.0.attn.in_proj_weight`), so a lab's ViT-B/16 checkpoint loads as it is.
Attention is written out with matmuls: nn.MultiheadAttention does not export to ONNX under eval()+no_grad in torch 1.13."""
import math
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig


class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    """Same parameters as nn.MultiheadAttention (in_proj_weight/bias, out_proj), computed with plain matmuls."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor = None, queries: torch.Tensor = None) -> torch.Tensor:
        """Every row of x attends to every row (under mask); with `queries` ([n, m, width], already normalised like
        x), only those rows attend and only their outputs are computed."""
        n, length, width = x.shape
        head_dim = width // self.heads
        if queries is None:
            q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        else:
            w_q, w_kv = self.in_proj_weight.split([width, 2 * width])
            b_q, b_kv = self.in_proj_bias.split([width, 2 * width])
            q = F.linear(queries, w_q, b_q)
            k, v = F.linear(x, w_kv, b_kv).chunk(2, dim=-1)
        rows = q.shape[1]
        q = q.reshape(n, rows, self.heads, head_dim).transpose(1, 2)
        k, v = (t.reshape(n, length, self.heads, head_dim).transpose(1, 2) for t in (k, v))
        scores = torch.matmul(q * (head_dim ** -0.5), k.transpose(-2, -1))
        if mask is not None:
            scores = scores + mask
        out = torch.matmul(scores.softmax(dim=-1), v)
        return self.out_proj(out.transpose(1, 2).reshape(n, rows, width))


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width: int, heads: int, activation: str):
        super().__init__()
        self.attn = Attention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        act = QuickGELU() if activation == 'quick_gelu' else nn.GELU()
        self.mlp = nn.Sequential(OrderedDict([
            ('c_fc', nn.Linear(width, width * 4)), ('gelu', act), ('c_proj', nn.Linear(width * 4, width))]))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor = None) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp(self.ln_2(x))

    def forward_rows(self, x: torch.Tensor, rows: torch.Tensor, mask: torch.Tensor = None) -> torch.Tensor:
        """The block's output at `rows` ([n, m, width], rows of x) only, `mask` being their rows of the mask: the
        same values as forward's at those rows, without computing the rest."""
        y = rows + self.attn(self.ln_1(x), mask, queries=self.ln_1(rows))
        return y + self.mlp(self.ln_2(y))


class Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int, activation: str):
        super().__init__()
        self.width, self.layers = width, layers
        self.resblocks = nn.ModuleList([ResidualAttentionBlock(width, heads, activation) for _ in range(layers)])

    def forward(self, x: torch.Tensor, mask: torch.Tensor = None) -> torch.Tensor:
        for block in self.resblocks:
            x = block(x, mask)
        return x

    def init_weights(self):
        proj_std = (self.width ** -0.5) * ((2 * self.layers) ** -0.5)
        for block in self.resblocks:
            nn.init.normal_(block.attn.in_proj_weight, std=self.width ** -0.5)
            nn.init.normal_(block.attn.out_proj.weight, std=proj_std)
            nn.init.zeros_(block.attn.out_proj.bias)
            nn.init.normal_(block.mlp.c_fc.weight, std=(2 * self.width) ** -0.5)
            nn.init.normal_(block.mlp.c_proj.weight, std=proj_std)


class VisionTransformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        v = cfg.vision
        grid = v.image_size // v.patch_size
        scale = v.width ** -0.5
        self.conv1 = nn.Conv2d(3, v.width, kernel_size=v.patch_size, stride=v.patch_size, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(v.width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid * grid + 1, v.width))
        self.ln_pre = nn.LayerNorm(v.width)
        self.transformer = Transformer(v.width, v.layers, v.heads, cfg.activation)
        self.ln_post = nn.LayerNorm(v.width)
        self.proj = nn.Parameter(scale * torch.randn(v.width, cfg.embed_dim))
        self.transformer.init_weights()

    def forward(self, pixel_values: torch.Tensor, pooled_only: bool = False) -> torch.Tensor:
        """pooled_only: the last block computes the class token's row alone, the only row the embedding keeps (the
        same embedding to float rounding, about a fifth fewer FLOPs; what the exported graph runs)."""
        x = self.conv1(pixel_values)
        x = x.flatten(2).transpose(1, 2)
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, x.shape[-1])
        x = self.ln_pre(torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype))
        if pooled_only:
            *blocks, last = self.transformer.resblocks
            for block in blocks:
                x = block(x)
            x = last.forward_rows(x, x[:, :1])
        else:
            x = self.transformer(x)
        return self.ln_post(x[:, 0, :]) @ self.proj


class CLIP(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        t = cfg.text
        self.visual = VisionTransformer(cfg)
        self.transformer = Transformer(t.width, t.layers, t.heads, cfg.activation)
        self.token_embedding = nn.Embedding(t.vocab_size, t.width)
        self.positional_embedding = nn.Parameter(torch.empty(t.context_length, t.width))
        self.ln_final = nn.LayerNorm(t.width)
        self.text_projection = nn.Parameter(torch.empty(t.width, cfg.embed_dim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        # Causal mask; not persistent so state dicts keep OpenAI's key set.
        mask = torch.full((t.context_length, t.context_length), float('-inf')).triu(1)
        self.register_buffer('attn_mask', mask, persistent=False)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.positional_embedding, std=0.01)
        nn.init.normal_(self.text_projection, std=t.width ** -0.5)
        self.transformer.init_weights()

    def encode_image(self, pixel_values: torch.Tensor, pooled_only: bool = False) -> torch.Tensor:
        """Image embeddings, NOT normalised (the runtime normalises). pooled_only: see VisionTransformer.forward."""
        return self.visual(pixel_values, pooled_only)

    def encode_text(self, input_ids: torch.Tensor, pooled_only: bool = False) -> torch.Tensor:
        """Text embeddings pooled at the FIRST end-of-text token, NOT normalised. pooled_only: the last block
        computes that token's row alone (the same embedding to float rounding; what the exported graph runs)."""
        x = self.token_embedding(input_ids) + self.positional_embedding
        eos = (input_ids == self.cfg.text.eos_token_id).to(torch.float32).argmax(dim=-1)
        batch = torch.arange(x.shape[0])
        if pooled_only:
            *blocks, last = self.transformer.resblocks
            for block in blocks:
                x = block(x, self.attn_mask)
            # The eos row attends under its own row of the causal mask: [n, 1 head, 1 row, context].
            pooled = last.forward_rows(x, x[batch, eos].unsqueeze(1), self.attn_mask[eos][:, None, None, :])[:, 0]
        else:
            pooled = self.transformer(x, self.attn_mask)[batch, eos]
        return self.ln_final(pooled) @ self.text_projection

    def forward(self, pixel_values: torch.Tensor, input_ids: torch.Tensor):
        image = F.normalize(self.encode_image(pixel_values), dim=-1)
        text = F.normalize(self.encode_text(input_ids), dim=-1)
        return image, text, self.logit_scale.exp()


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
