"""The runs behind REPORT.md sections 6 (imdb) and 7 (imdb_ar), for run_all.py."""
from imdb.configs import AUTOREGRESSIVE
from utils import Part, Run

CLASSIFY = "imdb/classify.py"
Q4_MODELS = ("mlp", "elman", "rnn", "lstm")


def classify(name, *flags, kind="final"):
    """A run of imdb/classify.py that writes results/imdb/<name>.json."""
    return Run(name, (CLASSIFY, *flags), kind=kind, result=f"results/imdb/{name}.json")


# Q4's tuning table: each model's chosen setting, then the rows it was chosen against.
TUNING = (
    *[classify(f"{model}_val_seed0", "--config", model, kind="tuning") for model in Q4_MODELS],
    classify("mlp_val_seed0_lr1e-3", "--config", "mlp", "--lr", "1e-3", "--tag", "lr1e-3",
             kind="tuning"),
    classify("mlp_val_seed0_cosine", "--config", "mlp", "--cosine", "--tag", "cosine",
             kind="tuning"),
    classify("elman_val_seed0_3ep", "--config", "elman", "--epochs", "3", "--tag", "3ep",
             kind="tuning"),
    classify("rnn_val_seed0_len256", "--config", "rnn", "--max-len", "256", "--tag", "len256",
             kind="tuning"),
    classify("rnn_no_lin2_val_seed0_len256", "--config", "rnn_no_lin2", "--max-len", "256",
             "--tag", "len256", kind="tuning"),
    classify("lstm_uni_val_seed0", "--config", "lstm_uni", kind="tuning"),
)

# Q4's test runs: every model's chosen setting trained on all 25,000 reviews, 2 seeds.
TESTS = tuple(classify(f"{model}_final_seed{seed}", "--config", model, "--final",
                       "--seed", seed)
              for model in Q4_MODELS for seed in ("0", "1"))

IMDB = Part(
    "imdb",
    runs=(classify("q2_val_seed0", "--config", "q2"), *TUNING, *TESTS,
          Run("report", ("imdb/report.py",), kind="report", result="results/imdb/imdb_summary.json",
              after=tuple(run.name for run in (*TUNING, *TESTS)))),
    quick=(Run("quick-lstm", (CLASSIFY, "--quick")),
           Run("quick-report", ("imdb/report.py", "--quick"), kind="report",
               after=("quick-lstm",))),
    table="imdb.report:report_table")

IMDB_AR = Part(
    "imdb_ar",
    runs=tuple(Run(name, ("imdb/autoregressive.py", "--config", name),
                   result=f"results/imdb_ar/{name}.json") for name in AUTOREGRESSIVE),
    quick=(Run("quick-ndfa", ("imdb/autoregressive.py", "--quick")),
           Run("quick-brackets", ("imdb/autoregressive.py", "--config", "brackets", "--quick"))),
    table="imdb.report:ar_report_table")

PARTS = [IMDB, IMDB_AR]
