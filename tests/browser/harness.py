"""Test harness shared by the browser tests and bench/verify_browser.py: a quiet, threaded HTTP
server with CORS on 127.0.0.1 (ephemeral port) and the Chromium launch settings."""

from __future__ import annotations

import contextlib
import gzip
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from credpages.site.bundle import bundle_folder
from credpages.site.minify import minified

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "theme" / "assets" / "credpages"
PAGES = Path(__file__).resolve().parent / "pages"


class _Handler(SimpleHTTPRequestHandler):
    """Static files plus CORS; ``/__slow/<seconds>/…`` answers late, for timeout tests.

    With ``gzip`` set (as GitHub Pages does) files go out gzip-encoded if the client accepts it.
    """

    gzip = False
    protocol_version = "HTTP/1.1"  # keep-alive, as real static hosts do (every reply has a length)
    # Headers and body go out in separate writes: without TCP_NODELAY a kept-alive connection waits
    # for a delayed ACK (~40 ms on Linux) before sending the body.
    disable_nagle_algorithm = True

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        if self.path.startswith("/__slow/"):
            time.sleep(float(self.path.split("/")[2]))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if self.gzip and "gzip" in self.headers.get("Accept-Encoding", "") and path.is_file():
            body = gzip.compress(path.read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def handle(self) -> None:
        # The browser may drop a connection mid-request (timeouts, cancelled reads): not an error.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()


class Server:
    def __init__(self, root: Path, *, gzip: bool = False) -> None:
        self.root = root
        handler = type("Handler", (_Handler,), {"gzip": gzip})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def install_assets(self, into: Path) -> None:
        """The verifier's ES modules in ``into/assets/credpages/``, bundled and minified as the
        build publishes them (tlog.js inside the bundle where ``into`` is a site with a log)."""
        dest = into / "assets" / "credpages"
        dest.mkdir(parents=True, exist_ok=True)
        for js in ASSETS.glob("*.js"):
            (dest / js.name).write_text(js.read_text("utf-8"), "utf-8")
        assert bundle_folder(dest, log=(into / "log" / "checkpoint").is_file()) == []
        for js in dest.glob("*.js"):
            js.write_text(minified(js.name, js.read_text("utf-8")) or "", "utf-8")

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def launch_chromium(playwright: Any, executable: Path) -> Any:
    return playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)


class ServerProcess(Server):
    """The same server in a process of its own (for the bench): requests are then not slowed by
    the GIL of the process that drives the browser."""

    def __init__(self, root: Path, *, gzip: bool = False) -> None:
        self.root = root
        port_file = root / ".port"
        code = (
            "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
            "from browser.harness import Server;"
            "s = Server(Path(sys.argv[2]), gzip=sys.argv[3] == '1');"
            "Path(sys.argv[4]).write_text(str(s.port)); s.httpd.serve_forever()"
        )
        args = [str(Path(__file__).parents[1]), str(root), "1" if gzip else "0", str(port_file)]
        self.proc = subprocess.Popen([sys.executable, "-c", code, *args])
        deadline = time.monotonic() + 10
        while not (port_file.exists() and port_file.read_text()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.proc.kill()
                raise RuntimeError("the server process did not start")
            time.sleep(0.02)
        self.port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{self.port}/"

    def start(self) -> ServerProcess:
        return self

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
