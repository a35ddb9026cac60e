"""A one-node Slurm cluster on localhost for the tests: munged, slurmctld and slurmd, each with
its files in one folder (its own munge key and socket, ports nothing else uses), started by
``one_node_cluster`` and stopped when it ends. Needs Debian's ``slurm-wlm`` and ``munge``
(``apt-get install -y slurm-wlm munge``) and root (the daemons run as root here);
``ClusterUnavailable`` says why it cannot start, for the tests to skip with."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scontrol")
START_S = 60.0

CONFIG = """ClusterName=gradertest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
AuthInfo=socket={home}/munge.socket
CredType=cred/munge
StateSaveLocation={home}/state
SlurmdSpoolDir={home}/spool
SlurmctldPidFile={home}/slurmctld.pid
SlurmdPidFile={home}/slurmd.pid
SlurmctldLogFile={home}/slurmctld.log
SlurmdLogFile={home}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=localhost CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


class ClusterUnavailable(RuntimeError):
    """The one-node cluster cannot start here (the reason says why)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _memory_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 4096


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise ClusterUnavailable(f"{what} did not start: {done.stderr.strip()[-600:]}")


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-800:] if path.is_file() else "(no log)"


@contextlib.contextmanager
def one_node_cluster(home: Path, cpus: int = 2) -> Iterator[dict[str, str]]:
    """The cluster's environment (``SLURM_CONF`` set) while it runs; stopped afterwards."""
    missing = [name for name in DAEMONS if shutil.which(name) is None
               and not Path(f"/usr/sbin/{name}").exists()]
    if missing:
        raise ClusterUnavailable(f"{', '.join(missing)} not installed (apt-get install -y "
                                 f"slurm-wlm munge)")
    if os.geteuid() != 0:
        raise ClusterUnavailable("the one-node cluster's daemons run as root; this is not root")
    for folder in ("state", "spool"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    key = home / "munge.key"
    key.write_bytes(os.urandom(128))
    key.chmod(0o600)
    conf = home / "slurm.conf"
    conf.write_text(CONFIG.format(home=home, ctld_port=_free_port(), slurmd_port=_free_port(),
                                  cpus=cpus, memory_mb=_memory_mb()))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    sbin = {name: shutil.which(name) or f"/usr/sbin/{name}" for name in DAEMONS}
    try:
        _run([sbin["munged"], "--force", f"--socket={home}/munge.socket", f"--key-file={key}",
              f"--log-file={home}/munged.log", f"--pid-file={home}/munged.pid",
              f"--seed-file={home}/munged.seed"], env, "munged")
        _run([sbin["slurmctld"], "-f", str(conf)], env, "slurmctld")
        _run([sbin["slurmd"], "-f", str(conf)], env, "slurmd")
        _wait_idle(env, home)
        yield env
    finally:
        _stop(home, env, sbin)


def _wait_idle(env: dict[str, str], home: Path) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        done = subprocess.run(["sinfo", "--noheader", "--format=%t"], env=env,
                              capture_output=True, text=True, timeout=30)
        if done.stdout.strip() == "idle":
            return
        time.sleep(1)
    raise ClusterUnavailable(f"the node did not become idle in {START_S:g} s; slurmctld: "
                             f"{_tail(home / 'slurmctld.log')}; slurmd: "
                             f"{_tail(home / 'slurmd.log')}")


def _stop(home: Path, env: dict[str, str], sbin: dict[str, str]) -> None:
    """scontrol shutdown, then munged -s; whatever is left of ours (by its pid file) killed."""
    subprocess.run([sbin["scontrol"], "shutdown"], env=env, capture_output=True, timeout=60)
    deadline = time.monotonic() + 30
    pids = {name: home / f"{name}.pid" for name in ("slurmctld", "slurmd")}
    while time.monotonic() < deadline and any(_alive(path) for path in pids.values()):
        time.sleep(0.5)
    subprocess.run([sbin["munged"], "--stop", f"--socket={home}/munge.socket"],
                   capture_output=True, timeout=60)
    for path in [*pids.values(), home / "munged.pid"]:
        if _alive(path):
            os.kill(int(path.read_text().split()[0]), 9)


def _alive(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text().split()[0]), 0)
    except (OSError, ValueError):
        return False
    return True
