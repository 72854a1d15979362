"""names_rnn: folding, the stratified split, batches, packing invariance, a quick
run and predict.py on its checkpoint. Uses tiny <Language>.txt files in tmp_path."""
import subprocess
import sys
from collections import Counter

import pytest
import torch

import run_all
import utils
from names_rnn import data, predict, report, train
from names_rnn.model import NameClassifier, NameEnsemble, build_model, pack_names

LANGUAGES = {"Russian": 40, "English": 20, "French": 10, "Czech": 5}


@pytest.fixture
def data_dir(tmp_path):
    """A names/ folder like the tutorial's: one UTF-8 file per language, with
    accents and a repeated line."""
    folder = tmp_path / "data" / "names"
    folder.mkdir(parents=True)
    for language, count in LANGUAGES.items():
        lines = [f"{language[:3]}{'ab' * (i % 5)}ov{i}" for i in range(count)]
        if language == "French":
            lines[:3] = ["Béringer", "Lefévre", "Béringer"]  # one pair repeats
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
    assert data.ALPHABET[encoded[0]] == "G" and encoded[3] == data.UNKNOWN and encoded[4] == data.UNKNOWN
    assert "".join(data.ALPHABET[i] for i in data.encode_name("O'Néal")) == "O'Neal"


def test_stratified_split_proportions_and_seed(data_dir):
    names = data.NamesData(data_dir, split_seed=3)
    assert names.categories == sorted(LANGUAGES)
    train_counts, test_counts = Counter(l for _, l in names.train), Counter(l for _, l in names.test)
    for label, language in enumerate(names.categories):
        assert test_counts[label] == round(0.2 * LANGUAGES[language])
        assert train_counts[label] + test_counts[label] == LANGUAGES[language]
    assert sorted(names.train + names.test) == sorted(data.read_names(data_dir / "names")[1])
    assert names.majority_baseline == pytest.approx(8 / 15)
    again, other = data.NamesData(data_dir, split_seed=3), data.NamesData(data_dir, split_seed=4)
    assert again.test == names.test and other.test != names.test


def test_validation_comes_out_of_train_and_leaves_test_alone(data_dir):
    plain, held = data.NamesData(data_dir), data.NamesData(data_dir, val_fraction=0.25)
    assert held.test == plain.test and plain.val == []
    assert sorted(held.train + held.val) == sorted(plain.train)
    val_counts, train_counts = Counter(l for _, l in held.val), Counter(l for _, l in plain.train)
    assert all(val_counts[label] == max(1, round(0.25 * n)) for label, n in train_counts.items())


def test_dedup_drops_repeated_pairs(data_dir):
    assert data.NamesData(data_dir).n_lines == sum(LANGUAGES.values())
    deduped = data.NamesData(data_dir, dedup=True)
    assert len(deduped.train) + len(deduped.test) == sum(LANGUAGES.values()) - 1


@pytest.mark.parametrize("batch_size,bucket", [(1, False), (7, False), (7, True)])
def test_batches_yield_every_name_once_per_epoch(data_dir, batch_size, bucket):
    pairs = data.NamesData(data_dir).train
    batches = data.NameBatches(pairs, batch_size, shuffle=True, seed=0, bucket=bucket)
    epochs = []
    for _ in range(2):
        seen = [(n.tolist(), int(l)) for names, labels in batches for n, l in zip(names, labels)]
        assert sorted(seen) == sorted((data.encode_name(n).tolist(), l) for n, l in pairs)
        epochs.append(seen)
    assert epochs[0] != epochs[1]  # reshuffled each pass
    assert len(list(batches)) == len(batches)


@pytest.mark.parametrize("cell,layers,embedding,bidirectional",
                         [("lstm", 1, 0, False), ("lstm", 2, 0, False), ("gru", 2, 8, False), ("gru", 2, 8, True)])
def test_logits_same_alone_and_in_a_packed_batch(cell, layers, embedding, bidirectional):
    torch.manual_seed(0)
    model = NameClassifier(data.N_LETTERS, 5, cell, hidden=16, layers=layers, embedding=embedding,
                           bidirectional=bidirectional).eval()
    names = ["Li", "Abramovich", "Smith", "Ng", "Vasquez-Herrera", "O"]  # longer and shorter neighbours
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
    config = {"n_letters": data.N_LETTERS, "n_classes": 5, "cell": "lstm", "hidden": 8, "members": 3}
    ensemble = build_model(config).eval()
    assert isinstance(ensemble, NameEnsemble) and isinstance(build_model({**config, "members": 1}), NameClassifier)
    names = pack_names([data.encode_name(n) for n in ["Li", "Abramovich", "Smith"]])
    with torch.no_grad():
        mean = torch.stack([member(names).softmax(1) for member in ensemble.members]).mean(0)
        torch.testing.assert_close(ensemble(names).exp(), mean)


def quick_run(data_dir, out, *extra):
    return train.main(["--quick", "--data-dir", str(data_dir), "--out", str(out), "--tag", "quick", *extra])


def test_quick_run_repeats_and_predict_reads_its_checkpoint(data_dir, tmp_path, capsys):
    assert quick_run(data_dir, tmp_path / "a", "--batch-size", "4") == 0
    assert quick_run(data_dir, tmp_path / "b", "--batch-size", "4") == 0
    first = utils.load_json(tmp_path / "a" / "runs" / "quick.json")
    assert first["history"] == utils.load_json(tmp_path / "b" / "runs" / "quick.json")["history"]
    assert first["epochs_done"] == 2 and sum(map(sum, first["confusion"])) == first["n_test"]
    assert (tmp_path / "a" / "confusion_quick.png").is_file()

    model, categories = predict.load_checkpoint(tmp_path / "a" / "quick.pt")
    guesses = predict.top_languages(model, categories, ["Rusabov3", "Béringer"])
    assert [len(g) for g in guesses] == [3, 3]
    assert all(1 >= g[0][1] >= g[1][1] >= g[2][1] > 0 and g[0][0] in categories for g in guesses)
    assert predict.best_checkpoint(tmp_path / "a") == tmp_path / "a" / "quick.pt"
    (tmp_path / "a" / "zz_corrupt.pt").write_text("not a checkpoint")
    assert predict.best_checkpoint(tmp_path / "a") == tmp_path / "a" / "quick.pt"


def test_quick_validation_run_of_an_ensemble(data_dir, tmp_path):
    assert quick_run(data_dir, tmp_path, "--validation", "0.25", "--ensemble", "2", "--letter-dropout", "0.1",
                     "--batch-size", "4", "--no-figure") == 0
    record = utils.load_json(tmp_path / "runs" / "quick.json")
    assert set(record["history"]) == {"train_loss", "val_loss", "val_acc"} and "final_test_acc" not in record
    assert record["n_val"] == sum(map(sum, record["confusion"])) == len(data.NamesData(data_dir, val_fraction=0.25).val)
    model, categories = predict.load_checkpoint(tmp_path / "quick.pt")
    assert isinstance(model, NameEnsemble) and len(model.members) == 2
    assert len(predict.top_languages(model, categories, ["Smith"])[0]) == 3


def test_report_summarizes_tagged_runs(data_dir, tmp_path):
    for tag, flags in [("task1-lstm-1x8-seed0", []), ("task2b-bs1", ["--batch-size", "1"]),
                       ("task2b-bs4", ["--batch-size", "4"]), ("tune-lstm-1x8-wd", ["--weight-decay", "1e-4"]),
                       ("val-lstm-1x8-ld-seed0", ["--validation", "0.25", "--letter-dropout", "0.2"]),
                       ("val-lstm-1x8-ld-seed1", ["--validation", "0.25", "--letter-dropout", "0.2", "--seed", "1"]),
                       ("final-lstm-1x8-ld-seed0", ["--letter-dropout", "0.2"])]:
        train.main(["--quick", "--data-dir", str(data_dir), "--out", str(tmp_path), "--tag", tag,
                    "--hidden", "8", "--no-figure", *flags])
    summary = {**report.summarize(report.load_runs(tmp_path)), "data": report.data_stats(data_dir)}
    assert summary["data"]["lines"] == sum(LANGUAGES.values()) and summary["data"]["distinct_pairs"] == summary["data"]["lines"] - 1
    assert list(summary["task1"]) == ["lstm-1x8"] and list(summary["task2b"]) == ["1", "4"]
    assert len(summary["task2b"]["4"]["test_acc"]) == 2
    assert list(summary["tuning"]) == ["tune-lstm-1x8-wd"] and summary["tuning"]["tune-lstm-1x8-wd"]["weight_decay"] == 1e-4
    assert list(summary["validation"]) == ["val-lstm-1x8-ld-seed0", "val-lstm-1x8-ld-seed1"]
    assert summary["validation"]["val-lstm-1x8-ld-seed1"]["letter_dropout"] == 0.2
    final = summary["final"]["final-lstm-1x8-ld-seed0"]["final_test_acc"]
    assert summary["best_test_acc"] == max(final, summary["task1"]["lstm-1x8"][0])
    table = report.format_table(summary)
    assert "| lstm-1x8 |" in table and "| tune-lstm-1x8-wd | lstm-1x8 |" in table
    assert "| val-lstm-1x8-ld | lstm-1x8 | 0 | 0.2 | 2 |" in table and "| final-lstm-1x8-ld | lstm-1x8 |" in table


def test_errors_are_one_line(tmp_path, data_dir):
    with pytest.raises(utils.UserError, match="no trained model"):
        predict.best_checkpoint(tmp_path)
    (data_dir / "names" / "Greek.txt").write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(utils.DataError, match="Greek.txt is not UTF-8"):
        data.NamesData(data_dir)
    bad = tmp_path / "bad.pt"
    bad.write_text("not a checkpoint")
    result = subprocess.run([sys.executable, "names_rnn/predict.py", "--checkpoint", str(bad), "Smith"],
                            cwd=utils.REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 1 and result.stderr.startswith("error:") and result.stderr.count("\n") == 1


def test_run_all_commands_match_the_committed_runs():
    """Every results/names run is written by one run_all.py command with the same
    settings (runs older than a flag lack its key: it was off then)."""
    part = next(p for p in run_all.PARTS if p.name == "names")
    committed = {path.stem: utils.load_json(path) for path in (utils.REPO_ROOT / "results" / "names" / "runs").glob("*.json")}
    defaults, produced = vars(train.parse_args([])), set()
    for command in part.full:
        if command[0] != "names_rnn/train.py":
            continue
        settings = vars(train.parse_args(command[1:]))
        recorded = committed.get(settings["tag"], {}).get("settings")
        assert recorded is not None, f"run_all.py runs {command[1:]}, but results/names/runs/{settings['tag']}.json is missing"
        for key in ("out", "data_dir"):
            settings.pop(key)
        assert recorded == {k: v for k, v in settings.items() if k in recorded}, f"{settings['tag']}: other settings"
        newer = settings.keys() - recorded.keys()
        assert all(settings[k] == defaults[k] for k in newer), f"{command[1:]} sets a newer flag"
        produced.add(settings["tag"])
    assert not set(committed) - produced, f"results without a run_all.py command: {sorted(set(committed) - produced)}"
