"""Train a surname -> language classifier (LSTM or GRU, or an ensemble of them) with
packed batches.

    python names_rnn/train.py                                      # the final model
    python names_rnn/train.py --config task1-lstm-2x200 --seed 1   # a Task 1 model
    python names_rnn/train.py --config task2b-bs1                  # Task 2B, batch size 1
    python names_rnn/train.py --config val-gru-1x200-ld01          # a tuning run
    python names_rnn/train.py --quick

Each --config is one answer of REPORT.md (names_rnn/configs.py; the default is the
final model); other flags change single settings of it. The split draws distinct
names, so that no name lies in two sets, and a name that several language files
carry is right under any of them (names_rnn/data.py; --split lines draws the
files' lines instead). A run trains on the training split for the config's epochs
and scores the test split once, after the last epoch; it keeps the last epoch's
weights. With --validation F it instead holds out a share F of the training names,
drawn the same way, scores it after every epoch, keeps the best-validation epoch's
weights, and never reads the test split (the tuning runs). --test-each-epoch also
scores the test split after every epoch, for Task 2B's curves; those scores choose
nothing. With --nb-weight W, W times the log posterior of a naive Bayes on the same
training names (names_rnn/naive_bayes.py) is added to the network's log
probabilities wherever they are scored; a tuning run scores every such mix of
names_rnn/configs.py's MIX_GRID as well, from the same network.

Writes <out>/runs/<tag>.json (settings, per-epoch history, confusion counts on the
scored split, wall time) and its curves, <out>/runs/<tag>.png, after every epoch, so
an interrupted run keeps them, and
the weights to checkpoints/names_rnn/<tag>.pt (under --out with --quick), which
names_rnn/predict.py reads. The tag is "<config>-seed<seed>", with "-custom" before
the seed when flags changed the config's settings.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import itertools
import time

import torch

import plots
import store
from names_rnn.configs import CONFIGS, MIX_GRID
from names_rnn.data import N_LETTERS, SPLITS, NameBatches, NamesData
from names_rnn.model import CELLS, build_model, evaluate, predicted_log_probs, score, train_epoch
from names_rnn.naive_bayes import NaiveBayes
from names_rnn.scoring import mean_recall

EVAL_BATCH = 512
QUICK = {"epochs": 2, "hidden": 32}  # upper bounds for --quick
QUICK_TRAIN, QUICK_TEST = 600, 200
# Settings that change where or how fast a run goes, not its numbers on CPU.
PLACE = ("config", "seed", "device", "quick", "tag")


def build_parser():
    """train.py's flags; --config supplies every setting's default."""
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, CONFIGS)
    add = parser.add_argument
    add("--cell", choices=sorted(CELLS), help="recurrent cell (default: %(default)s)")
    add("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
        help="also read each name backwards and score both directions (default: %(default)s)")
    add("--layers", type=utils.bounded_int(1, 8), help="stacked RNN layers (default: %(default)s)")
    add("--hidden", type=utils.bounded_int(1, 4096),
        help="hidden units per layer (default: %(default)s)")
    add("--embedding", type=utils.bounded_int(0, 4096),
        help="letter embedding size; 0 feeds one-hot letters as the tutorial does "
             "(default: %(default)s)")
    add("--dropout", type=utils.probability,
        help="dropout between stacked layers and before the linear layer (default: %(default)s)")
    add("--letter-dropout", type=utils.probability,
        help="chance that a training letter is replaced by the unknown character "
             "(default: %(default)s)")
    add("--ensemble", type=utils.bounded_int(1, 50), metavar="K",
        help="train K models side by side (same batches, own initial weights) and average "
             "their predicted probabilities; 1: a single model (default: %(default)s)")
    add("--batch-size", type=utils.positive_int,
        help="names per update; 1 is the tutorial's setting (default: %(default)s)")
    add("--epochs", type=utils.bounded_int(1, 1000),
        help="passes over the training set (default: %(default)s)")
    add("--optimizer", choices=["sgd", "adam"],
        help="sgd (the handout's) or adam (default: %(default)s)")
    add("--lr", type=utils.positive_float, help="learning rate (default: %(default)s)")
    add("--schedule", choices=["constant", "cosine"],
        help="learning rate over the epochs: constant, or cosine decay to 0 "
             "(default: %(default)s)")
    add("--validation", type=utils.probability, metavar="F",
        help="hold out this share of the training names and score them instead of the test "
             "split; 0: train on the whole training split (default: %(default)s)")
    add("--test-each-epoch", action=argparse.BooleanOptionalAction, default=None,
        help="score the test split after every epoch, for learning curves "
             "(default: %(default)s)")
    add("--momentum", type=utils.probability, default=0.0, help="SGD momentum (default: 0)")
    add("--weight-decay", type=utils.non_negative_float, default=0.0,
        help="L2 weight decay (default: 0)")
    add("--clip", type=utils.non_negative_float, default=5.0,
        help="gradient-norm clipping, 0 for none (default: 5)")
    add("--nb-weight", type=utils.non_negative_float,
        help="add this times naive Bayes's log posterior to the network's log probabilities; "
             "0: the network alone (default: %(default)s)")
    add("--nb-max-n", type=utils.bounded_int(1, 10),
        help="longest character n-grams of that naive Bayes (default: %(default)s)")
    add("--nb-alpha", type=utils.positive_float,
        help="additive smoothing of that naive Bayes (default: %(default)s)")
    add("--split", choices=SPLITS,
        help="names: draw distinct names, so that none lies in two sets; lines: draw the "
             "files' lines, repeats and all (default: %(default)s)")
    add("--split-seed", type=utils.seed, default=0,
        help="seed of the stratified 80/20 split, fixed while --seed varies the model "
             "(default: 0)")
    add("--tag", type=utils.tag,
        help="name of this run's files (default: <config>-seed<seed>)")
    utils.add_common_args(parser, "names_rnn")
    parser.set_defaults(**next(iter(CONFIGS.values())))  # what --help shows: the first config
    return parser


def run_tag(args):
    """<config>-seed<seed>, or <config>-custom-seed<seed> when a flag changed a setting of
    the config (so that such a run never overwrites the config's own result)."""
    if args.tag:
        return args.tag
    default = vars(utils.parse_args(build_parser(), ["--config", args.config]))
    custom = any(value != default[key] for key, value in utils.run_settings(args).items()
                 if key not in PLACE)
    return f"{args.config}{'-custom' if custom else ''}-seed{args.seed}"


def load_pairs(args):
    """The names, the split scored ("val" with --validation, else "test"), the
    training (name, language) pairs and the scored (name, languages) entries (an
    evenly spread few with --quick)."""
    data = NamesData(args.data_dir, split=args.split, split_seed=args.split_seed,
                     val_fraction=args.validation)
    split = "val" if args.validation else "test"
    train_pairs, eval_pairs = data.training_pairs(), getattr(data, split)
    if args.quick:
        train_pairs = train_pairs[::max(1, len(train_pairs) // QUICK_TRAIN)]
        eval_pairs = eval_pairs[::max(1, len(eval_pairs) // QUICK_TEST)]
    print(data)
    return data, split, train_pairs, eval_pairs


def model_config(args, n_classes):
    """What build_model needs, kept in the checkpoint so predict.py can rebuild it."""
    return {"cell": args.cell, "bidirectional": args.bidirectional, "layers": args.layers,
            "hidden": args.hidden, "embedding": args.embedding, "dropout": args.dropout,
            "letter_dropout": args.letter_dropout, "n_letters": N_LETTERS,
            "n_classes": n_classes, "members": args.ensemble}


def make_optimizer(args, model):
    """The optimizer and, with --schedule cosine, its per-epoch decay (else None)."""
    parameters = [p for p in model.parameters() if p.requires_grad]
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(parameters, lr=args.lr, weight_decay=args.weight_decay)
    else:
        optimizer = torch.optim.SGD(parameters, lr=args.lr, momentum=args.momentum,
                                    weight_decay=args.weight_decay)
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs)
                 if args.schedule == "cosine" else None)
    return optimizer, scheduler


def naive_bayes_grid(train_pairs, names, n_classes):
    """{(max_n, alpha): log posteriors of `names`} of MIX_GRID's naive Bayes settings."""
    return {(max_n, alpha): NaiveBayes.fit(train_pairs, n_classes, max_n, alpha).log_probs(names)
            for max_n, alpha in itertools.product(MIX_GRID["max_n"], MIX_GRID["alpha"])}


def mixes(network, eval_batches, grid, n_classes):
    """Accuracy and mean recall of the network's log probabilities mixed with each
    naive Bayes of `grid` (naive_bayes_grid) at each weight of MIX_GRID."""
    rows = []
    for (max_n, alpha), second in grid.items():
        for weight in MIX_GRID["weight"]:
            _, acc, confusion = score(network + weight * second, eval_batches, n_classes)
            rows.append({"max_n": max_n, "alpha": alpha, "weight": weight, "val_acc": acc,
                         "val_mean_recall": mean_recall(confusion)})
    return rows


def plot_run(record, split, path):
    """Training loss per epoch and, where the scored split is scored after every epoch,
    its accuracy beside it, titled with what was trained."""
    history = record["history"]
    curve = history.get(f"{split}_acc")
    fig, axes = plots.subplots(1, 2 if curve else 1, figsize=(9, 3.5) if curve else (5, 3.5),
                               squeeze=False)
    epochs = range(1, len(history["train_loss"]) + 1)
    axes[0, 0].plot(epochs, history["train_loss"], "o-")
    axes[0, 0].set(title="training loss", xlabel="epoch", ylabel="cross-entropy per name")
    if curve:
        axes[0, 1].plot(epochs, curve, "o-", label=split)
        axes[0, 1].axhline(record["majority_baseline"], color="grey", ls=":",
                           label="majority language")
        axes[0, 1].set(title=f"{split} accuracy", xlabel="epoch", ylabel="accuracy")
        axes[0, 1].legend(fontsize=8)
    settings = record["settings"]
    members = f", ensemble of {settings['ensemble']}" if settings["ensemble"] > 1 else ""
    fig.suptitle(f"{record['tag']}: {settings['cell']} {settings['layers']}x{settings['hidden']}"
                 f"{members}, {record['n_train']:,} training names, "
                 f"epoch {record['epochs_done']} of {settings['epochs']}", fontsize="medium")
    plots.save_figure(fig, path)


def checkpoint_path(args, out, tag):
    return utils.checkpoint_dir(args, out) / f"{tag}.pt"


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    if args.validation and args.test_each_epoch:
        raise utils.UserError("--test-each-epoch reads the test split, which a --validation "
                              "run leaves alone; use one of them")
    tag = run_tag(args)
    utils.apply_quick(args, QUICK)
    utils.seed_everything(args.seed)
    device = utils.pick_device(args.device)
    out = utils.output_dir(args)
    with store.run_lock(out, tag):  # one writer per run name and folder
        return train(args, tag, device, out)


def train(args, tag, device, out):
    """Train one run, score it, and write its JSON and checkpoint as it goes."""
    data, split, train_pairs, eval_pairs = load_pairs(args)
    baseline = data.baseline(eval_pairs)

    n_classes = len(data.categories)
    config = model_config(args, n_classes)
    model = build_model(config).to(device)
    optimizer, scheduler = make_optimizer(args, model)
    train_batches = NameBatches(train_pairs, args.batch_size, shuffle=True, seed=args.seed,
                                bucket=True)
    eval_batches = NameBatches(eval_pairs, EVAL_BATCH)
    naive_bayes, extra = None, None
    if args.nb_weight:
        naive_bayes = NaiveBayes.fit(train_pairs, n_classes, args.nb_max_n, args.nb_alpha)
        extra = args.nb_weight * naive_bayes.log_probs(eval_batches.names)
    if split == "val":
        grid = naive_bayes_grid(train_pairs, eval_batches.names, n_classes)
    each_epoch = split == "val" or args.test_each_epoch  # score the split after every epoch

    history = {"train_loss": []}
    if each_epoch:
        history.update({f"{split}_loss": [], f"{split}_acc": []})
    record = {"script": "names_rnn/train.py", "tag": tag, "settings": utils.run_settings(args),
              "categories": data.categories, "n_train": len(train_pairs),
              f"n_{split}": len(eval_pairs), "majority_baseline": baseline, "history": history,
              "epoch_seconds": [], "environment": utils.environment()}
    ckpt, best_acc = checkpoint_path(args, out, tag), -1.0
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        tick = time.perf_counter()
        history["train_loss"].append(train_epoch(model, train_batches, optimizer, args.clip,
                                                 device, f"epoch {epoch}"))
        line = f"epoch {epoch:3d}  train loss {history['train_loss'][-1]:.4f}"
        keep = split == "test"  # a final run keeps its last epoch, a tuning run its best
        if each_epoch:
            network = predicted_log_probs(model, eval_batches, device)
            loss, acc, confusion = score(network if extra is None else network + extra,
                                         eval_batches, n_classes)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(acc)
            line += f"  {split} loss {loss:.4f}  {split} acc {acc:.4f}"
            record.update({f"final_{split}_loss": loss, f"final_{split}_acc": acc,
                           "confusion": confusion})
            if split == "val" and acc > best_acc:
                best_acc, keep = acc, True
                record["best_val_acc"] = acc
                record["naive_bayes_mixes"] = mixes(network, eval_batches, grid, n_classes)
        if scheduler is not None:
            scheduler.step()
        if keep:
            mixed = ({"naive_bayes": {"weight": args.nb_weight, "state": naive_bayes.state()}}
                     if naive_bayes else {})
            store.atomic_torch_save({"config": config, "state_dict": model.state_dict(),
                                     "categories": data.categories, "epoch": epoch, "tag": tag,
                                     **mixed}, ckpt)
            record["checkpoint_epoch"] = epoch
        record["epoch_seconds"].append(time.perf_counter() - tick)
        record.update({"epochs_done": epoch, "wall_seconds": time.perf_counter() - start})
        print(f"{line}  {record['epoch_seconds'][-1]:.1f}s", flush=True)
        store.save_json(record, out / "runs" / f"{tag}.json")
        plot_run(record, split, out / "runs" / f"{tag}.png")
    if not each_epoch:  # the test split, scored once
        loss, acc, confusion = evaluate(model, eval_batches, n_classes, device, extra)
        record.update({"final_test_loss": loss, "final_test_acc": acc, "confusion": confusion,
                       "wall_seconds": time.perf_counter() - start})
        store.save_json(record, out / "runs" / f"{tag}.json")
    print(f"{split} accuracy {record[f'final_{split}_acc']:.4f} after epoch {args.epochs} "
          f"(majority baseline {baseline:.4f}); {record['wall_seconds']:.0f}s; "
          f"checkpoint {ckpt} (epoch {record['checkpoint_epoch']})")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
