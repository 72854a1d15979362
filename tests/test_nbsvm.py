"""The NBSVM baseline: n-gram sets and the log-count ratio on a toy worked by hand, a
--quick run on a tiny official-format pickle, the test split scored once and only with
--final, refused flags, and its rows in the report."""
import json
import math

import numpy as np
import pytest

import utils
from imdb import nbsvm, ngrams, report
from imdb.configs import NBSVM
from reproduce.parts import IMDB
from test_imdb import write_fixture


@pytest.fixture
def folder(tmp_path):
    write_fixture(tmp_path)
    return tmp_path


def test_ngram_sets_stay_inside_a_review_and_count_once():
    # base 10: unigram t has id t, bigram (a, b) has id 10 + 10a + b
    rows, columns, vocabulary = ngrams.binary_features([[4, 5, 4], [5]], order=2, base=10)
    assert vocabulary.tolist() == [4, 5, 10 + 45, 10 + 54]  # no bigram (4, 5) across reviews
    assert list(zip(rows.tolist(), columns.tolist())) == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 1)]
    # a known vocabulary drops unseen n-grams (7, then 4 7); trigrams get ids of their own
    rows, columns, _ = ngrams.binary_features([[5, 4, 7]], 2, 10, vocabulary)
    assert list(zip(rows.tolist(), columns.tolist())) == [(0, 0), (0, 1), (0, 3)]
    _, ids = ngrams.ngram_ids([[9, 9, 9]], order=3, base=10)
    assert sorted(ids.tolist()) == [9, 9, 9, 10 + 99, 10 + 99, 110 + 999]


def test_log_count_ratio_by_hand():
    rows, columns = np.array([0, 0, 0, 1]), np.array([0, 1, 2, 1])
    ratio = ngrams.log_count_ratio(rows, columns, [1, 0], width=3, alpha=1.0)
    # p = 1 + [1, 1, 1] (sum 6), q = 1 + [0, 1, 0] (sum 4)
    expected = [math.log((2 / 6) / (1 / 4)), math.log((2 / 6) / (2 / 4)),
                math.log((2 / 6) / (1 / 4))]
    np.testing.assert_allclose(ratio, expected)


def test_rare_ngrams_are_dropped_and_rows_start_where_they_should():
    rows, columns = np.array([0, 0, 1, 1, 2]), np.array([0, 2, 0, 1, 2])
    kept_rows, kept_columns, kept = ngrams.keep_frequent(rows, columns, np.array([7, 8, 9]), 2)
    assert kept.tolist() == [7, 9]  # n-gram 8 is in one review only
    assert list(zip(kept_rows.tolist(), kept_columns.tolist())) == [(0, 0), (0, 1), (1, 0),
                                                                    (2, 1)]
    assert ngrams.row_starts(kept_rows, 4).tolist() == [0, 2, 3, 4, 4]  # review 3 holds none


def test_fit_separates_and_interpolation_keeps_the_mean():
    rows, columns = np.array([0, 1, 2, 3]), np.array([0, 1, 0, 1])
    for loss in nbsvm.LOSSES:
        w, b, _ = nbsvm.fit(rows, columns, np.ones(4), [1, 0, 1, 0], 2, C=10.0, loss=loss,
                            max_iter=100)
        assert nbsvm.accuracy(rows, columns, np.ones(4), [1, 0, 1, 0], w, b) == 1
        assert w[0] > 0 > w[1]
    w = np.array([2.0, -4.0])
    assert nbsvm.interpolate(w, 1).tolist() == [2, -4]
    assert nbsvm.interpolate(w, 0.25).tolist() == [0.25 * 2 + 0.75 * 3, 0.25 * -4 + 0.75 * 3]


def test_quick_run_and_the_test_split_only_with_final(folder, tmp_path, monkeypatch):
    loads = []
    load_imdb = nbsvm.load_imdb
    monkeypatch.setattr(nbsvm, "load_imdb", lambda **kw: loads.append(kw["final"]) or
                        load_imdb(**kw))
    scored = []
    features = nbsvm.binary_features
    monkeypatch.setattr(nbsvm, "binary_features", lambda *a: scored.append(len(a)) or
                        features(*a))
    out = tmp_path / "out"
    common = ["--quick", "--val", "12", "--data-dir", str(folder), "--out", str(out)]
    result = nbsvm.main(common)
    saved = json.loads((out / "nbsvm_val_seed0.json").read_text())
    assert saved == json.loads(json.dumps(result)) and saved["script"] == "imdb/nbsvm.py"
    assert saved["test_acc"] is None and saved["val_acc"] >= 0.75  # the cue words
    assert saved["settings"]["ngrams"] == 3 and loads == [False]
    assert scored == [3, 4], "the validation reviews are featurised once, on train's n-grams"
    final = nbsvm.main(common + ["--final"])
    assert final["val_acc"] is None and final["test_acc"] >= 0.75 and loads == [False, True]
    assert scored == [3, 4, 3, 4] and final["train_reviews"] == 60
    assert (out / "nbsvm_final_seed0.json").is_file()


def test_the_default_is_the_reported_baseline():
    args = utils.parse_args(nbsvm.build_parser(), [])
    assert args.config == "nbsvm" == list(NBSVM)[0] and not args.final
    assert {key: getattr(args, key) for key in NBSVM["nbsvm"]} == NBSVM["nbsvm"]
    declared = {run.name: run for run in IMDB.runs}
    assert declared["nbsvm_final_seed0"].argv == ("imdb/nbsvm.py", "--final",
                                                  "--out", "results/imdb")
    tuning = [run for run in IMDB.runs if run.argv[0] == "imdb/nbsvm.py" and run.kind == "tuning"]
    chosen = [run for run in tuning
              if [utils.parse_args(nbsvm.build_parser(), list(run.argv[1:])).__dict__[key]
                  for key in report.NBSVM_KEYS] == [NBSVM["nbsvm"][key] for key in
                                                    report.NBSVM_KEYS]]
    assert len(chosen) == 1, "the chosen setting is one of the validation runs"


@pytest.mark.parametrize("flag, value", [
    ("--ngrams", "0"), ("--ngrams", "4"), ("--alpha", "0"), ("--C", "-1"), ("--C", "nan"),
    ("--beta", "1.5"), ("--beta", "-0.1"), ("--loss", "hinge"), ("--max-iter", "0"),
    ("--tag", "../x")])
def test_bad_flags_are_refused_before_any_work(folder, tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit) as stop:
        nbsvm.main(["--quick", flag, value, "--data-dir", str(folder),
                    "--out", str(tmp_path / "out")])
    assert stop.value.code == 2 and "error:" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_report_shows_the_baseline(folder, tmp_path):
    out = tmp_path / "results" / "imdb"
    common = ["--quick", "--val", "12", "--data-dir", str(folder), "--out", str(out)]
    nbsvm.main(common + ["--C", "0.5", "--tag", "C0.5"])
    assert report.summarize_nbsvm(out)["val_acc"] is None  # not the default's settings
    nbsvm.main(common + ["--tag", "chosen"])
    nbsvm.main(common + ["--final"])
    summary = report.summarize_nbsvm(out)
    assert [(t["run"], t["chosen"]) for t in summary["tuning"]] == \
        [("nbsvm_val_seed0_chosen", True), ("nbsvm_val_seed0_C0.5", False)]
    assert summary["final"]["test_acc"] is not None
    table = report.report_table(tmp_path / "results")
    assert "[`--C 0.5`](results/imdb/nbsvm_val_seed0_C0.5.json): " in table
    assert "[`no flags`](results/imdb/nbsvm_val_seed0_chosen.json): **" in table
    test_row = [line for line in table.splitlines()
                if line.startswith("| nbsvm |") and "**" in line]
    assert len(test_row) == 1 and f"**{summary['final']['test_acc']:.3f}**" in test_row[0]
