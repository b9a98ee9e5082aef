"""`export --quantize int8`: the int8 image graph written beside a package's fp32 one, recorded in model.json, and
running in onnxruntime-node (the Node runtime's precision: 'int8') with embeddings close to fp32."""
import json
import os
import subprocess

import numpy as np
import pytest

from conftest import needs
from cytoclip_trainer.export import export_random, main
from cytoclip_trainer.package import sha256
from cytoclip_trainer.parity import REPO, node_available
from cytoclip_trainer.quantize import INT8_FILE, quantize_weight


def onnx_missing():
    try:
        import onnx  # noqa: F401
        return None
    except ImportError:
        return 'the onnx package (apt-get install python3-onnx)'


def test_weights_round_trip_within_half_a_step_per_column():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(48, 20)).astype(np.float32) * np.linspace(0.01, 3, 20, dtype=np.float32)
    q, scale = quantize_weight(w)
    assert q.dtype == np.int8 and scale.shape == (20,) and np.abs(q).max() <= 127
    assert np.all(np.abs(q * scale - w) <= scale / 2 + 1e-7)
    assert np.all(np.abs(q).max(axis=0) == 127)  # every column uses its whole range


def test_export_quantize_adds_the_int8_graph_and_keeps_the_rest(tmp_path, capsys):
    needs('int8 export', onnx_missing())
    import onnx
    pkg = str(tmp_path / 'pkg')
    export_random('tiny', pkg)
    before = json.load(open(os.path.join(pkg, 'model.json')))
    assert main(['--quantize', 'int8', '--package', pkg, '--no-verify']) == 0
    assert 'MatMuls int8' in capsys.readouterr().out
    after = json.load(open(os.path.join(pkg, 'model.json')))
    entry = after['files'].pop('imageEncoderInt8')
    assert after == before  # the fp32 graphs, weights, name@version untouched
    assert entry['path'] == INT8_FILE and entry['sha256'] == sha256(os.path.join(pkg, INT8_FILE))
    ops = [n.op_type for n in onnx.load(os.path.join(pkg, INT8_FILE)).graph.node]
    assert ops.count('MatMulInteger') == entry['quantizedMatMuls'] > 0
    assert 'DynamicQuantizeLinear' in ops


def test_quantize_refuses_a_folder_without_a_package(tmp_path, capsys):
    assert main(['--quantize', 'int8', '--package', str(tmp_path), '--no-verify']) == 2
    assert 'no model.json' in capsys.readouterr().err
    assert main(['--quantize', 'int8', '--no-verify']) == 2
    assert '--package' in capsys.readouterr().err


def test_node_runs_the_int8_graph_close_to_fp32(tmp_path):
    needs('int8 export', onnx_missing())
    needs('Node', node_available())
    pkg = str(tmp_path / 'pkg')
    export_random('tiny', pkg)
    assert main(['--quantize', 'int8', '--package', pkg, '--no-verify']) == 0
    script = (
        "import { CytoclipModel } from '@cytoclip/model';"
        "import { readdirSync } from 'node:fs'; import { join } from 'node:path';"
        "const dir = process.argv[1]; const ref = join(dir, 'reference');"
        "const images = readdirSync(ref).filter((f) => f.endsWith('.png')).map((f) => join(ref, f));"
        "const a = await CytoclipModel.open(dir, { precision: 'fp32' });"
        "const b = await CytoclipModel.open(dir, { precision: 'int8' });"
        "const [x, y] = [await a.embedImages(images), await b.embedImages(images)];"
        "console.log(JSON.stringify(x.map((v, i) => v.reduce((s, e, j) => s + e * y[i][j], 0))));"
        "await a.close(); await b.close();"
    )
    proc = subprocess.run(['node', '--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script, pkg],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    cosines = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(cosines) > 0 and min(cosines) > 0.99
