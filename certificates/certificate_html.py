"""A printable HTML page for a certificate (the signed JSON stays the thing to verify).

Self-contained (inline CSS, A4 landscape when printed); every text from the credential is
HTML-escaped. It shows the issuer's did:key and the credential id and explains how to verify
the JSON file; it holds no key material beyond the public did:key.

>>> "<script>" in certificate_html({"name": "<script>", "issuer": {}, "credentialSubject": {}})
False
"""

from __future__ import annotations

import hashlib
import math
from html import escape

from certificates.canonical_json import canonical_json

STYLE = """
@page { size: A4 landscape; margin: 14mm; }
body { font-family: Georgia, 'Times New Roman', serif; color: #1d2733; margin: 0; }
.sheet { border: 6px double #2b4c7e; padding: 28px 40px; min-height: 170mm; box-sizing: border-box; }
h1 { font-size: 30px; margin: 0 0 4px; color: #2b4c7e; letter-spacing: 0.5px; }
.lead { font-size: 15px; margin: 0 0 18px; }
.holder { font-size: 24px; margin: 14px 0; }
table { border-collapse: collapse; margin: 10px 0 16px; font-size: 13px; }
th, td { border-bottom: 1px solid #c9d3e0; padding: 4px 12px 4px 0; text-align: left; }
.small { font-family: Menlo, Consolas, monospace; font-size: 10px; color: #4a5563; word-break: break-all; }
.criteria { font-size: 13px; max-width: 240mm; }
"""


def _holder(subject: dict) -> str:
    for identity in subject.get("identifier", []):
        if identity.get("identityType") == "name" and not identity.get("hashed"):
            return str(identity.get("identityHash", ""))
    return "the holder of the e-mail address this certificate was issued to"


def evidence_result(evidence: dict) -> str:
    """The result shown for one evidence entry, computed from its signed ``dsu:score`` and ``dsu:maxScore``.

    The free-text ``description`` is never shown as the score, so the page cannot disagree with
    the structured data a verifier checks.

    >>> evidence_result({"dsu:score": 3.5, "dsu:maxScore": 4, "description": "100 of 100 points"})
    '3.5 of 4 points (87.5 %)'
    >>> evidence_result({"description": "4 of 4 points"})
    'no score recorded'
    """
    score, maximum = evidence.get("dsu:score"), evidence.get("dsu:maxScore")
    finite = all(isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) for n in (score, maximum))
    if not finite or maximum <= 0:
        return "no score recorded"
    return f"{score:g} of {maximum:g} points ({100 * score / maximum:.1f} %)"


def certificate_html(credential: dict) -> str:
    """The printable page of a signed (or unsigned) credential."""
    subject = credential.get("credentialSubject", {})
    achievement = subject.get("achievement", {})
    issuer = credential.get("issuer", {})
    rows = "".join(
        f"<tr><td>{escape(str(e.get('name', '')))}</td><td>{escape(evidence_result(e))}</td>"
        f"<td class='small'>{escape(', '.join(s.get('dsu:sha256', '') for s in e.get('dsu:submission', [])))}</td></tr>"
        for e in credential.get("evidence", []))
    fingerprint = hashlib.sha256(canonical_json(credential)).hexdigest() if credential else ""
    proof = credential.get("proof", {})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(str(credential.get('name', 'Certificate')))}</title><style>{STYLE}</style></head>
<body><div class="sheet">
<h1>{escape(str(credential.get('name', 'Certificate')))}</h1>
<p class="lead">Issued by {escape(str(issuer.get('name', '')))} ({escape(str(issuer.get('url', '')))})
on {escape(str(credential.get('validFrom', ''))[:10])}</p>
<p>This certifies that</p>
<p class="holder">{escape(_holder(subject))}</p>
<p>has earned <strong>{escape(str(achievement.get('name', '')))}</strong>:
{escape(str(achievement.get('description', '')))}</p>
<p class="criteria"><em>Criteria.</em> {escape(str(achievement.get('criteria', {}).get('narrative', '')))}</p>
<table><tr><th>Evidence</th><th>Result</th><th>SHA-256 of the graded submission</th></tr>{rows}</table>
<p class="small">Credential {escape(str(credential.get('id', '')))} · issuer {escape(str(issuer.get('id', '')))}<br>
Signed with {escape(str(proof.get('cryptosuite', 'no proof')))} by {escape(str(proof.get('verificationMethod', '')))}<br>
SHA-256 of the canonical JSON: {fingerprint}<br>
This page is a printout. The certificate is the JSON file issued with it: check it with
<code>dsu verify CERTIFICATE.json --public-key ISSUER_KEY --revocation-list status-list.json</code>.</p>
</div></body></html>
"""
