"""Loading state dicts from OpenAI CLIP, open_clip and our own checkpoints, with errors that name what is wrong."""
import torch

from .errors import CytoclipError

# Keys an OpenAI JIT/state-dict file carries that are not parameters.
NON_PARAMETERS = ('input_resolution', 'context_length', 'vocab_size', 'attn_mask', 'visual.attn_mask')


def extract_state_dict(obj) -> dict:
    """Unwraps {'state_dict': ...} / {'model': ...} and the 'module.' prefix of DataParallel checkpoints."""
    if isinstance(obj, torch.jit.ScriptModule):
        obj = obj.state_dict()
    for key in ('state_dict', 'model'):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict):
        raise CytoclipError('bad-checkpoint', f'expected a state dict, got {type(obj).__name__}')
    out = {}
    for k, v in obj.items():
        k = k[len('module.'):] if k.startswith('module.') else k
        if k not in NON_PARAMETERS and torch.is_tensor(v):
            out[k] = v
    return out


def read_checkpoint(path: str):
    try:
        return torch.load(path, map_location='cpu')
    except FileNotFoundError as e:
        raise CytoclipError('missing-file', f'checkpoint not found: {path}') from e
    except Exception as e:  # noqa: BLE001 - pickle, zip and torch errors all mean "not a readable checkpoint"
        # OpenAI's released files are TorchScript archives.
        try:
            return torch.jit.load(path, map_location='cpu')
        except Exception:
            raise CytoclipError('bad-checkpoint', f'cannot read checkpoint {path}: {e}') from e


def load_into(model, state: dict, source: str = 'checkpoint', allow_missing=()):
    """Strict load: every parameter present with the right shape, no stray keys; errors list the offenders."""
    own = model.state_dict()
    missing = [k for k in own if k not in state and k not in allow_missing]
    unexpected = [k for k in state if k not in own]
    wrong = [f'{k} {tuple(state[k].shape)} != {tuple(own[k].shape)}' for k in own
             if k in state and state[k].shape != own[k].shape]
    problems = []
    if missing:
        problems.append(f'{len(missing)} missing key(s): {", ".join(missing[:5])}')
    if unexpected:
        problems.append(f'{len(unexpected)} unexpected key(s): {", ".join(unexpected[:5])}')
    if wrong:
        problems.append(f'{len(wrong)} wrong shape(s): {"; ".join(wrong[:5])}')
    if problems:
        raise CytoclipError('bad-checkpoint', f'{source} does not fit the {model.cfg.name} model: {" / ".join(problems)}')
    with torch.no_grad():
        for k, v in state.items():
            own[k].copy_(v.to(own[k].dtype))


def load_init(model, path: str):
    """--init: a lab's CLIP checkpoint (OpenAI or open_clip key names) for fine-tuning."""
    load_into(model, extract_state_dict(read_checkpoint(path)), path)
