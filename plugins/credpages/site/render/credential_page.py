"""The credential page: status, share links and LinkedIn fields, QR code, badge download."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import jinja2
from markupsafe import Markup

from ... import i18n
from ...credential.did import did_from_site_url
from ..linkedin import share_url as linkedin_share_url
from .page_base import (
    _base_context,
    _robots,
    _schema_credential,
    page_language,
    render_page,
    root_prefix,
)
from .page_models import (
    BadgeDownload,
    CopyField,
    CredentialStatusInfo,
    PageMeta,
    ShareImage,
    ShareLinks,
    SiteInfo,
    StatusView,
)
from .safety import plain, safe_url
from .view import (
    Image,
    Paths,
    credential_view,
    first_text,
    mapping,
    shown,
    text_of,
    when,
)

# ---------------------------------------------------------------------------------------------
# Credential page


def credential_page_context(
    credential: Mapping[str, Any],
    *,
    site: SiteInfo,
    status: CredentialStatusInfo | None = None,
    page_url: str | None = None,
    linkedin_url: str | None = None,
    share_image: ShareImage | None = None,
    qr_img: str | None = None,
    clr_href: str | None = None,
    log_entry: int | None = None,
) -> dict[str, Any]:
    """Context for ``credential.html``; ``page_url`` defaults to the credential's id (its page).

    ``linkedin_url`` is the "Add to profile" link (``credpages.site.linkedin.add_to_profile_url``);
    it and the form values it pre-fills are shown only while the credential is valid.
    ``share_image`` is the page's Open Graph card (``og:image``; its URL made absolute).
    ``qr_img`` is trusted markup from ``credpages.site.qr.qr_img`` (never credential data): shown on
    the page and on the printed certificate. ``clr_href`` (a pathway credential whose CLR the
    build verified and publishes beside it) adds the CLR download and ``clr-parts.js``, which
    checks each part in the browser. ``log_entry`` (the credential's newest leaf in the issuer's
    issuance log) becomes ``<meta name="cp:log-entry">``: which leaf tlog.js proves, a hint it
    checks against the log, kept in the page so no file per credential is needed. Sharing,
    downloads, the certificate and the QR code are left out when the credential is revoked.

    Template variables (besides those of every page): ``credential`` (the signed document, for the
    ``#cp-credential`` JSON-LD), ``c`` (:class:`~credpages.site.render.view.CredentialView`),
    ``status`` (:class:`StatusView`), ``json_href``, ``earn_url``, ``linkedin_url``,
    ``linkedin_fields`` (tuple of :class:`CopyField`: the values to copy, which the built-in page
    leaves to share.js), ``linkedin_months`` (``issued`` / ``expires``: the link's months as
    text, which share.js shows among those values), ``linkedin_org`` (``id`` / ``name``: the
    organisation of the link, which share.js adds to the link it builds from the credential),
    ``share`` (:class:`ShareLinks` or None: the built-in page only marks where share.js writes
    them, a custom template may link them),
    ``issuer_page_href`` (the issuer's page on this site: its achievements listing),
    ``badge`` (:class:`BadgeDownload` or None), ``qr`` (Markup or None), ``certificate`` (bool),
    ``clr_href`` and ``clr_download`` (the CLR link and its file name), ``cert_issuer`` (Shown or
    None), ``cert_summary`` (the achievement's description, one line of plain text, clamped) and
    ``cert_logo`` (Image or None), ``log_entry`` (int or None).
    """
    status = status or CredentialStatusInfo()
    url = page_url or text_of(credential.get("id")) or site.site_url
    prefix = root_prefix(site, url)
    paths = Paths(site.site_url, prefix)
    subjects = credential.get("credentialSubject")
    subject = mapping(subjects[0] if isinstance(subjects, list) and subjects else subjects)
    achievement = mapping(subject.get("achievement"))
    lang = page_language(site, achievement)
    _ = i18n.translator(lang.tag)
    view = credential_view(credential, paths, lang.tag)
    issuer = mapping(credential.get("issuer"))
    canonical = safe_url(url)

    achievement_name = first_text(achievement.get("name"), credential.get("name")) or _(
        "Credential"
    )
    recipient = text_of(subject.get("name"))
    issuer_name = first_text(issuer.get("name"), site.issuer_name)
    og_title = plain(achievement_name, 150)
    if recipient:
        og_title = f"{og_title} — {plain(recipient, 100)}"
    meta = PageMeta(
        title=f"{og_title} | {plain(site.site_name, 100)}",
        og_title=og_title,
        description=_summary(
            lang.tag,
            plain(recipient, 100) if recipient else None,
            plain(achievement_name, 150),
            plain(issuer_name, 100) if issuer_name else None,
            view.valid_from.text if view.valid_from else None,
        ),
        canonical=canonical,
        robots=_robots(site.indexable),
        image=_share_image(share_image, canonical or site.site_url, og_title),
    )
    # schema.org data is for search engines: a noindex page (the default) would never show it,
    # and it is half a kilobyte on every page
    json_ld = (
        [
            _schema_credential(
                achievement, issuer_name, first_text(issuer.get("url"), site.issuer_url), canonical
            )
        ]
        if site.indexable
        else []
    )
    context = _base_context(site, prefix=prefix, meta=meta, json_ld=json_ld, lang=lang)
    live = status.state != "revoked"
    valid_linkedin = safe_url(linkedin_url) if status.state == "valid" else None
    fields, months = (
        _linkedin_fields(valid_linkedin, issuer_name, lang.tag) if valid_linkedin else ((), {})
    )
    context.update(
        credential=credential,
        c=view,
        status=StatusView(
            state=status.state,
            reason=shown(status.reason, None, 2000),
            superseded_by=paths.href(status.superseded_by),
            revoked_on=when(status.revoked_on, lang=lang.tag),
        ),
        json_href="credential.json",
        fetch_preloads=_fetch_preloads(credential, site, prefix),
        # "by Issuer" leads to the issuer's page on this site (its achievements), in this look
        issuer_page_href=f"{prefix}achievements/",
        earn_url=None if status.state == "revoked" else safe_url(site.earn_url),
        linkedin_url=valid_linkedin,
        linkedin_fields=fields,
        linkedin_months=months,
        linkedin_org=_linkedin_org(valid_linkedin),
        share=_share_links(canonical, og_title) if live and canonical else None,
        badge=_badge_download(view.achievement.image) if live else None,
        qr=_qr_markup(qr_img) if live and qr_img else None,
        certificate=live,
        clr_href=clr_href,
        log_entry=log_entry,
        clr_download=f"{url.rstrip('/').rsplit('/', 1)[-1]}-clr.json",
        cert_issuer=shown(issuer_name),
        cert_summary=plain(achievement.get("description"), 240),
        cert_logo=view.issuer.logo or context["site_logo"],
    )
    return context


#: A file of this site named plainly enough to be a link as it is (the status lists we write).
_SITE_PATH = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*")


def _fetch_preloads(credential: Mapping[str, Any], site: SiteInfo, prefix: str) -> list[str]:
    """What verify-panel.js will fetch from this site to check the page's credential (the DID
    document, the status lists), as links relative to the page: ``<link rel="preload" as="fetch"
    crossorigin>`` starts them while the page parses, instead of a round trip after the scripts
    ran. A hint only: the verifier fetches the URLs the credential names, and the browser hands
    it a preloaded response only for the very same URL, so a page served elsewhere (a preview, a
    copy) at worst fetches a file twice; nothing checked comes from the page. Not credential.json:
    served at the credential's id, the page itself is the copy the issuer publishes, and the
    verifier does not fetch it (verifier.js, ``fromOwnPage``)."""
    issuer = credential.get("issuer")
    did = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    out = []
    if did == did_from_site_url(site.site_url):
        has_path = urlsplit(site.site_url).path.strip("/")
        out.append(prefix + ("did.json" if has_path else ".well-known/did.json"))
    entries = credential.get("credentialStatus")
    for entry in entries if isinstance(entries, list) else [entries]:
        url = entry.get("statusListCredential") if isinstance(entry, Mapping) else None
        path = url[len(site.site_url) :] if isinstance(url, str) else ""
        if url == site.site_url + path and _SITE_PATH.fullmatch(path):
            out.append(prefix + path)
    return list(dict.fromkeys(out))


def _qr_markup(img: str) -> Markup:
    """``credpages.site.qr``'s ``<img>`` (trusted: made from the page URL by our code) as markup."""
    return Markup(img)


def _share_image(image: ShareImage | None, page_url: str, alt: str) -> ShareImage | None:
    """``image`` with an absolute URL (a path is resolved against the page) and plain alt text."""
    if image is None:
        return None
    ref = image.url if isinstance(image.url, str) else ""
    absolute = None if ref.startswith("//") else safe_url(ref) or safe_url(urljoin(page_url, ref))
    if absolute is None:
        raise ValueError(f"ShareImage.url must be an http(s) URL or a path: {image.url!r}")
    return ShareImage(absolute, image.width, image.height, image.type, plain(image.alt, 420) or alt)


def _summary(
    lang: str, recipient: str | None, achievement: str, issuer: str | None, date: str | None
) -> str:
    """The page's description: who was awarded what, by whom, when (each part only if known)."""
    _ = i18n.translator(lang)
    facts = {"recipient": recipient, "achievement": achievement, "issuer": issuer, "date": date}
    if recipient and issuer and date:
        return _("%(recipient)s was awarded %(achievement)s by %(issuer)s on %(date)s.", **facts)
    if recipient and issuer:
        return _("%(recipient)s was awarded %(achievement)s by %(issuer)s.", **facts)
    if recipient and date:
        return _("%(recipient)s was awarded %(achievement)s on %(date)s.", **facts)
    if recipient:
        return _("%(recipient)s was awarded %(achievement)s.", **facts)
    if issuer and date:
        return _("Awarded %(achievement)s by %(issuer)s on %(date)s.", **facts)
    if issuer:
        return _("Awarded %(achievement)s by %(issuer)s.", **facts)
    if date:
        return _("Awarded %(achievement)s on %(date)s.", **facts)
    return _("Awarded %(achievement)s.", **facts)


def _month_year(year: str | None, month: str | None, lang: str) -> str | None:
    if not year:
        return None
    if month and month.isdigit() and 1 <= int(month) <= 12 and year.isdigit():
        return i18n.format_month(int(year), int(month), lang)
    return year


def _linkedin_fields(
    url: str, organization: str | None, lang: str
) -> tuple[tuple[CopyField, ...], dict[str, str | None]]:
    """The values the "Add to profile" link pre-fills, read back from the link itself (so the text
    is exactly what LinkedIn receives), in the order of LinkedIn's form; and its two months as
    the page's language writes them (``issued``, ``expires``): the one part of the values share.js,
    which shows them, does not read from the credential (Babel's month names, no ``Intl``)."""
    query = parse_qs(urlsplit(url).query)

    def one(key: str) -> str | None:
        values = query.get(key)
        return values[0] if values else None

    org = one("organizationName") or (organization if one("organizationId") else None)
    cert_id, cert_url = one("certId"), one("certUrl")
    _ = i18n.translator(lang)
    issued = _month_year(one("issueYear"), one("issueMonth"), lang)
    expires = _month_year(one("expirationYear"), one("expirationMonth"), lang)
    pairs = [
        (_("Name"), one("name")),
        (_("Issuing organization"), org),
        (_("Issue date"), issued),
        (_("Expiration date"), expires),
    ]
    if cert_id == cert_url:  # the usual case: the credential's id is its page's URL
        pairs.append((_("Credential ID and URL"), cert_id))
    else:
        pairs += [(_("Credential ID"), cert_id), (_("Credential URL"), cert_url)]
    out = []
    for label, value in pairs:
        text = shown(value)
        if text is not None:
            out.append(CopyField(label, text))
    return tuple(out), {
        "issued": plain(issued, 100) or None,
        "expires": plain(expires, 100) or None,
    }


def _linkedin_org(url: str | None) -> dict[str, str | None]:
    """The organisation the "Add to profile" link names (``id`` or ``name``): the one part of it
    share.js cannot read from the embedded credential, so the page carries it as an attribute."""
    query = parse_qs(urlsplit(url or "").query)
    org_id = query.get("organizationId", [None])[0]
    return {"id": org_id, "name": None if org_id else query.get("organizationName", [None])[0]}


def _share_links(page_url: str, title: str) -> ShareLinks:
    """LinkedIn, X, Facebook and e-mail links sharing ``page_url`` (values percent-encoded; the
    e-mail's subject is ``title``, its body the bare URL, which every mail client links)."""

    def enc(value: str) -> str:
        return quote(value, safe="")

    page = enc(page_url)
    return ShareLinks(
        linkedin=linkedin_share_url(page_url),
        x=f"https://twitter.com/intent/tweet?url={page}&text={enc(title)}",
        facebook=f"https://www.facebook.com/sharer/sharer.php?u={page}",
        email=f"mailto:?subject={enc(title)}&body={page}",
    )


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def _badge_download(image: Image | None) -> BadgeDownload | None:
    """Baked-badge downloads when the achievement image is a PNG or SVG file of this site."""
    if image is None or _SCHEME.match(image.src):
        return None  # no image, or on another host: the browser could not fetch it same-origin
    kind = urlsplit(image.src).path.lower().rsplit(".", 1)[-1]
    formats = {"png": ("png",), "svg": ("png", "svg")}.get(kind)
    return BadgeDownload(image.src, formats) if formats else None


def render_credential_page(env: jinja2.Environment, context: Mapping[str, Any]) -> str:
    return render_page(env, "credential.html", context)
