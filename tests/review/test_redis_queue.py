"""Deliveries through a real Redis queue, as production runs them (REDIS_URL set): the task
and its arguments survive the trip through Redis and a consumer sends the email."""

from uuid import uuid4

import pytest
from huey import RedisHuey

from conftest import REDIS_TEST_URL
from daybook.review import tasks
from daybook.review.choices import DeliveryStatus, NoticeKind
from daybook.review.models import Delivery
from daybook.review.notify import notice_send

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def redis_huey():
    huey = RedisHuey(f"daybook-test-{uuid4().hex}", url=REDIS_TEST_URL)
    yield huey
    huey.storage.flush_all()


def test_a_delivery_queued_in_redis_is_sent_by_the_consumer(
    redis_huey, tech, mailoutbox, django_capture_on_commit_callbacks
):
    tech.user.email = "tess@example.test"
    tech.user.save()
    with django_capture_on_commit_callbacks(execute=False):
        notice = notice_send(
            recipient=tech, kind=NoticeKind.NUDGE, subject="Your timer", body="Still running."
        )
    delivery = Delivery.objects.get(notice=notice)
    deliver = redis_huey.task(retries=1, context=True)(tasks.deliver.func)

    deliver(delivery.pk)
    assert redis_huey.pending_count() == 1
    assert mailoutbox == []  # queued, not sent: nothing runs until a consumer takes it

    redis_huey.execute(redis_huey.dequeue())
    assert [m.subject for m in mailoutbox] == ["Your timer"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert redis_huey.pending_count() == 0
