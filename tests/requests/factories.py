import datetime

import factory
from django.utils import timezone

from requests.models import (
    AuditEntry,
    Event,
    KnownSupporter,
    Notification,
    Offer,
    OfferState,
    Resident,
    Status,
    SupportRequest,
)
from tests.hubs.factories import NeedCategoryFactory, ResponseCellFactory
from tests.volunteers.factories import VolunteerFactory


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    cell = factory.SubFactory(ResponseCellFactory)
    first_name = factory.Sequence(lambda n: f"Resident{n}")
    last_name = "Smith"
    phone = "01422 000000"
    address_line_1 = "1 Commercial Street"
    town = "Halifax"
    postcode = "HX1 1AA"
    postcode_known = True
    latitude = 53.724349
    longitude = -1.85746
    consent_to_share = True
    consent_recorded_at = factory.LazyFunction(timezone.now)


class SupportRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportRequest
        skip_postgeneration_save = True

    cell = factory.SubFactory(ResponseCellFactory)
    resident = factory.SubFactory(ResidentFactory, cell=factory.SelfAttribute("..cell"))
    reference = factory.Sequence(lambda n: f"T{n:05d}")
    urgency = "week"
    level = 1
    status = Status.NEW
    due_by = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if not create:
            return
        self.categories.set(extracted if extracted is not None else [NeedCategoryFactory(slug="shopping")])


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    request = factory.SubFactory(SupportRequestFactory, status=Status.OFFERED)
    volunteer = factory.SubFactory(VolunteerFactory, cell=factory.SelfAttribute("..request.cell"))
    state = OfferState.PENDING
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=1))


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    request = factory.SubFactory(SupportRequestFactory)
    verb = Event.Verb.NOTE
    note = "A note"


class KnownSupporterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnownSupporter

    resident = factory.SubFactory(ResidentFactory)
    name = "Sam Coordinator"
    role = "Local Area Coordinator"


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    offer = factory.SubFactory(OfferFactory)
    request = factory.SelfAttribute("offer.request")
    channel = Notification.Channel.EMAIL
    kind = Notification.Kind.OFFER
    recipient = "helper@example.org"
    subject = "A request near you"
    body = "Can you help?"


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    cell = factory.SubFactory(ResponseCellFactory)
    action = AuditEntry.Action.VIEWED
    object_type = "resident"
    object_id = 1
