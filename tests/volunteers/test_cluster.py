import pytest
from django.db import connection

from tests.hubs.factories import ResponseCellFactory
from tests.volunteers.factories import VolunteerFactory
from volunteers.models import Volunteer
from volunteers.services import volunteers_cluster
from volunteers.tasks import cluster

pytestmark = pytest.mark.django_db(transaction=True)


def test_clustering_orders_the_table_by_the_matchers_index_and_keeps_every_row() -> None:
    cell = ResponseCellFactory()
    volunteers = [VolunteerFactory(cell=cell, latitude=53.70 + i / 100, longitude=-1.9) for i in (5, 1, 3)]
    done = volunteers_cluster()
    assert Volunteer.objects.count() == 3
    if connection.vendor != "postgresql":
        assert done is False
        return
    assert done is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT indisclustered FROM pg_index WHERE indexrelid = 'volunteer_reach_idx'::regclass")
        assert cursor.fetchone()[0] is True
        cursor.execute(f"SELECT id FROM {Volunteer._meta.db_table}")  # physical order after CLUSTER
        physical = [row[0] for row in cursor.fetchall()]
    by_grid = [v.pk for v in sorted(volunteers, key=lambda v: v.grid)]
    assert physical == by_grid


def test_cluster_task_calls_the_service() -> None:
    VolunteerFactory()
    cluster.apply()
    assert Volunteer.objects.count() == 1
