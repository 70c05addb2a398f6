"""The interactive part of the start page: your progress, the next notebook, a search box.

The start page's last cell calls :func:`show`. It shows

* a bar chart of each episode's completion and share of learning objectives covered,
  with the same numbers as a table beside it (the text alternative of the chart);
* the notebook to open next, as a link (syllabus order and prerequisites,
  :meth:`course.learner.progress_summary.CourseProgress.next_notebook`);
* a search box over every notebook of the course (:mod:`course.learner.search`), whose results
  are links that open the notebook at the right heading.

>>> fig = progress_figure(summarize(None))
>>> [trace.name for trace in fig.data]
['Completion (%)', 'Objectives covered (%)']

Taught in: the start page (START-HERE.ipynb).
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from course.learner.layout import find_workspace
from course.learner.progress_summary import CourseProgress, summarize
from course.learner.search import build_index, default_root

FIGURE_TITLE = "Your progress by episode"


def progress_figure(progress: CourseProgress) -> go.Figure:
    """Completion and objectives covered per episode (in the order to take them), in percent."""
    episodes = progress.in_learning_order()
    labels = [ep.episode_id.upper() for ep in episodes]
    completion = [round(100 * ep.completion, 1) for ep in episodes]
    covered = [round(100 * len(ep.objectives_covered) / len(ep.objectives), 1) if ep.objectives else 0.0
               for ep in episodes]
    fig = go.Figure(
        data=[
            go.Bar(name="Completion (%)", x=labels, y=completion, marker_color="#1565c0",
                   hovertemplate="%{x}: %{y:.0f} % done<extra></extra>"),
            go.Bar(name="Objectives covered (%)", x=labels, y=covered, marker_color="#2e7d32",
                   hovertemplate="%{x}: %{y:.0f} % of objectives covered<extra></extra>"),
        ],
        layout=go.Layout(
            title=FIGURE_TITLE, barmode="group", height=320, margin=dict(l=50, r=20, t=50, b=40),
            yaxis=dict(title="percent", range=[0, 100]), legend=dict(orientation="h", y=-0.2),
        ),
    )
    return fig


def progress_markdown(progress: CourseProgress, workspace: Path | None) -> str:
    """The next notebook as a link (relative to the workspace), the chart's numbers as a
    table, and each started episode's learning objectives in words, ticked when covered."""
    lines = []
    if workspace is None:
        lines += ["*No workspace found: progress is recorded in the workspace `dsu lab` builds "
                  "(open this page from there).*", ""]
    suggestion = progress.next_notebook()
    if suggestion is None:
        lines.append("**Every notebook is done.** Well done!")
    else:
        nb = suggestion.notebook
        lines.append(f"**Next:** [{nb.title}]({nb.relative_path.as_posix()}) — {suggestion.reason}.")
    lines += [
        "",
        "| Episode | Exercises passed | Exercises attempted | Assessment questions passed "
        "| Notebooks opened | Notebooks done | Objectives covered | Completion |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for ep in progress.in_learning_order():
        lines.append(
            f"| {ep.episode_id.upper()} · {ep.title} | {ep.exercises_passed} of {len(ep.exercises)} "
            f"| {ep.exercises_attempted} of {len(ep.exercises)} "
            f"| {ep.questions_passed} of {len(ep.questions)} "
            f"| {ep.notebooks_opened} of {len(ep.notebooks)} | {ep.notebooks_done} of {len(ep.notebooks)} "
            f"| {len(ep.objectives_covered)} of {len(ep.objectives)} | {ep.completion:.0%} |"
        )
    lines += ["", "*Exercises are the self-checks of the lesson notebooks; assessment questions count "
              "once their visible checks pass (the hidden tests run when the assessment is graded).*"]
    texts = progress.syllabus.objectives()
    for ep in progress.in_learning_order():
        if not ep.started:
            continue
        lines += ["", f"**{ep.episode_id.upper()}: what you can do so far** (✔ practised and "
                  "checked, ○ still ahead)", ""]
        for objective in ep.objectives:
            mark = "✔" if objective in ep.objectives_covered else "○"
            lines.append(f"- {mark} {texts[objective].text if objective in texts else objective}")
    return "\n".join(lines)


def search_box(root: Path | None = None):
    """A text box; pressing Enter lists matching sections as links below it."""
    import ipywidgets as widgets
    from IPython.display import Markdown, display

    index = build_index(root or default_root())
    box = widgets.Text(placeholder="Search the course, e.g. little's law", description="Search:",
                       continuous_update=False, layout=widgets.Layout(width="32em"))
    results = widgets.Output()

    def on_query(change) -> None:
        results.clear_output()
        query = change["new"].strip()
        if query:
            with results:
                display(Markdown(index.markdown(query, limit=8)))

    box.observe(on_query, names="value")
    panel = widgets.VBox([box, results])
    panel.add_class("dsu-search")
    return panel


def show(workspace: Path | None = None) -> None:
    """Display progress, the next notebook and the search box (in a notebook)."""
    from IPython.display import Markdown, display

    workspace = Path(workspace) if workspace is not None else find_workspace()
    progress = summarize(workspace)
    display(progress_figure(progress))
    display(Markdown(progress_markdown(progress, workspace)))
    display(search_box(workspace))
