"""The CIFAR part's runs for run_all.py: the plain and batch-norm Net (Q1, Q2), the
skeleton's settings for comparison, and test.py on each best checkpoint (Q3)."""
from utils import Part, Run

RESULTS = "results/cifar"

PARTS = [Part(
    "cifar",
    runs=(Run("plain", ("cifar_pytorch.py",), result=f"{RESULTS}/run_plain.json"),
          Run("batchnorm", ("cifar_pytorch.py", "--batchnorm"),
              result=f"{RESULTS}/run_batchnorm.json"),
          Run("skeleton", ("cifar_pytorch.py", "--config", "skeleton"),
              result=f"{RESULTS}/run_skeleton.json"),
          Run("test-plain", ("test.py",), after=("plain",),
              result=f"{RESULTS}/evaluation_plain.json"),
          Run("test-batchnorm", ("test.py", "--batchnorm"), after=("batchnorm",),
              result=f"{RESULTS}/evaluation_batchnorm.json"),
          Run("test-skeleton", ("test.py", "--tag", "skeleton"), after=("skeleton",),
              result=f"{RESULTS}/evaluation_skeleton.json")),
    quick=(Run("quick-plain", ("cifar_pytorch.py", "--quick")),
           Run("quick-batchnorm", ("cifar_pytorch.py", "--quick", "--batchnorm")),
           Run("quick-test-plain", ("test.py", "--quick"), after=("quick-plain",)),
           Run("quick-test-batchnorm", ("test.py", "--quick", "--batchnorm"),
               after=("quick-batchnorm",))),
    table="cifar.report:report_table")]
