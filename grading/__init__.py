"""Grading for the DSU course: nbgrader course folders, autograding, certification.

Everything runs nbgrader's own commands and gradebook underneath, so formgrader in
JupyterLab keeps working for manual grading and feedback.
"""
