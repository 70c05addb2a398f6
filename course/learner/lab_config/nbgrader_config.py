# nbgrader settings of the learner's JupyterLab (`dsu lab` puts this folder on JUPYTER_CONFIG_PATH).
# nbgrader's lab extensions look for an nbgrader_config.py and warn twice per start without one;
# a learner's workspace is not a course root, so this only names the course.
c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "dsu"
