"""Deleting a row only when nothing depends on it.

A delete that would cascade into other records, empty a reference (``SET_NULL``), drop a many-to-many
link or hit ``PROTECT`` loses something someone relied on. Services call ``delete_unless_used``, which
reads every relation pointing at the row, including the hidden ones (``related_name="+"``), through
the model's metadata, so an app low in the dependency order never needs to import the apps above it
to know who uses its rows.
"""

from collections.abc import Collection
from typing import Any

from django.db import models
from django.db.models import ForeignObjectRel
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from config.errors import Conflict


def dependents(instance: models.Model, *, own: Collection[str] = ()) -> list[tuple[str, int]]:
    """The kinds of row that point at ``instance`` and how many of each, as (name, count).

    ``own`` names reverse relations whose rows are part of the instance itself (a hub's operator, an
    area's postcode coverage) and go with it. The instance's own many-to-many links (a hub's areas) are
    its data, not dependents, and are not counted."""
    found: list[tuple[str, int]] = []
    for relation in instance._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ForeignObjectRel):
            continue  # the instance's own fields; only relations pointing at it matter
        related: Any = relation.related_model
        if related._meta.auto_created:
            continue  # the rows of an automatic many-to-many table: counted through the relation itself
        through: Any = getattr(relation, "through", None)
        if through is not None and not through._meta.auto_created:
            continue  # a many-to-many through a model of its own: counted through that model's foreign key
        if relation.name in own or relation.get_accessor_name() in own:
            continue
        count = related._base_manager.filter(**{relation.field.name: instance}).count()
        if count:
            meta = related._meta
            found.append((str(meta.verbose_name if count == 1 else meta.verbose_name_plural), count))
    return found


def delete_unless_used(instance: models.Model, *, own: Collection[str] = ()) -> None:
    """Delete ``instance``, or raise Conflict naming what still uses it."""
    uses = dependents(instance, own=own)
    if uses:
        listed = get_text_list([f"{count} {name}" for name, count in uses], _("and"))
        raise Conflict(
            _("%(entry)s cannot be deleted: it is used by %(uses)s.") % {"entry": instance, "uses": listed},
            code="in_use",
        )
    try:
        instance.delete()
    except (ProtectedError, RestrictedError) as exc:  # a dependent added meanwhile
        raise Conflict(
            _("%(entry)s cannot be deleted: other records use it.") % {"entry": instance}, code="in_use"
        ) from exc
