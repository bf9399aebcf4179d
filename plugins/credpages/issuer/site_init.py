# Over 400 lines on purpose: most of it is the text of the files `init` writes.
"""``credpages init``: the files of a new issuer's site repository, made from a few answers.

The new site depends on credpages as a pinned package (``requirements.txt``), never on a copy of
its code. Answers are checked by the same rules as ``mkdocs.yml`` (``config.parse_settings``);
the files are computed first (pure), then written all or nothing (``write_site``). Most of its
length is the text of the files it writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from .. import __version__
from ..config import normalize_site_url, parse_settings
from ..errors import CredpagesError
from ..fsio import atomic_write

#: The example achievement's id (its file name).
EXAMPLE_ACHIEVEMENT = "example-workshop"
LOGO_TYPES = (".svg", ".png")
INSTALL_STEP = "Install credpages"
#: What a site's workflows run to install credpages: the hash-locked dependencies of the pinned
#: version, then credpages itself at its pin.
INSTALL_RUN = (
    "pip install --require-hashes --no-deps -r requirements.lock\n"
    "pip install --no-deps -r requirements.txt\n"
    "pip check\n"
)
# Text that is written into YAML and Markdown: no control characters or line separators.
_BAD_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPEC = re.compile(r"credpages\s*(\[[\w,\s-]*\])?\s*(===?|@)\s*[^\s;#]+")


@dataclass(frozen=True)
class Question:
    """One answer ``init`` needs: its flag, its prompt, and whether it may be left out."""

    name: str
    flag: str
    prompt: str
    required: bool


QUESTIONS = (
    Question(
        "site_url",
        "--site-url",
        "Address the site will be published at (https://…/; part of every credential)",
        True,
    ),
    Question("issuer_name", "--issuer-name", "Issuer name (shown on every credential)", True),
    Question("issuer_url", "--issuer-url", "Issuer's own website (https://…)", True),
    Question(
        "logo", "--logo", "Logo: a URL, or a PNG/SVG file to copy into the site (optional)", False
    ),
)


@dataclass(frozen=True)
class Answers:
    site_url: str
    issuer_name: str
    issuer_url: str
    logo: str | None = None  # an https URL, or the path of a local PNG/SVG file


def check_answer(name: str, value: str, *, base_dir: Path) -> str:
    """The answer as it will be written, checked by the config's rules; else ``CredpagesError``
    naming the flag."""
    flag = next(q.flag for q in QUESTIONS if q.name == name)
    value = value.strip()
    try:
        if _BAD_TEXT.search(value):
            raise CredpagesError("must be one line without control characters")
        if name == "site_url":
            url = normalize_site_url(value)
            if urlsplit(url).scheme != "https":
                raise CredpagesError(
                    f"{value!r} must be https://… (the address the site is published at)"
                )
            return url
        if name in ("issuer_name", "issuer_url"):
            issuer = {"name": "Example", "url": "https://example.org/"}
            issuer[name.removeprefix("issuer_")] = value
            _check_issuer(issuer)
            return value
        if name == "logo":
            return _check_logo(value, base_dir)
    except CredpagesError as exc:
        raise CredpagesError(exc.message, field=flag) from exc
    raise ValueError(name)


def _check_issuer(issuer: Mapping[str, object]) -> None:
    """Run the config's own issuer rules (a keyring error is expected and ignored)."""
    try:
        parse_settings({"issuer": dict(issuer), "keyring": []}, "https://example.org/", Path("."))
    except CredpagesError as exc:
        if exc.field and exc.field.startswith("plugins.credpages.issuer"):
            raise CredpagesError(exc.message) from exc


def _check_logo(value: str, base_dir: Path) -> str:
    if urlsplit(value).scheme == "https":
        return value
    if urlsplit(value).scheme:
        raise CredpagesError(f"{value!r}: a logo URL must be https://…")
    path = base_dir / value
    if path.suffix.lower() not in LOGO_TYPES:
        raise CredpagesError(f"{value!r} must be a .svg or .png file, or an https URL")
    if not path.is_file():
        raise CredpagesError(f"{value!r}: no such file")
    return value


def check_spec(spec: str) -> str:
    """A pinned requirement for credpages (``credpages==1.2.3`` or ``credpages @ git+…``)."""
    spec = spec.strip()
    if not _SPEC.fullmatch(spec):
        raise CredpagesError(
            f"{spec!r} must pin credpages, e.g. credpages=={__version__} or "
            "'credpages @ git+https://github.com/OWNER/credpages@v1.2.3'",
            field="--credpages-spec",
        )
    return spec


def spec_from_direct_url(direct_url: str | None, version: str = __version__) -> str:
    """The pin for a new site: the git commit this credpages was installed from (PEP 610's
    ``direct_url.json``, e.g. by ``pipx install git+https://…``), else this version."""
    try:
        data = json.loads(direct_url or "null")
    except ValueError:
        data = None
    if isinstance(data, dict):
        url, vcs = data.get("url"), data.get("vcs_info")
        if (
            isinstance(url, str)
            and url.startswith("https://")
            and isinstance(vcs, dict)
            and vcs.get("vcs") == "git"
            and isinstance(vcs.get("commit_id"), str)
            and re.fullmatch(r"[0-9a-f]{40}", vcs["commit_id"])
            and not _BAD_TEXT.search(url)
            and " " not in url
        ):
            return f"credpages @ git+{url}@{vcs['commit_id']}"
    return f"credpages=={version}"


def installed_spec() -> str:
    """``spec_from_direct_url`` for the credpages that is running."""
    from importlib import metadata

    try:
        direct_url = metadata.distribution("credpages").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct_url = None
    return spec_from_direct_url(direct_url)


def missing_answers(given: Mapping[str, str | None]) -> list[Question]:
    return [q for q in QUESTIONS if q.required and not (given.get(q.name) or "").strip()]


def site_workflow(text: str, *, source: str) -> str:
    """A workflow of this repository made fit for a new site: the step that installs credpages
    installs ``requirements.lock`` and the pin in ``requirements.txt`` (``INSTALL_RUN``); a pip
    cache, if any, keys on ``requirements.txt``."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    replaced = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        step = re.fullmatch(rf"(\s*)- name: {INSTALL_STEP}\s*", line)
        cache = re.fullmatch(r"(\s*)cache-dependency-path:.*\s*", line)
        i += 1
        if step:
            indent = step.group(1) + "  "
            out.append(line)
            kept = []
            while i < len(lines) and lines[i].startswith(indent):
                if re.fullmatch(r"\s*id:.*\s*", lines[i]):
                    kept.append(lines[i])
                i += 1
            script = "".join(f"{indent}  {line}\n" for line in INSTALL_RUN.splitlines())
            out += [*kept, f"{indent}run: |\n", script]
            replaced += 1
        elif cache:
            out.append(f"{cache.group(1)}cache-dependency-path: requirements.txt\n")
        else:
            out.append(line)
    if not replaced:
        raise CredpagesError(
            f"has no step named {INSTALL_STEP!r} to install the pinned package", file=source
        )
    return "".join(out)


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML); answers hold no control characters."""
    return json.dumps(value, ensure_ascii=False)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def _md_text(value: str) -> str:
    """Plain text in Markdown: punctuation escaped, and no raw HTML."""
    escaped = _MD_SPECIAL.sub(r"\\\1", value)
    return escaped.replace("&", "&amp;").replace("<", "&lt;")


def _md_url(value: str) -> str:
    """A URL inside ``(<…>)``: nothing that could end it or start markup."""
    return quote(value, safe=":/?#[]@!$&'()*+,;=%~")


def _site_name(issuer_name: str) -> str:
    """MkDocs themes print ``site_name`` unescaped: no ``<`` or ``>`` in it."""
    return re.sub(r"[<>]", "", issuer_name).strip() + " credentials"


def _mkdocs_yml(answers: Answers, image: str | None, public_key: str, today: str) -> str:
    image_line = f"        image: {_yaml_str(image)}\n" if image else ""
    return f"""\
# A credential site made by `credpages init` (credpages {__version__}).
# site_url is part of every signed credential and of the issuer's DID: choose it before awarding.
site_name: {_yaml_str(_site_name(answers.issuer_name))}
site_url: {_yaml_str(answers.site_url)}
docs_dir: docs
use_directory_urls: true

theme:
  name: material
  font: false            # no Google Fonts: the site loads nothing from other hosts
  language: en

plugins:
  - search
  - credpages:
      issuer:
        name: {_yaml_str(answers.issuer_name)}
        url: {_yaml_str(answers.issuer_url)}
{image_line}      keyring:               # public keys only: the secret key is never in this folder
        - id: key-1
          public_key: {public_key}
          active_from: "{today}"
"""


_ACHIEVEMENT = f"""\
# An example of what you award: the file name is the achievement's id ({EXAMPLE_ACHIEVEMENT}).
# Edit it, copy it for each achievement, or delete it. Every field: the credpages README.
name: Example Workshop
description: Took part in a one-day example workshop and completed its exercises.
criteria: Attended the whole workshop and handed in every exercise.
achievement_type: Badge
tags: [example]
"""

_GITIGNORE = """\
/site/
/.cache/
.venv/
__pycache__/
"""


def _index_md(answers: Answers) -> str:
    name, url = _md_text(answers.issuer_name), _md_url(answers.issuer_url)
    return f"""\
# {name} credentials

Every credential on this site was awarded by [{name}](<{url}>) and is a signed
[Open Badges 3.0](https://www.imsglobal.org/spec/ob/v3p0/) credential. Each has its own page,
where it is verified in your browser.

- [What we award](achievements/)
- [Verify a credential file](verify/)
"""


def _readme(answers: Answers, spec: str) -> str:
    return f"""\
# {_md_text(answers.issuer_name)} credentials

The source of <{answers.site_url}>: signed Open Badges 3.0 credentials kept as YAML files and
published with credpages (`{spec}`, in `requirements.txt`).

## Set up (once)

```sh
python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
. .venv/bin/activate          # puts `credpages` on PATH (or use .venv/bin/credpages)
credpages serve               # preview at http://127.0.0.1:8000/, verified as it will be published
```

`credpages init` stored the secret signing key outside this folder (it printed where). On GitHub:

1. Settings → Secrets and variables → Actions → New repository secret `CREDPAGES_SIGNING_KEY`,
   with the key's one line (`cat` the key file, or make the site with `--key-stdout`).
2. Settings → Pages → Source: **GitHub Actions**.
3. Push to `main`: `.github/workflows/pages.yml` verifies, builds and publishes the site.

## Award and revoke

```sh
credpages issue --achievement {EXAMPLE_ACHIEVEMENT} --name "Ada Lovelace" --email ada@example.org
credpages issue --achievement {EXAMPLE_ACHIEVEMENT} --csv learners.csv --out mail-merge.csv
credpages verify
credpages revoke SLUG --reason "Issued in error"
```

Achievements live in `credentials/achievements/`, credentials in `credentials/`. Commit them and
push; the site is rebuilt. From GitHub alone: Actions → "Issue credentials" / "Revoke".

## Upgrade credpages

Change the pin in `requirements.txt`, then install it and take its hash-locked dependencies:

```sh
.venv/bin/pip install -r requirements.txt
credpages init --print-lock > requirements.lock
credpages verify && credpages build
```

Commit both files once the build passes; the workflows install exactly these releases.
"""


def starter_files(
    answers: Answers,
    *,
    public_key: str,
    spec: str,
    lock: str,
    workflows: Mapping[str, str],
    today: dt.date,
    read_logo: Callable[[str], bytes],
) -> dict[str, bytes]:
    """Every file of the new site, by path relative to its folder."""
    files: dict[str, str | bytes] = {}
    image = None
    if answers.logo:
        if urlsplit(answers.logo).scheme:
            image = answers.logo
        else:
            image = f"assets/logo{Path(answers.logo).suffix.lower()}"
            files[f"docs/{image}"] = read_logo(answers.logo)
    files["mkdocs.yml"] = _mkdocs_yml(answers, image, public_key, today.isoformat())
    files["requirements.txt"] = spec + "\n"
    files["requirements.lock"] = lock
    files[".gitignore"] = _GITIGNORE
    files["README.md"] = _readme(answers, spec)
    files["docs/index.md"] = _index_md(answers)
    files[f"credentials/achievements/{EXAMPLE_ACHIEVEMENT}.yaml"] = _ACHIEVEMENT
    for name, text in sorted(workflows.items()):
        files[f".github/workflows/{name}"] = site_workflow(text, source=name)
    return {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()}


def conflicts(folder: Path, files: Mapping[str, bytes]) -> list[str]:
    """The paths ``init`` would write that already exist (as a file, a folder or a link)."""
    return [name for name in files if (folder / name).exists() or (folder / name).is_symlink()]


def write_site(
    folder: Path, files: Mapping[str, bytes], check: Callable[[], None] = lambda: None
) -> None:
    """Write every file, then ``check`` them; on any error, what was written (files and new
    folders) is removed again, so nothing half-made is left."""
    clash = conflicts(folder, files)
    if clash:
        raise CredpagesError(
            "would overwrite " + ", ".join(clash) + ": nothing was written. Choose an empty "
            "folder (credpages init NEW-FOLDER) or move these files away",
            file=folder,
        )
    made_dirs: list[Path] = []
    written: list[Path] = []
    try:
        for name, data in files.items():
            target = folder / name
            for parent in reversed([target.parent, *target.parent.parents]):
                if not parent.exists():
                    parent.mkdir()
                    made_dirs.append(parent)
            atomic_write(target, data)
            written.append(target)
        check()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for directory in reversed(made_dirs):
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise
