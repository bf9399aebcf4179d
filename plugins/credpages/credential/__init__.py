"""The signed credential and the standards it rests on, with no knowledge of sites or issuers.

Building an Open Badges 3.0 credential (``model``), reading and writing its YAML (``yamlio``),
offline JSON-LD with bundled contexts (``jsonld``), the eddsa-rdfc-2022 + eddsa-jcs-2022 proof set
(``proofs``), Ed25519 keys and Multikey encoding (``keys``, ``multikey``), did:web (``did``), the
Bitstring Status List (``status_list``) and the verdict on one document (``verify``). The bundled
``contexts/`` and ``schemas/`` are here because only these modules read them.
"""
