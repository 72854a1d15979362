"""Run every assignment's experiments in one go, and rebuild REPORT.md's tables.

    python run_all.py                 # full runs behind REPORT.md (writes results/)
    python run_all.py --quick         # every part with tiny settings (writes runs/quick/)
    python run_all.py --only cifar,names --data-dir ../data
    python run_all.py --tables        # regenerate the tables in REPORT.md from results/

Each part registers its command lines in PARTS below. The commands run in order
as subprocesses from the repository root; a failing part is reported and the
others still run. The exit status is non-zero if any part failed.
"""
import argparse
import importlib
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field

from utils import REPO_ROOT, UserError, run_main


@dataclass
class Part:
    """One assignment part: its full and quick command lines (script path first,
    relative to the repo root) and, optionally, the "module:function" that takes
    the results/ folder and returns the markdown of the part's REPORT.md block
    (`<!-- results:NAME -->`)."""
    name: str
    full: list = field(default_factory=list)
    quick: list = field(default_factory=list)
    table: str = None


# The names Task 1 recipe for the 1-layer GRU, which the tuning and validation runs vary
# (a flag given again after it wins).
NAMES_GRU = ["names_rnn/train.py", "--cell", "gru", "--layers", "1", "--hidden", "200", "--batch-size", "30",
             "--optimizer", "adam", "--lr", "0.003", "--schedule", "cosine", "--epochs", "8", "--embedding", "64",
             "--dropout", "0.3", "--no-figure"]

# The imdb runs made before a flag existed pin its old default: the one-directional LSTM, and
# nn.RNN's third-round setting (first 256 tokens, no lin2).
LSTM_UNI = ["imdb/classify.py", "--model", "lstm", "--no-bidirectional"]
RNN_256 = ["imdb/classify.py", "--model", "rnn", "--max-len", "256", "--no-lin2"]

PARTS = [
    Part("parity",
         full=[["univariate_tester.py", "--max-length", "20", "--random-length", "10000", "--samples", "10000"],
               ["driver_parity.py"], ["driver_parity.py", "--sweep", "--seeds", "5"]],
         quick=[["univariate_tester.py", "--quick"], ["driver_parity.py", "--quick"],
                ["driver_parity.py", "--quick", "--sweep"]],
         table="driver_parity:report_table"),
    Part("names",  # Task 2B (batch sizes 1, 10, 30), Task 1 (5 models x 2 seeds), one deduplicated run,
         # 8 tuning variants of the GRU recipe scored on test (seed 0, the default; label smoothing and
         # unbucketed batches also seed 1), 10 settings x 2 seeds on a validation split,
         # the setting chosen there trained on the whole training split (2 seeds), two bigger
         # ensembles on validation only (seed 0), summary
         full=[*[["names_rnn/train.py", "--batch-size", bs, "--optimizer", "sgd", "--lr", "0.1", "--epochs", "5",
                  "--no-figure", "--tag", f"task2b-bs{bs}"] for bs in ("1", "10", "30")],
               *[["names_rnn/train.py", "--cell", cell, "--layers", layers, "--hidden", hidden, "--seed", seed,
                  *dedup, "--batch-size", "30", "--optimizer", "adam", "--lr", "0.003", "--schedule", "cosine",
                  "--epochs", "8", "--embedding", "64", "--dropout", "0.3", "--no-figure",
                  "--tag", f"{'dedup' if dedup else 'task1'}-{cell}-{layers}x{hidden}-seed{seed}"]
                 for cell, layers, hidden, seed, dedup in
                 [(c, l, h, s, []) for c, l, h in [("lstm", "1", "100"), ("lstm", "1", "200"), ("lstm", "2", "100"),
                                                   ("lstm", "2", "200"), ("gru", "1", "200")] for s in ("0", "1")]
                 + [("gru", "1", "200", "0", ["--dedup"])]],
               *[[*NAMES_GRU, "--layers", layers, "--hidden", hidden, "--epochs", epochs, "--dropout", dropout,
                  "--weight-decay", decay, *extra, "--tag", f"tune-{tag}"]
                 for tag, layers, hidden, epochs, dropout, decay, *extra in
                 [("gru-2x200", "2", "200", "8", "0.3", "0"), ("gru-1x200-d05", "1", "200", "8", "0.5", "0"),
                  ("gru-1x300-d04", "1", "300", "8", "0.4", "0"), ("gru-1x200-e12", "1", "200", "12", "0.3", "0"),
                  ("gru-1x200-wd1e-5", "1", "200", "8", "0.3", "1e-5"),
                  ("bigru-1x200", "1", "200", "8", "0.3", "0", "--bidirectional"),
                  *[(f"gru-1x200-ls01-seed{seed}", "1", "200", "8", "0.3", "0", "--label-smoothing", "0.1",
                     "--seed", seed) for seed in ("0", "1")],
                  *[(f"gru-1x200-nobucket-seed{seed}", "1", "200", "8", "0.3", "0", "--no-bucket", "--seed", seed)
                    for seed in ("0", "1")]]],
               *[[*NAMES_GRU, "--validation", "0.125", *extra, "--seed", seed, "--tag", f"val-{setting}-seed{seed}"]
                 for setting, *extra in
                 [("gru-1x200",), ("gru-1x200-ld01", "--letter-dropout", "0.1"),
                  ("gru-1x200-ld02", "--letter-dropout", "0.2"),
                  ("gru-1x200-ld02-e12", "--letter-dropout", "0.2", "--epochs", "12"),
                  ("gru-1x200-ld01-ens5", "--letter-dropout", "0.1", "--ensemble", "5"),
                  ("gru-1x200-ens5", "--ensemble", "5"), ("gru-1x200-ld005", "--letter-dropout", "0.05"),
                  ("gru-1x200-ld01-e12", "--letter-dropout", "0.1", "--epochs", "12"),
                  ("gru-2x200-ld01", "--letter-dropout", "0.1", "--layers", "2"),
                  ("gru-1x300-ld01", "--letter-dropout", "0.1", "--hidden", "300")]
                 for seed in ("0", "1")],
               *[[*NAMES_GRU, "--letter-dropout", "0.1", "--ensemble", "5", "--seed", seed,
                  "--tag", f"final-gru-1x200-ld01-ens5-seed{seed}"] for seed in ("0", "1")],
               *[[*NAMES_GRU, "--validation", "0.125", "--letter-dropout", "0.1", *extra, "--seed", "0",
                  "--tag", f"val-{setting}-seed0"]
                 for setting, *extra in [("gru-1x200-ld01-ens10", "--ensemble", "10"),
                                         ("gru-2x200-ld01-ens5", "--ensemble", "5", "--layers", "2")]],
               ["names_rnn/report.py"]],
         quick=[["names_rnn/train.py", "--quick", "--tag", "task1-lstm-1x32-seed0"],
                ["names_rnn/train.py", "--quick", "--batch-size", "1", "--no-figure", "--tag", "task2b-bs1"],
                ["names_rnn/report.py", "--quick"]],
         table="names_rnn.report:report_table"),
    Part("cifar",  # Q1 plain Net, Q2 with BatchNorm, the skeleton's settings (50 epochs), then Q3 test.py for each
         full=[["cifar_pytorch.py"], ["cifar_pytorch.py", "--batchnorm"],
               ["cifar_pytorch.py", "--tag", "skeleton", "--epochs", "50", "--lr", "1e-4", "--weight-decay", "1e-3",
                "--batch-size", "256", "--schedule", "constant", "--rotate", "30", "--shift", "0"],
               ["test.py"], ["test.py", "--batchnorm"], ["test.py", "--tag", "skeleton"]],
         quick=[["cifar_pytorch.py", "--quick"], ["cifar_pytorch.py", "--quick", "--batchnorm"],
                ["test.py", "--quick"], ["test.py", "--quick", "--batchnorm"]],
         table="cifar_pytorch:report_table"),
    Part("imdb",  # Q2 check at the handout's sizes, tuning runs, then per model: validation run and 2 test seeds
         full=[["imdb/classify.py", "--model", "mlp", "--emb", "300", "--hidden", "300", "--lr", "1e-3",
                "--epochs", "1", "--max-tokens", "16384", "--tag", "q2_300"],
               ["imdb/classify.py", "--model", "mlp", "--lr", "1e-3", "--tag", "lr1e-3"],
               ["imdb/classify.py", "--model", "mlp", "--max-len", "256", "--tag", "maxlen256"],
               [*LSTM_UNI, "--max-tokens", "32768", "--max-len", "256", "--epochs", "2", "--no-cosine",
                "--tag", "len256_2ep"],
               ["imdb/classify.py", "--model", "elman", "--max-len", "256", "--epochs", "3", "--no-cosine",
                "--tag", "len256"],
               ["imdb/classify.py", "--model", "rnn", "--max-len", "0", "--no-lin2", "--epochs", "3",
                "--tag", "full_cosine3"],
               [*RNN_256, "--epochs", "3", "--no-cosine", "--tag", "nocosine_3ep"],
               [*LSTM_UNI, "--epochs", "3", "--max-tokens", "32768", "--voc", "20000", "--tag", "voc20k"],
               *[[*LSTM_UNI, "--epochs", "3", "--max-tokens", "32768", "--dropout", rate, "--tag", f"dropout{rate}"]
                 for rate in ("0.3", "0.5")],
               ["imdb/classify.py", "--model", "mlp", "--cosine", "--tag", "cos"],
               ["imdb/classify.py", "--model", "mlp", "--max-tokens", "8192", "--cosine", "--tag", "mt8k"],
               *[[*RNN_256, flag, value, "--tag", tag]
                 for flag, value, tag in [("--max-tokens", "8192", "mt8k"), ("--lr", "1e-3", "lr1e-3"),
                                          ("--hidden", "256", "h256")]],
               *[[*LSTM_UNI, "--epochs", "3", "--max-tokens", tokens, "--tag", f"mt{tokens[:-3]}k"]
                 for tokens in ("32768", "4096")],
               [*LSTM_UNI, "--epochs", "3", "--tag", "3ep"],
               *[[*LSTM_UNI, "--epochs", "3", "--final", "--seed", seed, "--tag", "3ep"] for seed in ("0", "1")],
               [*LSTM_UNI, "--dropout", "0.3", "--tag", "mt8k_dropout0.3_4ep"],
               ["imdb/classify.py", "--model", "elman", "--max-tokens", "8192", "--epochs", "3", "--tag", "mt8k"],
               # fourth round: the Elman layer's lin2 after the torch RNNs, a milder dropout, and the
               # settings that the bidirectional LSTM and the 5-epoch Elman replaced
               [*RNN_256, "--tag", "len256_nolin2"],
               ["imdb/classify.py", "--model", "rnn", "--max-len", "256", "--tag", "lin2"],
               [*LSTM_UNI, "--lin2", "--tag", "lin2"],
               [*LSTM_UNI, "--dropout", "0.1", "--tag", "dropout0.1"],
               [*LSTM_UNI, "--tag", "uni"],
               *[[*LSTM_UNI, "--final", "--seed", seed, "--tag", "uni"] for seed in ("0", "1")],
               ["imdb/classify.py", "--model", "elman", "--epochs", "3", "--tag", "3ep"],
               *[command for model in ("mlp", "elman", "rnn", "lstm")
                 for command in (["imdb/classify.py", "--model", model],
                                 *[["imdb/classify.py", "--model", model, "--final", "--seed", seed]
                                   for seed in ("0", "1")])],
               ["imdb/report.py"]],
         quick=[["imdb/classify.py", "--model", "mlp", "--quick"], ["imdb/classify.py", "--model", "elman", "--quick"],
                ["imdb/report.py", "--quick"]],
         table="imdb.report:report_table"),
    Part("imdb_ar",  # next-token LSTMs: ndfa at the handout's e=32 h=16, brackets (ours and h=16), toy English
         # (lr 5e-3 constant and cosine, then lr 2e-3 with 1 and 2 layers)
         full=[["imdb/autoregressive.py", "--data", "ndfa"], ["imdb/autoregressive.py", "--data", "brackets"],
               ["imdb/autoregressive.py", "--data", "brackets", "--hidden", "16", "--tag", "h16"],
               ["imdb/autoregressive.py", "--data", "toy"],
               ["imdb/autoregressive.py", "--data", "toy", "--cosine", "--epochs", "3", "--tag", "cosine"],
               ["imdb/autoregressive.py", "--data", "toy", "--lr", "2e-3", "--epochs", "8", "--tag", "lr2e-3"],
               ["imdb/autoregressive.py", "--data", "toy", "--lr", "2e-3", "--layers", "2", "--epochs", "6",
                "--tag", "2layers"]],
         quick=[["imdb/autoregressive.py", "--data", data, "--quick"] for data in ("ndfa", "brackets", "toy")],
         table="imdb.autoregressive:report_table"),
    Part("palindrome",  # sanity runs at the exercise's defaults (T=5), then the length sweep, one model per process
         full=[["palindrome/train.py", "--model_type", "RNN", "--input_length", "4"],
               ["palindrome/train.py", "--model_type", "LSTM", "--input_length", "4"],
               *[["palindrome/experiment.py", "--models", model, "--lengths", "5,10,15,20,25,30,40", "--seeds", "3",
                  "--one_hot", "--num_hidden", "64", "--learning_rate", "0.002", "--train_steps", steps]
                 for model, steps in (("LSTM", "6000"), ("RNN", "1000"))]],
         quick=[["palindrome/train.py", "--quick", "--model_type", "LSTM"], ["palindrome/experiment.py", "--quick"]],
         table="palindrome.experiment:report_table"),
    Part("mytorch",  # the hw1 autograder, then the MLP training-step benchmark against torch
         full=[["autograder/hw1_autograder/runner.py"], ["benchmarks/mytorch_mlp.py"]],
         quick=[["autograder/hw1_autograder/runner.py", "--quick"], ["benchmarks/mytorch_mlp.py", "--quick"]],
         table="autograder.hw1_autograder.runner:report_table"),
    Part("hw2",  # the hw2 autograder, the MyTorch-vs-torch CNN training demo, the Conv1d benchmark
         full=[["autograder/hw2_autograder/runner.py"], ["hw2/train_demo.py"], ["benchmarks/conv1d.py"]],
         quick=[["autograder/hw2_autograder/runner.py", "--quick"], ["hw2/train_demo.py", "--quick"],
                ["benchmarks/conv1d.py", "--quick"]],
         table="hw2.report:report_table"),
]

# REPORT.md blocks that no part's command lines produce (benchmarks run by hand).
EXTRA_TABLES = {"benchmarks": "benchmarks.run_all:report_table"}

REPORT = REPO_ROOT / "REPORT.md"
BLOCK = re.compile(r"(<!-- results:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /results -->)", re.S)


def select(names):
    """The registered parts named in a comma-separated list (all when None)."""
    if names is None:
        return PARTS
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {part.name for part in PARTS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise UserError(f"unknown part(s) {', '.join(unknown)}; known: {', '.join(sorted(known)) or 'none yet'}")
    return [part for part in PARTS if part.name in wanted]


def run_part(part, quick, data_dir):
    """Run one part's commands; return (ok, seconds)."""
    start = time.perf_counter()
    for command in part.quick if quick else part.full:
        argv = [sys.executable, *command]
        if data_dir is not None:
            argv += ["--data-dir", str(data_dir)]
        print(f"\n=== {part.name}: {' '.join(command)}", flush=True)
        if subprocess.run(argv, cwd=REPO_ROOT).returncode != 0:
            return False, time.perf_counter() - start
    return True, time.perf_counter() - start


def render_block(name):
    """The markdown a part's table function builds from results/<name>/."""
    tables = {**EXTRA_TABLES, **{p.name: p.table for p in PARTS if p.table}}
    if name not in tables:
        raise UserError(f"REPORT.md has a block for {name!r} but no registered part builds it")
    module, function = tables[name].split(":")
    return getattr(importlib.import_module(module), function)(REPO_ROOT / "results").strip() + "\n"


def render_report(text, names=None):
    """REPORT.md text with its `<!-- results:NAME -->` blocks (those in `names`,
    or all) rebuilt from results/."""
    def rebuild(match):
        if names is not None and match.group("name") not in names:
            return match.group(0)
        return match.group(1) + render_block(match.group("name")) + match.group(4)
    return BLOCK.sub(rebuild, text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny settings; outputs go to runs/quick/")
    parser.add_argument("--only", metavar="NAME[,NAME]", help="run only these parts")
    parser.add_argument("--data-dir", help="passed to every script (default: $DATA_DIR, else data/)")
    parser.add_argument("--tables", action="store_true", help="only rebuild the tables in REPORT.md (with --only: just those parts' tables)")
    parser.add_argument("--list", action="store_true", help="list the registered parts and exit")
    args = parser.parse_args()

    if args.list:
        for part in PARTS:
            print(part.name)
        return 0
    if args.tables:
        names = None if args.only is None else {part.name for part in select(args.only)}
        REPORT.write_text(render_report(REPORT.read_text(), names))
        print(f"rebuilt the tables in {REPORT.name}")
        return 0

    rows = [(part.name, *run_part(part, args.quick, args.data_dir)) for part in select(args.only)]
    print(f"\n{'part':<14}{'status':<8}{'seconds':>9}")
    for name, ok, seconds in rows:
        print(f"{name:<14}{'ok' if ok else 'FAILED':<8}{seconds:>9.1f}")
    print(f"{'total':<22}{sum(r[2] for r in rows):>9.1f}")
    if not args.quick:  # refresh the tables of the parts that just ran
        done = {name for name, ok, _ in rows if ok}
        REPORT.write_text(render_report(REPORT.read_text(), {p.name for p in PARTS if p.table and p.name in done}))
    return 0 if all(ok for _, ok, _ in rows) else 1


if __name__ == "__main__":
    run_main(main)
