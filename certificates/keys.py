"""The issuer's Ed25519 key pair: created once, kept private, named by a did:key.

``dsu keys init`` writes ``issuer-ed25519.pem`` (private, mode 0600) and
``issuer-ed25519.pub.pem`` (public) into the keys folder (mode 0700): ``grading/keys/``
(git-ignored), ``$DSU_KEYS_DIR`` or ``--keys-dir``. The private key never leaves that file:
certificates carry only the public key's ``did:key`` (multicodec ed25519-pub, base58btc).
If ``$DSU_KEY_PASSPHRASE`` is set the private key file is encrypted with it.

>>> did = did_key(bytes(32))
>>> did
'did:key:z6MkeTG3bFFSLYVU7VqhgZxqr6YzpaGrQtFMh1uvqGy1vDnP'
>>> public_key_bytes_from_did(did) == bytes(32)
True
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from course import REPO_ROOT

# Still grading/keys/ (git-ignored) after the code moved: issuers' existing keys live there.
DEFAULT_KEYS_DIR = REPO_ROOT / "grading" / "keys"
PRIVATE_NAME, PUBLIC_NAME = "issuer-ed25519.pem", "issuer-ed25519.pub.pem"
ED25519_PUB_CODEC = b"\xed\x01"  # multicodec varint of 0xed
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class IssuerKeyError(ValueError):
    """A key that is missing, unsafe or unreadable (a ValueError: `dsu` prints it as one line)."""


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = BASE58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def base58btc_decode(text: str) -> bytes:
    number = 0
    for ch in text:
        if ch not in BASE58:
            raise ValueError(f"{ch!r} is not a base58btc character")
        number = number * 58 + BASE58.index(ch)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multibase_public_key(raw: bytes) -> str:
    """'z' + base58btc(multicodec ed25519-pub + 32 key bytes): the key's multibase form."""
    return "z" + base58btc_encode(ED25519_PUB_CODEC + raw)


def did_key(raw: bytes) -> str:
    """The did:key of a raw 32-byte Ed25519 public key."""
    return "did:key:" + multibase_public_key(raw)


def public_key_bytes_from_did(did_or_method: str) -> bytes:
    """The 32 raw public-key bytes named by a did:key (a ``#fragment`` is ignored)."""
    value = did_or_method.split("#", 1)[0]
    if not value.startswith("did:key:z"):
        raise ValueError(f"{did_or_method!r} is not an Ed25519 did:key")
    decoded = base58btc_decode(value[len("did:key:z"):])
    if not decoded.startswith(ED25519_PUB_CODEC) or len(decoded) != 34:
        raise ValueError(f"{did_or_method!r} does not hold an Ed25519 public key")
    return decoded[2:]


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def keys_dir(path: Path | str | None = None) -> Path:
    """The keys folder: ``path``, else ``$DSU_KEYS_DIR``, else ``grading/keys``."""
    return Path(path or os.environ.get("DSU_KEYS_DIR") or DEFAULT_KEYS_DIR)


def init_keys(folder: Path | str | None = None, force: bool = False) -> Path:
    """Create the issuer key pair in ``folder``; refuse to overwrite an existing one unless ``force``."""
    folder = keys_dir(folder)
    private_path = folder / PRIVATE_NAME
    if private_path.exists() and not force:
        raise IssuerKeyError(f"{private_path} exists: every certificate issued so far is signed with it; "
                        "use --force only to replace a lost or leaked key")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    key = Ed25519PrivateKey.generate()
    passphrase = os.environ.get("DSU_KEY_PASSPHRASE")
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    if private_path.exists():
        private_path.unlink()
    # Created 0600 from the first byte: never a moment in which others could read it.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    (folder / PUBLIC_NAME).write_bytes(public_pem)
    os.chmod(folder / PUBLIC_NAME, 0o644)
    return folder


def load_private_key(folder: Path | str | None = None) -> Ed25519PrivateKey:
    """The issuer's private key; refuses a file or folder that others can read."""
    folder = keys_dir(folder)
    path = folder / PRIVATE_NAME
    if not path.is_file():
        raise IssuerKeyError(f"no issuer key in {folder}: run `dsu keys init` first")
    for item, allowed in ((folder, 0o700), (path, 0o600)):
        mode = stat.S_IMODE(item.stat().st_mode)
        if mode & 0o077:
            raise IssuerKeyError(f"{item} has mode {mode:o}: others can read it; run chmod {allowed:o} {item}")
    passphrase = os.environ.get("DSU_KEY_PASSPHRASE")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), passphrase.encode() if passphrase else None)
    except (ValueError, TypeError) as error:
        raise IssuerKeyError(f"cannot read {path} ({error}); is DSU_KEY_PASSPHRASE right?") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise IssuerKeyError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(source: Path | str | None = None) -> bytes:
    """Raw public key bytes from a PEM file, a keys folder, a did:key or a multibase string."""
    if isinstance(source, str) and source.startswith("did:key:"):
        return public_key_bytes_from_did(source)
    if isinstance(source, str) and source.startswith("z6Mk"):
        return public_key_bytes_from_did("did:key:" + source)
    path = Path(source) if source else keys_dir() / PUBLIC_NAME
    if path.is_dir():
        path = path / PUBLIC_NAME
    if not path.is_file():
        raise IssuerKeyError(f"no public key at {path}")
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except ValueError as error:
        raise IssuerKeyError(f"{path} is not a PEM public key ({error})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise IssuerKeyError(f"{path} is not an Ed25519 public key")
    return raw_public(key)
