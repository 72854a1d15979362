"""Train an IMDb sentiment classifier (assignment 3B, Q1-Q4).

    python imdb/classify.py --model mlp --data-dir ../shared/data            # validation run
    python imdb/classify.py --model lstm --final --seed 1 --data-dir ../shared/data   # test run

Batches hold reviews of similar length (the data is sorted by length), padded to
their longest review with `.pad`; the order of the batches is shuffled every
epoch. Without --final the model trains on 20,000 reviews and is scored on the
5,000 held out after every epoch; with --final it trains on all 25,000 and is
scored once on the test set. Each run writes <model>_<val|final>_seed<S>.json
(settings, per-epoch loss/accuracy/time, padding fraction) and a curves PNG.
"""
import argparse
import random
import re
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.ticker import MaxNLocator

import utils
from imdb.data_rnn import load_imdb
from imdb.models import MODELS, Classifier

# Settings chosen on the validation split (Q4, see REPORT.md); flags override them.
CHOSEN = {
    "mlp": dict(emb=128, hidden=128, lr=3e-3, epochs=3, max_tokens=32768, voc=None, max_len=None, clip=None,
                cosine=False, dropout=0.0),
    "elman": dict(emb=128, hidden=128, lr=3e-3, epochs=5, max_tokens=32768, voc=None, max_len=None, clip=1.0,
                  cosine=True, dropout=0.0),
    "rnn": dict(emb=128, hidden=128, lr=3e-3, epochs=5, max_tokens=32768, voc=None, max_len=None, clip=1.0,
                cosine=True, dropout=0.0, lin2=True, bidirectional=False),
    "lstm": dict(emb=128, hidden=128, lr=3e-3, epochs=4, max_tokens=8192, voc=None, max_len=None, clip=1.0,
                 cosine=True, dropout=0.0, lin2=False, bidirectional=True),
}
QUICK = dict(emb=16, hidden=16, epochs=2, max_len=40, max_tokens=1024, train_reviews=400, val_reviews=100)


# --- Batching -----------------------------------------------------------------

def truncate(sequences, max_len):
    """Keep the first `max_len` tokens of every review (all of them when None)."""
    return sequences if max_len is None else [seq[:max_len] for seq in sequences]


def make_batches(lengths, batch_size=None, max_tokens=None):
    """Cut the reviews, ordered by length, into batches of index lists.

    A batch closes when it holds `batch_size` reviews or when one more review
    would make (reviews x longest length) exceed `max_tokens`. Neighbours in
    length order pad each other very little.
    """
    if not batch_size and not max_tokens:
        raise utils.UserError("give --batch-size or --max-tokens")
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches, current, longest = [], [], 0
    for index in order:
        longest_with = max(longest, lengths[index])
        full = (batch_size and len(current) >= batch_size) or \
               (max_tokens and (len(current) + 1) * longest_with > max_tokens)
        if current and full:
            batches.append(current)
            current, longest_with = [], lengths[index]
        current.append(index)
        longest = longest_with
    if current:
        batches.append(current)
    return batches


def padding_fraction(batches, lengths):
    """Share of the positions in the padded batches that are `.pad`."""
    real = sum(lengths[i] for batch in batches for i in batch)
    total = sum(len(batch) * max(lengths[i] for i in batch) for batch in batches)
    return 1 - real / total


def random_batches(count, n_batches, seed):
    """The same number of batches, filled with reviews in random order: the naive
    alternative whose padding `padding_fraction` is compared against."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    size = -(-count // n_batches)
    return [order[i:i + size] for i in range(0, count, size)]


def pad_batch(sequences, pad):
    """A list of token lists -> (tokens (batch, longest) long, lengths (batch,) long)."""
    lengths = torch.tensor([len(seq) for seq in sequences], dtype=torch.long)
    longest = int(lengths.max())
    tokens = torch.tensor([seq + [pad] * (longest - len(seq)) for seq in sequences], dtype=torch.long)
    return tokens, lengths


# --- Training and evaluation ----------------------------------------------------

def make_optimizers(model, lr):
    """SparseAdam for the embedding (it updates only the rows a batch used), Adam for
    the dense layers; returns the optimizers and the dense parameters."""
    dense = [p for name, p in model.named_parameters() if not name.startswith("embedding.")]
    return [torch.optim.SparseAdam(list(model.embedding.parameters()), lr=lr),
            torch.optim.Adam(dense, lr=lr)], dense


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
    """Training loss and validation accuracy per epoch, side by side, as one PNG."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs = [h["epoch"] for h in history]
    left.plot(epochs, [h["train_loss"] for h in history], marker="o")
    left.set(title="training loss", xlabel="epoch", ylabel="cross-entropy per review")
    accs = [h["val_acc"] for h in history if h["val_acc"] is not None]
    if accs:
        right.plot(epochs[:len(accs)], accs, marker="o", label="validation")
    right.axhline(0.5, color="grey", linestyle="--", label="chance")
    right.set(title="validation accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0.45, 1.0))
    right.legend()
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    utils.save_figure(fig, path)


# --- Command line -----------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=MODELS, required=True, help="layer 2 of the classifier")
    parser.add_argument("--emb", type=int, help="embedding size")
    parser.add_argument("--hidden", type=int, help="hidden size of layer 2")
    parser.add_argument("--lr", type=float, help="Adam learning rate")
    parser.add_argument("--epochs", type=int, help="passes over the training set")
    parser.add_argument("--batch-size", type=int, help="reviews per batch (instead of --max-tokens)")
    parser.add_argument("--max-tokens", type=int, help="cap on reviews x padded length per batch")
    parser.add_argument("--voc", type=int, help="keep the N most frequent vocabulary entries")
    parser.add_argument("--max-len", type=int, help="keep only the first N tokens of every review (0: whole reviews)")
    parser.add_argument("--clip", type=float, help="clip the gradient norm to this (0: no clipping)")
    parser.add_argument("--cosine", action=argparse.BooleanOptionalAction,
                        help="decay the learning rate to 0 over the run (cosine, per batch)")
    parser.add_argument("--dropout", type=float, help="dropout on the embedded tokens and the pooled features")
    parser.add_argument("--lin2", action=argparse.BooleanOptionalAction,
                        help="rnn, lstm: a Linear(hidden, hidden) on every hidden state, the Elman layer's lin2")
    parser.add_argument("--bidirectional", action=argparse.BooleanOptionalAction,
                        help="rnn, lstm: also read every review right to left")
    parser.add_argument("--val", type=int, default=5000, help="reviews held out for validation (default 5000)")
    parser.add_argument("--final", action="store_true", help="train on all 25,000 and score the test set")
    parser.add_argument("--tag", help="suffix for the output file names (tuning runs)")
    utils.add_common_args(parser, "imdb")
    args = parser.parse_args(argv)
    settings = dict(CHOSEN[args.model], batch_size=None)
    if args.quick:
        settings.update({k: v for k, v in QUICK.items() if k in settings})
    for name in settings:
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    if settings["max_len"] == 0:
        settings["max_len"] = None
    if args.batch_size is not None:
        settings["max_tokens"] = args.max_tokens  # an explicit --batch-size replaces the token cap
    for name in ("emb", "hidden", "epochs", "batch_size", "max_tokens", "voc", "max_len"):
        if settings[name] is not None and settings[name] < 1:
            raise utils.UserError(f"--{name.replace('_', '-')} must be at least 1")
    if settings["lr"] <= 0:
        raise utils.UserError("--lr must be positive")
    if not 0 <= settings["dropout"] < 1:
        raise utils.UserError("--dropout must be in [0, 1)")
    for flag in ("lin2", "bidirectional"):
        if getattr(args, flag) is not None and flag not in settings:
            raise utils.UserError(f"--{flag} applies to --model rnn and lstm only")
    if args.tag is not None and not re.fullmatch(r"[\w.-]+", args.tag):
        raise utils.UserError("--tag may hold only letters, digits, '_', '.' and '-'")
    return args, settings


def run_name(args):
    """The file stem of a run: <model>_<val|final>_seed<S>[_<tag>]."""
    return f"{args.model}_{'final' if args.final else 'val'}_seed{args.seed}" + (f"_{args.tag}" if args.tag else "")


def main(argv=None):
    args, settings = parse_args(argv)
    out = utils.output_dir(args)
    utils.seed_everything(args.seed)
    device = utils.pick_device(args.device)

    (x_train, y_train), (x_eval, y_eval), (i2w, w2i), numcls = load_imdb(
        final=args.final, val=args.val, seed=0, voc=settings["voc"], data_dir=args.data_dir)
    if args.quick:  # an evenly spread subset keeps the full range of lengths
        x_train, y_train = x_train[::max(1, len(x_train) // QUICK["train_reviews"])], \
            y_train[::max(1, len(y_train) // QUICK["train_reviews"])]
        x_eval, y_eval = x_eval[::max(1, len(x_eval) // QUICK["val_reviews"])], \
            y_eval[::max(1, len(y_eval) // QUICK["val_reviews"])]
    x_train, x_eval = truncate(x_train, settings["max_len"]), truncate(x_eval, settings["max_len"])
    pad = w2i[".pad"]

    train_lengths = [len(seq) for seq in x_train]
    train_batches = make_batches(train_lengths, settings["batch_size"], settings["max_tokens"])
    eval_batches = make_batches([len(seq) for seq in x_eval], max_tokens=4 * (settings["max_tokens"] or 8192))
    pad_share = padding_fraction(train_batches, train_lengths)
    random_pad_share = padding_fraction(random_batches(len(x_train), len(train_batches), args.seed), train_lengths)
    name = run_name(args)
    print(f"{name}: {len(x_train)} train / {len(x_eval)} {'test' if args.final else 'validation'} reviews, "
          f"{len(train_batches)} batches, {pad_share:.1%} padding "
          f"(random batches: {random_pad_share:.1%}), vocabulary {len(i2w)}")

    model = Classifier(args.model, len(i2w), settings["emb"], settings["hidden"], numcls, settings["dropout"],
                       lin2=settings.get("lin2", False), bidirectional=settings.get("bidirectional", False)).to(device)
    optimizers, dense = make_optimizers(model, settings["lr"])
    steps = settings["epochs"] * len(train_batches)
    schedules = [torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps) for optimizer in optimizers] \
        if settings["cosine"] else []
    shuffler = random.Random(args.seed)
    history, start, cpu_start = [], time.perf_counter(), time.process_time()
    for epoch in range(1, settings["epochs"] + 1):
        epoch_start = time.perf_counter()
        shuffler.shuffle(train_batches)
        loss = train_epoch(model, optimizers, dense, x_train, y_train, train_batches, pad, settings["clip"], device,
                           schedules)
        val_acc = None if args.final else accuracy(model, x_eval, y_eval, eval_batches, pad, device)
        history.append({"epoch": epoch, "train_loss": loss, "val_acc": val_acc,
                        "seconds": time.perf_counter() - epoch_start})
        shown = "" if val_acc is None else f", validation accuracy {val_acc:.4f}"
        print(f"epoch {epoch}: train loss {loss:.4f}{shown} ({history[-1]['seconds']:.0f} s)", flush=True)
    test_acc = accuracy(model, x_eval, y_eval, eval_batches, pad, device) if args.final else None
    if test_acc is not None:
        print(f"test accuracy {test_acc:.4f}")

    result = {"model": args.model, "split": "final" if args.final else "val", "seed": args.seed, "tag": args.tag,
              "settings": settings, "history": history, "val_acc": None if args.final else history[-1]["val_acc"],
              "test_acc": test_acc, "padding_fraction": pad_share, "random_padding_fraction": random_pad_share,
              "parameters": sum(p.numel() for p in model.parameters()),
              "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu_start,
              "threads": torch.get_num_threads(),
              "device": str(device)}
    utils.save_json(result, out / f"{name}.json")
    title = f"{args.model} ({'trained on 25k, test ' + format(test_acc, '.3f') if args.final else 'validation split'}, seed {args.seed})"
    plot_curves(history, title + (f" [{args.tag}]" if args.tag else ""), out / f"{name}.png")
    return result


if __name__ == "__main__":
    utils.run_main(lambda: main() and None)
