"""The state database when it is damaged, locked, old or too new: one clear line, and a way out."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.check import open_state
from monitor.errors import StateCorrupt, StateError
from monitor.store import MIGRATIONS, FeedState, Store
from tests.conftest import write_config
from tests.killing import run_monitor

HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute(sys.argv[2])
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(60)
"""


def _hold_exclusive_lock(path: Path, journal_mode: str = "WAL") -> subprocess.Popen[str]:
    """Another process that holds an exclusive transaction on ``path`` until killed."""
    mode = f"PRAGMA journal_mode={journal_mode}"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), mode], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _release(holder: subprocess.Popen[str]) -> None:
    holder.kill()
    holder.wait()
    assert holder.stdout is not None
    holder.stdout.close()


@pytest.fixture
def state(project: Path) -> Path:
    write_config(project, [("Dead", "http://127.0.0.1:9/feed.xml")])
    return project / ".monitor" / "state.db"


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("monitor: error: ") and "Traceback" not in result.stderr
    return lines[0]


def test_garbage_state_gives_one_line_naming_the_file_and_reindex(project: Path, state: Path) -> None:
    """A state file of garbage bytes: run, status and check exit 1 with one line naming the way out."""
    state.parent.mkdir()
    state.write_bytes(b"this is not a database\x00" * 300)

    for command in (["run"], ["status"], ["check"]):
        result = run_monitor(project, *command)
        assert result.returncode == 1
        line = _one_error_line(result)
        assert str(state) in line and "monitor reindex" in line


def test_reindex_moves_a_garbage_state_aside_and_rebuilds_it(project: Path, state: Path) -> None:
    """`monitor reindex` moves the damaged file to state.db.corrupt-<time>, rebuilds, and check passes."""
    state.parent.mkdir()
    garbage = b"\xde\xad\xbe\xef" * 2000
    state.write_bytes(garbage)

    result = run_monitor(project, "reindex")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "reindexed 2 files"
    moved = list(state.parent.glob("state.db.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == garbage
    assert f"moved the damaged state database to {moved[0]}" in result.stderr
    assert run_monitor(project, "check").stdout.strip() == "ok: 2 files"


def test_damaged_pages_behind_a_valid_header_are_found_and_moved_aside(tmp_path: Path) -> None:
    """A database whose header is fine but whose pages are garbage is reported damaged and rebuilt anew."""
    path = tmp_path / "state.db"
    with Store(path) as store:
        for number in range(300):
            store.save_feed(FeedState(name=f"feed {number}", url=f"https://example.org/{number}.xml" * 5))
    data = bytearray(path.read_bytes())
    data[4096 * 2 :] = b"\x55" * (len(data) - 4096 * 2)
    path.write_bytes(bytes(data))

    store, moved = open_state(path)
    with store:
        assert moved is not None and moved.name.startswith("state.db.corrupt-")
        assert store.integrity_problem() is None
        assert store.feeds() == []


def test_locked_state_gives_one_line_and_is_never_moved_aside(tmp_path: Path) -> None:
    """Another process holding an exclusive transaction past the busy timeout: a StateError saying so."""
    path = tmp_path / "state.db"
    Store(path).close()
    holder = _hold_exclusive_lock(path)
    try:
        started = time.monotonic()
        with Store(path, timeout=0.3) as store, pytest.raises(StateError) as caught, store.transaction():
            pass
        assert time.monotonic() - started < 10
        assert not isinstance(caught.value, StateCorrupt)
        assert str(caught.value).startswith(f"{path}: the state database is locked by another process")
        assert "\n" not in str(caught.value)
    finally:
        _release(holder)
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_state_locked_while_opening_is_reported_as_locked_not_damaged(tmp_path: Path) -> None:
    """A rollback-journal database held exclusively cannot even be opened: the error says locked."""
    path = tmp_path / "state.db"
    holder = _hold_exclusive_lock(path, journal_mode="DELETE")
    try:
        with pytest.raises(StateError, match="locked by another process") as caught:
            open_state(path, timeout=0.3)
        assert not isinstance(caught.value, StateCorrupt)
    finally:
        _release(holder)
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_locked_state_through_the_cli_is_one_line(project: Path, state: Path) -> None:
    """`monitor check --fix` on a locked state prints one line naming the file (busy timeout shortened)."""
    Store(state).close()
    holder = _hold_exclusive_lock(state)
    entry = (
        "import monitor.store as s; s.Store.__init__.__kwdefaults__['timeout'] = 0.3; "
        "from monitor.cli import main; main(['check', '--fix'])"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", entry],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        _release(holder)
    assert result.returncode == 1
    line = _one_error_line(result)
    assert str(state) in line and "locked by another process" in line


@pytest.mark.parametrize("version", range(len(MIGRATIONS)))
def test_a_state_of_every_older_schema_is_migrated_and_keeps_its_rows(tmp_path: Path, version: int) -> None:
    """A database left at schema ``version`` (made by hand) opens at the current version, feeds kept."""
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    for migration in MIGRATIONS[:version]:
        db.executescript(migration)
    if version >= 1:
        db.execute("INSERT INTO feeds(name, url) VALUES ('Desk', 'https://example.org/rss.xml')")
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()

    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        names = [feed.name for feed in store.feeds()]
    assert names == (["Desk"] if version >= 1 else [])
    with Store(path) as store:  # opening again migrates nothing
        assert store.schema_version == len(MIGRATIONS)


def test_a_state_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    """A schema newer than this code knows is refused with a message to upgrade, and left untouched."""
    path = tmp_path / "state.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    before = path.read_bytes()

    with pytest.raises(StateError, match="newer version of monitor"):
        Store(path)
    assert path.read_bytes() == before
