"""Test harness shared by the browser tests and bench/verify_browser.py: a quiet, threaded HTTP
server with CORS on 127.0.0.1 (ephemeral port) and the Chromium launch settings."""

from __future__ import annotations

import shutil
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
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
    """Static files plus CORS; ``/__slow/<seconds>/…`` answers late, for timeout tests."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        if self.path.startswith("/__slow/"):
            time.sleep(float(self.path.split("/")[2]))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def handle(self) -> None:
        # The browser may drop a connection mid-request (timeouts, cancelled reads): not an error.
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def install_assets(self, into: Path) -> None:
        """Copy the verifier's ES modules to ``into/assets/credpages/`` (as the build does)."""
        dest = into / "assets" / "credpages"
        dest.mkdir(parents=True, exist_ok=True)
        for js in ASSETS.glob("*.js"):
            shutil.copy(js, dest / js.name)

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
