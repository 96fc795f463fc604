import factory
from django.contrib.auth import get_user_model

from partners.models import CellPartner, HubOperator, Membership, Organisation, SignInFailure, UserSession
from tests.hubs.factories import HubFactory, ResponseCellFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    # Hashed before the row is saved, so the saved password is the one set: a session made with
    # force_login stays valid on the next request (its hash is of the saved password).
    password = factory.django.Password("correct horse battery")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.VCS
    tier = 2
    capacity = 10


class CellPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CellPartner

    cell = factory.SubFactory(ResponseCellFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = CellPartner.Role.PARTNER


class HubOperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HubOperator

    hub = factory.SubFactory(HubFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    cell = factory.SubFactory(ResponseCellFactory)
    role = Membership.Role.COORDINATOR


class SignInFailureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignInFailure

    username = factory.Sequence(lambda n: f"user{n}")
    ip = "192.0.2.10"
    kind = SignInFailure.Kind.PASSWORD


class UserSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserSession

    user = factory.SubFactory(UserFactory)
    session_key = factory.Sequence(lambda n: f"session{n:033d}")
