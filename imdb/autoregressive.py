"""Next-token LSTMs on synthetic languages, with sampling (assignment 3B, part 4,
Q5-Q7, and the "deleted scenes" toy English grammar).

    python imdb/autoregressive.py                      # ndfa at the handout's e=32, h=16
    python imdb/autoregressive.py --config brackets
    python imdb/autoregressive.py --config toy_2layers --temperatures 0,0.5,1

--config picks one of REPORT.md's runs (ndfa, the default; brackets and
brackets_h16; toy, toy_cosine, toy_lr2e-3, toy_2layers); flags given after it
change single settings. Every sequence gets `.start` in front and `.end` behind;
batches hold sequences of similar length up to a token budget (--max-tokens,
counted with padding) and their order is shuffled every epoch. The model reads a
batch and predicts, at every position, the next token; the loss is the
cross-entropy summed over the real tokens and divided by their number. After
every epoch it samples --samples continuations of a seed at each temperature,
prints the first 10 of each, and judges every sample with `imdb/grammar_checks.py`.
After every epoch it also measures the loss per token on --val held-out strings,
drawn from the same generator with a seed of their own; the checkpoint kept, in
checkpoints/imdb/autoregressive/, is the epoch with the lowest held-out loss. Writes
<config>.json after every epoch (per-batch loss and gradient norm, and per epoch the
held-out loss and every sample with its verdict), <config>.png and
samples/<config>_epochNN.txt.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import math
import random
import time

import torch
import torch.nn.functional as F
from matplotlib.ticker import FuncFormatter, MaxNLocator
from torch import nn

import store
from imdb.configs import AUTOREGRESSIVE
from imdb.data_rnn import (entropy_per_token, load_brackets, load_ndfa, load_toy, make_batches,
                           pad_batch)
from imdb.grammar_checks import CHECKERS, bracket_levels, known_word_fraction
import plots

# Per language: the loader and the sampling seed (what follows `.start`).
LANGUAGES = {"ndfa": (load_ndfa, ""), "brackets": (load_brackets, "(()"), "toy": (load_toy, "")}
# --quick: caps on the sizes.
QUICK = dict(n=600, val=100, emb=16, hidden=16, epochs=2, max_tokens=512, max_sample_len=60)
PRINTED = 10  # samples printed per temperature and epoch (the handout's Q6)


def temperatures(text):
    """A flag type: comma-separated finite temperatures >= 0, e.g. "0,0.5,1"."""
    return [utils.non_negative_float(part.strip()) for part in text.split(",")]


# --- Data: sequences with .start/.end, batches, targets ------------------------

def add_start_end(sequences, w2i):
    return [[w2i[".start"], *seq, w2i[".end"]] for seq in sequences]


def shift_targets(tokens, pad):
    """The next token at every position: the batch shifted one left, a pad column
    appended (so the last real token's target is `.end` and `.end`'s is pad)."""
    return torch.cat([tokens[:, 1:], torch.full_like(tokens[:, :1], pad)], dim=1)


# --- Model ---------------------------------------------------------------------

class NextTokenLSTM(nn.Module):
    """Embedding -> LSTM (1-3 layers, batch first) -> Linear(hidden, vocab).

    (The handout's table writes Linear(emb, vocab); the LSTM's output is `hidden` wide.)
    """

    def __init__(self, vocab_size, emb=32, hidden=16, layers=1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb)
        self.lstm = nn.LSTM(input_size=emb, hidden_size=hidden, num_layers=layers, batch_first=True)
        self.output = nn.Linear(hidden, vocab_size)

    def forward(self, tokens, state=None):
        """(batch, time) ids -> ((batch, time, vocab) logits, LSTM state)."""
        outputs, state = self.lstm(self.embedding(tokens), state)
        return self.output(outputs), state


def next_token_loss(model, tokens, pad):
    """Cross-entropy per real token: summed over positions whose target is not
    pad, divided by their number. Returns (loss, number of tokens)."""
    targets = shift_targets(tokens, pad)
    logits, _ = model(tokens)
    total = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=pad, reduction="sum")
    count = int((targets != pad).sum())
    return total / count, count


@torch.no_grad()
def held_out_loss(model, sequences, batches, pad, device):
    """The loss per token over the held-out `sequences`, in `batches`."""
    model.eval()
    total, tokens_seen = 0.0, 0
    for batch in batches:
        tokens, _ = pad_batch([sequences[i] for i in batch], pad)
        loss, count = next_token_loss(model, tokens.to(device), pad)
        total += loss.item() * count
        tokens_seen += count
    model.train()
    return total / tokens_seen


# --- Sampling ------------------------------------------------------------------

def sample(lnprobs, temperature=1.0, generator=None):
    """The handout's categorical sampler, for a row of logits or a batch of rows:
    temperature 0 returns the most likely index, 1 samples the model's distribution."""
    if temperature == 0.0:
        return lnprobs.argmax(dim=-1)
    probs = F.softmax(lnprobs / temperature, dim=-1).cpu()
    flat = probs.reshape(-1, probs.shape[-1])
    drawn = torch.multinomial(flat, 1, generator=generator).reshape(probs.shape[:-1])
    return drawn.to(lnprobs.device)


@torch.no_grad()
def generate(model, seed_ids, count, temperature, max_len, end, generator=None):
    """`count` continuations of `seed_ids`, sampled in one batch, carrying the LSTM
    state. Each is (ids up to but not including `.end`, whether `.end` came)."""
    model.eval()
    device = next(model.parameters()).device
    tokens = torch.tensor([seed_ids] * count, device=device)
    logits, state = model(tokens)
    produced = [[] for _ in range(count)]
    ended = [False] * count
    for _ in range(max_len):
        nxt = sample(logits[:, -1], temperature, generator)
        for row, token in enumerate(nxt.tolist()):
            if not ended[row]:
                if token == end:
                    ended[row] = True
                else:
                    produced[row].append(token)
        if all(ended):
            break
        logits, state = model(nxt[:, None], state)
    model.train()
    return list(zip(produced, ended))


def judge(data, seed_text, continuations, i2w):
    """Decode samples (seed included) and check them; a sample that never
    produced `.end` counts as invalid. Returns {"text", "ended", "valid": one
    list each} and the extra measures per sample (the three bracket levels, or
    the toy's share of known words)."""
    judged, extras = {"text": [], "ended": [], "valid": []}, []
    for ids, ended in continuations:
        text = seed_text + "".join(i2w[i] for i in ids)
        judged["text"].append(text)
        judged["ended"].append(ended)
        judged["valid"].append(ended and CHECKERS[data](text))
        if data == "brackets":
            extras.append({k: ended and v for k, v in bracket_levels(text).items()})
        elif data == "toy":
            extras.append({"known_words": known_word_fraction(text)})
    return judged, extras


def shown(text, ended, valid):
    """One sample as printed and written to the samples file."""
    return f"{'ok ' if valid else 'BAD'} {text}" + ("" if ended else " [no .end]")


# --- Training --------------------------------------------------------------------

def lowest_held_out_loss(history):
    """The epoch whose checkpoint is kept: the first with the lowest held-out loss."""
    return min(history, key=lambda entry: (entry["val_loss"], entry["epoch"]))["epoch"]


def train_epoch(model, optimizer, schedule, sequences, batches, pad, clip, device, log):
    """One pass over `batches` (in the given order), stepping the learning-rate
    `schedule` (or None) after every batch. Appends each batch's loss per
    token and gradient norm (before clipping) to `log`; returns the epoch's loss per token."""
    params = list(model.parameters())
    total, tokens_seen = 0.0, 0
    for batch in utils.progress(batches, desc="train"):
        tokens, _ = pad_batch([sequences[i] for i in batch], pad)
        loss, count = next_token_loss(model, tokens.to(device), pad)
        utils.check_finite(loss.item(), f"a batch of {len(batch)} sequences")
        optimizer.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, clip if clip else float("inf"))
        optimizer.step()
        if schedule is not None:
            schedule.step()
        log["loss"].append(loss.item())
        log["grad_norm"].append(float(norm))
        total += loss.item() * count
        tokens_seen += count
    return total / tokens_seen


def minor_tick_label(low, high):
    """A log axis' minor tick labels as plain numbers: all of them on an axis spanning
    less than a decade, else only the 2s and 5s (0.2, 0.5, 2, ...), so none overlap."""
    def label(value, _):
        leading = round(value / 10 ** math.floor(math.log10(value)))
        return f"{value:g}" if high / low < 10 or leading in (2, 5) else ""
    return label


def plot_run(result, path):
    """Loss per token per batch (raw and smoothed) with the held-out loss after every
    epoch, the gradient norm per batch, and the valid fraction of the samples per
    epoch at every temperature; legends sit below their panels, clear of the traces."""
    settings, batches, history = result["settings"], result["batches"], result["history"]
    fig, axes = plots.subplots(2, 2, figsize=(9, 7.5))
    for ax in axes[0]:
        ax.remove()
    loss_ax, (norm_ax, valid_ax) = fig.add_subplot(axes[0, 0].get_gridspec()[0, :]), axes[1]
    window = max(1, len(batches["loss"]) // 50)
    steps = range(1, len(batches["loss"]) + 1)
    for ax, key, label in ((loss_ax, "loss", "cross-entropy per token (nats)"),
                           (norm_ax, "grad_norm", "gradient norm before clipping")):
        ax.plot(steps, batches[key], color="tab:blue", alpha=0.25, linewidth=0.6,
                label="per batch")
        ax.plot(steps, plots.moving_average(batches[key], window), color="tab:blue",
                label=f"mean of {window} batches")
        ax.set(xlabel="batch", ylabel=label, yscale="log")
    per_epoch = len(batches["loss"]) // len(history)
    loss_ax.plot([h["epoch"] * per_epoch for h in history], [h["val_loss"] for h in history],
                 color="tab:orange", marker="o", label="held-out strings, after each epoch")
    kept = history[result["kept_epoch"] - 1]
    loss_ax.plot(kept["epoch"] * per_epoch, kept["val_loss"], linestyle="none", marker="o",
                 markersize=13, markerfacecolor="none", markeredgecolor="black",
                 label=f"kept: epoch {kept['epoch']}, the lowest held-out loss")
    if entropy_per_token(result["data"]) is not None:
        loss_ax.axhline(entropy_per_token(result["data"]), color="black", linestyle=":",
                        label="lowest possible (entropy)")
    loss_ax.set_title("loss")
    norm_ax.set_title("gradient norm")
    if settings["clip"]:
        norm_ax.axhline(settings["clip"], color="grey", linestyle="--", label="clip")
    epochs = [h["epoch"] for h in history]
    for temperature, marker in zip(settings["temperatures"], "osD^v"):
        valid_ax.plot(epochs, [h["valid"][str(temperature)] for h in history], marker=marker,
                      label=f"T = {temperature:g}" + (" (argmax: one string)" if temperature == 0
                                                      else ""))
    what = "properly nested" if result["data"] == "brackets" else "valid"
    valid_ax.set(title=f"samples {what}", xlabel="epoch",
                 ylabel=f"fraction of {settings['samples']} samples", ylim=(-0.03, 1.03))
    valid_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax, columns in ((loss_ax, 3), (norm_ax, 2), (valid_ax, 3)):
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16 if ax is loss_ax else -0.2),
                  ncol=columns, fontsize=9)
    for ax in (loss_ax, norm_ax):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(minor_tick_label(*ax.get_ylim())))
    fig.suptitle(f"{result['data']}: " + ", ".join(
        f"{k}={settings[k]}" for k in ("n", "emb", "hidden", "layers", "lr", "clip"))
        + (", cosine decay" if settings["cosine"] else ""))
    plots.save_figure(fig, path)


def build_model(args, vocabulary_size, batches_per_epoch, device):
    """The LSTM, its Adam optimizer and, with --cosine, the per-batch decay."""
    model = NextTokenLSTM(vocabulary_size, args.emb, args.hidden, args.layers).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, args.epochs * batches_per_epoch) if args.cosine else None
    return model, optimizer, schedule


def load_sequences(args):
    """The training sequences and the held-out ones, each with start and end tokens
    and their batches, and the training vocabulary (i2w, w2i). The held-out strings
    come from the same generator seeded with a string, so their stream is never
    that of an integer --seed; the shortest ones are as common there as in training,
    so some strings occur in both, as they would in any fresh draw. A --max-tokens
    below the longest sequence is one line."""
    load = LANGUAGES[args.data][0]
    raw, (i2w, w2i) = load(n=args.n, char=True, seed=args.seed)
    held_raw, (held_i2w, _) = load(n=args.val, char=True, seed=f"held out {args.seed}")
    unseen = set(held_i2w) - set(i2w)
    if unseen:
        raise utils.UserError(f"the held-out strings use tokens the {args.n} training strings "
                              f"lack ({', '.join(sorted(unseen))}); raise --n")
    held = [[w2i[held_i2w[i]] for i in seq] for seq in held_raw]
    splits = []
    for sequences in (add_start_end(raw, w2i), add_start_end(held, w2i)):
        lengths = [len(seq) for seq in sequences]
        if max(lengths) > args.max_tokens:
            raise utils.UserError(f"--max-tokens {args.max_tokens} is below the longest "
                                  f"sequence ({max(lengths)})")
        splits.append((sequences, make_batches(lengths, args.max_tokens)))
    return splits, (i2w, w2i)


def sample_epoch(model, args, entry, seed_ids, seed_text, i2w, max_length, generator):
    """Draw --samples continuations of the seed at every temperature, judge them into
    the epoch's `entry`, print the first few; return the lines of the samples file."""
    lines = []
    for temperature in args.temperatures:
        continuations = generate(model, seed_ids, args.samples, temperature, max_length,
                                 i2w.index(".end"), generator)
        judged, extras = judge(args.data, seed_text, continuations, i2w)
        key = str(temperature)
        entry["samples"][key] = judged
        entry["valid"][key] = sum(judged["valid"]) / args.samples
        entry["ended"][key] = sum(judged["ended"]) / args.samples
        if extras:
            entry["extras"][key] = {k: sum(e[k] for e in extras) / len(extras)
                                    for k in extras[0]}
        texts = [shown(*sample) for sample in zip(*judged.values())]
        valid = sum(judged["valid"])
        lines.append(f"\n## temperature {temperature}: {valid}/{args.samples} valid")
        lines += texts
        print(f"  temperature {temperature}: {entry['valid'][key]:.0%} valid")
        for text in texts[:PRINTED]:
            print(f"    {text}")
    return lines


# --- Command line ------------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, AUTOREGRESSIVE)
    add, size, default = parser.add_argument, utils.bounded_int(1, 4096), " (default: %(default)s)"
    add("--data", choices=LANGUAGES, help="which synthetic language" + default)
    add("--n", type=utils.bounded_int(1, 1_000_000), help="number of training sequences" + default)
    add("--val", type=utils.bounded_int(1, 1_000_000),
        help="held-out sequences whose loss picks the epoch kept" + default)
    add("--emb", type=size, help="embedding size" + default)
    add("--hidden", type=size, help="LSTM hidden size" + default)
    add("--layers", type=int, choices=(1, 2, 3), help="LSTM layers" + default)
    add("--epochs", type=utils.bounded_int(1, 1000), help="passes over the data" + default)
    add("--lr", type=utils.positive_float, help="Adam learning rate" + default)
    add("--max-tokens", type=utils.bounded_int(1, 10_000_000),
        help="cap on sequences x padded length per batch" + default)
    add("--clip", type=utils.non_negative_float,
        help="clip the gradient norm to this, 0 for none" + default)
    add("--cosine", action=argparse.BooleanOptionalAction,
        help="decay the learning rate to 0 over the run, cosine, per batch" + default)
    add("--temperatures", type=temperatures, default=[0.0, 0.5, 1.0],
        help="sampling temperatures, comma-separated (default: 0,0.5,1)")
    add("--samples", type=utils.bounded_int(1, 10_000), default=100,
        help=f"samples per temperature after every epoch; all are judged, "
             f"the first {PRINTED} printed (default: 100)")
    add("--max-sample-len", type=utils.bounded_int(1, 100_000),
        help="stop a sample after this many tokens "
             "(default: twice the longest training sequence)")
    add("--tag", type=utils.tag,
        help="suffix for the output file names, for runs that change a config "
             "(default: none)")
    utils.add_common_args(parser, "imdb/autoregressive")
    parser.set_defaults(**next(iter(AUTOREGRESSIVE.values())))  # --help: the first config
    return parser


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    utils.apply_quick(args, QUICK)
    out = utils.output_dir(args)
    (out / "samples").mkdir(exist_ok=True)
    checkpoints = utils.checkpoint_dir(args, out)
    utils.seed_everything(args.seed)
    device = utils.pick_device(args.device)
    seed_text = LANGUAGES[args.data][1]
    ((sequences, batches), (held_out, held_out_batches)), (i2w, w2i) = load_sequences(args)
    pad = w2i[".pad"]
    seed_ids = [w2i[".start"]] + [w2i[c] for c in seed_text]
    max_sample_len = args.max_sample_len or 2 * max(map(len, sequences))
    name = args.config + (f"_{args.tag}" if args.tag else "")
    print(f"{name}: {len(sequences)} sequences ({len(held_out)} held out), "
          f"{sum(map(len, sequences))} tokens, longest "
          f"{max(map(len, sequences))}, {len(batches)} batches, vocabulary {len(i2w)}; "
          f"seed {seed_text!r}")

    model, optimizer, schedule = build_model(args, len(i2w), len(batches), device)
    shuffler = random.Random(args.seed)
    sampler = torch.Generator().manual_seed(args.seed)
    log, history = {"loss": [], "grad_norm": []}, []
    result = {"script": "imdb/autoregressive.py", "settings": utils.run_settings(args),
              "environment": utils.environment(),
              "data": args.data, "complete": False, "max_sample_len": max_sample_len,
              "sample_seed": seed_text, "vocabulary": i2w,
              "parameters": sum(p.numel() for p in model.parameters()),
              "threads": torch.get_num_threads(), "device": str(device), "history": history,
              "batches": log}
    with store.run_lock(out, name):  # one writer per run name and folder
        start, cpu_start = time.perf_counter(), time.process_time()
        for epoch in range(1, args.epochs + 1):
            epoch_start = time.perf_counter()
            shuffler.shuffle(batches)
            loss = train_epoch(model, optimizer, schedule, sequences, batches, pad, args.clip,
                               device, log)
            train_seconds = time.perf_counter() - epoch_start
            val_loss = held_out_loss(model, held_out, held_out_batches, pad, device)
            entry = {"epoch": epoch, "loss": loss, "val_loss": val_loss,
                     "seconds": train_seconds, "valid": {}, "ended": {}, "extras": {},
                     "samples": {}}
            lines = [f"# {name}, epoch {epoch}, loss per token {loss:.4f}, held out "
                     f"{val_loss:.4f}; seed {seed_text!r}"]
            print(f"epoch {epoch}: loss per token {loss:.4f}, held out {val_loss:.4f} "
                  f"({train_seconds:.0f} s)", flush=True)
            lines += sample_epoch(model, args, entry, seed_ids, seed_text, i2w, max_sample_len,
                                  sampler)
            (out / "samples" / f"{name}_epoch{epoch:02d}.txt").write_text("\n".join(lines) + "\n")
            history.append(entry)
            result.update(seconds=time.perf_counter() - start,
                          cpu_seconds=time.process_time() - cpu_start,
                          kept_epoch=lowest_held_out_loss(history), complete=epoch == args.epochs)
            # Everything is rewritten after every epoch, so a run stopped early leaves
            # consistent files.
            store.save_json(result, out / f"{name}.json")
            if result["kept_epoch"] == epoch:
                store.atomic_torch_save({"model": model.state_dict(), "i2w": i2w, "epoch": epoch,
                                         "settings": result["settings"]},
                                        checkpoints / f"{name}.pt")
            plot_run(result, out / f"{name}.png")
    return result


if __name__ == "__main__":
    utils.run_main(lambda: main() and None)
