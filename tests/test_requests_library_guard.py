"""The Django app ``requests`` shadows the PyPI library of the same name in every process of the project,
so nothing installed here may need that library. See docs/decisions/0001-requests-app-name.md."""

import importlib.metadata
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _requirers_of_requests() -> list[str]:
    """Every installed distribution that needs PyPI ``requests`` without an extra being asked for."""
    found = []
    for dist in importlib.metadata.distributions():
        for line in dist.requires or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:  # pragma: no cover - a broken METADATA is not our question
                continue
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(requirement.name) == "requests":
                found.append(f"{dist.metadata['Name']} requires {line}")
    return found


def test_import_requests_is_this_projects_app() -> None:
    import requests

    assert requests.__file__ is not None
    assert Path(requests.__file__).resolve().is_relative_to(PROJECT_ROOT)
    # Django has loaded the app's models, so the package carries them; the library has a `models` module
    # too, so the model class is what tells them apart.
    assert hasattr(requests, "models")
    assert hasattr(requests.models, "SupportRequest")
    assert requests.models.SupportRequest._meta.app_label == "requests"


def test_no_installed_distribution_requires_the_pypi_requests_library() -> None:
    offenders = _requirers_of_requests()
    assert not offenders, (
        "PyPI requests cannot be used in this project's processes (the app shadows it); "
        f"use httpx, or move the tool to its own virtual environment: {offenders}"
    )


def test_the_pypi_requests_library_is_not_installed() -> None:
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("requests")


def test_the_guard_sees_a_requirement_that_is_not_behind_an_extra() -> None:
    # Guards the guard: the marker rule skips optional extras but not platform-wide requirements.
    assert Requirement('requests; extra == "dev"').marker.evaluate({"extra": ""}) is False  # type: ignore[union-attr]
    assert Requirement('requests>=2; python_version >= "3"').marker.evaluate({"extra": ""}) is True  # type: ignore[union-attr]
