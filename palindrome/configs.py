"""The settings of palindrome/experiment.py, by name (`--config NAME`; the first
is the default). Keys are the script's flag destinations."""

CONFIGS = {
    # The reported sweep (Q1.3 and Q1.6): both models at T = 5 ... 40, three seeds
    # each, digits one-hot, 64 hidden units, RMSProp lr 0.002; a run stops once the
    # 1,000 check palindromes are all right, else after 6,000 steps (LSTM) or 1,000
    # steps (RNN). The exercise's own settings are train.py's defaults (the T = 5
    # sanity runs).
    "sweep": {"models": ["RNN", "LSTM"], "lengths": [5, 10, 15, 20, 25, 30, 40], "seeds": 3,
              "input_dim": 10, "num_hidden": 64, "batch_size": 128, "learning_rate": 0.002,
              "max_norm": 10.0, "eval_size": 10000, "eval_every": 100, "check_size": 1000,
              "lstm_train_steps": 6000, "rnn_train_steps": 1000},
}
