"""The issuer's command line: ``credpages`` (or ``python build.py``).

The parser (every command, its options and the function that runs it) and ``main``; each
command lives in the module of its group (``issuing``, ``verify``, ``keys``, ...), and the work
is done by the core modules. Every failure is one line on stderr naming the file, the field and
what to do, with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..credential.keys import default_secret_path
from ..errors import CredpagesError
from ..issuer.site_init import QUESTIONS
from .bake import cmd_bake
from .console import EXIT_FAIL, EXIT_USAGE, say
from .init import cmd_init
from .issuing import cmd_issue, cmd_reissue, cmd_sign
from .keys import cmd_keygen, cmd_resign, cmd_retire_key, cmd_rotate_key
from .log import cmd_log_audit, cmd_log_sync
from .pathways import cmd_pathways
from .revocation import cmd_revoke, cmd_status_check
from .site_build import cmd_build, cmd_serve
from .verify import cmd_verify


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="credpages",
        description="Issue, sign, verify and revoke Open Badges 3.0 credentials kept in git.",
    )
    parser.add_argument("--version", action="version", version=f"credpages {__version__}")
    parser.add_argument("--config", default="mkdocs.yml", help="the site's mkdocs.yml")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def key_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--key-file",
            help=f"secret key file (default: $CREDPAGES_SIGNING_KEY, else {default_secret_path()})",
        )

    def force_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--force", action="store_true", help="let --out replace a file of the site's docs"
        )

    def award_options(p: argparse.ArgumentParser) -> None:
        """What `issue` and `sign` share: both award, and both may complete pathways."""
        p.add_argument(
            "--allow-duplicate",
            action="store_true",
            help="award again to recipients who already hold the achievement",
        )
        p.add_argument(
            "--no-pathways",
            action="store_true",
            help="do not award the pathways these recipients complete (see `credpages pathways`)",
        )

    p = sub.add_parser("keygen", help="make a new Ed25519 signing key pair")
    p.add_argument("--out", help=f"where to store the secret key (default {default_secret_path()})")
    p.add_argument("--stdout", action="store_true", help="print the secret key (for a CI secret)")
    p.add_argument("--force", action="store_true", help="replace an existing key file")
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser("issue", help="award an achievement to one recipient or a CSV of them")
    p.add_argument("--achievement", help="achievement id (credentials/achievements/ID.yaml)")
    p.add_argument("--name", help="recipient's name as it should appear")
    p.add_argument("--email", help="recipient's e-mail (stored only as a salted hash)")
    p.add_argument("--issued", help="issue date, e.g. 2026-11-28 (default: now)")
    p.add_argument("--expires", help="expiry date (default: the achievement's validity, if any)")
    p.add_argument("--evidence-url", dest="evidence_url", help="link to the recipient's work")
    p.add_argument("--result", help="a result, e.g. a grade")
    p.add_argument(
        "--csv",
        help="CSV with columns name,email and optional achievement,issued,"
        "expires,evidence_url,evidence_name,evidence_narrative,result,narrative",
    )
    p.add_argument("--out", help="write the mail-merge CSV here instead of stdout")
    force_option(p)
    award_options(p)
    key_option(p)
    p.set_defaults(func=cmd_issue)

    p = sub.add_parser(
        "pathways", help="report what each learner in a CSV holds and misses of each pathway"
    )
    p.add_argument("--csv", help="CSV with name and email columns")
    p.add_argument("--out", help="write the report CSV here instead of stdout")
    force_option(p)
    p.add_argument(
        "--clr",
        action="store_true",
        help="sign the CLR 2.0 learner record of each pathway credential that has none or an "
        "outdated one (needs the key)",
    )
    key_option(p)
    p.set_defaults(func=cmd_pathways)

    p = sub.add_parser("sign", help="turn authoring YAML files into signed credentials in place")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument(
        "--unsigned",
        action="store_true",
        help="sign every unsigned file under credentials/ (exit 0 when there is none)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="with --unsigned: check and list the files, sign nothing (needs no key)",
    )
    award_options(p)
    key_option(p)
    p.set_defaults(func=cmd_sign)

    p = sub.add_parser(
        "verify",
        help="check credentials: YAML, credential.json, baked PNG/SVG badges or CLR 2.0 "
        "learner records (default: all under credentials/, with credentials/clr/)",
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("-v", "--verbose", action="store_true", help="also list the ones that pass")
    p.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="accept valid unsigned authoring files (the Pages workflow signs them on main)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="also fail on revoked, superseded, expired and not-yet-valid credentials",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("revoke", help="revoke a credential (final) and re-sign the status list")
    p.add_argument("credential", metavar="ID", help="page URL, slug or file")
    p.add_argument("--reason", required=True, help="shown on the credential's page")
    key_option(p)
    p.set_defaults(func=cmd_revoke)

    p = sub.add_parser(
        "status-check",
        help="fail if a revocation was undone (the ledger vs the signed list, and a previous list)",
    )
    p.add_argument(
        "--previous",
        metavar="FILE",
        help="an earlier signed list to compare with: the base branch's revocation-list.yaml "
        "(`git show`) or the deployed status/revocation.json",
    )
    p.add_argument(
        "--previous-name", metavar="TEXT", help="how messages call it (default: the file name)"
    )
    p.set_defaults(func=cmd_status_check)

    p = sub.add_parser("reissue", help="replace a credential with a corrected new one")
    p.add_argument("credential", metavar="ID", help="page URL, slug or file")
    p.add_argument("--name", help="corrected recipient name")
    p.add_argument("--reason", help="why (default: replaced by a corrected credential)")
    key_option(p)
    p.set_defaults(func=cmd_reissue)

    p = sub.add_parser(
        "rotate-key", help="add a new key to the keyring (old credentials still verify)"
    )
    p.add_argument("--public-key", help="add this existing public key instead of making one")
    p.add_argument("--out", help="where to store the new secret key")
    p.add_argument("--stdout", action="store_true", help="print the new secret key instead")
    p.set_defaults(func=cmd_rotate_key)

    p = sub.add_parser(
        "retire-key", help="mark a key retired (what it signed must then be re-signed)"
    )
    p.add_argument("key_id", metavar="KEY_ID", help="the keyring id, e.g. key-1")
    p.set_defaults(func=cmd_retire_key)

    p = sub.add_parser(
        "resign", help="re-sign credentials signed by a retired key (same ids and pages)"
    )
    p.add_argument(
        "files", nargs="*", metavar="FILE", help="default: every one signed by an old key"
    )
    p.add_argument("--dry-run", action="store_true", help="list what would be re-signed")
    key_option(p)
    p.set_defaults(func=cmd_resign)

    p = sub.add_parser("bake", help="bake a credential into its badge image (Open Badges 3.0)")
    p.add_argument("credential", metavar="CREDENTIAL", help="page URL, slug or file")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.png or FILE.svg to write")
    p.add_argument("--image", help="PNG or SVG to bake into (default: the achievement's image)")
    force_option(p)
    p.set_defaults(func=cmd_bake)

    p = sub.add_parser("build", help="verify every credential and build the site (mkdocs build)")
    p.add_argument("--site-dir", help="output folder (default: site_dir of mkdocs.yml)")
    p.add_argument(
        "--expect-url",
        metavar="URL",
        help="fail unless site_url is this URL, where the site will be published (the "
        "GitHub Pages workflow passes the Pages address; only a warning when demo: true)",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave out credentials that fail verification instead of failing",
    )
    p.add_argument(
        "--log-previous",
        metavar="URL_OR_FOLDER",
        help="fail unless the issuance log extends the one this site (usually the live site) "
        "publishes; the Pages workflow passes the deployed address",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("log", help="the issuance log: start or complete it, audit a site's log")
    log_sub = p.add_subparsers(dest="log_command", required=True, metavar="ACTION")
    lp = log_sub.add_parser("sync", help="start the log or append unlogged credentials, and sign")
    key_option(lp)
    lp.set_defaults(func=cmd_log_sync)
    lp = log_sub.add_parser("audit", help="check a deployed site's or a built folder's log")
    lp.add_argument("source", metavar="URL_OR_FOLDER", help="the site's address or a built site")
    lp.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="a checkpoint saved earlier (or a saved copy of the site): the log must extend it",
    )
    lp.add_argument("--save", metavar="FILE", help="save the verified checkpoint to FILE")
    lp.set_defaults(func=cmd_log_audit)

    p = sub.add_parser(
        "serve", help="preview the site as published at site_url, rebuilding on changes"
    )
    p.add_argument("--port", type=int, help="port to serve on (0: any free port)")
    p.add_argument(
        "--dev-addr",
        default=None,
        help="HOST:PORT (default: dev_addr of mkdocs.yml, 127.0.0.1:8000)",
    )
    p.add_argument("--skip-invalid", action="store_true")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("init", help="make a new issuer's site (mkdocs.yml, key, workflows) in DIR")
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="default: this folder")
    for q in QUESTIONS:
        p.add_argument(q.flag, dest=q.name, help=q.prompt)
    p.add_argument(
        "--credpages-spec",
        metavar="REQUIREMENT",
        help="the pinned credpages the site installs (default: the git commit this credpages "
        f"was installed from, else credpages=={__version__}; "
        "or e.g. 'credpages @ git+https://github.com/OWNER/credpages@v1.2.3')",
    )
    p.add_argument(
        "--key-file", help=f"where to store the new secret key (default {default_secret_path()})"
    )
    p.add_argument(
        "--key-stdout", action="store_true", help="print the new secret key instead of storing it"
    )
    p.add_argument(
        "--print-lock",
        action="store_true",
        help="only print this version's requirements.lock (to upgrade a site: see the guide)",
    )
    p.set_defaults(func=cmd_init)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except CredpagesError as exc:
        say(f"credpages: error: {exc}", err=True)
        return EXIT_FAIL
    except KeyboardInterrupt:
        say("credpages: interrupted; every file written so far is complete", err=True)
        return 130
    except OSError as exc:
        say(f"credpages: error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
        return EXIT_FAIL
    except Exception as exc:  # a bug: still one line, unless debugging
        if os.environ.get("CREDPAGES_DEBUG"):
            raise
        say(
            f"credpages: internal error: {type(exc).__name__}: {exc} "
            "(set CREDPAGES_DEBUG=1 for details)",
            err=True,
        )
        return EXIT_USAGE + 1


if __name__ == "__main__":
    sys.exit(main())
