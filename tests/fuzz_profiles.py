"""Hypothesis settings of the fuzz suite: a short run for CI, a long one on demand.

The default run (every ``pytest``) draws a few dozen examples per fuzz test (the
mutations, a quarter of that per shipped spec), so the whole fuzz file stays well
under 30 s on a busy 2-core machine. The long run draws thousands::

    ARCHCOST_FUZZ=long pytest tests/test_fuzz.py          # 5,000 examples per test
    ARCHCOST_FUZZ=20000 pytest tests/test_fuzz.py         # any number of examples

Deadlines are off (a loaded machine is not a bug); a failing example is printed
with its reproduction blob. The profiles are registered here, not in
``conftest.py``, so no other test's Hypothesis settings change.

>>> FUZZ.max_examples >= 30 and FUZZ.deadline is None
True
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])
settings.register_profile("archcost-fuzz-ci", max_examples=40, **_COMMON)
settings.register_profile("archcost-fuzz-long", max_examples=5000, **_COMMON)


def _profile() -> settings:
    wanted = os.environ.get("ARCHCOST_FUZZ", "ci").strip().lower()
    if wanted.isdigit():
        return settings(settings.get_profile("archcost-fuzz-ci"), max_examples=int(wanted))
    return settings.get_profile(f"archcost-fuzz-{'long' if wanted == 'long' else 'ci'}")


FUZZ = _profile()
