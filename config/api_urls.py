"""The public REST API under /api/v1/, its OpenAPI schema and its offline docs.

Each app declares its endpoints in ``<app>/api.py`` with a ``register(router)`` function; one router
serves them all so that the schema lists every operation under one prefix.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from config.middleware import csp_replace
from hubs import api as hubs_api
from partners import api as partners_api
from partners.auth_api import TokenView
from requests import api as requests_api
from volunteers import api as volunteers_api

router = DefaultRouter()
hubs_api.register(router)
partners_api.register(router)
volunteers_api.register(router)
requests_api.register(router)

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="api-auth-token"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, which the Content Security Policy allows.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Redoc draws with styled-components, which inject <style> elements: on this page of public documentation
    # only (no personal data), inline styles are allowed, and its search runs in a worker it builds from
    # its own script (blob:); scripts stay 'self' only.
    path(
        "redoc/",
        csp_replace({"style-src": ["'self'", "'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema")
        ),
        name="api-redoc",
    ),
]
