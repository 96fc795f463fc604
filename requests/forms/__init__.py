"""Forms of the pages that work on requests: one module per audience, like ``requests.urls`` and ``requests.views``."""
