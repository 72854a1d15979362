"""Next-token LSTMs on synthetic languages, with sampling (assignment 3B, part 4,
Q5-Q7, and the "deleted scenes" toy English grammar).

    python imdb/autoregressive.py --data ndfa                 # e=32, h=16, 3 epochs
    python imdb/autoregressive.py --data brackets
    python imdb/autoregressive.py --data toy --temperatures 0,0.5,1

Every sequence gets `.start` in front and `.end` behind; batches hold sequences of
similar length up to a token budget (--max-tokens, counted with padding) and
their order is shuffled every epoch. The model reads a batch and predicts, at
every position, the next token; the loss is the cross-entropy summed over the
real tokens and divided by their number. After every epoch it samples from a
seed at each temperature and judges every sample with `imdb/grammar_checks.py`.
Writes <data>.json (per-batch loss and gradient norm, per-epoch validity),
<data>.png, samples/<data>_epochNN.txt and updates summary.json.
"""
import argparse
import math
import random
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.ticker import MaxNLocator
from torch import nn

import utils
from imdb.classify import make_batches, pad_batch
from imdb.data_rnn import load_brackets, load_ndfa, load_toy
from imdb.grammar_checks import CHECKERS, bracket_levels, known_word_fraction

# Per language: the loader, the sampling seed (after `.start`) and the settings
# behind REPORT.md (flags override them). ndfa uses the handout's e=32, h=16.
LANGUAGES = {
    "ndfa": dict(load=load_ndfa, seed=[], n=150_000, emb=32, hidden=16, layers=1, epochs=3, lr=3e-3,
                 max_tokens=2048, clip=1.0, cosine=False),
    "brackets": dict(load=load_brackets, seed=list("(()"), n=150_000, emb=32, hidden=64, layers=1, epochs=5,
                     lr=3e-3, max_tokens=4096, clip=1.0, cosine=False),
    "toy": dict(load=load_toy, seed=[], n=50_000, emb=32, hidden=128, layers=1, epochs=5, lr=5e-3,
                max_tokens=4096, clip=1.0, cosine=False),
}
QUICK = dict(n=600, emb=16, hidden=16, layers=1, epochs=2, max_tokens=512, samples=4, max_sample_len=60)
SETTINGS = ("n", "emb", "hidden", "layers", "epochs", "lr", "max_tokens", "clip", "cosine")


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
    return torch.multinomial(flat, 1, generator=generator).reshape(probs.shape[:-1]).to(lnprobs.device)


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
    produced `.end` counts as invalid. Returns (texts, valid flags, extra
    measures per sample: the three bracket levels, or the toy's share of known words)."""
    texts, valid, extras = [], [], []
    for ids, ended in continuations:
        text = seed_text + "".join(i2w[i] for i in ids)
        texts.append(text if ended else text + " [no .end]")
        valid.append(ended and CHECKERS[data](text))
        if data == "brackets":
            extras.append({k: ended and v for k, v in bracket_levels(text).items()})
        elif data == "toy":
            extras.append({"known_words": known_word_fraction(text)})
    return texts, valid, extras


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
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    batches = result["batches"]
    window = max(1, len(batches["loss"]) // 50)
    steps = range(1, len(batches["loss"]) + 1)
    for ax, key, label in ((axes[0], "loss", "cross-entropy per token (nats)"),
                           (axes[1], "grad_norm", "gradient norm before clipping")):
        ax.plot(steps, batches[key], color="tab:blue", alpha=0.25, linewidth=0.6, label="per batch")
        ax.plot(steps, utils.moving_average(batches[key], window), color="tab:blue", label=f"mean of {window} batches")
        ax.set(xlabel="batch", ylabel=label, yscale="log")
        ax.legend(fontsize=8, frameon=True, framealpha=0.85)
    if entropy_per_token(result["data"]) is not None:
        axes[0].axhline(entropy_per_token(result["data"]), color="black", linestyle=":",
                        label="lowest possible (entropy)")
        axes[0].legend(fontsize=8, frameon=True, framealpha=0.85)
    axes[0].set_title("training loss")
    axes[1].set_title("gradient norm")
    if result["settings"]["clip"]:
        axes[1].axhline(result["settings"]["clip"], color="grey", linestyle="--", label="clip")
        axes[1].legend(fontsize=8, frameon=True, framealpha=0.85)
    epochs = [h["epoch"] for h in result["history"]]
    for temperature in result["temperatures"]:
        axes[2].plot(epochs, [h["valid"][str(temperature)] for h in result["history"]], marker="o",
                     label=f"temperature {temperature}")
    axes[2].axhline(0.9, color="grey", linestyle="--", label="target 0.9")
    what = "properly nested" if result["data"] == "brackets" else "valid"
    axes[2].set(title=f"samples {what}", xlabel="epoch", ylabel="fraction", ylim=(-0.03, 1.03))
    axes[2].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[2].legend(fontsize=8, frameon=True, framealpha=0.85)
    fig.suptitle(f"{result['data']}: " + ", ".join(f"{k}={result['settings'][k]}"
                                                    for k in ("emb", "hidden", "layers", "lr", "clip"))
                 + (", cosine decay" if result["settings"].get("cosine") else ""))
    utils.save_figure(fig, path)


def low_temperature_valid(entry):
    """An epoch's {temperature: share of valid samples} at the temperatures <= 0.5
    (at all of them if none is that low)."""
    return {t: v for t, v in entry["valid"].items() if float(t) <= 0.5} or entry["valid"]


def checkpoint_score(entry):
    """The mean of `low_temperature_valid`. The checkpoint kept is the first epoch with
    the highest score, as a classifier keeps its best validation epoch: the valid
    share swings from epoch to epoch (see the toy runs), and the last epoch is not
    always the best."""
    scores = low_temperature_valid(entry).values()
    return sum(scores) / len(scores)


def best_epoch(history):
    """The epoch whose checkpoint is kept (first of the highest `checkpoint_score`)."""
    return max(history, key=lambda entry: (checkpoint_score(entry), -entry["epoch"]))["epoch"]


def write_summary(out):
    """summary.json from every run's <data>[_<tag>].json in `out` (the runs finish
    at different times; each rewrites the summary from what is on disk)."""
    summary = {}
    for path in sorted(out.glob("*.json")):
        run = utils.load_json(path)
        if isinstance(run, dict) and run.get("data") in LANGUAGES and run.get("history"):
            history = run["history"]
            summary[path.stem] = {
                "valid": {t: [h["valid"][t] for h in history] for t in history[0]["valid"]},
                "epochs": len(history), "seconds": run["seconds"], "settings": run["settings"],
                "final_loss": history[-1]["loss"], "samples_per_temperature": run["samples"],
                "kept_epoch": best_epoch(history)}
    utils.save_json(summary, out / "summary.json")
    return summary


def entropy_per_token(data):
    """The lowest loss per token any model can reach on ndfa or brackets: the
    generator's entropy per sequence over the number of predicted tokens per
    sequence (length + 1, counting `.end`), in nats. None for the toy grammar.

    ndfa: one choice among four after the first "s" ("s", "a", "u", "k"), then
    after each of the k words (E[k] = 3) a stop-or-repeat choice with P(stop) = 1/4;
    a sequence has 2 + 4k characters. brackets: every character after the first
    is a choice with P("(") = 7/16 until the depth is 0; the walk drifts down by
    1/8 per step, so a string has on average 1 + 8 characters.
    """
    def binary(p):
        return -(p * math.log(p) + (1 - p) * math.log(1 - p))
    if data == "ndfa":
        return (math.log(4) + 3 * binary(1 / 4)) / (2 + 4 * 3 + 1)
    if data == "brackets":
        return 8 * binary(7 / 16) / (9 + 1)
    return None


def run_name(run):
    return run["data"] + (f"_{run['tag']}" if run["tag"] else "")


def long_sample_counts(samples_file, min_length):
    """{temperature: (valid, all)} over the samples longer than `min_length`
    characters in one epoch's samples file."""
    counts, temperature = {}, None
    for line in Path(samples_file).read_text().splitlines():
        if line.startswith("## temperature"):
            temperature = line.split()[2].rstrip(":")
            counts[temperature] = (0, 0)
        elif temperature and line[:3] in ("ok ", "BAD"):
            text = line[4:].removesuffix(" [no .end]")
            if len(text) > min_length:
                ok, n = counts[temperature]
                counts[temperature] = (ok + (line[:3] == "ok "), n + 1)
    return counts


def report_table(results_root):
    """REPORT.md's imdb_ar block, from the runs' JSON files in results/imdb_ar/."""
    runs = [utils.load_json(Path(results_root) / "imdb_ar" / f"{name}.json")
            for name in utils.load_json(Path(results_root) / "imdb_ar" / "summary.json")]
    lines = ["| run | settings | sequences × epochs | loss per token, last epoch (lowest possible) | valid at T = 0 / 0.5 / 1, "
             "last epoch | valid at T = 0.5, per epoch | first epoch ≥ 0.9 at T = 0.5 | batches clipped (largest "
             "norm) | kept checkpoint: epoch (valid at T ≤ 0.5) | minutes: wall (CPU) |",
             "|---|---|---|---:|---|---|---:|---:|---:|---:|"]
    for run in runs:
        s, history = run["settings"], run["history"]
        last = " / ".join(f"{history[-1]['valid'][str(t)]:.2f}" for t in run["temperatures"])
        half = [h["valid"].get("0.5") for h in history]
        first = next((h["epoch"] for h in history if h["valid"].get("0.5", 0) >= 0.9), "not reached")
        settings = f"e={s['emb']}, h={s['hidden']}, {s['layers']} layer(s), Adam {s['lr']:g}" \
                   f"{' cosine to 0' if s.get('cosine') else ''}, " \
                   f"clip {s['clip']:g}, ≤{s['max_tokens']} tokens/batch"
        minutes = f"{run['seconds'] / 60:.1f} ({run['cpu_seconds'] / 60:.1f})"
        kept = best_epoch(history)
        kept_valid = " / ".join(f"{v:.2f}" for v in low_temperature_valid(history[kept - 1]).values())
        norms = run["batches"]["grad_norm"]
        clipped = f"{sum(n > (s['clip'] or float('inf')) for n in norms) / len(norms):.1%} ({max(norms):.2f})"
        floor = "" if entropy_per_token(run["data"]) is None else f" ({entropy_per_token(run['data']):.3f})"
        lines.append(f"| {run_name(run)} | {settings} | "
                     f"{s['n']:,} × {len(history)} | {history[-1]['loss']:.3f}{floor} | {last} | "
                     f"{', '.join(f'{v:.2f}' for v in half)} | {first} | {clipped} | {kept} ({kept_valid}) | {minutes} |")
    lines += ["", "Long samples are the real test (a model that only closes shallow brackets passes on "
                  "short ones): samples of the last epoch with more than 40 characters, valid / all:", "",
              "| run | " + " | ".join(f"T = {t}" for t in runs[0]["temperatures"]) + " |",
              "|---|" + "---:|" * len(runs[0]["temperatures"])] if runs else []
    for run in runs:
        counts = long_sample_counts(Path(results_root) / "imdb_ar" / "samples" /
                                    f"{run_name(run)}_epoch{len(run['history']):02d}.txt", 40)
        lines.append(f"| {run_name(run)} | " + " | ".join(f"{ok} / {n}" for ok, n in counts.values()) + " |")
    lines += ["", f"Valid = the whole sample is in the language and ended with `.end` "
                  f"({runs[0]['samples'] if runs else 0} samples per temperature and epoch); for brackets, "
                  "properly nested. The stricter and looser checks, last epoch:", "",
              "| run | temperature | brackets balanced | properly nested | in the training language "
              "| toy: share of known words |", "|---|---:|---:|---:|---:|---:|"]
    for run in runs:
        for key, extra in run["history"][-1]["extras"].items():
            cells = [f"{extra[k]:.2f}" if k in extra else "–"
                     for k in ("balanced", "nested", "in_language", "known_words")]
            lines.append(f"| {run_name(run)} | {key} | {' | '.join(cells)} |")
    lines += ["", "Samples of the last epoch (the first three per temperature; one at T = 0, where all "
                  "are the same; cut at 90 characters):", "", "| run | T | sample | valid |", "|---|---:|---|---|"]
    for run in runs:
        for key, texts in run["history"][-1]["examples"].items():
            for text in texts[:1 if key == "0.0" else 3]:  # argmax sampling repeats one string
                ok = "[no .end]" not in text and CHECKERS[run["data"]](text)
                shown = text if len(text) <= 90 else text[:90] + " …"
                lines.append(f"| {run_name(run)} | {key} | "
                             f"`{shown}` | {'yes' if ok else 'no'} |")
    return "\n".join(lines)


# --- Command line ------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=LANGUAGES, required=True, help="which synthetic language")
    parser.add_argument("--n", type=int, help="number of training sequences")
    parser.add_argument("--emb", type=int, help="embedding size")
    parser.add_argument("--hidden", type=int, help="LSTM hidden size")
    parser.add_argument("--layers", type=int, choices=(1, 2, 3), help="LSTM layers")
    parser.add_argument("--epochs", type=int, help="passes over the data")
    parser.add_argument("--lr", type=float, help="Adam learning rate")
    parser.add_argument("--max-tokens", type=int, help="cap on sequences x padded length per batch")
    parser.add_argument("--clip", type=float, help="clip the gradient norm to this (0: no clipping)")
    parser.add_argument("--cosine", action="store_true", default=None,
                        help="decay the learning rate to 0 over the run (cosine, per batch)")
    parser.add_argument("--temperatures", default="0,0.5,1", help="sampling temperatures (default 0,0.5,1)")
    parser.add_argument("--samples", type=int, default=100,
                        help="samples per temperature after every epoch; all are judged, 10 printed (default 100)")
    parser.add_argument("--max-sample-len", type=int,
                        help="stop a sample after this many tokens (default: twice the longest training sequence)")
    parser.add_argument("--tag", help="suffix for the output file names (runs other than the main one)")
    utils.add_common_args(parser, "imdb_ar")
    args = parser.parse_args(argv)
    settings = {k: v for k, v in LANGUAGES[args.data].items() if k in SETTINGS}
    if args.quick:
        settings.update({k: v for k, v in QUICK.items() if k in settings})
        args.samples = min(args.samples, QUICK["samples"])
        args.max_sample_len = args.max_sample_len or QUICK["max_sample_len"]
    for name in SETTINGS:
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    for name in ("n", "emb", "hidden", "epochs", "max_tokens"):
        if settings[name] < 1:
            raise utils.UserError(f"--{name.replace('_', '-')} must be at least 1")
    if settings["lr"] <= 0:
        raise utils.UserError("--lr must be positive")
    try:
        args.temperatures = [float(t) for t in args.temperatures.split(",")]
    except ValueError:
        raise utils.UserError(f"--temperatures must be numbers separated by commas, got {args.temperatures!r}") from None
    if any(t < 0 for t in args.temperatures) or args.samples < 1:
        raise utils.UserError("temperatures must be >= 0 and --samples at least 1")
    return args, settings


def main(argv=None):
    args, settings = parse_args(argv)
    out = utils.output_dir(args)
    (out / "samples").mkdir(exist_ok=True)
    utils.seed_everything(args.seed)
    device = utils.pick_device(args.device)
    language = LANGUAGES[args.data]

    raw, (i2w, w2i) = language["load"](n=settings["n"], char=True, seed=args.seed)
    sequences = add_start_end(raw, w2i)
    pad, end = w2i[".pad"], w2i[".end"]
    lengths = [len(seq) for seq in sequences]
    if max(lengths) > settings["max_tokens"]:
        raise utils.UserError(f"--max-tokens {settings['max_tokens']} is below the longest sequence ({max(lengths)})")
    batches = make_batches(lengths, max_tokens=settings["max_tokens"])
    seed_ids = [w2i[".start"]] + [w2i[c] for c in language["seed"]]
    seed_text = "".join(language["seed"])
    max_sample_len = args.max_sample_len or 2 * max(lengths)
    name = args.data + (f"_{args.tag}" if args.tag else "")
    print(f"{name}: {len(sequences)} sequences, {sum(lengths)} tokens, longest {max(lengths)}, "
          f"{len(batches)} batches, vocabulary {len(i2w)}; seed {seed_text!r}")

    model = NextTokenLSTM(len(i2w), settings["emb"], settings["hidden"], settings["layers"]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, settings["epochs"] * len(batches)) \
        if settings["cosine"] else None
    shuffler = random.Random(args.seed)
    sampler = torch.Generator().manual_seed(args.seed)
    log, history = {"loss": [], "grad_norm": []}, []
    result = {"data": args.data, "tag": args.tag, "seed": args.seed, "settings": settings, "temperatures": args.temperatures,
              "samples": args.samples, "max_sample_len": max_sample_len, "sample_seed": seed_text,
              "vocabulary": i2w, "parameters": sum(p.numel() for p in model.parameters()),
              "threads": torch.get_num_threads(), "device": str(device), "history": history, "batches": log}
    checkpoints = out / "checkpoints" if args.quick else utils.REPO_ROOT / "checkpoints" / "imdb_ar"
    start, cpu_start = time.perf_counter(), time.process_time()
    for epoch in range(1, settings["epochs"] + 1):
        epoch_start = time.perf_counter()
        shuffler.shuffle(batches)
        loss = train_epoch(model, optimizer, schedule, sequences, batches, pad, settings["clip"], device, log)
        train_seconds = time.perf_counter() - epoch_start
        entry = {"epoch": epoch, "loss": loss, "seconds": train_seconds, "valid": {}, "valid_of_first_10": {},
                 "ended": {}, "extras": {}, "examples": {}}
        lines = [f"# {name}, epoch {epoch}, loss per token {loss:.4f}; seed {seed_text!r}"]
        print(f"epoch {epoch}: loss per token {loss:.4f} ({train_seconds:.0f} s)", flush=True)
        for temperature in args.temperatures:
            continuations = generate(model, seed_ids, args.samples, temperature, max_sample_len, end, sampler)
            texts, valid, extras = judge(args.data, seed_text, continuations, i2w)
            key = str(temperature)
            entry["valid"][key] = sum(valid) / len(valid)
            entry["valid_of_first_10"][key] = sum(valid[:10])
            entry["examples"][key] = texts[:10]
            entry["ended"][key] = sum(ended for _, ended in continuations) / len(continuations)
            if extras:
                entry["extras"][key] = {k: sum(e[k] for e in extras) / len(extras) for k in extras[0]}
            lines.append(f"\n## temperature {temperature}: {sum(valid)}/{len(valid)} valid")
            lines += [f"{'ok ' if ok else 'BAD'} {text}" for text, ok in zip(texts, valid)]
            print(f"  temperature {temperature}: {entry['valid'][key]:.0%} valid")
            for text, ok in list(zip(texts, valid))[:3]:
                print(f"    {'ok ' if ok else 'BAD'} {text[:100]}")
        (out / "samples" / f"{name}_epoch{epoch:02d}.txt").write_text("\n".join(lines) + "\n")
        history.append(entry)
        result["seconds"] = time.perf_counter() - start
        result["cpu_seconds"] = time.process_time() - cpu_start
        # Everything is rewritten after every epoch, so a run stopped early leaves consistent files.
        utils.save_json(result, out / f"{name}.json")
        if best_epoch(history) == epoch:
            utils.atomic_torch_save({"model": model.state_dict(), "settings": settings, "i2w": i2w,
                                     "epoch": epoch}, checkpoints / f"{name}.pt")
        plot_run(result, out / f"{name}.png")
        write_summary(out)
    return result


if __name__ == "__main__":
    utils.run_main(lambda: main() and None)
