"""Tests for utils.py, store.py and plots.py: seeding, atomic writes, data folders,
downloads, errors, checked flags, output folders, locks and curves."""
import argparse
import functools
import hashlib
import http.server
import io
import os
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

import plots
import store
import utils


def test_seeding_repeats_numbers():
    def draw():
        utils.seed_everything(123)
        return (np.random.rand(3).tolist(), torch.rand(3).tolist(),
                __import__("random").random())
    assert draw() == draw()


def test_pick_device_auto_and_errors():
    assert utils.pick_device("cpu").type == "cpu"
    assert utils.pick_device("auto").type in {"cpu", "cuda", "mps"}
    if not torch.cuda.is_available():
        with pytest.raises(utils.UserError, match="CUDA"):
            utils.pick_device("cuda")
    with pytest.raises(utils.UserError):
        utils.pick_device("tpu")


def test_environment_names_what_a_cpu_run_depends_on():
    import torch

    env = utils.environment()
    assert set(env) == {"torch", "threads", "cpu"}
    assert (env["torch"], env["threads"]) == (torch.__version__, torch.get_num_threads())
    assert isinstance(env["cpu"], str) and env["cpu"]


def test_output_dir_by_hand_never_writes_results(tmp_path, monkeypatch):
    monkeypatch.setattr(utils, "REPO_ROOT", tmp_path)
    parser = utils.add_common_args(__import__("argparse").ArgumentParser(), "demo")
    assert utils.output_dir(parser.parse_args(["--quick"])) == tmp_path / "runs" / "quick" / "demo"
    assert utils.output_dir(parser.parse_args([])) == tmp_path / "runs" / "demo"
    assert utils.output_dir(parser.parse_args(["--out", str(tmp_path / "x")])) == tmp_path / "x"


def test_data_dir_resolution_order(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "env"))
    assert utils.data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert utils.data_dir(None) == tmp_path / "env"
    monkeypatch.delenv("DATA_DIR")
    assert utils.data_dir(None) == utils.REPO_ROOT / "data"


def test_data_dir_that_is_a_file_is_a_data_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(utils.DataError, match="is a file, not a folder"):
        utils.data_dir(tmp_path / "file")
    with pytest.raises(utils.DataError, match="cannot create the data folder"):
        store.download("http://127.0.0.1:9/x.bin", tmp_path / "file" / "sub")


class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("interrupted mid-write")


def test_atomic_save_leaves_no_partial_file(tmp_path):
    target = tmp_path / "model.pt"
    store.atomic_torch_save({"w": torch.ones(2)}, target)
    # a write that dies half-way (after some bytes are out) keeps the old file intact
    with pytest.raises(RuntimeError):
        store.atomic_torch_save({"w": torch.zeros(1000), "bad": Unpicklable()}, target)
    assert torch.load(target)["w"].tolist() == [1.0, 1.0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_json_handles_numpy_and_is_atomic(tmp_path):
    path = store.save_json({"a": np.float32(0.5), "b": np.arange(3), "c": Path("x")},
                           tmp_path / "s.json")
    assert store.load_json(path) == {"a": 0.5, "b": [0, 1, 2], "c": "x"}


def test_check_finite():
    assert utils.check_finite(torch.tensor(1.5), "step 1") == 1.5
    with pytest.raises(utils.UserError, match="nan at epoch 3"):
        utils.check_finite(float("nan"), "epoch 3")


def test_run_main_turns_user_error_into_one_line(capsys):
    def failing():
        raise utils.UserError("no data here")
    with pytest.raises(SystemExit) as stop:
        utils.run_main(failing)
    assert stop.value.code == 1
    assert capsys.readouterr().err == "error: no data here\n"


# --- the download helper, against a loopback HTTP server -----------------------

@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/'www' on 127.0.0.1; yield (folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_verifies_and_renames(server, tmp_path):
    www, base = server
    payload = os.urandom(5000)
    (www / "blob.bin").write_bytes(payload)
    dest = tmp_path / "data"
    path = store.download(f"{base}/blob.bin", dest, md5=hashlib.md5(payload).hexdigest())
    assert path == dest / "blob.bin" and path.read_bytes() == payload
    assert not list(dest.glob("*.part"))
    (www / "blob.bin").unlink()  # present files are not downloaded again
    assert store.download(f"{base}/blob.bin", dest) == path


def test_download_wrong_checksum_leaves_nothing(server, tmp_path):
    www, base = server
    (www / "blob.bin").write_bytes(b"hello")
    dest = tmp_path / "data"
    with pytest.raises(utils.DataError, match="fails its md5 check") as err:
        store.download(f"{base}/blob.bin", dest, md5="0" * 32)
    assert f"{base}/blob.bin" in str(err.value) and str(dest) in str(err.value)
    assert list(dest.iterdir()) == []


def test_download_unreachable_host_is_a_clear_error(tmp_path):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/cifar.tar.gz"
    with pytest.raises(utils.DataError, match="could not download") as err:
        store.download(url, tmp_path)
    assert url in str(err.value) and "cifar.tar.gz" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_download_extracts_tar_and_zip(server, tmp_path):
    www, base = server
    with tarfile.open(www / "pack.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("pack/a.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with zipfile.ZipFile(www / "pack.zip", "w") as zf:
        zf.writestr("data/names/B.txt", "Bo\n")
    dest = tmp_path / "data"
    store.download(f"{base}/pack.tar.gz", dest, extract=True)
    store.download(f"{base}/pack.zip", dest, extract=True)
    assert (dest / "pack" / "a.txt").read_text() == "hi"
    assert (dest / "data" / "names" / "B.txt").read_text() == "Bo\n"


def test_corrupt_or_unknown_archive_is_a_data_error(tmp_path):
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"not a tarball")
    with pytest.raises(utils.DataError, match="corrupt"):
        store.extract_archive(bad, tmp_path)
    (tmp_path / "notes").write_text("no suffix")
    with pytest.raises(utils.DataError, match="do not know how to extract notes"):
        store.extract_archive(tmp_path / "notes", tmp_path)


def test_moving_average_is_trailing_and_shorter_at_the_start():
    assert plots.moving_average([2, 4, 6, 8], 2).tolist() == [2, 3, 5, 7]
    assert plots.moving_average([1, 2, 3], 10).tolist() == [1, 1.5, 2]


# ---------------------------------------------------------------------------
# Checked flags, output folders, locks and temporary files
# ---------------------------------------------------------------------------

BAD_VALUES = {
    utils.positive_int: ["0", "-1", "1.5", "nan", "x"],
    utils.positive_float: ["0", "-1", "nan", "inf", "-inf", "1e999"],
    utils.non_negative_float: ["-0.5", "nan", "inf"],
    utils.probability: ["-0.1", "1", "2", "nan"],
    utils.seed: ["-1", "99999999999", "4294967296", "nan"],
    utils.bounded_int(1, 30): ["0", "31", "100000000"],
    utils.tag: ["a/b", "", ".hidden", "a b", "../x"],
    utils.device_name: ["xpu", "vulkan", "meta", "cuda:x"],
}


@pytest.mark.parametrize("check, text", [(c, t) for c, values in BAD_VALUES.items()
                                         for t in values])
def test_flag_types_refuse_bad_values(check, text):
    with pytest.raises(argparse.ArgumentTypeError):
        check(text)


def test_flag_types_accept_good_values():
    assert utils.positive_int("3") == 3 and utils.positive_float("1e-3") == 1e-3
    assert utils.probability("0") == 0 and utils.seed("4294967295") == 2 ** 32 - 1
    assert utils.bounded_int(1, 30)("30") == 30 and utils.tag("run-1_b.2") == "run-1_b.2"
    assert utils.device_name("cuda:1") == "cuda:1"


def test_bad_flag_is_usage_and_one_line_with_exit_2():
    script = ("import argparse, utils; p = argparse.ArgumentParser(); "
              "utils.add_common_args(p, 'demo'); p.parse_args()")
    result = subprocess.run([sys.executable, "-c", script, "--seed", "-1"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith("-1 must be in [0, 2**32)")


def test_configs_set_defaults_and_flags_win():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=1.0)
    utils.add_config_argument(parser, {"final": {"lr": 0.5}, "handout": {"lr": 0.1}})
    assert utils.parse_args(parser, []).lr == 0.5
    assert utils.parse_args(parser, ["--config", "handout"]).lr == 0.1
    assert utils.parse_args(parser, ["--config", "handout", "--lr", "2"]).lr == 2.0


@pytest.mark.parametrize("make", ["file", "under_file", "read_only"])
def test_unusable_output_folder_is_one_line(tmp_path, make):
    target = tmp_path / "out"
    if make == "file":
        target.write_text("x")
    elif make == "under_file":
        (tmp_path / "f").write_text("x")
        target = tmp_path / "f" / "out"
    else:
        target.mkdir()
        target.chmod(0o500)
        if os.access(target, os.W_OK):  # root writes anywhere
            pytest.skip("running as root")
    parser = utils.add_common_args(argparse.ArgumentParser(), "demo")
    with pytest.raises(utils.UserError):
        utils.output_dir(parser.parse_args(["--out", str(target)]))


def test_files_get_the_umask_mode(tmp_path):
    path = store.save_json({"a": 1}, tmp_path / "a.json")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_stale_temp_files_of_dead_writers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".a.json.{dead}.abc.tmp"
    live = tmp_path / f".a.json.{os.getpid()}.def.tmp"
    stale.write_text("half")
    live.write_text("being written")
    store.save_json({"a": 1}, tmp_path / "a.json")
    assert not stale.exists() and live.exists()


def test_run_lock_refuses_a_second_live_run_and_takes_over_a_dead_ones(tmp_path):
    with store.run_lock(tmp_path, "run"):
        with pytest.raises(utils.UserError, match="another run"):
            with store.run_lock(tmp_path, "run"):
                pass
        with store.run_lock(tmp_path, "other"):
            pass
    assert not (tmp_path / ".run.lock").exists()
    (tmp_path / ".run.lock").write_text("999999999 python dead.py\n")
    with store.run_lock(tmp_path, "run"):
        pass


def test_ctrl_c_while_a_script_imports_is_one_line(tmp_path):
    script = tmp_path / "slow_start.py"
    script.write_text("import utils\nutils.start_script(__name__)\nimport time\n"
                      "print('ready', flush=True)\ntime.sleep(60)\n")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.strip() == "interrupted while starting: nothing was written"
