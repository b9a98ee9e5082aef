"""Loading OpenAI / open_clip state dicts. The reference network here is written the way OpenAI's clip/model.py is
(nn.MultiheadAttention, LND layout), independently of cytoclip_trainer.model, so names, shapes AND numerics are
checked against it."""
from collections import OrderedDict

import pytest
import torch
from torch import nn

from cytoclip_trainer.checkpoint import extract_state_dict, load_init, load_into
from cytoclip_trainer.config import get_config
from cytoclip_trainer.errors import CytoclipError
from cytoclip_trainer.model import CLIP, QuickGELU


class OpenAIBlock(nn.Module):
    def __init__(self, d, h, mask=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, h)
        self.ln_1 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(OrderedDict([('c_fc', nn.Linear(d, d * 4)), ('gelu', QuickGELU()),
                                              ('c_proj', nn.Linear(d * 4, d))]))
        self.ln_2 = nn.LayerNorm(d)
        self.mask = mask

    def forward(self, x):
        x = x + self.attn(self.ln_1(x), self.ln_1(x), self.ln_1(x), need_weights=False, attn_mask=self.mask)[0]
        return x + self.mlp(self.ln_2(x))


class OpenAITransformer(nn.Module):
    def __init__(self, d, layers, h, mask=None):
        super().__init__()
        self.resblocks = nn.Sequential(*[OpenAIBlock(d, h, mask) for _ in range(layers)])


class OpenAIVisual(nn.Module):
    def __init__(self, size, patch, d, layers, h, out):
        super().__init__()
        self.conv1 = nn.Conv2d(3, d, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(d))
        self.positional_embedding = nn.Parameter(torch.randn((size // patch) ** 2 + 1, d))
        self.ln_pre = nn.LayerNorm(d)
        self.transformer = OpenAITransformer(d, layers, h)
        self.ln_post = nn.LayerNorm(d)
        self.proj = nn.Parameter(torch.randn(d, out))

    def forward(self, x):
        x = self.conv1(x).reshape(x.shape[0], self.conv1.out_channels, -1).permute(0, 2, 1)
        x = torch.cat([self.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1]), x], dim=1)
        x = self.ln_pre(x + self.positional_embedding).permute(1, 0, 2)
        x = self.transformer.resblocks(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class OpenAICLIP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        v, t = cfg.vision, cfg.text
        self.visual = OpenAIVisual(v.image_size, v.patch_size, v.width, v.layers, v.heads, cfg.embed_dim)
        mask = torch.empty(t.context_length, t.context_length).fill_(float('-inf')).triu_(1)
        self.transformer = OpenAITransformer(t.width, t.layers, t.heads, mask)
        self.token_embedding = nn.Embedding(t.vocab_size, t.width)
        self.positional_embedding = nn.Parameter(torch.randn(t.context_length, t.width) * 0.01)
        self.ln_final = nn.LayerNorm(t.width)
        self.text_projection = nn.Parameter(torch.randn(t.width, cfg.embed_dim) * t.width ** -0.5)
        self.logit_scale = nn.Parameter(torch.ones([]) * 4.6)

    def encode_text(self, ids):
        x = (self.token_embedding(ids) + self.positional_embedding).permute(1, 0, 2)
        x = self.ln_final(self.transformer.resblocks(x).permute(1, 0, 2))
        return x[torch.arange(x.shape[0]), ids.argmax(dim=-1)] @ self.text_projection


def openai_vit_b16_shapes() -> dict:
    """OpenAI ViT-B/16's state dict, key by key, as clip/model.py names them (written out here, not derived)."""
    shapes = {'positional_embedding': (77, 512), 'text_projection': (512, 512), 'logit_scale': (),
              'visual.class_embedding': (768,), 'visual.positional_embedding': (197, 768), 'visual.proj': (768, 512),
              'visual.conv1.weight': (768, 3, 16, 16), 'visual.ln_pre.weight': (768,), 'visual.ln_pre.bias': (768,),
              'visual.ln_post.weight': (768,), 'visual.ln_post.bias': (768,), 'token_embedding.weight': (49408, 512),
              'ln_final.weight': (512,), 'ln_final.bias': (512,)}
    for prefix, d in (('visual.transformer', 768), ('transformer', 512)):
        for i in range(12):
            b = f'{prefix}.resblocks.{i}'
            shapes.update({f'{b}.attn.in_proj_weight': (3 * d, d), f'{b}.attn.in_proj_bias': (3 * d,),
                           f'{b}.attn.out_proj.weight': (d, d), f'{b}.attn.out_proj.bias': (d,),
                           f'{b}.ln_1.weight': (d,), f'{b}.ln_1.bias': (d,), f'{b}.mlp.c_fc.weight': (4 * d, d),
                           f'{b}.mlp.c_fc.bias': (4 * d,), f'{b}.mlp.c_proj.weight': (d, 4 * d),
                           f'{b}.mlp.c_proj.bias': (d,), f'{b}.ln_2.weight': (d,), f'{b}.ln_2.bias': (d,)})
    return shapes


def test_random_vit_b16_state_dict_with_openai_names_loads(tmp_path):
    gen = torch.Generator().manual_seed(0)
    # OpenAI released fp16 weights plus three non-parameter entries.
    state = {k: torch.randn(s, generator=gen).half() for k, s in openai_vit_b16_shapes().items()}
    state.update({'input_resolution': torch.tensor(224), 'context_length': torch.tensor(77),
                  'vocab_size': torch.tensor(49408)})
    torch.save(state, tmp_path / 'ViT-B-16.pt')
    model = CLIP(get_config('ViT-B-16'))
    load_init(model, str(tmp_path / 'ViT-B-16.pt'))
    ours = model.state_dict()
    assert len(ours) == len(state) - 3 == 302
    for key in ('visual.transformer.resblocks.0.attn.in_proj_weight', 'transformer.resblocks.11.mlp.c_proj.weight',
                'visual.proj', 'text_projection', 'logit_scale', 'visual.conv1.weight'):
        assert torch.equal(ours[key], state[key].float())


def test_numerics_match_openai_layout_and_open_clip_wrapping(tmp_path):
    torch.manual_seed(1)
    cfg = get_config('tiny').with_tokenizer(100, 99)  # OpenAI's eos is the largest id: argmax pooling is right
    reference = OpenAICLIP(cfg).eval()
    wrapped = {'epoch': 3, 'state_dict': {f'module.{k}': v for k, v in reference.state_dict().items()}}
    torch.save(wrapped, tmp_path / 'open_clip.pt')
    model = CLIP(cfg).eval()
    load_init(model, str(tmp_path / 'open_clip.pt'))
    pixels = torch.randn(2, 3, 64, 64)
    ids = torch.zeros(2, 77, dtype=torch.long)
    ids[0, :4] = torch.tensor([98, 10, 11, 99])
    ids[1, :6] = torch.tensor([98, 12, 13, 14, 15, 99])
    with torch.no_grad():
        assert torch.allclose(model.encode_image(pixels), reference.visual(pixels), atol=1e-5)
        assert torch.allclose(model.encode_text(ids), reference.encode_text(ids), atol=1e-5)


def test_pooled_only_forward_matches_openai_reference(tmp_path):
    """What the ONNX graphs run (the last block computes only the pooled row) is the same network as OpenAI's
    full forward: eos early, late and in the last position (a truncated caption), rows differing in length."""
    torch.manual_seed(2)
    cfg = get_config('tiny').with_tokenizer(100, 99)
    reference = OpenAICLIP(cfg).eval()
    model = CLIP(cfg).eval()
    model.load_state_dict(reference.state_dict())
    pixels = torch.randn(3, 3, 64, 64)
    ids = torch.randint(1, 98, (3, 77))
    ids[0, 3:] = 0
    ids[0, 2] = 99
    ids[1, 40] = 99
    ids[2, 76] = 99
    with torch.no_grad():
        assert torch.allclose(model.encode_image(pixels, pooled_only=True), reference.visual(pixels), atol=1e-5)
        assert torch.allclose(model.encode_text(ids, pooled_only=True), reference.encode_text(ids), atol=1e-5)
        # and it really computes less: the last block's attention is asked for one row per sample
        rows = []
        last = model.visual.transformer.resblocks[-1].attn
        handle = last.register_forward_hook(lambda m, args, out: rows.append(out.shape[1]))
        model.encode_image(pixels, pooled_only=True)
        handle.remove()
        assert rows == [1]


def test_first_eos_pooling_not_argmax():
    cfg = get_config('tiny').with_tokenizer(50, 2)
    model = CLIP(cfg).eval()
    ids = torch.zeros(1, 77, dtype=torch.long)
    ids[0, :4] = torch.tensor([1, 40, 41, 2])
    moved = ids.clone()
    moved[0, 10] = 49 % 50  # a larger id after the eos must not move the pooling point
    with torch.no_grad():
        assert torch.equal(model.encode_text(ids), model.encode_text(moved))


def test_wrong_shapes_and_missing_keys_are_named():
    model = CLIP(get_config('tiny'))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state['visual.proj'] = torch.zeros(5, 5)
    del state['ln_final.bias']
    state['extra.weight'] = torch.zeros(1)
    with pytest.raises(CytoclipError) as e:
        load_into(model, state, 'lab.pt')
    msg = str(e.value)
    assert 'missing key(s): ln_final.bias' in msg
    assert 'unexpected key(s): extra.weight' in msg
    assert 'visual.proj (5, 5) != (32, 32)' in msg
    assert e.value.code == 'bad-checkpoint'


def test_not_a_checkpoint(tmp_path):
    (tmp_path / 'junk.pt').write_bytes(b'not a checkpoint')
    with pytest.raises(CytoclipError, match='cannot read checkpoint'):
        load_init(CLIP(get_config('tiny')), str(tmp_path / 'junk.pt'))
    with pytest.raises(CytoclipError, match='expected a state dict'):
        extract_state_dict([1, 2])
