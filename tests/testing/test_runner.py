from __future__ import annotations

import json
import os
import resource
import signal
from pathlib import Path

import psutil
import pytest

from hyperloop_gitops.errors import WorkflowError
from hyperloop_gitops.testing.limits import Limits, scrubbed_environment
from hyperloop_gitops.testing.runner import Step, Tick, run

from .conftest import program, python


def test_the_child_sees_only_the_allow_listed_environment(
    workdir: Path, run_steps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hush")
    monkeypatch.setenv("LANG", "C.UTF-8")

    outcome = run_steps(Step(program("printenv"), "printenv"))

    assert outcome.failure is None
    seen = json.loads((workdir / "stdout.log").read_text())
    assert seen["env"] == {
        "PATH": os.environ["PATH"],
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "TMPDIR": str(workdir / "tmp"),
    }
    assert seen["cwd"] == str(workdir)
    assert (workdir / "tmp").is_dir()
    assert seen["core"] == [0, 0]
    assert seen["nofile"] == [4096, 4096]
    assert seen["pgid_is_own"] is True


def test_secrets_are_refused_even_when_asked_for(workdir: Path) -> None:
    parent = {"PATH": "/bin", "GITHUB_TOKEN": "x", "API_KEY": "y", "ROOTSYS": "/opt/root"}

    env = scrubbed_environment(
        workdir,
        passthrough=["GITHUB_TOKEN", "API_KEY", "ROOTSYS", "ABSENT"],
        parent=parent,
        pythonpath=["/a", "/b"],
    )

    assert env == {
        "PATH": "/bin",
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "TMPDIR": str(workdir / "tmp"),
        "PYTHONPATH": "/a:/b",
        "ROOTSYS": "/opt/root",
    }


def test_a_pipe_connects_the_steps_without_a_shell(workdir: Path, run_steps) -> None:
    outcome = run_steps(
        Step(python("print('b\\na\\nc'); import sys; print('gen', file=sys.stderr)"), "gen"),
        Step(python("import sys; print(''.join(sorted(sys.stdin)), end='')"), "sort"),
        Step(python("import sys; print(sys.stdin.read().upper(), end='')"), "upper"),
    )

    assert outcome.failure is None
    assert outcome.exit_codes == {"gen": 0, "sort": 0, "upper": 0}
    assert (workdir / "stdout.log").read_text() == "A\nB\nC\n"
    assert (workdir / "stderr.log").read_text() == "gen\n"
    assert sorted(outcome.metrics) == ["gen", "sort", "upper"]


def test_a_crash_names_the_exit_code(workdir: Path, run_steps) -> None:
    outcome = run_steps(
        Step(python("import sys; print('bad input', file=sys.stderr); sys.exit(3)"), "task")
    )

    assert outcome.failure == "task exited with code 3"
    assert (workdir / "stderr.log").read_text() == "bad input\n"


def test_a_signal_is_named(run_steps) -> None:
    outcome = run_steps(
        Step(python("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"), "task")
    )

    assert outcome.exit_codes == {"task": -signal.SIGSEGV}
    assert outcome.failure == "task was killed by signal 11 (SIGSEGV)"


def test_in_a_pipe_the_cause_is_named_not_the_broken_pipe(run_steps) -> None:
    outcome = run_steps(
        Step(python("import time\nwhile True: print('x' * 1000, flush=True)"), "writer"),
        Step(python("import sys; sys.stdin.readline(); sys.exit(2)"), "reader"),
    )

    assert outcome.exit_codes["reader"] == 2
    assert outcome.exit_codes["writer"] != 0
    assert outcome.failure == "reader exited with code 2"


def test_wall_time_limit_kills(run_steps) -> None:
    outcome = run_steps(Step(python("import time; time.sleep(60)"), "sleepy"), wall_time_s=1.0)

    assert outcome.failure == "wall time limit 1 s exceeded"
    assert outcome.exit_codes == {"sleepy": -signal.SIGKILL}
    assert 1.0 <= outcome.wall_s < 30  # it would sleep 60 s


def test_a_stopped_run_leaves_no_process_of_its_tree_behind(workdir: Path) -> None:
    # Ctrl-C (or any exception) while running goes through the same kill as a limit does.
    pid_file = workdir / "sleeper.pid"

    def interrupt_once_the_grandchild_runs(_: Tick) -> None:
        if pid_file.exists() and pid_file.read_text():
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(
            [Step(program("spawn_sleeper"), "sleepy")],
            workdir=workdir,
            env=scrubbed_environment(workdir),
            limits=Limits(wall_time_s=50),
            interval_s=0.1,
            on_tick=interrupt_once_the_grandchild_runs,
        )

    grandchild = int(pid_file.read_text())
    assert not psutil.pid_exists(grandchild) or psutil.Process(grandchild).status() == "zombie"


def test_memory_limit_kills_with_the_pss_in_the_reason(workdir: Path, run_steps) -> None:
    outcome = run_steps(Step(program("allocate", 300, 10), "hog"), memory_bytes=150_000_000)

    assert outcome.limit_exceeded is not None
    assert outcome.failure == outcome.limit_exceeded
    prefix = "memory limit 150 MB exceeded: PSS "
    assert outcome.failure.startswith(prefix)
    pss_mb = float(outcome.failure.removeprefix(prefix).removesuffix(" MB"))
    assert 150 < pss_mb < 330
    assert outcome.exit_codes == {"hog": -signal.SIGKILL}  # killed long before its 10 s of CPU
    assert (workdir / "stdout.log").read_text() == ""


def test_an_executable_that_does_not_exist_is_a_failure_not_a_crash(run_steps) -> None:
    outcome = run_steps(Step(("o2-analysis-does-not-exist", "-b"), "o2"))

    assert outcome.failure == "cannot start o2-analysis-does-not-exist: No such file or directory"
    assert outcome.exit_codes == {}


def test_device_names_of_a_pipe_must_differ(workdir: Path) -> None:
    step = Step(python("pass"), "same")
    with pytest.raises(
        WorkflowError, match=r"^device names of a pipe must differ, found same, same$"
    ):
        run([step, step], workdir=workdir, env={}, limits=Limits())


def test_cpu_time_is_complete_even_for_a_process_shorter_than_one_interval(run_steps) -> None:
    outcome = run_steps(Step(program("allocate", 10, 0.3), "quick"), interval_s=5.0)

    cpu_us = sum(v for _, v in outcome.metrics["quick"]["cpuUsedAbsolute"])
    own = resource.getrusage(resource.RUSAGE_CHILDREN)  # includes this child, among others
    assert 0.3e6 <= cpu_us <= own.ru_utime * 1e6 + own.ru_stime * 1e6
    assert cpu_us < 1.5e6
