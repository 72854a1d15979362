"""benchmarks/run_all.py: collects the rows of the benchmark modules and tabulates them."""
import subprocess
import sys

from benchmarks.run_all import format_table
from utils import REPO_ROOT, load_json


def test_quick_run_writes_rows_and_table(tmp_path):
    out = tmp_path / "benchmarks.json"
    result = subprocess.run([sys.executable, "benchmarks/run_all.py", "--quick", "--only", "imdb_padding",
                             "--out", str(out)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    data = load_json(out)
    (row,) = data["rows"]
    assert row["unit"] == "fraction" and 0 < row["ours_s"] < row["reference_s"] < 1
    table = format_table(data)
    assert "| IMDb padded share" in table and f"{row['ours_s']:.1%}" in table


def test_unknown_benchmark_is_one_line_error():
    result = subprocess.run([sys.executable, "benchmarks/run_all.py", "--only", "nope"], cwd=REPO_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1 and result.stderr.startswith("error: unknown benchmark")
