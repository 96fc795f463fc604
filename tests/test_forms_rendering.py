"""Forms in GOV.UK Design System markup through Django's form rendering (config/forms.py and
templates/django/forms/), the error summary, and the includes page authors use."""

import datetime
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.base import Message
from django.core.paginator import Paginator
from django.template import engines
from django.test import Client, RequestFactory

from config.forms import GovukDateField, GovukDateInput
from tests.layout_urls import EveryFieldForm
from tests.partners.factories import UserFactory
from tests.volunteers.factories import VolunteerFactory

VALID = {
    "name": "Ada Lovelace",
    "phone": "01422 123456",
    "note": "",
    "urgency": "today",
    "needs": ["food"],
    "area": "hx1",
    "consent": "on",
    "needed_by_day": "27",
    "needed_by_month": "3",
    "needed_by_year": "2026",
    "version": "1",
}


class Elements(HTMLParser):
    """Every start tag as (tag, attributes), to ask about markup without matching strings."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def by_id(self, id_: str) -> dict[str, str]:
        found = [attrs for _tag, attrs in self.elements if attrs.get("id") == id_]
        assert len(found) == 1, f"{len(found)} elements with id {id_}"
        return found[0]

    def tags(self, tag: str, css_class: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.elements if name == tag and css_class in attrs.get("class", "").split()]


def classes(attrs: dict[str, str]) -> set[str]:
    return set(attrs.get("class", "").split())


def render(template: str, **context: Any) -> str:
    return engines["django"].from_string(template).render(context)


class TestFieldsWithoutErrors:
    html = str(EveryFieldForm())
    page = Elements(html)

    def test_text_input_has_label_hint_and_class(self) -> None:
        name = self.page.by_id("id_name")
        assert classes(name) == {"govuk-input"}
        assert name["aria-describedby"] == "id_name_helptext"
        assert '<label class="govuk-label govuk-label--s" for="id_name">Resident&#x27;s name</label>' in self.html
        assert '<div id="id_name_helptext" class="govuk-hint">As they say it</div>' in self.html

    def test_optional_fields_say_so_and_widget_classes_are_kept(self) -> None:
        assert 'for="id_phone">Phone (optional)</label>' in self.html
        assert classes(self.page.by_id("id_phone")) == {"govuk-input", "govuk-input--width-20"}
        assert "Resident&#x27;s name (optional)" not in self.html

    def test_textarea_is_a_character_count_without_a_hard_limit(self) -> None:
        note = self.page.by_id("id_note")
        assert classes(note) == {"govuk-textarea", "govuk-js-character-count"}
        assert "maxlength" not in note
        assert note["aria-describedby"] == "id_note-info"
        group = self.page.tags("div", "govuk-character-count")[0]
        assert group["data-module"] == "govuk-character-count" and group["data-maxlength"] == "300"
        assert self.page.by_id("id_note-info")["class"] == "govuk-hint govuk-character-count__message"

    def test_radios_are_design_system_items_in_a_fieldset(self) -> None:
        radios = self.page.by_id("id_urgency")
        assert radios["class"] == "govuk-radios" and radios["data-module"] == "govuk-radios"
        first = self.page.by_id("id_urgency_0")
        assert classes(first) == {"govuk-radios__input"} and first["type"] == "radio" and first["value"] == "today"
        assert '<label class="govuk-label govuk-radios__label" for="id_urgency_0">Today</label>' in self.html
        assert re.search(
            r'<fieldset class="govuk-fieldset">\s*<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">'
            r"Urgency</legend>",
            self.html,
        )

    def test_checkboxes_are_items_and_the_fieldset_is_described_by_the_hint(self) -> None:
        boxes = self.page.by_id("id_needs")
        assert boxes["class"] == "govuk-checkboxes" and boxes["data-module"] == "govuk-checkboxes"
        assert len(self.page.tags("input", "govuk-checkboxes__input")) == 3 + 1  # three needs, one consent
        assert '<fieldset class="govuk-fieldset" aria-describedby="id_needs_helptext">' in self.html

    def test_single_checkbox(self) -> None:
        consent = self.page.by_id("id_consent")
        assert classes(consent) == {"govuk-checkboxes__input"} and consent["type"] == "checkbox"
        assert (
            '<label class="govuk-label govuk-checkboxes__label" for="id_consent">They agree to share their details'
            in self.html
        )
        assert "govuk-hint govuk-checkboxes__hint" in self.html

    def test_select(self) -> None:
        assert classes(self.page.by_id("id_area")) == {"govuk-select"}

    def test_date_input_is_three_boxes_in_a_group(self) -> None:
        assert re.search(
            r'<fieldset class="govuk-fieldset" role="group" aria-describedby="id_needed_by_helptext">', self.html
        )
        for part, width in (("day", 2), ("month", 2), ("year", 4)):
            box = self.page.by_id(f"id_needed_by_{part}")
            assert box["name"] == f"needed_by_{part}" and box["inputmode"] == "numeric"
            assert classes(box) == {"govuk-input", "govuk-date-input__input", f"govuk-input--width-{width}"}
            assert f'<label class="govuk-label govuk-date-input__label" for="id_needed_by_{part}">' in self.html

    def test_hidden_field_is_rendered_once_and_plain(self) -> None:
        assert self.html.count('name="version"') == 1
        assert '<input type="hidden" name="version" id="id_version">' in self.html

    def test_as_field_group_renders_one_field_the_same_way(self) -> None:
        form = EveryFieldForm()
        assert str(form["urgency"].as_field_group()).strip() in str(form)


class TestFieldsWithErrors:
    form = EveryFieldForm(
        data={"urgency": "today", "needed_by_day": "31", "needed_by_month": "2", "needed_by_year": "2026"}
    )
    html = str(form)
    page = Elements(html)

    def test_each_field_in_error_has_the_group_class_message_and_description(self) -> None:
        name = self.page.by_id("id_name")
        assert classes(name) == {"govuk-input", "govuk-input--error"}
        assert name["aria-describedby"] == "id_name_helptext id_name_error"
        assert name["aria-invalid"] == "true"
        assert (
            '<p id="id_name_error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span>'
            " This field is required.</p>" in self.html
        )
        assert self.html.count("govuk-form-group--error") == 5  # name, needs, area, consent, date; radios fine
        assert classes(self.page.by_id("id_area")) == {"govuk-select", "govuk-select--error"}

    def test_group_fields_describe_the_fieldset_by_hint_and_error(self) -> None:
        assert '<fieldset class="govuk-fieldset" aria-describedby="id_needs_helptext id_needs_error">' in self.html
        assert 'aria-describedby="id_needed_by_helptext id_needed_by_error"' in self.html
        assert "Enter a real date, for example 27 3 2026" in self.html
        for part in ("day", "month", "year"):
            assert "govuk-input--error" in classes(self.page.by_id(f"id_needed_by_{part}"))
            assert self.page.by_id(f"id_needed_by_{part}").get("value") is not None  # what was typed stays

    def test_form_errors_are_shown_above_the_fields(self) -> None:
        assert self.html.index("A call for today needs a phone number") < self.html.index('id="id_name"')
        assert "(Hidden field version) This field is required." in self.html

    def test_error_summary_links_each_error_to_its_input_and_names_the_field(self) -> None:
        summary = render('{% include "includes/error_summary.html" with form=form %}', form=self.form)
        assert 'data-module="govuk-error-summary"' in summary and '<div role="alert">' in summary
        assert "There is a problem" in summary
        links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
        assert links == [
            ("id_name", "Resident&#x27;s name: This field is required."),
            ("id_needs_0", "Needs: This field is required."),  # the first checkbox, as the Design System asks
            ("id_area", "Area: This field is required."),
            ("id_consent", "They agree to share their details: This field is required."),
            ("id_needed_by_day", "Needed by: Enter a real date, for example 27 3 2026"),
        ]
        page = Elements(str(self.form))
        for target, _text in links:
            page.by_id(target)  # every link has its element
        # The form's own errors come first, and a hidden field's error is told, not linked.
        items = re.findall(r"<li>(.*?)</li>", summary, re.S)
        assert items[0] == "A call for today needs a phone number to call back on."
        assert items[-1].strip() == "(Hidden field version) This field is required."

    def test_no_summary_without_errors(self) -> None:
        assert render('{% include "includes/error_summary.html" with form=form %}', form=EveryFieldForm()).strip() == ""

    def test_grouped_choices_link_to_their_first_option(self) -> None:
        class Availability(forms.Form):
            slots = forms.MultipleChoiceField(
                choices=[("Monday", [("0", "morning"), ("1", "afternoon")]), ("Tuesday", [("2", "morning")])],
                widget=forms.CheckboxSelectMultiple,
            )

        form = Availability(data={})
        assert form["slots"].error_target_id == "id_slots_0_0"
        html = str(form)
        assert '<p class="app-choice-group__heading">Monday</p>' in html
        Elements(html).by_id("id_slots_0_0")


def test_valid_form_renders_no_error_markup_and_cleans() -> None:
    form = EveryFieldForm(data=VALID)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["needed_by"] == datetime.date(2026, 3, 27)
    html = str(form)
    assert "govuk-error-message" not in html and "--error" not in html
    assert 'value="27"' in html and 'value="3"' in html and 'value="2026"' in html


@pytest.mark.parametrize(
    ("day", "month", "year", "valid"),
    [
        ("27", "3", "2026", True),
        ("07", "03", "2026", True),
        ("", "", "", True),  # optional field left empty
        ("31", "2", "2026", False),
        ("27", "", "2026", False),
        ("27", "3", "26", False),  # a two-figure year is not 26 AD
        ("x", "3", "2026", False),
        ("27", "13", "2026", False),
    ],
)
def test_date_field(day: str, month: str, year: str, valid: bool) -> None:
    class When(forms.Form):
        on = GovukDateField(required=False)

    form = When(data={"on_day": day, "on_month": month, "on_year": year})
    assert form.is_valid() is valid
    if not valid:
        assert form.errors["on"] == ["Enter a real date, for example 27 3 2026"]
        # Each box shows what was typed, so nothing has to be typed again.
        html = str(form)
        for part, typed in (("day", day), ("month", month), ("year", year)):
            assert re.search(
                rf'name="on_{part}"{" value=" + chr(34) + typed + chr(34) if typed else "(?! value)"}', html
            )


def test_date_input_shows_an_initial_date() -> None:
    widget = GovukDateInput()
    assert widget.decompress(datetime.date(2026, 12, 1)) == ["1", "12", "2026"]
    assert widget.decompress(None) == [None, None, None]


def test_textarea_limit_is_still_enforced_by_the_form() -> None:
    form = EveryFieldForm(data={**VALID, "note": "x" * 301})
    assert not form.is_valid()
    assert "at most 300 characters" in form.errors["note"][0]


def test_bare_widgets_and_the_admin_keep_djangos_own_markup() -> None:
    """Only field groups are GOV.UK: a widget on its own (and so every admin page) is Django's."""
    form = EveryFieldForm()
    bare = str(form["needs"])
    assert "govuk-" not in bare
    assert '<label for="id_needs_0"><input type="checkbox"' in bare
    assert "govuk-" not in str(form["name"])


@pytest.mark.django_db
def test_admin_change_form_has_no_govuk_markup(admin_client: Client) -> None:
    volunteer = VolunteerFactory()
    html = admin_client.get(f"/admin/volunteers/volunteer/{volunteer.pk}/change/").content.decode()
    assert 'name="availability_slots"' in html
    assert "govuk-" not in html


class TestIncludes:
    def test_summary_list_row(self) -> None:
        html = render(
            '<dl class="govuk-summary-list">'
            '{% include "includes/summary_list_row.html" with key="Phone" value=phone change_url="/edit/" change_context="phone number" %}'
            '{% include "includes/summary_list_row.html" with key="Email" value="" %}</dl>',
            phone="01422 <b>",
        )
        assert '<dt class="govuk-summary-list__key">Phone</dt>' in html
        assert "01422 &lt;b&gt;" in html  # escaped
        assert (
            '<a class="govuk-link" href="/edit/">Change<span class="govuk-visually-hidden"> phone number</span></a>'
            in html
        )
        assert "govuk-summary-list__row--no-actions" in html and "Not given" in html

    @pytest.mark.parametrize(
        ("context", "expected"),
        [
            (
                {"text": "Escalated", "status": "escalated"},
                '<strong class="govuk-tag govuk-tag--orange">Escalated</strong>',
            ),
            ({"text": "Today", "status": "today"}, '<strong class="govuk-tag govuk-tag--red">Today</strong>'),
            (
                {"text": "New", "status": "new", "colour": "grey"},
                '<strong class="govuk-tag govuk-tag--grey">New</strong>',
            ),
            ({"text": "Odd", "status": "unknown"}, '<strong class="govuk-tag">Odd</strong>'),
        ],
    )
    def test_tag(self, context: dict[str, str], expected: str) -> None:
        assert render('{% include "includes/tag.html" %}', **context).strip().endswith(expected)

    def test_pagination_keeps_the_filters(self) -> None:
        request = RequestFactory().get("/triage/", {"status": "new", "page": "3"})
        page = Paginator(range(200), 10).page(3)
        html = (
            engines["django"]
            .from_string('{% include "includes/pagination.html" with page=page %}')
            .render({"page": page}, request)
        )
        assert '<nav class="govuk-pagination" aria-label="Pagination">' in html
        assert 'href="?status=new&amp;page=2" rel="prev"' in html
        assert 'href="?status=new&amp;page=4" rel="next"' in html
        assert 'aria-current="page">3</a>' in html
        assert "govuk-pagination__item--ellipses" in html

    def test_no_pagination_for_one_page(self) -> None:
        page = Paginator(range(5), 10).page(1)
        assert render('{% include "includes/pagination.html" with page=page %}', page=page).strip() == ""

    def test_messages_become_notification_banners(self) -> None:
        messages = [
            Message(message_levels.SUCCESS, "Request HX-4K2 logged"),
            Message(message_levels.WARNING, "Postcode not found"),
            Message(message_levels.SUCCESS, "Offer sent"),
        ]
        html = render('{% include "includes/notification_banner.html" %}', messages=messages)
        success = html[html.index("govuk-notification-banner--success") :]
        assert 'role="alert"' in html and 'role="region"' in html
        assert success.index("Request HX-4K2 logged") < success.index("Offer sent")
        assert html.count('class="govuk-notification-banner__heading"') == 3
        assert "Important" in html and "Success" in html


@pytest.mark.django_db
@pytest.mark.urls("tests.layout_urls")
def test_a_posted_form_page_shows_summary_and_then_success(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post("/every-field/", {"urgency": "week"})
    html = response.content.decode()
    assert "<title>Error: Every field – Crisis Response Hub</title>" in html
    assert html.index("govuk-error-summary") < html.index("<h1")

    html = client.post("/every-field/", VALID).content.decode()
    assert "govuk-error-summary" not in html
    assert "govuk-notification-banner--success" in html and "Saved" in html
