"""The ``requests`` app shadows the PyPI ``requests`` library (docs/decisions/0001-requests-app-name.md).

``rest_framework.compat`` does ``import requests``, finds the app, and ``rest_framework.test`` (which
drf-spectacular imports in every process that serves the schema) then fails on ``requests.packages``.
Telling DRF the library is absent, before anything imports ``rest_framework.test``, fixes that.
"""

import rest_framework.compat

rest_framework.compat.requests = None  # type: ignore[assignment]
