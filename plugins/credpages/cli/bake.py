"""``credpages bake``: a verified credential baked into a copy of its badge image."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..credential.verify import VALID, verify_document
from ..errors import CredpagesError
from ..fsio import atomic_write
from ..issuer.baking import PNG_SIGNATURE, achievement_image, bake_png, bake_svg
from ..issuer.repository import display_path, find_credential
from ..issuer.revocation import load_status_bits
from ..site.publish import credential_json
from ..site.svg_raster import svg_to_png
from .args import check_out, settings_of
from .console import say

BAKED_PNG_WIDTH = 512  # an SVG badge is drawn this wide, as bake.js does for a square badge


def cmd_bake(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    out = check_out(args.out, settings, force=args.force)
    path, doc = find_credential(settings, args.credential)
    shown = display_path(path)
    report = verify_document(doc, settings, source=shown, revoked_bits=load_status_bits(settings))
    if not report.ok or report.state != VALID:
        raise CredpagesError(f"does not verify ({report.reason}): not baking it", file=shown)
    if out.suffix.lower() not in (".png", ".svg"):
        raise CredpagesError(f"{args.out}: must end in .png or .svg", field="--out")
    image = Path(args.image) if args.image else achievement_image(settings, doc)
    data = image.read_bytes()
    try:
        if out.suffix.lower() == ".png":
            if not data.startswith(PNG_SIGNATURE) and data.lstrip().startswith(b"<"):
                # as the page's "Download badge (PNG)" does: draw the SVG, then bake the PNG
                data = svg_to_png(data, width=BAKED_PNG_WIDTH, source=display_path(image))
            baked = bake_png(data, credential_json(doc))
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise CredpagesError(
                    "is not an SVG: to bake an SVG, pass --image with an SVG image"
                ) from None
            baked = bake_svg(text, credential_json(doc)).encode("utf-8")
    except CredpagesError as exc:
        raise exc.located(file=display_path(image)) from exc
    atomic_write(out, baked)
    say(f"{display_path(out)}: baked {doc['id']} into a copy of {display_path(image)}")
    return 0
