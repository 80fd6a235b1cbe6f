"""A Celery task reaching the accessor through the service: per task, the same 429."""

from celery import shared_task

from billing.services.invoices import get_settings


@shared_task
def send_reminders(tenant):
    return get_settings(tenant)
