"""kiosk.affinity: ``kiosk run`` keeps its threads on the CPU it started on (issue 18.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiosk.affinity import current_cpu
from kiosk.config import Settings

PROBE = """
import json, os, threading
from kiosk.affinity import keep_on_one_cpu
before = sorted(os.sched_getaffinity(0))
cpu = keep_on_one_cpu()
seen = {}
thread = threading.Thread(target=lambda: seen.update(later=sorted(os.sched_getaffinity(0))))
thread.start(); thread.join()
print(json.dumps({"before": before, "cpu": cpu, "main": sorted(os.sched_getaffinity(0)), **seen}))
"""


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")
def test_kept_on_the_cpu_it_runs_on_with_every_later_thread() -> None:
    # In a child process: pinning this test worker would slow the rest of the suite.
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    if len(result["before"]) < 2:
        assert result["cpu"] is None and result["main"] == result["before"]
        return
    assert result["cpu"] in result["before"]
    assert result["main"] == result["later"] == [result["cpu"]]


def test_current_cpu_is_one_this_process_may_use() -> None:
    cpu = current_cpu()
    if hasattr(os, "sched_getaffinity") and cpu is not None:
        assert cpu in os.sched_getaffinity(0)


def test_on_by_default_and_can_be_turned_off() -> None:
    from kiosk.config import settings_from_mapping

    assert Settings(source="(test)").terminal.one_cpu is True
    assert settings_from_mapping({"terminal": {"one_cpu": False}}).terminal.one_cpu is False


@pytest.mark.parametrize("one_cpu", [True, False])
def test_kiosk_run_keeps_one_cpu_only_when_set(monkeypatch: pytest.MonkeyPatch, one_cpu: bool) -> None:
    from kiosk import affinity
    from kiosk.commands import run

    calls: list[str] = []

    class Stop(Exception):
        pass

    def no_database(settings: Settings, **_: object) -> None:
        calls.append("database")
        raise Stop

    monkeypatch.setattr(affinity, "keep_on_one_cpu", lambda: calls.append("pinned"))
    monkeypatch.setattr(run, "database_for", no_database)
    settings = Settings(source="(test)")
    settings.terminal.one_cpu = one_cpu
    with pytest.raises(Stop):
        run._start(settings, "self")
    assert calls == (["pinned", "database"] if one_cpu else ["database"])
