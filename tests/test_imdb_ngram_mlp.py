"""The n-gram MLP: its batches and its first layer against a dense product, a --quick
run on a tiny official-format pickle that learns the cue words, the test split scored
once and only with --final, the declared ablation, and its rows in the report."""
import json

import numpy as np
import pytest
import torch

import utils
from imdb import ngram_mlp, report
from imdb.configs import NGRAM_MLP
from imdb.models import NgramMLP
from reproduce.parts import IMDB
from test_imdb import write_fixture

# a tiny set learns in a few dozen steps with a larger rate and batch than the reviews'
LEARNS = ["--lr", "0.05", "--batch-size", "8", "--epochs", "4"]


@pytest.fixture
def folder(tmp_path):
    write_fixture(tmp_path)
    return tmp_path


def test_batches_gather_each_review_s_ngrams():
    rows, columns = np.array([0, 0, 1, 2, 2, 2]), np.array([3, 1, 0, 2, 3, 4])
    sets = ngram_mlp.NgramSets(rows, columns, np.arange(6.0), [1, 0, 1])
    cols, starts, weights, labels = sets.batch(np.array([2, 0]), "cpu")
    assert cols.tolist() == [2, 3, 4, 3, 1] and starts.tolist() == [0, 3]
    assert weights.tolist() == [3, 4, 5, 0, 1] and labels.tolist() == [1, 1]


def test_the_hidden_layer_is_a_linear_layer_on_the_weighted_ngram_vector():
    torch.manual_seed(0)
    model = NgramMLP(ngrams=6, hidden=4, dropout=0.0).eval()
    columns, starts = torch.tensor([0, 5, 2, 3]), torch.tensor([0, 2])
    weights = torch.tensor([0.5, -1.0, 2.0, 1.5])
    dense = torch.zeros(2, 6)
    dense[0, [0, 5]], dense[1, [2, 3]] = weights[:2], weights[2:]
    hidden = torch.relu(dense @ model.hidden.weight + model.bias)
    torch.testing.assert_close(model(columns, starts, weights), model.out(hidden))


def test_quick_run_learns_and_the_test_split_only_with_final(folder, tmp_path, monkeypatch):
    loads, scored = [], []
    load_imdb, accuracy = ngram_mlp.load_imdb, ngram_mlp.accuracy
    monkeypatch.setattr(ngram_mlp, "load_imdb",
                        lambda **kw: loads.append(kw["final"]) or load_imdb(**kw))
    monkeypatch.setattr(ngram_mlp, "accuracy",
                        lambda probs, sets: scored.append(len(sets)) or accuracy(probs, sets))
    out = tmp_path / "out"
    common = ["--quick", "--val", "12", "--data-dir", str(folder), "--out", str(out), *LEARNS]
    result = ngram_mlp.main(common + ["--members", "2"])
    saved = json.loads((out / "ngram_mlp_val_seed0.json").read_text())
    assert saved == json.loads(json.dumps(result)) and saved["script"] == "imdb/ngram_mlp.py"
    assert saved["complete"] and saved["test_acc"] is None and loads == [False]
    assert saved["val_acc"] >= 0.75 and len(saved["members_val_acc"]) == 2  # the cue words
    assert [(h["member"], h["epoch"]) for h in saved["history"]] == \
        [(m, e) for m in (1, 2) for e in range(1, 5)]
    scored.clear()
    final = ngram_mlp.main(common + ["--final"])
    assert final["val_acc"] is None and final["test_acc"] >= 0.75 and loads == [False, True]
    assert scored == [20], "the test set is scored once, with all members"
    assert final["train_reviews"] == 60 and (out / "ngram_mlp_final_seed0.json").is_file()


def test_a_seed_repeats_the_run(folder, tmp_path):
    common = ["--quick", "--val", "12", "--data-dir", str(folder), *LEARNS]
    first, second = (ngram_mlp.main(common + ["--out", str(tmp_path / name)])
                     for name in ("a", "b"))
    assert [h["train_loss"] for h in first["history"]] == \
        [h["train_loss"] for h in second["history"]]


def test_the_default_is_the_reported_model_and_the_ablation_turns_one_idea_off():
    args = utils.parse_args(ngram_mlp.build_parser(), [])
    assert args.config == "ngram_mlp" == list(NGRAM_MLP)[0] and not args.final
    assert {key: getattr(args, key) for key in NGRAM_MLP["ngram_mlp"]} == NGRAM_MLP["ngram_mlp"]
    runs = [run for run in IMDB.runs if run.argv[0] == "imdb/ngram_mlp.py"]
    chosen = utils.run_settings(args)
    for run in runs:
        settings = utils.run_settings(utils.parse_args(ngram_mlp.build_parser(),
                                                       list(run.argv[1:])))
        changed = {key for key in settings if settings[key] != chosen[key]} - {"out"}
        if run.kind == "final":
            assert changed <= {"final", "seed"}
        else:  # the chosen setting, or one setting changed and named by the tag; any seed
            assert run.kind == "tuning" and len(changed - {"tag", "seed"}) == \
                (1 if changed - {"seed"} else 0)
    assert sorted(run.name for run in runs if run.kind == "final") == \
        ["ngram_mlp_final_seed0", "ngram_mlp_final_seed1"]


@pytest.mark.parametrize("flag, value", [
    ("--ngrams", "4"), ("--min-count", "0"), ("--weights", "tfidf"), ("--hidden", "0"),
    ("--dropout", "1"), ("--members", "0"), ("--batch-size", "0"), ("--alpha", "0")])
def test_bad_flags_are_refused_before_any_work(folder, tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit) as stop:
        ngram_mlp.main(["--quick", flag, value, "--data-dir", str(folder),
                        "--out", str(tmp_path / "out")])
    assert stop.value.code == 2 and "error:" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_report_shows_the_ablation_and_the_test_row(folder, tmp_path):
    out = tmp_path / "results" / "imdb"
    common = ["--quick", "--val", "12", "--data-dir", str(folder), "--out", str(out), *LEARNS]
    ngram_mlp.main(common)
    ngram_mlp.main(common + ["--weights", "binary", "--tag", "binary"])
    second = ngram_mlp.main(common + ["--seed", "1"])["val_acc"]  # beside seed 0's, no row
    for seed in ("0", "1"):
        ngram_mlp.main(common + ["--final", "--seed", seed])
    summary = report.summarize_ngram_mlp(out)
    assert [(t["run"], t["chosen"], t["second_seed_val_acc"]) for t in summary["tuning"]] == \
        [("ngram_mlp_val_seed0", True, second), ("ngram_mlp_val_seed0_binary", False, None)]
    assert summary["seeds"] == [0, 1] and summary["test_acc_mean"] is not None
    table = report.report_table(tmp_path / "results")
    chosen, ablation = table.split("\n")[0].split("; [")[:2]  # the changes beside LEARNS
    mean = (summary["val_acc"] + second) / 2
    assert chosen.endswith("(results/imdb/ngram_mlp_val_seed0.json): **"
                           f"{summary['val_acc']:.4f}/{second:.4f}, mean {mean:.4f}** (chosen)")
    assert ablation.startswith("`--weights binary ") and "_binary.json): " in ablation
    test_row = [line for line in table.splitlines() if line.startswith("| ngram_mlp |")]
    assert len(test_row) == 1 and f"**{summary['test_acc_mean']:.3f}**" in test_row[0]
