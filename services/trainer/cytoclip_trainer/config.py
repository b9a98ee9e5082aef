"""Model configurations. Sizes follow OpenAI CLIP's naming (width, layers, heads)."""
from dataclasses import asdict, dataclass, field, replace

from .errors import CytoclipError

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


@dataclass(frozen=True)
class VisionConfig:
    image_size: int
    patch_size: int
    width: int
    layers: int
    heads: int


@dataclass(frozen=True)
class TextConfig:
    context_length: int
    vocab_size: int
    width: int
    layers: int
    heads: int
    # Pooling takes the FIRST end-of-text token, so the graph needs its id (49407 for OpenAI's vocabulary).
    eos_token_id: int = 2


@dataclass(frozen=True)
class ModelConfig:
    name: str
    embed_dim: int
    vision: VisionConfig
    text: TextConfig
    # OpenAI's checkpoints use QuickGELU; keep it everywhere so a ViT-B/16 checkpoint behaves as trained.
    activation: str = 'quick_gelu'
    mean: list = field(default_factory=lambda: list(CLIP_MEAN))
    std: list = field(default_factory=lambda: list(CLIP_STD))

    def to_dict(self) -> dict:
        return asdict(self)

    def with_tokenizer(self, vocab_size: int, eos_token_id: int) -> 'ModelConfig':
        return replace(self, text=replace(self.text, vocab_size=vocab_size, eos_token_id=eos_token_id))

    @staticmethod
    def from_dict(d: dict) -> 'ModelConfig':
        return ModelConfig(
            name=d['name'], embed_dim=d['embed_dim'], vision=VisionConfig(**d['vision']), text=TextConfig(**d['text']),
            activation=d.get('activation', 'quick_gelu'), mean=list(d.get('mean', CLIP_MEAN)),
            std=list(d.get('std', CLIP_STD)))


CONFIGS = {
    # Tests and fixtures only: tiny and fast, under 1 MB.
    'tiny': ModelConfig('tiny', 32, VisionConfig(64, 16, 32, 2, 2), TextConfig(77, 512, 32, 2, 2)),
    # Shipped models: ~4 M parameters so the package (fp32 ONNX + fp16 weights.pt) stays under 25 MB and a CPU core
    # embeds well over 60 tiles/s in onnxruntime. The vocabulary size is set from the project's tokenizer (<= 8k).
    'mini': ModelConfig('mini', 256, VisionConfig(224, 16, 192, 4, 3), TextConfig(77, 4096, 192, 3, 3)),
    # OpenAI CLIP ViT-B/16, so a lab's checkpoint (OpenAI or open_clip key names) loads for fine-tuning.
    'ViT-B-16': ModelConfig('ViT-B-16', 512, VisionConfig(224, 16, 768, 12, 12), TextConfig(77, 49408, 512, 12, 8, 49407)),
}


def get_config(name: str) -> ModelConfig:
    if name not in CONFIGS:
        raise CytoclipError('unknown-config', f'no model configuration {name!r}; known: {", ".join(CONFIGS)}')
    return CONFIGS[name]
