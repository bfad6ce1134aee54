"""--jobs and --cluster (issue 15; verify/engine/parallel.py, docs/parallel.md): the certificate is the same bytes
whatever runs the row chunks — serial in another process, threads, worker processes, a Dask cluster — for the
digits MLP and the digits CNN; the gadgets gather any split of the rows into exactly the serial list; a missing
``distributed`` and bad option values are one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from verify.cli import main
from verify.engine import gadgets, parallel
from verify.errors import InputError
from verify.options import Options, parse_cluster, parse_jobs

DATA = Path(__file__).resolve().parents[1] / "verify" / "data"
K = 8   # small: each certificate takes about a second
TARGETS = {
    "mlp": [str(DATA / "digits_mlp.safetensors")],
    "cnn": [str(DATA / "digits_cnn.pt"), "--input-shape", "1,8,8", "--domain", "box:0,1"],
}


def _args(target: str, out: Path) -> list[str]:
    return ["certify", *TARGETS[target], "--eps", "1000", "--width-factor", str(K), "--no-empirical", "-o", str(out)]


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> dict[str, bytes]:
    """The serial certificates, each written by a separate interpreter (so every comparison below is across
    processes)."""
    d = tmp_path_factory.mktemp("serial")
    out = {}
    for target in TARGETS:
        path = d / f"{target}.cert.json"
        subprocess.run([sys.executable, "-m", "verify", *_args(target, path), "--jobs", "1"], check=True, timeout=600,
                       capture_output=True)
        out[target] = path.read_bytes()
    return out


@pytest.fixture(scope="module")
def scheduler():
    """A local Dask cluster of 2 worker processes (1 thread each), started once for this module: its address."""
    distributed = pytest.importorskip("distributed")
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("jobs", ["2", "processes:2"])
def test_jobs_give_the_serial_bytes(serial, tmp_path, target, jobs):
    out = tmp_path / "c.json"
    assert main([*_args(target, out), "--jobs", jobs]) == 0
    assert out.read_bytes() == serial[target]


def test_every_core_is_the_default_unless_a_cluster_is_given(serial, tmp_path, monkeypatch):
    """Without --jobs or --cluster the CLI runs the jobs on every core (options.JOBS_DEFAULT, benchmarks/scale.md):
    the executor it installs has the cores' workers, and the certificate is the serial one."""
    from verify.engine import parallel

    seen = []
    real = parallel.engine

    def spy(jobs=None, cluster=None):
        seen.append((jobs, cluster))
        return real(jobs, cluster)

    monkeypatch.setattr(parallel, "engine", spy)
    out = tmp_path / "c.json"
    assert main(_args("mlp", out)) == 0
    assert seen == [(parse_jobs("auto"), None)] and seen[0][0][1] == len(os.sched_getaffinity(0))
    assert out.read_bytes() == serial["mlp"]
    seen.clear()
    assert main([*_args("mlp", out), "--jobs", "1"]) == 0
    assert seen == [(("threads", 1), None)]


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_dask_cluster_gives_the_serial_bytes(serial, scheduler, tmp_path, target):
    out = tmp_path / "c.json"
    assert main([*_args(target, out), "--cluster", scheduler]) == 0
    assert out.read_bytes() == serial[target]


def test_local_cluster_option_gives_the_serial_bytes(serial, tmp_path, capsys):
    """``--cluster local:2`` starts (and stops) its own cluster of 2 worker processes, saying so while it starts."""
    pytest.importorskip("distributed")
    out = tmp_path / "c.json"
    assert main([*_args("mlp", out), "--cluster", "local:2"]) == 0
    assert out.read_bytes() == serial["mlp"]
    err = capsys.readouterr().err
    assert "starting a Dask cluster: 2 local worker processes" in err and "ready with 2 workers" in err


@pytest.mark.parametrize("method", ["subset-sum", "pair"])
def test_any_split_of_the_rows_gathers_the_serial_list(monkeypatch, method):
    """The kept edges of one layer, in order, for many small jobs over several serial row chunks (both input signs,
    and a candidate list longer than max_candidates) equal the serial loop's (docs/parallel.md §2)."""
    rs = np.random.RandomState(3)
    w = torch.from_numpy(rs.uniform(-0.6, 0.6, (23, 9)))
    opts = Options(method=method, max_candidates=6)
    cand = gadgets.candidates(5, 1, 16, 9, False, torch.device("cpu"))
    monkeypatch.setattr(gadgets, "CHUNK_ELEMS", 9 * 16 * 5)      # several serial row chunks
    want = gadgets.kept_edges(w, cand, 1, opts)
    monkeypatch.setattr(parallel, "MIN_PIECE", 1)
    monkeypatch.setattr(parallel, "TASKS_PER_WORKER", 3)
    calls = []
    real = parallel.Executor.map

    def counted(self, fn, jobs, device):
        calls.append(len(jobs))
        return real(self, fn, list(reversed(jobs)), device)[::-1]   # run in another order, hand back in order

    monkeypatch.setattr(parallel._Threads, "map", counted)
    with parallel.engine(("threads", 2)):
        got = gadgets.kept_edges(w, cand, 1, opts)
    assert calls and max(calls) > 2 * len(gadgets.signs_of(1, opts))   # the rows really were split
    assert [x.tolist() for x in got] == [x.tolist() for x in want]


def test_remote_jobs_travel_as_arrays_and_come_back_equal():
    """What a worker process receives and returns (numpy arrays inside the job's tuples and dataclasses)."""
    cand = gadgets.candidates(1, 1, 3, 4, True, torch.device("cpu"))
    packed = parallel._pack((torch.arange(3), cand, Options(), 7))
    assert isinstance(packed[0], parallel._Array) and isinstance(packed[1].h, parallel._Array)
    back = parallel._unpack(packed, torch.device("cpu"))
    assert torch.equal(back[0], torch.arange(3)) and back[2:] == (Options(), 7)
    assert all(torch.equal(getattr(back[1], f), getattr(cand, f)) for f in ("h", "u", "valid", "owner", "u_of"))


def test_missing_distributed_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)   # import distributed -> ImportError
    assert main([*_args("mlp", tmp_path / "c.json"), "--cluster", "local:2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'slt-verify[cluster]'" in err and "Traceback" not in err
    assert not (tmp_path / "c.json").exists()


@pytest.mark.parametrize("flags", [
    ["--cluster", ""], ["--cluster", "local:0"], ["--cluster", "local:x"], ["--cluster", "local:"],
    ["--cluster", "scheduler"], ["--cluster", "tcp://host"], ["--cluster", "host:99999"], ["--cluster", "http://h:1"],
    ["--jobs", "0"], ["--jobs", "two"], ["--jobs", "gpu:2"], ["--jobs", "2", "--cluster", "local:2"],
])
def test_bad_parallel_options_are_one_line_and_exit_2(tmp_path, capsys, flags):
    assert main([*_args("mlp", tmp_path / "c.json"), *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("slt-verify: error: "), err
    assert not (tmp_path / "c.json").exists()


def test_unreachable_scheduler_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setattr(parallel, "CLUSTER_TIMEOUT_S", 2)
    assert main([*_args("mlp", tmp_path / "c.json"), "--cluster", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach a Dask scheduler" in err


def test_parse_values():
    assert parse_jobs("3") == ("threads", 3) and parse_jobs("processes:2") == ("processes", 2)
    assert parse_jobs("auto")[1] >= 1
    assert parse_cluster("local:4") == ("local", 4)
    assert parse_cluster("10.0.0.5:8786") == ("10.0.0.5:8786", None)
    assert parse_cluster("tls://[::1]:8786") == ("tls://[::1]:8786", None)
    with pytest.raises(InputError, match=r"local:N wants N in \[1, 256\]"):
        parse_cluster("local:257")
    with pytest.raises(InputError, match="--jobs wants a number of workers"):
        parse_jobs("threads:0")


def test_the_python_api_takes_jobs_and_cluster(serial, scheduler, tmp_path):
    """``verify.certify_model(..., jobs=...)`` and ``cluster=...`` write the serial CLI's bytes; both at once, or a bad
    value, is an InputError (one line)."""
    import verify
    from verify.api import InputError

    opts = Options(width=K)
    for kw in ({"jobs": "threads:2"}, {"cluster": scheduler}):
        cert = verify.certify_model(TARGETS["mlp"][0], "1000", options=opts, attack=False, **kw)
        cert.save(tmp_path / "api.json")
        assert (tmp_path / "api.json").read_bytes() == serial["mlp"], kw
    with pytest.raises(InputError, match="not both"):
        verify.certify_model(TARGETS["mlp"][0], "1000", options=opts, jobs="2", cluster="local:2")
    with pytest.raises(InputError, match="jobs"):
        verify.certify_model(TARGETS["mlp"][0], "1000", options=opts, jobs="many")
