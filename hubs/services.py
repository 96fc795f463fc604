"""Writes on geography, the shared vocabulary, response cells and hubs.

Areas (with the postcodes they cover), need categories and skills are shared by every cell of a
deployment. Any cell administrator may add one. Changing one is refused while another cell uses it
(``hubs.usage``), unless the actor administers the deployment; ``actor_cells`` is the set of cells the
actor administers, or None for a deployment administrator. Deleting any row is refused while anything
depends on it (``config.deletion``), whoever asks.
"""

import itertools
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from config.deletion import delete_unless_used
from config.errors import Conflict, DomainError
from hubs.languages import is_language_code
from hubs.models import Area, CoordinationModel, Hub, LevelOfNeed, NeedCategory, PostcodeCoverage, ResponseCell, Skill
from hubs.postcodes import centroid_of, normalise_postcode_prefix
from hubs.selectors import ResolvedPostcode, area_ids_within, postcode_resolve
from hubs.usage import cells_using

ActorCells = frozenset[int] | None

# The bounds the database holds for an area's centre (area_centroid_in_uk).
LATITUDE_RANGE = (49.0, 61.5)
LONGITUDE_RANGE = (-8.7, 2.0)
_KIND_RANK = {Area.Kind.LOCAL_AUTHORITY: 0, Area.Kind.LOCALITY: 1, Area.Kind.WARD: 2}


def _require_text(value: str | None, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _refuse_unknown(fields: dict[str, Any], allowed: Iterable[str]) -> None:
    """A field a caller may not set is a programming error, like an unexpected keyword argument."""
    refused = sorted(set(fields) - set(allowed))
    if refused:
        raise TypeError(f"These fields cannot be set here: {', '.join(refused)}")


def _refuse_if_shared(entry: models.Model, model: type[models.Model], actor_cells: ActorCells) -> None:
    if actor_cells is None:
        return
    if cells_using(model, [entry.pk]) - actor_cells:
        raise Conflict(
            _("%(entry)s is used by another response cell, so only a deployment administrator may change it.")
            % {"entry": entry},
            code="shared",
        )


def _check_unique(
    model: type[models.Model], *, field: str, value: str, instance: models.Model | None, message: str
) -> None:
    """Names the field before the database refuses a duplicate; compared without regard to case."""
    clash = model._default_manager.filter(**{f"{field}__iexact": value})
    if instance is not None and instance.pk is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise DomainError(message % {"value": value}, field=field)


def _slug_for(slug: str | None, name: str, *, max_length: int = 50) -> str:
    slug = slugify(slug or name)[:max_length].strip("-")
    if not slug:
        raise DomainError(_("Enter a slug of letters, numbers and hyphens."), field="slug")
    return slug


def locate_by_postcode(record: Any, raw: str | None, *, field: str = "postcode") -> ResolvedPostcode | None:
    """Set a record's ``postcode``, ``latitude`` and ``longitude`` from a postcode: normalised and looked
    up offline; blank clears them; malformed input raises InvalidPostcode naming ``field``; a well-formed
    but unknown postcode is kept without a location."""
    if not (raw or "").strip():
        record.postcode, record.latitude, record.longitude = "", None, None
        return None
    resolved = postcode_resolve(raw or "", field=field)
    record.postcode, record.latitude, record.longitude = resolved.postcode, resolved.latitude, resolved.longitude
    return resolved


# Areas -------------------------------------------------------------------------------------------------

_AREA_FIELDS = ("name", "code", "kind", "parent", "latitude", "longitude", "postcode_coverage")


@transaction.atomic
def area_create(
    *,
    name: str,
    code: str,
    kind: str,
    parent: Area | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    postcode_coverage: Iterable[str] = (),
) -> Area:
    """Add an area. Its centre is the latitude and longitude given or, without them, the mean position of
    the known postcodes it covers."""
    area = Area()
    prefixes = _apply_area(
        area,
        {
            "name": name,
            "code": code,
            "kind": kind,
            "parent": parent,
            "latitude": latitude,
            "longitude": longitude,
            "postcode_coverage": postcode_coverage,
        },
    )
    area.save()
    _set_coverage(area, prefixes or [])
    return area


@transaction.atomic
def area_update(*, area: Area, actor_cells: ActorCells, **fields: Any) -> Area:
    """Change an area (``fields`` among name, code, kind, parent, latitude, longitude, postcode_coverage).
    A new coverage replaces the old one; the centre changes only when given."""
    _refuse_unknown(fields, _AREA_FIELDS)
    _refuse_if_shared(area, Area, actor_cells)
    prefixes = _apply_area(area, fields)
    area.save()
    if prefixes is not None:
        _set_coverage(area, prefixes)
    return area


def area_delete(*, area: Area) -> None:
    """Delete an area nothing uses (its postcode coverage goes with it)."""
    delete_unless_used(area, own={"postcode_coverage"})


def _apply_area(area: Area, fields: dict[str, Any]) -> list[str] | None:
    """Validate and set the fields given; returns the cleaned coverage when one was given."""
    if "name" in fields:
        area.name = _require_text(fields["name"], field="name", message=_("Enter the area's name."))
    if "code" in fields:
        area.code = _require_text(fields["code"], field="code", message=_("Enter the area's code.")).upper()
        _check_unique(
            Area, field="code", value=area.code, instance=area, message=_("Another area has the code %(value)s.")
        )
    if "kind" in fields:
        if fields["kind"] not in Area.Kind.values:
            raise DomainError(_("Choose a local authority, a locality or a ward."), field="kind")
        area.kind = fields["kind"]
    if "parent" in fields:
        area.parent = fields["parent"]
    _check_hierarchy(area)
    prefixes = None
    if "postcode_coverage" in fields:
        prefixes = _clean_prefixes(fields["postcode_coverage"], area=area)
    if "latitude" in fields or "longitude" in fields or area.pk is None:
        latitude = fields.get("latitude", area.latitude if area.pk else None)
        longitude = fields.get("longitude", area.longitude if area.pk else None)
        area.latitude, area.longitude = _centre(latitude, longitude, prefixes or [])
    area.full_clean(validate_unique=False, validate_constraints=False)
    return prefixes


def _check_hierarchy(area: Area) -> None:
    parent = area.parent
    if area.kind == Area.Kind.LOCAL_AUTHORITY:
        if parent is not None:
            raise DomainError(_("A local authority stands at the top: it lies within no other area."), field="parent")
    elif parent is None:
        raise DomainError(_("Choose the area this one lies within."), field="parent")
    elif _KIND_RANK[Area.Kind(parent.kind)] >= _KIND_RANK[Area.Kind(area.kind)]:
        raise DomainError(
            _("A ward lies within a locality or a local authority, and a locality within a local authority."),
            field="parent",
        )
    if area.pk is None:
        return
    if parent is not None and parent.pk in area_ids_within([area.pk]):
        raise DomainError(_("An area cannot lie within itself or within an area inside it."), field="parent")
    child_kinds = set(Area.objects.filter(parent=area).values_list("kind", flat=True))
    if any(_KIND_RANK[Area.Kind(kind)] <= _KIND_RANK[Area.Kind(area.kind)] for kind in child_kinds):
        raise DomainError(_("Areas within this one would no longer fit under it as this kind."), field="kind")


def _clean_prefixes(raw: Iterable[str], *, area: Area) -> list[str]:
    prefixes = list(dict.fromkeys(normalise_postcode_prefix(prefix) for prefix in raw))
    taken = PostcodeCoverage.objects.filter(prefix__in=prefixes).select_related("area")
    if area.pk is not None:
        taken = taken.exclude(area=area)
    clash = taken.first()
    if clash is not None:
        raise DomainError(
            _("%(prefix)s is already covered by %(area)s.") % {"prefix": clash.prefix, "area": clash.area},
            field="postcode_coverage",
        )
    return prefixes


def _centre(latitude: float | None, longitude: float | None, prefixes: list[str]) -> tuple[float, float]:
    if latitude is None and longitude is None:
        centre = centroid_of(prefixes)
        if centre is None:
            raise DomainError(
                _("Give the area's centre (latitude and longitude), or postcodes it covers that are known."),
                field="latitude",
            )
        return centre
    if latitude is None or longitude is None:
        raise DomainError(
            _("Give both latitude and longitude, or neither."), field="longitude" if longitude is None else "latitude"
        )
    if not LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]:
        raise DomainError(_("The latitude must be in the United Kingdom, between 49 and 61.5."), field="latitude")
    if not LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]:
        raise DomainError(_("The longitude must be in the United Kingdom, between -8.7 and 2."), field="longitude")
    return latitude, longitude


def _set_coverage(area: Area, prefixes: list[str]) -> None:
    PostcodeCoverage.objects.filter(area=area).exclude(prefix__in=prefixes).delete()
    existing = set(PostcodeCoverage.objects.filter(area=area).values_list("prefix", flat=True))
    PostcodeCoverage.objects.bulk_create(
        [PostcodeCoverage(area=area, prefix=prefix) for prefix in prefixes if prefix not in existing]
    )


# Skills and need categories ----------------------------------------------------------------------------

_SKILL_FIELDS = ("name", "slug", "description")
_CATEGORY_FIELDS = (
    "name",
    "slug",
    "description",
    "required_skills",
    "required_dbs_level",
    "requires_safeguarding_training",
    "default_level",
    "sort_order",
)


def _apply_named(entry: Skill | NeedCategory, fields: dict[str, Any]) -> None:
    """Name, slug and description, shared by skills and categories. A slug left out follows the name."""
    model = type(entry)
    if "name" in fields:
        entry.name = _require_text(fields["name"], field="name", message=_("Enter a name."))
        _check_unique(model, field="name", value=entry.name, instance=entry, message=_("“%(value)s” exists already."))
    if "slug" in fields or entry.pk is None:
        entry.slug = _slug_for(fields.get("slug"), entry.name)
        _check_unique(model, field="slug", value=entry.slug, instance=entry, message=_("The slug %(value)s is taken."))
    if "description" in fields:
        entry.description = (fields["description"] or "").strip()
    entry.full_clean(validate_unique=False, validate_constraints=False)


@transaction.atomic
def skill_create(*, name: str, slug: str = "", description: str = "") -> Skill:
    skill = Skill()
    _apply_named(skill, {"name": name, "slug": slug, "description": description})
    skill.save()
    return skill


@transaction.atomic
def skill_update(*, skill: Skill, actor_cells: ActorCells, **fields: Any) -> Skill:
    _refuse_unknown(fields, _SKILL_FIELDS)
    _refuse_if_shared(skill, Skill, actor_cells)
    _apply_named(skill, fields)
    skill.save()
    return skill


def skill_delete(*, skill: Skill) -> None:
    delete_unless_used(skill)


@transaction.atomic
def category_create(
    *,
    name: str,
    slug: str = "",
    description: str = "",
    required_skills: Iterable[Skill] = (),
    required_dbs_level: int = 0,
    requires_safeguarding_training: bool = False,
    default_level: int = LevelOfNeed.STREET,
    sort_order: int = 100,
) -> NeedCategory:
    category = NeedCategory()
    _apply_category(
        category,
        {
            "name": name,
            "slug": slug,
            "description": description,
            "required_dbs_level": required_dbs_level,
            "requires_safeguarding_training": requires_safeguarding_training,
            "default_level": default_level,
            "sort_order": sort_order,
        },
    )
    category.save()
    category.required_skills.set(list(required_skills))
    return category


@transaction.atomic
def category_update(*, category: NeedCategory, actor_cells: ActorCells, **fields: Any) -> NeedCategory:
    _refuse_unknown(fields, _CATEGORY_FIELDS)
    _refuse_if_shared(category, NeedCategory, actor_cells)
    skills = fields.pop("required_skills", None)
    _apply_category(category, fields)
    category.save()
    if skills is not None:
        category.required_skills.set(list(skills))
    return category


def category_delete(*, category: NeedCategory) -> None:
    delete_unless_used(category)


def _apply_category(category: NeedCategory, fields: dict[str, Any]) -> None:
    if "default_level" in fields and fields["default_level"] not in LevelOfNeed.values:
        raise DomainError(_("Choose a level of need from 1 to 4."), field="default_level")
    if "required_dbs_level" in fields and not 0 <= fields["required_dbs_level"] <= 3:
        raise DomainError(_("Choose a DBS level: none, basic, standard or enhanced."), field="required_dbs_level")
    for name in ("required_dbs_level", "requires_safeguarding_training", "default_level", "sort_order"):
        if name in fields:
            setattr(category, name, fields[name])
    _apply_named(category, fields)


# Response cells ----------------------------------------------------------------------------------------

EXPIRY_FIELDS = (
    "offer_expiry_today_minutes",
    "offer_expiry_48h_minutes",
    "offer_expiry_week_minutes",
    "offer_expiry_routine_minutes",
)
POLICY_FIELDS = (
    "auto_offer",
    *EXPIRY_FIELDS,
    "declines_before_escalation",
    "search_radius_km",
    "retention_days",
    "level2_min_dbs_level",
    "level2_requires_id_verified",
    *ResponseCell.WEIGHT_FIELDS,
)
_CELL_FIELDS = ("name", "slug", "coordination_model", "is_active", *POLICY_FIELDS)


@transaction.atomic
def cell_create(
    *, name: str, coordination_model: int, slug: str = "", areas: Iterable[Area] = (), **fields: Any
) -> ResponseCell:
    """Open a response cell (a deployment administrator's act). ``fields`` are its policy and weights."""
    _refuse_unknown(fields, _CELL_FIELDS)
    cell = ResponseCell()
    _apply_cell(cell, {"name": name, "slug": slug, "coordination_model": coordination_model, **fields})
    cell.save()
    cell.areas.set(list(areas))
    return cell


@transaction.atomic
def cell_update(*, cell: ResponseCell, areas: Iterable[Area] | None = None, **fields: Any) -> ResponseCell:
    """Change a cell's name, coordination model, areas, policy or weights."""
    _refuse_unknown(fields, _CELL_FIELDS)
    _apply_cell(cell, fields)
    cell.save()
    if areas is not None:
        cell.areas.set(list(areas))
    return cell


def _apply_cell(cell: ResponseCell, fields: dict[str, Any]) -> None:
    if "name" in fields:
        cell.name = _require_text(fields["name"], field="name", message=_("Enter the cell's name."))
        _check_unique(
            ResponseCell, field="name", value=cell.name, instance=cell, message=_("A cell called %(value)s exists.")
        )
    if "slug" in fields or cell.pk is None:
        cell.slug = _slug_for(fields.get("slug") or cell.slug, cell.name, max_length=60)
        _check_unique(
            ResponseCell, field="slug", value=cell.slug, instance=cell, message=_("The slug %(value)s is taken.")
        )
    if "coordination_model" in fields:
        if fields["coordination_model"] not in CoordinationModel.values:
            raise DomainError(_("Choose coordination model 1, 2 or 3."), field="coordination_model")
        cell.coordination_model = fields["coordination_model"]
    for name in ("is_active", *POLICY_FIELDS):
        if name in fields:
            setattr(cell, name, fields[name])
    for name in EXPIRY_FIELDS:
        if getattr(cell, name) < 1:
            raise DomainError(_("An offer must stay open for at least a minute."), field=name)
    for shorter, longer in itertools.pairwise(EXPIRY_FIELDS):
        if getattr(cell, shorter) > getattr(cell, longer):
            field = shorter if shorter in fields else longer
            raise DomainError(
                _("An offer for a more urgent need must not stay open longer than one for a less urgent need."),
                field=field,
            )
    if cell.declines_before_escalation < 1:
        raise DomainError(_("Escalate after one decline at the earliest."), field="declines_before_escalation")
    if not 0 <= cell.level2_min_dbs_level <= 3:
        raise DomainError(_("Choose a DBS level: none, basic, standard or enhanced."), field="level2_min_dbs_level")
    cell.full_clean(validate_unique=False, validate_constraints=False)


# Hubs --------------------------------------------------------------------------------------------------

_HUB_FIELDS = ("name", "kind", "address", "postcode", "phone", "opening_hours", "is_active")


@transaction.atomic
def hub_create(*, cell: ResponseCell, name: str, areas: Iterable[Area] = (), **fields: Any) -> Hub:
    """Open a hub in a cell. Its location is looked up from its postcode; the areas it covers must lie
    within the cell's areas (when the cell has any)."""
    _refuse_unknown(fields, _HUB_FIELDS)
    hub = Hub(cell=cell)
    _apply_hub(hub, {"name": name, **fields})
    hub.save()
    hub.areas.set(_areas_within_cell(cell, areas))
    return hub


@transaction.atomic
def hub_update(*, hub: Hub, areas: Iterable[Area] | None = None, **fields: Any) -> Hub:
    _refuse_unknown(fields, _HUB_FIELDS)
    _apply_hub(hub, fields)
    hub.save()
    if areas is not None:
        hub.areas.set(_areas_within_cell(hub.cell, areas))
    return hub


def hub_delete(*, hub: Hub) -> None:
    """Close a hub nobody depends on (which organisation ran it goes with it)."""
    delete_unless_used(hub, own={"operator"})


def _apply_hub(hub: Hub, fields: dict[str, Any]) -> None:
    if "name" in fields:
        hub.name = _require_text(fields["name"], field="name", message=_("Enter the hub's name."))
        if Hub.objects.filter(cell_id=hub.cell_id, name__iexact=hub.name).exclude(pk=hub.pk).exists():
            raise DomainError(_("The cell has a hub called %(name)s already.") % {"name": hub.name}, field="name")
    if "kind" in fields:
        if fields["kind"] not in Hub.Kind.values:
            raise DomainError(_("Choose what kind of hub this is."), field="kind")
        hub.kind = fields["kind"]
    for name in ("address", "phone", "opening_hours"):
        if name in fields:
            setattr(hub, name, (fields[name] or "").strip())
    if "is_active" in fields:
        hub.is_active = bool(fields["is_active"])
    if "postcode" in fields:
        locate_by_postcode(hub, fields["postcode"])
    hub.full_clean(exclude=["cell"], validate_unique=False, validate_constraints=False)


def _areas_within_cell(cell: ResponseCell, areas: Iterable[Area]) -> list[Area]:
    areas = list(areas)
    cell_areas = list(cell.areas.values_list("pk", flat=True))
    if cell_areas:
        allowed = area_ids_within(cell_areas)
        outside = [area for area in areas if area.pk not in allowed]
        if outside:
            raise DomainError(
                _("%(area)s lies outside the areas of %(cell)s.") % {"area": outside[0], "cell": cell}, field="areas"
            )
    return areas


# Languages ---------------------------------------------------------------------------------------------


def clean_languages(raw: Iterable[str], *, field: str = "languages") -> list[str]:
    """ISO 639-1 codes ("pl", "ur"), lower-case, each once, in the order given."""
    codes = [str(code).strip().lower() for code in raw]
    for code in codes:
        if not is_language_code(code):
            raise DomainError(
                _("“%(code)s” is not a language code: use ISO 639-1 codes like pl or ur.") % {"code": code},
                field=field,
            )
    return list(dict.fromkeys(codes))
