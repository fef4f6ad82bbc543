"""The message sender: the log backend keeps what it would send; the HTTP backend talks to an SMS provider
(a local HTTP server stands in for it) and turns every refusal into SendError."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from fours.core import messaging


class Provider(BaseHTTPRequestHandler):
    received: list = []
    answer: dict = {"code": 0, "id": "P-1"}
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Provider.received.append({"auth": self.headers["Authorization"], **json.loads(body)})
        self.send_response(Provider.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(Provider.answer).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    server = HTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Provider.received, Provider.answer, Provider.status = [], {"code": 0, "id": "P-1"}, 200
    settings.FOURS_MESSAGE_BACKEND = "fours.core.messaging.HttpSmsBackend"
    settings.FOURS_SMS_URL = f"http://127.0.0.1:{server.server_port}/sms/send"
    settings.FOURS_SMS_KEY = "k-123"
    settings.FOURS_SMS_SIGN = "【骏途汽车】"
    yield Provider
    server.shutdown()


def test_log_backend_is_the_default_and_keeps_the_message(settings):
    settings.FOURS_MESSAGE_BACKEND = "fours.core.messaging.LogBackend"
    msg_id = messaging.send_sms("13800138000", "您的爱车已修好，可以取车")
    assert messaging.outbox[-1] == {"id": msg_id, "to": "13800138000", "body": "您的爱车已修好，可以取车"}


def test_http_backend_posts_to_the_provider(provider):
    assert messaging.send_sms("13800138000", "保养提醒") == "P-1"
    assert provider.received == [
        {"auth": "Bearer k-123", "mobile": "13800138000", "sign": "【骏途汽车】", "content": "保养提醒"}
    ]


@pytest.mark.parametrize(
    ("status", "answer"), [(200, {"code": 40001, "message": "号码格式错误"}), (500, {}), (200, {"code": 0})]
)
def test_http_backend_refusals_raise(provider, status, answer):
    provider.status, provider.answer = status, answer
    with pytest.raises(messaging.SendError):
        messaging.send_sms("13800138000", "x")


def test_http_backend_unreachable_raises(settings):
    settings.FOURS_MESSAGE_BACKEND = "fours.core.messaging.HttpSmsBackend"
    settings.FOURS_SMS_URL = "http://127.0.0.1:9/none"
    with pytest.raises(messaging.SendError):
        messaging.send_sms("13800138000", "x")
