"""The Dask executor against the local pool: the same forced build, the same two workers.

    .venv/bin/python benchmarks/cluster.py            # about 5 minutes

Starts a real `dask scheduler` and two `dask worker` processes (one thread each) on
127.0.0.1, then builds the shipped library in English and Spanish with `--force`, in
turn with the local pool (`--jobs 2`) and on the cluster, three rounds each. Prints each
side's best time, the ratio, and the cost per task of going through the cluster
(scheduling, the snapshot, results over TCP), which is what a real cluster adds to
every render before its own network.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
DASK = str(Path(PY).parent / "dask")


def pipeline(root: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([PY, str(REPO / "pipeline.py"), *args, "--project", str(root)], capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = work / "library"
        root.mkdir()
        shutil.copy(REPO / "pipeline.yaml", root)
        for folder in ("handouts", "styles", "translations"):
            shutil.copytree(REPO / folder, root / folder)
        (root / "handouts/packs.yaml").write_text("[]\n")  # packs are assembled locally either way
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        address = f"tcp://127.0.0.1:{port}"
        processes = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        time.sleep(3)
        for n in range(2):
            processes.append(subprocess.Popen([DASK, "worker", address, "--nthreads", "1", "--no-nanny", "--local-directory", str(work / f"w{n}"), "--no-dashboard"],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        try:
            time.sleep(5)
            args = ("build", "--lang", "en", "--lang", "es", "--force")
            pipeline(root, *args, "--jobs", "2")  # warm the font caches and the made fonts
            pipeline(root, *args, "--scheduler", address)  # and the workers' snapshot folders
            local, cluster = [], []
            for _ in range(3):
                local.append(pipeline(root, *args, "--jobs", "2")[0])
                seconds, said = pipeline(root, *args, "--scheduler", address)
                cluster.append(seconds)
            tasks = int(said.split("built ")[1].split(",")[0])
        finally:
            for process in processes:
                process.kill()
                process.wait()
        best_local, best_cluster = min(local), min(cluster)
        print(json.dumps({
            "tasks": tasks,
            "local_pool_s": round(best_local, 2),
            "cluster_s": round(best_cluster, 2),
            "cluster_vs_local": round(best_cluster / best_local, 3),
            "overhead_ms_per_task": round(1000 * (best_cluster - best_local) / tasks, 1),
            "rounds_local_s": [round(x, 2) for x in local],
            "rounds_cluster_s": [round(x, 2) for x in cluster],
        }, indent=1))


if __name__ == "__main__":
    main()
