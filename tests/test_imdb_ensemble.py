"""The ensemble of the n-gram MLP and an imdb/classify.py model: the weights' ends are
its members alone, the test split is scored once at the chosen weight, a member's
probabilities must be those of its recorded run, the partner's saved probabilities
stand in for its checkpoint, the declared runs, and its rows in the report. Members
are --quick runs on a tiny official-format pickle."""
import numpy as np
import pytest

import utils
from imdb import classify, ensemble, ngram_mlp, report
from imdb.configs import ENSEMBLE
from imdb.predictions import load_positive, predicted, probs_path, save_positive
from reproduce.parts import IMDB
from test_imdb import write_fixture


@pytest.fixture
def members(tmp_path, monkeypatch):
    """A folder with the n-gram MLP's and nn.RNN + lin2's runs, validation and test (seed 0),
    and the common flags of an ensemble run reading them."""
    write_fixture(tmp_path)
    out = tmp_path / "results" / "imdb"
    common = ["--val", "12", "--data-dir", str(tmp_path), "--out", str(out)]
    for final in ([], ["--final"]):
        ngram_mlp.main(["--quick", "--lr", "0.05", "--batch-size", "8", "--epochs", "4",
                        *common, *final])
        classify.main(["--quick", "--config", "rnn", *common, *final])
    # the checkpoints of --quick runs lie in their output folder
    monkeypatch.setattr(utils, "checkpoint_dir", lambda args, folder: folder)
    return out, common


def test_the_weights_ends_are_the_members_alone(members):
    out, common = members
    result = ensemble.main(common)
    by_weight = result["val_acc_by_weight"]
    assert list(by_weight) == [str(w) for w in ensemble.GRID]
    recorded = {run: report.store.load_json(out / f"{run}.json")["val_acc"]
                for run in ("ngram_mlp_val_seed0", "rnn_val_seed0")}
    assert by_weight["1.0"] == pytest.approx(recorded["ngram_mlp_val_seed0"])
    assert by_weight["0.0"] == pytest.approx(recorded["rnn_val_seed0"])
    assert result["val_acc"] == by_weight[str(ENSEMBLE["ensemble"]["weight"])]
    assert result["test_acc"] is None and result["ngram_ablation"] == {}
    assert len(load_positive(probs_path(out, "rnn_val_seed0"))) == 12


def test_the_test_split_is_scored_once_at_the_chosen_weight(members, monkeypatch):
    out, common = members
    weights = []
    mixed = ensemble.mixed_accuracy
    monkeypatch.setattr(ensemble, "mixed_accuracy",
                        lambda w, *rest: weights.append(w) or mixed(w, *rest))
    result = ensemble.main(common + ["--final", "--weight", "0.3"])
    assert weights == [0.3] and result["val_acc"] is None and 0 <= result["test_acc"] <= 1
    assert "val_acc_by_weight" not in result
    assert (out / "ensemble_final_seed0.json").is_file()


def test_probabilities_of_another_run_are_refused(members):
    out, common = members
    path = probs_path(out, "ngram_mlp_val_seed0")
    save_positive(path, 1 - load_positive(path))  # every prediction flipped
    with pytest.raises(utils.UserError, match="ngram_mlp_val_seed0: its probabilities"):
        ensemble.main(common)


def test_the_partner_s_saved_probabilities_stand_in_for_its_checkpoint(members):
    out, common = members
    first = ensemble.main(common)
    (out / "rnn_val_seed0.pt").unlink()
    assert ensemble.main(common)["val_acc_by_weight"] == first["val_acc_by_weight"]
    probs_path(out, "rnn_val_seed0").unlink()
    with pytest.raises(utils.UserError, match="neither"):
        ensemble.main(common)


def test_a_missing_member_is_one_line(tmp_path):
    write_fixture(tmp_path)
    with pytest.raises(utils.UserError, match="no finished run ngram_mlp_val_seed0"):
        ensemble.main(["--val", "12", "--data-dir", str(tmp_path), "--out", str(tmp_path)])


def test_mixing_weights_the_members_probabilities():
    ngram, partner = np.array([0.9, 0.4, 0.2]), np.array([0.2, 0.9, 0.45])
    labels = np.array([1, 1, 0])
    assert predicted(ngram).tolist() == [1, 0, 0]
    assert ensemble.mixed_accuracy(1.0, ngram, partner, labels) == pytest.approx(2 / 3)
    assert ensemble.mixed_accuracy(0.0, ngram, partner, labels) == pytest.approx(2 / 3)
    assert ensemble.mixed_accuracy(0.5, ngram, partner, labels) == 1.0


def test_the_default_is_the_reported_ensemble_and_its_runs_wait_for_their_members():
    args = utils.parse_args(ensemble.build_parser(), [])
    assert {key: getattr(args, key) for key in ENSEMBLE["ensemble"]} == ENSEMBLE["ensemble"]
    runs = {run.name: run for run in IMDB.runs if run.argv[0] == "imdb/ensemble.py"}
    assert sorted(runs) == ["ensemble_final_seed0", "ensemble_final_seed1",
                            "ensemble_val_seed0", "ensemble_val_seed1"]
    for seed in "01":
        assert set(runs[f"ensemble_final_seed{seed}"].after) == \
            {f"rnn_final_seed{seed}", f"ngram_mlp_final_seed{seed}"}
        ngram_tuning = {run.name for run in IMDB.runs if run.argv[0] == "imdb/ngram_mlp.py"
                        and run.kind == "tuning" and f"_val_seed{seed}" in run.name}
        assert set(runs[f"ensemble_val_seed{seed}"].after) == {f"rnn_val_seed{seed}",
                                                                *ngram_tuning}


def test_report_shows_the_weights_and_the_test_row(members):
    out, common = members
    ngram_mlp.main(["--quick", "--lr", "0.05", "--batch-size", "8", "--epochs", "4", *common,
                    "--weights", "binary", "--tag", "binary"])
    result = ensemble.main(common)
    assert list(result["ngram_ablation"]) == ["binary"]
    ensemble.main(common + ["--final"])
    table = report.report_table(out.parent)
    line = next(line for line in table.splitlines()
                if line.startswith("n-gram MLP + nn.RNN + lin2"))
    assert f"**{result['val_acc']:.4f}** (chosen)" in line
    assert "1 (n-gram MLP)" in line and "0 (nn.RNN + lin2)" in line
    row = [line for line in table.splitlines() if line.startswith("| ensemble (")]
    assert len(row) == 1 and "(results/imdb/ensemble_final_seed0.json)" in row[0]


def test_quick_is_refused_in_one_line(tmp_path):
    with pytest.raises(utils.UserError, match="no --quick"):
        ensemble.main(["--quick", "--out", str(tmp_path)])
