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
Writes <config>.json after every epoch (per-batch loss and gradient norm, and per
epoch every sample with its verdict), <config>.png and
samples/<config>_epochNN.txt, and keeps the checkpoint of the epoch with the most
valid samples at low temperature in checkpoints/imdb/autoregressive/.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import random
import time

import torch
import torch.nn.functional as F
from matplotlib.ticker import MaxNLocator
from torch import nn

import store
from imdb.configs import AUTOREGRESSIVE
from imdb.data_rnn import (entropy_per_token, load_brackets, load_ndfa, load_toy, make_batches,
                           pad_batch)
from imdb.grammar_checks import CHECKERS, best_epoch, bracket_levels, known_word_fraction
import plots

# Per language: the loader and the sampling seed (what follows `.start`).
LANGUAGES = {"ndfa": (load_ndfa, ""), "brackets": (load_brackets, "(()"), "toy": (load_toy, "")}
# --quick: caps on the sizes.
QUICK = dict(n=600, emb=16, hidden=16, epochs=2, max_tokens=512, max_sample_len=60)
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


def plot_run(result, path):
    """Loss per token and gradient norm per batch (raw and smoothed), and the valid
    fraction of the samples per epoch at every temperature."""
    settings = result["settings"]
    fig, axes = plots.subplots(1, 3, figsize=(13, 3.8))
    batches = result["batches"]
    window = max(1, len(batches["loss"]) // 50)
    steps = range(1, len(batches["loss"]) + 1)
    for ax, key, label in ((axes[0], "loss", "cross-entropy per token (nats)"),
                           (axes[1], "grad_norm", "gradient norm before clipping")):
        ax.plot(steps, batches[key], color="tab:blue", alpha=0.25, linewidth=0.6,
                label="per batch")
        ax.plot(steps, plots.moving_average(batches[key], window), color="tab:blue",
                label=f"mean of {window} batches")
        ax.set(xlabel="batch", ylabel=label, yscale="log")
        ax.legend(fontsize=8, frameon=True, framealpha=0.85)
    if entropy_per_token(result["data"]) is not None:
        axes[0].axhline(entropy_per_token(result["data"]), color="black", linestyle=":",
                        label="lowest possible (entropy)")
        axes[0].legend(fontsize=8, frameon=True, framealpha=0.85)
    axes[0].set_title("training loss")
    axes[1].set_title("gradient norm")
    if settings["clip"]:
        axes[1].axhline(settings["clip"], color="grey", linestyle="--", label="clip")
        axes[1].legend(fontsize=8, frameon=True, framealpha=0.85)
    epochs = [h["epoch"] for h in result["history"]]
    for temperature in settings["temperatures"]:
        axes[2].plot(epochs, [h["valid"][str(temperature)] for h in result["history"]],
                     marker="o", label=f"temperature {temperature}")
    axes[2].axhline(0.9, color="grey", linestyle="--", label="0.9")
    what = "properly nested" if result["data"] == "brackets" else "valid"
    axes[2].set(title=f"samples {what}", xlabel="epoch", ylabel="fraction", ylim=(-0.03, 1.03))
    axes[2].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[2].legend(fontsize=8, frameon=True, framealpha=0.85)
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
    """The language's sequences with start and end tokens, their batches and the
    vocabulary (i2w, w2i); a --max-tokens below the longest sequence is one line."""
    raw, (i2w, w2i) = LANGUAGES[args.data][0](n=args.n, char=True, seed=args.seed)
    sequences = add_start_end(raw, w2i)
    lengths = [len(seq) for seq in sequences]
    if max(lengths) > args.max_tokens:
        raise utils.UserError(f"--max-tokens {args.max_tokens} is below the longest sequence "
                              f"({max(lengths)})")
    return sequences, make_batches(lengths, args.max_tokens), (i2w, w2i)


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
    sequences, batches, (i2w, w2i) = load_sequences(args)
    pad = w2i[".pad"]
    seed_ids = [w2i[".start"]] + [w2i[c] for c in seed_text]
    max_sample_len = args.max_sample_len or 2 * max(map(len, sequences))
    name = args.config + (f"_{args.tag}" if args.tag else "")
    print(f"{name}: {len(sequences)} sequences, {sum(map(len, sequences))} tokens, longest "
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
            entry = {"epoch": epoch, "loss": loss, "seconds": train_seconds, "valid": {},
                     "ended": {}, "extras": {}, "samples": {}}
            lines = [f"# {name}, epoch {epoch}, loss per token {loss:.4f}; seed {seed_text!r}"]
            print(f"epoch {epoch}: loss per token {loss:.4f} ({train_seconds:.0f} s)", flush=True)
            lines += sample_epoch(model, args, entry, seed_ids, seed_text, i2w, max_sample_len,
                                  sampler)
            (out / "samples" / f"{name}_epoch{epoch:02d}.txt").write_text("\n".join(lines) + "\n")
            history.append(entry)
            result.update(seconds=time.perf_counter() - start,
                          cpu_seconds=time.process_time() - cpu_start,
                          kept_epoch=best_epoch(history), complete=epoch == args.epochs)
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
