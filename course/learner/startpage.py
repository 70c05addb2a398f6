"""The course start page: where to begin, and the course map, as Markdown and as a notebook.

``dsu build`` / ``dsu lab`` write ``START-HERE.ipynb`` into the learner's workspace and
JupyterLab opens on it. Everything a newcomer needs first is markdown written at build time,
readable without running anything:

1. **Where to begin**: the episodes in the order to take them (each after its prerequisites,
   :func:`course.syllabus.learning_path`), each with a link to its first notebook;
2. **the course map** in the same order: each episode's learning objectives in words,
   estimated time and links that open each notebook;
3. **Your progress and search**: one code cell to run for your progress, the notebook to
   open next and a search box (:mod:`course.learner.progress_view`).

>>> text = course_map_markdown()
>>> text.index("EP51") < text.index("EP13")  # EP13 needs EP51: it comes after it
True
"""

from __future__ import annotations

from course.learner.layout import START_PAGE
from course.syllabus import Syllabus, learning_path, load_syllabus

__all__ = ["START_PAGE", "course_map_markdown", "start_page_notebook", "where_to_begin_markdown"]
PROGRESS_HEADING = "Your progress and search"
WIDGET_NOTE = ('Widgets (sliders, explorers) show "Error displaying widget: model not found" in a '
               "notebook you reopen until you run its cells again (Run → Run All Cells): the "
               "notebook stores their place, not the live widget.")


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def _episode_label(ep) -> str:
    return f"{ep.id.upper()} · {ep.title}"


def where_to_begin_markdown(syllabus: Syllabus | None = None) -> str:
    """The episodes in the order to take them, each with a link to its first notebook.

    >>> print(where_to_begin_markdown().splitlines()[2][:60])
    1. **EP51 · The mathematics of scale: Little's law, queueing
    """
    syllabus = syllabus or load_syllabus()
    lines = ["## Where to begin", ""]
    for number, ep in enumerate(learning_path(syllabus), start=1):
        after = ("no prerequisites: start here" if not ep.prerequisites else
                 "after " + ", ".join(p.upper() for p in ep.prerequisites))
        first = ep.notebooks[0] if ep.notebooks else None
        opening = f" — open [{first.title}]({first.relative_path.as_posix()})" if first else ""
        lines.append(f"{number}. **{_episode_label(ep)}** ({after}, about {_hours(ep.minutes)}){opening}")
    lines += ["", "Each episode's lesson notebooks, with self-checked exercises, lead to its "
              "assessment. Work through them in order; the map below lists them all."]
    return "\n".join(lines)


def course_map_markdown(syllabus: Syllabus | None = None, link_notebooks: bool = True) -> str:
    """The course map as Markdown, episodes in learning order; links are relative to the workspace root."""
    syllabus = syllabus or load_syllabus()
    lines = ["## Course map", ""]
    for ep in learning_path(syllabus):
        series = ep.series
        prereq = ", ".join(p.upper() for p in ep.prerequisites) or "none"
        lines += [
            f"### {_episode_label(ep)}",
            "",
            f"*Series {series.number}, {series.title} · about {_hours(ep.minutes)} · prerequisites: "
            f"{prereq} · assessment: {ep.assessment_points:g} points*",
            "",
            "You will be able to:",
            "",
        ]
        lines += [f"- {obj.text}" for obj in ep.objectives]
        lines += ["", "| Notebook | Time |", "| --- | --- |"]
        for nb in ep.notebooks:
            label = f"[{nb.title}]({nb.relative_path.as_posix()})" if link_notebooks else nb.title
            lines.append(f"| {label} | {nb.minutes} min |")
        lines.append("")
    lines += ["### The series", ""]
    for series in syllabus.series:
        state = "" if series.episodes else " *(episodes in preparation)*"
        lines.append(f"- **Series {series.number} · {series.title}** — {series.description}{state}")
    return "\n".join(lines)


def start_page_notebook(syllabus: Syllabus | None = None):
    """The start page as a notebook: where to begin and the course map (markdown, readable
    without running anything), then one code cell for your progress and a search box."""
    syllabus = syllabus or load_syllabus()
    intro = (
        f"# {syllabus.title}\n\n"
        "Welcome! Click a notebook link to open it. Your own copies of the notebooks live in "
        "this folder: edit them freely — updating the course never overwrites them.\n\n"
        f"To see what you have done and what to do next, run the cell under **{PROGRESS_HEADING}** "
        "at the bottom of this page (click it, then Shift+Enter).\n\n"
        f"*{WIDGET_NOTE}*"
    )
    import nbformat  # a second to import: a build with nothing new never needs it

    cells = [
        nbformat.v4.new_markdown_cell(intro),
        nbformat.v4.new_markdown_cell(where_to_begin_markdown(syllabus)),
        nbformat.v4.new_markdown_cell(course_map_markdown(syllabus)),
        nbformat.v4.new_markdown_cell(f"## {PROGRESS_HEADING}"),
        nbformat.v4.new_code_cell("from course.learner.progress_view import show\nshow()"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb

