# Over 400 lines on purpose: every display model the templates get and its builder, one contract
# with the verifier's data-field marks (`_attr`, clamping).
"""Display models: credential values made ready for templates (clamped, linked only if safe).

Templates never look into the raw credential except to embed it as JSON-LD; they get these small
frozen objects instead. Each displayed value remembers the dotted path it came from, so the
template can mark it ``data-field="…"`` for the verifier, and whether the visible text is *exactly*
the signed value. When it is not (clamped, or holding characters HTML cannot carry), the mark
becomes ``data-field-partial`` so the verifier does not report an honest page as edited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from ... import i18n
from .environment import format_date
from .safety import clamp, escape_text, plain, safe_url, showable

#: Names, titles, tags, codes: visible text beyond this is cut (the JSON-LD keeps everything).
NAME_LIMIT = 2_000
#: Descriptions, criteria, narratives.
TEXT_LIMIT = 20_000
#: A URL that is not linked is shown as text, cut to this length.
URL_TEXT_LIMIT = 200
#: Items shown per list (tags, alignments, evidence, results); the rest are counted.
LIST_LIMIT = 100

# A blank line (possibly holding spaces) separates paragraphs. Starts with a literal newline so
# the scan stays linear on hostile whitespace runs.
_PARA_BREAK = re.compile(r"(\n[^\S\n]*\n\s*)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


_ATTRS: dict[tuple[str | None, bool], str] = {}


def _attr(path: str | None, exact: bool) -> str:
    """`` data-field="path"`` (or ``-partial``); memoised, as the same paths recur on every page."""
    key = (path, exact)
    cached = _ATTRS.get(key)
    if cached is None:
        if path is None:
            cached = ""
        else:
            name = "data-field" if exact else "data-field-partial"
            cached = f' {name}="{escape(path)}"'
        if len(_ATTRS) < 10_000:
            _ATTRS[key] = cached
    return cached


class _Marked:
    """``attr`` for a displayed value: where it came from (``path``) and whether it is exact."""

    __slots__ = ()
    path: str | None
    exact: bool

    @property
    def attr(self) -> Markup:
        """`` data-field="path"`` (or ``data-field-partial``) for the element holding the value."""
        return Markup(_attr(self.path, self.exact))


def at(path: str | None, key: str | int) -> str | None:
    """``path.key``, or None when the parent has no path (values not checked by the verifier)."""
    return None if path is None else f"{path}.{key}"


@dataclass(frozen=True, slots=True)
class Shown(_Marked):
    """A one-line credential string as shown: ``text`` (clamped) and whether it is exact."""

    text: str
    exact: bool = True
    path: str | None = None

    @property
    def bare(self) -> Markup:
        """``<bdi>text</bdi>`` without ``data-field``: a second mention (e.g. the certificate)."""
        return Markup(f"<bdi>{escape_text(self.text)}</bdi>")

    def __html__(self) -> str:
        """``<bdi data-field=…>text</bdi>``: isolated, so RTL text cannot reorder its neighbours."""
        return f"<bdi{_attr(self.path, self.exact)}>{escape_text(self.text)}</bdi>"


@dataclass(frozen=True, slots=True)
class Prose(_Marked):
    """Multi-paragraph text: ``lead`` whitespace, then (paragraph, whitespace after) pairs.

    Emitting the separating whitespace as text between ``<p>`` elements keeps the container's
    ``textContent`` equal to the signed string, while the paragraphs still render as paragraphs.
    """

    lead: str
    paragraphs: tuple[tuple[str, str], ...]
    exact: bool = True
    path: str | None = None

    def __html__(self) -> str:
        """``<div class="cp-prose">`` of ``<p dir="auto">`` paragraphs (each isolated by itself)."""
        parts = [f'<div class="cp-prose"{_attr(self.path, self.exact)}>', escape_text(self.lead)]
        for para, sep in self.paragraphs:
            parts += ['<p dir="auto">', escape_text(para), "</p>", escape_text(sep)]
        parts.append("</div>")
        return "".join(parts)


@dataclass(frozen=True, slots=True)
class When(_Marked):
    """A date: ``iso`` exactly as written (for ``<time datetime>``) and ``text`` for people."""

    iso: str
    text: str
    exact: bool = True
    path: str | None = None

    @property
    def bare(self) -> Markup:
        """The ``<time>`` element without ``data-field`` (for a second mention of the date)."""
        return Markup(f'<time datetime="{escape_text(self.iso)}">{escape_text(self.text)}</time>')

    def __html__(self) -> str:
        attr = _attr(self.path, self.exact)
        return f'<time datetime="{escape_text(self.iso)}"{attr}>{escape_text(self.text)}</time>'


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str


@dataclass(frozen=True, slots=True)
class Link:
    """A URL from a credential: ``href`` when it is safe to link, else shown only as ``text``.

    With a path (``text.path``) the verifier checks both: the shown URL as any field, and the
    link's target through ``data-field-href`` (resolved against the credential's id, where the page
    lives, as on-site links are relative).
    """

    href: str | None
    text: Shown

    def labelled(self, label: Shown | None) -> Markup:
        """``<a>`` around ``label`` (or the URL) if linkable; else the label and the URL as text."""
        shown_url = f'<span class="cp-url">{self.text.__html__()}</span>'
        if self.href is None:
            html = f"{label.__html__()} {shown_url}" if label else shown_url
        else:
            inner = label.__html__() if label else self.text.__html__()
            path = self.text.path
            check = f' data-field-href="{escape(path)}"' if path is not None else ""
            html = f'<a href="{escape_text(self.href)}"{check} rel="nofollow ugc">{inner}</a>'
        return Markup(html)

    def __html__(self) -> str:
        return str(self.labelled(None))


@dataclass(frozen=True, slots=True)
class AlignmentView:
    name: Shown | None
    link: Link | None
    code: Shown | None
    framework: Shown | None
    description: Shown | None


@dataclass(frozen=True, slots=True)
class EvidenceView:
    name: Shown | None
    link: Link | None
    description: Prose | None
    narrative: Prose | None
    genre: Shown | None


@dataclass(frozen=True, slots=True)
class ResultView:
    label: Shown | None
    value: Shown | None
    level: Shown | None
    status: str | None


@dataclass(frozen=True, slots=True)
class AchievementView:
    id: str | None
    href: str | None
    name: Shown | None
    type_label: str | None
    description: Prose | None
    criteria: Prose | None
    criteria_url: str | None
    image: Image | None
    human_code: Shown | None
    tags: tuple[Shown, ...]
    more_tags: int
    alignments: tuple[AlignmentView, ...]
    more_alignments: int


@dataclass(frozen=True, slots=True)
class IssuerView:
    name: Shown | None
    link: Link | None
    logo: Image | None
    did: Shown | None


@dataclass(frozen=True, slots=True)
class CredentialView:
    id: Shown | None
    id_url: str | None
    recipient: Shown | None
    narrative: Prose | None
    achievement: AchievementView
    issuer: IssuerView
    valid_from: When | None
    valid_until: When | None
    awarded: When | None
    evidence: tuple[EvidenceView, ...]
    more_evidence: int
    results: tuple[ResultView, ...]
    more_results: int


@dataclass(frozen=True, slots=True)
class Paths:
    """Where links inside the site point: ``prefix`` is the relative way back to the site root."""

    site_url: str
    prefix: str

    def href(self, url: object) -> str | None:
        """A link to ``url``: relative when it is on this site, absolute if safe, else None."""
        safe = safe_url(url)
        if safe is None:
            return None
        if safe.startswith(self.site_url):
            return self.prefix + safe[len(self.site_url) :]
        return safe


# ---------------------------------------------------------------------------------------------
# Building views from plain data


def text_of(value: object) -> str | None:
    """A non-empty string, or None: credentials are schema-checked, but never trusted for shape."""
    return value if isinstance(value, str) and value.strip() else None


def mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def shown(value: object, path: str | None = None, limit: int = NAME_LIMIT) -> Shown | None:
    text = text_of(value)
    if text is None:
        return None
    display, ok = showable(clamp(text, limit))
    return Shown(display, ok and len(text) <= limit, path)


def prose(value: object, path: str | None = None, limit: int = TEXT_LIMIT) -> Prose | None:
    text = text_of(value)
    if text is None:
        return None
    display, ok = showable(clamp(text, limit))
    body = display.lstrip()
    lead = display[: len(display) - len(body)]
    core = body.rstrip()
    trail = body[len(core) :]
    pieces = _PARA_BREAK.split(core)
    paragraphs = [
        (pieces[i], pieces[i + 1] if i + 1 < len(pieces) else trail)
        for i in range(0, len(pieces), 2)
    ]
    return Prose(lead, tuple(paragraphs), ok and len(text) <= limit, path)


def when(value: object, path: str | None = None, lang: str = "en") -> When | None:
    text = text_of(value)
    if text is None:
        return None
    iso, ok = showable(clamp(text, 100))
    return When(iso, format_date(iso, lang), ok and len(text) <= 100, path)


def link(value: object, paths: Paths, path: str | None = None) -> Link | None:
    text = text_of(value)
    if text is None:
        return None
    href = paths.href(text)
    label = shown(text, path, URL_TEXT_LIMIT)
    assert label is not None
    return Link(href, label)


def image(value: object, paths: Paths) -> Image | None:
    """An ``<img>`` for an Image object or IRI; None if its URL may not be loaded (``data:``…)."""
    ref = value if isinstance(value, str) else mapping(value).get("id")
    src = paths.href(ref)
    if src is None:
        return None
    return Image(src, plain(mapping(value).get("caption"), 300))


def listed(value: object) -> tuple[list[Any], bool]:
    """The items of a JSON array, and whether it really was one (then paths may index into it)."""
    if isinstance(value, list):
        return value, True
    if value is None:
        return [], False
    return [value], False


def _n(message: str) -> str:
    """Marks a message for the catalog (Babel's keyword ``_n``); translated where it is shown."""
    return message


#: Labels of the OB 3.0 achievement types and result statuses (their values, humanized, are the
#: English msgids: :func:`label` shows them in the page's language; other values stay humanized).
_LABELS = frozenset(
    (
        _n("Achievement"), _n("Apprenticeship certificate"), _n("Assessment"), _n("Assignment"),
        _n("Associate degree"), _n("Award"), _n("Badge"), _n("Bachelor degree"),
        _n("Certificate"), _n("Certificate of completion"), _n("Certification"),
        _n("Community service"), _n("Competency"), _n("Course"), _n("Co curricular"),
        _n("Degree"), _n("Diploma"), _n("Doctoral degree"), _n("Fieldwork"),
        _n("General education development"), _n("Journeyman certificate"),
        _n("Learning program"), _n("License"), _n("Membership"), _n("Professional doctorate"),
        _n("Quality assurance credential"), _n("Master certificate"), _n("Master degree"),
        _n("Micro credential"), _n("Research doctorate"), _n("Secondary school diploma"),
        _n("Completed"), _n("Enrolled"), _n("Failed"), _n("In progress"), _n("On hold"),
        _n("Provisional"), _n("Withdrew"),
    )
)  # fmt: skip


def label(value: object, lang: str) -> str | None:
    """:func:`humanize`, translated when it is one of the standard's own values."""
    text = humanize(value)
    return i18n.gettext(lang, text) if text in _LABELS else text


def humanize(value: object) -> str | None:
    """``"LearningProgram"`` → ``"Learning program"``; ``"ext:MyType"`` → ``"My type"``."""
    text = text_of(value)
    if text is None:
        return None
    text = text[4:] if text.startswith("ext:") else text
    words = _CAMEL.sub(" ", text[:200]).split()
    if not words:
        return None
    label = " ".join([words[0], *(w.lower() if w[1:].islower() else w for w in words[1:])])
    return plain(label, 200)


def _shown_list(
    value: object, path: str | None, limit: int = LIST_LIMIT
) -> tuple[tuple[Shown, ...], int]:
    items, is_list = listed(value)
    out = []
    for i, item in enumerate(items[:limit]):
        entry = shown(item, at(path, i) if is_list else path)
        if entry is not None:
            out.append(entry)
    return tuple(out), max(0, len(items) - limit)


def alignment_view(raw: object, paths: Paths, path: str | None) -> AlignmentView | None:
    data = mapping(raw)
    view = AlignmentView(
        name=shown(data.get("targetName"), at(path, "targetName")),
        link=link(data.get("targetUrl"), paths, at(path, "targetUrl")),
        code=shown(data.get("targetCode"), at(path, "targetCode")),
        framework=shown(data.get("targetFramework"), at(path, "targetFramework")),
        description=shown(data.get("targetDescription"), at(path, "targetDescription"), 500),
    )
    return view if view.name or view.link else None


def achievement_view(
    raw: object, paths: Paths, path: str | None, lang: str = "en"
) -> AchievementView:
    data = mapping(raw)
    criteria = mapping(data.get("criteria"))
    tags, more_tags = _shown_list(data.get("tag"), at(path, "tag"))
    items, is_list = listed(data.get("alignment"))
    alignments = []
    for i, item in enumerate(items[:LIST_LIMIT]):
        aligned = alignment_view(item, paths, at(at(path, "alignment"), i) if is_list else None)
        if aligned is not None:
            alignments.append(aligned)
    return AchievementView(
        id=safe_url(data.get("id")),
        href=paths.href(data.get("id")),
        name=shown(data.get("name"), at(path, "name")),
        type_label=label(data.get("achievementType"), lang),
        description=prose(data.get("description"), at(path, "description")),
        criteria=prose(criteria.get("narrative"), at(at(path, "criteria"), "narrative")),
        criteria_url=paths.href(criteria.get("id")),
        image=image(data.get("image"), paths),
        human_code=shown(data.get("humanCode"), at(path, "humanCode"), 200),
        tags=tags,
        more_tags=more_tags,
        alignments=tuple(alignments),
        more_alignments=max(0, len(items) - LIST_LIMIT),
    )


def issuer_view(raw: object, paths: Paths, path: str | None) -> IssuerView:
    if isinstance(raw, str):  # VC 2.0 allows the issuer as a bare IRI
        return IssuerView(None, None, None, shown(raw, path, 500))
    data = mapping(raw)
    return IssuerView(
        name=shown(data.get("name"), at(path, "name")),
        link=link(data.get("url"), paths, at(path, "url")),
        logo=image(data.get("image"), paths),
        did=shown(data.get("id"), at(path, "id"), 500),
    )


def _evidence_view(raw: object, paths: Paths, path: str | None) -> EvidenceView | None:
    data = mapping(raw)
    view = EvidenceView(
        name=shown(data.get("name"), at(path, "name")),
        link=link(data.get("id"), paths, at(path, "id")),
        description=prose(data.get("description"), at(path, "description")),
        narrative=prose(data.get("narrative"), at(path, "narrative")),
        genre=shown(data.get("genre"), at(path, "genre"), 200),
    )
    return view if view.name or view.link or view.description or view.narrative else None


def _result_view(
    raw: object, descriptions: Mapping[str, Mapping[str, Any]], path: str | None, lang: str
) -> ResultView | None:
    data = mapping(raw)
    described = descriptions.get(str(data.get("resultDescription")), {})
    level_name = None
    for level in listed(described.get("rubricCriterionLevel"))[0]:
        if mapping(level).get("id") == data.get("achievedLevel"):
            level_name = mapping(level).get("name")
    view = ResultView(
        label=shown(described.get("name"), None),
        value=shown(data.get("value"), at(path, "value")),
        level=shown(level_name, None),
        status=label(data.get("status"), lang),
    )
    return view if view.value or view.level or view.status else None


def credential_view(
    credential: Mapping[str, Any], paths: Paths, lang: str = "en"
) -> CredentialView:
    """Everything the credential page shows, with ``data-field`` paths into the signed document."""
    subject_raw, subject_is_list = listed(credential.get("credentialSubject"))
    subject = mapping(subject_raw[0] if subject_raw else None)
    sp = "credentialSubject.0" if subject_is_list else "credentialSubject"
    achievement_raw = subject.get("achievement")
    descriptions = {
        str(mapping(d).get("id")): mapping(d)
        for d in listed(mapping(achievement_raw).get("resultDescription"))[0]
    }
    evidence_items, evidence_is_list = listed(credential.get("evidence"))
    evidence = []
    for i, item in enumerate(evidence_items[:LIST_LIMIT]):
        ev = _evidence_view(item, paths, f"evidence.{i}" if evidence_is_list else None)
        if ev is not None:
            evidence.append(ev)
    result_items, result_is_list = listed(subject.get("result"))
    results = []
    for i, item in enumerate(result_items[:LIST_LIMIT]):
        res = _result_view(item, descriptions, f"{sp}.result.{i}" if result_is_list else None, lang)
        if res is not None:
            results.append(res)
    return CredentialView(
        id=shown(credential.get("id"), "id", URL_TEXT_LIMIT * 10),
        id_url=safe_url(credential.get("id")),
        recipient=shown(subject.get("name"), f"{sp}.name"),
        narrative=prose(subject.get("narrative"), f"{sp}.narrative"),
        achievement=achievement_view(achievement_raw, paths, f"{sp}.achievement", lang),
        issuer=issuer_view(credential.get("issuer"), paths, "issuer"),
        valid_from=when(credential.get("validFrom"), "validFrom", lang),
        valid_until=when(credential.get("validUntil"), "validUntil", lang),
        awarded=when(credential.get("awardedDate"), "awardedDate", lang),
        evidence=tuple(evidence),
        more_evidence=max(0, len(evidence_items) - LIST_LIMIT),
        results=tuple(results),
        more_results=max(0, len(result_items) - LIST_LIMIT),
    )


def first_text(*values: object) -> str | None:
    """The first non-empty string among ``values``."""
    for value in values:
        text = text_of(value)
        if text is not None:
            return text
    return None
