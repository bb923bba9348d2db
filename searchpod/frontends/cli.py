"""The ``searchpod`` command: a thin click layer over ``searchpod.Index``.

Data goes to stdout, progress and errors to stderr. Exit codes: 0 success (no hits is
success), 1 some files could not be ingested, 2 usage, query or index error, 130 indexing
interrupted (Ctrl-C).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from searchpod.arrays import BLAS_THREADS
from searchpod.errors import IndexNotFoundError, OptionError, SearchpodError
from searchpod.options import SearchOptions, in_flags

DEFAULT_INDEX = "index"
DEFAULT_DATA = "data"
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C (128 + SIGINT)
# Ctrl-C can land just after the commit, so the run may or may not be in: never part of it.
INTERRUPTED = "interrupted: the index keeps its last committed state, never part of a run"
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")
_allow_private_hosts = click.option(
    "--allow-private-hosts",
    is_flag=True,
    help="Let feed URLs reach loopback, private and link-local addresses (trusted feeds only).",
)
_show = click.option(
    "--show",
    metavar="NAME",
    help="The show of the episodes under PATHS that name none (remembered for PATHS).",
)
_no_speaker_labels = click.option(
    "--no-speaker-labels",
    "no_labels",
    is_flag=True,
    help="Read no speakers from 'Name:' labels in transcript text (<v> tags still count).",
)
_max_file_mb = click.option(
    "--max-file-mb",
    type=click.FloatRange(0, min_open=True),
    help="Refuse source files larger than this (default 16; or set SEARCHPOD_MAX_FILE_MB).",
)


def _apply_max_file_mb(max_file_mb: float | None) -> None:
    if max_file_mb is not None:
        from searchpod.ingest.files import MAX_FILE_ENV

        # Through the environment, so indexing worker processes apply the same cap.
        os.environ[MAX_FILE_ENV] = f"{max_file_mb:g}"


def _console(stderr: bool = False) -> Any:
    from searchpod.frontends.render import console_for

    return console_for(stderr=stderr)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    from searchpod.text.safe import terminal_safe

    # Messages name files, URLs and queries from elsewhere: one line, no escape sequences.
    click.echo(f"searchpod: {terminal_safe(message)}", err=True)
    sys.exit(code)


def _dump(data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # json escapes C0 controls itself; C1 controls and line separators only ever occur
    # inside strings, where \uXXXX means the same and cannot reach the terminal raw.
    click.echo(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


class _Commands(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        # Ctrl-C outside the spots that say more (e.g. while a report prints): exit 130, one
        # line, instead of click's "Aborted!" with exit 1 (which means "some files failed").
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_INTERRUPTED)
        except click.UsageError as exc:  # a command's arguments and options
            _usage_error(exc)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:  # the options before the command
            _usage_error(exc)


def _usage_error(exc: click.UsageError) -> NoReturn:
    """Click's usage error as one line, exit 2: click prints a four-line usage block."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        raise exc  # no command at all: the help is the answer
    message = exc.format_message().strip().rstrip(".")
    message = message[:1].lower() + message[1:]
    where = exc.ctx.command_path if exc.ctx is not None else "searchpod"
    command = where.partition(" ")[2]
    prefix = f"{command}: " if command else ""
    _fail(f"{prefix}{message} (see '{where} --help')", exc.exit_code)


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
    if ctx.get_parameter_source("index_path") is click.core.ParameterSource.DEFAULT:
        from searchpod.indexing.store import untrusted_default

        problem = untrusted_default(Path(index_path))
        if problem:
            # Opening an index can run code (Whoosh pickles): never someone else's by default.
            _fail(
                f"refusing the default index ./{index_path}: {problem}; "
                f"name it with --index {index_path} only if you trust it"
            )


def _open(ctx: click.Context, *, build_default: bool = False) -> Any:
    from searchpod.index import Index
    from searchpod.text.safe import terminal_safe

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
        click.echo(f"searchpod: {terminal_safe(str(failure))}", err=True)
    return ix


@main.command("index")
# readable=False: an unreadable file is one failure in the report (exit 1), not a usage error.
@click.argument("paths", nargs=-1, type=click.Path(readable=False))
@click.option("--prune", is_flag=True, help="Remove episodes whose files under PATHS are gone.")
@click.option("--rebuild", is_flag=True, help="Build a fresh index, swapped in when complete.")
@click.option(
    "--optimize", is_flag=True, help="Then merge the small segments additions left into one."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--wait",
    "lock_timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds to wait for another indexing run to finish.",
)
@_allow_private_hosts
@_no_speaker_labels
@_max_file_mb
@_show
@click.pass_context
def index_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    prune: bool,
    rebuild: bool,
    optimize: bool,
    as_json: bool,
    lock_timeout: float,
    allow_private_hosts: bool,
    no_labels: bool,
    max_file_mb: float | None,
    show: str | None,
) -> None:
    """Index episode pages, transcripts and feed files or URLs (default: ./data).

    Only what changed is redone: new files are added, changed ones replaced, the rest
    skipped. --prune also drops episodes whose files are gone. An episode table (CSV, TSV
    or JSON) or a feed beside transcripts gives them titles, dates and audio.
    """
    from searchpod.index import Index

    _apply_max_file_mb(max_file_mb)
    err = _console(stderr=True)
    targets = list(paths) or [DEFAULT_DATA]
    try:
        ix = Index.create(ctx.obj["index"], rebuild=rebuild)
        with _progress(err, enabled=not as_json) as progress:
            report = ix.add_paths(
                targets,
                prune=prune,
                rebuild=rebuild,
                progress=progress,
                lock_timeout=lock_timeout,
                on_wait=lambda: err.print("waiting for another indexing run to finish…"),
                allow_private_hosts=allow_private_hosts,
                speaker_labels=not no_labels,
                show=show,
            )
        if optimize:
            ix.optimize(lock_timeout=lock_timeout)
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
        from rich.markup import escape
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from searchpod.text.safe import terminal_safe

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

        from searchpod.indexing.progress import (
            EpisodeFailed,
            EpisodeParsed,
            FilesFound,
            ProgressEvent,
        )

        def update(event: ProgressEvent) -> None:
            # The library's own events: what a host program's progress bar would use.
            if isinstance(event, FilesFound):
                self.bar.update(self.task, completed=0, total=event.to_index)
            elif isinstance(event, (EpisodeParsed, EpisodeFailed)):
                # A file name is not rich markup.
                name = escape(terminal_safe(Path(event.episode_id).name))
                self.bar.update(self.task, completed=event.done, description=name)

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
@click.option("--moments", is_flag=True, help="Best moments across episodes, not episodes.")
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
    moments: bool,
    all_words: bool,
    any_word: bool,
    as_json: bool,
    fmt: str,
) -> None:
    """Search the index. QUERY uses the query language described in the README."""
    if all_words and any_word:
        _fail("--all and --any: choose one")
    try:
        options = SearchOptions.parse(
            limit=limit, page=page, sort=sort, host=host, show=show_name, speaker=speaker,
            since=since, until=until, episodes=episode, facets=facets and not moments,
            fuzzy=fuzzy, all=all_words, any=any_word,
        )  # fmt: skip
        ix = _open(ctx, build_default=True)
        if moments:
            _print_moments(ix.moments(query, options), as_json, fmt)
            return
        results = ix.search(query, options)
    except OptionError as exc:
        # The library names its options; the user typed flags.
        flagged = in_flags(exc)
        _fail(f"{flagged.option} {flagged.value!r}: {flagged.reason}")
    except SearchpodError as exc:
        _fail(str(exc))
    if as_json:
        _dump(results.to_dict())
    elif fmt == "terminal":
        from searchpod.frontends.render import print_results

        print_results(_console(), results)
    else:
        from searchpod.frontends.render import hit_lines

        for hit in results.hits:
            for line in hit_lines(hit, html=fmt == "html"):
                click.echo(line)


def _print_moments(found: Any, as_json: bool, fmt: str) -> None:
    from searchpod.text.highlight import format_time, mark
    from searchpod.text.safe import escape_html, terminal_safe

    if as_json:
        _dump(found.to_dict())
        return
    if fmt == "terminal":
        from searchpod.frontends.render import print_moments

        print_moments(_console(), found)
        return
    html = fmt == "html"
    for m in found.moments:
        where = f"episode {m.episode} · {m.id}" if m.episode is not None else m.id
        if html:
            said = mark(m.text, m.highlights, "<mark>", "</mark>", escape=True)
            who = escape_html(f"{m.speaker}: ") if m.speaker else ""
            title = escape_html(f"{m.title} ({where})")
        else:
            said = mark(m.text, m.highlights, "**", "**")
            who = f"{m.speaker}: " if m.speaker else ""
            title = f"{m.title} ({where})"
        line = f"{format_time(m.start)} {who}{said}".strip()
        # terminal_safe after escaping: an escaped control character is still one.
        click.echo(terminal_safe(title))
        click.echo("    " + terminal_safe(line))


@main.command()
@click.argument("episode_id")
@click.option("-q", "--query", help="Highlight this query's words.")
@click.option("--at", "at", help="Start at this time (e.g. 12:30 or 1:02:03).")
@click.option(
    "--context",
    type=click.IntRange(0, 1000),
    help="With --at: print this many lines either side of the moment, no pager.",
)
@click.option("--no-pager", is_flag=True, help="Print, even on a terminal.")
@click.option("--json", "as_json", is_flag=True, help="Print the episode as JSON.")
@click.pass_context
def show(
    ctx: click.Context,
    episode_id: str,
    query: str | None,
    at: str | None,
    context: int | None,
    no_pager: bool,
    as_json: bool,
) -> None:
    """Print one episode: header and time-coded transcript.

    On a terminal it opens in $PAGER (else less), at the moment --at names.
    """
    from searchpod.frontends.render import episode_lines, transcript_end
    from searchpod.text.analysis import analyse

    start = _parse_at(at) if at else None
    if context is not None and start is None:
        _fail("--context needs --at: the moment to print lines around")
    try:
        episode = _open(ctx, build_default=True).get(episode_id)
    except SearchpodError as exc:
        _fail(str(exc))
    if start is not None:
        end = transcript_end(episode)
        if end is None:
            _fail(f"--at {at}: episode {episode_id!r} has no timed transcript")
        if start > end:
            _fail(f"--at {at} is past the end of episode {episode_id!r} ({_clock(end)})")
    if as_json:
        data = episode.to_dict()
        if start is not None:
            data["cues"] = [
                c.from_time(start).to_dict()
                for c in episode.cues
                if (c.end if c.end is not None else c.start or 0) >= start
            ]
        _dump(data)
        return
    terms = frozenset(analyse(query or ""))
    console = _console()
    if context is not None:
        for line in episode_lines(episode, terms, start, around=context)[0]:
            console.print(line)
        return
    if console.is_terminal and not no_pager:
        import shutil

        from searchpod.frontends.render import page_lines

        lines, moment = episode_lines(episode, terms, start)
        page_lines(lines, moment if start is not None else 0, shutil.get_terminal_size().columns)
        return
    from searchpod.frontends.render import print_episode

    print_episode(console, episode, terms, start)


_AT = re.compile(r"(?:(?:(\d+):)?(\d+):)?(\d+(?:\.\d+)?)")


def _parse_at(value: str) -> float:
    """Seconds for ``755``, ``12:35`` or ``1:02:03``; minutes and seconds after a colon < 60."""
    match = _AT.fullmatch(value.strip())
    problem = f"--at takes a time like 12:30 or 1:02:03, not {value!r}"
    if not match:
        _fail(problem)
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    if match.group(2) is not None and seconds >= 60:
        _fail(f"{problem}: seconds go up to 59")
    if match.group(1) is not None and minutes >= 60:
        _fail(f"{problem}: minutes go up to 59")
    return hours * 3600 + minutes * 60 + seconds


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


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
        from searchpod.frontends.render import print_stats

        print_stats(_console(), st)


@main.group()
def feed() -> None:
    """Remember podcast RSS feeds and keep the index in step with them."""


def _feed_store(ctx: click.Context) -> Any:
    from searchpod.ingest.feeds.parse import FeedStore
    from searchpod.ingest.feeds.source import FEEDS_FILE

    return FeedStore(Path(ctx.obj["index"]) / FEEDS_FILE)


@feed.command("add")
@click.argument("url")
@_allow_private_hosts
@click.option("--show", metavar="NAME", help="The show of its episodes, if the feed names none.")
@click.pass_context
def feed_add(ctx: click.Context, url: str, allow_private_hosts: bool, show: str | None) -> None:
    """Remember a feed (an http(s) URL or a local file); 'feed sync' indexes it."""
    from searchpod.index import Index
    from searchpod.ingest.feeds.source import check_feed
    from searchpod.text.safe import terminal_safe

    try:
        ix = Index.create(ctx.obj["index"])  # the feed list lives in the index directory
        # Fetched once now, through the cache 'feed sync' uses: a URL that is no feed is
        # refused here rather than failing every sync.
        check_feed(url, Path(ctx.obj["index"]), allow_private_hosts=allow_private_hosts)
        added = _feed_store(ctx).add(url)
        if show:
            ix.remember_show([url], show)
    except SearchpodError as exc:
        _fail(str(exc))
    click.echo(terminal_safe(f"{'added' if added else 'already there'}: {url}"), err=True)


@feed.command("remove")
@click.argument("url")
@click.pass_context
def feed_remove(ctx: click.Context, url: str) -> None:
    """Forget a feed (its episodes stay until you prune them)."""
    from searchpod.text.safe import terminal_safe

    try:
        removed = _feed_store(ctx).remove(url)
    except SearchpodError as exc:
        _fail(str(exc))
    if not removed:
        _fail(f"not a remembered feed: {url}")
    click.echo(terminal_safe(f"removed: {url}"), err=True)


@feed.command("list")
@click.pass_context
def feed_list(ctx: click.Context) -> None:
    """Print the remembered feeds, one per line."""
    from searchpod.text.safe import terminal_safe

    for url in _feed_store(ctx).list():
        click.echo(terminal_safe(url))


@feed.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_allow_private_hosts
@_no_speaker_labels
@click.pass_context
def feed_sync(
    ctx: click.Context, as_json: bool, allow_private_hosts: bool, no_labels: bool
) -> None:
    """Index new and changed episodes of every remembered feed; drop ones they no longer list."""
    from searchpod.index import Index

    try:
        report = Index.create(ctx.obj["index"]).sync_feeds(
            allow_private_hosts=allow_private_hosts, speaker_labels=not no_labels
        )
    except SearchpodError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail(INTERRUPTED, EXIT_INTERRUPTED)
    _print_index_report(report, as_json)


def _print_index_report(report: Any, as_json: bool) -> NoReturn:
    if as_json:
        _dump(report.to_dict())
    else:
        from searchpod.frontends.render import print_report

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
@click.option(
    "--optimize-after",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds of quiet after a change before small segments are merged (0: never).",
)
@_allow_private_hosts
@_no_speaker_labels
@_max_file_mb
@_show
@click.pass_context
def watch_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    debounce: float,
    optimize_after: float,
    allow_private_hosts: bool,
    no_labels: bool,
    max_file_mb: float | None,
    show: str | None,
) -> None:
    """Reindex PATHS (default ./data) whenever files in them change. Stop with Ctrl-C."""
    import threading

    from searchpod.frontends.render import print_report
    from searchpod.frontends.watch import watch
    from searchpod.index import Index

    _apply_max_file_mb(max_file_mb)
    err = _console(stderr=True)
    targets = list(paths) or [DEFAULT_DATA]
    stop = threading.Event()
    labels = not no_labels
    try:
        ix = Index.create(ctx.obj["index"])
        # The show is remembered for the paths: every run the watch makes keeps it.
        first = ix.add_paths(
            targets,
            prune=True,
            allow_private_hosts=allow_private_hosts,
            speaker_labels=labels,
            show=show,
        )
        print_report(err, first)
        err.print(f"watching {', '.join(targets)} — Ctrl-C to stop")
        watch(
            ix,
            targets,
            on_report=lambda r: print_report(err, r),
            on_error=lambda e: err.print(f"error: {e}"),
            stop=stop,
            debounce=debounce,
            allow_private_hosts=allow_private_hosts,
            speaker_labels=labels,
            optimize_after=optimize_after or None,
            on_optimize=lambda counts: _print_merged(err, counts),
        )
    except KeyboardInterrupt:
        stop.set()
    except SearchpodError as exc:
        _fail(str(exc))


def _print_merged(err: Any, counts: tuple[int, int]) -> None:
    before, after = counts
    if after < before:  # else only deleted episodes were dropped, or nothing was worth it
        err.print(f"merged {before} segments into {after}")


@main.command("mcp")
@click.pass_context
def mcp_cmd(ctx: click.Context) -> None:
    """Serve the index to AI assistants as MCP tools over stdio (needs the 'mcp' extra)."""
    try:
        from searchpod.frontends.mcp_server import serve
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "mcp":
            raise
        _fail("the MCP server needs the 'mcp' extra: pip install 'searchpod[mcp]'")
    serve(ctx.obj["index"])


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API and the search page (needs searchpod[serve]). Stop with Ctrl-C."""
    try:
        from searchpod.frontends.server import LOOPBACK, serve
    except ImportError as exc:
        _fail(f"serve needs the serve extra: pip install 'searchpod[serve]' ({exc.name} missing)")
    try:
        ix = _open(ctx)
        click.echo(
            f"searchpod: serving {ix.path} on http://{host}:{port}/ — Ctrl-C to stop", err=True
        )
        if host not in LOOPBACK:
            click.echo(
                f"searchpod: {host} is not loopback: whoever reaches it reads the index", err=True
            )
        serve(ix.path, host=host, port=port)  # uvicorn stops cleanly on Ctrl-C itself
    except SearchpodError as exc:
        _fail(str(exc))


def run() -> None:
    """The ``searchpod`` program (``main`` is the click group, also callable in-process)."""
    import signal

    if hasattr(signal, "SIGPIPE"):
        # `searchpod search … | head` stops quietly when head has had enough, as Unix tools
        # do, instead of click turning the broken pipe into exit 1 ("some files failed").
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # This process is searchpod's own: numpy (indexing, moments) starts with one BLAS
    # thread (see searchpod.arrays), ~70 ms of CPU less, a fifth of adding one episode. A
    # program using searchpod as a library keeps its own setting; its indexing workers
    # get this one.
    os.environ.setdefault(BLAS_THREADS, "1")
    try:
        main()
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            # Python 3.11 ends a `python -m` process by SIGINT (not with this code) when a
            # KeyboardInterrupt once passed out of exec() of a string, even if it was
            # caught later: Ctrl-C landing while an import makes a dataclass or named tuple
            # did that, and the run exited by the signal after saying "interrupted".
            # Everything was cleaned up on the way here: leave with the code we promise.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        raise


if __name__ == "__main__":  # pragma: no cover
    run()
