# Over 400 lines on purpose: the one schema (issue 12), every option with its parser and message;
# split, the options would be checked in two places.
"""The issuer's settings: the ``credpages`` plugin entry of ``mkdocs.yml``, validated once.

Both the CLI and the MkDocs plugin call :func:`parse_settings`, so there is one schema and one
set of error messages. Nothing here imports MkDocs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import SplitResult, unquote, urlsplit

from .credential.did import did_from_site_url
from .credential.multikey import decode_public_key
from .errors import CredpagesError

Layout = Literal["classic", "minimal"]
#: Share card layouts (``share_cards.layout``), drawn by ``site.share_card``.
LAYOUTS: tuple[Layout, ...] = ("classic", "minimal")
#: ``share_cards.per``: one card per credential, or one per achievement (saves space).
CARDS_PER = ("credential", "achievement")

#: The demo issuer's public key. Its secret is committed on purpose (demo/), so the build refuses
#: any site that trusts this key unless the config says ``demo: true``.
DEMO_PUBLIC_KEY = "z6MkfjxWuNDEoY6FpHsKS8BL3LgZqckLB4WRPuQuK2X2P2hN"

_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$")
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1"}
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
# Characters a web address cannot carry unescaped (a signed document holding them cannot be
# signed: see jsonld), in a path written in an achievement or the issuer's image.
_BAD_PATH_CHAR = re.compile(r"[\x00-\x20\x7f-\x9f\"<>\\^`{|}\u2028\u2029]")
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

#: Material for MkDocs' palette names (``theme.palette.primary`` / ``accent``), as its CSS defines.
MATERIAL_PRIMARY = {
    "red": "#ef5552", "pink": "#e92063", "purple": "#ab47bd", "deep-purple": "#7e56c2",
    "indigo": "#4051b5", "blue": "#2094f3", "light-blue": "#02a6f2", "cyan": "#00bdd6",
    "teal": "#009485", "green": "#4cae4f", "light-green": "#8bc34b", "lime": "#cbdc38",
    "yellow": "#ffec3d", "amber": "#ffc105", "orange": "#ffa724", "deep-orange": "#ff6e42",
    "brown": "#795649", "grey": "#757575", "blue-grey": "#546d78", "black": "#14151a",
    "white": "#ffffff",
}  # fmt: skip
MATERIAL_ACCENT = {
    "red": "#ff1a47", "pink": "#f50056", "purple": "#df41fb", "deep-purple": "#7c4dff",
    "indigo": "#526cfe", "blue": "#4287ff", "light-blue": "#0091eb", "cyan": "#00bad6",
    "teal": "#00bda4", "green": "#00c753", "light-green": "#63de17", "lime": "#b0eb00",
    "yellow": "#ffd400", "amber": "#ffaa00", "orange": "#ff9000", "deep-orange": "#ff6e42",
}  # fmt: skip
KNOWN_KEYS = {
    "enabled",
    "demo",
    "credentials_dir",
    "issuer",
    "keyring",
    "page_prefix",
    "indexable",
    "list_recipients",
    "skip_invalid",
    "log_previous",
    "cache_dir",
    "share_cards",
    "cname",
}
ISSUER_KEYS = {
    "name",
    "url",
    "image",
    "description",
    "email",
    "linkedin_organization_id",
    "earn_url",
}
KEY_KEYS = {"id", "public_key", "active_from", "retired"}
SHARE_CARD_KEYS = {"enabled", "per", "primary", "accent", "layout"}


@dataclass(frozen=True)
class IssuerProfile:
    name: str
    url: str
    image: str | None = None
    description: str | None = None
    email: str | None = None
    linkedin_organization_id: str | None = None
    earn_url: str | None = None


@dataclass(frozen=True)
class KeyEntry:
    id: str
    public_key: str
    public_key_bytes: bytes
    active_from: str
    retired: bool = False


@dataclass(frozen=True)
class ShareCards:
    """``share_cards:``: colours are ``#rrggbb`` as given, None to follow the site's palette."""

    enabled: bool = True
    per: str = "credential"
    primary: str | None = None
    accent: str | None = None
    layout: Layout = "classic"


@dataclass(frozen=True)
class Settings:
    site_url: str
    did: str
    issuer: IssuerProfile
    keyring: tuple[KeyEntry, ...]
    credentials_dir: Path
    config_file: Path | None = None
    demo: bool = False
    page_prefix: str = "c"
    indexable: bool = False
    list_recipients: bool = False
    skip_invalid: bool = False
    log_previous: str | None = None  # the published log (URL or folder) this build must extend
    cache_dir: Path | None = None
    share_cards: ShareCards = field(default_factory=ShareCards)
    cname: str | None = None
    docs_dir: Path | None = None
    #: ``theme.language`` as written (a BCP 47 tag); credpages' pages use the shipped catalog that
    #: matches it, else English with a build warning (``credpages.i18n``).
    language: str = "en"

    def cache_sibling(self, suffix: str) -> Path | None:
        """A cache file beside the build cache's folder (``.cache/credpages<suffix>``), not in
        it: that folder is the build cache's alone (it refuses a folder holding other files)."""
        folder = self.cache_dir
        return folder.with_name(folder.name + suffix) if folder is not None else None

    @property
    def status_list_url(self) -> str:
        return self.site_url + "status/revocation.json"

    @property
    def achievements_dir(self) -> Path:
        return self.credentials_dir / "achievements"

    @property
    def status_dir(self) -> Path:
        return self.credentials_dir / "status"

    def credential_url(self, slug: str) -> str:
        return f"{self.site_url}{self.page_prefix}/{slug}/"

    def achievement_url(self, achievement_id: str) -> str:
        return f"{self.site_url}achievements/{achievement_id}/"

    def absolute_url(self, value: str) -> str:
        """A URL as written, or a path inside the site made absolute against ``site_url``."""
        if _URL_SCHEME.match(value):
            return value
        return self.site_url + value.lstrip("/")

    def docs_file(self, reference: str | None) -> Path | None:
        """The file inside ``docs_dir`` that a URL of this site (or a path in it) names.

        None for another site's URL, a path that leaves ``docs_dir``, or no ``docs_dir``. The
        one place that maps a published address back to a source file (baking, share cards).
        """
        if not reference or self.docs_dir is None:
            return None
        if _URL_SCHEME.match(reference):
            if not reference.startswith(self.site_url):
                return None
            reference = reference[len(self.site_url) :]
        try:
            relative = unquote(urlsplit(reference).path).lstrip("/")
            folder = self.docs_dir.resolve()
            path = (folder / relative).resolve()
        except (ValueError, OSError):  # NUL, an unclosed "[", a loop of links
            return None
        return path if path.is_relative_to(folder) else None

    def key_by_vm(self) -> dict[str, KeyEntry]:
        return {f"{self.did}#{k.id}": k for k in self.keyring}

    def current_key(self) -> KeyEntry:
        live = [k for k in self.keyring if not k.retired]
        if not live:
            raise CredpagesError(
                "every key in the keyring is retired: add one with `credpages rotate-key`",
                field="keyring",
            )
        return max(live, key=lambda k: k.active_from)


def split_url(value: str, fld: str) -> SplitResult:
    """``urlsplit`` that turns a malformed URL (``http://[::1/``, a bad port) into an error
    naming the field, instead of the ``ValueError`` that would end a run as an internal error."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # parsed lazily: a port like ":x" raises only here
    except ValueError as exc:
        raise CredpagesError(f"is not a valid URL ({exc}): {value!r}", field=fld) from None
    return parts


def check_site_path(text: str, fld: str) -> str:
    """A path to a file inside the site (an image, the logo), as written in a YAML file.

    Refused if it holds a character a web address cannot carry, or climbs out with ``..``: the
    build publishes only ``docs_dir``, so such an image would be broken on every page.
    """
    bad = _BAD_PATH_CHAR.search(text)
    if bad:
        raise CredpagesError(
            f"{text!r} holds {bad.group()!r}, which a web address cannot carry: rename the file "
            "(letters, digits, '-', '_', '.', '/'), or percent-encode it (%20 for a space)",
            field=fld,
        )
    if ".." in unquote(text).split("/"):
        raise CredpagesError(
            f"{text!r} climbs out of the docs folder with '..': the site publishes only "
            "docs_dir, so give the path of a file inside it, e.g. assets/badge.png",
            field=fld,
        )
    return text


def _err(message: str, fld: str) -> CredpagesError:
    return CredpagesError(message, field=f"plugins.credpages.{fld}")


def normalize_site_url(site_url: Any) -> str:
    """``site_url`` with a trailing slash; http is allowed only on localhost (demo and tests)."""
    if not isinstance(site_url, str) or not site_url.strip():
        raise CredpagesError(
            "site_url is required: the issuer's DID (did:web) is derived from it, e.g. "
            "https://you.github.io/awards/",
            field="site_url",
        )
    url = site_url.strip()
    if not url.endswith("/"):
        url += "/"
    parts = split_url(url, "site_url")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise CredpagesError("site_url must be a plain https URL", field="site_url")
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS and parts.port:
        return url
    raise CredpagesError(
        f"site_url {site_url!r} must be https://… (http only for localhost with a port)",
        field="site_url",
    )


def _str(entry: Mapping[str, Any], key: str, fld: str, *, required: bool = False) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise _err("is required", fld)
        return None
    if isinstance(value, int) and not isinstance(value, bool) and key.endswith("_id"):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise _err("must be a non-empty string", fld)
    return value.strip()


def _bool(entry: Mapping[str, Any], key: str, default: bool, fld: str | None = None) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise _err("must be true or false", fld or key)
    return value


def _http_url(value: str | None, fld: str) -> str | None:
    if value is not None and split_url(value, f"plugins.credpages.{fld}").scheme not in (
        "http",
        "https",
    ):
        raise _err(f"must be an http(s) URL, got {value!r}", fld)
    return value


def _image(value: str | None, fld: str) -> str | None:
    """The issuer's logo: an http(s) URL, or a path to a file inside ``docs_dir``."""
    if value is None:
        return None
    if _URL_SCHEME.match(value):
        return _http_url(value, fld)
    return check_site_path(value, f"plugins.credpages.{fld}")


def _parse_issuer(raw: Any) -> IssuerProfile:
    if not isinstance(raw, Mapping):
        raise _err("must be a mapping with at least name and url", "issuer")
    unknown = set(raw) - ISSUER_KEYS
    if unknown:
        raise _err(f"unknown setting(s) {sorted(unknown)}; known: {sorted(ISSUER_KEYS)}", "issuer")
    name = _str(raw, "name", "issuer.name", required=True)
    url = _http_url(_str(raw, "url", "issuer.url", required=True), "issuer.url")
    assert name is not None and url is not None
    return IssuerProfile(
        name=name,
        url=url,
        image=_image(_str(raw, "image", "issuer.image"), "issuer.image"),
        description=_str(raw, "description", "issuer.description"),
        email=_str(raw, "email", "issuer.email"),
        linkedin_organization_id=_str(
            raw, "linkedin_organization_id", "issuer.linkedin_organization_id"
        ),
        earn_url=_http_url(_str(raw, "earn_url", "issuer.earn_url"), "issuer.earn_url"),
    )


def parse_colour(value: Any, *, palette: Mapping[str, str], fld: str) -> str:
    """``#rgb``, ``#rrggbb`` or a Material palette name → ``#rrggbb`` (lowercase)."""
    if not isinstance(value, str):
        raise CredpagesError("must be a colour: #rrggbb or a Material palette name", field=fld)
    name = re.sub(r"[\s_]+", "-", value.strip().lower())
    if name in palette:
        return palette[name]
    match = _HEX.match(value.strip())
    if not match:
        raise CredpagesError(
            f"{value!r} is not a colour: write #rrggbb or one of {', '.join(sorted(palette))}",
            field=fld,
        )
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


def _parse_share_cards(raw: Any) -> ShareCards:
    """Checked with the other settings, before anything is built (not after the pages)."""
    if raw is None:
        return ShareCards()
    if not isinstance(raw, Mapping):
        raise _err(f"must be a mapping of {sorted(SHARE_CARD_KEYS)}", "share_cards")
    unknown = set(raw) - SHARE_CARD_KEYS
    if unknown:
        raise _err(
            f"unknown setting(s) {sorted(unknown)}; known: {sorted(SHARE_CARD_KEYS)}",
            "share_cards",
        )
    per = raw.get("per", "credential")
    if per not in CARDS_PER:
        raise _err(
            f"must be one of {', '.join(CARDS_PER)} (one card per achievement saves space)",
            "share_cards.per",
        )
    layout = raw.get("layout", "classic")
    if layout not in LAYOUTS:
        raise _err(
            f"{layout!r} is not a layout: use one of {', '.join(LAYOUTS)}", "share_cards.layout"
        )
    colours = {
        key: parse_colour(raw[key], palette=names, fld=f"plugins.credpages.share_cards.{key}")
        for key, names in (("primary", MATERIAL_PRIMARY), ("accent", MATERIAL_ACCENT))
        if raw.get(key) is not None
    }
    return ShareCards(
        enabled=_bool(raw, "enabled", True, "share_cards.enabled"),
        per=per,
        layout=cast(Layout, layout),
        **colours,
    )


def _cname(value: Any) -> str | None:
    """The custom domain written to ``CNAME``; empty means none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _err("must be a domain name such as awards.example.org", "cname")
    return value.strip()


def _parse_date(value: Any, fld: str) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise _err("must be a date like 2026-01-31", fld)


def _parse_keyring(raw: Any, *, demo: bool) -> tuple[KeyEntry, ...]:
    if not isinstance(raw, list) or not raw:
        raise _err(
            "needs at least one public key: run `credpages keygen` and paste the public key "
            "it prints",
            "keyring",
        )
    keys: list[KeyEntry] = []
    for i, item in enumerate(raw):
        fld = f"keyring[{i}]"
        if not isinstance(item, Mapping):
            raise _err("must be a mapping with id, public_key and active_from", fld)
        unknown = set(item) - KEY_KEYS
        if unknown:
            raise _err(f"unknown setting(s) {sorted(unknown)}", fld)
        key_id = _str(item, "id", f"{fld}.id", required=True)
        assert key_id is not None
        if not _KEY_ID.match(key_id):
            raise _err("must be letters, digits, '-' or '_' (e.g. key-1)", f"{fld}.id")
        public = _str(item, "public_key", f"{fld}.public_key", required=True)
        assert public is not None
        try:
            raw_key = decode_public_key(public)
        except CredpagesError as exc:
            raise _err(exc.message, f"{fld}.public_key") from exc
        if public == DEMO_PUBLIC_KEY and not demo:
            raise _err(
                "this is the public demo key, whose secret is published in this repository: "
                "anyone could forge your credentials. Make your own with `credpages keygen` "
                "(or set `demo: true` if this really is the demo site)",
                f"{fld}.public_key",
            )
        retired = item.get("retired", False)
        if not isinstance(retired, bool):
            raise _err("must be true or false", f"{fld}.retired")
        keys.append(
            KeyEntry(
                id=key_id,
                public_key=public,
                public_key_bytes=raw_key,
                active_from=_parse_date(item.get("active_from"), f"{fld}.active_from"),
                retired=retired,
            )
        )
    ids = [k.id for k in keys]
    if len(set(ids)) != len(ids):
        raise _err("key ids must be unique", "keyring")
    return tuple(keys)


def parse_settings(
    entry: Mapping[str, Any] | None,
    site_url: Any,
    base_dir: Path,
    *,
    config_file: Path | None = None,
    docs_dir: Path | None = None,
    language: Any = None,
) -> Settings:
    """Validate the plugin entry; every error names the setting and says what to write.

    ``language`` is the site's ``theme.language`` (MkDocs' theme setting, read at the edge).
    """
    entry = dict(entry or {})
    unknown = set(entry) - KNOWN_KEYS
    if unknown:
        raise CredpagesError(
            f"unknown setting(s) {sorted(unknown)}; known settings: {sorted(KNOWN_KEYS)}",
            field="plugins.credpages",
        )
    url = normalize_site_url(site_url)
    demo = _bool(entry, "demo", False)
    cred_dir = _str(entry, "credentials_dir", "credentials_dir") or "credentials"
    prefix = _str(entry, "page_prefix", "page_prefix") or "c"
    if not _PREFIX.match(prefix):
        raise _err("must be a short lowercase path segment such as c", "page_prefix")
    cache = _str(entry, "cache_dir", "cache_dir") or ".cache/credpages"
    return Settings(
        site_url=url,
        did=did_from_site_url(url),
        issuer=_parse_issuer(entry.get("issuer")),
        keyring=_parse_keyring(entry.get("keyring"), demo=demo),
        credentials_dir=(base_dir / cred_dir).resolve(),
        config_file=config_file,
        demo=demo,
        page_prefix=prefix,
        indexable=_bool(entry, "indexable", False),
        list_recipients=_bool(entry, "list_recipients", False),
        skip_invalid=_bool(entry, "skip_invalid", False),
        log_previous=_str(entry, "log_previous", "log_previous"),
        cache_dir=(base_dir / cache).resolve(),
        share_cards=_parse_share_cards(entry.get("share_cards")),
        cname=_cname(entry.get("cname")),
        docs_dir=(docs_dir or base_dir / "docs").resolve(),
        language=_language(language),
    )


def _language(value: Any) -> str:
    """``theme.language``: a language tag such as ``en``, ``fr`` or ``pt-BR`` (default ``en``)."""
    if value is None or value == "":
        return "en"
    if not isinstance(value, str) or not _LANGUAGE_TAG.match(value):
        raise _err("must be a language tag such as en, fr, pt-BR or zh-Hans", "theme.language")
    return value


def check_palette(palette: Any) -> None:
    """``theme.palette`` colours must be Material's names (or ``custom``): an unknown one would
    silently turn indigo on credential pages, and Material writes it into its pages as is."""
    entries = palette if isinstance(palette, list) else [palette] if palette else []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        for key, names in (("primary", MATERIAL_PRIMARY), ("accent", MATERIAL_ACCENT)):
            value = entry.get(key)
            if value is None:
                continue
            known = sorted([*names, "custom"])
            name = value.replace(" ", "-").lower() if isinstance(value, str) else None
            if name not in known:
                where = f"theme.palette[{i}].{key}" if isinstance(palette, list) else ""
                raise CredpagesError(
                    f"{value!r} is not one of Material's {key} colours: use one of "
                    f"{', '.join(known)} (custom: set the colour in your own CSS)",
                    field=where or f"theme.palette.{key}",
                )
