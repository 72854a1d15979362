"""Every run behind REPORT.md, part by part, in the order REPORT.md answers them.

A part is named after its folder. `final` runs are behind the numbers of an answer,
`tuning` runs are the validation runs behind a tuning table, `report` runs build
tables and figures from other runs. Every full run writes into results/ (its
`--out`; a script run by hand writes to runs/ instead). Each part also has --quick
runs (tiny settings, outputs in runs/quick/) and the REPORT.md blocks it builds from
results/.
"""
from dataclasses import dataclass, field

from benchmarks import BENCHMARKS
from cifar.configs import ABLATIONS as CIFAR_ABLATIONS
from imdb.configs import AUTOREGRESSIVE, Q4_MODELS
from names_rnn.configs import FINAL as NAMES_FINAL
from names_rnn.configs import LINES, TASK1, TASK2B
from names_rnn.configs import TUNING as NAMES_TUNING


@dataclass(frozen=True)
class Run:
    """One command: `argv` is the script (path from the repo root) and its flags.
    `after` names runs of the same part that must end first; `result` is the JSON
    the run writes, holding its settings (a glob when it writes several)."""
    name: str
    argv: tuple
    kind: str = "final"
    after: tuple = ()
    result: str = None

    def __post_init__(self):
        if self.kind not in ("final", "tuning", "report"):
            raise ValueError(f"run {self.name}: kind must be final, tuning or report")


def into(folder):
    """The flags that send a run's outputs to results/<folder>/."""
    return ("--out", f"results/{folder}")


@dataclass(frozen=True)
class Part:
    """A part's full runs, its --quick runs, and REPORT.md's blocks it builds
    ({block name: "module:function" taking the results/ folder}). An `alone` part's
    runs start only when nothing else runs, and nothing starts beside them
    (benchmarks time the machine)."""
    name: str
    runs: tuple
    quick: tuple = ()
    tables: dict = field(default_factory=dict)
    alone: bool = False


# ---------------------------------------------------------------------------
# cifar: the plain and batch-norm Net (Q1, Q2), the skeleton's settings for
# comparison, and test.py on each best checkpoint (Q3)
# ---------------------------------------------------------------------------

def cifar_run(name, *flags, kind="final"):
    return Run(name, ("cifar_pytorch.py", *flags, *into("cifar")), kind=kind,
               result=f"results/cifar/run_{name}.json")


def cifar_test(name, *flags):
    return Run(f"test-{name}", ("test.py", *flags, *into("cifar")), after=(name,),
               result=f"results/cifar/evaluation_{name}.json")


def cifar_seed(model, seed):
    """The final setting of `model` (plain or batchnorm) with `seed`, trained and tested."""
    flags = ("--batchnorm",) if model == "batchnorm" else ()
    if seed == 0:  # the script's defaults: run_plain.json / run_batchnorm.json
        return cifar_run(model, *flags), cifar_test(model, *flags)
    name = f"{model}-seed{seed}"
    return (cifar_run(name, *flags, "--seed", str(seed), "--tag", name),
            cifar_test(name, "--tag", name))


def cifar_ablation(model, ablation, seed):
    """The final setting of `model` with one trick turned off (validation only)."""
    name = f"{model}-{ablation}-seed{seed}"
    changed = [item for key, value in CIFAR_ABLATIONS[ablation][1].items()
               for item in (f"--{key.replace('_', '-')}", str(value))]
    return cifar_run(name, *(("--batchnorm",) if model == "batchnorm" else ()), *changed,
                     "--seed", str(seed), "--tag", name, kind="tuning")


CIFAR_MODELS = ("plain", "batchnorm")
CIFAR = Part(
    "cifar",
    runs=(*(run for model in CIFAR_MODELS for seed in (0, 1, 2)
            for run in cifar_seed(model, seed)),
          cifar_run("skeleton", "--config", "skeleton"),
          cifar_test("skeleton", "--tag", "skeleton"),
          *(cifar_ablation(model, ablation, seed) for model in CIFAR_MODELS
            for ablation in CIFAR_ABLATIONS for seed in (0, 1)),
          Run("report", ("cifar/report.py", *into("cifar")), kind="report",
              after=tuple(f"{model}{f'-seed{seed}' if seed else ''}" for model in CIFAR_MODELS
                          for seed in (0, 1, 2)))),
    quick=(Run("quick-plain", ("cifar_pytorch.py", "--quick")),
           Run("quick-batchnorm", ("cifar_pytorch.py", "--quick", "--batchnorm")),
           Run("quick-test-plain", ("test.py", "--quick"), after=("quick-plain",)),
           Run("quick-test-batchnorm", ("test.py", "--quick", "--batchnorm"),
               after=("quick-batchnorm",)),
           Run("quick-report", ("cifar/report.py", "--quick"),
               after=("quick-plain", "quick-batchnorm"))),
    tables={"cifar": "cifar.report:report_table",
            "cifar_ablation": "cifar.report:ablation_table"})

# ---------------------------------------------------------------------------
# parity: the hand-set LSTM's check (Q4), LSTM-64 (Q5/Q6), the hidden-size sweep
# and the hidden-size-1 settings (Q7), LSTM-64 with the weight decay that carries
# it to long strings (Q6), and the long-string figure
# ---------------------------------------------------------------------------

PARITY_CONFIGS = ("lstm64", "sweep", "hidden1", "lstm64_decay")
LONG = ("lstm64", "hidden1", "lstm64_decay")  # the runs the long-string figure shows


def parity_flags(config):
    return () if config == "lstm64" else ("--config", config)


PARITY = Part(
    "parity",
    runs=(Run("univariate", ("univariate_tester.py", *into("parity")),
              result="results/parity/univariate.json"),
          *(Run(config, ("driver_parity.py", *parity_flags(config), *into("parity")),
                result=f"results/parity/{config}.json") for config in PARITY_CONFIGS),
          Run("report", ("parity/report.py", *into("parity")), kind="report", after=LONG)),
    quick=(Run("quick-univariate", ("univariate_tester.py", "--quick")),
           *(Run(f"quick-{config}", ("driver_parity.py", "--quick", *parity_flags(config)))
             for config in PARITY_CONFIGS),
           Run("quick-report", ("parity/report.py", "--quick"), kind="report",
               after=tuple(f"quick-{name}" for name in LONG))),
    tables={"parity": "parity.report:report_table"})

# ---------------------------------------------------------------------------
# mytorch (the hw1 autograder on this library) and hw2 (the CNN homework's
# autograder and the MyTorch-against-torch training demo)
# ---------------------------------------------------------------------------

HW1_RUNNER = "autograder/hw1_autograder/runner.py"
HW2_RUNNER = "autograder/hw2_autograder/runner.py"

MYTORCH = Part(
    "mytorch",
    runs=(Run("autograder", (HW1_RUNNER, *into("mytorch"))),),
    quick=(Run("quick-autograder", (HW1_RUNNER, "--quick")),),
    tables={"mytorch": "autograder.report:report_table"})

HW2 = Part(
    "hw2",
    runs=(Run("autograder", (HW2_RUNNER, *into("mytorch"))),
          Run("train-demo", ("hw2/train_demo.py", *into("mytorch")),
              result="results/mytorch/hw2_summary.json")),
    quick=(Run("quick-autograder", (HW2_RUNNER, "--quick")),
           Run("quick-train-demo", ("hw2/train_demo.py", "--quick"))),
    tables={"hw2": "hw2.report:report_table"})

# ---------------------------------------------------------------------------
# palindrome: the two sanity runs at the exercise's defaults (T = 5), the RNN's
# tuning on validation, the length sweep of both models, the RNN beyond T = 100,
# the LSTM's ablation at T = 50 and the gradient measurements
# ---------------------------------------------------------------------------

EXPERIMENT = "palindrome/experiment.py"


def palindrome_tuning(init, learning_rate, max_norm):
    """One RNN setting at T = 40 (the rnn_tuning config), in a folder of its own."""
    name = f"{init}_lr{learning_rate}_clip{max_norm}"
    folder = f"palindrome/rnn_tuning/{name}"
    return Run(f"rnn-tuning-{name}",
               (EXPERIMENT, "--config", "rnn_tuning", "--rnn_init", init, "--rnn_learning_rate",
                learning_rate, "--rnn_max_norm", max_norm, *into(folder)),
               kind="tuning", result=f"results/{folder}/runs/*.json")


PALINDROME = Part(
    "palindrome",
    runs=(Run("sanity-rnn", ("palindrome/train.py", *into("palindrome")),
              result="results/palindrome/train_RNN_T5_seed0.json"),
          Run("sanity-lstm", ("palindrome/train.py", "--model_type", "LSTM", *into("palindrome")),
              result="results/palindrome/train_LSTM_T5_seed0.json"),
          *(palindrome_tuning(init, learning_rate, max_norm)
            for init in ("uniform", "orthogonal", "identity")
            for learning_rate in ("0.001", "0.002") for max_norm in ("1", "10")),
          Run("sweep", (EXPERIMENT, *into("palindrome")), result="results/palindrome/runs/*.json"),
          Run("rnn-longer", (EXPERIMENT, "--config", "rnn_longer",
                             *into("palindrome/rnn_longer")),
              result="results/palindrome/rnn_longer/runs/*.json"),
          Run("ablation", ("palindrome/ablation.py", *into("palindrome")),
              result="results/palindrome/ablation/*.json"),
          Run("gradients", ("palindrome/gradients.py", *into("palindrome")),
              result="results/palindrome/collapse.json")),
    quick=(Run("quick-train", ("palindrome/train.py", "--quick", "--model_type", "LSTM")),
           Run("quick-sweep", (EXPERIMENT, "--quick")),
           Run("quick-ablation", ("palindrome/ablation.py", "--quick")),
           Run("quick-gradients", ("palindrome/gradients.py", "--quick"))),
    tables={"palindrome": "palindrome.report:report_table"})

# ---------------------------------------------------------------------------
# imdb: sentiment classification (section 6: Q2, Q4's tuning table on validation,
# then every model's chosen setting on all 25,000 reviews with 2 seeds) and the
# autoregressive grammars (section 7)
# ---------------------------------------------------------------------------

CLASSIFY, AR = "imdb/classify.py", "imdb/autoregressive.py"


def classify(name, *flags, kind="final"):
    """A run of imdb/classify.py that writes results/imdb/<name>.json."""
    return Run(name, (CLASSIFY, *flags, *into("imdb")), kind=kind,
               result=f"results/imdb/{name}.json")


def classify_tuning(config, *flags, tag=None):
    """A validation run of `config` (seed 0), `flags` changing one of its settings."""
    name = f"{config}_val_seed0" + (f"_{tag}" if tag else "")
    return classify(name, "--config", config, *flags, *(("--tag", tag) if tag else ()),
                    kind="tuning")


# Q4's tuning table: each model's config as it is, then one change per row ({tag: flags}).
Q4_CHANGES = {
    "mlp": {"lr1e-3": ("--lr", "1e-3"), "cosine": ("--cosine",),
            "dropout0.5": ("--dropout", "0.5"), "hidden256": ("--hidden", "256")},
    "elman": {"3ep": ("--epochs", "3"), "len256": ("--max-len", "256"),
              "dropout0.5": ("--dropout", "0.5")},
    # nn.RNN's: 5 epochs instead of 8, and at 5 epochs reviews cut to 256 tokens or lr 1e-2
    "rnn_no_lin2": {"5ep": ("--epochs", "5"), "len256": ("--epochs", "5", "--max-len", "256"),
                    "lr1e-2": ("--epochs", "5", "--lr", "1e-2")},
    # nn.RNN + lin2's: 5 or 3 epochs instead of 8, and at 5 epochs reviews cut to 256 tokens
    "rnn": {"5ep": ("--epochs", "5"), "len256": ("--epochs", "5", "--max-len", "256"),
            "3ep": ("--epochs", "3")},
    "lstm": {"2ep": ("--epochs", "2"), "len128": ("--max-len", "128")},
}
IMDB_TUNING = (
    *(classify_tuning(model) for model in Q4_MODELS),
    *(classify_tuning(model, *flags, tag=tag) for model, changes in Q4_CHANGES.items()
      for tag, flags in changes.items()),
    classify_tuning("lstm_uni"),  # the LSTM reading left to right only
)
IMDB_TESTS = tuple(classify(f"{model}_final_seed{seed}", "--config", model, "--final",
                            "--seed", seed)
                   for model in Q4_MODELS for seed in ("0", "1"))

NBSVM_SCRIPT = "imdb/nbsvm.py"


def nbsvm_tuning(ngrams, loss, C, beta):
    """One NBSVM setting on the validation split, every setting spelled out."""
    tag = f"{ngrams}grams_{loss}_C{C}_beta{beta}"
    name = f"nbsvm_val_seed0_{tag}"
    return Run(name, (NBSVM_SCRIPT, "--ngrams", ngrams, "--loss", loss, "--C", C, "--beta", beta,
                      "--tag", tag, *into("imdb")),
               kind="tuning", result=f"results/imdb/{name}.json")


NBSVM_RUNS = (
    *(nbsvm_tuning("3", "logistic", C, "1") for C in ("0.1", "1", "10", "100")),
    nbsvm_tuning("2", "logistic", "1", "1"),
    nbsvm_tuning("3", "logistic", "1", "0.25"),
    nbsvm_tuning("3", "squared_hinge", "1", "0.25"),
    Run("nbsvm_final_seed0", (NBSVM_SCRIPT, "--final", *into("imdb")),
        result="results/imdb/nbsvm_final_seed0.json"),
)

NGRAM_MLP_SCRIPT = "imdb/ngram_mlp.py"


def ngram_mlp(name, *flags, kind="final"):
    """A run of imdb/ngram_mlp.py that writes results/imdb/<name>.json."""
    return Run(name, (NGRAM_MLP_SCRIPT, *flags, *into("imdb")), kind=kind,
               result=f"results/imdb/{name}.json")


# The chosen setting on validation, then each of its ideas turned off (the ablation),
# a second seed for dropout (0.08 points apart on seed 0), then the chosen setting on
# test with 2 seeds.
NGRAM_MLP_ABLATION = {"binary": ("--weights", "binary"), "2grams": ("--ngrams", "2"),
                      "dropout0.5": ("--dropout", "0.5"), "members1": ("--members", "1")}
NGRAM_MLP_RUNS = (
    ngram_mlp("ngram_mlp_val_seed0", kind="tuning"),
    *(ngram_mlp(f"ngram_mlp_val_seed0_{tag}", *flags, "--tag", tag, kind="tuning")
      for tag, flags in NGRAM_MLP_ABLATION.items()),
    ngram_mlp("ngram_mlp_val_seed1", "--seed", "1", kind="tuning"),
    ngram_mlp("ngram_mlp_val_seed1_dropout0.5", "--seed", "1", "--dropout", "0.5",
              "--tag", "dropout0.5", kind="tuning"),
    *(ngram_mlp(f"ngram_mlp_final_seed{seed}", "--final", "--seed", seed) for seed in "01"),
)

# The n-gram MLP and nn.RNN + lin2 averaged (imdb/ensemble.py reads the n-gram MLP's
# saved probabilities and the RNN's checkpoint): on validation with the n-gram MLP's
# ablation, again with seed 1 (nn.RNN + lin2's run of seed 1 is for it), then on test.
ENSEMBLE_SCRIPT = "imdb/ensemble.py"
NGRAM_MLP_TUNING = tuple(run.name for run in NGRAM_MLP_RUNS if run.kind == "tuning")
ENSEMBLE_RUNS = (
    classify("rnn_val_seed1", "--config", "rnn", "--seed", "1", kind="tuning"),
    *(Run(f"ensemble_val_seed{seed}", (ENSEMBLE_SCRIPT, "--seed", seed, *into("imdb")),
          kind="tuning", result=f"results/imdb/ensemble_val_seed{seed}.json",
          after=(f"rnn_val_seed{seed}",
                 *(name for name in NGRAM_MLP_TUNING if f"_val_seed{seed}" in name)))
      for seed in "01"),
    *(Run(f"ensemble_final_seed{seed}", (ENSEMBLE_SCRIPT, "--final", "--seed", seed,
                                          *into("imdb")),
          after=(f"rnn_final_seed{seed}", f"ngram_mlp_final_seed{seed}"),
          result=f"results/imdb/ensemble_final_seed{seed}.json") for seed in "01"),
)

IMDB_RUNS = (*IMDB_TUNING, *IMDB_TESTS, *NBSVM_RUNS, *NGRAM_MLP_RUNS, *ENSEMBLE_RUNS)

# Q2 and Q3: the baseline and the Elman classifier at the handout's sizes (300), 1 epoch
HANDOUT_SIZE_RUNS = tuple(classify(f"{config}_val_seed0", "--config", config)
                          for config in ("q2", "q3"))
IMDB = Part(
    "imdb",
    runs=(*HANDOUT_SIZE_RUNS, *IMDB_RUNS,
          Run("report", ("imdb/report.py", *into("imdb")), kind="report",
              result="results/imdb/imdb_summary.json",
              after=tuple(run.name for run in (*HANDOUT_SIZE_RUNS, *IMDB_RUNS))),
          *(Run(name, (AR, "--config", name, *into("imdb/autoregressive")),
                result=f"results/imdb/autoregressive/{name}.json")
            for name in AUTOREGRESSIVE)),
    quick=(Run("quick-lstm", (CLASSIFY, "--quick")),
           Run("quick-nbsvm", (NBSVM_SCRIPT, "--quick")),
           Run("quick-ngram-mlp", (NGRAM_MLP_SCRIPT, "--quick")),
           Run("quick-report", ("imdb/report.py", "--quick"), kind="report",
               after=("quick-lstm",)),
           Run("quick-ndfa", (AR, "--quick")),
           Run("quick-brackets", (AR, "--config", "brackets", "--quick"))),
    tables={"imdb": "imdb.report:report_table",
            "imdb-autoregressive": "imdb.report:ar_report_table"})

# ---------------------------------------------------------------------------
# names_rnn: the tuning runs on the validation split behind the tuning table, the
# final model (also on the split of lines), the Task 1 and Task 2B runs and the
# baselines (each scored once on the test split), and report.py after all of them
# ---------------------------------------------------------------------------

TRAIN_NAMES = "names_rnn/train.py"


def names_run(config, seed, kind="final"):
    """One config and seed; it writes results/names_rnn/runs/<config>-seed<seed>.json."""
    name = f"{config}-seed{seed}"
    flags = () if config == NAMES_FINAL else ("--config", config)
    return Run(name, (TRAIN_NAMES, *flags, "--seed", str(seed), *into("names_rnn")), kind=kind,
               result=f"results/names_rnn/runs/{name}.json")


NAMES_RUNS = ([names_run(config, seed, "tuning") for config in NAMES_TUNING for seed in (0, 1)]
              + [names_run(NAMES_FINAL, seed) for seed in (0, 1)] + [names_run(LINES, 0)]
              + [names_run(config, seed) for config in TASK1 for seed in (0, 1)]
              + [names_run(config, 0) for config in TASK2B]
              + [Run("baselines", ("names_rnn/baselines.py", *into("names_rnn")),
                     result="results/names_rnn/baselines.json")])

NAMES_RNN = Part(
    "names_rnn",
    runs=(*NAMES_RUNS, Run("report", ("names_rnn/report.py", *into("names_rnn")), kind="report",
                           after=tuple(run.name for run in NAMES_RUNS))),
    quick=(Run("quick-task1", (TRAIN_NAMES, "--quick", "--config", "task1-lstm-1x100")),
           Run("quick-task2b-bs1", (TRAIN_NAMES, "--quick", "--config", "task2b-bs1")),
           Run("quick-baselines", ("names_rnn/baselines.py", "--quick")),
           Run("quick-report", ("names_rnn/report.py", "--quick"),
               after=("quick-task1", "quick-task2b-bs1", "quick-baselines"))),
    tables={"names_rnn": "names_rnn.report:report_table"})

# ---------------------------------------------------------------------------
# benchmarks: our code against a reference, one module at a time on an
# otherwise idle machine
# ---------------------------------------------------------------------------

BENCHMARK_RUNS = Part(
    "benchmarks",
    runs=tuple(Run(name, (f"benchmarks/{name}.py", *into("benchmarks"))) for name in BENCHMARKS),
    quick=tuple(Run(f"quick-{name}", (f"benchmarks/{name}.py", "--quick"))
                for name in BENCHMARKS),
    tables={"benchmarks": "benchmarks.report:report_table"},
    alone=True)

PARTS = (CIFAR, PARITY, MYTORCH, HW2, PALINDROME, IMDB, NAMES_RNN, BENCHMARK_RUNS)
