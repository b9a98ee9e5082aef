"""`python3 -m cytoclip_trainer lit`: locked-image text tuning (LiT, Zhai et al. 2022). The image tower of a model
package stays exactly as it is (so its image embeddings, and every index built with them, keep their meaning); a new
text tower with a new vocabulary learns the language of the thesaurus against precomputed image embeddings.

Why it fits a CPU: the images are embedded once (a few augmented views per training item), so a step costs only the
small text transformer. Each step draws a batch of training items (every region equally often), writes a caption for
each from the thesaurus grammar (its region or an ancestor: the caption's scope), and scores
- text -> image against the WHOLE bank of image embeddings, every image inside the caption's scope a positive
  (weighted towards the caption's age when it names one): what free-text search ranks;
- image -> text within the batch (the batch's own image views against its captions, scope positives): what
  zero-shot classification does.
Selection uses the validation split only (zero-shot macro-F1 and caption->image precision@10 on val items)."""
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from .augment import augment
from .bpe_train import train_bpe
from .config import ModelConfig
from .dataset import leaf_acronyms, load_dataset, load_image, require_nonempty
from .errors import CytoclipError
from .evaluate import evaluate
from .corpus import caption_corpus
from .grammar import Grammar, load_thesaurus
from .loss import soft_cross_entropy
from .model import CLIP
from .package import load_package, pixels_from_uint8
from .parity import node_available, node_parity_check
from .prompts import TEMPLATE_CANDIDATES, region_prompts
from .train import (finish, lr_lambda, model_from_checkpoint, param_groups, protocol_for, save_checkpoint,
                    seed_everything)

PROMPT_SHARE = 0.1  # captions in the zero-shot templates' words, so the prompts stay in distribution
DATASET_CAPTION_SHARE = 0.1  # the dataset's own captions (the atlas's descriptions at the item's age)


@torch.no_grad()
def image_bank(model, dataset, items: list, views: int, seed: int, min_scale: float) -> torch.Tensor:
    """[len(items) * views, D] normalised embeddings: view 0 as the runtime sees the image, the rest augmented."""
    cfg, out = model.cfg, []
    mean, std = torch.tensor(cfg.mean).view(3, 1, 1), torch.tensor(cfg.std).view(3, 1, 1)
    for view in range(views):
        g = torch.Generator().manual_seed(seed * 1000 + view)
        for start in range(0, len(items), 64):
            chunk = []
            for item in items[start:start + 64]:
                rgb = load_image(dataset.image_path(item), cfg.vision.image_size)
                x = torch.from_numpy(rgb.astype(np.float32) / 255).permute(2, 0, 1)
                chunk.append(((augment(x, g, min_scale) if view else x) - mean) / std)
            out.append(F.normalize(model.encode_image(torch.stack(chunk), pooled_only=True), dim=-1))
    return torch.cat(out)


def encode_text_trimmed(model, ids: torch.Tensor) -> torch.Tensor:
    """encode_text on the batch cut after its longest caption: the causal mask makes the padding after the first
    eos irrelevant to the pooled row, so this is the same embedding at a fraction of the cost."""
    eos = model.cfg.text.eos_token_id
    length = int((ids == eos).to(torch.int64).argmax(dim=-1).max()) + 1
    ids = ids[:, :length]
    x = model.token_embedding(ids) + model.positional_embedding[:length]
    x = model.transformer(x, model.attn_mask[:length, :length])
    first = (ids == eos).to(torch.float32).argmax(dim=-1)
    return model.ln_final(x[torch.arange(ids.shape[0]), first]) @ model.text_projection


class CaptionSource:
    def __init__(self, grammar: Grammar, dataset, items: list, seed: int):
        self.grammar, self.items, self.seed = grammar, items, seed
        by_acronym = {r['acronym']: r for r in dataset.ontology['regions']}
        self.prompts = {a: region_prompts(by_acronym[a]) for a in {i['region'] for i in items}}
        by_region = {}
        for index, item in enumerate(items):
            by_region.setdefault(item['region'], []).append(index)
        self.by_region = [np.array(v) for _, v in sorted(by_region.items())]

    def batch(self, step: int, size: int):
        """(item indices, captions, scopes, ages mentioned) for a step: a pure function of (seed, step)."""
        rng = np.random.default_rng([self.seed, step, 7])
        regions = rng.integers(len(self.by_region), size=size)
        indices = [int(self.by_region[r][int(rng.integers(len(self.by_region[r])))]) for r in regions]
        captions, scopes, aged = [], [], []
        for index in indices:
            item = self.items[index]
            roll = rng.random()
            if roll < PROMPT_SHARE:
                prompts = self.prompts[item['region']]
                text, scope, age = prompts[int(rng.integers(len(prompts)))], item['region'], False
            elif roll < PROMPT_SHARE + DATASET_CAPTION_SHARE and item.get('captions'):
                text, scope, age = item['captions'][int(rng.integers(len(item['captions'])))], item['region'], True
            else:
                text, scope, age = self.grammar.caption(item, rng)
            captions.append(text)
            scopes.append(scope)
            aged.append(age)
        return indices, captions, scopes, aged


class ScopeIndex:
    """Which images lie in a caption's scope (the scope itself or a descendant), as cached rows over a fixed list
    of image regions: a batch's [captions, images] target matrix is then a stack of cached rows."""

    def __init__(self, grammar: Grammar, regions: list):
        self.grammar = grammar
        names = sorted(set(regions))
        self.codes = torch.tensor([names.index(r) for r in regions])
        self.names = names
        self.rows = {}

    def row(self, scope: str) -> torch.Tensor:
        if scope not in self.rows:
            inside = [k for k, r in enumerate(self.names) if scope == r or scope in self.grammar.ancestors(r)]
            self.rows[scope] = torch.isin(self.codes, torch.tensor(inside, dtype=torch.int64)).float()
        return self.rows[scope]

    def matrix(self, scopes: list) -> torch.Tensor:
        return torch.stack([self.row(s) for s in scopes])


def age_weights(weeks_a: torch.Tensor, weeks_b: torch.Tensor, aged: list) -> torch.Tensor:
    """A caption that names an age prefers images of that age (half weight at 4 weeks apart), others weigh all."""
    near = 0.5 + 0.5 * torch.exp(-(weeks_a[:, None] - weeks_b[None, :]).abs() / 4.0)
    return torch.where(torch.tensor(aged)[:, None], near, torch.ones_like(near))


def lit_loss(text, bank, bank_in_scope, bank_age, batch_images, batch_in_scope, scale):
    t2i = bank_in_scope * bank_age
    loss_t = soft_cross_entropy(scale * text @ bank.t(), t2i / t2i.sum(1, keepdim=True).clamp_min(1e-9))
    i2t = batch_in_scope.t()  # image i is a positive of caption j when its region lies in j's scope
    loss_i = soft_cross_entropy(scale * batch_images @ text.t(), i2t / i2t.sum(1, keepdim=True).clamp_min(1e-9))
    return 0.5 * (loss_t + loss_i)


def new_text_tower(locked, tokenizer, context_length: int) -> CLIP:
    """The locked image tower with a fresh text tower sized for the new vocabulary."""
    cfg = locked.cfg
    text = dict(cfg.to_dict()['text'], vocab_size=tokenizer.vocab_size, eos_token_id=tokenizer.eos_id,
                context_length=context_length or cfg.text.context_length)
    model = CLIP(ModelConfig.from_dict(dict(cfg.to_dict(), text=text)))
    model.visual.load_state_dict(locked.visual.state_dict())
    for p in model.visual.parameters():
        p.requires_grad_(False)
    return model


@torch.no_grad()
def caption_precision(model, tokenizer, source: CaptionSource, val_bank, val_regions, steps=4, size=128) -> float:
    """Mean precision@10 of grammar captions of val items against the val images (leaf scopes only)."""
    hits = []
    for step in range(steps):
        _, captions, scopes, _ = source.batch(10_000_000 + step, size)
        ids = torch.tensor([tokenizer.encode_padded(c, model.cfg.text.context_length) for c in captions])
        top = (F.normalize(encode_text_trimmed(model, ids), dim=-1) @ val_bank.t()).topk(10, dim=1).indices
        inside = ScopeIndex(source.grammar, val_regions).matrix(scopes)
        hits += inside.gather(1, top).mean(1).tolist()
    return float(np.mean(hits))


def lit(args: dict) -> dict:
    seed_everything(args.get('seed', 0))
    torch.set_num_threads(args.get('threads', 1))
    out = args['out']
    os.makedirs(out, exist_ok=True)
    locked, _, doc = load_package(args['package'])
    dataset = load_dataset(args['dataset'])
    if dataset.variant != doc['variant']:
        raise CytoclipError('variant-mismatch', f'{args["dataset"]} is a {dataset.variant} dataset, the package a '
                                                f'{doc["variant"]} model')
    protocol = protocol_for(args, dataset.meta)
    sets = protocol.sets(dataset.items)
    require_nonempty(sets, 'train', protocol)
    leaves = set(leaf_acronyms(dataset.ontology))
    train_items = [i for i in sets['train'] if i['region'] in leaves]
    grammar = Grammar(load_thesaurus(args.get('thesaurus')), dataset.ontology, dataset.variant,
                      args.get('parent_share', 0.15))
    source = CaptionSource(grammar, dataset, train_items, args.get('seed', 0))
    if args.get('finish_only'):
        return _finish_only(args, out, dataset, protocol, doc)
    t0 = time.time()
    corpus = grammar.corpus(train_items, args.get('corpus', 60_000), np.random.default_rng(args.get('seed', 0)))
    tokenizer = train_bpe(corpus + caption_corpus(dataset), args.get('vocab_size', 4096))
    tokenizer.save(os.path.join(out, 'tokenizer.json'))
    print(f'tokenizer: {tokenizer.vocab_size} pieces from {len(corpus)} texts in {time.time() - t0:.0f} s', flush=True)
    model = new_text_tower(locked, tokenizer, args.get('context_length'))
    t0 = time.time()
    views = args.get('views', 4)
    bank = image_bank(model, dataset, train_items, views, args.get('seed', 0), args.get('min_scale', 0.9))
    print(f'image bank: {len(bank)} embeddings ({len(train_items)} items x {views} views) in '
          f'{time.time() - t0:.0f} s', flush=True)
    val_items = [i for i in sets['val'] if i['region'] in leaves][:1024]
    val_bank = image_bank(model, dataset, val_items, 1, 0, 1.0) if val_items else None
    val_source = CaptionSource(grammar, dataset, val_items, 99) if val_items else None
    seconds = _loop(model, tokenizer, grammar, source, bank, train_items, views, args, out, dataset, protocol,
                    (val_bank, [i['region'] for i in val_items], val_source))
    return _package(model, tokenizer, dataset, protocol, args, doc, views, out, seconds)


def _finish_only(args, out, dataset, protocol, doc):
    """Packages a finished run again from OUT/checkpoint.pt (after an exporter or template change)."""
    model, tokenizer, ckpt = model_from_checkpoint(os.path.join(out, 'checkpoint.pt'))
    if ckpt['step'] != args['steps']:
        raise CytoclipError('unfinished-run', f'{out}/checkpoint.pt is at step {ckpt["step"]} of {args["steps"]}: '
                                              'lit packages only a finished run')
    return _package(model, tokenizer, dataset, protocol, args, doc, args.get('views', 4), out, ckpt.get('seconds') or 0)


def choose_templates(model, tokenizer, dataset, protocol) -> tuple:
    """The prompt ensemble with the best zero-shot macro-F1 on the VALIDATION split, and every candidate's score."""
    scores = {}
    for name, templates in TEMPLATE_CANDIDATES.items():
        report = evaluate(model, tokenizer, dataset, protocol, templates=templates, sets=('val',), knn=False)
        scores[name] = round(report['testSets']['val']['zeroShot']['macroF1'], 4)
    best = max(scores, key=scores.get)
    return TEMPLATE_CANDIDATES[best], {'chosen': best, 'valZeroShotMacroF1': scores}


def _package(model, tokenizer, dataset, protocol, args, doc, views, out, seconds):
    templates, selection = choose_templates(model, tokenizer, dataset, protocol)
    print(f'prompt templates on val: {selection}', flush=True)
    package_args = _package_args(args, doc, views)
    package_args['templates'] = templates
    package_args['training_extra']['promptTemplateSelection'] = selection
    report = finish(model, tokenizer, dataset, protocol, package_args, out, torch.device('cpu'), seconds)
    if not args.get('no_export') and not node_available():
        print(node_parity_check(os.path.join(out, 'package')), flush=True)  # the graphs must reproduce PyTorch
    return report


def _package_args(args: dict, doc: dict, views: int) -> dict:
    locked = f'{doc["name"]}@{doc["version"]}'
    return dict(args, config=doc['architecture']['config'], name=args.get('name') or doc['name'],
                model_version=args.get('model_version') or str(int(doc['version']) + 1), init=locked,
                training_extra={'method': 'locked-image text tuning (LiT)', 'lockedImageTower': locked,
                                'imageTowerTraining': doc.get('training'), 'thesaurus': _thesaurus_record(args.get('thesaurus')),
                                'views': views, 'vocabSize': args.get('vocab_size', 4096)})


def _thesaurus_record(path: str = None) -> dict:
    """Which thesaurus wrote the captions: its path in the repository (when it is the default) and its sha256."""
    from .grammar import DEFAULT_THESAURUS
    from .package import sha256
    path = path or DEFAULT_THESAURUS
    default = os.path.abspath(path) == os.path.abspath(DEFAULT_THESAURUS)
    return {'path': 'services/domain/thesaurus/neuroanatomy.json' if default else os.path.basename(path),
            'sha256': sha256(path)}


def _loop(model, tokenizer, grammar, source, bank, items, views, args, out, dataset, protocol, val) -> float:
    total, size = args['steps'], args.get('batch_size', 256)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(param_groups(model, args.get('weight_decay', 0.1)), lr=args.get('lr', 5e-4),
                                  betas=(0.9, 0.98), eps=1e-6)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(max(1, total // 20), total))
    regions = [i['region'] for i in items] * views
    in_bank = ScopeIndex(grammar, regions)
    weeks = torch.tensor([float(i['gestationalWeek']) for i in items] * views)
    log_every, ckpt_every = args.get('log_every', 20), args.get('ckpt_every', 250)
    began, t0 = time.time(), time.time()
    model.train()
    for step in range(total):
        indices, captions, scopes, aged = source.batch(step, size)
        ids = torch.tensor([tokenizer.encode_padded(c, model.cfg.text.context_length) for c in captions])
        text = F.normalize(encode_text_trimmed(model, ids), dim=-1)
        view = np.random.default_rng([args.get('seed', 0), step, 11]).integers(views, size=len(indices))
        rows = torch.tensor([int(v) * len(items) + i for v, i in zip(view, indices)])
        batch_weeks = weeks[rows]
        in_scope = in_bank.matrix(scopes)
        loss = lit_loss(text, bank, in_scope, age_weights(batch_weeks, weeks, aged), bank[rows], in_scope[:, rows],
                        model.logit_scale.exp())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, args.get('grad_clip', 1.0))
        optimizer.step()
        scheduler.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        done = step + 1
        if done % log_every == 0 or done == total:
            rate = log_every * size / max(1e-9, time.time() - t0)
            print(f'step {done}/{total} loss {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.2e} '
                  f'logit_scale {model.logit_scale.exp().item():.2f} {rate:.0f} captions/s', flush=True)
            t0 = time.time()
        if done % ckpt_every == 0 or done == total:
            save_checkpoint(os.path.join(out, 'checkpoint.pt'), model, optimizer, scheduler, done, args,
                            os.path.join(out, 'tokenizer.json'), time.time() - began)
            _validate(model, tokenizer, dataset, protocol, out, done, loss.item(), val)
            model.train()
    return time.time() - began


def _validate(model, tokenizer, dataset, protocol, out, step, loss, val):
    val_bank, val_regions, val_source = val
    entry = {'step': step, 'loss': loss}
    if val_bank is not None:
        report = evaluate(model, tokenizer, dataset, protocol, sets=('val',), knn=False, limit=512)
        entry['valZeroShotMacroF1'] = report['testSets']['val']['zeroShot']['macroF1']
        entry['valCaptionPrecisionAt10'] = caption_precision(model, tokenizer, val_source, val_bank, val_regions)
        print(f'val step {step}: zero-shot macro-F1 {entry["valZeroShotMacroF1"]:.3f}, caption->image P@10 '
              f'{entry["valCaptionPrecisionAt10"]:.3f}', flush=True)
    with open(os.path.join(out, 'train-log.jsonl'), 'a') as f:
        f.write(json.dumps(entry) + '\n')
