"""Graders for MyTorch hand-ins: hw1_autograder (HW1P1 and its bonus) and
hw2_autograder (HW2P1, the CNN homework), with torch float64 as the oracle.

Trust runs one way. The runner (`cli`, `grading`) draws each test's case, starts a
fresh student process in a sandbox (`sandbox`) that runs the test's steps on the
hand-in (`child`: no torch, no checks, no expected values there) and sends back plain
data, then computes the expected values (`reference`) and the verdict (`checking`)
itself. `handins` stages a hand-in folder or tar. Importing this package imports no
MyTorch: hand-in code runs only in the student processes.

The points are the course's (its tests' checks, names, points and Autolab keys, and a
runner that scores 0 when a module it imports does not import); the handout's rules that
the course's tests do not check are warnings. `cli` prints the course's lines, writes
Gradescope's results.json and grades classes with --jobs workers; `gradescope/` installs
the runner in Gradescope's image.

The package stands on its own on purpose: a TA runs it from a clone, on any machine, so
it imports no homework code and nothing of reproduce/, and keeps its own error class,
entry point (`cli.run`), atomic writes and repository root. From the shared modules it
takes only the quiet Ctrl-C at start-up, the checked flag types, the output folder and
the JSON writer (utils, store).
"""
