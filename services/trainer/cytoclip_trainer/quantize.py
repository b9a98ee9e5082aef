"""int8 image graph: `python3 -m cytoclip_trainer.export --quantize int8 PACKAGE` writes `image_encoder.int8.onnx`
beside a package's fp32 graph and records it in model.json (`files.imageEncoderInt8`).

Why this scheme and this tool: onnxruntime's Python quantizer is not installable here, so the graph is rewritten
with the `onnx` package (Debian's python3-onnx). Dynamic quantization, weights per output channel: every MatMul
whose right operand is a weight becomes DynamicQuantizeLinear (the activation, uint8, its scale and zero point
computed per batch at run time) → MatMulInteger against int8 weights (symmetric, zero point 0, one scale per output
column) → Cast → Mul by activation scale × column scales. No calibration set is needed, so nothing is fitted on
data (the test sets stay untouched), and onnxruntime's CPU provider fuses the chain into MatMulIntegerToFloat.
Attention's activation × activation products, the patch convolution, LayerNorm and softmax stay fp32: they are a
small share of the work at 50 tokens and the least tolerant of 8 bits.
"""
import json
import os

import numpy as np

from .errors import CytoclipError

INT8_FILE = 'image_encoder.int8.onnx'
SCHEME = 'dynamic-int8-per-channel-matmul'


def _onnx():
    try:
        import onnx  # noqa: F401  (Debian: python3-onnx; only this command needs it)
        from onnx import helper, numpy_helper, TensorProto
        return onnx, helper, numpy_helper, TensorProto
    except ImportError as e:
        raise CytoclipError('missing-dependency', 'the int8 export needs the onnx package (apt-get install python3-onnx)') from e


def quantize_weight(w: np.ndarray):
    """Symmetric int8 per output column: w ≈ q * scale[None, :], |q| ≤ 127."""
    scale = np.maximum(np.abs(w).max(axis=0), 1e-12).astype(np.float32) / np.float32(127.0)
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale


def quantize_graph(src: str, dst: str) -> int:
    """Writes the int8 graph of `src` to `dst`; returns how many MatMuls were quantized."""
    onnx, helper, numpy_helper, TensorProto = _onnx()
    model = onnx.load(src)
    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    nodes, added, count = [], [], 0
    for node in graph.node:
        w = weights.get(node.input[1]) if node.op_type == 'MatMul' else None
        if w is None or len(w.dims) != 2:
            nodes.append(node)
            continue
        q, scale = quantize_weight(numpy_helper.to_array(w).astype(np.float32))
        p = f'int8_{count}_'
        added += [numpy_helper.from_array(q, p + 'weight'), numpy_helper.from_array(scale, p + 'weight_scale')]
        nodes += [
            helper.make_node('DynamicQuantizeLinear', [node.input[0]], [p + 'x', p + 'x_scale', p + 'x_zero']),
            helper.make_node('MatMulInteger', [p + 'x', p + 'weight', p + 'x_zero'], [p + 'acc']),
            helper.make_node('Cast', [p + 'acc'], [p + 'acc_f'], to=TensorProto.FLOAT),
            helper.make_node('Mul', [p + 'x_scale', p + 'weight_scale'], [p + 'scale']),
            helper.make_node('Mul', [p + 'acc_f', p + 'scale'], [node.output[0]]),
        ]
        count += 1
    if count == 0:
        raise CytoclipError('nothing-to-quantize', f'{src} has no MatMul with a weight operand')
    used = {name for n in nodes for name in n.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return count


def quantize_package(package: str) -> dict:
    """Adds the int8 image graph to a package in place; the fp32 graphs, weights and name@version stay."""
    from .package import sha256
    path = os.path.join(package, 'model.json')
    if not os.path.isfile(path):
        raise CytoclipError('not-a-package', f'{package} has no model.json')
    with open(path, encoding='utf-8') as f:
        doc = json.load(f)
    src = os.path.join(package, doc['files']['imageEncoder']['path'])
    count = quantize_graph(src, os.path.join(package, INT8_FILE))
    doc['files']['imageEncoderInt8'] = {'path': INT8_FILE, 'sha256': sha256(os.path.join(package, INT8_FILE)),
                                        'scheme': SCHEME, 'quantizedMatMuls': count}
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write('\n')
    return doc
