"""Site commands that run MkDocs: ``build`` (a clean site folder, reasons and warnings for the
job summary, the publishing address checked) and ``serve`` (the preview). MkDocs is imported
only inside these functions."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import Settings
from ..errors import CredpagesError
from ..issuer.repository import display_path
from .console import say
from .github_actions import annotate, code_block, write_summary
from .site_config import load_mkdocs_config, load_settings


def _mkdocs_config(args: argparse.Namespace, **overrides: Any) -> Any:
    """MkDocs' own config, with --skip-invalid set in the plugin's config (MkDocs is imported
    only at this edge: the rest of the CLI does not need it)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner off
    config = load_mkdocs_config(args.config, **overrides)
    options = {
        "skip_invalid": True if getattr(args, "skip_invalid", False) else None,
        "log_previous": getattr(args, "log_previous", None) or None,
    }
    for name, value in options.items():
        if value is not None:
            plugin = config.plugins.get("credpages")
            if plugin is None:
                raise CredpagesError("the credpages plugin is not in plugins:", file=args.config)
            plugin.config[name] = value
    return config


def _remove_previous_build(site_dir: Path) -> None:
    """Delete an earlier build, but never a folder that does not look like one."""
    if any(site_dir.iterdir()) and not any(
        (site_dir / name).exists() for name in ("sitemap.xml", "404.html", "did.json")
    ):
        raise CredpagesError(
            "is not empty and does not look like a built site; refusing to delete it "
            "(choose another --site-dir or empty it yourself)",
            file=display_path(site_dir),
        )
    shutil.rmtree(site_dir)


def _same_site(a: str, b: str) -> bool:
    def norm(url: str) -> str:
        parts = urlsplit(url.strip())
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"

    return norm(a) == norm(b)


def _check_publishing_url(settings: Settings, expect_url: str) -> None:
    """Refuse to publish where the credentials cannot verify (only warn for the demo site)."""
    problems = []
    if not _same_site(expect_url, settings.site_url):
        problems.append(
            f"this site is being published at {expect_url or '(no address)'}, but site_url in "
            f"mkdocs.yml is {settings.site_url}: every credential is signed for the issuer "
            f"{settings.did}, whose did.json would not be there, so no credential would verify. "
            "Set site_url to the address the site is published at (before awarding anything: "
            "credentials signed for another site_url must be reissued), or publish at site_url "
            "(for a custom domain, set `cname` and site_url to it)"
        )
    cname = settings.cname
    host = urlsplit(settings.site_url).hostname or ""
    if cname and cname.lower() != host:
        problems.append(
            f"cname is {cname!r} but site_url's host is {host!r}: the issuer's DID "
            f"follows site_url, so set site_url to https://{cname}/"
        )
    for problem in problems:
        if not settings.demo:
            raise CredpagesError(problem, field="site_url")
        say(f"credpages: warning: {problem} (allowed because demo: true)", err=True)
        annotate("warning", problem, title="site_url does not match the published address")
        write_summary(f"### Warning (demo site)\n\n{code_block(problem)}")


class _Collect(logging.Handler):
    """Keeps what MkDocs and the plugin log during a build, for the end of the run and the job
    summary; prints warnings as they come (errors are printed once, when the build stops)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().removeprefix("credpages: ")
        if record.levelno >= logging.ERROR:
            self.errors.append(message)
            return
        say(f"credpages: warning: {message}", err=True)
        if record.name.startswith("mkdocs.plugins.credpages"):
            self.warnings.append(message)


def cmd_build(args: argparse.Namespace) -> int:
    """``mkdocs build`` with a clean site folder; in Actions, failures go to the job summary."""
    logged = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(logged)
    try:
        result = _build(args, logged)
    except CredpagesError as exc:
        details = "\n".join(logged.errors) or str(exc)
        write_summary("### credpages build failed\n\n" + code_block(details))
        raise
    finally:
        logger.removeHandler(logged)
    if logged.warnings:
        write_summary("### credpages build: warnings\n\n" + code_block("\n".join(logged.warnings)))
    return result


def _build(args: argparse.Namespace, logged: _Collect) -> int:
    if args.expect_url is not None:
        _check_publishing_url(load_settings(args.config), args.expect_url)
    return _build_site(args, logged)


def _build_site(args: argparse.Namespace, logged: _Collect) -> int:
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    config = _mkdocs_config(args)
    if args.site_dir:
        config["site_dir"] = str(Path(args.site_dir).resolve())
    site_dir = Path(config["site_dir"])
    if site_dir.is_dir():  # MkDocs keeps top-level dot folders; a stale .well-known must go
        _remove_previous_build(site_dir)
    try:
        build(config)
    except (Abort, MkDocsException) as exc:
        # Every reason MkDocs and the plugin logged (file:line: field: what to do), one per line,
        # then the last line (the plugin's count) as the error; MkDocs' "Aborted" adds nothing.
        lines = "\n".join(logged.errors).splitlines() or [f"the site build failed: {exc}"]
        for line in lines[:-1]:
            say(line, err=True)
        raise CredpagesError(lines[-1]) from exc
    finally:
        config.plugins.on_shutdown()
    say(f"site written to {display_path(site_dir)}", err=True)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Preview the site as it will be published: real site_url, served from this machine."""
    from .preview_server import serve_preview

    host, port = None, args.port
    if args.dev_addr:
        host, _, port_text = args.dev_addr.rpartition(":")
        if not host or not port_text.isdigit():
            raise CredpagesError(f"{args.dev_addr!r} must be HOST:PORT", field="--dev-addr")
        host = host.strip("[]")
        port = int(port_text) if args.port is None else args.port

    def announce(site_url: str, origin: str) -> None:
        print(
            f"Previewing {site_url} at {origin} (Ctrl+C to stop). Pages are verified against "
            "this preview; rebuilt when a file changes.",
            flush=True,
        )

    serve_preview(
        host=host,
        port=port,
        load=lambda site_dir: _mkdocs_config(args, site_dir=site_dir),
        announce=announce,
    )
    return 0
