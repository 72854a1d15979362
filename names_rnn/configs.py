"""The named settings of names_rnn/train.py, one per answer of REPORT.md section 8
(keys are train.py's argparse destinations). The first, "final", is the default.

Every config states every setting that any config changes, so that each one reads
as the whole recipe and none depends on train.py's argparse defaults.
"""

# Task 1's recipe, shared by the Task 1 models and everything tuned from them: a
# 64-dimensional letter embedding, dropout 0.3, Adam with lr 0.003 decayed to 0 over
# 8 epochs (cosine), length-bucketed batches of 30, no validation split, on the split
# by distinct names (names_rnn/data.py).
RECIPE = {"cell": "gru", "bidirectional": False, "layers": 1, "hidden": 200, "embedding": 64,
          "dropout": 0.3, "letter_dropout": 0.0, "ensemble": 1, "batch_size": 30,
          "epochs": 8, "optimizer": "adam", "lr": 0.003, "schedule": "cosine", "validation": 0.0,
          "test_each_epoch": False, "split": "names", "nb_weight": 0.0, "nb_max_n": 5,
          "nb_alpha": 0.1}

# Naive Bayes mixed into a network's predictions (nb_weight > 0): that weight times its
# log posterior over languages, fitted with nb_max_n and nb_alpha on the same training
# names, is added to the network's log probabilities. A tuning run scores every mix
# of this grid on validation too, from the same trained network.
MIX_GRID = {"max_n": (4, 5, 6), "alpha": (0.03, 0.1, 0.3), "weight": (0.05, 0.1, 0.2, 0.3)}

# The share of the training split the tuning runs hold out for validation.
VALIDATION = 0.125


def task1(cell, layers, hidden):
    """A Task 1 model: the recipe with this cell and size."""
    return {**RECIPE, "cell": cell, "layers": layers, "hidden": hidden}


def task2b(batch_size):
    """Task 2B: the handout's LSTM 1x200 on one-hot letters with SGD(lr=0.1), constant
    rate, 5 epochs, and the test split scored after every epoch for its curves."""
    return {**RECIPE, "cell": "lstm", "embedding": 0, "dropout": 0.0, "batch_size": batch_size,
            "epochs": 5, "optimizer": "sgd", "lr": 0.1, "schedule": "constant",
            "test_each_epoch": True}


def tuning(**changes):
    """A tuning run: the 1x200 GRU recipe with `changes`, scored on the validation split."""
    return {**RECIPE, **changes, "validation": VALIDATION}


# The final model, the tuning setting with the best mean validation accuracy
# (val-gru-1x200-ens5 with naive Bayes on 1-5-grams, alpha 0.03, weight 0.1): five 1x200
# GRUs of the recipe trained side by side, their probabilities averaged, and naive
# Bayes mixed in; whole training split.
FINAL_SETTINGS = {**RECIPE, "ensemble": 5, "nb_weight": 0.1, "nb_max_n": 5, "nb_alpha": 0.03}

CONFIGS = {
    "final": FINAL_SETTINGS,
    # The same model trained and scored on a split of the files' lines, where a
    # repeated name can lie on both sides: how much the repeats are worth.
    "final-lines": {**FINAL_SETTINGS, "split": "lines"},
    # Task 1: four LSTMs and one GRU, the recipe above.
    "task1-lstm-1x100": task1("lstm", 1, 100),
    "task1-lstm-1x200": task1("lstm", 1, 200),
    "task1-lstm-2x100": task1("lstm", 2, 100),
    "task1-lstm-2x200": task1("lstm", 2, 200),
    "task1-gru-1x200": task1("gru", 1, 200),
    # Task 2B: batch sizes 1 (the tutorial's), 10 and 30 under the handout's optimiser.
    "task2b-bs1": task2b(1),
    "task2b-bs10": task2b(10),
    "task2b-bs30": task2b(30),
    # Tuning on the validation split: the recipe itself, letter dropout p, ensembles,
    # read both ways and with two layers; each run also scores MIX_GRID's naive Bayes
    # mixes (REPORT.md's validation table).
    "val-gru-1x200": tuning(),
    "val-gru-1x200-ld01": tuning(letter_dropout=0.1),
    "val-gru-1x200-ld02": tuning(letter_dropout=0.2),
    "val-gru-1x200-ens5": tuning(ensemble=5),
    "val-bigru-1x200-ens5": tuning(ensemble=5, bidirectional=True),
    "val-bigru-2x200-ens5": tuning(ensemble=5, bidirectional=True, layers=2),
}
FINAL = next(iter(CONFIGS))
LINES = "final-lines"
TASK1 = [name for name in CONFIGS if name.startswith("task1-")]
TASK2B = [name for name in CONFIGS if name.startswith("task2b-")]
# Tuning settings, run with seeds 0 and 1 before the final runs; the final config is
# the one of these with the best mean validation accuracy.
TUNING = [name for name in CONFIGS if CONFIGS[name]["validation"]]
