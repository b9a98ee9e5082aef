"""`python3 -m cytoclip_trainer train|eval|export ...`"""
import argparse
import json
import sys

from .errors import CytoclipError


def _floats(text: str) -> list:
    return [float(x) for x in text.split(',') if x]


def train_parser(sub):
    p = sub.add_parser('train', help='train one variant on the fixed protocol, evaluate, export a package')
    p.add_argument('--variant', required=True, choices=['region', 'tile'])
    p.add_argument('--dataset', required=True)
    p.add_argument('--config', default='mini')
    p.add_argument('--image-size', type=int,
                   help="override the configuration's input edge in px (a multiple of its patch size; e.g. 112 for mini)")
    p.add_argument('--context-length', type=int,
                   help="override the configuration's text context (tokens incl. bos/eos; e.g. 48 for mini)")
    p.add_argument('--out', required=True)
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--lr', type=float, default=5e-4)
    p.add_argument('--warmup', type=int)
    p.add_argument('--weight-decay', type=float, default=0.1)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    p.add_argument('--workers', type=int, default=0)
    p.add_argument('--vocab-size', type=int, default=1024)
    p.add_argument('--init', help='OpenAI / open_clip checkpoint to fine-tune (ViT-B-16)')
    p.add_argument('--clip-bpe', help='folder with CLIP vocab.json + merges.txt (ViT-B-16)')
    p.add_argument('--activation', choices=['quick_gelu', 'gelu'],
                   help="MLP activation (default quick_gelu as OpenAI's weights; open_clip LAION ViT-B-16 needs gelu)")
    p.add_argument('--resume', action='store_true', help='continue from OUT/checkpoint.pt if present')
    p.add_argument('--ckpt-every', type=int, default=200)
    p.add_argument('--log-every', type=int, default=10)
    p.add_argument('--held-out-ages', type=_floats, help='default: dataset.json protocol, else 16,21,30')
    p.add_argument('--held-out-planes', type=lambda t: t.split(','), help='default: dataset.json protocol, else axial')
    p.add_argument('--single-positive', action='store_true', help="CLIP's identity targets instead of same-region")
    p.add_argument('--balance', action='store_true', help='draw every region equally often (default: every item)')
    p.add_argument('--min-scale', type=float, default=0.9, help='scale jitter: smallest crop side kept (1 = none)')
    p.add_argument('--name', help='package name (default cytoclip-<config>-<variant>)')
    p.add_argument('--no-eval', action='store_true')
    p.add_argument('--no-export', action='store_true')


def eval_parser(sub):
    p = sub.add_parser('eval', help='evaluate a training checkpoint on the four test sets')
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--dataset', required=True)
    p.add_argument('--out', help='write the JSON report here (and a .md beside it)')
    p.add_argument('--device', default='cpu')
    p.add_argument('--as-packaged', action='store_true', help='round the weights to fp16 first, as the package ships them')


def lit_parser(sub):
    p = sub.add_parser('lit', help="locked-image text tuning: a new text tower for a package's frozen image tower")
    p.add_argument('--package', required=True, help='the model package whose image tower stays locked')
    p.add_argument('--dataset', required=True, help="the dataset the package's image tower was trained on")
    p.add_argument('--thesaurus', help='default: services/domain/thesaurus/neuroanatomy.json')
    p.add_argument('--out', required=True)
    p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--lr', type=float, default=5e-4)
    p.add_argument('--weight-decay', type=float, default=0.1)
    p.add_argument('--vocab-size', type=int, default=4096)
    p.add_argument('--context-length', type=int, help="default: the package's")
    p.add_argument('--views', type=int, default=4, help='image embeddings per training item (1 clean + augmented)')
    p.add_argument('--corpus', type=int, default=60000, help='grammar captions the tokenizer learns its merges from')
    p.add_argument('--parent-share', type=float, default=0.15, help="captions describing an ancestor region")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--ckpt-every', type=int, default=250)
    p.add_argument('--log-every', type=int, default=20)
    p.add_argument('--held-out-ages', type=_floats, help='default: dataset.json protocol, else 16,21,30')
    p.add_argument('--held-out-planes', type=lambda t: t.split(','), help='default: dataset.json protocol, else axial')
    p.add_argument('--name', help="package name (default: the locked package's)")
    p.add_argument('--model-version', help="default: the locked package's version + 1")
    p.add_argument('--no-eval', action='store_true')
    p.add_argument('--no-export', action='store_true')
    p.add_argument('--finish-only', action='store_true',
                   help='package a finished run again from OUT/checkpoint.pt (same --steps)')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python3 -m cytoclip_trainer')
    sub = parser.add_subparsers(dest='command', required=True)
    train_parser(sub)
    eval_parser(sub)
    lit_parser(sub)
    sub.add_parser('export', help='see python3 -m cytoclip_trainer.export --help', add_help=False)
    sub.add_parser('calibrate', help='thresholds and a temperature from the val split (calibrate --help)', add_help=False)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['calibrate']:
        from .calibrate import main as calibrate_main
        return calibrate_main(argv[1:])
    if argv[:1] == ['export']:
        from .export import main as export_main
        return export_main(argv[1:])
    args = parser.parse_args(argv)
    try:
        if args.command == 'train':
            from .train import train
            opts = {k: v for k, v in vars(args).items() if v is not None}
            train(opts)
        elif args.command == 'lit':
            from .lit import lit
            lit({k: v for k, v in vars(args).items() if v is not None})
        else:
            run_eval(args)
    except CytoclipError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


def run_eval(args):
    import torch

    from .dataset import load_dataset
    from .evaluate import evaluate
    from .report import metrics_markdown
    from .train import model_from_checkpoint, protocol_for
    model, tokenizer, _ = model_from_checkpoint(args.checkpoint)
    if args.as_packaged:
        from .package import round_to_fp16
        round_to_fp16(model)
    dataset = load_dataset(args.dataset)
    report = evaluate(model.to(args.device), tokenizer, dataset, protocol_for({}, dataset.meta),
                      device=torch.device(args.device))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)
        with open(args.out.rsplit('.', 1)[0] + '.md', 'w') as f:
            f.write(metrics_markdown(report) + '\n')
    print(metrics_markdown(report))


if __name__ == '__main__':
    sys.exit(main())
