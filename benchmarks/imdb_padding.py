"""Share of padded positions in one epoch of IMDb training batches: ours
(reviews ordered by length, cut at a token budget) against random batches of
the same count (what a shuffled DataLoader would give).

    python benchmarks/imdb_padding.py           # the real training split
    python benchmarks/imdb_padding.py --quick   # synthetic lengths (smoke run)

Every padded position costs as much compute as a real token, so this fraction
is the share of an epoch's work that is wasted. It uses the batching of
imdb/classify.py (imdb/data_rnn.py) at the MLP's token budget and reads
`imdb.word.pkl.gz` from the data folder (`--data-dir`, else $DATA_DIR, else
data/; downloaded when missing). The quick
run draws 2,000 log-normal review lengths instead, so it needs no data. Writes
runs/benchmarks/imdb_padding.json (runs/quick/benchmarks/ with --quick).
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import random

import benchmarks
from benchmarks import command_line
from imdb.configs import CLASSIFY
from imdb.data_rnn import load_imdb, make_batches, padding_fraction, random_batches

TARGET = 0.05


def review_lengths(quick):
    """Token counts of the 25,000 training reviews (synthetic ones with --quick)."""
    if quick:
        rng = random.Random(0)
        return [max(10, int(rng.lognormvariate(5.3, 0.7))) for _ in range(2000)]
    (x_train, _), _, _, _ = load_imdb(final=True)
    return [len(review) for review in x_train]


def run(quick=False, seed=0):
    lengths = review_lengths(quick)
    max_tokens = CLASSIFY["mlp"]["max_tokens"]
    ours = make_batches(lengths, max_tokens=max_tokens)
    ours_share = padding_fraction(ours, lengths)
    random_share = padding_fraction(random_batches(len(lengths), len(ours), seed), lengths)
    source = "synthetic lengths" if quick else f"{len(lengths):,} training reviews"
    name = (f"IMDb padded share of an epoch ({len(ours)} batches of <= {max_tokens} tokens, "
            f"{source})")
    return [{"name": name, "unit": "fraction", "ours_s": ours_share,
             "reference": "random batches, same count",
             "reference_s": random_share, "ratio": ours_share / random_share,
             "target": f"<= {TARGET:.0%} padded", "met": ours_share <= TARGET}]


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    command_line(__doc__, "imdb_padding.json", run)
