"""The HW1P1 autograder (and its bonus): a hand-in's MyTorch against torch float64."""
