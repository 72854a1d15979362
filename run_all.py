"""Reproduce REPORT.md: run every declared run, then rebuild its tables
(`python run_all.py --help`; the runs are declared in reproduce/parts.py)."""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

from reproduce.run import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    utils.run_main(main)
