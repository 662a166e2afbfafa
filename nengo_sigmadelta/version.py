"""Version of nengo_sigmadelta.

nengo_sigmadelta ships in the same distribution as nengo_truenorth (``setup.cfg`` takes
the distribution's version from ``nengo_truenorth.version``), so the two versions are
equal; ``tests/sigmadelta/test_sigmadelta_package.py`` checks it. It is written here
rather than imported so that ``import nengo_sigmadelta`` loads nothing of
nengo_truenorth.
"""

version = "0.1.0.dev0"
