"""Signatures and keys: RFC 8785 canonical JSON, the eddsa-jcs-2022 proof, the issuer key files.

The canonical-JSON and proof checks use published test data: RFC 8785 Appendix B (number
serialization) and the reference implementation's test files (cyberphone/json-canonicalization
testdata), and the eddsa-jcs-2022 test vector of W3C's vc-di-eddsa repository (TestVectors/
keyPair.json and eddsa-jcs-2022/signedJCS.json): our code must reproduce their outputs exactly.
"""

from __future__ import annotations

import json
import os
import stat
import struct
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from certificates.canonical_json import canonical_json, es_number
from certificates.keys import (
    DEFAULT_KEYS_DIR,
    PRIVATE_NAME,
    PUBLIC_NAME,
    IssuerKeyError,
    base58btc_decode,
    base58btc_encode,
    did_key,
    init_keys,
    load_private_key,
    load_public_key,
    raw_public,
)
from certificates.proof import ProofError, add_proof, signing_input, verify_proof
from course import REPO_ROOT

# RFC 8785, Appendix B: IEEE-754 bits -> ECMAScript serialization.
APPENDIX_B = [
    ("0000000000000000", "0"), ("8000000000000000", "0"), ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"), ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"), ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"), ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"), ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"), ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"), ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"), ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"), ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"), ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"), ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize("bits, expected", APPENDIX_B)
def test_numbers_are_written_as_rfc_8785_appendix_b_says(bits, expected):
    """Is every IEEE-754 value of RFC 8785 Appendix B serialized exactly as listed?"""
    assert es_number(struct.unpack(">d", bytes.fromhex(bits))[0]) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "\ud800", {1: "key"}, b"bytes"])
def test_values_without_a_canonical_form_are_refused(bad):
    """Are NaN, infinity, lone surrogates, non-string keys and non-JSON types refused?"""
    with pytest.raises(ValueError):
        canonical_json([bad])


def test_big_integers_mean_the_nearest_double():
    """Is an integer beyond 2**53 written as the double a JSON parser would read (ties to even)?"""
    assert es_number(2**53 + 1) == "9007199254740992"
    assert es_number(10**21) == "1e+21" and es_number(-(2**60)) == "-1152921504606847000"


def test_the_reference_implementations_test_files():
    """Do the 'values' and 'weird' files of the JCS reference tests canonicalize byte for byte?"""
    values = json.loads('{"numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],'
                        ' "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
                        ' "literals": [null, true, false]}')
    assert canonical_json(values) == ('{"escaping":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],'
                                      '"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}').encode()
    weird = json.loads('{"\\u20ac": "Euro Sign", "1": "One", "\\u0080": "Control\\u007f", '
                       '"\\ud83d\\ude02": "Smiley", "\\u00f6": "Latin Small Letter O With Diaeresis", '
                       '"\\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}')
    # Sorted by UTF-16 code units: the emoji (surrogates D83D...) comes before U+FB33.
    assert canonical_json(weird) == ('{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f",'
                                     '"ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😂":"Smiley",'
                                     '"\ufb33":"Hebrew Letter Dalet With Dagesh"}').encode()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=["Cs"])),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12)


@given(JSON_VALUES)
def test_canonical_json_is_json_and_a_fixed_point(value):
    """Does canonical JSON parse back to the same value, and canonicalize to itself again?"""
    text = canonical_json(value)
    again = json.loads(text)
    assert canonical_json(again) == text
    # The same value, numbers read as doubles as JSON means them (1.0 and 1 are one number).
    assert json.loads(text, parse_int=float) == json.loads(json.dumps(value), parse_int=float)


# -- the W3C eddsa-jcs-2022 test vector ---------------------------------------------------------
W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_SIGNED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": "2023-02-24T23:36:38Z",
        "verificationMethod": "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "proofPurpose": "assertionMethod",
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4",
    },
}


def test_the_w3c_eddsa_jcs_2022_vector_is_reproduced():
    """Signing the W3C test credential with the W3C test key, do we get the published proofValue?"""
    private = base58btc_decode(W3C_PRIVATE[1:])
    assert private[:2] == b"\x80\x26"  # multicodec ed25519-priv
    key = Ed25519PrivateKey.from_private_bytes(private[2:])
    assert did_key(raw_public(key.public_key())) == "did:key:" + W3C_PUBLIC
    unsigned = {k: v for k, v in W3C_SIGNED.items() if k != "proof"}
    mine = add_proof(unsigned, key, created=W3C_SIGNED["proof"]["created"])
    # Our verificationMethod is the did:key; the vector names an https URL: sign its options instead.
    options = {k: v for k, v in W3C_SIGNED["proof"].items() if k != "proofValue"}
    assert "z" + base58btc_encode(key.sign(signing_input(unsigned, options))) == W3C_SIGNED["proof"]["proofValue"]
    assert verify_proof(mine, raw_public(key.public_key())).startswith("did:key:" + W3C_PUBLIC)
    trusted = base58btc_decode(W3C_PUBLIC[1:])[2:]
    assert verify_proof(W3C_SIGNED, trusted) == W3C_SIGNED["proof"]["verificationMethod"]
    tampered = json.loads(json.dumps(W3C_SIGNED))
    tampered["credentialSubject"]["alumniOf"] = "Another School"
    with pytest.raises(ProofError, match="changed after signing"):
        verify_proof(tampered, trusted)


def test_base58btc_round_trips_with_leading_zeros():
    """Do zero bytes at the front survive base58btc (they become '1's)?"""
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(40))):
        assert base58btc_decode(base58btc_encode(data)) == data


def _signed(key=None):
    key = key or Ed25519PrivateKey.generate()
    return key, add_proof({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "x", "n": 1}, key)


def test_any_edit_breaks_the_signature():
    """Does changing, adding or removing any field make verification fail?"""
    key, signed = _signed()
    trusted = raw_public(key.public_key())
    for edit in (lambda d: d.update(name="y"), lambda d: d.update(n=2), lambda d: d.update(extra=True),
                 lambda d: d.pop("n"), lambda d: d["proof"].update(created="2000-01-01T00:00:00Z")):
        copy = json.loads(json.dumps(signed))
        edit(copy)
        with pytest.raises(ProofError):
            verify_proof(copy, trusted)
    verify_proof(json.loads(json.dumps(signed)), trusted)


def test_a_different_key_is_named_as_such():
    """Is a credential signed (or re-signed) by another key rejected for that reason?"""
    _, signed = _signed()
    with pytest.raises(ProofError, match="different key"):
        verify_proof(signed, raw_public(Ed25519PrivateKey.generate().public_key()))


# -- key files ----------------------------------------------------------------------------------
def test_key_files_are_private(tmp_path):
    """Does `keys init` make the folder 0700 and the private key 0600, and refuse to overwrite it?"""
    folder = init_keys(tmp_path / "keys")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / PRIVATE_NAME).stat().st_mode) == 0o600
    assert load_public_key(folder) == raw_public(load_private_key(folder).public_key())
    with pytest.raises(IssuerKeyError, match="exists"):
        init_keys(folder)


def test_a_readable_private_key_is_refused(tmp_path):
    """Is a private key that others can read refused, with the chmod that fixes it?"""
    folder = init_keys(tmp_path / "keys")
    os.chmod(folder / PRIVATE_NAME, 0o644)
    with pytest.raises(IssuerKeyError, match="chmod 600"):
        load_private_key(folder)


def test_a_passphrase_encrypts_the_key_file(tmp_path, monkeypatch):
    """With DSU_KEY_PASSPHRASE set, is the key file encrypted and unreadable without it?"""
    monkeypatch.setenv("DSU_KEY_PASSPHRASE", "correct horse")
    folder = init_keys(tmp_path / "keys")
    assert b"ENCRYPTED" in (folder / PRIVATE_NAME).read_bytes()
    load_private_key(folder)
    monkeypatch.setenv("DSU_KEY_PASSPHRASE", "wrong")
    with pytest.raises(IssuerKeyError):
        load_private_key(folder)


def test_the_default_keys_folder_is_ignored_by_git():
    """Would git ignore a key written to the default folder (grading/keys/)?"""
    probe = DEFAULT_KEYS_DIR / PRIVATE_NAME
    assert subprocess.run(["git", "check-ignore", "-q", str(probe)], cwd=REPO_ROOT).returncode == 0
    assert subprocess.run(["git", "check-ignore", "-q", str(DEFAULT_KEYS_DIR / PUBLIC_NAME)], cwd=REPO_ROOT).returncode == 0


def test_no_private_key_is_in_the_repository():
    """Does no tracked file, and no file git would add, hold a PEM private key?"""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO_ROOT, capture_output=True, check=True).stdout.split(b"\0")
    marker = b"-----BEGIN " + b"PRIVATE KEY-----"
    encrypted = b"-----BEGIN ENCRYPTED " + b"PRIVATE KEY-----"
    leaks = []
    for name in filter(None, files):
        path = REPO_ROOT / name.decode()
        if path.is_file() and path.stat().st_size < 5_000_000:
            data = path.read_bytes()
            if marker in data or encrypted in data:
                leaks.append(name.decode())
    assert leaks == []
