"""The course start page: the course map from the syllabus, as Markdown and as a notebook.

``dsu lab`` writes ``START-HERE.ipynb`` into the learner's workspace and opens JupyterLab
on it. Its first cell is the course map (series, episodes, objectives, estimated time,
links that open each notebook).

>>> "ep51" in course_map_markdown()
True
"""

from __future__ import annotations

import nbformat

from course.syllabus import Syllabus, load_syllabus

START_PAGE = "START-HERE.ipynb"


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def course_map_markdown(syllabus: Syllabus | None = None, link_notebooks: bool = True) -> str:
    """The course map as Markdown; links are relative to the workspace root."""
    syllabus = syllabus or load_syllabus()
    lines = [f"# {syllabus.title}", "", "## Course map", ""]
    for series in syllabus.series:
        lines += [f"### Series {series.number} — {series.title}", "", series.description, ""]
        if not series.episodes:
            lines += ["*Episodes of this series are in preparation.*", ""]
        for ep in series.episodes:
            prereq = ", ".join(ep.prerequisites) or "none"
            lines += [
                f"#### {ep.id.upper()} · {ep.title}",
                "",
                f"*About {_hours(ep.minutes)} · prerequisites: {prereq} · "
                f"assessment: {ep.assessment_points:g} points*",
                "",
                "You will be able to:",
                "",
            ]
            lines += [f"- {obj.text} <small>(`{obj.id}`)</small>" for obj in ep.objectives]
            lines += ["", "| Notebook | Time |", "| --- | --- |"]
            for nb in ep.notebooks:
                label = f"[{nb.title}]({nb.relative_path.as_posix()})" if link_notebooks else nb.title
                lines.append(f"| {label} | {nb.minutes} min |")
            lines.append("")
    return "\n".join(lines)


def start_page_notebook(syllabus: Syllabus | None = None):
    """The start page as a notebook: the course map, then your progress and a search box."""
    syllabus = syllabus or load_syllabus()
    intro = (
        "Welcome! Click a notebook below to open it. Your own copies of the notebooks live in "
        "this folder: edit them freely — updating the course never overwrites them.\n\n"
        "Run the cell under **Your progress** (Shift+Enter) to see what you have done and "
        "what to do next."
    )
    cells = [
        nbformat.v4.new_markdown_cell(course_map_markdown(syllabus)),
        nbformat.v4.new_markdown_cell(intro),
        nbformat.v4.new_markdown_cell("## Your progress and search"),
        nbformat.v4.new_code_cell("import course.startpage\ncourse.startpage.show()"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def show():
    """Display the interactive part of the start page (progress and search), in a notebook."""
    from IPython.display import Markdown, display

    try:
        from course import progress_view
    except ImportError:
        display(Markdown("Progress tracking is not available in this installation."))
        return
    progress_view.show()
