"""Graders for MyTorch: hw1_autograder (the library) and hw2_autograder (its CNN homework), torch as the oracle."""
