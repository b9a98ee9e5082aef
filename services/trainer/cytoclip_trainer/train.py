"""`python3 -m cytoclip_trainer train`: one command per variant, on the fixed protocol's training set."""
import dataclasses
import json
import math
import os
import random
import time

import numpy as np
import torch

from .batches import StepBatches
from .checkpoint import load_init, load_into
from .config import ModelConfig, get_config
from .dataset import Protocol, leaf_acronyms, load_dataset, require_nonempty
from .errors import CytoclipError
from .evaluate import evaluate
from .corpus import build_tokenizer, reference_images
from .loss import contrastive_loss
from .model import CLIP
from .package import round_to_fp16, write_package
from .report import metrics_markdown
from .tokenizer import BPETokenizer

CKPT_FORMAT = 'cytoclip-checkpoint/1'


def seed_everything(seed: int):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def param_groups(model, weight_decay: float):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        # Gains, biases, embeddings and the temperature are not shrunk.
        plain = p.ndim < 2 or 'embedding' in name or name == 'logit_scale'
        (no_decay if plain else decay).append(p)
    return [{'params': decay, 'weight_decay': weight_decay}, {'params': no_decay, 'weight_decay': 0.0}]


def lr_lambda(warmup: int, total: int):
    def f(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return f


class AmpContext:
    """Mixed precision on CUDA only (bf16 where supported, else fp16 with a grad scaler); a no-op on CPU."""

    def __init__(self, device: torch.device):
        self.on = device.type == 'cuda'
        self.dtype = torch.bfloat16 if self.on and torch.cuda.is_bf16_supported() else torch.float16
        self.scaler = None
        if self.on and self.dtype == torch.float16:
            try:
                self.scaler = torch.amp.GradScaler('cuda')
            except (AttributeError, TypeError):
                self.scaler = torch.cuda.amp.GradScaler()

    def autocast(self):
        return torch.autocast(device_type='cuda', dtype=self.dtype) if self.on else _Null()

    def step(self, loss, optimizer, params, clip: float):
        if self.scaler:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(params, clip)
            self.scaler.step(optimizer)
            self.scaler.update()
        else:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, clip)
            optimizer.step()


class _Stop(Exception):
    pass


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def save_checkpoint(path, model, optimizer, scheduler, step, args, tokenizer_path, seconds=None):
    """seconds: training time so far, over every resumed segment (the package records the whole run's time)."""
    tmp = path + '.tmp'
    torch.save({'format': CKPT_FORMAT, 'step': step, 'seconds': seconds, 'config': model.cfg.to_dict(), 'args': args,
                'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
                'scheduler': scheduler.state_dict(), 'tokenizer': os.path.basename(tokenizer_path)}, tmp)
    os.replace(tmp, path)  # never leave a half-written checkpoint


def load_checkpoint(path: str) -> dict:
    try:
        ckpt = torch.load(path, map_location='cpu')
    except FileNotFoundError as e:
        raise CytoclipError('missing-file', f'checkpoint not found: {path}') from e
    if not isinstance(ckpt, dict) or ckpt.get('format') != CKPT_FORMAT:
        raise CytoclipError('unknown-format', f'{path} is not a {CKPT_FORMAT} checkpoint')
    return ckpt


def model_from_checkpoint(path: str):
    ckpt = load_checkpoint(path)
    tokenizer = BPETokenizer.load(os.path.join(os.path.dirname(path), ckpt['tokenizer']))
    model = CLIP(ModelConfig.from_dict(ckpt['config']))
    load_into(model, ckpt['model'], path)
    return model, tokenizer, ckpt


def tile_scale(meta: dict) -> float:
    return float((meta.get('grid') or {}).get('micronsPerPixel') or meta.get('micronsPerPixel') or 1.0)


def generator_info(meta: dict):
    source = meta.get('source') or {}
    return source.get('generator') or (source.get('atlas') or {}).get('generator') or meta.get('generator')


def protocol_for(args: dict, meta: dict) -> Protocol:
    """Command-line held-out ages/planes, else the dataset's recorded protocol, else formats.md's defaults."""
    recorded = meta.get('protocol') or {}
    ages = args.get('held_out_ages') or recorded.get('heldOutWeeks') or recorded.get('heldOutAges') or (16, 21, 30)
    planes = args.get('held_out_planes') or recorded.get('heldOutPlanes') or ('axial',)
    return Protocol(tuple(ages), tuple(planes))


def _setup(args: dict, dataset, out: str, device):
    """A fresh model + tokenizer, or the interrupted run's state when --resume finds a checkpoint."""
    ckpt_path = os.path.join(out, 'checkpoint.pt')
    if args.get('resume') and os.path.isfile(ckpt_path):
        model, tokenizer, ckpt = model_from_checkpoint(ckpt_path)
        return model.to(device), tokenizer, ckpt
    cfg = get_config(args['config'])
    if args.get('activation'):  # open_clip's LAION ViT-B-16 uses GELU; OpenAI's weights QuickGELU
        cfg = dataclasses.replace(cfg, activation=args['activation'])
    cfg = with_sizes(cfg, args.get('image_size'), args.get('context_length'))
    tokenizer = build_tokenizer(args['config'], dataset, args.get('vocab_size', 1024), args.get('clip_bpe'))
    tokenizer.save(os.path.join(out, 'tokenizer.json'))
    model = CLIP(cfg.with_tokenizer(tokenizer.vocab_size, tokenizer.eos_id))
    if args.get('init'):
        load_init(model, args['init'])
    return model.to(device), tokenizer, None


def with_sizes(cfg: ModelConfig, image_size=None, context_length=None) -> ModelConfig:
    """The configuration at another input edge and/or text context (a fresh model only: --init needs the original)."""
    if image_size is not None:
        patch = cfg.vision.patch_size
        if image_size < patch or image_size % patch:
            raise CytoclipError('bad-arguments', f'--image-size {image_size} is not a positive multiple of the '
                                                 f'{cfg.name} patch size {patch}')
        cfg = dataclasses.replace(cfg, vision=dataclasses.replace(cfg.vision, image_size=image_size))
    if context_length is not None:
        if context_length < 3:
            raise CytoclipError('bad-arguments', f'--context-length {context_length} leaves no room for text (>= 3)')
        cfg = dataclasses.replace(cfg, text=dataclasses.replace(cfg.text, context_length=context_length))
    return cfg


def _log_line(step, total, loss, lr, scale, rate):
    return f'step {step}/{total} loss {loss:.4f} lr {lr:.2e} logit_scale {scale:.2f} {rate:.1f} img/s'


def train(args: dict) -> dict:
    seed_everything(args.get('seed', 0))
    out = args['out']
    os.makedirs(out, exist_ok=True)
    dataset = load_dataset(args['dataset'])
    if dataset.variant != args['variant']:
        raise CytoclipError('variant-mismatch', f'{args["dataset"]} is a {dataset.variant} dataset, not {args["variant"]}')
    protocol = protocol_for(args, dataset.meta)
    sets = protocol.sets(dataset.items)
    require_nonempty(sets, 'train', protocol)
    device = torch.device(args.get('device', 'cpu'))
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise CytoclipError('no-cuda', '--device cuda was asked for but torch.cuda.is_available() is False')
    model, tokenizer, ckpt = _setup(args, dataset, out, device)
    total, warmup = args['steps'], args.get('warmup', max(1, args['steps'] // 20))
    optimizer = torch.optim.AdamW(param_groups(model, args.get('weight_decay', 0.1)), lr=args.get('lr', 5e-4),
                                  betas=(0.9, 0.98), eps=1e-6)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(warmup, total))
    start = 0
    if ckpt:
        optimizer.load_state_dict(ckpt['optimizer'])
        scheduler.load_state_dict(ckpt['scheduler'])
        start = ckpt['step']
        print(f'resumed from {out}/checkpoint.pt at step {start}', flush=True)
    batches = StepBatches(dataset, sets['train'], tokenizer, model.cfg, args.get('batch_size', 64), args.get('seed', 0),
                          balance=args.get('balance', False), min_scale=args.get('min_scale', 0.9))
    loader = torch.utils.data.DataLoader(batches, batch_size=None, sampler=range(start, total),
                                         num_workers=args.get('workers', 0))
    try:
        prior = float((ckpt or {}).get('seconds') or 0.0)
        seconds = _loop(model, optimizer, scheduler, loader, args, start, total, device, out, sets, dataset, tokenizer,
                        protocol, prior)
    except _Stop:
        return {}
    return finish(model, tokenizer, dataset, protocol, args, out, device, seconds)


def _loop(model, optimizer, scheduler, loader, args, start, total, device, out, sets, dataset, tokenizer, protocol,
          prior=0.0):
    amp, params = AmpContext(device), [p for p in model.parameters()]
    ckpt_every, log_every = args.get('ckpt_every', 200), args.get('log_every', 10)
    multi = not args.get('single_positive', False)
    t0, seen, began = time.time(), 0, time.time()
    model.train()
    for step, (pixels, ids, regions) in zip(range(start, total), loader):
        pixels, ids = pixels.to(device, non_blocking=True), ids.to(device, non_blocking=True)
        with amp.autocast():
            image, text, scale = model(pixels, ids)
            loss = contrastive_loss(image.float(), text.float(), scale, regions if multi else None)
        optimizer.zero_grad(set_to_none=True)
        amp.step(loss, optimizer, params, args.get('grad_clip', 1.0))
        scheduler.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        seen += len(regions)
        done = step + 1
        if done % log_every == 0 or done == total:
            rate = seen / max(1e-9, time.time() - t0)
            print(_log_line(done, total, loss.item(), scheduler.get_last_lr()[0], scale.item(), rate), flush=True)
            t0, seen = time.time(), 0
        if done % ckpt_every == 0 or done == total:
            save_checkpoint(os.path.join(out, 'checkpoint.pt'), model, optimizer, scheduler, done, args,
                            os.path.join(out, 'tokenizer.json'), prior + time.time() - began)
            _validate(model, tokenizer, dataset, protocol, device, out, done, loss.item(), sets)
            model.train()
        if done == args.get('stop_after'):  # tests: simulate an interrupted run
            raise _Stop()
    return prior + time.time() - began


def _validate(model, tokenizer, dataset, protocol, device, out, step, loss, sets):
    entry = {'step': step, 'loss': loss}
    if sets['val']:
        report = evaluate(model, tokenizer, dataset, protocol, device=device, sets=('val',), knn=False, limit=512)
        entry['valZeroShotMacroF1'] = report['testSets']['val']['zeroShot']['macroF1']
        print(f'val step {step}: zero-shot macro-F1 {entry["valZeroShotMacroF1"]:.3f}', flush=True)
    with open(os.path.join(out, 'train-log.jsonl'), 'a') as f:
        f.write(json.dumps(entry) + '\n')


def _device_name(device) -> str:
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    return f'cpu ({torch.get_num_threads()} threads)'


def finish(model, tokenizer, dataset, protocol, args, out, device, seconds, package=None) -> dict:
    """Evaluates on the four test sets and writes the model package with its figures."""
    if not args.get('no_export'):
        round_to_fp16(model)  # the figures describe the package as shipped (fp16 weights), as `cytoclip eval` sees it
    report = (evaluate(model, tokenizer, dataset, protocol, templates=args.get('templates'), device=device)
              if not args.get('no_eval') else {})
    if report:
        with open(os.path.join(out, 'eval.json'), 'w') as f:
            json.dump(report, f, indent=1)
        with open(os.path.join(out, 'eval.md'), 'w') as f:
            f.write(metrics_markdown(report) + '\n')
        print(metrics_markdown(report), flush=True)
    if args.get('no_export'):
        return report
    name = args.get('name') or f'cytoclip-{args["config"].lower()}-{dataset.variant}'
    info = {'name': name, 'version': args.get('model_version', '1'), 'variant': dataset.variant,
            'regions': leaf_acronyms(dataset.ontology),
            'micronsPerPixel': tile_scale(dataset.meta) if dataset.variant == 'tile' else None,
            'training': {'dataset': dataset.meta.get('name'), 'atlasGenerator': generator_info(dataset.meta),
                         'config': args['config'], 'steps': args['steps'], 'batchSize': args.get('batch_size', 64),
                         'protocol': protocol.to_dict(), 'device': _device_name(device), 'seconds': round(seconds, 1),
                         'seed': args.get('seed', 0), 'init': args.get('init'), **(args.get('training_extra') or {})},
            'metrics': report, 'templates': args.get('templates')}
    package = package or os.path.join(out, 'package')
    write_package(model.to('cpu'), tokenizer, dataset.ontology, package, info,
                  reference_images(dataset, model.cfg.vision.image_size))
    print(f'wrote {package}', flush=True)
    return report


def export_checkpoint(path: str, out: str, dataset_dir: str) -> dict:
    """Re-exports a training checkpoint (its dataset gives the ontology, labels and reference images)."""
    if not dataset_dir:
        raise CytoclipError('bad-arguments', '--dataset is needed to export a checkpoint')
    model, tokenizer, ckpt = model_from_checkpoint(path)
    args = dict(ckpt['args'], dataset=dataset_dir, no_eval=True)
    dataset = load_dataset(dataset_dir)
    finish(model, tokenizer, dataset, Protocol(), args, os.path.dirname(path), torch.device('cpu'), 0.0, package=out)
    with open(os.path.join(out, 'model.json')) as f:
        return json.load(f)
