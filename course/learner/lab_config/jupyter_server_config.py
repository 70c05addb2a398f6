# Jupyter Server settings of the learner's JupyterLab (`dsu lab` puts this folder on JUPYTER_CONFIG_PATH).
c = get_config()  # noqa: F821 - provided by traitlets when Jupyter Server loads this file

# The course installs no language servers: without this, jupyter-lsp probes for 19 of them at
# every start and prints the list of those it did not find.
c.LanguageServerManager.autodetect = False
