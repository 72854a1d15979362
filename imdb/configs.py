"""The named settings of imdb/classify.py (CLASSIFY), imdb/nbsvm.py (NBSVM),
imdb/ngram_mlp.py (NGRAM_MLP), imdb/ensemble.py (ENSEMBLE) and imdb/autoregressive.py
(AUTOREGRESSIVE), one per answer of REPORT.md sections 6 and 7, selected with
`--config NAME` (keys are the scripts' argparse destinations). The first of each is
the script's default. Every config states every setting, so each reads as the whole
recipe. `run_name` names a classify.py, nbsvm.py, ngram_mlp.py or ensemble.py run's
files after its config.
"""
import utils

# What every IMDb classifier shares: emb and hidden 128 (the CPU budget's size),
# Adam at 3e-3, batches of at most 32,768 tokens, whole reviews, full vocabulary.
_IMDB = dict(emb=128, hidden=128, lr=3e-3, max_tokens=32768, voc=None, max_len=None,
             clip=None, cosine=False, dropout=0.0, lin2=False, bidirectional=False)

# The recurrent models clip the gradient norm at 1 and decay the rate to 0 (cosine).
_RECURRENT = dict(_IMDB, clip=1.0, cosine=True)

CLASSIFY = {
    # Q4, the best model: a bidirectional LSTM, 4 epochs of batches of 8,192 tokens.
    "lstm": dict(_RECURRENT, model="lstm", epochs=4, max_tokens=8192, bidirectional=True),
    # Q3 and Q4: our Elman layer, 5 epochs.
    "elman": dict(_RECURRENT, model="elman", epochs=5),
    # Q4: nn.RNN as layer 2, alone: its tanh states go straight into the ReLU; 8 epochs.
    "rnn_no_lin2": dict(_RECURRENT, model="rnn", epochs=8),
    # Q4: nn.RNN followed by the Elman layer's lin2 (the handout's "adapt the network"),
    # 8 epochs.
    "rnn": dict(_RECURRENT, model="rnn", epochs=8, lin2=True),
    # Q4: the baseline of Q1, per-token Linear and global max pool, 3 epochs.
    "mlp": dict(_IMDB, model="mlp", epochs=3),
    # Q2: the baseline at the handout's sizes (300 and 300) for one epoch.
    "q2": dict(_IMDB, model="mlp", emb=300, hidden=300, lr=1e-3, epochs=1, max_tokens=16384),
    # Q3: that model with our Elman(300, 300, 300) as its second layer, the gradient norm
    # clipped at 1 and the rate decayed to 0 (cosine), as every recurrent model here.
    "q3": dict(_RECURRENT, model="elman", emb=300, hidden=300, lr=1e-3, epochs=1,
               max_tokens=16384),
    # Q4 tuning: the LSTM reading left to right only.
    "lstm_uni": dict(_RECURRENT, model="lstm", epochs=4, max_tokens=8192),
}

# Q4's models, in REPORT.md's order: the config of each one's chosen setting, and the
# name its rows show. A tuning-only config (lstm_uni) tunes the model of its layer 2.
Q4_MODELS = {"mlp": "MLP", "elman": "Elman", "rnn_no_lin2": "nn.RNN", "rnn": "nn.RNN + lin2",
             "lstm": "LSTM"}

# What every next-token LSTM shares: one layer, e=32, Adam at 3e-3 held constant,
# the gradient norm clipped at 1, 5,000 held-out strings to pick the epoch kept.
_LM = dict(emb=32, layers=1, lr=3e-3, clip=1.0, cosine=False, val=5000)

AUTOREGRESSIVE = {
    # Q5-Q7: the NDFA at the handout's e=32, h=16, 3 epochs.
    "ndfa": dict(_LM, data="ndfa", n=150_000, hidden=16, epochs=3, max_tokens=2048),
    # Q5-Q7: brackets with h=64, 5 epochs.
    "brackets": dict(_LM, data="brackets", n=150_000, hidden=64, epochs=5, max_tokens=4096),
    # Q7: brackets at the handout's h=16, to compare.
    "brackets_h16": dict(_LM, data="brackets", n=150_000, hidden=16, epochs=5, max_tokens=4096),
    # Deleted scenes: the toy English grammar, h=128, 5 epochs at 5e-3.
    "toy": dict(_LM, data="toy", n=50_000, hidden=128, epochs=5, lr=5e-3, max_tokens=4096),
    # Deleted scenes: the same with the rate decayed to 0 over 3 epochs.
    "toy_cosine": dict(_LM, data="toy", n=50_000, hidden=128, epochs=3, lr=5e-3, cosine=True,
                       max_tokens=4096),
    # Deleted scenes: a lower rate, 2e-3, for 8 epochs.
    "toy_lr2e-3": dict(_LM, data="toy", n=50_000, hidden=128, epochs=8, lr=2e-3,
                       max_tokens=4096),
    # Deleted scenes: 2 layers at 2e-3 for 6 epochs.
    "toy_2layers": dict(_LM, data="toy", n=50_000, hidden=128, layers=2, epochs=6, lr=2e-3,
                        max_tokens=4096),
}

# What every NBSVM run of imdb/nbsvm.py shares: the paper's smoothing alpha = 1,
# L-BFGS for at most 500 iterations.
_NBSVM = dict(alpha=1.0, max_iter=500)

NBSVM = {
    # Section 6's baseline: uni-, bi- and trigrams, logistic regression.
    "nbsvm": dict(_NBSVM, ngrams=3, loss="logistic", C=10.0, beta=1.0),
}

NGRAM_MLP = {
    # Section 6: the MLP over NB-weighted uni-, bi- and trigrams held by at least 2
    # training reviews, without dropout, 3 of them averaged.
    "ngram_mlp": dict(ngrams=3, min_count=2, weights="nb", alpha=1.0, hidden=16, dropout=0.0,
                      lr=1e-3, epochs=3, batch_size=64, members=3),
}

ENSEMBLE = {
    # Section 6: the n-gram MLP and nn.RNN + lin2, P(positive) = w P_ngram + (1 - w) P_rnn;
    # w = 1, the n-gram MLP alone, is the best weight on validation.
    "ensemble": dict(ngram="ngram_mlp", partner="rnn", weight=1.0),
}


def run_name(args):
    """The file stem of a classify.py, nbsvm.py, ngram_mlp.py or ensemble.py run:
    <config>_<val|final>_seed<S>[_<tag>]."""
    split = "final" if args.final else "val"
    return f"{args.config}_{split}_seed{args.seed}" + (f"_{args.tag}" if args.tag else "")


def add_run_arguments(parser):
    """--val, --final and --tag, which classify.py, nbsvm.py, ngram_mlp.py and
    ensemble.py share (run_name reads them)."""
    parser.add_argument("--val", type=utils.bounded_int(1, 24_999), default=5000,
                        help="reviews held out of the training split for validation "
                             "(default: 5000)")
    parser.add_argument("--final", action="store_true",
                        help="train on all 25,000 and score the test set once, at the end")
    parser.add_argument("--tag", type=utils.tag,
                        help="suffix for the output file names, for runs that change a config "
                             "(default: none)")
