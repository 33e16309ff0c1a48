"""The web app: the API, the dashboard's pages, its login, access and downloads on one
FastAPI app, which ``nojd server run`` serves (:mod:`nojd.server.runtime`).

Each part is a router of its own module; this factory only puts them together on
one store.  Nothing but ``/healthz`` answers without a login or a token; the API's
schema too is behind the token (``/api/v1/openapi.json``).
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from nojd import __version__
from nojd.server import (
    access,
    api,
    configpage,
    csrf,
    dashboard,
    downloads,
    errorpages,
    headers,
    login,
)
from nojd.server.config import ServerConfig
from nojd.server.health import Link
from nojd.server.store import Store
from nojd.server.webcontext import Web
from nojd.survey import default_survey


def create_app(config: ServerConfig, store: Store, link: Link | None = None) -> FastAPI:
    """The API and the dashboard on ``store``, for the surveys ``config`` accepts; ``link``
    tells them about ingest's broker connection where ingest runs in the same process."""
    app = FastAPI(
        title="nojd",
        version=__version__,
        description="Key figures of nojd terminals.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(csrf.guard)],  # every route, and every one added later
    )
    app.state.web = Web(config, store, config.surveys(), default_survey().id, link=link)
    for part in (api, login, dashboard, access, configpage, downloads):
        app.include_router(part.router)
    errorpages.install(app)
    headers.install(app)
    return app
