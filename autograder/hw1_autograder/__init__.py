"""The hw1 autograder for MyTorch: all-or-nothing tests against torch as the oracle."""
