import datetime
import hashlib

import factory
from django.utils import timezone

from tests.hubs.factories import ResponseCellFactory
from volunteers.models import ALL_WEEK, Affiliation, MagicLink, TimeOff, Volunteer, grid_square


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    cell = factory.SubFactory(ResponseCellFactory)
    first_name = factory.Sequence(lambda n: f"Vol{n}")
    last_name = "Helper"
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@example.org")
    phone = "07700 900123"
    postcode = "HX1 1AA"
    postcode_known = True
    latitude = 53.724349
    longitude = -1.85746
    grid = factory.LazyAttribute(lambda o: None if o.latitude is None else grid_square(o.latitude, o.longitude))
    status = Volunteer.Status.ACTIVE
    availability = ALL_WEEK

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.set(extracted)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    volunteer = factory.SubFactory(VolunteerFactory)
    starts_on = factory.Faker("date_this_year")
    ends_on = factory.SelfAttribute("starts_on")


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    volunteer = factory.SubFactory(VolunteerFactory)
    organisation = factory.SubFactory("tests.partners.factories.OrganisationFactory")
    recruited_by = False


class MagicLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MagicLink

    user = factory.SubFactory("tests.partners.factories.UserFactory")
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
    channel = MagicLink.Channel.EMAIL
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(minutes=15))
