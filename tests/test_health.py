"""Health: /healthz and the terminals page tell the truth when the server is cut off from
its broker (a real Mosquitto, stopped and started again under a running ingest)."""

import sqlite3
import threading
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from waiting import wait_until
from webforms import submit

from nojd.mqtt import BrokerSettings
from nojd.server.accounts import add_user
from nojd.server.config import ServerConfig
from nojd.server.ingest import Ingest
from nojd.server.web import create_app
from nojd.survey import default_survey
from nojd.survey.topics import encode_status

SURVEY = default_survey()


@pytest.fixture
def running(broker, store):
    """An ingest on a real broker, and a dashboard client that knows its link."""
    ingest = Ingest(store, {SURVEY.id: SURVEY}, BrokerSettings(broker.url))
    thread = threading.Thread(target=ingest.run, daemon=True)
    thread.start()
    assert ingest.connected.wait(20)
    add_user(store.accounts, "anna", "ett-långt-lösenord", "admin")
    client = TestClient(create_app(ServerConfig(), store, ingest.link))
    yield client
    ingest.stop()
    thread.join(20)


def online(broker, device):
    """A terminal's retained 'online' status, as its uplink publishes it."""
    publisher = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    publisher.connect("127.0.0.1", broker.port)
    publisher.loop_start()
    status = encode_status("online", datetime.now(UTC), 0, "test")
    publisher.publish(f"nojd/v1/{device}/status", status, qos=1, retain=True).wait_for_publish(10)
    publisher.disconnect()
    publisher.loop_stop()


def test_health_and_the_terminals_page_while_the_broker_is_down(running, broker, store):
    client = running
    online(broker, "desk-1")
    assert wait_until(lambda: [d["state"] for d in store.devices()] == ["online"], 20)
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json() | {"version": ""} == {
        "status": "ok",
        "store": "ok",
        "broker": "connected",
        "version": "",
    }
    submit(client, "/login", {"name": "anna", "password": "ett-långt-lösenord"}, page="/login")
    page = client.get("/devices?lang=sv").text
    assert "● ansluten" in page and "ingen förbindelse med brokern" not in page

    broker.stop()
    assert wait_until(lambda: client.get("/healthz").status_code == 503, 30)
    cut = client.get("/healthz").json()
    assert cut["status"] == "degraded" and cut["store"] == "ok"
    assert cut["broker"].startswith("cut off since 20")
    page = client.get("/devices?lang=sv").text
    assert "Servern har ingen förbindelse med brokern sedan" in page
    assert "● ansluten" not in page and "okänt (servern är frånkopplad)" in page

    broker.start()
    assert wait_until(lambda: client.get("/healthz").status_code == 200, 60)
    assert "● ansluten" in client.get("/devices?lang=sv").text


def test_healthz_names_a_store_that_fails(running, store):
    with sqlite3.connect(store.path) as other:  # someone broke the database under the server
        other.execute("DROP TABLE devices")
    answer = running.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["store"] == "unreachable"
