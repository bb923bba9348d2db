"""HTTP(S) downloads of feeds and transcripts, with a conditional-GET cache on disk.

Standard library only (``urllib.request``). Every failure becomes a one-line ``FetchError``
chained ``from`` the transport's exception, so callers catch one thing.

    fetcher = Fetcher(index_dir / "cache")
    result = fetcher.get("https://example.com/feed.xml")
    result.data, result.changed   # bytes, and whether they differ from the last fetch

The cache holds one body file and one JSON metadata file per URL, both named by the sha256 of
the URL. Later gets send ``If-None-Match``/``If-Modified-Since``; a ``304 Not Modified``
returns the cached body without downloading it again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.message
import hashlib
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any

from searchpod.atomic import atomic_write
from searchpod.errors import FetchError
from searchpod.net.hostguard import BlockedAddressError, ConnectionGuard, guarded_opener

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_CACHE_FORMAT = 1


@dataclasses.dataclass(frozen=True)
class FetchResult:
    """One fetched URL.

    ``from_cache`` is true when the server answered 304 and the body came from disk;
    ``changed`` is false when the body is the same as the cached copy (304, or a 200 with
    identical bytes) and true for a first download or new content.
    """

    url: str
    final_url: str
    data: bytes
    content_type: str | None
    from_cache: bool
    changed: bool


@dataclasses.dataclass(frozen=True)
class _CacheEntry:
    final_url: str
    data: bytes
    sha256: str
    content_type: str | None
    etag: str | None
    last_modified: str | None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand 3xx responses back to ``Fetcher`` so it can count hops and check each URL."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: email.message.Message,
        newurl: str,
    ) -> None:
        return None


class Fetcher:
    """Downloads http(s) URLs with limits and a conditional-GET cache in ``cache_dir``.

    ``timeout`` applies to connecting and to each read from the socket (like urllib and
    httpx); ``deadline`` bounds a whole download, redirects included, so a server sending
    one byte a second is cut off too. ``max_bytes`` limits the body after decompression.
    Loopback, private, link-local, multicast and reserved addresses are refused (checked
    after DNS resolution, on every redirect) unless ``allow_private_hosts``. ``requests``
    counts HTTP requests sent (each redirect hop and each 304 counts); ``downloads`` counts
    response bodies actually transferred (200s).
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        timeout: float = 15.0,
        deadline: float = 60.0,
        max_bytes: int = 20 * 2**20,
        max_redirects: int = 5,
        user_agent: str = "searchpod/0.1",
        allow_private_hosts: bool = False,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.allow_private_hosts = allow_private_hosts
        self.requests = 0
        self.downloads = 0
        self._watch: _Watchdog | None = None
        guard = ConnectionGuard(allow_private=allow_private_hosts, on_connect=self._on_connect)
        # Only our own redirect handling: urllib's would follow http -> ftp:// or file://.
        self._opener = guarded_opener(guard, _NoRedirects())

    def get(self, url: str, *, until: float | None = None) -> FetchResult:
        """Fetch ``url`` (following redirects), using and updating the cache.

        ``until`` (a ``time.monotonic()`` value) ends the download earlier than its own
        ``deadline`` would: the caller's budget for a feed item or a whole feed.

        Raises FetchError for a non-http(s) URL, a refused address, a network error or
        timeout, an HTTP error status, too many redirects, a body over ``max_bytes``, or a
        cache that cannot be written.
        """
        _check_url(url, url)
        seconds = self.deadline
        if until is not None:
            seconds = min(seconds, until - time.monotonic())
        if seconds <= 0:
            raise FetchError(url, "not tried: out of time for this feed item or feed")
        with _Watchdog(seconds) as watch:
            self._watch = watch
            try:
                result = self._get(url)
            except FetchError as exc:
                if watch.expired:
                    raise FetchError(url, watch.reason()) from exc
                raise
            finally:
                self._watch = None
            if watch.expired:  # a body cut off without a Content-Length looks complete
                raise FetchError(url, watch.reason())
        return result

    def _on_connect(self, sock: socket.socket) -> None:
        if self._watch is not None:
            self._watch.add(sock)

    def _get(self, url: str) -> FetchResult:
        cached = self._load(url)
        conditional: dict[str, str] = {}
        if cached is not None:
            if cached.etag:
                conditional["If-None-Match"] = cached.etag
            if cached.last_modified:
                conditional["If-Modified-Since"] = cached.last_modified

        current = url
        for _hop in range(self.max_redirects + 1):
            status, headers, body = self._request(url, current, conditional)
            if status in _REDIRECTS:
                location = headers.get("Location")
                if not location:
                    raise FetchError(url, f"HTTP {status} redirect without a Location header")
                current = urllib.parse.urljoin(current, location.strip())
                _check_url(url, current)
                continue
            if status == HTTPStatus.NOT_MODIFIED:
                if cached is None:
                    raise FetchError(url, "HTTP 304 Not Modified but nothing is cached")
                self._revalidated(url, cached, headers)
                return FetchResult(
                    url, cached.final_url, cached.data, cached.content_type, True, False
                )
            assert body is not None  # _request returns a body for every 2xx
            self.downloads += 1
            digest = hashlib.sha256(body).hexdigest()
            entry = _CacheEntry(
                final_url=current,
                data=body,
                sha256=digest,
                content_type=headers.get("Content-Type"),
                etag=headers.get("ETag"),
                last_modified=headers.get("Last-Modified"),
            )
            self._store(url, entry, write_body=True)
            changed = cached is None or cached.sha256 != digest
            return FetchResult(url, current, body, entry.content_type, False, changed)
        raise FetchError(url, f"too many redirects (more than {self.max_redirects})")

    # -- the network -------------------------------------------------------------------

    def _request(
        self, url: str, current: str, conditional: dict[str, str]
    ) -> tuple[int, email.message.Message, bytes | None]:
        """One request: (status, headers, body). Body is None for 3xx; errors raise."""
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip", **conditional}
        request = urllib.request.Request(_wire_url(current), headers=headers)
        self.requests += 1
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, response.headers, self._read_body(url, response)
        except urllib.error.HTTPError as exc:
            with contextlib.closing(exc):
                if exc.code in _REDIRECTS or exc.code == HTTPStatus.NOT_MODIFIED:
                    return exc.code, exc.headers, None
                raise FetchError(url, _http_reason(exc.code, exc.reason)) from exc
        except BlockedAddressError as exc:
            raise FetchError(url, str(exc)) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, BlockedAddressError):
                raise FetchError(url, str(exc.reason)) from exc
            raise FetchError(url, self._network_reason(exc)) from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # URLError is an OSError; HTTPException covers malformed responses; ValueError
            # covers URLs urllib cannot even split (e.g. a bad port).
            raise FetchError(url, self._network_reason(exc)) from exc

    def _read_body(self, url: str, response: http.client.HTTPResponse) -> bytes:
        """Read the body in chunks, stopping as soon as it exceeds ``max_bytes``."""
        too_big = FetchError(url, f"larger than {_size(self.max_bytes)}")
        header = (response.headers.get("Content-Length") or "").strip()
        length = int(header) if header.isdigit() else None
        if length is not None and length > self.max_bytes:
            raise too_big  # refuse before reading anything
        encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            inflater: _Gunzip | None = _Gunzip()
        elif encoding == "identity":
            inflater = None
        else:
            raise FetchError(url, f"unsupported Content-Encoding {encoding!r}")

        parts: list[bytes] = []
        size = 0
        raw = 0
        while chunk := response.read(_CHUNK):
            raw += len(chunk)
            if raw > self.max_bytes:
                raise too_big
            if inflater is not None:
                try:
                    chunk = inflater.feed(chunk, self.max_bytes + 1 - size)
                except _TooBig:
                    raise too_big from None
                except zlib.error as exc:
                    raise FetchError(url, f"corrupt gzip body ({exc})") from exc
            size += len(chunk)
            if size > self.max_bytes:
                raise too_big
            parts.append(chunk)
        if length is not None and raw < length:
            # read(amt) returns b"" when the server hangs up early instead of raising
            # IncompleteRead; a cut-off transcript must not be cached as complete.
            raise FetchError(url, f"connection closed after {raw} of {length} bytes")
        if inflater is not None:
            try:
                tail = inflater.finish()
            except zlib.error as exc:
                raise FetchError(url, f"corrupt gzip body ({exc})") from exc
            if size + len(tail) > self.max_bytes:
                raise too_big
            parts.append(tail)
        if self._watch is not None and self._watch.expired:
            # Cut off by the deadline: what arrived may look complete; never cache it.
            raise FetchError(url, self._watch.reason())
        return b"".join(parts)

    def _network_reason(self, exc: BaseException) -> str:
        reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            return f"timed out after {self.timeout:g}s"
        if isinstance(reason, BaseException):
            text = str(reason) or type(reason).__name__
        else:
            text = str(reason)
        return " ".join(text.split()) or type(exc).__name__

    # -- the cache -----------------------------------------------------------------------

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.cache_dir / f"{key}.body", self.cache_dir / f"{key}.json"

    def _load(self, url: str) -> _CacheEntry | None:
        """The cached copy of ``url``, or None when absent, unreadable or inconsistent."""
        body_path, meta_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            data = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url:
            return None
        digest = hashlib.sha256(data).hexdigest()
        # The body is written before its metadata; a crash between the two leaves a body
        # that does not match, which must not be served as a 304's content.
        if meta.get("sha256") != digest:
            return None
        return _CacheEntry(
            final_url=_str_or(meta.get("final_url"), url) or url,
            data=data,
            sha256=digest,
            content_type=_str_or(meta.get("content_type"), None),
            etag=_str_or(meta.get("etag"), None),
            last_modified=_str_or(meta.get("last_modified"), None),
        )

    def _revalidated(self, url: str, cached: _CacheEntry, headers: email.message.Message) -> None:
        """After a 304: keep any fresh validators it carried (and write nothing otherwise)."""
        etag = headers.get("ETag") or cached.etag
        last_modified = headers.get("Last-Modified") or cached.last_modified
        if (etag, last_modified) != (cached.etag, cached.last_modified):
            fresh = dataclasses.replace(cached, etag=etag, last_modified=last_modified)
            self._store(url, fresh, write_body=False)

    def _store(self, url: str, entry: _CacheEntry, *, write_body: bool) -> None:
        """Write the body, then its metadata, each atomically (temp file + rename)."""
        body_path, meta_path = self._paths(url)
        meta = {
            "format": _CACHE_FORMAT,
            "url": url,
            "final_url": entry.final_url,
            "sha256": entry.sha256,
            "content_type": entry.content_type,
            "etag": entry.etag,
            "last_modified": entry.last_modified,
        }
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            if write_body:
                atomic_write(body_path, entry.data)
            atomic_write(meta_path, json.dumps(meta, indent=1).encode("utf-8"))
        except OSError as exc:
            reason = " ".join(str(exc).split())
            raise FetchError(url, f"cannot write cache in {self.cache_dir}: {reason}") from exc


class _TooBig(zlib.error):
    """Decompressed output would pass the limit (reported by the caller as too big)."""


class _Gunzip:
    """Incremental gzip decoding of every member of a body, with capped output.

    A gzip file may hold several members one after the other (``cat a.gz b.gz``); gzip
    tools decode them all, and so must we, or the second half of a transcript is lost.
    Output is capped per call (``zlib``'s ``max_length``), so a small "gzip bomb" cannot
    expand past the limit in memory.
    """

    def __init__(self) -> None:
        self._z: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)  # wbits 16+: gzip framing
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decode ``data``; raises ``_TooBig`` past ``limit`` bytes out (limit >= 1)."""
        out: list[bytes] = []
        produced = 0
        while data:
            if self._z.eof:
                if not data.strip(b"\0"):
                    break  # NUL padding after the last member, as gzip itself allows
                self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
            if produced >= limit:
                raise _TooBig("too big")  # max_length 0 would mean "no limit"
            self._started = True
            piece = self._z.decompress(data, limit - produced)
            produced += len(piece)
            out.append(piece)
            if self._z.unconsumed_tail:
                raise _TooBig("too big")  # output capped with input left over
            data = self._z.unused_data if self._z.eof else b""
        return b"".join(out)

    def finish(self) -> bytes:
        """The rest of the output; raises zlib.error if the last member is cut off."""
        tail = self._z.flush()
        if self._started and not self._z.eof:
            raise zlib.error("truncated")
        return bytes(tail)


class _Watchdog:
    """Cuts off one download's connections when its overall deadline passes.

    Per-read socket timeouts cannot bound a download: a server sending a byte a second
    never lets a read time out. This closes the sockets (through duplicates, so it also
    works under TLS) from a timer thread; the blocked read then ends at once.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def reason(self) -> str:
        return f"gave up after {self.seconds:.3g}s (time limit for this download)"

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                raise TimeoutError("download deadline passed")
            self._sockets.append(sock.dup())

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        self._timer.join()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


def _check_url(url: str, target: str) -> None:
    """Refuse anything but http(s) with a host, for the URL asked for and every redirect."""
    parts = urllib.parse.urlsplit(target)
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        where = "" if target == url else f" (redirected to {target})"
        raise FetchError(url, f"unsupported URL ({shown}{where}); only http and https")
    if not parts.netloc:
        raise FetchError(url, "URL has no host")


def _wire_url(url: str) -> str:
    """``url`` as it goes on the wire: feeds hold URLs with spaces or accents ("inès.vtt"),
    which http.client refuses; percent-encode those, leaving existing %XX escapes alone."""
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.quote(parts.path, safe="/%:@!$&'()*+,;=~") or "/"
    query = urllib.parse.quote(parts.query, safe="/%:@!$&'()*+,;=~?")
    # The fragment is never sent.
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _http_reason(code: int, reason: object) -> str:
    text = " ".join(str(reason or "").split())
    if not text:
        try:
            text = HTTPStatus(code).phrase
        except ValueError:
            text = "error"
    return f"HTTP {code} {text}"


def _size(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:.3g} MB"
    if n >= 1024:
        return f"{n / 1024:.3g} KB"
    return f"{n} bytes"


def _str_or(value: object, default: str | None) -> str | None:
    return value if isinstance(value, str) else default
