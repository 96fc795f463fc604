"""Every CheckConstraint and UniqueConstraint of the four apps has a database test; a new one without a
case in ``tests/<app>/test_constraints.py`` fails here."""

from collections import Counter

import pytest
from django.apps import apps

from tests.hubs.test_constraints import CASES as HUBS_CASES
from tests.partners.test_constraints import CASES as PARTNERS_CASES
from tests.requests.test_constraints import CASES as REQUESTS_CASES
from tests.volunteers.test_constraints import CASES as VOLUNTEERS_CASES

APP_CASES = {
    "hubs": HUBS_CASES,
    "partners": PARTNERS_CASES,
    "volunteers": VOLUNTEERS_CASES,
    "requests": REQUESTS_CASES,
}


def _declared(app_label: str) -> set[str]:
    return {
        constraint.name
        for model in apps.get_app_config(app_label).get_models()
        for constraint in model._meta.constraints
    }


@pytest.mark.parametrize("app_label", list(APP_CASES))
def test_every_constraint_has_a_database_test(app_label: str) -> None:
    tested = {case.name for case in APP_CASES[app_label]}
    untested = sorted(_declared(app_label) - tested)
    assert not untested, f"add a case to tests/{app_label}/test_constraints.py for: {', '.join(untested)}"


@pytest.mark.parametrize("app_label", list(APP_CASES))
def test_no_case_names_a_constraint_that_is_gone(app_label: str) -> None:
    stale = sorted({case.name for case in APP_CASES[app_label]} - _declared(app_label))
    assert not stale, f"tests/{app_label}/test_constraints.py tests constraints that no model declares: {stale}"


def test_each_constraint_is_tested_once() -> None:
    counts = Counter(case.name for cases in APP_CASES.values() for case in cases)
    assert [name for name, count in counts.items() if count > 1] == []


def test_the_apps_declare_constraints_at_all() -> None:
    # Guards the guard: if model discovery broke, the checks above would pass on empty sets.
    assert all(_declared(app_label) for app_label in APP_CASES)
