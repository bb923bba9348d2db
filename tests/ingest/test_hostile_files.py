"""Hostile files, folders and names: each is one named failure (or a clean success), never a
traceback, a hang or a lost episode — with time and memory bounded by resource limits.

Runs that could hang or exhaust memory go through ``bounded``: the real ``searchpod`` command
in a subprocess whose address space and CPU time are capped (RLIMIT_AS, RLIMIT_CPU), so a
regression fails the test instead of the machine.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from searchpod.frontends.cli import main
from searchpod.ingest.files import MAX_FILE_ENV
from tests.httpserver import LocalServer, Route
from tests.ingest.test_ingest_feed import _no_proxy, rss, server, show_xml

__all__ = ["_no_proxy", "server"]  # fixtures, imported for pytest

VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nThe {word} was seen at dawn.\n"

# Imports first, then the limits: the budget is what indexing may add to a started process.
BOUNDED = """
import resource, sys
import bs4, charset_normalizer, lxml.html, whoosh.index
import searchpod.indexing.build, searchpod.frontends.cli, searchpod.index, searchpod.ingest.pages.html
import searchpod.ingest.pages.text, searchpod.ingest.transcripts.detect
budget_mb, cpu_s, mode = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open("/proc/self/status") as status:
    vm = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (vm + int(budget_mb * 2**20),) * 2)
resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
if mode == "cli":
    searchpod.frontends.cli.main(sys.argv[4:], prog_name="searchpod")
from searchpod.errors import IngestError
from searchpod.ingest.sources import discover, load_episode
groups, failures = discover(sys.argv[4:])
for failure in failures:
    print(f"error: {failure}")
for group in groups:
    try:
        episode = load_episode(group)
    except IngestError as exc:
        print(f"error: {exc}")
    else:
        print(f"parsed: {episode.id}: {len(episode.body)} characters")
"""


def bounded(
    *args: str, budget_mb: float, cpu_s: int = 20, mode: str = "cli"
) -> subprocess.CompletedProcess[str]:
    """``searchpod ARGS`` (mode "cli") or parse-only (mode "parse") under resource limits.

    The timeout only catches a hang that uses no CPU (a blocked open): generous on purpose.
    """
    return subprocess.run(
        [sys.executable, "-c", BOUNDED, str(budget_mb), str(cpu_s), mode, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SEARCHPOD_WORKERS": "0"},
    )


def assert_clean(stderr: str) -> None:
    assert "Traceback" not in stderr and "MemoryError" not in stderr, stderr


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    # The CLI's --max-file-mb sets the variable in this process: monkeypatch restores it.
    monkeypatch.setenv(MAX_FILE_ENV, os.environ.get(MAX_FILE_ENV, "16"))

    def invoke(*args: str, index: Path | None = None):
        result = CliRunner().invoke(main, ["--index", str(index or tmp_path / "ix"), *args])
        assert_clean(result.stderr)
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), result.exception
        return result

    return invoke


def ids(cli: Callable[..., object], query: str, index: Path | None = None) -> set[str]:
    result = cli("search", query, "--json", "--limit", "100", index=index)
    return {hit["id"] for hit in json.loads(result.stdout)["hits"]}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with one good transcript, for hostile neighbours to join."""
    tr = tmp_path / "tr"
    tr.mkdir()
    (tr / "good.vtt").write_text(VTT.format(word="lighthouse"), encoding="utf-8")
    return tr


def unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``path`` unreadable; as root (whom permissions don't stop) the OS calls refuse it."""
    path.chmod(0)
    if os.geteuid() != 0:
        return
    target = os.fsencode(path)
    real_open, real_scandir, real_access = os.open, os.scandir, os.access

    def denied(name: object) -> PermissionError:
        return PermissionError(13, "Permission denied", os.fsdecode(name))  # type: ignore[arg-type]

    def fake_open(name, *args, **kwargs):
        if os.fsencode(name) == target:
            raise denied(name)
        return real_open(name, *args, **kwargs)

    def fake_scandir(name="."):
        if os.fsencode(name) == target:
            raise denied(name)
        return real_scandir(name)

    def fake_access(name, mode, *args, **kwargs):
        return False if os.fsencode(name) == target else real_access(name, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    monkeypatch.setattr(os, "access", fake_access)


@pytest.fixture(autouse=True)
def _restore_permissions(tmp_path: Path):
    yield
    for dirpath, dirnames, filenames in os.walk(tmp_path):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            if not p.is_symlink():
                p.chmod(0o755)


# -- 6: one bad file is one named failure ----------------------------------------------


def test_lone_surrogate_in_a_json_transcript_is_one_named_failure(cli, folder: Path) -> None:
    bad = folder / "bad.json"
    bad.write_text('{"segments": [{"start": 1, "end": 2, "text": "bad \\ud800 text"}]}')
    result = cli("index", str(folder))
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [
        f"error: {bad}: text is not valid Unicode (surrogates not allowed: '\\ud800')"
    ]
    assert ids(cli, "lighthouse") == {"tr/good.vtt"}


def test_lone_surrogate_from_a_feed_does_not_break_the_other_feed(
    cli, server: LocalServer, tmp_path: Path
) -> None:
    body = b'{"segments": [{"start": 1, "end": 2, "text": "kelp \\ud800 forest"}]}'
    server.routes["/bad.json"] = Route(body=body, content_type="application/json")
    item = (
        "<item><title>Bad one</title><guid>bad-1</guid>"
        f'<podcast:transcript url="{server.url("/bad.json")}" type="application/json"/></item>'
        "<item><title>Fine one</title><guid>fine-1</guid><description>Seahorses drift.</description>"
        "</item>"
    )
    hostile, good = tmp_path / "hostile.xml", tmp_path / "good.xml"
    hostile.write_bytes(rss(item))
    good.write_bytes(show_xml(server.base_url))
    result = cli("index", str(hostile), str(good), "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["added"] >= 6  # the whole good feed, and the hostile feed's good item
    assert [f["source"] for f in report["failed"] if "Unicode" in f["reason"]] == ["bad-1"]
    assert ids(cli, "seahorses") == {"fine-1"}
    assert ids(cli, "kelp")  # the other feed's episodes are searchable

    # The same through remembered feeds: 'feed sync' goes on past the bad transcript.
    synced = tmp_path / "synced"
    for feed in (hostile, good):
        assert cli("feed", "add", str(feed), index=synced).exit_code == 0
    sync = cli("feed", "sync", "--json", index=synced)
    assert sync.exit_code == 1
    assert json.loads(sync.stdout)["added"] == report["added"]
    assert ids(cli, "kelp", index=synced) == ids(cli, "kelp")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: (d / "dangling.vtt").symlink_to(d / "nowhere.vtt"), "dangling symlink"),
        (lambda d: (d / "loop.vtt").symlink_to(d / "loop.vtt"), "symlink loop: not read"),
    ],
    ids=["dangling", "loop"],
)
def test_broken_symlinks_are_named_failures(cli, folder: Path, make, reason: str) -> None:
    make(folder)
    result = cli("index", str(folder))
    assert result.exit_code == 1
    [line] = error_lines(result.stderr)
    assert line.startswith(f"error: {folder}/") and reason in line
    assert ids(cli, "lighthouse") == {"tr/good.vtt"}


def test_a_file_name_that_is_not_utf8_is_named_safely(cli, folder: Path) -> None:
    odd = os.fsencode(folder) + b"/caf\xe9.vtt"
    with open(odd, "w", encoding="utf-8") as f:
        f.write(VTT.format(word="harbour"))
    result = cli("index", str(folder))
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [
        f"error: {folder}/caf\\xe9.vtt: file name is not valid UTF-8: rename it to index it"
    ]
    assert ids(cli, "lighthouse") == {"tr/good.vtt"}


# -- 7: only regular files, with a size cap ------------------------------------------------


def test_a_fifo_never_blocks_found_or_named(tmp_path: Path, folder: Path) -> None:
    fifo = folder / "pipe.vtt"
    os.mkfifo(fifo)
    for target in (folder, fifo):
        run = bounded("--index", str(tmp_path / "ix"), "index", str(target), budget_mb=64)
        assert_clean(run.stderr)
        assert run.returncode == 1
        assert error_lines(run.stderr) == [f"error: {fifo}: not a regular file (a FIFO): not read"]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_symlinks_to_devices_are_refused(tmp_path: Path, folder: Path, device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} is absent here")
    (folder / "endless.vtt").symlink_to(device)
    run = bounded("--index", str(tmp_path / "ix"), "index", str(folder), budget_mb=64, cpu_s=10)
    assert_clean(run.stderr)
    assert run.returncode == 1
    assert error_lines(run.stderr) == [
        f"error: {folder}/endless.vtt: not a regular file (a device): not read"
    ]
    assert "1 added" in run.stderr


def test_files_over_the_size_cap_are_refused_without_being_read(
    tmp_path: Path, folder: Path
) -> None:
    big = folder / "big.txt"
    big.write_text("word " * (17 * 2**20 // 5 + 1000))  # just over the 16 MB default
    run = bounded("--index", str(tmp_path / "ix"), "index", str(folder), budget_mb=24)
    assert_clean(run.stderr)
    assert run.returncode == 1
    assert error_lines(run.stderr) == [
        f"error: {big}: too large (17.0 MB, the limit is 16 MB; "
        f"raise it with --max-file-mb or {MAX_FILE_ENV})"
    ]


def test_the_size_cap_can_be_lowered_and_raised(cli, folder: Path, monkeypatch) -> None:
    (folder / "long.txt").write_text("A long talk about harbours and tides. " * 40_000)
    lowered = cli("index", "--max-file-mb", "1", str(folder))
    assert lowered.exit_code == 1
    assert "long.txt: too large (1.4 MB, the limit is 1 MB" in lowered.stderr
    monkeypatch.setenv(MAX_FILE_ENV, "2")
    raised = cli("index", str(folder))
    assert raised.exit_code == 0, raised.stderr
    assert ids(cli, "harbours") == {"tr/long.txt"}


# -- 8: parsing cost linear in the input, memory a few times its size ----------------------


def test_a_file_too_big_to_index_in_memory_is_refused_up_front_even_with_a_raised_cap(
    tmp_path: Path, folder: Path
) -> None:
    big = folder / "big.txt"
    big.write_text("A long talk about harbours and tides. " * (30 * 2**20 // 38))  # 30 MB
    # 64 MB of memory: far less than the file would take, so it cannot have been read.
    run = bounded(
        "--index", str(tmp_path / "ix"), "index", "--max-file-mb", "64", str(folder), budget_mb=64
    )
    assert_clean(run.stderr)
    assert run.returncode == 1
    assert error_lines(run.stderr) == [
        f"error: {big}: too large to index (30.0 MB would take about 1.2 GB of memory; "
        "files of this kind may be up to 19 MB: split it)"
    ]
    assert "1 added" in run.stderr  # the rest of the folder is indexed


def test_running_out_of_memory_on_a_file_is_one_line_and_the_run_goes_on(
    tmp_path: Path, folder: Path
) -> None:
    (folder / "long.txt").write_text("A long talk about harbours and tides.\n" * 150_000)  # 6 MB
    run = bounded("--index", str(tmp_path / "ix"), "index", str(folder), budget_mb=48, cpu_s=60)
    assert_clean(run.stderr)
    assert run.returncode == 1, run.stderr
    assert error_lines(run.stderr) == [
        f"error: {folder / 'long.txt'}: not enough memory to index it: split it, or free memory"
    ]
    assert "1 added" in run.stderr


def test_a_sparse_gigabyte_is_refused_as_binary_from_its_first_bytes(tmp_path: Path) -> None:
    sparse = tmp_path / "sparse.vtt"
    with open(sparse, "wb") as f:
        f.truncate(2**30)
    ix = str(tmp_path / "ix")
    # Even with the cap raised above its size, only a prefix is read: 16 MB of memory is plenty.
    run = bounded("--index", ix, "index", "--max-file-mb", "2048", str(sparse), budget_mb=16)
    assert_clean(run.stderr)
    assert error_lines(run.stderr) == [f"error: {sparse}: binary file, not text"]


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("<dl><dt>term</dt><dd>", "</dd></dl>"),  # 5,000 levels took 99 s when quadratic
        ("<header>", "</header>"),
        ("<table><tr><td>", "</td></tr></table>"),
        ("<div><b>Host:</b><div>", "</div></div>"),
    ],
    ids=["dl", "header", "table", "label-pairs"],
)
def test_deeply_nested_markup_parses_in_linear_time(
    tmp_path: Path, opening: str, closing: str
) -> None:
    depth = 5000
    page = tmp_path / "deep.html"
    page.write_text(
        "<html><body><main><h1>Deep</h1><p>Podcast Content</p>"
        + opening * depth
        + "the walrus spoke"
        + closing * depth
        + "</main></body></html>"
    )
    # 8 CPU seconds for the whole process, imports and index included (~1 s when linear).
    run = bounded("--index", str(tmp_path / "ix"), "index", str(page), budget_mb=64, cpu_s=8)
    assert_clean(run.stderr)
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[-1].startswith("indexed: 1 added")


def test_a_million_paragraphs_are_refused_before_building_a_tree(tmp_path: Path) -> None:
    page = tmp_path / "paragraphs.html"
    page.write_text("<html><body><h1>Many</h1>" + "<p>ab</p>" * 1_000_000 + "</body></html>")
    size_mb = page.stat().st_size / 2**20
    run = bounded(
        "--index", str(tmp_path / "ix"), "index", str(page), budget_mb=5 * size_mb, cpu_s=10
    )
    assert_clean(run.stderr)
    assert run.returncode == 1
    assert error_lines(run.stderr) == [
        f"error: {page}: too much markup to be an episode page (2,000,006 tags; "
        "the limit is 100,000)"
    ]


def test_a_tag_dense_page_under_the_limit_parses_within_bounds(tmp_path: Path) -> None:
    page = tmp_path / "dense.html"
    page.write_text("<html><body><h1>Dense</h1>" + "<p>ab</p>" * 20_000 + "</body></html>")
    # BeautifulSoup's ~1 KB per element: the tag limit bounds this to ~100 MB at worst.
    run = bounded(str(page), budget_mb=64, cpu_s=15, mode="parse")
    assert_clean(run.stderr)
    assert run.stdout.splitlines() == [
        f"error: {page}: not an episode page or a transcript (no 'Podcast Content' section; "
        "no timed or labelled lines)"
    ]


def test_a_50_mb_single_line_is_refused_by_the_cap_without_reading_it(tmp_path: Path) -> None:
    line = tmp_path / "line.txt"
    line.write_text("word " * 10_000_000)
    run = bounded("--index", str(tmp_path / "ix"), "index", str(line), budget_mb=16)
    assert_clean(run.stderr)
    assert error_lines(run.stderr) == [
        f"error: {line}: too large (47.7 MB, the limit is 16 MB; "
        f"raise it with --max-file-mb or {MAX_FILE_ENV})"
    ]


@pytest.mark.parametrize("suffix", [".txt", ".vtt", ".html"])
def test_an_8_mb_single_line_parses_in_five_times_its_size(tmp_path: Path, suffix: str) -> None:
    words = "word " * (8 * 2**20 // 5)
    path = tmp_path / f"line{suffix}"
    if suffix == ".vtt":
        path.write_text(f"WEBVTT\n\n00:01.000 --> 00:02.000\n{words}\n")
    elif suffix == ".html":
        path.write_text(f"<html><body><h1>One line</h1><p>Podcast Content</p><p>{words}</p>")
    else:
        path.write_text(words)
    size_mb = path.stat().st_size / 2**20
    run = bounded(str(path), budget_mb=5 * size_mb + 16, cpu_s=30, mode="parse")
    assert_clean(run.stderr)
    [line] = run.stdout.splitlines()
    assert line.startswith(f"parsed: {tmp_path.name}/line{suffix}: ")


# -- 11: same-named folders ---------------------------------------------------------------


def write_show(folder: Path, **episodes: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, word in episodes.items():
        (folder / f"{name}.vtt").write_text(VTT.format(word=word), encoding="utf-8")
    return folder


def test_two_folders_with_the_same_name_do_not_collide(cli, tmp_path: Path) -> None:
    a = write_show(tmp_path / "a" / "tr", ep1="albatross", ep2="avocet")
    b = write_show(tmp_path / "b" / "tr", ep1="bittern")
    first = json.loads(cli("index", str(a), "--json").stdout)
    assert first["added"] == 2
    assert ids(cli, "albatross OR avocet") == {"tr/ep1.vtt", "tr/ep2.vtt"}  # ids as before
    second = json.loads(cli("index", str(b), "--json").stdout)
    assert (second["added"], second["updated"]) == (1, 0)
    assert ids(cli, "albatross") == {"tr/ep1.vtt"}
    [b_id] = ids(cli, "bittern")
    assert b_id.startswith("tr~") and b_id.endswith("/ep1.vtt")

    # Again, and pruning b: a's episodes stay, b keeps its own prefix.
    again = json.loads(cli("index", str(a), str(b), "--prune", "--json").stdout)
    assert (again["added"], again["updated"], again["removed"], again["unchanged"]) == (0, 0, 0, 3)
    (b / "ep1.vtt").unlink()
    pruned = json.loads(cli("index", str(b), "--prune", "--json").stdout)
    assert pruned["removed"] == 1
    assert ids(cli, "bittern") == set()
    assert ids(cli, "albatross OR avocet") == {"tr/ep1.vtt", "tr/ep2.vtt"}


def test_same_named_folders_in_one_run_and_in_a_rebuild(cli, tmp_path: Path) -> None:
    a = write_show(tmp_path / "a" / "tr", ep1="albatross")
    b = write_show(tmp_path / "b" / "tr", ep1="bittern")
    report = json.loads(cli("index", str(a), str(b), "--json").stdout)
    assert report["added"] == 2
    before = ids(cli, "albatross OR bittern")
    rebuilt = json.loads(cli("index", str(a), str(b), "--rebuild", "--json").stdout)
    assert rebuilt["added"] == 2
    assert ids(cli, "albatross OR bittern") == before and len(before) == 2


def test_a_moved_folder_keeps_its_ids(cli, tmp_path: Path) -> None:
    old = write_show(tmp_path / "old" / "tr", ep1="albatross")
    cli("index", str(old))
    new = tmp_path / "new" / "tr"
    new.parent.mkdir()
    old.rename(new)
    report = json.loads(cli("index", str(new), "--prune", "--json").stdout)
    assert (report["added"], report["removed"], report["unchanged"]) == (0, 0, 1)
    assert ids(cli, "albatross") == {"tr/ep1.vtt"}


# -- 12: unreadable folders ---------------------------------------------------------------


def test_an_unreadable_sub_folder_is_an_error_and_prune_keeps_its_episodes(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = write_show(tmp_path / "tr", ep1="albatross")
    sub = write_show(top / "sub", ep2="bittern")
    cli("index", str(top))
    assert ids(cli, "bittern") == {"tr/sub/ep2.vtt"}
    unreadable(sub, monkeypatch)
    result = cli("index", str(top), "--prune", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["removed"] == 0
    assert [(f["source"], f["reason"]) for f in report["failed"]] == [
        (str(sub), "cannot read folder: Permission denied")
    ]
    assert ids(cli, "bittern") == {"tr/sub/ep2.vtt"}


# -- 13: unreadable files named on the command line; pairing ---------------------------------


def test_an_unreadable_named_file_is_exit_1_with_the_others_indexed(
    cli, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = folder / "secret.vtt"
    secret.write_text(VTT.format(word="kestrel"), encoding="utf-8")
    unreadable(secret, monkeypatch)
    result = cli("index", str(folder / "good.vtt"), str(secret))
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [f"error: {secret}: cannot read: Permission denied"]
    assert ids(cli, "lighthouse") == {"tr/good.vtt"}


def test_pairing_is_the_same_for_named_files_and_a_folder(cli, tmp_path: Path) -> None:
    tr = tmp_path / "tr"
    tr.mkdir()
    (tr / "ep.html").write_text(
        "<html><body><h1>Puffins</h1><p>Podcast Content</p><p>Puffins nest.</p></body></html>"
    )
    (tr / "ep.vtt").write_text(VTT.format(word="puffin"), encoding="utf-8")
    named = json.loads(
        cli("index", str(tr / "ep.html"), str(tr / "ep.vtt"), "--json", index=tmp_path / "a").stdout
    )
    found = json.loads(cli("index", str(tr), "--json", index=tmp_path / "b").stdout)
    assert named["added"] == found["added"] == 1
    for index in (tmp_path / "a", tmp_path / "b"):
        assert ids(cli, "puffins", index=index) == {"tr/ep.html"}
        assert ids(cli, "puffin", index=index) == {"tr/ep.html"}  # the transcript's word


# -- 14: leftovers and deleted documents ----------------------------------------------------


def test_leftovers_of_interrupted_runs_are_cleaned_by_the_next_run(cli, folder: Path) -> None:
    index = folder.parent / "ix"
    cli("index", str(folder), index=index)
    live = (index / "CURRENT").read_text()
    (index / "g000099").mkdir()
    (index / "g000099" / "half.seg").write_bytes(b"x")
    (index / ".CURRENT.k2j4.tmp").write_text("g000099")
    (index / live / ".files.marshal.abc.tmp").write_bytes(b"x")
    result = cli("index", str(folder), index=index)
    assert result.exit_code == 0
    assert sorted(p.name for p in index.iterdir() if p.name.startswith(("g", "."))) == [live]
    assert not list((index / live).glob(".*.tmp"))
    assert ids(cli, "lighthouse", index=index) == {"tr/good.vtt"}


def test_deleted_documents_are_reclaimed_by_normal_merging(cli, tmp_path: Path) -> None:
    from whoosh.index import open_dir

    show = write_show(tmp_path / "tr", **{f"ep{n:02d}": f"word{n}" for n in range(20)})
    index = tmp_path / "ix"
    cli("index", str(show), index=index)
    for n in range(9):  # each run replaces one episode of the first, big segment
        (show / f"ep{n:02d}.vtt").write_text(VTT.format(word=f"changed{n}"), encoding="utf-8")
        assert cli("index", str(show), index=index).exit_code == 0
    gen = index / (index / "CURRENT").read_text().strip()
    with open_dir(str(gen)).reader() as reader:
        live, total = reader.doc_count(), reader.doc_count_all()
    assert live == 20
    assert total - live <= 0.2 * total, f"{total - live} deleted documents of {total} kept"


def test_unreadable_helper_really_denies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulation used above (as root) refuses what the OS would refuse a normal user."""
    path = tmp_path / "f.txt"
    path.write_text("x")
    unreadable(path, monkeypatch)
    assert stat.S_IMODE(path.stat().st_mode) == 0
    with pytest.raises(PermissionError):
        os.close(os.open(path, os.O_RDONLY))


@given(st.text(alphabet="ab \t\n\xa0\u2003", max_size=80))
def test_collapsing_spaces_in_chunks_equals_splitting_words(text: str) -> None:
    import searchpod.ingest.transcripts.cues as cues

    chunk, split_max = cues._COLLAPSE_CHUNK, cues._SPLIT_MAX
    cues._COLLAPSE_CHUNK = 7  # many cuts, some inside runs of spaces
    cues._SPLIT_MAX = 0  # not the short texts' path: the chunked one
    try:
        assert cues.collapse_spaces(text) == " ".join(text.split())
    finally:
        cues._COLLAPSE_CHUNK, cues._SPLIT_MAX = chunk, split_max


def test_prune_still_removes_a_named_file_that_is_gone(cli, folder: Path) -> None:
    gone = folder / "gone.vtt"
    gone.write_text(VTT.format(word="dodo"), encoding="utf-8")
    cli("index", str(folder))
    gone.unlink()
    result = cli("index", str(gone), "--prune", "--json")
    assert json.loads(result.stdout)["removed"] == 1
    assert ids(cli, "dodo") == set()


def test_pruning_a_named_file_leaves_its_folders_other_episodes(cli, folder: Path) -> None:
    (folder / "other.vtt").write_text(VTT.format(word="dodo"), encoding="utf-8")
    cli("index", str(folder))
    moved = folder.parent / "elsewhere"
    moved.mkdir()
    (folder / "other.vtt").rename(moved / "other.vtt")  # gone from tr/, not pruned by name
    result = cli("index", str(folder / "good.vtt"), "--prune", "--json")
    assert json.loads(result.stdout)["removed"] == 0
    assert ids(cli, "dodo") == {"tr/other.vtt"}


def test_a_feed_file_over_the_size_cap_is_one_named_failure(cli, folder: Path) -> None:
    feed = folder.parent / "huge.xml"
    feed.write_bytes(rss("<item><title>Padded</title><guid>p-1</guid></item>" * 30_000))
    result = cli("index", "--max-file-mb", "1", str(feed), str(folder))
    assert result.exit_code == 1
    [line] = error_lines(result.stderr)
    assert line.startswith(f"error: {feed}: cannot read feed: too large (")
    assert ids(cli, "lighthouse") == {"tr/good.vtt"}


def test_real_permissions_named_files_and_folders(tmp_path: Path) -> None:
    """The same, with the OS refusing: as root, the run drops to user 'nobody' (setpriv)."""
    import shutil
    import tempfile

    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot drop privileges")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    # Outside tmp_path, whose parents are private to root.
    work = Path(tempfile.mkdtemp(prefix="searchpod-perm-"))
    try:
        work.chmod(0o777)
        write_show(work / "tr", ok="albatross")
        write_show(work / "tr" / "locked", hidden="bittern")
        (work / "tr" / "secret.vtt").write_text(VTT.format(word="kestrel"))
        ix = str(work / "ix")

        def searchpod(*args: str) -> subprocess.CompletedProcess[str]:
            command = [
                *prefix,
                sys.executable,
                "-m",
                "searchpod.frontends.cli",
                "--index",
                ix,
                *args,
            ]
            run = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=work)
            assert_clean(run.stderr)
            return run

        assert searchpod("index", "tr").returncode == 0
        (work / "tr" / "secret.vtt").chmod(0)
        (work / "tr" / "locked").chmod(0)
        named = searchpod("index", "tr/ok.vtt", "tr/secret.vtt", "tr/locked/hidden.vtt")
        assert named.returncode == 1
        assert sorted(error_lines(named.stderr)) == [
            "error: tr/locked/hidden.vtt: cannot read: Permission denied",
            "error: tr/secret.vtt: cannot read: Permission denied",
        ]
        pruned = searchpod("index", "--prune", "tr")
        assert pruned.returncode == 1
        assert "error: tr/locked: cannot read folder: Permission denied" in pruned.stderr
        assert "0 removed" in pruned.stderr
        found = searchpod("search", "bittern OR kestrel OR albatross", "--json")
        assert {h["id"] for h in json.loads(found.stdout)["hits"]} == {
            "tr/ok.vtt",
            "tr/secret.vtt",
            "tr/locked/hidden.vtt",
        }
    finally:
        (work / "tr" / "locked").chmod(0o755)
        shutil.rmtree(work)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_wide_unicode_files_are_not_mistaken_for_binary(tmp_path: Path, encoding: str) -> None:
    from searchpod.ingest.files import read_source

    path = tmp_path / "wide.vtt"
    bom = {"utf-16-be": "\ufeff", "utf-32-be": "\ufeff"}.get(encoding, "")
    path.write_bytes((bom + VTT.format(word="gannet")).encode(encoding))
    assert read_source(path).decode(encoding).lstrip("\ufeff").startswith("WEBVTT")


def test_a_folder_with_a_symlink_to_a_file_elsewhere_keeps_its_ids(cli, tmp_path: Path) -> None:
    elsewhere = write_show(tmp_path / "store", real="osprey")
    tr = write_show(tmp_path / "tr", ep1="albatross")
    (tr / "linked.vtt").symlink_to(elsewhere / "real.vtt")
    assert json.loads(cli("index", str(tr), "--json").stdout)["added"] == 2
    again = json.loads(cli("index", str(tr), "--prune", "--json").stdout)
    assert (again["added"], again["removed"], again["unchanged"]) == (0, 0, 2)
    assert ids(cli, "osprey") == {"tr/linked.vtt"}
    (tr / "linked.vtt").unlink()  # the link goes, its target stays: the episode goes
    pruned = json.loads(cli("index", str(tr), "--prune", "--json").stdout)
    assert pruned["removed"] == 1
    assert ids(cli, "osprey") == set()
