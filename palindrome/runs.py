"""The palindrome part's runs for run_all.py: the two sanity runs at the
exercise's defaults (T = 5), then the length sweep of both models."""
from utils import Part, Run

PARTS = [Part(
    "palindrome",
    runs=(Run("sanity-rnn", ("palindrome/train.py",),
              result="results/palindrome/train_RNN_T5_seed0.json"),
          Run("sanity-lstm", ("palindrome/train.py", "--model_type", "LSTM"),
              result="results/palindrome/train_LSTM_T5_seed0.json"),
          Run("sweep", ("palindrome/experiment.py",), result="results/palindrome/runs/*.json")),
    quick=(Run("quick-train", ("palindrome/train.py", "--quick", "--model_type", "LSTM")),
           Run("quick-sweep", ("palindrome/experiment.py", "--quick"))),
    table="palindrome.report:report_table")]
