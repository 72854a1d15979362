"""The settings of palindrome/experiment.py, by name (`--config NAME`; the first
is the default), and the variants of palindrome/ablation.py. Keys are the
scripts' flag destinations."""

# What every sweep shares: digits one-hot, 64 hidden units, batch 128; checks of
# 2,000 validation palindromes every 100 steps; a run stops once they are all
# right or when the best of them has not risen by 0.01 in 4,000 steps (the
# safety cap of 20,000 steps is not meant to end a run); 10,000 test palindromes.
SHARED = {"input_dim": 10, "num_hidden": 64, "batch_size": 128, "eval_size": 10000,
          "val_size": 2000, "eval_every": 100, "plateau_steps": 4000, "min_gain": 0.01,
          "rnn_train_steps": 20000, "lstm_train_steps": 20000}

# Each model's recipe: the RNN's chosen on validation by the rnn_tuning runs; the
# LSTM's the chrono initialisation, with the optimiser settings of its b_f = 1 runs.
RECIPES = {"rnn_init": "orthogonal", "rnn_learning_rate": 0.001, "rnn_max_norm": 1.0,
           "lstm_init": "chrono", "lstm_learning_rate": 0.002, "lstm_max_norm": 10.0}

CONFIGS = {
    # The reported sweep (Q1.3 and Q1.6), both models at T = 5 ... 100, three seeds
    # each, each with its recipe: the RNN with orthogonal W_hh, RMSProp lr 0.001 and
    # the gradient clipped to norm 1; the LSTM with the chrono initialisation, lr
    # 0.002 and clipping at 10.
    "sweep": {**SHARED, **RECIPES, "models": ["RNN", "LSTM"],
              "lengths": [5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100], "seeds": 3},
    # The RNN with the sweep's recipe beyond T = 100 (its own output folder).
    "rnn_longer": {**SHARED, **RECIPES, "models": ["RNN"], "lengths": [150], "seeds": 3},
    # The RNN's tuning at T = 40, seed 0, validation only (no test set): the runs in
    # reproduce/parts.py set --rnn_init, --rnn_learning_rate and --rnn_max_norm
    # (W_hh uniform, orthogonal or identity; lr 0.001 or 0.002; clip 1 or 10).
    "rnn_tuning": {**SHARED, **RECIPES, "models": ["RNN"], "lengths": [40], "seeds": 1,
                   "eval_size": 0},
}

# The sweep's LSTM recipe as train.py's flags: the defaults of gradients.py and
# ablation.py.
LSTM_RECIPE = {**{key: value for key, value in SHARED.items() if "_train_" not in key},
               "lstm_init": RECIPES["lstm_init"], "learning_rate": RECIPES["lstm_learning_rate"],
               "max_norm": RECIPES["lstm_max_norm"]}

# palindrome/ablation.py: the sweep's LSTM recipe with one ingredient undone per
# row (file name: (label, settings changed)).
ABLATION = {
    "recipe": ("the sweep's settings: chrono, clip 10, one-hot, lr 0.002", {}),
    "forget_one": ("b_f = 1 instead of chrono", {"lstm_init": "one"}),
    "forget_only": ("chrono b_f, torch's b_i", {"lstm_init": "chrono_forget"}),
    "no_clip": ("no clipping (clip at 10^6)", {"max_norm": 1e6}),
    "scalar": ("scalar digits instead of one-hot", {"input_dim": 1}),
}
