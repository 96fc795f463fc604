"""A table-driven check that the database itself refuses rows that break a model's constraints.

Each app's ``tests/<app>/test_constraints.py`` lists one ``ConstraintCase`` per ``CheckConstraint`` and
``UniqueConstraint`` declared in its models' ``Meta``; ``tests/test_constraint_coverage.py`` fails when a
constraint has no case. Writes go through ``save()`` or a queryset ``update()``, never ``full_clean()``,
so it is the database, not Django's validation, that says no.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import IntegrityError, connection, models, transaction


@dataclass(frozen=True)
class ConstraintCase:
    """``valid`` builds and saves a row that satisfies every constraint; ``violate`` breaks exactly one,
    either as field values for a queryset ``update()`` of that row or as a function of the row that
    writes (for a unique constraint, saves a second row clashing with it)."""

    name: str
    valid: Callable[[], models.Model]
    violate: Mapping[str, Any] | Callable[[Any], object]

    def __str__(self) -> str:
        return self.name


def case_ids(cases: list[ConstraintCase]) -> list[str]:
    return [case.name for case in cases]


def _is_unique(model: type[models.Model], name: str) -> bool:
    return any(isinstance(c, models.UniqueConstraint) and c.name == name for c in model._meta.constraints)


def check_constraint_case(case: ConstraintCase) -> None:
    row = case.valid()
    model = type(row)
    assert model.objects.filter(pk=row.pk).exists(), "the valid row was not saved"
    assert case.name in {c.name for c in model._meta.constraints}, f"{model.__name__} has no constraint {case.name}"

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        if callable(case.violate):
            case.violate(row)
        else:
            model.objects.filter(pk=row.pk).update(**case.violate)

    # PostgreSQL names the constraint (or the unique index) it enforced; SQLite names CHECK constraints but
    # reports a unique index by its columns. Either way, the right invariant must be the one that refused.
    if connection.vendor == "postgresql" or not _is_unique(model, case.name):
        assert case.name in str(caught.value), f"refused by another constraint: {caught.value}"

    # The refused write changed nothing: the valid row is still there and still saves.
    row.refresh_from_db()
    row.save()
