"""Print the course map: series, episodes, objectives and estimated time.

Example:
    dsu syllabus
"""

from __future__ import annotations


def add_arguments(parser) -> None:
    pass


def run(args) -> int:
    from course.startpage import course_map_markdown

    print(course_map_markdown(link_notebooks=False))
    return 0
