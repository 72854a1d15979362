"""What runs in the student's process: a fresh interpreter that imports NumPy, the hand-in
and these modules only (no torch, no checks, no expected values).

`main` is the process's entry point, `course` calls the hand-in through the course
interface, `drivers` are the hand-in side of each test and `wire` the data format of the
requests and replies. The runner copies this folder into the sandbox; nothing here imports
the `autograder` package, so that it runs on its own. The runner imports `drivers` and
`wire` too: a driver runs there against torch float64 to give the expected values.
"""
