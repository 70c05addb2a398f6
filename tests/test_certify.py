"""Certificates end to end: who may get one, what it holds, and whether `dsu verify` catches
every forgery. The gradebook is filled through nbgrader's API (grading itself is tested in
test_grading_*); the tiny course's series is described by a syllabus made here."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from cryptography.hazmat.primitives import serialization
from grading_course import EPISODE, answered, build_course, write_submission
from nbgrader.api import Gradebook

from certificates.certification import RULES_RESOURCE, evaluate, load_rules
from certificates.credential import NotEligibleError, identity_hash, issue_certificate
from certificates.keys import PRIVATE_NAME, base58btc_encode, init_keys, load_private_key
from course.syllabus import parse_syllabus
from dsu import main
from grading.course_settings import course_settings

SYLLABUS = parse_syllabus("""
[course]
id = "t"
title = "Test course"
[[series]]
id = "series-t"
number = 9
title = "Tiny series"
folder = "series-t"
[[series.episodes]]
id = "tiny"
title = "Tiny episode"
folder = "tiny"
assessment_points = 4
[[series.episodes.objectives]]
id = "tiny-doubling"
text = "Double numbers."
[[series.episodes.objectives]]
id = "tiny-geometry"
text = "Areas of circles."
[[series.episodes.notebooks]]
name = "assessment"
title = "Assessment"
minutes = 10
""")
RULES = RULES_RESOURCE.read_text(encoding="utf-8") + """
[series.series-t]
achievement_name = "Tiny Series Certificate"
description = "Doubling and circles, <b>mastered</b>."
"""
# nbgrader's add_submission builds rows before adding them: SQLAlchemy warns, harmlessly.
pytestmark = pytest.mark.filterwarnings("ignore:.*not in session")
# student -> (q1 of 2, q2 of 1, essay of 1 or None = not graded by hand yet)
SCORES = {"ada": (2, 1, 1), "bob": (0, 1, 1), "cy": (2, 1, None)}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released tiny course with three submissions scored directly in the gradebook."""
    base = tmp_path_factory.mktemp("certify")
    root = build_course(base / "root")
    url, course_id = course_settings(root)
    with Gradebook(url, course_id) as gb:
        for student, (q1, q2, essay) in SCORES.items():
            write_submission(root / "submitted", student, answered(root))
            gb.update_or_create_student(student, email=f"{student}@example.org")
            gb.add_submission(EPISODE, student)
            for name, score in (("tiny-doubling__q1", q1), ("tiny-geometry__q2", q2)):
                grade = gb.find_grade(name, "assessment", EPISODE, student)
                grade.auto_score, grade.needs_manual_grade = score, False
            grade = gb.find_grade("tiny-geometry__essay", "assessment", EPISODE, student)
            grade.manual_score, grade.needs_manual_grade = essay, essay is None
        gb.db.commit()
    rules = base / "certification.toml"
    rules.write_text(RULES, encoding="utf-8")
    keys = init_keys(base / "keys")
    return root, rules, keys, base / "certificates"


@pytest.fixture(scope="module")
def issued(course):
    root, rules, keys, out = course
    return issue_certificate("ada", "series-t", root, name="Ada <Lovelace>", out_dir=out, keys=keys,
                             rules_path=rules, syllabus=SYLLABUS)


def test_the_rules_file_covers_every_series_of_the_syllabus():
    """Does certificates/certification.toml give rules for every series in course/syllabus.toml?"""
    from course.syllabus import load_syllabus

    rules = load_rules()
    assert {s.id for s in load_syllabus().series} <= set(rules.series)
    assert all(r.min_episode_percent == 70 for r in rules.series.values())


def test_a_passing_learner_meets_every_rule(course):
    """Does ada (4/4, everything graded) pass every rule, objectives included?"""
    root, rules, _, _ = course
    decision = evaluate("ada", "series-t", root, rules=load_rules(rules).for_series("series-t"), syllabus=SYLLABUS)
    assert decision.passed
    rules_checked = {r.rule for r in decision.results}
    assert {"tiny: objective tiny-doubling assessed", "tiny: objective tiny-geometry assessed",
            "tiny: assessment >= 70 %", "tiny: fully graded"} <= rules_checked


@pytest.mark.parametrize("student, failing, detail", [
    ("bob", "tiny: assessment >= 70 %", "2/4 = 50.0 %"),
    ("cy", "tiny: fully graded", "tiny-geometry__essay"),
    ("zoe", "tiny: submitted", "no graded submission"),
])
def test_issuing_refuses_and_names_the_rule(course, student, failing, detail):
    """Is a learner who misses a rule refused, with that rule and the numbers named?"""
    root, rules, keys, out = course
    with pytest.raises(NotEligibleError) as refusal:
        issue_certificate(student, "series-t", root, email="x@example.org", out_dir=out, keys=keys,
                          rules_path=rules, syllabus=SYLLABUS)
    assert failing in str(refusal.value) and detail in str(refusal.value)


def test_an_empty_series_gets_no_certificate(course):
    """Is a series without episodes (series-1 today) refused rather than certified for nothing?"""
    root, _, keys, out = course
    series = parse_syllabus(SYLLABUS_WITHOUT_EPISODES)
    with pytest.raises(NotEligibleError, match="the series has episodes"):
        issue_certificate("ada", "series-1", root, email="a@example.org", out_dir=out, keys=keys, syllabus=series)


SYLLABUS_WITHOUT_EPISODES = """
[course]
id = "t"
title = "T"
[[series]]
id = "series-1"
number = 1
title = "Empty"
folder = "series-1"
"""


def test_the_certificate_has_the_open_badges_shape(issued, course):
    """Does the credential carry the VC 2.0 / OB 3.0 contexts, types, issuer profile, achievement,
    hashed identity, evidence with the submission's SHA-256 and a revocation entry?"""
    root, _, _, _ = course
    vc = issued.credential
    assert vc["@context"][:2] == ["https://www.w3.org/ns/credentials/v2",
                                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["issuer"]["id"].startswith("did:key:z6Mk") and vc["issuer"]["type"] == ["Profile"]
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["name"] == "Tiny Series Certificate" and "70 %" in achievement["criteria"]["narrative"]
    email_id = next(i for i in vc["credentialSubject"]["identifier"] if i["identityType"] == "emailAddress")
    expected = hashlib.sha256(("ada@example.org" + email_id["salt"]).encode()).hexdigest()
    assert email_id["identityHash"] == "sha256$" + expected and email_id["hashed"] is True
    assert "ada@example.org" not in json.dumps(vc)
    [evidence] = vc["evidence"]
    submitted = root / "submitted" / "ada" / EPISODE / "assessment.ipynb"
    assert evidence["dsu:submission"] == [{"dsu:file": "assessment.ipynb",
                                           "dsu:sha256": hashlib.sha256(submitted.read_bytes()).hexdigest()}]
    assert (evidence["dsu:score"], evidence["dsu:maxScore"]) == (4, 4)
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert vc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert identity_hash(" ADA@example.org", email_id["salt"]) == email_id["identityHash"]


def test_the_printable_page_escapes_and_explains(issued):
    """Does the HTML show the name (escaped), the scores and how to verify?"""
    html = issued.html_path.read_text(encoding="utf-8")
    assert "Ada &lt;Lovelace&gt;" in html and "<Lovelace>" not in html
    assert "&lt;b&gt;mastered&lt;/b&gt;" in html and "4 of 4 points" in html and "dsu verify" in html


def test_no_private_key_material_leaves_the_key_file(issued, course):
    """Do the certificate JSON and HTML hold no trace of the private key (raw, hex, base64, base58, PEM)?"""
    _, _, keys, out = course
    key = load_private_key(keys)
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    pem = (keys / PRIVATE_NAME).read_text()
    body = "".join(pem.strip().splitlines()[1:-1])
    import base64

    forms = [raw.hex(), base64.b64encode(raw).decode(), base58btc_encode(raw), body, body[:40], "PRIVATE KEY"]
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not [form for form in forms if form in text], path.name
        assert raw not in path.read_bytes()


def cli_verify(capsys, *args):
    code = main(["verify", *map(str, args)])
    return code, capsys.readouterr().out


def test_a_genuine_certificate_verifies(issued, course, capsys):
    """Does `dsu verify` accept the issued certificate, also against the revocation list and e-mail?"""
    _, _, keys, out = course
    code, text = cli_verify(capsys, issued.json_path, "--public-key", keys / "issuer-ed25519.pub.pem",
                            "--revocation-list", out / "status-list.json", "--email", "ada@example.org")
    assert code == 0 and text.startswith("VALID: Tiny Series Certificate") and "4 of 4 points" in text


def _edited(issued, tmp_path, edit):
    vc = json.loads(issued.json_path.read_text())
    edit(vc)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(vc), encoding="utf-8")
    return path


EDITS = {
    "score": lambda vc: vc["evidence"][0].update({"dsu:score": 5}),
    "name": lambda vc: vc["credentialSubject"]["identifier"][1].update(identityHash="Mallory"),
    "identity": lambda vc: vc["credentialSubject"]["identifier"][0].update(identityHash="sha256$" + "0" * 64),
    "date": lambda vc: vc.update(validFrom="2020-01-01T00:00:00Z"),
    "achievement": lambda vc: vc["credentialSubject"]["achievement"].update(name="Doctorate"),
    "fingerprint": lambda vc: vc["evidence"][0]["dsu:submission"][0].update({"dsu:sha256": "f" * 64}),
    "status": lambda vc: vc["credentialStatus"].update(statusListIndex="0"),
}


@pytest.mark.parametrize("field", sorted(EDITS))
def test_any_edited_field_is_rejected(issued, course, tmp_path, capsys, field):
    """Is a certificate with any field edited rejected as changed after signing?"""
    _, _, keys, _ = course
    code, text = cli_verify(capsys, _edited(issued, tmp_path, EDITS[field]), "--public-key", keys)
    assert code == 1 and "INVALID" in text and "changed after signing" in text


def test_a_certificate_resigned_by_another_key_is_rejected(issued, course, tmp_path, capsys):
    """If a forger edits the certificate and signs it with their own key, is it rejected for that?"""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from certificates.proof import add_proof

    _, _, keys, _ = course
    vc = json.loads(issued.json_path.read_text())
    vc.pop("proof")
    vc["evidence"][0]["dsu:score"] = 5
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(add_proof(vc, Ed25519PrivateKey.generate())), encoding="utf-8")
    code, text = cli_verify(capsys, forged, "--public-key", keys)
    assert code == 1 and "different key" in text
    other = init_keys(tmp_path / "other-keys")
    code, text = cli_verify(capsys, issued.json_path, "--public-key", other)
    assert code == 1 and "different key" in text


@pytest.mark.parametrize("content, reason", [
    ("{not json", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"@context": [], "type": []}', "not an Open Badges 3.0 credential"),
])
def test_malformed_input_is_rejected_with_a_reason(course, tmp_path, capsys, content, reason):
    """Is input that is not JSON or not a credential rejected with a reason, not a traceback?"""
    _, _, keys, _ = course
    path = tmp_path / "cert.json"
    path.write_text(content, encoding="utf-8")
    code, text = cli_verify(capsys, path, "--public-key", keys)
    assert code == 1 and reason in text


def test_the_wrong_holder_is_rejected(issued, course, capsys):
    """Does --email with another address reject the certificate?"""
    _, _, keys, _ = course
    code, text = cli_verify(capsys, issued.json_path, "--public-key", keys, "--email", "eve@example.org")
    assert code == 1 and "not issued to eve@example.org" in text


def test_revocation(course, tmp_path, capsys):
    """After `dsu revoke`, is the certificate rejected as revoked, while a forged list is not trusted?"""
    root, rules, keys, out = course
    second = issue_certificate("ada", "series-t", root, email="ada@example.org", out_dir=out, keys=keys,
                               rules_path=rules, syllabus=SYLLABUS)
    status_list = out / "status-list.json"
    before = tmp_path / "before.json"
    shutil.copyfile(status_list, before)
    assert main(["revoke", str(second.json_path), "--reason", "issued in error", "--out", str(out),
                 "--keys-dir", str(keys)]) == 0
    capsys.readouterr()
    code, text = cli_verify(capsys, second.json_path, "--public-key", keys, "--revocation-list", status_list)
    assert code == 1 and "revoked by the issuer" in text
    # The old list (nothing revoked) is genuine but outdated; a list edited to clear the bit is not.
    forged = json.loads(status_list.read_text())
    forged["credentialSubject"]["encodedList"] = json.loads(before.read_text())["credentialSubject"]["encodedList"]
    forged_path = tmp_path / "forged-list.json"
    forged_path.write_text(json.dumps(forged), encoding="utf-8")
    code, text = cli_verify(capsys, second.json_path, "--public-key", keys, "--revocation-list", forged_path)
    assert code == 1 and "revocation list cannot be trusted" in text
    registry = json.loads((out / "issued.json").read_text())
    entry = next(e for e in registry["credentials"] if e["id"] == second.credential["id"])
    assert entry["revoked"]["reason"] == "issued in error"
    with pytest.raises(ValueError, match="already revoked"):
        from certificates.revocation import revoke_certificate

        revoke_certificate(second.credential["id"], "again", out, keys)


def test_the_command_line_issues_and_refuses(course, tmp_path, capsys, monkeypatch):
    """Does `dsu keys init` + `dsu certify` issue for ada (exit 0) and refuse bob with the rule (exit 1)?"""
    root, rules, _, _ = course
    monkeypatch.setenv("DSU_KEYS_DIR", str(tmp_path / "keys"))
    assert main(["keys", "init"]) == 0
    assert "did:key:z6Mk" in capsys.readouterr().out
    monkeypatch.setattr("course.syllabus.load_syllabus", lambda *a, **k: SYLLABUS)
    monkeypatch.setattr("certificates.certification.load_syllabus", lambda *a, **k: SYLLABUS)
    args = ["--series", "series-t", "--root", str(root), "--rules", str(rules), "--out", str(tmp_path / "certs")]
    assert main(["certify", "ada", *args]) == 0
    assert "issued urn:uuid:" in capsys.readouterr().out
    assert main(["certify", "bob", *args]) == 1
    assert "tiny: assessment >= 70 %: 2/4 = 50.0 %" in capsys.readouterr().err
    assert main(["keys", "init"]) == 2  # an existing key is never overwritten by accident


def test_verify_checks_revocation_by_default_and_skipping_is_said(course, tmp_path, capsys, monkeypatch):
    """Without --revocation-list, does `dsu verify` find the list the certificate names, report a revoked
    certificate as REVOKED (exit 1), refuse to say VALID when no list is found, and say so when skipped?"""
    root, rules, keys, out = course
    third = issue_certificate("ada", "series-t", root, email="ada@example.org", out_dir=out, keys=keys,
                              rules_path=rules, syllabus=SYLLABUS)
    code, text = cli_verify(capsys, third.json_path, "--public-key", keys)
    assert code == 0 and text.startswith("VALID") and "not checked" not in text
    assert main(["revoke", str(third.json_path), "--reason", "issued in error", "--out", str(out),
                 "--keys-dir", str(keys)]) == 0
    capsys.readouterr()
    code, text = cli_verify(capsys, third.json_path, "--public-key", keys)
    assert code == 1 and text.startswith("REVOKED: ") and "revoked by the issuer" in text
    # A copy of the certificate elsewhere, with no list beside it and none in the certificates folder:
    alone = tmp_path / "alone" / "cert.json"
    alone.parent.mkdir()
    shutil.copyfile(third.json_path, alone)
    monkeypatch.setenv("DSU_CERTIFICATES_DIR", str(tmp_path / "empty"))
    assert main(["verify", str(alone), "--public-key", str(keys)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert "revocation status unknown" in captured.err
    assert "https://dsu.example.org/certificates/status-list.json" in captured.err
    # ... found in the issuer's certificates folder ($DSU_CERTIFICATES_DIR) ...
    monkeypatch.setenv("DSU_CERTIFICATES_DIR", str(out))
    code, text = cli_verify(capsys, alone, "--public-key", keys)
    assert code == 1 and "revoked by the issuer" in text
    # ... or given explicitly; and skipping the check is said in the output.
    code, text = cli_verify(capsys, alone, "--public-key", keys, "--revocation-list", out / "status-list.json")
    assert code == 1 and "revoked by the issuer" in text
    code, text = cli_verify(capsys, alone, "--public-key", keys, "--skip-revocation-check")
    assert code == 0 and "VALID" in text and "note: revocation not checked" in text


def test_verify_refuses_oversized_input_before_reading(course, tmp_path, capsys, monkeypatch):
    """Is a 50 MB "certificate" refused with one line and exit 2, without being read?"""
    _, _, keys, _ = course
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: costs no disk
    opened = []
    real_open = type(big).open
    monkeypatch.setattr(type(big), "open", lambda self, *a, **k: opened.append(self) or real_open(self, *a, **k))
    code = main(["verify", str(big), "--public-key", str(keys)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and big not in opened
    assert captured.err.strip() == f"dsu verify: certificate: {big} is 50.0 MB; certificates and status lists " \
                                   "are a few kB (limit 1 MB)"
    from certificates.verify import verify_certificate

    assert verify_certificate(big, bytes(32)).reasons[0].startswith("cannot read the certificate: ")


def test_the_printed_score_comes_from_the_structured_evidence(issued):
    """Does the HTML page compute the displayed score from dsu:score / dsu:maxScore, not the description?"""
    from certificates.certificate_html import certificate_html

    vc = json.loads(issued.json_path.read_text())
    vc["evidence"][0].update({"description": "100 of 100 points (100.0 %)", "dsu:score": 3, "dsu:maxScore": 4})
    html = certificate_html(vc)
    assert "3 of 4 points (75.0 %)" in html and "100 of 100" not in html
    vc["evidence"][0].pop("dsu:score")
    assert "no score recorded" in certificate_html(vc)


def test_a_certificate_without_a_status_list_is_not_valid(issued, course, tmp_path, capsys):
    """Is a (correctly signed) certificate that names no status list refused, since revocation cannot be checked?"""
    from certificates.proof import add_proof

    _, _, keys, _ = course
    vc = json.loads(issued.json_path.read_text())
    vc.pop("proof")
    vc.pop("credentialStatus")
    path = tmp_path / "no-status.json"
    path.write_text(json.dumps(add_proof(vc, load_private_key(keys))), encoding="utf-8")
    code, text = cli_verify(capsys, path, "--public-key", keys)
    assert code == 1 and text.startswith("INVALID") and "names no status list" in text
    code, text = cli_verify(capsys, path, "--public-key", keys, "--skip-revocation-check")
    assert code == 0 and "revocation not checked" in text
