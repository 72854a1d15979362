"""The parity part's pieces shared by univariate_tester.py and driver_parity.py:
its data, named configs, declared runs and report tables."""
