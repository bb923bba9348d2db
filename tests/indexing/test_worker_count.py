"""Worker processes are sized by the CPUs this process may use, not the machine's count."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from searchpod.indexing import build
from searchpod.indexing.build import PARALLEL_MIN_BYTES, usable_cpus, worker_count


@pytest.fixture
def big_run(tmp_path):
    """A run with enough text for workers: one sparse file of the threshold's size."""
    f = tmp_path / "big.tsv"
    with f.open("wb") as out:
        out.truncate(PARALLEL_MIN_BYTES)
    return [(SimpleNamespace(files=[f]), "fingerprint")]


@pytest.fixture
def machine(monkeypatch, tmp_path):
    """A 4-CPU machine whose affinity and cgroup quota the test sets."""
    monkeypatch.delenv("SEARCHPOD_WORKERS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    root = tmp_path / "cgroup"
    root.mkdir()

    def set_up(affinity: int = 4, cpu_max: str | None = None, cfs: tuple[int, int] | None = None):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(affinity)))
        if cpu_max is not None:
            (root / "cpu.max").write_text(cpu_max + "\n")
        if cfs is not None:
            (root / "cpu").mkdir()
            (root / "cpu" / "cpu.cfs_quota_us").write_text(f"{cfs[0]}\n")
            (root / "cpu" / "cpu.cfs_period_us").write_text(f"{cfs[1]}\n")
        monkeypatch.setattr(build, "usable_cpus", lambda: usable_cpus(root))
        return root

    return set_up


def test_affinity_mask_limits_the_cpus(machine):
    root = machine(affinity=2)
    assert usable_cpus(root) == 2


@pytest.mark.parametrize(
    ("cpu_max", "cpus"), [("max 100000", 4), ("250000 100000", 2), ("50000 100000", 1)]
)
def test_cgroup_v2_quota_limits_the_cpus(machine, cpu_max, cpus):
    root = machine(cpu_max=cpu_max)
    assert usable_cpus(root) == cpus


@pytest.mark.parametrize(("cfs", "cpus"), [((-1, 100000), 4), ((200000, 100000), 2)])
def test_cgroup_v1_quota_limits_the_cpus(machine, cfs, cpus):
    root = machine(cfs=cfs)
    assert usable_cpus(root) == cpus


def test_a_large_run_uses_a_worker_per_usable_cpu(machine, big_run):
    machine(cpu_max="300000 100000")
    assert worker_count(big_run) == 3


def test_one_usable_cpu_indexes_in_process(machine, big_run):
    machine(affinity=1)
    assert worker_count(big_run) == 0


def test_small_runs_and_the_override_are_unchanged(machine, big_run, monkeypatch, tmp_path):
    machine()
    small = tmp_path / "small.tsv"
    small.write_text("start\tend\ttext\n")
    assert worker_count([(SimpleNamespace(files=[small]), "fp")]) == 0
    monkeypatch.setenv("SEARCHPOD_WORKERS", "3")
    assert worker_count(big_run) == 3


def test_this_machine_has_at_least_one_usable_cpu():
    assert 1 <= usable_cpus() <= (os.cpu_count() or 1)
    assert usable_cpus(Path("/nonexistent")) >= 1
