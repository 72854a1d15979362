"""Train a surname -> language classifier (LSTM or GRU) with packed batches.

    python names_rnn/train.py --cell lstm --layers 1 --hidden 200 --batch-size 10 --epochs 10
    python names_rnn/train.py --cell gru --optimizer adam --lr 0.003 --dedup
    python names_rnn/train.py --cell gru --optimizer adam --lr 0.003 --ensemble 5 --letter-dropout 0.1 --validation 0.125
    python names_rnn/train.py --quick

Each epoch prints the training loss (mean over the epoch's updates), the test
loss and the test accuracy next to the majority-class baseline. Writes
<out>/runs/<tag>.json (settings, per-epoch history, final confusion counts,
wall time), <out>/confusion_<tag>.png (rows: true language, on the test split),
and the best-test-accuracy model to checkpoints/names/<tag>.pt (under --out with
--quick), which names_rnn/predict.py reads.

With --validation F the run trains on the training split less a stratified share
F of it, and scores that validation set instead of the test split (every "test"
above reads "val"), so that settings can be compared without the test set.
"""
import argparse
import time

import torch
from torch import nn

import utils
from names_rnn.data import N_LETTERS, NameBatches, NamesData
from names_rnn.model import CELLS, NameEnsemble, build_model, model_name, pack_names

EVAL_BATCH = 512
QUICK_TRAIN, QUICK_TEST = 600, 200


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cell", choices=sorted(CELLS), default="lstm", help="recurrent cell (default: lstm)")
    parser.add_argument("--layers", type=int, default=1, help="stacked RNN layers (default: 1)")
    parser.add_argument("--hidden", type=int, default=200, help="hidden units per layer (default: 200)")
    parser.add_argument("--embedding", type=int, default=0,
                        help="letter embedding size; 0 feeds one-hot letters as the tutorial does (default: 0)")
    parser.add_argument("--bidirectional", action="store_true",
                        help="also read every name backwards and join both final states")
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout between stacked layers and before the linear layer (default: 0)")
    parser.add_argument("--letter-dropout", type=float, default=0.0,
                        help="chance that a training letter is replaced by the unknown character (default: 0)")
    parser.add_argument("--ensemble", type=int, default=1, metavar="K",
                        help="train K models side by side (same batches, own initial weights) and average "
                             "their predicted probabilities (default: 1, a single model)")
    parser.add_argument("--batch-size", type=int, default=10, help="names per update; 1 is the tutorial's setting (default: 10)")
    parser.add_argument("--no-bucket", action="store_true",
                        help="plain shuffled batches instead of batches of similar-length names")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training set (default: 10)")
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd", help="(default: sgd, as the handout)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (default: 0.1, as the handout)")
    parser.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default: 0)")
    parser.add_argument("--weight-decay", type=float, default=0.0, help="L2 weight decay (default: 0)")
    parser.add_argument("--schedule", choices=["constant", "cosine"], default="constant",
                        help="learning rate over the epochs: constant, or cosine decay to 0 (default: constant)")
    parser.add_argument("--label-smoothing", type=float, default=0.0,
                        help="share of each training target spread evenly over all languages (default: 0)")
    parser.add_argument("--clip", type=float, default=5.0, help="gradient-norm clipping, 0 for none (default: 5)")
    parser.add_argument("--dedup", action="store_true", help="keep each (name, language) pair once before splitting")
    parser.add_argument("--split-seed", type=int, default=0,
                        help="seed of the stratified 80/20 split, fixed while --seed varies the model (default: 0)")
    parser.add_argument("--validation", type=float, default=0.0, metavar="F",
                        help="hold out this share of the training names and score them instead of the test split (default: 0)")
    parser.add_argument("--tag", help="name of this run's files (default: built from the settings)")
    parser.add_argument("--no-figure", action="store_true", help="skip the confusion-matrix PNG (its counts stay in the JSON)")
    utils.add_common_args(parser, "names")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.hidden = min(args.epochs, 2), min(args.hidden, 32)
    for flag in ("layers", "hidden", "epochs", "ensemble"):
        if getattr(args, flag) < 1:
            raise utils.UserError(f"--{flag} must be at least 1")
    for flag in ("label_smoothing", "letter_dropout", "validation"):
        if not 0 <= getattr(args, flag) < 1:
            raise utils.UserError(f"--{flag.replace('_', '-')} must be in [0, 1)")
    if args.tag is None:
        args.tag = f"{model_name(vars(args))}-bs{args.batch_size}-seed{args.seed}" + ("-dedup" if args.dedup else "")
    return args


def make_optimizer(args, model):
    parameters = [p for p in model.parameters() if p.requires_grad]
    if args.optimizer == "adam":
        return torch.optim.Adam(parameters, lr=args.lr, weight_decay=args.weight_decay)
    return torch.optim.SGD(parameters, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)


def train_epoch(model, batches, optimizer, clip, device, where, label_smoothing=0.0):
    """One pass of updates; returns the mean training loss per name (with smoothed
    targets when `label_smoothing` > 0). An ensemble's members each follow their
    own loss and clipping, exactly as if trained alone on these batches; the
    loss returned is then their mean."""
    model.train()
    members = list(model.members) if isinstance(model, NameEnsemble) else [model]
    total, count = 0.0, 0
    for names, labels in utils.progress(batches, desc=where):
        optimizer.zero_grad()
        packed, labels = pack_names(names).to(device), labels.to(device)
        losses = [nn.functional.cross_entropy(member(packed), labels, label_smoothing=label_smoothing)
                  for member in members]
        sum(losses).backward()
        if clip:
            for member in members:
                nn.utils.clip_grad_norm_(member.parameters(), clip)
        optimizer.step()
        total += utils.check_finite(sum(loss.item() for loss in losses) / len(members), where) * len(names)
        count += len(names)
    return total / count


@torch.no_grad()
def evaluate(model, batches, n_classes, device):
    """(mean loss, accuracy, confusion counts [true, predicted]) over a NameBatches."""
    model.eval()
    total, confusion = 0.0, torch.zeros(n_classes, n_classes, dtype=torch.long)
    for names, labels in batches:
        logits = model(pack_names(names).to(device)).cpu()
        total += nn.functional.cross_entropy(logits, labels, reduction="sum").item()
        confusion += torch.bincount(labels * n_classes + logits.argmax(1), minlength=n_classes ** 2).view(n_classes, n_classes)
    count = int(confusion.sum())
    return total / count, int(confusion.trace()) / count, confusion


def plot_confusion(confusion, categories, title, path, split="test"):
    """Row-normalised confusion matrix on the scored split (true language down, prediction across)."""
    return utils.plot_confusion(confusion, categories, title, path, xlabel="predicted language",
                                ylabel=f"true language ({'validation' if split == 'val' else 'test'} split)",
                                annotate=False, figsize=(7.5, 6.5))


def checkpoint_path(args, out):
    folder = out if args.quick else utils.REPO_ROOT / "checkpoints" / "names"
    return folder / f"{args.tag}.pt"


def main(argv=None):
    args = parse_args(argv)
    utils.seed_everything(args.seed)
    device = utils.pick_device(args.device)
    out = utils.output_dir(args)
    data = NamesData(args.data_dir, dedup=args.dedup, split_seed=args.split_seed, val_fraction=args.validation)
    split = "val" if args.validation else "test"  # the split scored after every epoch
    train_pairs, eval_pairs = data.train, getattr(data, split)
    if args.quick:
        train_pairs = train_pairs[::max(1, len(train_pairs) // QUICK_TRAIN)]
        eval_pairs = eval_pairs[::max(1, len(eval_pairs) // QUICK_TEST)]
    print(data)
    baseline = sum(label == data.majority_label for _, label in eval_pairs) / len(eval_pairs)

    n_classes = len(data.categories)
    config = {"cell": args.cell, "layers": args.layers, "hidden": args.hidden, "embedding": args.embedding,
              "dropout": args.dropout, "bidirectional": args.bidirectional, "letter_dropout": args.letter_dropout,
              "n_letters": N_LETTERS, "n_classes": n_classes, "members": args.ensemble}
    model = build_model(config).to(device)
    optimizer = make_optimizer(args, model)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs) if args.schedule == "cosine" else None
    train_batches = NameBatches(train_pairs, args.batch_size, shuffle=True, seed=args.seed, bucket=not args.no_bucket)
    eval_batches = NameBatches(eval_pairs, EVAL_BATCH)

    loss_key, acc_key = f"{split}_loss", f"{split}_acc"
    record = {"tag": args.tag, "settings": {k: v for k, v in vars(args).items() if k not in ("out", "data_dir")},
              "categories": data.categories, "n_train": len(train_pairs), f"n_{split}": len(eval_pairs),
              "majority_baseline": baseline, "history": {"train_loss": [], loss_key: [], acc_key: []},
              "epoch_seconds": []}
    best_acc, ckpt = -1.0, checkpoint_path(args, out)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        tick = time.perf_counter()
        train_loss = train_epoch(model, train_batches, optimizer, args.clip, device, f"epoch {epoch}",
                                 args.label_smoothing)
        eval_loss, eval_acc, confusion = evaluate(model, eval_batches, n_classes, device)
        if scheduler is not None:
            scheduler.step()
        for key, value in zip(("train_loss", loss_key, acc_key), (train_loss, eval_loss, eval_acc)):
            record["history"][key].append(value)
        record["epoch_seconds"].append(time.perf_counter() - tick)
        print(f"epoch {epoch:3d}  train loss {train_loss:.4f}  {split} loss {eval_loss:.4f}  "
              f"{split} acc {eval_acc:.4f} (majority baseline {baseline:.4f})  {record['epoch_seconds'][-1]:.1f}s",
              flush=True)
        if eval_acc > best_acc:
            best_acc = eval_acc
            utils.atomic_torch_save({"config": config, "state_dict": model.state_dict(), "categories": data.categories,
                                     acc_key: eval_acc, "epoch": epoch, "tag": args.tag}, ckpt)
        record.update({f"final_{acc_key}": eval_acc, f"best_{acc_key}": best_acc, "confusion": confusion,
                       "wall_seconds": time.perf_counter() - start, "epochs_done": epoch})
        utils.save_json(record, out / "runs" / f"{args.tag}.json")
    if not args.no_figure:
        plot_confusion(confusion, data.categories, f"{args.tag}: {split} accuracy {eval_acc:.3f}",
                       out / f"confusion_{args.tag}.png", split)
    print(f"final {split} accuracy {eval_acc:.4f} (best {best_acc:.4f}; majority baseline {baseline:.4f}); "
          f"{record['wall_seconds']:.0f}s; checkpoint {ckpt}")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
