"""Create or show the certificate issuer's Ed25519 signing key.

`init` writes the key pair into the keys folder (default grading/keys/, git-ignored, or
$DSU_KEYS_DIR): the private key with mode 0600 in a 0700 folder, never printed or logged.
`show` prints the public key and its did:key, which verifiers need. Set
$DSU_KEY_PASSPHRASE to keep the private key file encrypted.

Example:
    dsu keys init
    dsu keys show            # publish the printed public key next to your certificates
    dsu keys init --keys-dir /secure/dsu-keys
"""

from __future__ import annotations

from pathlib import Path

from certificates.keys import PUBLIC_NAME, did_key, init_keys, keys_dir, load_public_key
from dsu.checks import writable_folder


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=["init", "show"], help="init: create the key pair; show: print the public key")
    parser.add_argument("--keys-dir", type=Path, default=None, help="keys folder (default: $DSU_KEYS_DIR or grading/keys)")
    parser.add_argument("--force", action="store_true", help="replace an existing key (old certificates stop verifying)")


def run(args) -> int:
    if args.action == "init":
        folder = init_keys(writable_folder(keys_dir(args.keys_dir), "--keys-dir"), force=args.force)
        print(f"issuer key pair written to {folder} (private key mode 0600, folder 0700)")
    folder = keys_dir(args.keys_dir)
    raw = load_public_key(folder)
    print(f"public key: {folder / PUBLIC_NAME}")
    print(f"did:key:    {did_key(raw)}")
    return 0
