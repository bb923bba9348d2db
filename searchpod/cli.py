"""The ``searchpod`` command: a thin click layer over ``searchpod.Index``.

Data goes to stdout, progress and errors to stderr. Exit codes: 0 success (no hits is
success), 1 some files could not be ingested, 2 usage, query or index error, 130 indexing
interrupted (Ctrl-C).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from searchpod.errors import IndexNotFoundError, SearchpodError

DEFAULT_INDEX = "index"
DEFAULT_DATA = "data"
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C (128 + SIGINT)
# Ctrl-C can land just after the commit, so the run may or may not be in: never part of it.
INTERRUPTED = "interrupted: the index keeps its last committed state, never part of a run"


def _console(stderr: bool = False) -> Any:
    from searchpod.render import console_for

    return console_for(stderr=stderr)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"searchpod: {message}", err=True)
    sys.exit(code)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


class _Commands(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        # Ctrl-C outside the spots that say more (e.g. while a report prints): exit 130, one
        # line, instead of click's "Aborted!" with exit 1 (which means "some files failed").
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INTERRUPTED)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index",
    "index_path",
    envvar="SEARCHPOD_INDEX",
    default=DEFAULT_INDEX,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Index directory (or set SEARCHPOD_INDEX).",
)
@click.version_option(package_name="searchpod")
@click.pass_context
def main(ctx: click.Context, index_path: str) -> None:
    """Search podcast episodes and transcripts: which episode, and when."""
    ctx.obj = {"index": index_path}


def _open(ctx: click.Context, *, build_default: bool = False) -> Any:
    from searchpod.index import Index

    path = ctx.obj["index"]
    try:
        return Index(path)
    except IndexNotFoundError:
        source = ctx.obj.get("data", DEFAULT_DATA)
        is_default = path == DEFAULT_INDEX and "SEARCHPOD_INDEX" not in os.environ
        if not (build_default and is_default and Path(source).is_dir()):
            raise
    click.echo(f"searchpod: no index yet: building {path}/ from {source}/ (first use)", err=True)
    ix, report = Index.build(path, [source])
    for failure in report.failed:
        click.echo(f"searchpod: {failure}", err=True)
    return ix


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--prune", is_flag=True, help="Remove episodes whose files under PATHS are gone.")
@click.option("--rebuild", is_flag=True, help="Build a fresh index, swapped in when complete.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--wait",
    "lock_timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds to wait for another indexing run to finish.",
)
@click.pass_context
def index_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    prune: bool,
    rebuild: bool,
    as_json: bool,
    lock_timeout: float,
) -> None:
    """Index episode pages, transcripts and feed files or URLs (default: ./data).

    Only what changed is redone: new files are added, changed ones replaced, the rest
    skipped. --prune also drops episodes whose files are gone.
    """
    from searchpod.index import Index

    err = _console(stderr=True)
    targets = list(paths) or [DEFAULT_DATA]
    try:
        ix = Index.create(ctx.obj["index"])
        with _progress(err, enabled=not as_json) as progress:
            report = ix.add_paths(
                targets,
                prune=prune,
                rebuild=rebuild,
                progress=progress,
                lock_timeout=lock_timeout,
                on_wait=lambda: err.print("waiting for another indexing run to finish…"),
            )
    except SearchpodError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail(INTERRUPTED, EXIT_INTERRUPTED)
    _print_index_report(report, as_json)


class _progress:
    """A rich progress bar on a terminal; nothing otherwise."""

    def __init__(self, console: Any, enabled: bool) -> None:
        self.console = console
        self.enabled = enabled and console.is_terminal
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=self.console.rich,
            transient=True,
        )
        self.bar.__enter__()
        self.task = self.bar.add_task("", total=None)

        def update(done: int, total: int, label: str) -> None:
            self.bar.update(self.task, completed=done, total=total, description=Path(label).name)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@main.command()
@click.argument("query")
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1))
@click.option(
    "--sort",
    default="relevance",
    show_default=True,
    type=click.Choice(["relevance", "newest", "oldest"]),
)
@click.option("--host", help="Only episodes with this host (words, e.g. 'alvarez').")
@click.option("--show", "show_name", help="Only episodes of this show.")
@click.option("--speaker", help="Only episodes where this speaker talks.")
@click.option("--since", help="Published on or after (2023, 2023-04 or 2023-04-30).")
@click.option("--until", help="Published on or before (2023, 2023-04 or 2023-04-30).")
@click.option("--episode", help="Episode number or range: 12, 10..20, 10.., ..20.")
@click.option("--facets", is_flag=True, help="Count hits per host and show.")
@click.option("--fuzzy", is_flag=True, help="Also match near spellings of every word.")
@click.option("--all", "all_words", is_flag=True, help="Only episodes holding every word.")
@click.option("--any", "any_word", is_flag=True, help="Episodes holding any of the words.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON (see README).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "plain", "html"]),
    default="terminal",
    show_default=True,
    help="Snippet highlighting: rich terminal, plain **markers**, or HTML <mark>.",
)
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    limit: int,
    page: int,
    sort: str,
    host: str | None,
    show_name: str | None,
    speaker: str | None,
    since: str | None,
    until: str | None,
    episode: str | None,
    facets: bool,
    fuzzy: bool,
    all_words: bool,
    any_word: bool,
    as_json: bool,
    fmt: str,
) -> None:
    """Search the index. QUERY uses the query language described in the README."""
    try:
        ix = _open(ctx, build_default=True)
        results = ix.search(
            query,
            limit=limit,
            page=page,
            sort=sort,
            host=host,
            show=show_name,
            speaker=speaker,
            since=since,
            until=until,
            episode=episode,
            facets=facets,
            fuzzy=fuzzy,
            all=all_words,
            any=any_word,
        )
    except SearchpodError as exc:
        _fail(str(exc))
    if as_json:
        _dump(results.to_dict())
    elif fmt == "terminal":
        from searchpod.render import print_results

        print_results(_console(), results)
    else:
        from searchpod.highlight import snippet_html, snippet_plain

        render = snippet_html if fmt == "html" else snippet_plain
        for hit in results.hits:
            click.echo(f"{hit.title} ({hit.id})")
            for snippet in hit.snippets:
                click.echo("    " + render(snippet))


@main.command()
@click.argument("episode_id")
@click.option("-q", "--query", help="Highlight this query's words.")
@click.option("--at", "at", help="Start at this time (e.g. 12:30 or 1:02:03).")
@click.option("--json", "as_json", is_flag=True, help="Print the episode as JSON.")
@click.pass_context
def show(
    ctx: click.Context, episode_id: str, query: str | None, at: str | None, as_json: bool
) -> None:
    """Print one episode: header and time-coded transcript."""
    from searchpod.analysis import analyse

    start = _parse_at(at) if at else None
    try:
        episode = _open(ctx, build_default=True).get(episode_id)
    except SearchpodError as exc:
        _fail(str(exc))
    if as_json:
        data = episode.to_dict()
        if start is not None:
            data["cues"] = [c for c in data["cues"] if (c["end"] or c["start"] or 0) >= start]
        _dump(data)
        return
    from searchpod.render import print_episode

    print_episode(_console(), episode, frozenset(analyse(query or "")), start)


def _parse_at(value: str) -> float:
    try:
        parts = [float(p) for p in value.split(":")]
    except ValueError:
        _fail(f"--at takes a time like 12:30 or 1:02:03, not {value!r}")
    if not 1 <= len(parts) <= 3 or any(p < 0 for p in parts):
        _fail(f"--at takes a time like 12:30 or 1:02:03, not {value!r}")
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + p
    return seconds


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Show what the index holds."""
    try:
        st = _open(ctx).stats()
    except SearchpodError as exc:
        _fail(str(exc))
    if as_json:
        _dump(st.to_dict())
    else:
        from searchpod.render import print_stats

        print_stats(_console(), st)


@main.group()
def feed() -> None:
    """Remember podcast RSS feeds and keep the index in step with them."""


def _feed_store(ctx: click.Context) -> Any:
    from searchpod.feeds import FEEDS_FILE
    from searchpod.ingest.feed import FeedStore

    return FeedStore(Path(ctx.obj["index"]) / FEEDS_FILE)


@feed.command("add")
@click.argument("url")
@click.pass_context
def feed_add(ctx: click.Context, url: str) -> None:
    """Remember a feed (an http(s) URL or a local file); 'feed sync' indexes it."""
    from searchpod.index import Index

    try:
        Index.create(ctx.obj["index"])  # the feed list lives in the index directory
        added = _feed_store(ctx).add(url)
    except SearchpodError as exc:
        _fail(str(exc))
    click.echo(f"{'added' if added else 'already there'}: {url}", err=True)


@feed.command("remove")
@click.argument("url")
@click.pass_context
def feed_remove(ctx: click.Context, url: str) -> None:
    """Forget a feed (its episodes stay until you prune them)."""
    try:
        removed = _feed_store(ctx).remove(url)
    except SearchpodError as exc:
        _fail(str(exc))
    if not removed:
        _fail(f"not a remembered feed: {url}")
    click.echo(f"removed: {url}", err=True)


@feed.command("list")
@click.pass_context
def feed_list(ctx: click.Context) -> None:
    """Print the remembered feeds, one per line."""
    for url in _feed_store(ctx).list():
        click.echo(url)


@feed.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def feed_sync(ctx: click.Context, as_json: bool) -> None:
    """Index new and changed episodes of every remembered feed; drop ones they no longer list."""
    from searchpod.index import Index

    feeds = list(_feed_store(ctx).list())
    if not feeds:
        _fail("no feeds yet: add one with 'searchpod feed add URL'")
    try:
        report = Index.create(ctx.obj["index"]).add_paths(feeds, prune=True)
    except SearchpodError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail(INTERRUPTED, EXIT_INTERRUPTED)
    _print_index_report(report, as_json)


def _print_index_report(report: Any, as_json: bool) -> NoReturn:
    if as_json:
        _dump(report.to_dict())
    else:
        from searchpod.render import print_report

        print_report(_console(stderr=True), report)
    sys.exit(EXIT_PARTIAL if report.failed else 0)


@main.command("watch")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--debounce",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.05),
    help="Seconds of quiet before reindexing.",
)
@click.pass_context
def watch_cmd(ctx: click.Context, paths: tuple[str, ...], debounce: float) -> None:
    """Reindex PATHS (default ./data) whenever files in them change. Stop with Ctrl-C."""
    import threading

    from searchpod.index import Index
    from searchpod.render import print_report
    from searchpod.watch import watch

    err = _console(stderr=True)
    targets = list(paths) or [DEFAULT_DATA]
    stop = threading.Event()
    try:
        ix = Index.create(ctx.obj["index"])
        print_report(err, ix.add_paths(targets, prune=True))
        err.print(f"watching {', '.join(targets)} — Ctrl-C to stop")
        watch(
            ix,
            targets,
            on_report=lambda r: print_report(err, r),
            on_error=lambda e: err.print(f"error: {e}"),
            stop=stop,
            debounce=debounce,
        )
    except KeyboardInterrupt:
        stop.set()
    except SearchpodError as exc:
        _fail(str(exc))


def run() -> None:
    """The ``searchpod`` program (``main`` is the click group, also callable in-process)."""
    import signal

    if hasattr(signal, "SIGPIPE"):
        # `searchpod search … | head` stops quietly when head has had enough, as Unix tools
        # do, instead of click turning the broken pipe into exit 1 ("some files failed").
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()


if __name__ == "__main__":  # pragma: no cover
    run()
