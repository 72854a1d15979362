"""The runs of the two MyTorch parts for run_all.py: hw2 (the CNN homework's
autograder, the MyTorch-against-torch training demo, the Conv1d benchmark) and
mytorch (the hw1 autograder and the MLP benchmark)."""
from utils import Part, Run

PARTS = [
    Part("hw2",
         runs=(Run("autograder", ("autograder/hw2_autograder/runner.py",)),
               Run("train-demo", ("hw2/train_demo.py",),
                   result="results/mytorch/hw2_summary.json"),
               Run("conv1d-benchmark", ("benchmarks/conv1d.py",))),
         quick=(Run("quick-autograder", ("autograder/hw2_autograder/runner.py", "--quick")),
                Run("quick-train-demo", ("hw2/train_demo.py", "--quick")),
                Run("quick-conv1d-benchmark", ("benchmarks/conv1d.py", "--quick"))),
         table="hw2.report:report_table"),
    Part("mytorch",
         runs=(Run("autograder", ("autograder/hw1_autograder/runner.py",)),
               Run("mlp-benchmark", ("benchmarks/mytorch_mlp.py",))),
         quick=(Run("quick-autograder", ("autograder/hw1_autograder/runner.py", "--quick")),
                Run("quick-mlp-benchmark", ("benchmarks/mytorch_mlp.py", "--quick"))),
         table="autograder.report:report_table"),
]
