"""Issue a signed Open Badges 3.0 certificate to a learner who passed a series.

Checks the rules of certificates/certification.toml against the gradebook (every episode's
assessment >= 70 %, fully graded, every learning objective assessed); if one fails, says which
and issues nothing (exit 1). Otherwise writes CERT.json (signed, eddsa-jcs-2022) and a
printable CERT.html into the certificates folder, and records the certificate for revocation.

Example:
    dsu keys init                                   # once
    dsu certify ada --series series-3 --root build/nbgrader --email ada@example.org --name "Ada Lovelace"
    # -> build/certificates/ada-series-3-xxxxxxxx.json and .html
"""

from __future__ import annotations

from pathlib import Path

from certificates.credential import NotEligibleError, certificates_dir, issue_certificate
from course.notebooks.nbgrader_course import DEFAULT_ROOT
from dsu.checks import course_root, writable_folder


def add_arguments(parser) -> None:
    parser.add_argument("student", help="nbgrader student id")
    parser.add_argument("--series", required=True, help="series id, e.g. series-3")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="nbgrader course root")
    parser.add_argument("--db-url", default=None, help="SQLAlchemy URL of the gradebook (default: the root's)")
    parser.add_argument("--email", default=None, help="learner's e-mail (default: from the gradebook); stored only salted and hashed")
    parser.add_argument("--name", default=None, help="learner's name as it should appear on the certificate")
    parser.add_argument("--out", type=Path, default=None,
                        help="certificates folder (default: $DSU_CERTIFICATES_DIR or build/certificates)")
    parser.add_argument("--keys-dir", type=Path, default=None, help="issuer keys folder")
    parser.add_argument("--rules", type=Path, default=None, help="certification rules (default: certificates/certification.toml)")


def run(args) -> int:
    import sys

    root = course_root(args.root, args.db_url)
    out = writable_folder(certificates_dir(args.out), "--out")
    if args.rules is not None and not args.rules.is_file():
        raise ValueError(f"--rules: no such file: {args.rules}")
    try:
        issued = issue_certificate(args.student, args.series, root, email=args.email, name=args.name,
                                   out_dir=out, keys=args.keys_dir, db_url=args.db_url, rules_path=args.rules)
    except NotEligibleError as refusal:
        print(f"dsu certify: {refusal}", file=sys.stderr)
        return 1
    print(f"issued {issued.credential['id']} ({issued.credential['name']})")
    print(f"  {issued.json_path}\n  {issued.html_path}")
    return 0
