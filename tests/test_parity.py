"""Parity (handout Q4-Q7): the hand-set univariate LSTM and the trained ParityLSTM."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import driver_parity
import univariate_tester
import utils
from driver_parity import Parity, ParityLSTM, accuracy, accuracy_by_length, pad_collate


# --- Q4: univariate_tester.py -------------------------------------------------

def test_hand_weights_pass_every_string_up_to_length_14():
    passed, margin, checked = univariate_tester.check_all_lengths(14)
    assert passed and checked == 2 ** 15 - 1
    assert margin > 0.25


def all_strings(length):
    """Every binary string of `length` bits, one per row, in itertools.product order."""
    codes = np.arange(2 ** length, dtype=np.int64)[:, None]
    return ((codes >> np.arange(length - 1, -1, -1)) & 1).astype(np.uint8)


def test_prefix_tree_check_agrees_with_running_each_string():
    bits = all_strings(8)
    h = univariate_tester.final_hidden(bits)
    assert np.array_equal(h > 0.5, bits.sum(axis=1) % 2 == 1)
    assert univariate_tester.margin_of(h) == pytest.approx(univariate_tester.check_all_lengths(8)[1])


def test_bad_weights_stop_at_the_first_failure(capsys):
    broken = {**univariate_tester.WEIGHTS, "b_o": -20.0}  # output gate shut: h ~ 0 always
    passed, _, _ = univariate_tester.check_all_lengths(5, broken)
    assert not passed
    assert "FAILED on 1: predicted even" in capsys.readouterr().out
    assert not univariate_tester.invariant_intervals(broken)["proved"]


def test_interval_argument_covers_every_length():
    proof = univariate_tester.invariant_intervals()
    assert proof["proved"]
    assert proof["even_h"][1] < 0.5 < proof["odd_h"][0]


def test_random_long_strings():
    passed, margin = univariate_tester.check_random(300, 50, np.random.default_rng(0))
    assert passed and margin > 0.25


def test_tester_cli_quick(tmp_path):
    result = subprocess.run([sys.executable, "univariate_tester.py", "--quick", "--out", str(tmp_path)],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "SUCCESS" in result.stdout
    assert utils.load_json(tmp_path / "univariate.json")["passed"]
    assert utils.load_json(tmp_path / "summary.json")["univariate_margin"] > 0.25


# --- Q5-Q7: driver_parity.py ------------------------------------------------------

def test_parity_dataset_matches_the_skeleton():
    train = Parity("train", max_length=5)
    assert len(train) == 62
    assert len(Parity("test", max_length=6)) == 64
    x, y = train[5]  # the strings of length 2 start at index 2: 00, 01, 10, 11
    assert x.tolist() == [1.0, 1.0] and y.item() == 0


def test_pad_collate_shapes_and_lengths():
    batch = [(torch.tensor([1.0, 0.0, 1.0]), torch.tensor(0.0)), (torch.tensor([1.0]), torch.tensor(1.0)),
             (torch.tensor([]), torch.tensor(0.0))]
    x, y, lengths = pad_collate(batch)
    assert x.shape == (3, 3) and x.dtype == torch.float32
    assert x.tolist() == [[1, 0, 1], [1, 0, 0], [0, 0, 0]]
    assert y.tolist() == [0, 1, 0] and y.dtype == torch.long
    assert lengths.tolist() == [3, 1, 0]


def test_score_is_the_same_alone_and_in_a_padded_batch():
    torch.manual_seed(0)
    model = ParityLSTM(hidden_dim=5).eval()
    strings = [torch.tensor([1.0, 1.0]), torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]), torch.tensor([])]
    x, _, lengths = pad_collate([(s, s.sum() % 2) for s in strings])
    with torch.no_grad():
        batched = model(x, lengths)
        for row, string in enumerate(strings):
            alone = model(string[None], torch.tensor([len(string)]))
            assert torch.allclose(batched[row], alone[0], atol=1e-6)
    assert str(model) == "LSTM-5"


def test_empty_string_scores_as_the_initial_state():
    model = ParityLSTM(hidden_dim=3)
    scores = model(torch.zeros(1, 0), torch.tensor([0]))
    assert torch.equal(scores[0], model.classifier.bias)


def test_accuracy_by_length_agrees_with_scoring_every_string():
    torch.manual_seed(1)
    model = ParityLSTM(hidden_dim=3)
    by_length = accuracy_by_length(model, max_length=7, chunk=16)  # small chunk: exercise the depth-first split
    assert by_length == pytest.approx([accuracy(model, Parity("test", n)) for n in range(8)])


def test_training_repeats_with_the_same_seed_and_can_fit():
    def train():
        utils.seed_everything(3)
        model = ParityLSTM(hidden_dim=8)
        return driver_parity.train_on_parity(model, 2, {**driver_parity.DEFAULT_RECIPE, "epochs": 150,
                                                         "lr": 0.05}, log_every=0)
    first, second = train(), train()
    assert first["loss"] == second["loss"]
    assert first["fit"] and first["epochs_to_fit"] <= 150


def test_quick_runs_write_results_and_the_table(tmp_path, monkeypatch):
    out = tmp_path / "parity"
    for extra in ([], ["--sweep"]):
        monkeypatch.setattr(sys, "argv", ["driver_parity.py", "--quick", "--out", str(out), *extra])
        assert driver_parity.main() == 0
    summary = utils.load_json(out / "summary.json")
    assert len(summary["generalization"]["8"]) == 9  # lengths 0..8 in a quick run
    assert set(summary["sweep"]) == {"1", "4", "1-recipe"} and summary["sweep"]["1"]["seeds"] == 2
    for name in ("LSTM-8_parity_generalization.png", "LSTM-8_training.png", "parity_sweep.png", "parity_sweep.json"):
        assert (out / name).is_file()
    table = driver_parity.report_table(tmp_path)
    assert "| LSTM-8 |" in table and "| 1 | lr" in table


def test_bad_flag_is_a_one_line_error():
    result = subprocess.run([sys.executable, "driver_parity.py", "--lr", "-1", "--quick"],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("error: --lr") and result.stderr.count("\n") == 1
