import os
import sys

import pytest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))

SHARED = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'shared'))
CLIP_BPE = os.path.join(SHARED, 'reference', 'clip-bpe')


def needs(what: str, missing_reason):
    """Like test/support's needs(): skip with the reason locally, FAIL under CI=true."""
    if not missing_reason:
        return
    message = f'{what} unavailable: {missing_reason}'
    if os.environ.get('CI') == 'true':
        pytest.fail(f'{message} (CI=true: required tests may not skip)')
    pytest.skip(message)


@pytest.fixture(scope='session')
def tiny_dataset(tmp_path_factory):
    from cytoclip_trainer.fixtures import make_tiny_dataset
    return make_tiny_dataset(str(tmp_path_factory.mktemp('tiny-dataset')))
