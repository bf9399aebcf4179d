"""``credpages serve``: preview the site exactly as it will be published at ``site_url``.

The CLI's edge (it imports MkDocs). The site is built with the real ``site_url`` (nothing is
re-signed, the DID is unchanged) into a temporary folder and served by MkDocs' own live-reload
server, rebuilt when a file changes. Only the HTML this server sends carries a preview marker,
``<meta name="cp:preview" content="<local origin>/">``: on a loopback page with that marker the
verifier fetches what lives under ``site_url`` (did.json, the status list) from this server.
The marker is added to responses, never to files, so no build ever contains it.
"""

from __future__ import annotations

import errno
import html
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import CredpagesError

PREVIEW_META = "cp:preview"


def inject_marker(page: bytes, origin: str) -> bytes:
    """The page with the preview marker as the last element of its ``<head>``."""
    tag = f'<meta name="{PREVIEW_META}" content="{html.escape(origin, quote=True)}">'.encode()
    at = page.find(b"</head>")
    return page if at < 0 else page[:at] + tag + page[at:]


def busy_port_message(host: str, port: int) -> str:
    return (
        f"{host}:{port} is already in use (another `credpages serve` or `mkdocs serve`?): "
        f"pick another port with --port {port + 1}, or --dev-addr HOST:PORT"
    )


def _server_class() -> Any:
    from mkdocs.livereload import LiveReloadServer

    class PreviewServer(LiveReloadServer):
        """MkDocs' live-reload server, bound early (to report a busy port) and marking pages."""

        origin = ""
        _bound = False

        def bind(self) -> str:
            self.server_bind()
            self.server_activate()
            self._bound = True
            host, port = str(self.server_address[0]), int(self.server_address[1])
            shown = f"[{host}]" if ":" in host else host
            self.origin = f"http://{shown}:{port}/"
            self.url = self.origin
            return self.origin

        def run(self, ready: Callable[[], None]) -> None:
            """MkDocs' ``serve()``, but ``ready`` is called once the watcher has taken its first
            look at the files, so a change made right after the address is printed is seen."""
            self.observer.start()  # its first snapshot is taken before start() returns
            self.serve_thread.start()
            ready()
            self._build_loop()  # type: ignore[no-untyped-call]

        def server_bind(self) -> None:
            if not self._bound:
                super().server_bind()

        def server_activate(self) -> None:
            if not self._bound:
                super().server_activate()

        def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
            marked = inject_marker(content, self.origin)
            result: bytes = super()._inject_js_into_html(marked, epoch)  # type: ignore[no-untyped-call]
            return result

    return PreviewServer


def _stop_on_request(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _stoppable() -> Iterator[None]:
    """``kill``, a closed terminal or ``docker stop`` end the preview like Ctrl-C, so its
    temporary site folder is removed (by default they end Python without running ``finally``)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    previous = {sig: signal.signal(sig, _stop_on_request) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@_stoppable()
def serve_preview(
    *,
    host: str | None,
    port: int | None,
    load: Callable[[str], Any],
    announce: Callable[[str, str], None],
) -> None:
    """Build into a temporary folder, serve it, rebuild on changes; until interrupted."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    site_dir = tempfile.mkdtemp(prefix="credpages-preview-")

    def get_config() -> Any:
        return load(site_dir)

    config = get_config()
    config.plugins.on_startup(command="serve", dirty=False)
    default_host, default_port = config.dev_addr
    host = host or default_host
    port = default_port if port is None else port

    def builder(cfg: Any = None) -> None:
        build(cfg if cfg is not None else get_config())

    def rebuild() -> None:
        """After a change: one line either way, never a traceback; a failed rebuild keeps the
        last good preview."""
        try:
            builder()
        except (Abort, MkDocsException, CredpagesError) as exc:
            print(
                f"credpages: the rebuild failed: {exc}; still showing the last good build",
                file=sys.stderr,
                flush=True,
            )
        else:
            print(f"rebuilt {time.strftime('%H:%M:%S')}", file=sys.stderr, flush=True)

    server = _server_class()(builder=rebuild, host=host, port=port, root=site_dir)

    def error_page(code: int) -> bytes | None:
        page = Path(site_dir, f"{code}.html")
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    server.error_handler = error_page
    try:
        try:
            origin = server.bind()
        except OSError as exc:
            server.server_close()
            if exc.errno == errno.EADDRINUSE:
                raise CredpagesError(busy_port_message(host, port), field="--port") from None
            raise CredpagesError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
        try:
            builder(config)
        except (Abort, MkDocsException) as exc:
            raise CredpagesError(f"the site build failed: {exc}") from exc
        server.watch(config.docs_dir)
        if config.config_file_path:
            server.watch(config.config_file_path)
        if config.theme.custom_dir:
            server.watch(config.theme.custom_dir)
        server = config.plugins.on_serve(server, config=config, builder=rebuild)
        try:
            server.run(lambda: announce(str(config.site_url), origin))
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    finally:
        config.plugins.on_shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)
