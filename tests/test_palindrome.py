"""palindrome/: data, the two hand-written models against torch's cells, training."""
import ast
import subprocess
import sys

import pytest
import torch
from torch import nn

import utils
from palindrome import experiment, report, training
from palindrome.dataset import PalindromeDataset, generate_palindrome, generate_palindromes
from palindrome.lstm import LSTM
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
    rnn_names = {"W_hx", "W_hh", "b_h", "W_ph", "b_p"}
    assert {n for n, _ in VanillaRNN(5, 1, 4, 10).named_parameters()} == rnn_names
    lstm_names = {f"{kind}_{g}{s}" for g in "gifo"
                  for kind, s in (("W", "x"), ("W", "h"), ("b", ""))}
    assert {n for n, _ in LSTM(5, 1, 4, 10).named_parameters()} == lstm_names | {"W_ph", "b_p"}
    assert torch.all(LSTM(5, 1, 4, 10).b_f == 1)


@pytest.mark.parametrize("module", ["palindrome/vanilla_rnn.py", "palindrome/lstm.py"])
def test_no_high_level_recurrent_or_linear_modules(module):
    forbidden = {"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "Linear", "linear",
                 "Bilinear"}
    tree = ast.parse((utils.REPO_ROOT / module).read_text())
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not used & forbidden
    for model in (VanillaRNN(5, 1, 4, 10), LSTM(5, 1, 4, 10)):
        assert list(model.children()) == []  # nothing but our own parameters


def test_gradient_reaches_early_steps_of_lstm_not_rnn():
    norms = experiment.gradient_norms(seed=0, input_dim=10, num_hidden=32, length=60,
                                      batch_size=32)
    assert len(norms["RNN"]) == len(norms["LSTM"]) == 59
    assert norms["RNN"][0] < 1e-4 * norms["RNN"][-1]
    assert norms["LSTM"][0] > norms["RNN"][0] * 100


TINY = ["--device", "cpu", "--num_hidden", "8", "--eval_every", "10", "--eval_size", "200",
        "--check_size", "100"]


def tiny_config(**overrides):
    """A train.py namespace for a run of 30 steps at T = 4."""
    config = training.train_parser().parse_args([*TINY, "--input_length", "3",
                                                 "--train_steps", "30"])
    vars(config).update(overrides)
    return config


def quiet(_):
    pass


def test_same_seed_same_run():
    first, second = (training.train(tiny_config(), log=quiet) for _ in range(2))
    assert [h["loss"] for h in first["history"]] == [h["loss"] for h in second["history"]]
    assert first["held_out_accuracy"] == second["held_out_accuracy"]
    other = training.train(tiny_config(seed=1), log=quiet)
    assert [h["loss"] for h in other["history"]] != [h["loss"] for h in first["history"]]


def test_record_is_saved_after_every_evaluation_and_kept_on_ctrl_c():
    saved = []
    record = training.train(tiny_config(), log=quiet, save=lambda r: saved.append(dict(r)))
    assert [r["steps"] for r in saved] == [10, 20, 30, 30]
    assert [r["finished"] for r in saved] == [False, False, False, True]
    assert saved[0]["held_out_accuracy"] is None and saved[-1] == record

    def interrupt_at_step_20(line):
        if "step    20" in line:
            raise KeyboardInterrupt
    saved.clear()
    with pytest.raises(KeyboardInterrupt):
        training.train(tiny_config(), log=interrupt_at_step_20,
                       save=lambda r: saved.append(dict(r)))
    assert saved[-1]["steps"] == 20 and not saved[-1]["finished"]


def sweep(tmp_path, *flags):
    """experiment.py in-process with tiny settings; returns its stdout and stderr."""
    argv = [*TINY, "--models", "RNN", "LSTM", "--lengths", "3", "4", "--seeds", "1",
            "--rnn_train_steps", "30", "--lstm_train_steps", "30", "--out", str(tmp_path), *flags]
    return experiment.main(argv)


def test_sweep_figures_and_table(tmp_path, capsys):
    assert sweep(tmp_path) == 0
    runs = sorted((tmp_path / "runs").glob("*.json"))
    assert [p.name for p in runs] == ["LSTM_T3_seed0.json", "LSTM_T4_seed0.json",
                                      "RNN_T3_seed0.json", "RNN_T4_seed0.json"]
    record = utils.load_json(runs[0])
    assert record["script"] == "palindrome/experiment.py" and record["finished"]
    assert record["settings"]["lstm_train_steps"] == 30
    assert "rnn_train_steps" not in record["settings"]
    for name in ("accuracy_vs_length.png", "gradient_norms.png", "gradient_norms.json"):
        assert (tmp_path / name).stat().st_size > 0
    (tmp_path / "palindrome").mkdir()
    (tmp_path / "runs").rename(tmp_path / "palindrome" / "runs")
    table = report.report_table(tmp_path)
    assert "| RNN |" in table and "| LSTM |" in table and "T=4" in table
    assert "at most 30 steps" in table


def test_resume_keeps_finished_runs_and_retrains_damaged_or_changed_ones(tmp_path, capsys):
    sweep(tmp_path)
    capsys.readouterr()
    damaged = experiment.run_path(tmp_path, "RNN", 3, 0)
    damaged.write_text('{"settings": {"num_hid')
    unfinished = experiment.run_path(tmp_path, "LSTM", 4, 0)
    partial = utils.load_json(unfinished)
    utils.save_json({**partial, "finished": False}, unfinished)
    kept = experiment.run_path(tmp_path, "LSTM", 3, 0)
    before = kept.stat().st_mtime_ns
    sweep(tmp_path)
    out, err = capsys.readouterr()
    assert err.count("warning: cannot read") == 1 and str(damaged) in err
    assert out.count("have ") == 2 and kept.stat().st_mtime_ns == before
    assert utils.load_json(damaged)["finished"] and utils.load_json(unfinished)["finished"]
    sweep(tmp_path, "--learning_rate", "0.005")
    assert capsys.readouterr().out.count("have ") == 0


def test_quick_run_learns_t5(tmp_path):
    result = subprocess.run([sys.executable, "palindrome/train.py", "--quick", "--model_type",
                             "LSTM", "--device", "cpu", "--out", str(tmp_path)],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    record = utils.load_json(tmp_path / "train_LSTM_T5_seed0.json")
    assert record["palindrome_length"] == 5 and record["held_out_accuracy"] >= 0.99
    assert record["script"] == "palindrome/train.py" and record["settings"]["quick"]


def test_defaults_are_the_reported_runs():
    args = utils.parse_args(training.train_parser(), [])
    assert (args.model_type, args.input_length, args.input_dim) == ("RNN", 4, 1)
    assert (args.num_hidden, args.learning_rate, args.train_steps) == (128, 0.001, 10000)
    sweep_args = utils.parse_args(experiment.build_parser(), [])
    assert sweep_args.config == "sweep" and sweep_args.models == ["RNN", "LSTM"]
    assert sweep_args.lengths == [5, 10, 15, 20, 25, 30, 40] and sweep_args.input_dim == 10


@pytest.mark.parametrize("script, args", [
    ("palindrome/train.py", ["--check_size", "0"]),
    ("palindrome/train.py", ["--num_classes", "5"]),
    ("palindrome/train.py", ["--input_dim", "3"]),
    ("palindrome/train.py", ["--input_length", "0"]),
    ("palindrome/train.py", ["--quick", "--input_length", "-3"]),
    ("palindrome/train.py", ["--batch_size", "0"]),
    ("palindrome/train.py", ["--learning_rate", "nan"]),
    ("palindrome/train.py", ["--max_norm", "-1"]),
    ("palindrome/train.py", ["--train_steps", "99999999999"]),
    ("palindrome/train.py", ["--seed", "-1"]),
    ("palindrome/train.py", ["--check_size", "2000", "--eval_size", "1000"]),
    ("palindrome/experiment.py", ["--learning_rate", "0"]),
    ("palindrome/experiment.py", ["--models", "GRU"]),
    ("palindrome/experiment.py", ["--lengths", "5", "x"]),
    ("palindrome/experiment.py", ["--lengths", "1"]),
    ("palindrome/experiment.py", ["--seeds", "0"]),
    ("palindrome/experiment.py", ["--lstm_train_steps", "-5"]),
    ("palindrome/experiment.py", ["--config", "nope"]),
])
def test_bad_flags_are_refused_before_any_work(tmp_path, script, args):
    result = subprocess.run([sys.executable, script, *args, "--out", str(tmp_path / "out")],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("usage: ") and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].count("error: ") == 1
    assert not (tmp_path / "out").exists()


def test_unusable_output_folder_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    result = subprocess.run([sys.executable, "palindrome/train.py", "--quick", "--out",
                             str(tmp_path / "file")], cwd=utils.REPO_ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
