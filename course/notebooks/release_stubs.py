"""Student versions that Run All can go through: answer stubs that do not stop the notebook.

nbgrader replaces every solution region with one code stub, ``raise NotImplementedError()``.
Inside a function body that is right: calling the unanswered function raises, and
:func:`course.learner.selfcheck.check` says "not answered yet". At the top level of a cell it stops
*Run All* on a raw traceback at the first unanswered numeric question. This ClearSolutions
keeps nbgrader's stub inside functions and writes, for a region at the top level, one line per
variable the solution assigns: ``name = ...  # YOUR ANSWER HERE`` (the visible checks treat
``...`` as "not answered yet").

>>> top_level_names("x = 1\\na, b = 2, 3\\nimport math\\n")
['x', 'a', 'b']
"""

from __future__ import annotations

import ast
import re

from nbgrader.preprocessors import ClearSolutions


def top_level_names(code: str) -> list[str]:
    """Names a piece of top-level code assigns (in order, once each); [] if it does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id not in names:
                    names.append(name.id)
    return names


class ClearSolutionsRunAll(ClearSolutions):
    """nbgrader's ClearSolutions, with top-level regions stubbed as ``name = ...`` lines."""

    def _replace_solution_region(self, cell, language: str) -> bool:
        if cell.cell_type != "code":
            return super()._replace_solution_region(cell, language)
        begin, end = re.escape(self.begin_solution_delimeter), re.escape(self.end_solution_delimeter)
        regions = re.findall(rf"^(?=\S)[^\n]*{begin}[^\n]*\n(.*?)^[^\n]*{end}", cell.source, flags=re.S | re.M)
        # only regions whose BEGIN line starts at column 0 match the pattern above
        replaced = super()._replace_solution_region(cell, language)
        stub = self.code_stub[language]
        for body in regions:
            names = top_level_names(body)
            lines = "\n".join(f"{name} = ...  # YOUR ANSWER HERE (replace ...)" for name in names) or "# YOUR CODE HERE"
            at = cell.source.find(stub)
            while at > 0 and cell.source[at - 1] != "\n":  # an indented stub belongs to a function
                at = cell.source.find(stub, at + 1)
            if at >= 0:
                cell.source = cell.source[:at] + lines + cell.source[at + len(stub):]
        return replaced
