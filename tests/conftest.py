"""Test settings shared by the core and the TensorFlow test runs."""

import os

from hypothesis import settings

# CI (`.ci/run`) draws the same hypothesis examples every run, so a red CI always
# means a change, not a new draw; run with HYPOTHESIS_PROFILE=explore (or without
# the variable) to search new examples, and pin what they find with @example.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
