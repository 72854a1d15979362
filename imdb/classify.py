"""Train an IMDb sentiment classifier (assignment 3B, Q1-Q4).

    python imdb/classify.py   # the reported LSTM
    python imdb/classify.py --config mlp --final --seed 1

With no flags this is REPORT.md's best model, the bidirectional LSTM (--config
lstm), on the validation split; --config picks the other answers (elman,
rnn_no_lin2, rnn, mlp: Q4; q2, q3: Q2 and Q3 at the handout's sizes) and a tuning
row (lstm_uni); flags given after it change single settings.

Batches hold reviews of similar length (the data is sorted by length), padded to
their longest review with `.pad`; the order of the batches is shuffled every
epoch. Without --final the model trains on 20,000 reviews and is scored on the
5,000 held out after every epoch; with --final it trains on all 25,000 and is
scored once on the test set. Each run writes <config>_<val|final>_seed<S>.json
(settings, per-epoch loss/accuracy/time, padding fraction) and a curves PNG
after every epoch, and the latest model to checkpoints/imdb/<same name>.pt, so
an interrupted run keeps its finished epochs.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import random
import time

import torch
import torch.nn.functional as F
from matplotlib.ticker import MaxNLocator

import store
from imdb.configs import CLASSIFY, add_run_arguments, run_name
from imdb.data_rnn import (every_nth, load_imdb, make_batches, pad_batch, padding_fraction,
                            random_batches, truncate)
from imdb.models import MODELS, Classifier
import plots

# --quick: caps on the sizes, and the share of reviews kept (an evenly spread subset).
QUICK = dict(emb=16, hidden=16, epochs=2, max_len=40, max_tokens=1024)
QUICK_REVIEWS = dict(train=400, eval=100)


def load_reviews(args):
    """The training and evaluation reviews (every_nth of them with --quick), each cut
    to --max-len tokens, the vocabulary and the number of classes."""
    (x_train, y_train), (x_eval, y_eval), vocabulary, numcls = load_imdb(
        final=args.final, val=args.val, seed=0, voc=args.voc, data_dir=args.data_dir)
    if args.quick:
        x_train, y_train = every_nth(x_train, y_train, QUICK_REVIEWS["train"])
        x_eval, y_eval = every_nth(x_eval, y_eval, QUICK_REVIEWS["eval"])
    x_train, x_eval = truncate(x_train, args.max_len), truncate(x_eval, args.max_len)
    return (x_train, y_train), (x_eval, y_eval), vocabulary, numcls


def batch_reviews(args, x_train, x_eval):
    """Training and evaluation batches of similar lengths, and the padding share of
    the training batches and of random ones of the same count."""
    train_lengths = [len(seq) for seq in x_train]
    train_batches = make_batches(train_lengths, args.max_tokens)
    eval_batches = make_batches([len(seq) for seq in x_eval], 4 * args.max_tokens)
    pad_share = padding_fraction(train_batches, train_lengths)
    random_pad_share = padding_fraction(
        random_batches(len(x_train), len(train_batches), args.seed), train_lengths)
    return train_batches, eval_batches, pad_share, random_pad_share


# --- Training and evaluation ----------------------------------------------------

def make_optimizers(model, args, batches_per_epoch):
    """SparseAdam for the embedding (it updates only the rows a batch used), Adam for
    the dense layers; returns the optimizers, the dense parameters and, with --cosine,
    the per-batch decays."""
    dense = [p for name, p in model.named_parameters() if not name.startswith("embedding.")]
    optimizers = [torch.optim.SparseAdam(list(model.embedding.parameters()), lr=args.lr),
                  torch.optim.Adam(dense, lr=args.lr)]
    steps = args.epochs * batches_per_epoch
    schedules = [torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
                 for optimizer in optimizers] if args.cosine else []
    return optimizers, dense, schedules


def train_epoch(model, optimizers, dense, x, y, batches, pad, clip, device, schedules=()):
    """One pass over `batches` (in the given order); returns the mean loss per review.

    `clip` caps the gradient norm of the `dense` parameters (layer 2 and the output
    layer, where recurrent gradients explode); the sparse embedding gradient is
    left as it is. `schedules` (learning-rate schedulers) step once per batch."""
    model.train()
    total, count = 0.0, 0
    for batch in utils.progress(batches, desc="train"):
        tokens, lengths = pad_batch([x[i] for i in batch], pad)
        labels = torch.tensor([y[i] for i in batch], device=device)
        loss = F.cross_entropy(model(tokens.to(device), lengths.to(device)), labels)
        utils.check_finite(loss.item(), f"batch of {len(batch)} reviews")
        for optimizer in optimizers:
            optimizer.zero_grad()
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(dense, clip)
        for optimizer in optimizers:
            optimizer.step()
        for schedule in schedules:
            schedule.step()
        total += loss.item() * len(batch)
        count += len(batch)
    return total / count


@torch.no_grad()
def accuracy(model, x, y, batches, pad, device):
    """Share of the reviews `x` (grouped into `batches` of indices) classified as `y`."""
    model.eval()
    correct = 0
    for batch in batches:
        tokens, lengths = pad_batch([x[i] for i in batch], pad)
        predicted = model(tokens.to(device), lengths.to(device)).argmax(dim=1).cpu()
        correct += int((predicted == torch.tensor([y[i] for i in batch])).sum())
    return correct / len(y)


def plot_curves(history, title, path):
    """Training loss per epoch and, for a validation run, validation accuracy per
    epoch beside it, as one PNG. A test run (--final) scores the test set once,
    after its last epoch, so it has no accuracy curve: its title gives that score."""
    accs = [h["val_acc"] for h in history if h["val_acc"] is not None]
    fig, axes = plots.subplots(1, 2 if accs else 1, figsize=(7, 3) if accs else (4.5, 3),
                             squeeze=False)
    epochs = [h["epoch"] for h in history]
    left = axes[0, 0]
    left.plot(epochs, [h["train_loss"] for h in history], marker="o")
    left.set(title="training loss", xlabel="epoch", ylabel="cross-entropy per review")
    if accs:
        right = axes[0, 1]
        right.plot(epochs[:len(accs)], accs, marker="o", label="validation")
        right.axhline(0.5, color="grey", linestyle="--", label="chance")
        right.set(title="validation accuracy", xlabel="epoch", ylabel="accuracy",
                  ylim=(0.45, 1.0))
        right.legend(loc="upper left", ncol=2)
    for ax in axes[0]:  # whole epochs, also for a one-epoch run
        ax.set_xlim(0.5, len(history) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    fig.suptitle(title, fontsize="medium")
    plots.save_figure(fig, path)


def plot_title(result):
    """The curves' title: config (and layer 2 where the config's name does not say it),
    reviews trained on, split (with the test accuracy once scored), seed, tag."""
    settings = result["settings"]
    name = settings["config"]
    if settings["model"] != name:
        name += f" (layer 2: {settings['model']})"
    split = "validation split" if result["split"] == "val" else "test " + (
        "not yet scored" if result["test_acc"] is None else format(result["test_acc"], ".3f"))
    tag = f" [{settings['tag']}]" if settings["tag"] else ""
    return (f"{name}: trained on {result['train_reviews']:,} reviews, {split}, "
            f"seed {settings['seed']}{tag}")


# --- Command line -----------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, CLASSIFY)
    add, size, default = parser.add_argument, utils.bounded_int(1, 4096), " (default: %(default)s)"
    add("--model", choices=MODELS, help="layer 2 of the classifier" + default)
    add("--emb", type=size, help="embedding size" + default)
    add("--hidden", type=size, help="hidden size of layer 2" + default)
    add("--lr", type=utils.positive_float, help="Adam learning rate" + default)
    add("--epochs", type=utils.bounded_int(1, 1000), help="passes over the training set" + default)
    add("--max-tokens", type=utils.bounded_int(1, 10_000_000),
        help="cap on reviews x padded length per batch" + default)
    add("--voc", type=utils.bounded_int(4, 10_000_000),
        help="keep the N most frequent vocabulary entries (default: all)")
    add("--max-len", type=utils.bounded_int(1, 100_000),
        help="keep only the first N tokens of every review (default: all)")
    add("--clip", type=utils.non_negative_float,
        help="clip the gradient norm of the dense layers to this, 0 for none" + default)
    add("--cosine", action=argparse.BooleanOptionalAction,
        help="decay the learning rate to 0 over the run, cosine, per batch" + default)
    add("--dropout", type=utils.probability,
        help="dropout on the embedded tokens and the pooled features" + default)
    add("--lin2", action=argparse.BooleanOptionalAction,
        help="rnn, lstm: a Linear(hidden, hidden) on every hidden state, the Elman layer's "
             "lin2" + default)
    add("--bidirectional", action=argparse.BooleanOptionalAction,
        help="rnn, lstm: also read every review right to left" + default)
    add_run_arguments(parser)
    utils.add_common_args(parser, "imdb")
    parser.set_defaults(**next(iter(CLASSIFY.values())))  # what --help shows: the first config
    return parser


def new_result(args, model, device, pad_share, random_pad_share):
    """The run's JSON before its first epoch."""
    return {"script": "imdb/classify.py", "settings": utils.run_settings(args),
            "environment": utils.environment(),
            "model": args.model, "split": "final" if args.final else "val", "seed": args.seed,
            "tag": args.tag, "complete": False, "history": [], "val_acc": None,
            "test_acc": None, "padding_fraction": pad_share,
            "random_padding_fraction": random_pad_share,
            "parameters": sum(p.numel() for p in model.parameters()),
            "threads": torch.get_num_threads(), "device": str(device)}


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    if (args.lin2 or args.bidirectional) and args.model not in ("rnn", "lstm"):
        raise utils.UserError(f"--lin2 and --bidirectional apply to the rnn and lstm models, "
                              f"not {args.model}")
    utils.apply_quick(args, QUICK)
    out = utils.output_dir(args)
    checkpoints = utils.checkpoint_dir(args, out)
    utils.seed_everything(args.seed)
    device = utils.pick_device(args.device)

    (x_train, y_train), (x_eval, y_eval), (i2w, w2i), numcls = load_reviews(args)
    pad = w2i[".pad"]
    train_batches, eval_batches, pad_share, random_pad_share = batch_reviews(args, x_train,
                                                                             x_eval)
    name = run_name(args)
    print(f"{name}: {len(x_train)} train / {len(x_eval)} "
          f"{'test' if args.final else 'validation'} reviews, {len(train_batches)} batches, "
          f"{pad_share:.1%} padding (random batches: {random_pad_share:.1%}), "
          f"vocabulary {len(i2w)}")

    model = Classifier(args.model, len(i2w), args.emb, args.hidden, numcls, args.dropout,
                       lin2=args.lin2, bidirectional=args.bidirectional).to(device)
    optimizers, dense, schedules = make_optimizers(model, args, len(train_batches))
    shuffler = random.Random(args.seed)
    result = new_result(args, model, device, pad_share, random_pad_share)
    result["train_reviews"] = len(x_train)
    history = result["history"]
    with store.run_lock(out, name):  # one writer per run name and folder
        start, cpu_start = time.perf_counter(), time.process_time()
        for epoch in range(1, args.epochs + 1):
            epoch_start = time.perf_counter()
            shuffler.shuffle(train_batches)
            loss = train_epoch(model, optimizers, dense, x_train, y_train, train_batches, pad,
                               args.clip, device, schedules)
            val_acc = None if args.final else accuracy(model, x_eval, y_eval, eval_batches, pad,
                                                       device)
            history.append({"epoch": epoch, "train_loss": loss, "val_acc": val_acc,
                            "seconds": time.perf_counter() - epoch_start})
            shown = "" if val_acc is None else f", validation accuracy {val_acc:.4f}"
            print(f"epoch {epoch}: train loss {loss:.4f}{shown} ({history[-1]['seconds']:.0f} s)",
                  flush=True)
            if epoch == args.epochs and args.final:
                result["test_acc"] = accuracy(model, x_eval, y_eval, eval_batches, pad, device)
                print(f"test accuracy {result['test_acc']:.4f}")
            # After every epoch: the model (the latest is the one the settings ask for) and the
            # numbers so far, so that Ctrl-C keeps every finished epoch.
            store.atomic_torch_save({"model": model.state_dict(), "settings": result["settings"],
                                     "vocabulary": len(i2w), "epoch": epoch},
                                    checkpoints / f"{name}.pt")
            result.update(val_acc=val_acc, complete=epoch == args.epochs,
                          seconds=time.perf_counter() - start,
                          cpu_seconds=time.process_time() - cpu_start)
            store.save_json(result, out / f"{name}.json")
            plot_curves(history, plot_title(result), out / f"{name}.png")
    return result


if __name__ == "__main__":
    utils.run_main(lambda: main() and None)
