"""benchmarks/: run_all.py writes one JSON per benchmark into a checked --out
folder, and the report table is built from those files' fields."""
import subprocess
import sys

from benchmarks.report import format_table, report_table
from store import load_json
from utils import REPO_ROOT


def run_all(*args):
    return subprocess.run([sys.executable, "benchmarks/run_all.py", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True)


def test_quick_run_writes_one_file_per_benchmark_and_the_table(tmp_path):
    out = tmp_path / "benchmarks"
    result = run_all("--quick", "--only", "imdb_padding", "palindrome_cells", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["imdb_padding.json", "palindrome_cells.json"]
    padding = load_json(out / "imdb_padding.json")
    assert padding["script"] == "benchmarks/imdb_padding.py" and padding["quick"]
    (row,) = padding["rows"]
    assert row["unit"] == "fraction" and 0 < row["ours_s"] < row["reference_s"] < 1
    cells = load_json(out / "palindrome_cells.json")
    assert [r["model"] for r in cells["rows"]] == ["LSTM", "RNN"]
    table = report_table(tmp_path)
    assert "| IMDb padded share" in table and f"{row['ours_s']:.1%}" in table
    assert table == format_table([padding, cells]) and "| palindrome LSTM" in table


def test_module_as_script_writes_the_same_file(tmp_path):
    result = subprocess.run([sys.executable, "benchmarks/conv1d.py", "--quick", "--out",
                             str(tmp_path)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    data = load_json(tmp_path / "conv1d.json")
    assert data["script"] == "benchmarks/conv1d.py" and data["threads"] == 1
    assert [row["sizes"]["width"] for row in data["rows"]] == [20, 100]


def test_unknown_benchmark_and_unusable_folder_are_refused_before_running(tmp_path):
    result = run_all("--only", "nope")
    assert result.returncode == 2 and "invalid choice: 'nope'" in result.stderr
    (tmp_path / "file").write_text("")
    result = run_all("--quick", "--out", str(tmp_path / "file"))
    assert result.returncode == 1 and result.stderr.startswith("error: ")
    assert "===" not in result.stdout
