"""Notifications to volunteers, partner organisations and staff: an outbox of rows, sent by workers."""

from requests.notifications.service import (
    enqueue_send,
    notification_send,
    notifications_due,
    notifications_resend_due,
    notify_escalation,
    notify_offer,
    notify_reminder,
)

__all__ = [
    "enqueue_send",
    "notification_send",
    "notifications_due",
    "notifications_resend_due",
    "notify_escalation",
    "notify_offer",
    "notify_reminder",
]
