"""palindrome/: data, the two hand-written models against torch's cells, training."""
import argparse
import ast
import subprocess
import sys

import pytest
import torch
from torch import nn

import utils
from palindrome import experiment
from palindrome.dataset import PalindromeDataset, generate_palindrome, generate_palindromes
from palindrome.lstm import LSTM
from palindrome.train import add_training_args, train
from palindrome.vanilla_rnn import VanillaRNN


@pytest.mark.parametrize("length", [2, 3, 5, 10, 11])
def test_generate_palindrome_reads_the_same_backwards(length):
    generator = torch.Generator().manual_seed(length)
    palindrome = generate_palindrome(length, generator)
    assert palindrome.shape == (length,)
    assert torch.equal(palindrome, palindrome.flip(0))
    batch = generate_palindromes(100, length, generator)
    assert torch.equal(batch, batch.flip(1)) and batch.min() >= 0 and batch.max() <= 9


def test_dataset_items_batches_and_held_out_set():
    dataset = PalindromeDataset(7, seed=1)
    digits, label = dataset[0]
    assert digits.shape == (6,) and label == int(digits[0])
    inputs, labels = dataset.batch(64)
    assert inputs.shape == (64, 6) and torch.equal(labels, inputs[:, 0].long())
    assert torch.equal(dataset.held_out(50)[0], PalindromeDataset(7, seed=2).held_out(50)[0])
    assert not torch.equal(dataset.batch(64)[0], inputs)  # endless: fresh draws


def test_vanilla_rnn_matches_torch_rnn_cell():
    torch.manual_seed(0)
    model, cell = VanillaRNN(6, 3, 8, 10), nn.RNNCell(3, 8)
    with torch.no_grad():
        cell.weight_ih.copy_(model.W_hx), cell.weight_hh.copy_(model.W_hh)
        cell.bias_ih.copy_(model.b_h), cell.bias_hh.zero_()
    x = torch.randn(4, 6, 3)
    h = torch.zeros(4, 8)
    for t in range(6):
        h = cell(x[:, t], h)
    torch.testing.assert_close(model(x), h @ model.W_ph.T + model.b_p)


def test_lstm_matches_torch_lstm_cell():
    torch.manual_seed(0)
    model, cell = LSTM(6, 3, 8, 10), nn.LSTMCell(3, 8)
    torch_order = ("i", "f", "g", "o")  # torch stacks its gates in this order
    with torch.no_grad():
        cell.weight_ih.copy_(torch.cat([getattr(model, f"W_{g}x") for g in torch_order]))
        cell.weight_hh.copy_(torch.cat([getattr(model, f"W_{g}h") for g in torch_order]))
        cell.bias_ih.copy_(torch.cat([getattr(model, f"b_{g}") for g in torch_order]))
        cell.bias_hh.zero_()
    x = torch.randn(4, 6, 3)
    h = c = torch.zeros(4, 8)
    for t in range(6):
        h, c = cell(x[:, t], (h, c))
    torch.testing.assert_close(model(x), h @ model.W_ph.T + model.b_p)


def test_parameters_are_named_as_the_equations():
    assert {n for n, _ in VanillaRNN(5, 1, 4, 10).named_parameters()} == {"W_hx", "W_hh", "b_h", "W_ph", "b_p"}
    lstm_names = {f"{kind}_{g}{s}" for g in "gifo" for kind, s in (("W", "x"), ("W", "h"), ("b", ""))}
    assert {n for n, _ in LSTM(5, 1, 4, 10).named_parameters()} == lstm_names | {"W_ph", "b_p"}
    assert torch.all(LSTM(5, 1, 4, 10).b_f == 1)


@pytest.mark.parametrize("module", ["palindrome/vanilla_rnn.py", "palindrome/lstm.py"])
def test_no_high_level_recurrent_or_linear_modules(module):
    forbidden = {"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "Linear", "linear", "Bilinear"}
    tree = ast.parse((utils.REPO_ROOT / module).read_text())
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not used & forbidden
    for model in (VanillaRNN(5, 1, 4, 10), LSTM(5, 1, 4, 10)):
        assert list(model.children()) == []  # nothing but our own parameters


def test_gradient_reaches_early_steps_of_lstm_not_rnn():
    config = argparse.Namespace(seed=0, one_hot=True, num_hidden=32, num_classes=10)
    norms = experiment.gradient_norms(config, length=60, batch_size=32)
    assert len(norms["RNN"]) == len(norms["LSTM"]) == 59
    assert norms["RNN"][0] < 1e-4 * norms["RNN"][-1]
    assert norms["LSTM"][0] > norms["RNN"][0] * 100


def tiny_config(tmp_path, **overrides):
    parser = utils.add_common_args(add_training_args(argparse.ArgumentParser()), "palindrome")
    config = parser.parse_args(["--out", str(tmp_path), "--device", "cpu", "--input_length", "3",
                                "--num_hidden", "8", "--train_steps", "30", "--eval_every", "10",
                                "--eval_size", "200", "--check_size", "100"])
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


def test_same_seed_same_run(tmp_path):
    first, second = (train(tiny_config(tmp_path), log=lambda _: None) for _ in range(2))
    assert [h["loss"] for h in first["history"]] == [h["loss"] for h in second["history"]]
    assert first["held_out_accuracy"] == second["held_out_accuracy"]
    other = train(tiny_config(tmp_path, seed=1), log=lambda _: None)
    assert [h["loss"] for h in other["history"]] != [h["loss"] for h in first["history"]]


def test_sweep_summary_plots_and_table(tmp_path):
    config = tiny_config(tmp_path, one_hot=True)
    experiment.run_sweep(config, ["RNN", "LSTM"], [3, 4], range(2), tmp_path)
    summary = experiment.summarize(tmp_path)
    assert set(summary["RNN"]) == set(summary["LSTM"]) == {"3", "4"}
    assert all(len(accs) == 2 and all(0 <= a <= 1 for a in accs) for accs in summary["LSTM"].values())
    experiment.plot_accuracy(summary, tmp_path)
    assert (tmp_path / "accuracy_vs_length.png").is_file()
    (tmp_path / "palindrome").mkdir()
    (tmp_path / "palindrome" / "summary.json").write_text((tmp_path / "summary.json").read_text())
    assert "| LSTM |" in experiment.report_table(tmp_path)


def test_quick_run_learns_t5(tmp_path):
    result = subprocess.run([sys.executable, "palindrome/train.py", "--quick", "--model_type", "LSTM",
                             "--device", "cpu", "--out", str(tmp_path)],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    record = utils.load_json(tmp_path / "train_LSTM_T5_seed0.json")
    assert record["palindrome_length"] == 5 and record["held_out_accuracy"] >= 0.99


@pytest.mark.parametrize("script, args", [("palindrome/train.py", ["--input_length", "0"]),
                                          ("palindrome/train.py", ["--quick", "--input_length", "-3"]),
                                          ("palindrome/train.py", ["--batch_size", "0"]),
                                          ("palindrome/experiment.py", ["--learning_rate", "0"]),
                                          ("palindrome/experiment.py", ["--models", "GRU"]),
                                          ("palindrome/experiment.py", ["--lengths", "5,x"])])
def test_bad_flags_are_one_line_errors(tmp_path, script, args):
    result = subprocess.run([sys.executable, script, *args, "--out", str(tmp_path)],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_converged_runs_are_kept_when_only_the_step_cap_grows(tmp_path):
    config = tiny_config(tmp_path, one_hot=True, train_steps=200, learning_rate=0.01)
    experiment.run_sweep(config, ["LSTM"], [3], range(1), tmp_path)
    path = experiment.run_path(tmp_path, "LSTM", 3, 0)
    first = utils.load_json(path)
    assert first["steps"] < 200, "the tiny run should converge well before its cap"
    longer = tiny_config(tmp_path, one_hot=True, train_steps=400, learning_rate=0.01)
    fresh = train(tiny_config(tmp_path, **{**first["settings"], "train_steps": 400}), log=lambda _: None)
    assert [{k: v for k, v in h.items() if k != "examples_per_s"} for h in fresh["history"]] == \
        [{k: v for k, v in h.items() if k != "examples_per_s"} for h in first["history"]]
    assert fresh["held_out_accuracy"] == first["held_out_accuracy"]
    experiment.run_sweep(longer, ["LSTM"], [3], range(1), tmp_path)
    kept = utils.load_json(path)
    assert kept["seconds"] == first["seconds"] and kept["settings"]["train_steps"] == 400
    assert not experiment.same_run(kept, {**kept["settings"], "num_hidden": 9})
