# First, before anything imports rest_framework.test: see config/requests_shadow.py.
import config.requests_shadow  # noqa: F401

# The Celery app is imported here so that @shared_task binds to it whenever Django starts.
from config.celery import app as celery_app

__all__ = ("celery_app",)
