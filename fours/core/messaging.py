"""The one pluggable sender of messages to customers (SMS), chosen like Django's e-mail backends by the
setting ``FOURS_MESSAGE_BACKEND``:

- ``fours.core.messaging.LogBackend`` (default, and in tests): writes each message to the log and keeps it in
  ``messaging.outbox`` (the last 500), sending nothing;
- ``fours.core.messaging.HttpSmsBackend``: posts each message as JSON to an SMS provider's HTTP API
  (``FOURS_SMS_URL``, ``FOURS_SMS_KEY`` sent as a bearer token, ``FOURS_SMS_SIGN`` the registered 短信签名),
  and expects ``{"code": 0, "id": "…"}`` back.

Callers do not come here directly: customer care's ``message_send`` checks consent and quiet hours and logs
each message on the customer, then calls ``send_sms``."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections import deque
from itertools import count

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("fours.messaging")

outbox: deque[dict] = deque(maxlen=500)
_ids = count(1)


class SendError(Exception):
    """The provider refused the message or could not be reached; the message is logged as failed."""


class LogBackend:
    def send(self, to: str, body: str) -> str:
        msg_id = f"log-{next(_ids)}"
        outbox.append({"id": msg_id, "to": to, "body": body})
        log.info("SMS %s to %s: %s", msg_id, to, body)
        return msg_id


class HttpSmsBackend:
    def __init__(self):
        self.url = getattr(settings, "FOURS_SMS_URL", "")
        self.key = getattr(settings, "FOURS_SMS_KEY", "")
        self.sign = getattr(settings, "FOURS_SMS_SIGN", "")
        self.timeout = float(getattr(settings, "FOURS_SMS_TIMEOUT", 5))
        if not self.url:
            raise SendError("FOURS_SMS_URL is not set")

    def send(self, to: str, body: str) -> str:
        payload = json.dumps({"mobile": to, "sign": self.sign, "content": body}, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode() or "{}")
        except urllib.error.HTTPError as e:
            raise SendError(f"HTTP {e.code}") from e
        except (urllib.error.URLError, TimeoutError, ValueError) as e:
            raise SendError(str(e)) from e
        if str(answer.get("code")) != "0" or not answer.get("id"):
            raise SendError(str(answer.get("message") or answer))
        return str(answer["id"])


def get_backend():
    return import_string(getattr(settings, "FOURS_MESSAGE_BACKEND", "fours.core.messaging.LogBackend"))()


def send_sms(to: str, body: str) -> str:
    """Send one SMS through the configured backend; returns the provider's message id or raises SendError."""
    return get_backend().send(to, body)
