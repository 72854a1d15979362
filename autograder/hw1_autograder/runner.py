"""Grade MyTorch like the course's HW1P1 runners: all-or-nothing tests with the course's
names and points (HW1P1: 90 graded locally, the MNIST part of the 100 is not; the bonus:
25), a points table, then `Total score: N/M`; exit status 0 only at full marks.

    python autograder/hw1_autograder/runner.py                       this repository
    python autograder/hw1_autograder/runner.py --handin handin.tar   a hand-in
    python autograder/hw1_autograder/runner.py --handin submissions/ a class
    python autograder/hw1_autograder/runner.py --test Autograd       one test

The points are the course's: each test makes the course's test's checks, all or nothing,
and when a module the course's runner imports at its top (through its test files) does not
import, every test of that runner scores 0, as on the course's scoreboard. What only the
handout asks for (LogSumExp stability, BatchNorm's running statistics, inputs left as they
were) prints as a warning under its test; with --strict it costs the test instead. The
last line printed is the course's Autolab line, {"scores": {...}}.

Each test runs the hand-in's mytorch/ in a sandboxed process of its own and compares
values and every gradient with torch float64, computed in the runner: test_autograd.py
(Add, Sub, Mul, Div, Autograd), test_linear.py (Linear, ReLU, SGD, momentum,
cross-entropy) and test_bonus.py (Adam, Dropout, BatchNorm1d) draw the cases. Without
--handin the scores are also written to results/mytorch/hw1_summary.json
(runs/quick/mytorch/ with --quick: the same tests).
A class's scores go to scores_hw1.csv and scores_hw1.json in --out (default: the
current folder), named after the homework so that grading HW1 and HW2 there keeps both.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

from autograder import cli
from autograder import grading
from autograder.hw1_autograder import test_autograd as autograd
from autograder.hw1_autograder import test_bonus as bonus
from autograder.hw1_autograder import test_linear as linear

MAIN, BONUS = "HW1P1", "HW1P1 bonus"
SCORES = "scores_hw1"  # a class's score files: scores_hw1.csv, scores_hw1.json
AUTOGRAD, LINEAR, EXTRA = "test_autograd.py", "test_linear.py", "test_bonus.py"
# what the course's runners import of the hand-in before their first test
MAIN_IMPORTS = ("mytorch.tensor", "mytorch.autograd_engine", "mytorch.nn.functional",
                "mytorch.nn.linear", "mytorch.nn.sequential", "mytorch.nn.activations",
                "mytorch.nn.loss", "mytorch.nn.batchnorm", "mytorch.optim.sgd")
BONUS_IMPORTS = (*MAIN_IMPORTS, "mytorch.optim.adam", "mytorch.nn.dropout")


def Test(name, points, section, *arguments):
    return grading.Test(name, points, section, *arguments,
                        imports=MAIN_IMPORTS if section == MAIN else BONUS_IMPORTS)


TESTS = [
    Test("Add", 0, MAIN, AUTOGRAD, autograd.add, "functions"),  # the course's freebie
    Test("Sub", 5, MAIN, AUTOGRAD, autograd.sub, "functions"),
    Test("Mul", 5, MAIN, AUTOGRAD, autograd.mul, "functions"),
    Test("Div", 5, MAIN, AUTOGRAD, autograd.div, "functions"),
    Test("Autograd", 25, MAIN, AUTOGRAD, autograd.autograd, "autograd"),
    Test("Linear Forward", 2, MAIN, LINEAR, linear.linear_forward, "mlp"),
    Test("Linear Backward", 8, MAIN, LINEAR, linear.linear_backward, "mlp"),
    Test("Linear ReLU Forward", 1, MAIN, LINEAR, linear.linear_relu_forward, "mlp"),
    Test("Linear ReLU Backward", 1, MAIN, LINEAR, linear.linear_relu_backward, "mlp"),
    Test("Big Linear ReLU Forward", 1, MAIN, LINEAR, linear.big_linear_relu_forward, "mlp"),
    Test("Big Linear ReLU Backward", 2, MAIN, LINEAR, linear.big_linear_relu_backward, "mlp"),
    Test("Linear ReLU SGD Step", 5, MAIN, LINEAR, linear.linear_relu_sgd_step, "mlp"),
    Test("Big Linear ReLU SGD Step", 5, MAIN, LINEAR, linear.big_linear_relu_sgd_step, "mlp"),
    Test("Linear XELoss Forward", 4, MAIN, LINEAR, linear.linear_xeloss_forward, "mlp"),
    Test("Linear XELoss Backward", 6, MAIN, LINEAR, linear.linear_xeloss_backward, "mlp"),
    Test("Big Linear ReLU XELoss Train/Eval", 5, MAIN, LINEAR,
         linear.big_linear_relu_xeloss_train_eval, "mlp"),
    Test("Linear Momentum Step", 3, MAIN, LINEAR, linear.linear_momentum, "mlp"),
    Test("Big Linear ReLU XELoss Momentum Train/Eval", 7, MAIN, LINEAR,
         linear.big_linear_relu_xeloss_momentum, "mlp"),
    Test("Linear Adam", 1, BONUS, EXTRA, bonus.linear_adam, "mlp"),
    Test("Big Linear ReLU XELoss Adam", 4, BONUS, EXTRA, bonus.big_linear_relu_xeloss_adam,
         "mlp"),
    Test("Linear ReLU Dropout", 3, BONUS, EXTRA, bonus.linear_relu_dropout, "dropout"),
    Test("Linear ReLU Dropout Backward", 3, BONUS, EXTRA, bonus.linear_relu_dropout_backward,
         "mlp"),
    Test("Big Linear BN ReLU Dropout XELoss Adam", 4, BONUS, EXTRA,
         bonus.big_linear_bn_relu_dropout_xeloss_adam, "mlp"),
    Test("Linear BatchNorm ReLU Forward (Train)", 1, BONUS, EXTRA,
         bonus.linear_batchnorm_relu_forward_train, "mlp"),
    Test("Linear BatchNorm ReLU Backward (Train)", 1, BONUS, EXTRA,
         bonus.linear_batchnorm_relu_backward_train, "mlp"),
    Test("Linear BatchNorm ReLU Train/Eval", 2, BONUS, EXTRA,
         bonus.linear_batchnorm_relu_train_eval, "mlp"),
    Test("Big Linear BatchNorm ReLU Train/Eval", 6, BONUS, EXTRA,
         bonus.big_linear_batchnorm_relu_train_eval, "mlp"),
]


def build_parser():
    return cli.build_parser(__doc__, TESTS, SCORES)


if __name__ == "__main__":
    cli.run(__doc__, TESTS, "HW1P1", "hw1_summary.json", needed=("mytorch",), scores=SCORES)
