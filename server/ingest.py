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

import contextlib
import dataclasses
import json
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt

from nojd.mqtt import BrokerSettings, make_client
from nojd.server import central
from nojd.server.config import IngestConfig, ServerConfig
from nojd.server.plausibility import plausible
from nojd.server.receiver import MAX_BACKOFF, MESSAGE, UP, connect, frames
from nojd.server.store import Batch, Reject, Store
from nojd.survey import MessageError, Survey, decode
from nojd.survey.topics import (
    MAX_ACK_SEQS,
    decode_epoch,
    decode_status,
    encode_ack,
    parse_topic,
    topic,
)

log = logging.getLogger("nojd.ingest")

#: How long the quarantine keeps a message, and how often ingest removes older ones.
QUARANTINE_RETENTION = timedelta(days=30)
#: How often ingest looks for central configs to send, and how long it waits for the broker.
CONFIG_INTERVAL = 2.0
CONFIG_TIMEOUT = 5.0
EXPIRY_INTERVAL = 3600.0


class Ingest:
    """One ingest worker: a receiver process (:mod:`nojd.server.receiver`) feeding a
    batching commit loop here, which acks through a paho client of its own."""

    def __init__(
        self,
        store: Store,
        surveys: Mapping[str, Survey],
        broker: BrokerSettings,
        *,
        prefix: str = "nojd/v1",
        settings: IngestConfig | None = None,
        client_id: str | None = None,
        server: ServerConfig | None = None,
    ) -> None:
        self.store = store
        #: With the server's config, ingest also sends the terminals their central config.
        self.server = server
        self.surveys = surveys
        self.broker = broker
        self.prefix = prefix
        self.settings = settings or IngestConfig()
        self.group = self.settings.group
        self.batch_size = self.settings.batch_size
        self.batch_wait = self.settings.batch_wait
        self.client_id = client_id or f"nojd-ingest-{socket.gethostname()}-{os.getpid()}"
        self.inbox: queue.Queue[list[tuple[str, bytes]]] = queue.Queue()
        self._pending: list[tuple[str, bytes]] = []
        #: Set while the receiver is subscribed and the acks' client is connected.
        self.connected = threading.Event()
        self._receiving = threading.Event()
        self._acking = threading.Event()
        self._since = datetime.now(UTC)
        self.stopped = threading.Event()
        self.committed = 0
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.client = make_client(broker, f"{self.client_id}-acks", reconnect=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        #: The broker's answer (its reason code) to each config publish awaited, by id.
        self._pubacks: dict[int, Any] = {}
        self._puback_lock = threading.Lock()
        self._resend_configs = True

    # -- the acks' client, on paho's thread -------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            log.error("broker refused ingest's acks: %s", reason)
            return
        self._acking.set()
        self._resend_configs = True
        self._update()

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, reason: Any, properties: Any
    ) -> None:
        with self._puback_lock:
            if mid in self._pubacks:  # a config's; the acks' answers are not awaited
                self._pubacks[mid] = reason

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._acking.clear()
        self._update()

    def _update(self) -> None:
        with self._lock:
            now = self._acking.is_set() and self._receiving.is_set()
            if now != self.connected.is_set():
                self._since = datetime.now(UTC)
            (self.connected.set if now else self.connected.clear)()

    def link(self) -> tuple[bool, datetime]:
        """Whether ingest is connected to the broker (receiving and acking), and since when."""
        with self._lock:
            return self.connected.is_set(), self._since

    # -- the receiver process ----------------------------------------------------

    def _receive(self) -> None:
        """Run the receiver, and run it again (after a pause) if it ends before :meth:`stop`."""
        delay = 0.5
        while not self.stopped.is_set():
            started = time.monotonic()
            code = self._receive_once()
            if self.stopped.is_set():
                break
            if time.monotonic() - started > 60:
                delay = 0.5
            log.warning("ingest's receiver ended (exit status %s); starting it again in %.1f s",
                        code, delay)  # fmt: skip
            self.stopped.wait(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    def _receive_once(self) -> int | None:
        settings = {
            "broker": dataclasses.asdict(self.broker),
            "prefix": self.prefix,
            "group": self.group,
            "client_id": self.client_id,
            "log_level": logging.getLogger().getEffectiveLevel(),
        }
        child = subprocess.Popen(
            [sys.executable, "-m", "nojd.server.receiver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        with self._lock:
            self._child = child
        assert child.stdin is not None and child.stdout is not None
        with contextlib.suppress(OSError, ValueError):  # ended, or stopped meanwhile
            child.stdin.write(json.dumps(settings).encode() + b"\n")
            child.stdin.flush()
        if self.stopped.is_set():
            child.stdin.close()
        buffer = bytearray()
        fd = child.stdout.fileno()
        try:
            while chunk := os.read(fd, 1 << 20):
                buffer += chunk
                found, used = frames(buffer)
                del buffer[:used]
                items = []
                for kind, name, payload in found:
                    if kind == MESSAGE:
                        items.append((name, payload))
                    else:
                        (self._receiving.set if kind == UP else self._receiving.clear)()
                        self._update()
                if items:
                    self.inbox.put(items)
        finally:
            self._receiving.clear()
            self._update()
            child.stdout.close()
            child.stdin.close()
        return child.wait()

    # -- the commit loop -------------------------------------------------------

    def run(self) -> None:
        """Ingest until :meth:`stop`; reconnects to the broker by itself."""
        receiver = threading.Thread(target=self._receive, name="ingest-receiver", daemon=True)
        receiver.start()
        if connect(self.client, self.broker, self.stopped):
            self.client.loop_start()
        expired_at = configs_at = 0.0
        try:
            while not self.stopped.is_set():
                if time.monotonic() - expired_at > EXPIRY_INTERVAL or not expired_at:
                    self._expire()
                    expired_at = time.monotonic()
                if time.monotonic() - configs_at > CONFIG_INTERVAL and self.connected.is_set():
                    self._send_configs()
                    configs_at = time.monotonic()
                items = self._take()
                if items:
                    self.process(items)
        finally:
            self.stopped.set()
            self._end_child()
            receiver.join(10)
            self.client.disconnect()
            self.client.loop_stop()
            log.info("stopped after %d responses", self.committed)

    def _end_child(self) -> None:
        with self._lock:
            child = self._child
        if child is None:
            return
        try:
            if child.stdin:
                child.stdin.close()
            child.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            child.kill()

    def _send_configs(self) -> None:
        """Send each terminal its central config where it differs from what was last sent
        (everything once after each connect: the broker may have lost its retained
        messages): retained on its own topic, recorded once the broker has taken it."""
        if self.server is None:
            return
        try:
            sent = self.store.central.sent()
            again, self._resend_configs = self._resend_configs, False
            for message in central.messages(self.store, self.server, sent):
                if not again and sent.get(message.device) == (message.version, message.digest):
                    continue
                name = topic("config", message.device, self.prefix)
                with self._puback_lock:  # its PUBACK cannot be handled before it is awaited
                    info = self.client.publish(name, message.payload, qos=1, retain=True)
                    self._pubacks[info.mid] = None
                info.wait_for_publish(CONFIG_TIMEOUT)
                with self._puback_lock:
                    reason = self._pubacks.pop(info.mid, None)
                if not info.is_published() or reason is None or reason.is_failure:
                    log.warning("the broker did not take the config of %s (%s): does the "
                                "server's role have its rights? (nojd broker update)",
                                message.device, reason or "no answer")  # fmt: skip
                    self._resend_configs = again
                    return
                self.store.central.mark_sent(
                    message.device, message.version, message.digest, datetime.now(UTC)
                )
                log.info("sent config version %d to %s", message.version, message.device)
        except Exception as exc:  # the store or the broker is away: the next round tries
            log.warning("could not send the central configs: %s", exc)

    def _expire(self) -> None:
        """Remove quarantined messages older than the retention period."""
        try:
            gone = self.store.expire_quarantine(datetime.now(UTC) - QUARANTINE_RETENTION)
        except Exception as exc:  # the store is down: the next hour tries again
            log.warning("could not expire the quarantine: %s", type(exc).__name__)
            return
        if gone:
            log.info("removed %d quarantined messages older than %d days", gone,
                     QUARANTINE_RETENTION.days)  # fmt: skip

    def stop(self) -> None:
        """End :meth:`run` from any thread."""
        self.stopped.set()
        self.inbox.put([])
        with self._lock:
            child = self._child
        if child is not None and child.stdin is not None:
            with contextlib.suppress(OSError):
                child.stdin.close()

    def _take(self) -> list[tuple[str, bytes]]:
        """The next batch: at most ``batch_size`` messages, waiting at most ``batch_wait``
        for more after the first."""
        if not self._pending:
            try:
                self._pending = self.inbox.get(timeout=1.0)
            except queue.Empty:
                return []
        deadline = time.monotonic() + self.batch_wait
        while len(self._pending) < self.batch_size and not self.stopped.is_set():
            remaining = deadline - time.monotonic()
            try:
                more = (
                    self.inbox.get(timeout=remaining) if remaining > 0 else self.inbox.get_nowait()
                )
            except queue.Empty:
                break
            self._pending.extend(more)
        items, self._pending = self._pending[: self.batch_size], self._pending[self.batch_size :]
        return items

    def process(self, items: list[tuple[str, bytes]]) -> None:
        """Validate, commit in one transaction, then ack."""
        now = datetime.now(UTC)
        batch = self.sort(items, now)
        try:
            acks = self.store.ingest(batch, now)
            kept = batch.rejects
        except Exception:
            log.exception("the store refused a batch of %d; trying one by one", len(items))
            acks, kept = self._one_by_one(batch, now)
        self.committed += len(batch.responses)
        for reject in kept:
            log.warning("quarantined a message on %s: %s", reject.topic[:120], reject.reason)
            if reject.device is not None and reject.seq is not None:
                acks.setdefault(reject.device, []).append(reject.seq)
        for device, seqs in acks.items():
            for start in range(0, len(seqs), MAX_ACK_SEQS):
                chunk = seqs[start : start + MAX_ACK_SEQS]
                self.client.publish(topic("ack", device, self.prefix), encode_ack(chunk), qos=1)

    def sort(self, items: list[tuple[str, bytes]], now: datetime) -> Batch:
        """Responses, statuses and rejects of a list of (topic, payload) received ``now``."""
        batch = Batch()
        for name, payload in items:
            device = None
            try:
                device, kind = parse_topic(name, self.prefix)
                if kind == "response":
                    response = decode(payload, self.surveys, topic_device=device)
                    try:
                        window = self.settings.past_days, self.settings.future_hours
                        batch.responses.append((plausible(response, now, *window), payload))
                    except MessageError as exc:
                        batch.rejects.append(Reject(name, payload, str(exc), device, response.seq))
                        continue
                elif kind == "status":
                    batch.statuses.append((device, decode_status(payload)))
                elif kind == "epoch":
                    batch.epochs.append((device, decode_epoch(payload)))
                else:
                    raise MessageError("topic", f"{name!r} is not one ingest reads")
            except MessageError as exc:
                batch.rejects.append(Reject(name, payload, str(exc), device))
        return batch

    def _one_by_one(self, batch: Batch, now: datetime) -> tuple[dict[str, list[int]], list[Reject]]:
        """Each message of a refused batch in a transaction of its own, so that a poison
        message costs only itself: the acks, and the rejects kept in quarantine.

        A response the store refuses while the store is healthy is quarantined (with a
        reason of plain ASCII) and acked; while it is not (the database is down), it is
        left unacked, and its terminal sends it again."""
        acks: dict[str, list[int]] = {}
        kept: list[Reject] = []
        rejects = list(batch.rejects)
        for epoch in batch.epochs:  # before the responses that may need it
            try:
                self.store.ingest(Batch(epochs=[epoch]), now)
            except Exception as exc:
                log.error("the store refused epoch %d of %s: %s", epoch[1], epoch[0],
                          type(exc).__name__)  # fmt: skip
        for response, payload in batch.responses:
            try:
                for device, seqs in self.store.ingest(Batch([(response, payload)]), now).items():
                    acks.setdefault(device, []).extend(seqs)
            except Exception as exc:
                if not self._healthy():
                    log.error(
                        "the store is down: %s seq %d stays unacked", response.device, response.seq
                    )
                    continue
                reason = f"the store refused it ({type(exc).__name__})"
                rejects.append(
                    Reject(topic("response", response.device, self.prefix), payload, reason,
                           response.device, response.seq)
                )  # fmt: skip
        for status in batch.statuses:
            try:
                self.store.ingest(Batch(statuses=[status]), now)
            except Exception as exc:
                log.error("the store refused a status of %s: %s", status[0], type(exc).__name__)
        for reject in rejects:
            try:
                self.store.ingest(Batch(rejects=[reject]), now)
                kept.append(reject)
            except Exception:
                safe = Reject(
                    reject.topic.encode("utf-8", "replace").decode("ascii", "replace"),
                    reject.payload,
                    reject.reason.encode("ascii", "backslashreplace").decode("ascii"),
                    reject.device,
                    reject.seq,
                )
                try:
                    self.store.ingest(Batch(rejects=[safe]), now)
                    kept.append(safe)
                except Exception as exc:
                    log.error("the store refused a quarantine row: %s", type(exc).__name__)
        return acks, kept

    def _healthy(self) -> bool:
        try:
            return self.store.healthy()
        except Exception:
            return False
