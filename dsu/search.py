"""Search the course: notebooks and their sections, by title, headings and text.

Results are ranked (titles and headings weigh more than text) and each one gives the
notebook's path and the heading's anchor, the same link the start page's search box opens.

Example:
    dsu search "little's law"
    dsu search erlang c --limit 3
"""

from __future__ import annotations

from pathlib import Path

from course.learner.search import build_index, default_root, tokens


def add_arguments(parser) -> None:
    parser.add_argument("query", nargs="+", help="words to look for (accents and apostrophes do not matter)")
    parser.add_argument("--limit", type=int, default=10, help="how many results to show (default 10)")
    parser.add_argument("--root", type=Path, default=None,
                        help="folder holding the notebooks (default: your workspace if built, else the course)")


def run(args) -> int:
    query = " ".join(args.query)
    if not tokens(query):
        raise ValueError(f"the query {query!r} is empty: give words to look for, e.g. dsu search \"little's law\"")
    if args.limit < 1:
        raise ValueError(f"--limit must be 1 or more, not {args.limit}")
    root = (Path.cwd() / args.root.expanduser()).resolve() if args.root else default_root()
    if not root.is_dir():
        raise ValueError(f"no course at {root}: not a folder (--root takes a workspace or the course repository)")
    index = build_index(root)
    if not index.sections:
        raise ValueError(f"no course at {root}: none of the syllabus notebooks is in it "
                         "(--root takes a workspace or the course repository)")
    results = index.search(query, limit=args.limit)
    if not results:
        print("No notebook section matches; try fewer or other words.")
        return 1
    for number, hit in enumerate(results, start=1):
        print(f"{number:>2}. {hit.where}   (score {hit.score:.2f})")
        print(f"    {hit.link}")
        if hit.snippet:
            print(f"    {hit.snippet}")
    return 0
