"""The server as one process: ingest on a thread of its own, the dashboard and API under
uvicorn, and a supervisor that tells systemd when both are up and kicks its watchdog
only while ingest runs and the store answers (``nojd server run``)."""

from __future__ import annotations

import logging
import threading

import uvicorn

from nojd.server import watch
from nojd.server.config import ServerConfig
from nojd.server.store import Store, open_store
from nojd.systemd import Watchdog, notify

log = logging.getLogger("nojd.server")


def serve(config: ServerConfig, host: str, port: int) -> None:
    """Run ingest and the web server until the web server stops (SIGINT, SIGTERM)."""
    from nojd.server.ingest import Ingest
    from nojd.server.web import create_app

    store = open_store(config.db, config.zone)
    ingest = Ingest(store, config.surveys(), config.broker, prefix=config.prefix,
                    settings=config.ingest, server=config)  # fmt: skip
    worker = threading.Thread(target=ingest.run, name="ingest", daemon=True)
    worker.start()
    app = create_app(config, store, ingest.link)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    done = threading.Event()
    supervisor = threading.Thread(
        target=_supervise, args=(server, worker, store, done, f"{host}:{port}"), daemon=True
    )
    supervisor.start()
    if watch.needed(config):
        watcher = threading.Thread(target=watch.keep_watching, args=(store, config, done),
                                   name="watch", daemon=True)  # fmt: skip
        watcher.start()
    try:
        server.run()
    finally:
        done.set()
        ingest.stop()
        worker.join(10)
        store.close()


def _supervise(
    server: uvicorn.Server,
    worker: threading.Thread,
    store: Store,
    done: threading.Event,
    listen: str,
) -> None:
    """Tell systemd when the web server listens, then kick its watchdog while ingest
    runs and the store answers; a hung or dead part stops the kicks and systemd restarts."""
    while not server.started:
        if done.wait(0.1):
            return
    log.info("dashboard and API listening on http://%s", listen)
    notify(f"READY=1\nSTATUS=ingest running; dashboard on {listen}")
    watchdog = Watchdog()
    while not done.wait(watchdog.wait_limit(10.0)):
        try:
            alive = worker.is_alive() and store.healthy()
        except Exception:  # a store that cannot answer is not healthy
            log.exception("the store does not answer")
            alive = False
        if alive:
            watchdog.kick()
