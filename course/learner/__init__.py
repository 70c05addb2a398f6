"""The learner's side of the course: workspace, student versions, progress, start page, search, self-checks."""
