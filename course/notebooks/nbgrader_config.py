# nbgrader configuration of the DSU course (copied into every course root by
# course.notebooks.nbgrader_course.prepare, which appends the root and the gradebook URL).
c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "dsu"
# Generated student versions must not carry the solutions' outputs or widget state.
c.ClearOutput.enabled = True
# Per-cell time limit while autograding: a runaway loop costs one question, not the batch.
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# Hidden tests and solutions use nbgrader's default delimiters.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Student versions: a top-level answer becomes `name = ...` instead of a `raise` that stops Run All
# (course/notebooks/release_stubs.py); function bodies keep nbgrader's `raise NotImplementedError()`.
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter", "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells", "course.notebooks.release_stubs.ClearSolutionsRunAll",
    "nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums", "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests", "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums", "nbgrader.preprocessors.CheckCellMetadata",
]
