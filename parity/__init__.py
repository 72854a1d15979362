"""The parity part's pieces shared by univariate_tester.py and driver_parity.py:
its data, named configs, scoring, figures, resuming, declared runs and report tables."""
