"""The parity part's runs for run_all.py: the hand-set LSTM's check (Q4), LSTM-64
(Q5/Q6), the hidden-size sweep and the hidden-size-1 settings (Q7), LSTM-64 with
the weight decay that carries it to long strings (Q6), and the long-string figure."""
from utils import Part, Run

RESULTS = "results/parity"
LONG = ("lstm64", "hidden1", "lstm64_decay")  # the runs the long-string figure shows

PARTS = [Part(
    "parity",
    runs=(Run("univariate", ("univariate_tester.py",), result=f"{RESULTS}/univariate.json"),
          Run("lstm64", ("driver_parity.py",), result=f"{RESULTS}/lstm64.json"),
          Run("sweep", ("driver_parity.py", "--config", "sweep"),
              result=f"{RESULTS}/sweep.json"),
          Run("hidden1", ("driver_parity.py", "--config", "hidden1"),
              result=f"{RESULTS}/hidden1.json"),
          Run("lstm64_decay", ("driver_parity.py", "--config", "lstm64_decay"),
              result=f"{RESULTS}/lstm64_decay.json"),
          Run("report", ("parity/report.py",), kind="report", after=LONG)),
    quick=(Run("quick-univariate", ("univariate_tester.py", "--quick")),
           Run("quick-lstm64", ("driver_parity.py", "--quick")),
           Run("quick-sweep", ("driver_parity.py", "--quick", "--config", "sweep")),
           Run("quick-hidden1", ("driver_parity.py", "--quick", "--config", "hidden1")),
           Run("quick-lstm64_decay", ("driver_parity.py", "--quick", "--config", "lstm64_decay")),
           Run("quick-report", ("parity/report.py", "--quick"), kind="report",
               after=tuple(f"quick-{name}" for name in LONG))),
    table="parity.report:report_table")]
