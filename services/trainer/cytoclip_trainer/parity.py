"""Runs the Node parity check (onnxruntime-node reproduces reference.json within tolerance) on a package."""
import json
import os
import shutil
import subprocess

from .errors import CytoclipError

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
UNAVAILABLE = 3


def node_available() -> str:
    """None when node and onnxruntime-node can run here, else why not."""
    if not shutil.which('node'):
        return 'node is not on PATH'
    if not os.path.isdir(os.path.join(REPO, 'node_modules', 'onnxruntime-node')):
        return f'onnxruntime-node is not installed in {REPO}/node_modules (run npm ci)'
    return None


def _node_command(script: str) -> list:
    # tsx + the 'source' condition let a script import @cytoclip/model's TypeScript without a build.
    tsx = ['--conditions=source', '--import', 'tsx'] if os.path.isdir(os.path.join(REPO, 'node_modules', 'tsx')) else []
    return ['node', *tsx, os.path.join(REPO, 'services', 'trainer', 'node', script)]


def node_evaluate(package_dir: str, dataset_dir: str) -> dict:
    """The Node evaluator's report (services/model evaluateModel) for a package on a dataset."""
    proc = subprocess.run([*_node_command('evaluate.mjs'), os.path.abspath(package_dir), os.path.abspath(dataset_dir)],
                          cwd=REPO, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise CytoclipError('node-eval-failed', proc.stderr.strip()[-2000:])
    return json.loads(proc.stdout)


def node_parity_check(package_dir: str) -> str:
    """Returns the checker's summary; raises CytoclipError when the graphs do not reproduce PyTorch."""
    why = node_available()
    if why:
        return f'parity check skipped: {why}'
    proc = subprocess.run([*_node_command('verify.mjs'), os.path.abspath(package_dir)], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise CytoclipError('parity-failed', f'{package_dir}: {proc.stdout.strip()} {proc.stderr.strip()[-2000:]}')
    return proc.stdout.strip()
