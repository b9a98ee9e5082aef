"""Runs the Node parity check (onnxruntime-node reproduces reference.json within tolerance) on a package."""
import os
import shutil
import subprocess

from .errors import CytoclipError

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
SCRIPT = os.path.join(REPO, 'services', 'trainer', 'node', 'verify.mjs')
UNAVAILABLE = 3


def node_available() -> str:
    """None when node and onnxruntime-node can run here, else why not."""
    if not shutil.which('node'):
        return 'node is not on PATH'
    if not os.path.isdir(os.path.join(REPO, 'node_modules', 'onnxruntime-node')):
        return f'onnxruntime-node is not installed in {REPO}/node_modules (run npm ci)'
    return None


def node_parity_check(package_dir: str) -> str:
    """Returns the checker's summary; raises CytoclipError when the graphs do not reproduce PyTorch."""
    why = node_available()
    if why:
        return f'parity check skipped: {why}'
    # tsx + the 'source' condition let the script import @cytoclip/model's TypeScript without a build.
    tsx = ['--conditions=source', '--import', 'tsx'] if os.path.isdir(os.path.join(REPO, 'node_modules', 'tsx')) else []
    proc = subprocess.run(['node', *tsx, SCRIPT, os.path.abspath(package_dir)], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise CytoclipError('parity-failed', f'{package_dir}: {proc.stdout.strip()} {proc.stderr.strip()[-2000:]}')
    return proc.stdout.strip()
