"""The launcher of one local job: ``python -I -S .../_localjob.py CONTROL_DIR``.

It is run as a script, not with ``-m``, and imports only the standard library: a job slot
should not pay for importing the package (pydantic, even psutil, cost more than a job's
bookkeeping). A process is identified by its pid *and* its start time in clock ticks since boot
(``/proc/<pid>/stat`` field 22), since pids are reused; this makes the local backend Linux-only.

It records its own pid and start time (``pid.json``), runs the job's argv (no shell) in the job's
working directory with the job's limits, and writes ``result.json`` (exit code, reason, times)
atomically when the program ends. A reconciler that restarts reads these files to learn what
happened while it was away.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType


def process_start(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in ticks) of a live process, from /proc; None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:  # noqa: PTH123
            stat = handle.read()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ")"
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], int(fields[19])


def atomic_write_text(path: Path, text: str) -> None:
    """Same contract as hyperloop_gitops.state.atomic (not imported: see above)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def run(control: Path) -> int:
    """Run the job described by ``control/spec.json``; return 0 once its result is recorded."""
    spec = json.loads((control / "spec.json").read_text(encoding="utf-8"))
    started = _now()
    me = os.getpid()
    identity = process_start(me)
    ticks = identity[1] if identity else 0
    atomic_write_text(
        control / "pid.json", json.dumps({"pid": me, "start_ticks": ticks, "started": started})
    )
    workdir = Path(spec["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(spec["env"])
    memory_bytes = spec["resources"]["memory_mb"] * 1024 * 1024
    time_limit = spec["resources"]["time_limit_s"]

    def limit_memory() -> None:
        # address space, not resident memory: the only limit a plain process can set on itself
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    reason = ""
    with (workdir / "stdout.log").open("ab") as out, (workdir / "stderr.log").open("ab") as err:
        try:
            child = subprocess.Popen(
                spec["argv"],
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                preexec_fn=limit_memory,  # noqa: PLW1509  (the launcher has one thread)
            )
        except OSError as error:
            return _finish(control, 127, f"cannot start {spec['argv'][0]}: {error}", started)

        def on_term(signum: int, frame: FrameType | None) -> None:
            child.terminate()

        signal.signal(signal.SIGTERM, on_term)
        try:
            code = child.wait(timeout=time_limit)
        except subprocess.TimeoutExpired:
            child.kill()
            code = child.wait()
            reason = f"time limit of {time_limit} s exceeded"
    if code < 0 and not reason:
        reason = f"killed by signal {-code}"
    return _finish(control, code, reason, started)


def _finish(control: Path, code: int, reason: str, started: str) -> int:
    result = {"exit_code": code, "reason": reason, "started": started, "finished": _now()}
    atomic_write_text(control / "result.json", json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
