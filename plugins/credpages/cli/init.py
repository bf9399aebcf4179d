"""``credpages init``: the command's edge (prompts on a terminal, the key, messages); the site's
files are made by ``issuer.site_init``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ..bundled import LOCK_FILE, WORKFLOWS_DIR
from ..credential.keys import default_secret_path, generate_seed, public_key_of, write_secret_key
from ..credential.multikey import encode_secret_key
from ..errors import CredpagesError
from ..issuer.repository import display_path
from ..issuer.site_init import (
    QUESTIONS,
    Answers,
    Question,
    check_answer,
    check_spec,
    installed_spec,
    missing_answers,
    starter_files,
    write_site,
)
from .site_config import load_settings


def _ask(question: Question, base_dir: Path) -> str | None:
    """Prompt on the terminal until the answer passes the config's rules (empty = skip if
    optional)."""
    while True:
        print(f"{question.prompt}: ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            raise CredpagesError(f"no answer: pass {question.flag}")
        if not line.strip():
            if not question.required:
                return None
            continue
        try:
            return check_answer(question.name, line, base_dir=base_dir)
        except CredpagesError as exc:
            print(f"  {exc.message}", file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    """A new issuer's site repository in DIR (default: here), all files or none."""
    if args.print_lock:
        sys.stdout.write(LOCK_FILE.read_text(encoding="utf-8"))
        return 0
    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise CredpagesError("is not a folder", file=folder)
    cwd = Path.cwd()
    given = {q.name: getattr(args, q.name) for q in QUESTIONS}
    answers: dict[str, str | None] = {}
    for q in QUESTIONS:
        value = given[q.name]
        answers[q.name] = check_answer(q.name, value, base_dir=cwd) if value else None
    missing = missing_answers(answers)
    interactive = sys.stdin.isatty()
    if missing and not interactive:
        flags = ", ".join(q.flag for q in missing)
        raise CredpagesError(
            f"missing {flags} (no terminal to ask on: give every answer as a flag)"
        )
    if interactive:
        for q in QUESTIONS:
            if answers[q.name] is None:
                answers[q.name] = _ask(q, cwd)
    spec = check_spec(args.credpages_spec or installed_spec())
    seed = generate_seed()
    public = public_key_of(seed)
    key_path = None
    if not args.key_stdout:
        key_path = Path(args.key_file) if args.key_file else default_secret_path()
        inside = key_path.absolute().resolve().is_relative_to(folder.absolute().resolve())
        if inside:
            raise CredpagesError(
                "is inside the new site's folder: the secret key must live outside it",
                file=key_path,
                field="--key-file",
            )
        if key_path.exists():
            raise CredpagesError(
                "a signing key already exists here: give this site's new key its own file with "
                "--key-file PATH (outside the site's folder), or --key-stdout to print it",
                file=key_path,
            )
    site = Answers(
        site_url=str(answers["site_url"]),
        issuer_name=str(answers["issuer_name"]),
        issuer_url=str(answers["issuer_url"]),
        logo=answers["logo"],
    )
    workflows = {p.name: p.read_text(encoding="utf-8") for p in WORKFLOWS_DIR.glob("*.yml")}
    files = starter_files(
        site,
        public_key=public,
        spec=spec,
        lock=LOCK_FILE.read_text(encoding="utf-8"),
        workflows=workflows,
        today=dt.date.today(),
        read_logo=lambda name: (cwd / name).read_bytes(),
    )

    def check_and_store_key() -> None:
        load_settings(folder / "mkdocs.yml")  # what init writes must pass the config's rules
        if key_path is not None:
            write_secret_key(seed, key_path)

    write_site(folder, files, check_and_store_key)
    for name in files:
        print(f"wrote {display_path(folder / name)}", file=sys.stderr)
    if key_path is None:
        print(encode_secret_key(seed))
        print("Store the line above as the CREDPAGES_SIGNING_KEY secret.", file=sys.stderr)
    else:
        print(f"secret key written to {key_path} (mode 0600; never commit it)", file=sys.stderr)
    print(
        f"public key {public} is in {display_path(folder / 'mkdocs.yml')} as key-1.\n"
        f"Next: cd {folder} && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"
        " && . .venv/bin/activate && credpages serve   (README.md has the rest)",
        file=sys.stderr,
    )
    return 0
