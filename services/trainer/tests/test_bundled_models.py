"""The bundled packages under models/: the atlas generator version they were trained on must be the generator's
current version (a changed atlas must not silently invalidate them), each file must match its sha256, and each
package must stay within 25 MB."""
import hashlib
import json
import os
import re

import pytest

from cytoclip_trainer.parity import REPO

MODELS = os.path.join(REPO, 'models')
VERSION_TS = os.path.join(REPO, 'services', 'atlas', 'src', 'version.ts')
LIMIT = 25 * 1000 * 1000


def bundled() -> list:
    if not os.path.isdir(MODELS):
        return []
    return sorted(d for d in os.listdir(MODELS) if os.path.isfile(os.path.join(MODELS, d, 'model.json')))


def generator():
    text = open(VERSION_TS).read()
    return (re.search(r"GENERATOR_NAME = '([^']+)'", text).group(1),
            re.search(r"GENERATOR_VERSION = '([^']+)'", text).group(1))


@pytest.mark.parametrize('name', bundled() or [pytest.param(None, marks=pytest.mark.skip(reason='no bundled models yet'))])
def test_bundled_model(name):
    root = os.path.join(MODELS, name)
    doc = json.load(open(os.path.join(root, 'model.json')))
    gen = doc['training'].get('atlasGenerator') or {}
    assert (gen.get('name'), gen.get('version')) == generator(), f'{name} was trained on {gen}; the generator is now {generator()}'
    for key, f in doc['files'].items():
        data = open(os.path.join(root, f['path']), 'rb').read()
        assert hashlib.sha256(data).hexdigest() == f['sha256'], f'{name}: {key} does not match its sha256'
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs)
    assert size <= LIMIT, f'{name} is {size} bytes, over {LIMIT}'
