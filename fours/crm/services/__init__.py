"""Every write of customer care and marketing, by document (care tasks, calls, complaints, messages,
phone links, surveys, campaigns and care gifts)."""

from .calls import call_record, script_for
from .campaigns import (
    campaign_create,
    campaign_invite,
    campaign_record,
    campaign_step,
    gift_decide,
    gift_give,
    gift_request,
    segment_customers,
)
from .care import care_task_reassign, care_tasks_queue
from .complaints import (
    complaint_approve,
    complaint_close,
    complaint_confirm,
    complaint_done,
    complaint_investigate,
    complaint_judge,
    complaint_register,
    complaints_escalate,
)
from .events import (
    event_check_in,
    event_counts,
    event_create,
    event_invite,
    event_rsvp,
    festival_add,
)
from .links import LinkRefused, link_make, link_read, link_send, link_url
from .messages import message_send, messages_send_queued
from .phone import phone_book, phone_confirm, phone_rsvp, phone_survey
from .surveys import survey_answer, survey_import

__all__ = [
    "LinkRefused",
    "call_record",
    "campaign_create",
    "campaign_invite",
    "campaign_record",
    "campaign_step",
    "care_task_reassign",
    "care_tasks_queue",
    "complaint_approve",
    "complaint_close",
    "complaint_confirm",
    "complaint_done",
    "complaint_investigate",
    "complaint_judge",
    "complaint_register",
    "complaints_escalate",
    "event_check_in",
    "event_counts",
    "event_create",
    "event_invite",
    "event_rsvp",
    "festival_add",
    "gift_decide",
    "gift_give",
    "gift_request",
    "link_make",
    "link_read",
    "link_send",
    "link_url",
    "message_send",
    "messages_send_queued",
    "phone_book",
    "phone_confirm",
    "phone_rsvp",
    "phone_survey",
    "script_for",
    "segment_customers",
    "survey_answer",
    "survey_import",
]
