"""Graders for MyTorch hand-ins: hw1_autograder (HW1P1 and its bonus) and
hw2_autograder (HW2P1, the CNN homework), with torch float64 as the oracle.

Shared parts: `checking` (comparisons with torch), `handins` (staging a hand-in
folder or tar), `isolation` (one forked child per test), `grading` (points and
tables) and `cli` (the runners' command line). Importing this package imports
no MyTorch: the hand-in's own modules are loaded only inside each test's child.
"""
