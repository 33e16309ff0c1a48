"""Ingest: responses from the broker into the store, acked only after the commit.

Several ingest processes share the load through the MQTT 5 shared
subscription ``$share/nojd-ingest/nojd/v1/+/response``.  Messages are
validated with :mod:`nojd.survey`, committed in batches, and only then acked
per device on ``nojd/v1/<device>/ack``.  Anything that cannot be accepted goes
to quarantine with its topic, the head of its payload and the reason.  Ingest
never stops for bad input; if the store fails, nothing is acked and the kiosks
send again.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import socket
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt

from nojd.mqtt import BrokerSettings, make_client
from nojd.server.store import Batch, Reject, Store
from nojd.survey import MessageError, Survey, decode
from nojd.survey.topics import MAX_ACK_SEQS, decode_status, encode_ack, parse_topic, topic

log = logging.getLogger("nojd.ingest")

MAX_BACKOFF = 30.0


class Ingest:
    """One ingest worker: a paho network thread feeding a batching commit loop."""

    def __init__(
        self,
        store: Store,
        surveys: Mapping[str, Survey],
        broker: BrokerSettings,
        *,
        prefix: str = "nojd/v1",
        group: str = "nojd-ingest",
        batch_size: int = 500,
        batch_wait: float = 0.05,
        client_id: str | None = None,
    ) -> None:
        self.store = store
        self.surveys = surveys
        self.broker = broker
        self.prefix = prefix
        self.group = group
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.client_id = client_id or f"nojd-ingest-{socket.gethostname()}-{os.getpid()}"
        self.inbox: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.connected = threading.Event()
        self.stopped = threading.Event()
        self.committed = 0
        self.client = make_client(broker, self.client_id, reconnect=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    # -- paho's thread ---------------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            log.error("broker refused ingest: %s", reason)
            return
        client.subscribe(
            [(f"$share/{self.group}/{self.prefix}/+/response", 1), (f"{self.prefix}/+/status", 1)]
        )
        log.info("connected to %s as %s", self.broker.url, self.client_id)
        self.connected.set()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self.connected.clear()
        if not self.stopped.is_set():
            log.warning("disconnected from the broker: %s", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.inbox.put((message.topic, bytes(message.payload)))

    # -- the commit loop -------------------------------------------------------

    def run(self) -> None:
        """Ingest until :meth:`stop`; reconnects to the broker by itself."""
        self._connect()
        self.client.loop_start()
        try:
            while not self.stopped.is_set():
                items = self._take()
                if items:
                    self.process(items)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            log.info("stopped after %d responses", self.committed)

    def stop(self) -> None:
        """End :meth:`run` from any thread."""
        self.stopped.set()
        self.inbox.put(("", b""))

    def _connect(self) -> None:
        host, port, _ = self.broker.address
        delay = 0.5
        while not self.stopped.is_set():
            try:
                self.client.connect(host, port, keepalive=30)
                self.client.reconnect_delay_set(min_delay=1, max_delay=int(MAX_BACKOFF))
                return
            except OSError as exc:
                log.warning(
                    "broker %s not reachable (%s); retrying in %.1f s",
                    self.broker.url,
                    str(exc),
                    delay,
                )
                self.stopped.wait(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, MAX_BACKOFF)

    def _take(self) -> list[tuple[str, bytes]]:
        try:
            first = self.inbox.get(timeout=1.0)
        except queue.Empty:
            return []
        items = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(items) < self.batch_size:
            remaining = deadline - time.monotonic()
            try:
                items.append(
                    self.inbox.get(timeout=max(0.0, remaining))
                    if remaining > 0
                    else self.inbox.get_nowait()
                )
            except queue.Empty:
                break
        return [item for item in items if item[0]]

    def process(self, items: list[tuple[str, bytes]]) -> None:
        """Validate, commit in one transaction, then ack."""
        batch = self.sort(items)
        try:
            acks = self.store.ingest(batch, datetime.now(UTC))
        except Exception:
            log.exception("the store refused a batch of %d; trying one by one", len(items))
            acks = self._one_by_one(batch)
        self.committed += len(batch.responses)
        for reject in batch.rejects:
            log.warning("quarantined a message on %s: %s", reject.topic[:120], reject.reason)
        for device, seqs in acks.items():
            for start in range(0, len(seqs), MAX_ACK_SEQS):
                chunk = seqs[start : start + MAX_ACK_SEQS]
                self.client.publish(topic("ack", device, self.prefix), encode_ack(chunk), qos=1)

    def sort(self, items: list[tuple[str, bytes]]) -> Batch:
        """Responses, statuses and rejects of a list of (topic, payload)."""
        batch = Batch()
        for name, payload in items:
            device = None
            try:
                device, kind = parse_topic(name, self.prefix)
                if kind == "response":
                    batch.responses.append(
                        (decode(payload, self.surveys, topic_device=device), payload)
                    )
                elif kind == "status":
                    batch.statuses.append((device, decode_status(payload)))
                else:
                    raise MessageError("topic", f"{name!r} is not one ingest reads")
            except MessageError as exc:
                batch.rejects.append(Reject(name, payload, str(exc), device))
        return batch

    def _one_by_one(self, batch: Batch) -> dict[str, list[int]]:
        acks: dict[str, list[int]] = {}
        for response, payload in batch.responses:
            single = Batch(responses=[(response, payload)])
            try:
                for device, seqs in self.store.ingest(single, datetime.now(UTC)).items():
                    acks.setdefault(device, []).extend(seqs)
            except Exception as exc:  # leave it unacked: the kiosk sends it again
                log.error("the store refused %s seq %d: %s", response.device, response.seq, exc)
        rest = Batch(rejects=batch.rejects, statuses=batch.statuses)
        try:
            self.store.ingest(rest, datetime.now(UTC))
        except Exception as exc:
            log.error(
                "the store refused %d quarantined messages and statuses: %s",
                len(batch.rejects) + len(batch.statuses),
                exc,
            )
        return acks
