"""Settings from mkdocs.yml: every mistake is one error naming the file and the setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import SITE_URL, IssuerSite, MakeSite
from credpages import config
from credpages.cli.site_config import load_settings
from credpages.config import Settings, normalize_site_url, parse_settings
from credpages.credential.keys import generate_seed, public_key_of
from credpages.credential.multikey import encode_secret_key
from credpages.errors import CredpagesError
from factories import issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")

PUBLIC = public_key_of(generate_seed())


def entry(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "issuer": {"name": "Test Academy", "url": "https://academy.example.test/"},
        "keyring": [{"id": "key-1", "public_key": PUBLIC, "active_from": "2026-01-01"}],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def parse(tmp_path: Path, site_url: Any = SITE_URL, **overrides: Any) -> Settings:
    return parse_settings(entry(**overrides), site_url, tmp_path)


def error_of(tmp_path: Path, site_url: Any = SITE_URL, **overrides: Any) -> CredpagesError:
    with pytest.raises(CredpagesError) as err:
        parse(tmp_path, site_url, **overrides)
    return err.value


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mkdocs.yml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "docs").mkdir(exist_ok=True)  # MkDocs' loader requires docs_dir, as the build does
    return path


MINIMAL = f"""\
site_name: T
site_url: {{site_url}}
plugins:
  - search
  - credpages:
      issuer: {{{{name: Test Academy, url: "https://academy.example.test/"}}}}
      keyring:
        - {{{{id: key-1, public_key: {PUBLIC}, active_from: "2026-01-01"}}}}
"""


# ------------------------------------------------------------------------ the happy path


def test_fixture_site_loads(issuer_site: IssuerSite) -> None:
    s = issuer_site.settings
    assert s.site_url == SITE_URL
    assert s.did == "did:web:example.test:awards"
    assert s.issuer.name == "Test Academy"
    assert s.issuer.url == "https://academy.example.test/"
    assert [k.id for k in s.keyring] == ["key-1"]
    assert s.keyring[0].public_key == issuer_site.public_key
    assert s.keyring[0].active_from == "2026-01-01"
    assert s.credentials_dir == (issuer_site.root / "credentials").resolve()
    assert s.config_file == issuer_site.config
    assert (s.demo, s.page_prefix, s.indexable, s.list_recipients) == (False, "c", False, False)


def test_defaults_and_derived_urls(tmp_path: Path) -> None:
    s = parse(tmp_path, "https://Example.test/awards")  # no trailing slash: one is added
    assert s.site_url == "https://Example.test/awards/"
    assert s.did == "did:web:example.test:awards"
    assert s.status_list_url == "https://Example.test/awards/status/revocation.json"
    assert s.credential_url("x-1") == "https://Example.test/awards/c/x-1/"
    assert s.achievement_url("py") == "https://Example.test/awards/achievements/py/"
    assert s.absolute_url("assets/logo.png") == "https://Example.test/awards/assets/logo.png"
    assert s.absolute_url("/assets/logo.png") == "https://Example.test/awards/assets/logo.png"
    assert s.absolute_url("https://cdn.test/l.png") == "https://cdn.test/l.png"
    assert s.achievements_dir == (tmp_path / "credentials" / "achievements").resolve()
    assert s.cache_dir == (tmp_path / ".cache" / "credpages").resolve()
    assert s.key_by_vm() == {"did:web:example.test:awards#key-1": s.keyring[0]}


def test_all_optional_settings(tmp_path: Path) -> None:
    s = parse(
        tmp_path,
        issuer={
            "name": "  Test Academy ",
            "url": "https://academy.example.test/",
            "image": "assets/logo.png",
            "description": "We teach.",
            "email": "office@academy.example.test",
            "linkedin_organization_id": 1234567,  # unquoted in YAML: still fine
            "earn_url": "https://academy.example.test/courses/",
        },
        credentials_dir="awards",
        page_prefix="badge",
        indexable=True,
        list_recipients=True,
        cname="awards.example.test",
    )
    assert s.issuer.name == "Test Academy"
    assert s.issuer.linkedin_organization_id == "1234567"
    assert s.credentials_dir == (tmp_path / "awards").resolve()
    assert s.credential_url("a-b") == SITE_URL + "badge/a-b/"
    assert s.indexable and s.list_recipients
    assert s.cname == "awards.example.test"


def test_current_key_is_the_newest_live_one(tmp_path: Path) -> None:
    keys = [
        {"id": "key-1", "public_key": public_key_of(generate_seed()), "active_from": "2026-01-01"},
        {"id": "key-2", "public_key": public_key_of(generate_seed()), "active_from": "2026-06-01"},
        {
            "id": "key-3",
            "public_key": public_key_of(generate_seed()),
            "active_from": "2027-01-01",
            "retired": True,
        },
    ]
    assert parse(tmp_path, keyring=keys).current_key().id == "key-2"
    for k in keys:
        k["retired"] = True
    with pytest.raises(CredpagesError, match="rotate-key"):
        parse(tmp_path, keyring=keys).current_key()


# ------------------------------------------------------------------------ site_url


@pytest.mark.parametrize("value", [None, "", "   ", 42])
def test_missing_site_url(tmp_path: Path, value: Any) -> None:
    err = error_of(tmp_path, value)
    assert err.field == "site_url"
    assert "required" in err.message and "did:web" in err.message


@pytest.mark.parametrize(
    "url",
    [
        "http://example.test/awards/",
        "http://localhost/",  # localhost, but no port: a real deployment by mistake
        "ftp://example.test/",
        "example.test/awards/",
        "https:///awards/",
        "https://example.test/?q=1",
        "https://example.test/#top",
        "https://user:pw@example.test/",
    ],
)
def test_site_url_must_be_plain_https(tmp_path: Path, url: str) -> None:
    err = error_of(tmp_path, url)
    assert err.field == "site_url"


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("http://localhost:8000/", "did:web:localhost%3A8000"),
        ("http://127.0.0.1:8000/demo/", "did:web:127.0.0.1%3A8000:demo"),
        ("https://example.test", "did:web:example.test"),
    ],
)
def test_localhost_http_with_port_is_allowed(tmp_path: Path, url: str, did: str) -> None:
    s = parse(tmp_path, url)
    assert s.site_url.endswith("/")
    assert s.did == did
    assert normalize_site_url(url) == s.site_url


# ------------------------------------------------------------------------ issuer


def test_missing_issuer_name(tmp_path: Path) -> None:
    err = error_of(tmp_path, issuer={"url": "https://academy.example.test/"})
    assert err.field == "plugins.credpages.issuer.name"
    assert err.message == "is required"


def test_missing_issuer(tmp_path: Path) -> None:
    err = error_of(tmp_path, issuer=None)
    assert err.field == "plugins.credpages.issuer"


@pytest.mark.parametrize(
    ("issuer", "fld"),
    [
        ({"name": "", "url": "https://a.test/"}, "issuer.name"),
        ({"name": ["A"], "url": "https://a.test/"}, "issuer.name"),
        ({"name": "A", "url": "javascript:alert(1)"}, "issuer.url"),
        ({"name": "A", "url": "https://a.test/", "earn_url": "a.test/x"}, "issuer.earn_url"),
        ({"name": "A", "url": "https://a.test/", "logo": "x.png"}, "issuer"),
    ],
)
def test_bad_issuer_settings(tmp_path: Path, issuer: dict[str, Any], fld: str) -> None:
    assert error_of(tmp_path, issuer=issuer).field == f"plugins.credpages.{fld}"


# ------------------------------------------------------------------------ keyring


def key(**fields: Any) -> dict[str, Any]:
    out = {"id": "key-1", "public_key": PUBLIC, "active_from": "2026-01-01"}
    out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


@pytest.mark.parametrize(
    "public",
    [
        "z6MkNotARealKey",
        "6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",  # multibase prefix missing
        "not base58 0OIl",
        encode_secret_key(generate_seed()),  # the secret pasted by mistake
    ],
    ids=["typo", "no-multibase-prefix", "not-base58", "secret-key"],
)
def test_bad_public_key(tmp_path: Path, public: str) -> None:
    err = error_of(tmp_path, keyring=[key(public_key=public)])
    assert err.field == "plugins.credpages.keyring[0].public_key"
    assert "Ed25519" in err.message
    assert public not in str(err)  # a pasted secret is never echoed


def test_public_key_is_required(tmp_path: Path) -> None:
    err = error_of(tmp_path, keyring=[key(public_key=None)])
    assert err.field == "plugins.credpages.keyring[0].public_key"


@pytest.mark.parametrize("keyring", [None, [], "z6Mk...", {"id": "key-1"}])
def test_empty_keyring_says_run_keygen(tmp_path: Path, keyring: Any) -> None:
    err = error_of(tmp_path, keyring=keyring)  # None: no keyring setting at all
    assert err.field == "plugins.credpages.keyring"
    assert "credpages keygen" in err.message


def test_duplicate_key_ids(tmp_path: Path) -> None:
    other = public_key_of(generate_seed())
    err = error_of(tmp_path, keyring=[key(), key(public_key=other)])
    assert err.field == "plugins.credpages.keyring"
    assert "unique" in err.message


@pytest.mark.parametrize(
    ("fields", "fld"),
    [
        ({"id": "key 1"}, "keyring[1].id"),
        ({"id": "#key"}, "keyring[1].id"),
        ({"id": None}, "keyring[1].id"),
        ({"active_from": "soon"}, "keyring[1].active_from"),
        ({"active_from": None}, "keyring[1].active_from"),
        ({"retired": "yes"}, "keyring[1].retired"),
        ({"private_key": "z3u2..."}, "keyring[1]"),
    ],
)
def test_bad_keyring_entries(tmp_path: Path, fields: dict[str, Any], fld: str) -> None:
    second = key(id="key-2", public_key=public_key_of(generate_seed()))
    second.update(fields)
    second = {k: v for k, v in second.items() if v is not None}
    err = error_of(tmp_path, keyring=[key(), second])
    assert err.field == f"plugins.credpages.{fld}"


def test_keyring_entry_must_be_a_mapping(tmp_path: Path) -> None:
    err = error_of(tmp_path, keyring=[key(), PUBLIC])
    assert err.field == "plugins.credpages.keyring[1]"


def test_active_from_accepts_an_unquoted_yaml_date(tmp_path: Path) -> None:
    import datetime as dt

    s = parse(tmp_path, keyring=[key(active_from=dt.date(2026, 2, 3))])
    assert s.keyring[0].active_from == "2026-02-03"


# ------------------------------------------------------------------------ the demo key


@pytest.fixture
def demo_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A real key standing in for the published demo key (whatever the lead ships as it)."""
    public = public_key_of(generate_seed())
    monkeypatch.setattr(config, "DEMO_PUBLIC_KEY", public)
    return public


def test_demo_public_key_is_refused_without_demo_true(tmp_path: Path, demo_key: str) -> None:
    err = error_of(tmp_path, keyring=[key(public_key=demo_key)])
    assert err.field == "plugins.credpages.keyring[0].public_key"
    assert "demo key" in err.message and "credpages keygen" in err.message


def test_demo_public_key_is_accepted_with_demo_true(tmp_path: Path, demo_key: str) -> None:
    s = parse(tmp_path, demo=True, keyring=[key(public_key=demo_key)])
    assert s.demo is True


def test_demo_key_among_others_is_still_refused(tmp_path: Path, demo_key: str) -> None:
    err = error_of(tmp_path, keyring=[key(), key(id="key-2", public_key=demo_key)])
    assert err.field == "plugins.credpages.keyring[1].public_key"


def test_the_shipped_demo_key_is_refused_too(tmp_path: Path) -> None:
    err = error_of(tmp_path, keyring=[key(public_key=config.DEMO_PUBLIC_KEY)])
    assert err.field == "plugins.credpages.keyring[0].public_key"


def test_demo_must_be_a_boolean(tmp_path: Path) -> None:
    assert error_of(tmp_path, demo="true").field == "plugins.credpages.demo"


# ------------------------------------------------------------------------ other settings


def test_unknown_setting_lists_the_known_ones(tmp_path: Path) -> None:
    err = error_of(tmp_path, keyrings=[key()])
    assert err.field == "plugins.credpages"
    assert "'keyrings'" in err.message and "keyring" in err.message


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("page_prefix", "C"),
        ("page_prefix", "c/d"),
        ("page_prefix", "../x"),
        ("indexable", "yes"),
        ("list_recipients", 1),
        ("skip_invalid", "false"),
        ("credentials_dir", ""),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, setting: str, value: Any) -> None:
    assert error_of(tmp_path, **{setting: value}).field == f"plugins.credpages.{setting}"


# ------------------------------------------------------------------------ reading mkdocs.yml


def test_load_settings_names_the_file_in_errors(tmp_path: Path) -> None:
    path = write_config(tmp_path, MINIMAL.format(site_url="http://example.test/"))
    with pytest.raises(CredpagesError) as err:
        load_settings(path)
    assert err.value.file == str(path)
    assert str(err.value).startswith(f"{path}: site_url: ")


def test_mkdocs_yml_not_found(tmp_path: Path) -> None:
    with pytest.raises(CredpagesError) as err:
        load_settings(tmp_path / "mkdocs.yml")
    assert err.value.file == str(tmp_path / "mkdocs.yml")
    assert "--config" in err.value.message


def test_no_credpages_entry(tmp_path: Path) -> None:
    path = write_config(tmp_path, f"site_name: T\nsite_url: {SITE_URL}\nplugins:\n  - search\n")
    with pytest.raises(CredpagesError, match="no `credpages` entry") as err:
        load_settings(path)
    assert err.value.file == str(path)


def test_no_plugins_at_all(tmp_path: Path) -> None:
    path = write_config(tmp_path, f"site_name: T\nsite_url: {SITE_URL}\n")
    with pytest.raises(CredpagesError, match="no `credpages` entry"):
        load_settings(path)


def test_bare_credpages_entry_needs_its_settings(tmp_path: Path) -> None:
    path = write_config(tmp_path, f"site_name: T\nsite_url: {SITE_URL}\nplugins:\n  - credpages\n")
    with pytest.raises(CredpagesError) as err:
        load_settings(path)
    assert err.value.field == "plugins.credpages.issuer"


def test_plugins_in_mapping_form(tmp_path: Path) -> None:
    text = f"""\
site_name: T
site_url: {SITE_URL}
plugins:
  search: {{}}
  credpages:
    issuer: {{name: T, url: "https://t.test/"}}
    keyring: [{{id: key-1, public_key: {PUBLIC}, active_from: "2026-01-01"}}]
"""
    assert load_settings(write_config(tmp_path, text)).issuer.name == "T"


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, f"site_url: {SITE_URL}\nplugins:\n  - credpages: [\n")
    with pytest.raises(CredpagesError, match="not valid YAML") as err:
        load_settings(path)
    assert err.value.line is not None and err.value.line >= 3


def test_a_yaml_list_is_not_a_config(tmp_path: Path) -> None:
    with pytest.raises(CredpagesError, match="mapping"):
        load_settings(write_config(tmp_path, "- a\n- b\n"))


def test_material_python_tags_are_ignored(tmp_path: Path) -> None:
    """Real Material configs use !!python/name tags (emoji) and !relative; they must not fail."""
    text = MINIMAL.format(site_url=SITE_URL) + (
        "markdown_extensions:\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n"
        "  - pymdownx.snippets:\n"
        "      base_path: !relative $config_dir\n"
    )
    assert load_settings(write_config(tmp_path, text)).site_url == SITE_URL


def test_env_tag_resolves_site_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDPAGES_TEST_SITE_URL", "https://env.example.test/awards/")
    path = write_config(tmp_path, MINIMAL.format(site_url="!ENV CREDPAGES_TEST_SITE_URL"))
    s = load_settings(path)
    assert s.site_url == "https://env.example.test/awards/"
    assert s.did == "did:web:env.example.test:awards"


def test_env_tag_falls_back_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDPAGES_TEST_UNSET", raising=False)
    monkeypatch.setenv("CREDPAGES_TEST_SECOND", "https://second.example.test/")
    site = '!ENV [CREDPAGES_TEST_UNSET, CREDPAGES_TEST_SECOND, "https://default.example.test/"]'
    path = write_config(tmp_path, MINIMAL.format(site_url=site))
    assert load_settings(path).site_url == "https://second.example.test/"
    monkeypatch.delenv("CREDPAGES_TEST_SECOND")
    assert load_settings(path).site_url == "https://default.example.test/"


def test_env_tag_unset_without_default_is_a_missing_site_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDPAGES_TEST_UNSET", raising=False)
    path = write_config(tmp_path, MINIMAL.format(site_url="!ENV CREDPAGES_TEST_UNSET"))
    with pytest.raises(CredpagesError, match="site_url is required") as err:
        load_settings(path)
    assert err.value.field == "site_url"


def test_credentials_dir_is_relative_to_the_config_not_the_cwd(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(extra="      credentials_dir: awards\n")
    monkeypatch.chdir(tmp_path)
    assert site.settings.credentials_dir == (site.root / "awards").resolve()


# ------------------------------------------------------------------------ through the CLI


def test_cli_reports_a_config_error_in_one_line(make_site: MakeSite) -> None:
    site = make_site(site_url="http://example.test/awards/")
    result = site.run("verify")
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result
    assert lines[0].startswith("credpages: error: mkdocs.yml: site_url: ")


def test_cli_without_mkdocs_yml(issuer_site: IssuerSite, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = issuer_site.run("verify", cwd=empty)
    assert result.code == 1
    assert "mkdocs.yml: not found" in result.err
    assert "--config" in result.err


def test_cli_config_option(issuer_site: IssuerSite, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = issuer_site.run("--config", issuer_site.config, "verify", cwd=elsewhere)
    assert result.code == 0, result
    assert "no credentials" in result.err


def test_cli_demo_key_refused(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site()
    monkeypatch.setattr(config, "DEMO_PUBLIC_KEY", site.public_key)
    result = site.run(*issue_args("A", "a@b.cd"))
    assert result.code == 1
    assert "keyring[0].public_key: this is the public demo key" in result.err
    assert not list(site.credentials.glob("*.yaml"))
    assert not site.status.exists()


# ------------------------------------------------------------------------ MkDocs' own loader


def issued(site: IssuerSite) -> dict[str, Any]:
    result = site.run(*issue_args("A", "a@b.cd"))
    assert result.code == 0, result
    (path,) = site.credential_files()
    return site.load(path)


def test_cli_follows_inherit_as_mkdocs_build_does(make_site: MakeSite) -> None:
    """The plugin entry and site_url live in a parent file; mkdocs.yml only inherits them."""
    site = make_site()
    (site.root / "base.yml").write_text(site.config.read_text(encoding="utf-8"), encoding="utf-8")
    site.config.write_text("INHERIT: base.yml\nsite_name: Child Awards\n", encoding="utf-8")
    doc = issued(site)
    assert doc["issuer"]["id"] == "did:web:example.test:awards"
    assert doc["issuer"]["name"] == "Test Academy"
    assert site.run("build").code == 0
    assert (site.root / "site" / "did.json").is_file()


def test_cli_resolves_env_tags_as_mkdocs_build_does(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site()
    text = site.config.read_text(encoding="utf-8")
    site.config.write_text(
        text.replace("site_url: https://example.test/awards/", "site_url: !ENV CP_TEST_SITE_URL"),
        encoding="utf-8",
    )
    monkeypatch.setenv("CP_TEST_SITE_URL", "https://env.example.test/badges/")
    doc = issued(site)
    assert doc["id"].startswith("https://env.example.test/badges/c/")
    assert doc["issuer"]["id"] == "did:web:env.example.test:badges"


@pytest.mark.parametrize(
    ("share_cards", "says"),
    [
        ("{per: everyone}", "plugins.credpages.share_cards.per: must be one of credential"),
        ("{primary: blurple}", "plugins.credpages.share_cards.primary: 'blurple' is not a colour"),
        ("{layout: fancy}", "plugins.credpages.share_cards.layout: 'fancy' is not a layout"),
        ("{enabled: 1}", "plugins.credpages.share_cards.enabled: must be true or false"),
        ("{colour: red}", "plugins.credpages.share_cards: unknown setting(s) ['colour']"),
        ("[1]", "plugins.credpages.share_cards: must be a mapping"),
    ],
)
def test_bad_share_cards_stop_the_build_before_any_page(
    make_site: MakeSite, share_cards: str, says: str
) -> None:
    site = make_site(extra=f"      share_cards: {share_cards}\n")
    issued_ok = site.run(*issue_args("A", "a@b"))
    assert issued_ok.code == 1 and "mkdocs.yml: " + says in issued_ok.err, issued_ok
    result = site.run("build")
    assert result.code == 1
    assert "mkdocs.yml: " + says in result.err, result
    assert not (site.root / "site").exists()  # on_config: nothing was built or written


def test_share_cards_are_typed_settings(tmp_path: Path) -> None:
    s = parse(tmp_path, share_cards={"per": "achievement", "primary": "Deep Orange"})
    assert s.share_cards.per == "achievement"
    assert s.share_cards.primary == "#ff6e42"
    assert s.share_cards.accent is None  # follows the site's palette
    assert s.share_cards.enabled and s.share_cards.layout == "classic"
