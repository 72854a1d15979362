"""The machinery that reproduces REPORT.md, apart from the homework: `parts` declares
every run behind the report, `run` runs them side by side (`python run_all.py`), and
`report` rebuilds REPORT.md's generated blocks from results/. It reads the parts'
configs and report modules; no part imports from it."""
