import threading
import time
from unittest.mock import MagicMock

import kombu.exceptions
import pytest

from requests import broker


@pytest.fixture(autouse=True)
def _fresh_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker, "_backoff", threading.local())


def _task(**options: object) -> MagicMock:
    task = MagicMock(**options)
    task.name = "requests.match_request"
    return task


def test_publish_hands_the_ids_to_the_task_without_retrying() -> None:
    task = _task()
    assert broker.publish(task, 42) is True
    task.apply_async.assert_called_once_with(args=[42], retry=False)


def test_a_broker_failure_is_logged_not_raised_and_publishing_rests(caplog: pytest.LogCaptureFixture) -> None:
    task = _task()
    task.apply_async.side_effect = kombu.exceptions.OperationalError("Connection refused")
    assert broker.publish(task, 1) is False
    assert broker.publish(task, 2) is False
    assert task.apply_async.call_count == 1  # the second save does not wait for the broker at all
    assert broker.broker_resting()
    assert "sweeper will retry" in caplog.text


def test_publishing_resumes_after_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    task = _task()
    task.apply_async.side_effect = [OSError("timed out"), None]
    assert broker.publish(task, 1) is False
    later = time.monotonic() + broker.BACKOFF_SECONDS + 1
    monkeypatch.setattr(broker.time, "monotonic", lambda: later)
    assert broker.publish(task, 1) is True
