"""The palindrome part's runs for run_all.py: the two sanity runs at the
exercise's defaults (T = 5), the RNN's tuning on validation, the length sweep of
both models, the RNN beyond T = 100, the LSTM's ablation at T = 50 and the gradient measurements."""
from utils import Part, Run

EXPERIMENT = "palindrome/experiment.py"


def tuning_run(init, learning_rate, max_norm):
    """One RNN setting at T = 40 (the rnn_tuning config), in a folder of its own."""
    name = f"{init}_lr{learning_rate}_clip{max_norm}"
    out = f"results/palindrome/rnn_tuning/{name}"
    return Run(f"rnn-tuning-{name}",
               (EXPERIMENT, "--config", "rnn_tuning", "--rnn_init", init, "--rnn_learning_rate",
                learning_rate, "--rnn_max_norm", max_norm, "--out", out),
               kind="tuning", result=f"{out}/runs/*.json")


TUNING = tuple(tuning_run(init, learning_rate, max_norm)
               for init in ("uniform", "orthogonal", "identity")
               for learning_rate in ("0.001", "0.002") for max_norm in ("1", "10"))

PARTS = [Part(
    "palindrome",
    runs=(Run("sanity-rnn", ("palindrome/train.py",),
              result="results/palindrome/train_RNN_T5_seed0.json"),
          Run("sanity-lstm", ("palindrome/train.py", "--model_type", "LSTM"),
              result="results/palindrome/train_LSTM_T5_seed0.json"),
          *TUNING,
          Run("sweep", (EXPERIMENT,), result="results/palindrome/runs/*.json"),
          Run("rnn-longer", (EXPERIMENT, "--config", "rnn_longer", "--out",
                             "results/palindrome/rnn_longer"),
              result="results/palindrome/rnn_longer/runs/*.json"),
          Run("ablation", ("palindrome/ablation.py",),
              result="results/palindrome/ablation/*.json"),
          Run("gradients", ("palindrome/gradients.py",),
              result="results/palindrome/collapse.json")),
    quick=(Run("quick-train", ("palindrome/train.py", "--quick", "--model_type", "LSTM")),
           Run("quick-sweep", (EXPERIMENT, "--quick")),
           Run("quick-ablation", ("palindrome/ablation.py", "--quick")),
           Run("quick-gradients", ("palindrome/gradients.py", "--quick"))),
    table="palindrome.report:report_table")]
