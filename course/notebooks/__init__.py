"""Course notebooks as files: headings, links, the stored format, nbgrader course folders and release stubs."""
