"""Broker connections for kiosk and server: URLs, credentials, TLS, and a paho client (MQTT 5).

Broker URLs are ``mqtt://host:port`` and ``mqtts://host:port`` (TLS).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from nojd.errors import ConfigError
from nojd.tomlconfig import Table, text

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
#: The largest MQTT packet a nojd client takes from the broker, as nojd.conf's
#: ``max_packet_size`` is the largest the broker takes from anyone: a response is at
#: most 16 KiB, an ack or a status far less.
MAX_PACKET = 65536


@dataclass(frozen=True)
class BrokerSettings:
    """Where the broker is and how to log in to it."""

    url: str
    username: str = ""
    password: str = ""
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""

    @property
    def address(self) -> tuple[str, int, bool]:
        """``(host, port, tls)``; :class:`ConfigError` naming the URL if it is wrong."""
        return parse_broker_url(self.url)


def parse_broker_url(url: str) -> tuple[str, int, bool]:
    """``mqtt://host:port`` → ``(host, port, False)``; ``mqtts://…`` → ``(…, True)``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or parts.path not in ("", "/")
    ):
        raise ConfigError(
            f"broker: {url!r} is not a broker URL like mqtt://host:1883 or mqtts://host:8883"
        )
    return parts.hostname, port or DEFAULT_PORTS[parts.scheme], parts.scheme == "mqtts"


def make_client(settings: BrokerSettings, client_id: str, reconnect: bool = False) -> mqtt.Client:
    """A paho client (MQTT 5, callback API 2) with the settings' credentials and TLS.

    With ``reconnect`` paho's own network thread reconnects after a lost
    connection; without it the caller does (the kiosk's uplink adds jitter).
    """
    _, _, tls = settings.address
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
        reconnect_on_failure=reconnect,
    )
    if settings.username:
        client.username_pw_set(settings.username, settings.password or None)
    if tls:
        client.tls_set(
            ca_certs=settings.ca_file or None,
            certfile=settings.cert_file or None,
            keyfile=settings.key_file or None,
            cert_reqs=ssl.CERT_REQUIRED,
        )
    return client


def connect_limits() -> Properties:
    """CONNECT properties: the broker must not send this client a packet over
    :data:`MAX_PACKET` (it drops such a message for this client instead)."""
    properties: Properties = cast(Any, Properties)(PacketTypes.CONNECT)  # paho: untyped
    properties.MaximumPacketSize = MAX_PACKET
    return properties


BROKER_KEYS = ("url", "username", "password", "ca_file", "cert_file", "key_file")


def settings_from_table(table: Table, default_url: str, *other_keys: str) -> BrokerSettings:
    """Connection settings from ``[broker]`` (server) or ``[uplink]`` (kiosk)."""
    table.only(*BROKER_KEYS, *other_keys)
    settings = BrokerSettings(
        url=table.get("url", default_url, text, "a broker URL like mqtt://host:1883"),
        username=table.get("username", "", text, "a user name"),
        password=table.get("password", "", text, "a password"),
        ca_file=table.get("ca_file", "", text, "a path to a CA certificate"),
        cert_file=table.get("cert_file", "", text, "a path to a client certificate"),
        key_file=table.get("key_file", "", text, "a path to the client certificate's key"),
    )
    if settings.url:
        try:
            parse_broker_url(settings.url)
        except ConfigError as exc:
            raise table.fail("url", str(exc).removeprefix("broker: ")) from None
    return settings
