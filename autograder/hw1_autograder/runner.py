"""Grade MyTorch like the course's HW1P1 runners: all-or-nothing tests with the course's
names and points (HW1P1: 90 graded locally, the MNIST part of the 100 is not; the bonus:
25), a points table, then `Total score: N/M`; exit status 0 only at full marks.

    python autograder/hw1_autograder/runner.py                       this repository
    python autograder/hw1_autograder/runner.py --handin handin.tar   a hand-in
    python autograder/hw1_autograder/runner.py --handin submissions/ a class
    python autograder/hw1_autograder/runner.py --test Autograd       one test

Each test runs in a child process of its own against the hand-in's mytorch/, comparing
values and every gradient with torch float64: test_autograd.py (Add, Sub, Mul, Div,
Autograd), test_linear.py (Linear, ReLU, SGD, momentum, cross-entropy) and test_bonus.py
(Adam, Dropout, BatchNorm1d). Without --handin the scores are also written to
results/mytorch/hw1_summary.json (runs/quick/mytorch/ with --quick: the same tests).
"""
from autograder import cli

PACKAGE = "autograder.hw1_autograder"
HW1P1 = [("Add", 0, "test_autograd:test_add"),  # the course's freebie
         ("Sub", 5, "test_autograd:test_sub"),
         ("Mul", 5, "test_autograd:test_mul"),
         ("Div", 5, "test_autograd:test_div"),
         ("Autograd", 25, "test_autograd:test_autograd"),
         ("Linear Forward", 2, "test_linear:test_linear_forward"),
         ("Linear Backward", 8, "test_linear:test_linear_backward"),
         ("Linear ReLU Forward", 1, "test_linear:test_linear_relu_forward"),
         ("Linear ReLU Backward", 1, "test_linear:test_linear_relu_backward"),
         ("Big Linear ReLU Forward", 1, "test_linear:test_big_linear_relu_forward"),
         ("Big Linear ReLU Backward", 2, "test_linear:test_big_linear_relu_backward"),
         ("Linear ReLU SGD Step", 5, "test_linear:test_linear_relu_sgd_step"),
         ("Big Linear ReLU SGD Step", 5, "test_linear:test_big_linear_relu_sgd_step"),
         ("Linear XELoss Forward", 4, "test_linear:test_linear_xeloss_forward"),
         ("Linear XELoss Backward", 6, "test_linear:test_linear_xeloss_backward"),
         ("Big Linear ReLU XELoss Train/Eval", 5,
          "test_linear:test_big_linear_relu_xeloss_train_eval"),
         ("Linear Momentum Step", 3, "test_linear:test_linear_momentum"),
         ("Big Linear ReLU XELoss Momentum Train/Eval", 7,
          "test_linear:test_big_linear_relu_xeloss_momentum")]
BONUS = [("Linear Adam", 1, "test_bonus:test_linear_adam"),
         ("Big Linear ReLU XELoss Adam", 4, "test_bonus:test_big_linear_relu_xeloss_adam"),
         ("Linear ReLU Dropout", 3, "test_bonus:test_linear_relu_dropout"),
         ("Linear ReLU Dropout Backward", 3, "test_bonus:test_linear_relu_dropout_backward"),
         ("Big Linear BN ReLU Dropout XELoss Adam", 4,
          "test_bonus:test_big_linear_bn_relu_dropout_xeloss_adam"),
         ("Linear BatchNorm ReLU Forward (Train)", 1,
          "test_bonus:test_linear_batchnorm_relu_forward_train"),
         ("Linear BatchNorm ReLU Backward (Train)", 1,
          "test_bonus:test_linear_batchnorm_relu_backward_train"),
         ("Linear BatchNorm ReLU Train/Eval", 2,
          "test_bonus:test_linear_batchnorm_relu_train_eval"),
         ("Big Linear BatchNorm ReLU Train/Eval", 6,
          "test_bonus:test_big_linear_batchnorm_relu_train_eval")]
TESTS = [(name, points, f"{PACKAGE}.{target}", section)
         for section, tests in (("HW1P1", HW1P1), ("HW1P1 bonus", BONUS))
         for name, points, target in tests]


def build_parser():
    return cli.build_parser(__doc__, TESTS)


if __name__ == "__main__":
    cli.run(__doc__, TESTS, "HW1P1", "hw1_summary.json", needed=("mytorch",))
