import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from hubs.models import ResponseCell
from tests.constraint_cases import ConstraintCase, case_ids, check_constraint_case
from tests.hubs.factories import (
    HubFactory,
    LocalAuthorityFactory,
    NeedCategoryFactory,
    PostcodeCoverageFactory,
    ResponseCellFactory,
    WardFactory,
)

pytestmark = pytest.mark.django_db


CASES = [
    # Area
    ConstraintCase("area_only_local_authority_is_top_level", WardFactory, {"parent": None}),
    ConstraintCase("area_kind_valid", WardFactory, {"kind": "county"}),
    ConstraintCase("area_centroid_in_uk", WardFactory, {"latitude": 48.0}),
    ConstraintCase("area_not_own_parent", WardFactory, {"parent": F("pk")}),
    # PostcodeCoverage
    ConstraintCase("postcode_coverage_prefix_upper", PostcodeCoverageFactory, {"prefix": "hx1 1"}),
    # NeedCategory
    ConstraintCase("need_category_default_level_1_to_4", NeedCategoryFactory, {"default_level": 5}),
    ConstraintCase("need_category_dbs_level_valid", NeedCategoryFactory, {"required_dbs_level": 4}),
    # ResponseCell
    ConstraintCase("cell_coordination_model_1_to_3", ResponseCellFactory, {"coordination_model": 4}),
    ConstraintCase("cell_offer_expiry_positive", ResponseCellFactory, {"offer_expiry_today_minutes": 0}),
    ConstraintCase(
        "cell_offer_expiry_shorter_when_urgent",
        ResponseCellFactory,
        {"offer_expiry_today_minutes": 200, "offer_expiry_48h_minutes": 120},
    ),
    ConstraintCase("cell_declines_before_escalation_positive", ResponseCellFactory, {"declines_before_escalation": 0}),
    ConstraintCase("cell_retention_at_least_30_days", ResponseCellFactory, {"retention_days": 29}),
    ConstraintCase("cell_search_radius_1_to_50_km", ResponseCellFactory, {"search_radius_km": 51}),
    ConstraintCase("cell_level2_dbs_valid", ResponseCellFactory, {"level2_min_dbs_level": 4}),
    ConstraintCase("cell_weights_between_0_and_10", ResponseCellFactory, {"weight_fairness": 10.5}),
    # Hub
    ConstraintCase(
        "hub_name_unique_in_cell", HubFactory, lambda hub: HubFactory(cell=hub.cell, name=hub.name, kind="distribution")
    ),
    ConstraintCase("hub_kind_valid", HubFactory, {"kind": "warehouse"}),
    ConstraintCase("hub_location_both_or_neither", HubFactory, {"latitude": 53.72}),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_database_refuses_a_row_breaking(case: ConstraintCase) -> None:
    check_constraint_case(case)


def test_a_local_authority_is_a_valid_top_level_area() -> None:
    # The other side of area_only_local_authority_is_top_level: the factories' rows are the valid shapes.
    authority = LocalAuthorityFactory()
    assert WardFactory(parent=authority).parent == authority


@pytest.mark.parametrize("weight", ["weight_continuity", "weight_proximity", "weight_urgency"])
def test_cell_weights_refuse_a_negative_weight(weight: str) -> None:
    cell = ResponseCellFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseCell.objects.filter(pk=cell.pk).update(**{weight: -0.5})
