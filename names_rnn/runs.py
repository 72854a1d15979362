"""The names runs behind REPORT.md section 8, for run_all.py: the final model and the
Task 1 and Task 2B runs (each scored once on the test split), the tuning runs on the
validation split behind the tuning table, and report.py after all of them."""
from names_rnn.configs import FINAL, LATER, TASK1, TASK2B, TUNING
from utils import Part, Run

TRAIN = "names_rnn/train.py"


def train_run(config, seed, kind="final"):
    """The run of one config and seed; it writes results/names/runs/<config>-seed<seed>.json."""
    name = f"{config}-seed{seed}"
    flags = () if config == FINAL else ("--config", config)
    return Run(name, (TRAIN, *flags, "--seed", str(seed)), kind=kind,
               result=f"results/names/runs/{name}.json")


FINALS = ([train_run(FINAL, seed) for seed in (0, 1)]
          + [train_run(config, seed) for config in TASK1 for seed in (0, 1)]
          + [train_run(config, 0) for config in TASK2B])
TUNINGS = [train_run(config, seed, "tuning") for config in TUNING
           for seed in ((0,) if config in LATER else (0, 1))]
RUNS = (*FINALS, *TUNINGS,
        Run("report", ("names_rnn/report.py",), kind="report",
            after=tuple(run.name for run in FINALS + TUNINGS)))

QUICK = (Run("quick-task1", (TRAIN, "--quick", "--config", "task1-lstm-1x100")),
         Run("quick-task2b-bs1", (TRAIN, "--quick", "--config", "task2b-bs1")),
         Run("quick-report", ("names_rnn/report.py", "--quick"),
             after=("quick-task1", "quick-task2b-bs1")))

PARTS = [Part("names", runs=RUNS, quick=QUICK, table="names_rnn.report:report_table")]
