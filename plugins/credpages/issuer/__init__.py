"""The issuer's repository and the commands that change it: awarding, revoking, re-signing.

Where credential files live (``repository``), issuing from requests and CSV (``issuing``), the
signed status list and its ledger (``revocation``), the signing key in use (``signing``),
re-signing after a key change (``resign``), key entries in mkdocs.yml (``config_edit``) and
Open Badges baking into PNG/SVG (``baking``). Each writes credential files through ``credential``.
"""
