"""names_rnn: folding, the stratified split, batches, packing invariance, configs and
checked flags, quick runs (which split each one reads), predict.py on their checkpoints,
the report, and one-line errors. Uses tiny <Language>.txt files in tmp_path."""
import subprocess
import sys
from collections import Counter

import pytest
import torch
from torch.nn.utils.rnn import pad_packed_sequence

import store
import utils
from names_rnn import baselines, configs, data, predict, report, scoring, train
from names_rnn.naive_bayes import NaiveBayes, ngrams
from names_rnn.model import NameClassifier, NameEnsemble, build_model, pack_names
from reproduce.parts import NAMES_RNN

LANGUAGES = {"Russian": 40, "English": 20, "French": 10, "Czech": 5}


@pytest.fixture
def data_dir(tmp_path):
    """A names/ folder like the tutorial's: one UTF-8 file per language, with
    accents, a repeated line, and a name that two languages carry."""
    folder = tmp_path / "data" / "names"
    folder.mkdir(parents=True)
    for language, count in LANGUAGES.items():
        lines = [f"{language[:3]}{'ab' * (i % 5)}ov{i}" for i in range(count)]
        if language == "French":
            lines[:3] = ["Béringer", "Lefévre", "Béringer"]  # one pair repeats
        if language in ("English", "Czech"):
            lines[1] = "Novak"  # two languages, Czech the smaller
        if language == "Czech":
            lines[0] = "Šimon"
        (folder / f"{language}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path / "data"


def test_unicode_folding():
    assert data.unicode_to_ascii("Béringer") == "Beringer"
    assert data.unicode_to_ascii("Šimon") == "Simon"
    assert data.unicode_to_ascii("Nguyễn") == "Nguyen"
    assert data.unicode_to_ascii("Ślusarski") == "Slusarski"
    encoded = data.encode_name("Groß-Müller")
    assert data.ALPHABET[encoded[0]] == "G"
    assert encoded[3] == data.UNKNOWN and encoded[4] == data.UNKNOWN
    assert "".join(data.ALPHABET[i] for i in data.encode_name("O'Néal")) == "O'Neal"


def test_no_name_lies_in_two_sets_and_each_language_keeps_its_share(data_dir):
    names = data.NamesData(data_dir, val_fraction=0.25)
    assert names.categories == sorted(LANGUAGES)
    sets = [{name for name, _ in part} for part in (names.train, names.val, names.test)]
    assert sum(map(len, sets)) == len(set.union(*sets))  # disjoint
    lines = data.read_names(data_dir / "names")[1]
    assert set.union(*sets) == {name for name, _ in lines}
    czech, english = names.categories.index("Czech"), names.categories.index("English")
    novak = [labels for part in (names.train, names.val, names.test)
             for name, labels in part if name == "Novak"]
    assert novak == [(czech, english)]  # once, the smaller language first
    groups = data.name_groups(lines)
    for label in range(len(names.categories)):
        n = sum(labels[0] == label for labels in groups.values())
        n_test = sum(labels[0] == label for _, labels in names.test)
        n_val = sum(labels[0] == label for _, labels in names.val)
        assert n_test == min(n - 1, max(1, round(0.2 * n)))
        assert n_val == min(n - n_test - 1, max(1, round(0.25 * (n - n_test))))
    pairs = names.training_pairs()
    assert len(pairs) == len(set(pairs)) and len(pairs) >= len(names.train)


def test_validation_comes_out_of_train_and_the_split_seed_moves_test(data_dir):
    plain, held = data.NamesData(data_dir), data.NamesData(data_dir, val_fraction=0.25)
    assert held.test == plain.test and plain.val == []
    assert sorted(held.train + held.val) == sorted(plain.train)
    again, other = data.NamesData(data_dir, split_seed=0), data.NamesData(data_dir, split_seed=4)
    assert again.test == plain.test and other.test != plain.test
    assert plain.majority_baseline == plain.baseline(plain.test)


def test_the_line_split_keeps_repeats_and_scores_one_language(data_dir):
    lines = data.NamesData(data_dir, split="lines")
    assert lines.n_lines == len(lines.train) + len(lines.test) == sum(LANGUAGES.values())
    assert all(len(labels) == 1 for _, labels in lines.train + lines.test)
    test_counts = Counter(labels[0] for _, labels in lines.test)
    for label, language in enumerate(lines.categories):
        assert test_counts[label] == round(0.2 * LANGUAGES[language])
    with pytest.raises(utils.UserError, match="unknown split"):
        data.NamesData(data_dir, split="words")


def test_a_name_is_right_when_any_of_its_languages_is_predicted():
    accepted = scoring.accepted_labels([(0,), (1, 2), (2,), (1, 2)], 3)
    confusion = scoring.confusion_counts(torch.tensor([0, 1, 2, 1]), torch.tensor([0, 2, 1, 0]),
                                         accepted)
    assert confusion.tolist() == [[1, 0, 0], [1, 1, 0], [0, 1, 0]]
    assert scoring.accuracy(confusion) == 0.5
    assert scoring.mean_recall(confusion) == pytest.approx((1 + 0.5 + 0) / 3)


@pytest.mark.parametrize("batch_size,bucket", [(1, False), (7, False), (7, True)])
def test_batches_yield_every_name_once_per_epoch(data_dir, batch_size, bucket):
    pairs = data.NamesData(data_dir).training_pairs()
    batches = data.NameBatches(pairs, batch_size, shuffle=True, seed=0, bucket=bucket)
    epochs = []
    for _ in range(2):
        seen, lengths = [], []
        for packed, labels in batches:
            padded, sizes = pad_packed_sequence(packed, batch_first=True)
            seen += [(row[:size].tolist(), int(label))
                     for row, size, label in zip(padded, sizes, labels)]
            lengths.append(set(sizes.tolist()))
        assert sorted(seen) == sorted((data.encode_name(n).tolist(), label) for n, label in pairs)
        epochs.append(seen)
        if bucket:  # one length per batch, but for those that take the leftovers
            n_lengths = len({len(letters) for letters, _ in seen})
            assert sum(len(sizes) > 1 for sizes in lengths) < n_lengths
    assert epochs[0] != epochs[1]  # reshuffled each pass
    assert len(list(batches)) == len(batches) == -(-len(pairs) // batch_size)


@pytest.mark.parametrize("cell,layers,embedding,bidirectional",
                         [("lstm", 1, 0, False), ("lstm", 2, 0, False), ("gru", 2, 8, False),
                          ("gru", 1, 8, True), ("lstm", 2, 0, True)])
def test_logits_same_alone_and_in_a_packed_batch(cell, layers, embedding, bidirectional):
    torch.manual_seed(0)
    model = NameClassifier(data.N_LETTERS, 5, cell, hidden=16, layers=layers,
                           embedding=embedding, bidirectional=bidirectional).eval()
    # longer and shorter neighbours
    names = ["Li", "Abramovich", "Smith", "Ng", "Vasquez-Herrera", "O"]
    encoded = [data.encode_name(n) for n in names]
    with torch.no_grad():
        together = model(pack_names(encoded))
        alone = torch.cat([model(pack_names([e])) for e in encoded])
    assert together.shape == (len(names), 5)
    torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-6)


def test_letter_dropout_acts_only_while_training():
    torch.manual_seed(0)
    model = NameClassifier(data.N_LETTERS, 5, "gru", hidden=8, embedding=4, letter_dropout=0.5)
    names = pack_names([data.encode_name(n) for n in ["Abramovich", "Smith"]])
    seen = []
    model.encoder.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    model.eval()(names)
    assert torch.equal(seen[-1], names.data)
    model.train()(names)
    changed = seen[-1] != names.data
    assert changed.any() and (seen[-1][changed] == data.UNKNOWN).all()


def test_ensemble_averages_its_members_probabilities():
    torch.manual_seed(0)
    config = {"n_letters": data.N_LETTERS, "n_classes": 5, "cell": "lstm", "hidden": 8,
              "members": 3}
    ensemble = build_model(config).eval()
    assert isinstance(ensemble, NameEnsemble)
    assert isinstance(build_model({**config, "members": 1}), NameClassifier)
    names = pack_names([data.encode_name(n) for n in ["Li", "Abramovich", "Smith"]])
    with torch.no_grad():
        mean = torch.stack([member(names).softmax(1) for member in ensemble.members]).mean(0)
        torch.testing.assert_close(ensemble(names).exp(), mean)


def quick_run(data_dir, out, *extra):
    return train.main(["--quick", "--data-dir", str(data_dir), "--out", str(out), *extra])


def one_line_error(result, status):
    """Exit `status` with one error line, last (after argparse's usage, if any)."""
    lines = result.stderr.splitlines()
    return result.returncode == status and "Traceback" not in result.stderr \
        and bool(lines) and "error:" in lines[-1] and sum("error:" in line for line in lines) == 1


def script(*argv):
    return subprocess.run([sys.executable, *argv], cwd=utils.REPO_ROOT, capture_output=True,
                          text=True)


def test_default_config_is_the_final_model_and_runs_cover_every_config():
    args = utils.parse_args(train.build_parser(), [])
    assert args.config == configs.FINAL == "final"
    assert {key: getattr(args, key) for key in configs.CONFIGS["final"]} == configs.CONFIGS["final"]
    assert args.ensemble == 5 and args.letter_dropout == 0 and args.validation == 0
    default = utils.parse_args(predict.build_parser(), ["Li"])
    assert predict.checkpoint_and_command(default) == (
        utils.REPO_ROOT / "checkpoints" / "names_rnn" / "final-seed0.pt",
        "python names_rnn/train.py")
    part = NAMES_RNN
    declared = {run.name: run for run in part.runs}
    assert declared["final-seed0"].argv == ("names_rnn/train.py", "--seed", "0",
                                            "--out", "results/names_rnn")
    assert declared["baselines"].argv == ("names_rnn/baselines.py", "--out", "results/names_rnn")
    for run in part.runs:
        if run.kind == "report":
            assert set(run.after) == set(declared) - {run.name}
            continue
        if run.name == "baselines":
            continue
        run_args = utils.parse_args(train.build_parser(), list(run.argv[1:]))
        assert run.name == f"{run_args.config}-seed{run_args.seed}"
        assert (run.kind == "tuning") == bool(run_args.validation)
    assert {utils.parse_args(train.build_parser(), list(r.argv[1:])).config
            for r in part.runs if r.argv[0] == "names_rnn/train.py"} == set(configs.CONFIGS)


@pytest.mark.parametrize("flags", [["--lr", "-1"], ["--dropout", "2"], ["--embedding", "-3"],
                                   ["--clip", "-1"], ["--lr", "nan"], ["--hidden", "0"],
                                   ["--letter-dropout", "1"], ["--ensemble", "0"],
                                   ["--validation", "-0.1"], ["--seed", "-1"], ["--tag", "a/b"],
                                   ["--nb-weight", "-1"],
                                   ["--nb-max-n", "0"], ["--nb-alpha", "0"]])
def test_bad_flags_are_refused_before_any_work(flags, capsys):
    with pytest.raises(SystemExit) as exit_info:
        utils.parse_args(train.build_parser(), flags)
    assert exit_info.value.code == 2
    assert ": error: argument --" in capsys.readouterr().err.splitlines()[-1]


def test_a_final_run_scores_test_once_and_keeps_its_last_epoch(data_dir, tmp_path, monkeypatch):
    events = []
    real_train, real_evaluate = train.train_epoch, train.evaluate
    monkeypatch.setattr(train, "train_epoch",
                        lambda *a, **k: events.append("train") or real_train(*a, **k))
    monkeypatch.setattr(train, "evaluate",
                        lambda *a, **k: events.append("evaluate") or real_evaluate(*a, **k))
    assert quick_run(data_dir, tmp_path, "--config", "task1-lstm-1x100", "--epochs", "3",
                     "--tag", "final") == 0
    assert events == ["train", "train", "evaluate"]  # --quick caps the epochs at 2
    record = store.load_json(tmp_path / "runs" / "final.json")
    assert record["checkpoint_epoch"] == record["epochs_done"] == 2
    assert set(record["history"]) == {"train_loss"} and "final_test_acc" in record
    assert torch.load(tmp_path / "final.pt", weights_only=True)["epoch"] == 2


def test_a_validation_run_never_reads_the_test_split(data_dir, tmp_path, monkeypatch):
    class NoTest(data.NamesData):
        def __getattribute__(self, name):
            if name == "test" and getattr(self, "ready", False):
                raise AssertionError("a validation run read the test split")
            return super().__getattribute__(name)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.ready = True

        def __repr__(self):
            return "NoTest"

    monkeypatch.setattr(train, "NamesData", NoTest)
    assert quick_run(data_dir, tmp_path, "--config", "val-gru-1x200-ens5", "--ensemble", "2",
                     "--validation", "0.25", "--batch-size", "4", "--tag", "quick") == 0
    record = store.load_json(tmp_path / "runs" / "quick.json")
    assert set(record["history"]) == {"train_loss", "val_loss", "val_acc"}
    assert "final_test_acc" not in record and "n_test" not in record
    assert record["best_val_acc"] == max(record["history"]["val_acc"])
    best = record["history"]["val_acc"].index(record["best_val_acc"]) + 1
    assert record["checkpoint_epoch"] == best
    assert record["n_val"] == sum(map(sum, record["confusion"]))
    model, categories, mix = predict.load_checkpoint(tmp_path / "quick.pt")
    assert isinstance(model, NameEnsemble) and len(model.members) == 2 and mix is None
    assert len(predict.top_languages(model, categories, ["Smith"])[0]) == 3
    grid = configs.MIX_GRID
    assert len(record["naive_bayes_mixes"]) == len(grid["max_n"]) * len(grid["alpha"]) * len(
        grid["weight"])
    assert all(0 <= row["val_acc"] <= 1 for row in record["naive_bayes_mixes"])


def test_quick_run_repeats_and_predict_reads_its_checkpoint(data_dir, tmp_path, capsys):
    for out in ("a", "b"):
        assert quick_run(data_dir, tmp_path / out, "--config", "task2b-bs10") == 0
    first = store.load_json(tmp_path / "a" / "runs" / "task2b-bs10-seed0.json")
    again = store.load_json(tmp_path / "b" / "runs" / "task2b-bs10-seed0.json")
    assert first["history"] == again["history"] and len(first["history"]["test_acc"]) == 2
    assert first["epochs_done"] == 2 and sum(map(sum, first["confusion"])) == first["n_test"]
    assert first["settings"]["config"] == "task2b-bs10" and first["script"] == "names_rnn/train.py"
    assert first["environment"] == utils.environment()
    assert (tmp_path / "a" / "runs" / "task2b-bs10-seed0.png").is_file()

    ckpt = tmp_path / "a" / "task2b-bs10-seed0.pt"
    model, categories, _ = predict.load_checkpoint(ckpt)
    guesses = predict.top_languages(model, categories, ["Rusabov3", "Béringer"])
    assert [len(g) for g in guesses] == [3, 3]
    assert all(1 >= g[0][1] >= g[1][1] >= g[2][1] > 0 and g[0][0] in categories for g in guesses)
    assert predict.top_languages(model, categories, ["  Smith \t"]) == \
        predict.top_languages(model, categories, ["Smith"])
    capsys.readouterr()
    assert predict.main(["--checkpoint", str(ckpt), " Smith "]) == 0
    assert capsys.readouterr().out.startswith("Smith: ")
    with pytest.raises(utils.UserError, match="blank"):
        predict.top_languages(model, categories, ["   "])
    blank = script("names_rnn/predict.py", "--checkpoint", str(ckpt), "Smith", "  ")
    assert one_line_error(blank, 2) and "blank" in blank.stderr


def test_predict_quick_reads_the_quick_runs_checkpoint(data_dir, tmp_path, capsys):
    out = tmp_path / "quick"
    missing = script("names_rnn/predict.py", "--quick", "--out", str(out), "--seed", "1", "Li")
    assert one_line_error(missing, 1)
    assert missing.stderr.rstrip().endswith(
        f"make it with: python names_rnn/train.py --seed 1 --quick --out {out}")
    assert quick_run(data_dir, out, "--seed", "1") == 0
    assert (out / "final-seed1.pt").is_file()
    capsys.readouterr()
    assert predict.main(["--quick", "--out", str(out), "--seed", "1", "Dostoevsky"]) == 0
    assert capsys.readouterr().out.startswith("Dostoevsky: ")
    assert predict.main(["--quick", "--out", str(out), "--seed", "1", "Li", "12"]) == 0
    printed = capsys.readouterr()
    assert printed.err == "warning: 12: 1 2 not in the alphabet (a-z, A-Z, space and .,;'), " \
        "each read as the unknown character ?; scored as '??'\n"
    assert printed.out.startswith("Li: ") and "\n12: " in printed.out
    full = script("names_rnn/predict.py", "--config", "task2b-bs1", "--seed", "2", "Li",
                  "--checkpoint", str(tmp_path / "task2b-bs1-seed2.pt"))
    assert one_line_error(full, 1)
    assert "make it with: python names_rnn/train.py --config task2b-bs1 --seed 2" in full.stderr


@pytest.mark.parametrize("name, warning", [
    ("Smith", None), ("O'Neil", None),
    ("Müller", "warning: Müller: accents folded (ü -> u); scored as 'Muller'"),
    ("李", "warning: 李: 李 not in the alphabet"),
    ("12345", "warning: 12345: 1 2 3 4 5 not in the alphabet"),
    ("Groß-Éva", "warning: Groß-Éva: accents folded (É -> E); ß - not in the alphabet")])
def test_predict_warns_when_letters_fall_outside_the_alphabet(name, warning):
    line = predict.alphabet_warning(name)
    assert line == warning if warning is None or warning.endswith("'") else \
        line.startswith(warning) and "\n" not in line
    if line and "not in the alphabet" in line:
        assert line.endswith(f"scored as {name.replace('É', 'E')!r}".translate(
            {ord(c): "?" for c in "李12345ß-"}))


def test_a_changed_setting_gets_its_own_tag(data_dir, tmp_path):
    assert quick_run(data_dir, tmp_path, "--config", "task1-lstm-1x100", "--lr", "0.01") == 0
    assert (tmp_path / "runs" / "task1-lstm-1x100-custom-seed0.json").is_file()
    assert train.run_tag(utils.parse_args(train.build_parser(), ["--seed", "3"])) == "final-seed3"


def test_baselines_on_a_toy_example():
    pairs = [("Ivanov", 0), ("Petrov", 0), ("Smirnov", 0), ("Smith", 1), ("Smithson", 1),
             ("Smith", 0), ("Smith", 1)]
    model = NaiveBayes.fit(pairs, 3, 3, 0.1)
    assert model.predict(["Sidorov", "Smithers"]).tolist() == [0, 1]
    assert ngrams("Ab", 2) == ["^", "a", "b", "$", "^a", "ab", "b$"]
    log_probs = model.log_probs(["Sidorov", "Smithers", "Qq"])
    torch.testing.assert_close(log_probs.exp().sum(1), torch.ones(3))
    assert log_probs.argmax(1).tolist()[:2] == [0, 1]
    ith = model.vocabulary["ith"]  # in three names of language 1, one of language 0
    rebuilt = NaiveBayes(**model.state())
    assert torch.equal(rebuilt.scores(["Smith"]), model.scores(["Smith"]))
    assert model.log_likelihood[1, ith] > model.log_likelihood[0, ith]
    lookup = baselines.lookup_table(pairs, 2)
    assert lookup(["Smith", "Petrov", "Jones"]).tolist() == [1, 0, 2]
    scored = baselines.score(torch.tensor([1, 0]), [("Smith", (0, 1)), ("Jones", (1,))], 3)
    assert scored["acc"] == 0.5 and scored["confusion"].tolist()[0][0] == 1


def test_quick_baselines_write_their_scores(data_dir, tmp_path, capsys):
    assert baselines.main(["--quick", "--data-dir", str(data_dir), "--out", str(tmp_path),
                           "--max-n", "1", "2", "--alpha", "0.1", "1"]) == 0
    record = store.load_json(tmp_path / "baselines.json")
    assert len(record["naive_bayes"]["settings"]) == 4
    chosen = record["naive_bayes"]["chosen"]
    assert chosen["val_acc"] == max(s["val_acc"] for s in record["naive_bayes"]["settings"])
    assert record["lookup"]["test"]["names_seen_in_training"] == 0  # the split by names
    assert record["lookup"]["test"]["acc"] == record["majority"]["test"]["acc"]
    assert sum(map(sum, record["naive_bayes"]["test"]["confusion"])) == record["n_test"]
    assert "naive_bayes: test accuracy" in capsys.readouterr().out


def test_report_summarizes_the_configs_runs(data_dir, tmp_path):
    empty = script("names_rnn/report.py", "--quick", "--out", str(tmp_path))
    assert one_line_error(empty, 1)
    assert empty.stderr.rstrip().endswith(
        f"make one with: python names_rnn/train.py --quick --out {tmp_path}")
    for flags in (["--config", "task1-lstm-1x100"], ["--config", "task1-lstm-1x100", "--seed", "1"],
                  ["--config", "task2b-bs1"], ["--config", "task2b-bs30"],
                  ["--config", "val-gru-1x200", "--seed", "0"], ["--config", "val-gru-1x200-ld01"],
                  [], ["--lr", "0.01"], ["--config", "final-lines"]):
        assert quick_run(data_dir, tmp_path, *flags) == 0
    assert baselines.main(["--quick", "--data-dir", str(data_dir), "--out", str(tmp_path)]) == 0
    assert report.main(["--quick", "--data-dir", str(data_dir), "--out", str(tmp_path)]) == 0
    summary = store.load_json(tmp_path / "names_summary.json")
    assert "final-custom-seed0" not in report.load_runs(tmp_path)
    assert summary["data"]["lines"] == sum(LANGUAGES.values())
    assert summary["data"]["distinct_pairs"] == summary["data"]["lines"] - 1
    assert summary["data"]["names_in_several_languages"] == 1
    assert summary["data"]["names_split"]["test_names_in_train"] == 0
    assert list(summary["task1"]) == ["task1-lstm-1x100"]
    assert summary["task1"]["task1-lstm-1x100"]["seeds"] == [0, 1]
    assert list(summary["task2b"]) == ["1", "30"] and len(summary["task2b"]["30"]["test_acc"]) == 2
    tuning = summary["tuning"]
    assert {config for config, d in tuning.items() if "model" in d} == {"val-gru-1x200",
                                                                         "val-gru-1x200-ld01"}
    grid = configs.MIX_GRID
    n_mixes = len(grid["max_n"]) * len(grid["alpha"]) * len(grid["weight"])
    assert len(tuning) == 2 * (1 + n_mixes)  # each tuning run scores every mix
    mix = tuning[f"val-gru-1x200 + {report.mix_label(5, 0.1, 0.2)}"]
    assert (mix["nb_max_n"], mix["nb_alpha"], mix["nb_weight"]) == (5, 0.1, 0.2)
    best = max(sum(d["acc"]) for d in tuning.values())
    assert sum(tuning[summary["chosen"]]["acc"]) == pytest.approx(best)
    assert summary["final"]["model"] == "gru-1x32-ens5" and summary["final"]["split"] == "test"
    assert summary["lines"]["n_test"] == sum(round(0.2 * n) for n in LANGUAGES.values())
    table = report.format_table(summary)
    assert "| Task 1: lstm-1x32 | – |" in table
    # each seed's accuracy links the curves train.py drew beside the run's JSON
    assert "| val-gru-1x200-ld01 | [0." in table
    assert "](results/names_rnn/runs/val-gru-1x200-ld01-seed0.png) | 0." in table
    assert "](results/names_rnn/runs/task1-lstm-1x100-seed1.png) | 0." in table
    validation_table = table.split("**Validation split**")[1]
    assert validation_table.count("NB 1–") == 2  # the best mix of each network
    assert table.count("**chosen**") == 1
    assert "| **final**: gru-1x32-ens5 + NB 1–5-grams α 0.03 w 0.1 |" in table
    assert "| majority class (" in table and "| naive Bayes, 1–" in table
    assert (tmp_path / "confusion_final.png").is_file()


def test_errors_are_one_line(tmp_path, data_dir):
    (data_dir / "names" / "Greek.txt").write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(utils.DataError, match="Greek.txt is not UTF-8"):
        data.NamesData(data_dir)
    bad = tmp_path / "bad.pt"
    bad.write_text("not a checkpoint")
    result = script("names_rnn/predict.py", "--checkpoint", str(bad), "Smith")
    assert one_line_error(result, 1) and result.stderr.startswith("error:")
    missing = script("names_rnn/predict.py", "--checkpoint", str(tmp_path / "none.pt"), "Smith")
    assert one_line_error(missing, 1) and "no checkpoint at" in missing.stderr


def test_bad_names_folders_are_one_line(tmp_path, data_dir):
    (data_dir / "names" / "Greek.txt").mkdir()
    with pytest.raises(utils.DataError, match="Greek.txt is not a file"):
        data.NamesData(data_dir)
    result = script("names_rnn/train.py", "--quick", "--data-dir", str(data_dir),
                    "--out", str(tmp_path / "out"))
    assert one_line_error(result, 1) and "is not a file" in result.stderr

    empty = tmp_path / "empty"
    (empty / "names").mkdir(parents=True)
    for language in LANGUAGES:
        (empty / "names" / f"{language}.txt").write_text("\n  \n")
    with pytest.raises(utils.DataError, match="hold no names"):
        data.NamesData(empty)
    result = script("names_rnn/train.py", "--quick", "--data-dir", str(empty),
                    "--out", str(tmp_path / "out"))
    assert one_line_error(result, 1) and "hold no names" in result.stderr


def test_a_naive_bayes_mix_is_scored_kept_and_read_by_predict(data_dir, tmp_path, capsys):
    assert quick_run(data_dir, tmp_path, "--config", "task1-gru-1x200", "--nb-weight", "0.5",
                     "--nb-max-n", "3", "--nb-alpha", "0.2", "--tag", "mixed") == 0
    assert quick_run(data_dir, tmp_path, "--config", "task1-gru-1x200", "--tag", "alone") == 0
    mixed, alone = (store.load_json(tmp_path / "runs" / f"{tag}.json")
                    for tag in ("mixed", "alone"))
    assert mixed["history"]["train_loss"] == alone["history"]["train_loss"]  # same network
    model, categories, mix = predict.load_checkpoint(tmp_path / "mixed.pt")
    naive_bayes, weight = mix
    assert weight == 0.5 and naive_bayes.max_n == 3
    names = ["Rusabov3", "Béringer"]
    with torch.no_grad():
        network = model(pack_names([data.encode_name(n) for n in names])).log_softmax(1)
    expected = (network + 0.5 * naive_bayes.log_probs(["Rusabov3", "Beringer"])).softmax(1)
    guesses = predict.top_languages(model, categories, names, mix=mix)
    assert [p for _, p in guesses[1]] == pytest.approx(expected[1].topk(3).values.tolist())
    capsys.readouterr()
    assert predict.main(["--checkpoint", str(tmp_path / "mixed.pt"), "Smith"]) == 0
    assert capsys.readouterr().out.startswith("Smith: ")
