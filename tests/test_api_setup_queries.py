"""Every list of the set-up API reads in a fixed number of queries, however many rows it shows."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import Membership
from tests.api_support import client_for, fast_password_hashing, staff
from tests.hubs.factories import (
    HubFactory,
    NeedCategoryFactory,
    PostcodeCoverageFactory,
    ResponseCellFactory,
    SkillFactory,
    WardFactory,
)
from tests.partners.factories import CellPartnerFactory, HubOperatorFactory, MembershipFactory
from tests.volunteers.factories import AffiliationFactory, TimeOffFactory, VolunteerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]
__all__ = ["fast_password_hashing"]


def _area(cell: Any) -> None:
    ward = WardFactory()
    PostcodeCoverageFactory(area=ward, prefix=f"HX{ward.pk % 90 + 1}")
    cell.areas.add(ward)


def _category(cell: Any) -> None:
    NeedCategoryFactory().required_skills.set([SkillFactory()])


def _cell(cell: Any) -> None:
    MembershipFactory(
        user=Membership.objects.filter(cell=cell).first().user, cell=ResponseCellFactory(), role="cell_admin"
    )


def _hub(cell: Any) -> None:
    hub = HubFactory(cell=cell)
    hub.areas.set([WardFactory()])
    HubOperatorFactory(hub=hub, organisation=CellPartnerFactory(cell=cell).organisation)


def _organisation(cell: Any) -> None:
    organisation = CellPartnerFactory(cell=cell).organisation
    organisation.categories.set([NeedCategoryFactory()])
    organisation.areas.set([WardFactory()])


def _user(cell: Any) -> None:
    staff(cell, "coordinator")


def _volunteer(cell: Any) -> None:
    volunteer = VolunteerFactory(cell=cell, skills=[SkillFactory()])
    TimeOffFactory(volunteer=volunteer)
    AffiliationFactory(volunteer=volunteer, organisation=CellPartnerFactory(cell=cell).organisation)


LISTS: dict[str, Callable[[Any], None]] = {
    "areas": _area,
    "categories": _category,
    "skills": lambda cell: SkillFactory(),
    "cells": _cell,
    "hubs": _hub,
    "organisations": _organisation,
    "cell-partners": lambda cell: CellPartnerFactory(cell=cell),
    "users": _user,
    "memberships": _user,
    "volunteers": _volunteer,
}


@pytest.mark.parametrize("resource", list(LISTS))
def test_a_list_reads_in_the_same_number_of_queries_for_three_rows_or_nine(resource: str) -> None:
    cell = ResponseCellFactory()
    admin = staff(cell)
    api = client_for(admin)
    api.get(f"/api/v1/{resource}/")  # the caller's roles are read once and kept on the user
    counts = []
    for _round in range(2):
        for _ in range(3 if not counts else 6):
            LISTS[resource](cell)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/v1/{resource}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts
