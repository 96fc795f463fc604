"""Forms rendered in GOV.UK Design System markup through Django's own form rendering.

``FORM_RENDERER`` is ``GovukFormRenderer``: every form's ``{{ form }}`` and ``{{ form.field.as_field_group }}``
use the templates in ``templates/django/forms/`` (form groups, labels, hints, error messages, fieldsets),
and ``GovukBoundField.govuk_widget`` renders each widget with its GOV.UK class (in the error state when
the field has errors) and radios and checkboxes as the Design System's items.
The ids follow Django's: a hint is ``<id>_helptext``, an error message ``<id>_error``, and Django's own
``aria-describedby`` points at both. ``GovukDateInput`` and ``GovukDateField`` are the Design System's
date input (day, month and year boxes). docs/frontend.md tells page authors how to use them.
"""

import copy
import datetime
import re
from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

# The GOV.UK class a widget's element takes, by widget class (the first match along the MRO wins), and
# whether it has an error modifier. Choice lists (radios, checkboxes) carry their classes in the templates.
_WIDGET_CLASSES: list[tuple[type[forms.Widget], str, bool]] = [
    (forms.CheckboxSelectMultiple, "", False),
    (forms.RadioSelect, "", False),
    (forms.CheckboxInput, "govuk-checkboxes__input", False),
    (forms.Textarea, "govuk-textarea", True),
    (forms.SelectMultiple, "govuk-select", True),
    (forms.Select, "govuk-select", True),
    (forms.ClearableFileInput, "govuk-file-upload", True),
    (forms.FileInput, "govuk-file-upload", True),
    (forms.HiddenInput, "", False),
    (Input, "govuk-input", True),
]


# Radios and checkboxes in the Design System's markup (input before its label, item classes, module name);
# checkboxes first, as CheckboxSelectMultiple is a RadioSelect.
_CHOICE_TEMPLATES: dict[type[forms.Widget], str] = {
    forms.CheckboxSelectMultiple: "django/forms/widgets/govuk_checkboxes.html",
    forms.RadioSelect: "django/forms/widgets/govuk_radios.html",
}


def govuk_widget_class(widget: forms.Widget, *, has_errors: bool) -> str:
    """The GOV.UK classes for a widget's element, e.g. ``govuk-input govuk-input--error``."""
    for widget_class, css_class, has_error_modifier in _WIDGET_CLASSES:
        if isinstance(widget, widget_class):
            if css_class and has_errors and has_error_modifier:
                return f"{css_class} {css_class}--error"
            return css_class
    return ""


def _join_classes(*classes: Any) -> str:
    """Space-separated, each once, in order; anything that is not a string (None, False) is skipped."""
    seen: list[str] = []
    for css_class in " ".join(value for value in classes if isinstance(value, str)).split():
        if css_class not in seen:
            seen.append(css_class)
    return " ".join(seen)


class GovukBoundField(forms.BoundField):
    """A bound field that renders its widget in GOV.UK markup (``govuk_widget``, used by field.html), and
    knows where the error summary links to.

    Only the GOV.UK path changes anything: ``{{ form.field }}`` alone, and the admin (which renders
    widgets, never field groups), keep Django's own markup."""

    def govuk_widget(self) -> SafeString:
        """The widget with its GOV.UK class (in the error state when the field has errors); radios and
        checkboxes in the Design System's item markup."""
        widget = self.field.widget
        attrs: dict[str, Any] = {}
        css_class = govuk_widget_class(widget, has_errors=bool(self.errors))
        if css_class:
            # A class given on the widget (e.g. "govuk-input--width-10") is kept after the GOV.UK one.
            attrs["class"] = _join_classes(css_class, widget.attrs.get("class"))
        if self.character_count_limit:
            # The character count component tells the limit and counts down; a hard maxlength would stop
            # typing (or pasting) with no explanation. The form's max_length validation still applies.
            attrs["maxlength"] = False  # the widget's own attrs carry it; False leaves it out
            attrs["class"] = _join_classes(attrs.get("class"), "govuk-js-character-count")
            if self.auto_id:
                attrs["aria-describedby"] = _join_classes(f"{self.auto_id}-info", self.aria_describedby)
        template_name = next((name for kind, name in _CHOICE_TEMPLATES.items() if isinstance(widget, kind)), None)
        if template_name:
            widget = copy.copy(widget)
            widget.template_name = template_name
        return self.as_widget(widget=widget, attrs=attrs)

    @property
    def character_count_limit(self) -> int | None:
        """A textarea's maximum length, shown and counted down by GOV.UK's character count."""
        if not isinstance(self.field.widget, forms.Textarea):
            return None
        return getattr(self.field, "max_length", None)

    @property
    def error_target_id(self) -> str:
        """The id of the element the error summary links to: the input itself, or the first of a group
        (the first radio or checkbox, the day of a date), as the Design System asks."""
        widget = self.field.widget
        if isinstance(widget, forms.RadioSelect):  # checkboxes too
            first = next(iter(self.subwidgets), None)
            return (first.id_for_label if first is not None else "") or self.auto_id
        return self.id_for_label or self.auto_id

    @property
    def label_size(self) -> str:
        """The size of labels and legends: a form's ``govuk_label_size`` ("s", "m", "l", "xl", or "" for
        regular text). Bold small labels by default: staff forms ask many questions on one page."""
        return getattr(self.form, "govuk_label_size", "s")

    @property
    def is_checkbox(self) -> bool:
        """One checkbox on its own (a BooleanField), laid out as a GOV.UK single checkbox."""
        return isinstance(self.field.widget, forms.CheckboxInput)

    @property
    def is_date_input(self) -> bool:
        return isinstance(self.field.widget, GovukDateInput)


class GovukFormRenderer(TemplatesSetting):
    """Django's TemplatesSetting renderer (so templates/django/forms/ overrides Django's), with GOV.UK fields."""

    bound_field_class = GovukBoundField


class GovukDateInput(forms.MultiWidget):
    """The Design System's date input: day, month and year boxes in a fieldset.

    Its value is an ISO date string (``2026-03-31``) that any ``forms.DateField`` parses; a part left out
    or out of range makes a string that does not parse, so the field reports the date as not real rather
    than silently dropping what was typed. Each box keeps what was typed when the form comes back.
    """

    template_name = "django/forms/widgets/govuk_date_input.html"
    parts = (("day", _("Day"), 2), ("month", _("Month"), 2), ("year", _("Year"), 4))

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            name: forms.TextInput(attrs={"inputmode": "numeric"}) for name, _label, _width in self.parts
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[str | None]:
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day or None, month or None, year or None]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:  # an ISO string, not a list
        day, month, year = (str(part or "").strip() for part in super().value_from_datadict(data, files, name))
        if not (day or month or year):
            return None
        return f"{year}-{month}-{day}"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        final_attrs = widget["attrs"]
        id_ = final_attrs.get("id")
        has_errors = final_attrs.get("aria-invalid") == "true"
        parts = []
        for subwidget, (part, label, width) in zip(widget["subwidgets"], self.parts, strict=True):
            sub_attrs = subwidget["attrs"]
            # GOV.UK's ids and classes; the fieldset, not each box, is described by the hint and error.
            sub_attrs.pop("aria-describedby", None)
            if id_:
                sub_attrs["id"] = f"{id_}_{part}"
            sub_attrs["class"] = _join_classes(
                "govuk-input govuk-date-input__input",
                "govuk-input--error" if has_errors else "",
                f"govuk-input--width-{width}",
            )
            parts.append({**subwidget, "label": label})
        widget["subwidgets"] = parts
        return context

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_day" if id_ else ""


class GovukDateField(forms.DateField):
    """A date asked for in three boxes, with the Design System's error wording."""

    widget = GovukDateInput
    default_error_messages = {"invalid": _("Enter a real date, for example 27 3 2026")}
    _typed = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")

    def to_python(self, value: Any) -> datetime.date | None:
        # "26-3-5" would parse as the year 26: the year must have four figures, as the hint says.
        if (
            isinstance(self.widget, GovukDateInput)
            and isinstance(value, str)
            and value
            and not self._typed.fullmatch(value)
        ):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
