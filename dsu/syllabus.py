"""Print the course map: series, episodes, objectives and estimated time, as plain text.

Episodes are listed in the order to take them (each after its prerequisites); the start page
shows the same map with links.

Example:
    dsu syllabus
"""

from __future__ import annotations

import textwrap

from course.syllabus import learning_path, load_syllabus


def add_arguments(parser) -> None:
    pass


def _minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def course_map_text(syllabus=None, width: int = 100) -> str:
    """The course map as plain terminal text (no Markdown, no HTML).

    >>> from course.syllabus import load_syllabus
    >>> "<" in course_map_text(load_syllabus())
    False
    """
    syllabus = syllabus or load_syllabus()

    def wrap(text: str, indent: str) -> str:
        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent + "  ")

    lines = [syllabus.title, "", "Course map (in the order to take the episodes)", ""]
    for ep in learning_path(syllabus):
        prerequisites = ", ".join(p.upper() for p in ep.prerequisites) or "none"
        lines += [
            wrap(f"{ep.id.upper()} · {ep.title}", ""),
            f"  Series {ep.series.number}, {ep.series.title} · about {_minutes(ep.minutes)}"
            f" · prerequisites: {prerequisites} · assessment: {ep.assessment_points:g} points",
            "  You will be able to:",
        ]
        lines += [wrap(f"- {objective.text}", "    ") for objective in ep.objectives]
        lines.append(f"  Notebooks, in {ep.relative_folder.as_posix()}/:")
        lines += [f"    {nb.filename:<26} {nb.minutes:>3} min  {nb.title}" for nb in ep.notebooks]
        lines.append("")
    empty = [s for s in syllabus.series if not s.episodes]
    lines += [f"Series {s.number}, {s.title}: episodes in preparation." for s in empty]
    return "\n".join(lines).rstrip() + "\n"


def run(args) -> int:
    print(course_map_text(), end="")
    return 0
