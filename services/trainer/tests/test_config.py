import pytest

from cytoclip_trainer.bpe_train import train_bpe
from cytoclip_trainer.config import get_config
from cytoclip_trainer.errors import CytoclipError
from cytoclip_trainer.model import CLIP, count_parameters


def test_mini_fits_the_bundled_package_budget():
    # fp32 ONNX graphs (4 bytes) + fp16 weights.pt (2 bytes) per parameter, with the default 1024-token vocabulary,
    # leaving > 1 MB for tokenizer, reference tensors and PNGs under the 25 MB limit.
    params = count_parameters(CLIP(get_config('mini').with_tokenizer(1024, 2)))
    assert params * 6 < 24_000_000
    assert count_parameters(CLIP(get_config('tiny').with_tokenizer(800, 2))) * 6 < 1_000_000


def test_unknown_config_and_oversized_vocabulary_are_refused():
    with pytest.raises(CytoclipError, match="no model configuration 'huge'"):
        get_config('huge')
    with pytest.raises(CytoclipError, match='exceeds'):
        train_bpe(['a b'], 9000)
