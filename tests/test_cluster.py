"""The Dask executor with a real scheduler and real workers on 127.0.0.1.

The workers run as an unprivileged user who cannot read the project folder (pytest's
temporary folders are private to their owner), so everything they render comes from the
snapshot the client sends. Every output must equal a local build's, byte for byte.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import build_under_way, make_project, run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="workers run as the user 'nobody', which needs root to start"),
]
DASK = str(Path(sys.executable).parent / "dask")
SETPRIV = shutil.which("setpriv") or "/usr/bin/setpriv"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)


def _wait_for_workers(address: str, count: int) -> None:
    import warnings

    from distributed import Client
    from distributed.versions import VersionMismatchWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VersionMismatchWarning)  # the client checks what matters
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(count, timeout=60)


def start_cluster(base: Path, workers: int = 2, worker_env: dict[str, str] | None = None) -> Cluster:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    log = base / "scheduler.log"
    scheduler = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], stdout=log.open("wb"), stderr=subprocess.STDOUT)
    cluster = Cluster(address, scheduler, logs=[log])
    for n in range(workers):
        home = base / f"worker-{n}"
        home.mkdir()
        shutil.chown(home, "nobody")
        env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), **(worker_env or {})}
        wlog = base / f"worker-{n}.log"
        cluster.workers.append(subprocess.Popen(
            [SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups", DASK, "worker", address,
             "--nthreads", "1", "--no-nanny", "--local-directory", str(home), "--no-dashboard", "--name", f"w{n}"],
            stdout=wlog.open("wb"), stderr=subprocess.STDOUT, env=env, cwd=home,
        ))
        cluster.logs.append(wlog)
    try:
        _wait_for_workers(address, workers)
    except Exception:
        cluster.stop()
        raise AssertionError("the cluster did not start:\n" + "\n".join(p.read_text()[-2000:] for p in cluster.logs)) from None
    return cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = start_cluster(Path("/tmp") / f"press-cluster-{os.getpid()}")
    yield running
    running.stop()
    shutil.rmtree(Path("/tmp") / f"press-cluster-{os.getpid()}", ignore_errors=True)


def _project(tmp_path: Path, name: str) -> Path:
    root = make_project(tmp_path / name)
    text = (root / "pipeline.yaml").read_text().replace("languages: [en]", "languages: [en, es, ar, zh-Hans]", 1)
    (root / "pipeline.yaml").write_text(text)
    return root


def _outputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "dist").rglob("*")) if p.suffix in (".pdf", ".otf", ".ttf", ".html")}


def test_the_workers_cannot_read_the_project(tmp_path: Path) -> None:
    root = _project(tmp_path, "private")
    denied = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "cat", str(root / "pipeline.yaml")], capture_output=True, text=True)
    assert denied.returncode != 0 and "Permission denied" in denied.stderr


def test_a_cluster_build_equals_a_local_build(cluster: Cluster, tmp_path: Path) -> None:
    local, remote = _project(tmp_path, "local"), _project(tmp_path, "remote")
    run(local, "build", "-j", "2", "--allow-incomplete", check=True)
    result = run(remote, "build", "--scheduler", cluster.address, "--allow-incomplete", check=True)
    assert "built 24" in result.stdout
    mine, theirs = _outputs(local), _outputs(remote)
    assert len(mine) >= 28 and any(k.endswith(".otf") for k in mine), sorted(mine)
    assert sorted(theirs) == sorted(mine)
    assert [k for k in mine if mine[k] != theirs[k]] == []
    # A second project with the same sources shares the workers' snapshot folder; it
    # still gets every made font, and a build after it has nothing to do.
    twin = _project(tmp_path, "twin")
    run(twin, "build", "--scheduler", cluster.address, "--allow-incomplete", check=True)
    assert _outputs(twin) == mine
    assert "built 0," in run(twin, "build", "--scheduler", cluster.address, "--allow-incomplete", check=True).stdout
    # The project's settings may name the cluster instead of the command line.
    (remote / "pipeline.yaml").write_text((remote / "pipeline.yaml").read_text() + f"executor: {cluster.address}\n")
    (remote / "dist/handouts/es/calm-place.pdf").unlink()
    assert "built 1," in run(remote, "build", "--allow-incomplete", check=True).stdout
    assert (remote / "dist/handouts/es/calm-place.pdf").read_bytes() == mine["dist/handouts/es/calm-place.pdf"]


def test_a_build_survives_a_lost_worker(tmp_path: Path) -> None:
    spare = start_cluster(Path("/tmp") / f"press-cluster-lost-{os.getpid()}")
    try:
        local, remote = _project(tmp_path, "local"), _project(tmp_path, "remote")
        run(local, "build", "-j", "2", "--allow-incomplete", check=True)
        process = build_under_way(remote, "--scheduler", spare.address, "--allow-incomplete")
        spare.workers[0].send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "built 24" in out
        mine, theirs = _outputs(local), _outputs(remote)
        assert sorted(theirs) == sorted(mine) and [k for k in mine if mine[k] != theirs[k]] == []
    finally:
        spare.stop()
        shutil.rmtree(Path("/tmp") / f"press-cluster-lost-{os.getpid()}", ignore_errors=True)


def test_ctrl_c_cancels_the_cluster_jobs(cluster: Cluster, tmp_path: Path) -> None:
    import warnings

    from distributed import Client
    from distributed.versions import VersionMismatchWarning

    root = _project(tmp_path, "interrupted")
    process = build_under_way(root, "--scheduler", cluster.address, "--allow-incomplete")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in err and "Traceback" not in err
    built = sum(len(list((root / folder).rglob("*.pdf"))) for folder in ("dist/handouts", "dist/.press/parts", "dist/packs"))
    assert 0 < built < 24
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VersionMismatchWarning)
        with Client(cluster.address, timeout="30s", set_as_default=False) as client:
            # The interrupted build's jobs are gone from the scheduler, not left running.
            for _ in range(100):
                left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
                if left == 0:
                    break
                time.sleep(0.1)
            assert left == 0, f"{left} tasks still on the scheduler"
    # What was written before Ctrl+C was recorded: the next build makes only the rest.
    again = run(root, "build", "--scheduler", cluster.address, "--allow-incomplete", check=True)
    assert f"built {24 - built}," in again.stdout


def test_a_worker_that_would_make_other_bytes_is_refused(tmp_path: Path) -> None:
    # Without dpkg-query on its PATH the worker cannot tell its font package versions,
    # so its fingerprint differs from the client's.
    odd = start_cluster(Path("/tmp") / f"press-cluster-odd-{os.getpid()}", workers=1, worker_env={"PATH": "/nonexistent"})
    try:
        root = _project(tmp_path, "odd")
        result = run(root, "build", "--scheduler", odd.address)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "would make different bytes: debian unknown there, fontconfig=" in result.stderr
        assert not list((root / "dist/handouts").rglob("*.pdf"))
    finally:
        odd.stop()
        shutil.rmtree(Path("/tmp") / f"press-cluster-odd-{os.getpid()}", ignore_errors=True)


def test_scheduler_addresses_are_checked(tmp_path: Path) -> None:
    root = _project(tmp_path, "bad")
    bad = run(root, "build", "--scheduler", "localhost:8786")
    assert bad.returncode == 1 and "'localhost:8786' is not a Dask scheduler address; use tcp://HOST:PORT" in bad.stderr
    gone = run(root, "build", "--scheduler", f"tcp://127.0.0.1:{_free_port()}")
    assert gone.returncode == 1 and "cannot reach the Dask scheduler" in gone.stderr and "Traceback" not in gone.stderr
    (root / "pipeline.yaml").write_text((root / "pipeline.yaml").read_text() + "executor: dask\n")
    assert "pipeline.yaml:" in run(root, "check").stderr
