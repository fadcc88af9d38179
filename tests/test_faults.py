"""Write failures: a file-size limit, a full disk and a read-only corpus, each under a real `monitor run`.

We run as root, so permissions cannot make a folder read-only: the faults are made with
RLIMIT_FSIZE (write() then fails with EFBIG) and, where the machine allows a private mount
namespace, with a tiny tmpfs (ENOSPC) or a read-only bind mount (EROFS) over the corpus.
Each time the pass stops writing, says so, exits 1 and leaves no partial file; the next
pass with room writes exactly what was missing.
"""

from __future__ import annotations

import random
import resource
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import monitor_command, run_monitor
from tests.killing import (
    SEEDS,
    NewsSite,
    by_id,
    corpus_files,
    make_project,
    make_stories,
    reference_corpus,
)
from tests.sitegen import Story

FILE_SIZE_LIMIT = 512 * 1024  # the state database (with its WAL) must stay below it


def _mount_namespaces() -> str | None:
    """None when this process may create a private mount namespace and mount in it, else why not."""
    if shutil.which("unshare") is None:
        return "the unshare command is missing"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if probe.returncode == 0 else f"cannot mount in a private namespace: {probe.stderr.strip()}"


needs_mounts = pytest.mark.skipif(_mount_namespaces() is not None, reason=str(_mount_namespaces()))


def _in_namespace(folder: Path, script: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a private mount namespace, in ``folder``; $RUN is the `monitor run` command."""
    run = " ".join(shlex.quote(part) for part in monitor_command("run"))
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f"RUN={shlex.quote(run)}\n{script}"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _no_partial_files(folder: Path, reference: dict[str, bytes]) -> dict[str, bytes]:
    """Assert no temporary file is left and every article is whole; the articles by id."""
    assert not list((folder / "seeds").glob(".tmp-*"))
    files = by_id(corpus_files(folder))
    for identifier, data in files.items():
        assert reference[identifier] == data, identifier
    return files


def _long_story(rng: random.Random) -> Story:
    """An article longer than FILE_SIZE_LIMIT."""
    stories = make_stories(3, 3)
    words = sorted({w for s in stories for p in s.paragraphs for w in p.lower().split() if w.isalpha()})
    body = tuple(" ".join(rng.choice(words) for _ in range(400)).capitalize() + "." for _ in range(180))
    lede = "India and the United States signed a trade agreement in New Delhi on Monday."
    return Story(
        slug="india-us-long-read",
        headline="India and US Sign a Very Long Trade Agreement",
        published="2026-10-05T10:00:00+05:30",
        paragraphs=(lede, *body),
        summary="India and the United States signed an agreement.",
    )


def test_file_size_limit_stops_writing_without_a_partial_file_and_next_pass_resumes(tmp_path: Path) -> None:
    """Under RLIMIT_FSIZE a too-long article fails (EFBIG): no partial file, exit 1; the next pass adds it."""
    long_story = _long_story(random.Random(1))
    with NewsSite([*make_stories(3, seed=3), long_story], page_delay=0).running() as site:
        reference = reference_corpus(site)
        assert len(reference[max(reference, key=lambda k: len(reference[k]))]) > FILE_SIZE_LIMIT
        folder = make_project(tmp_path, site)

        def limit_file_size() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))

        limited = subprocess.run(
            monitor_command("run"),
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            preexec_fn=limit_file_size,
        )
        first = _no_partial_files(folder, reference)
        resumed = run_monitor(folder, "run", "--all")

    assert limited.returncode == 1, limited.stdout + limited.stderr
    assert "corpus write failed" in limited.stdout and "File too large" in limited.stdout
    assert "Traceback" not in limited.stderr
    assert len(first) == len(reference) - 1
    assert resumed.returncode == 0, resumed.stderr
    assert "written 1" in resumed.stdout
    assert _no_partial_files(folder, reference) == reference


@needs_mounts
def test_full_disk_stops_writing_without_a_partial_file_and_the_next_pass_resumes(tmp_path: Path) -> None:
    """On a 16 KiB tmpfs the third article hits ENOSPC: no partial file, exit 1; then the rest lands."""
    with NewsSite(make_stories(5, seed=9), page_delay=0).running() as site:
        reference = reference_corpus(site)
        folder = make_project(tmp_path, site)
        (folder / "after").mkdir()
        # The tmpfs lives only as long as the namespace: copy what the pass left to after/.
        full = _in_namespace(
            folder,
            f"""
            mount -t tmpfs -o size=16k tmpfs seeds && cp {shlex.quote(str(SEEDS))}/*.txt seeds/ || exit 99
            $RUN; code=$?
            cp -a seeds/. after/
            exit $code""",
        )
        assert full.returncode == 1, full.stdout + full.stderr
        assert "No space left on device" in full.stdout
        shutil.rmtree(folder / "seeds")
        (folder / "after").rename(folder / "seeds")
        first = _no_partial_files(folder, reference)
        resumed = run_monitor(folder, "run", "--all")

    assert 2 < len(first) < len(reference)
    assert resumed.returncode == 0, resumed.stderr
    assert f"written {len(reference) - len(first)}" in resumed.stdout
    assert _no_partial_files(folder, reference) == reference


@needs_mounts
def test_corpus_turning_read_only_mid_pass_stops_writing_and_the_next_pass_resumes(tmp_path: Path) -> None:
    """The corpus is remounted read-only after the first article: the pass stops writing (EROFS), exits 1,
    and the next pass writes exactly the missing articles."""
    stories = make_stories(5, seed=21)
    slow = {story.path: 0.5 for story in stories[1:]}
    with NewsSite(stories, page_delay=0, page_delays=slow).running() as site:
        reference = reference_corpus(site)
        folder = make_project(tmp_path, site)
        read_only = _in_namespace(
            folder,
            """
            mount --bind seeds seeds || exit 99
            $RUN & pid=$!
            while [ "$(ls seeds | grep -c '[.]txt$')" -lt 3 ]; do sleep 0.01; done
            mount -o remount,bind,ro seeds || exit 98
            wait $pid""",
        )
        assert read_only.returncode == 1, read_only.stdout + read_only.stderr
        assert "corpus write failed" in read_only.stdout and "Read-only file system" in read_only.stdout
        first = _no_partial_files(folder, reference)
        resumed = run_monitor(folder, "run", "--all")

    assert len(first) == 3
    assert resumed.returncode == 0, resumed.stderr
    assert f"written {len(reference) - 3}" in resumed.stdout
    assert _no_partial_files(folder, reference) == reference


@needs_mounts
def test_read_only_corpus_from_the_start_fails_in_one_line(tmp_path: Path) -> None:
    """A corpus read-only before the pass starts: one line naming the folder, exit 1, nothing written."""
    with NewsSite(make_stories(2, seed=4), page_delay=0).running() as site:
        folder = make_project(tmp_path, site)
        script = "mount --bind seeds seeds && mount -o remount,bind,ro seeds || exit 99\n$RUN"
        result = _in_namespace(folder, script)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("monitor: error: ")
    assert str(folder / "seeds") in lines[0] and "Read-only file system" in lines[0]
    assert sorted(corpus_files(folder)) == sorted(p.name for p in SEEDS.glob("*.txt"))
