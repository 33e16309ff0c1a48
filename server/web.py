"""The server's HTTP API (FastAPI): figures, devices, health.

Every route but ``/healthz`` needs ``Authorization: Bearer <token>``; tokens
are made with ``nojd server token create NAME``, shown once and stored as a
SHA-256 hash.  ``/api/v1/figures`` answers with the same JSON as
``nojd report --format json``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from nojd import __version__
from nojd.errors import ConfigError, SurveyError
from nojd.server.accounts import token_hash
from nojd.server.config import ServerConfig
from nojd.server.dashboard import add_dashboard
from nojd.server.figures import GROUPINGS, PERIODS, heatmap, report
from nojd.server.store import SqliteStore

bearer = HTTPBearer(auto_error=False)


def create_app(config: ServerConfig, store: SqliteStore) -> FastAPI:
    """The API on ``store``."""
    # The schema is served behind the token too: nothing but /healthz answers without one.
    app = FastAPI(
        title="nojd",
        version=__version__,
        description="Key figures of nojd terminals.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    surveys = config.surveys()

    def client(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        name = store.token_name(token_hash(credentials.credentials)) if credentials else None
        if name is None:
            raise HTTPException(
                401, "a valid bearer token is needed", {"WWW-Authenticate": "Bearer"}
            )
        return name

    def answer(compute: Any, survey: str, **chosen: Any) -> dict[str, Any]:
        """``compute(store, survey, organisation, **chosen)``; bad parameters are a 400
        that names them."""
        if survey not in surveys:
            raise HTTPException(400, f"survey: {survey!r} is not one of {', '.join(surveys)}")
        try:
            return compute(store, surveys[survey], config.organisation, **chosen)
        except (ConfigError, SurveyError) as exc:
            raise HTTPException(400, str(exc)) from None

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Whether the server answers; needs no token."""
        return {"status": "ok", "version": __version__}

    @app.get("/api/v1/figures", dependencies=[Depends(client)])
    def figures(
        first: Annotated[date, Query(alias="from", description="first local day")],
        last: Annotated[date, Query(alias="to", description="last local day")],
        by: Annotated[str, Query(description=" | ".join(GROUPINGS))] = "site",
        period: Annotated[str, Query(description=" | ".join(PERIODS))] = "total",
        survey: str = "service",
        include_flagged: bool = False,
        device: str | None = None,
        site: str | None = None,
        unit: str | None = None,
    ) -> dict[str, Any]:
        """Key figures: the report JSON of DESIGN.md."""
        return answer(
            report, survey, first=first, last=last, by=by, period=period,
            include_flagged=include_flagged, device=device, site=site, unit=unit,
        )  # fmt: skip

    @app.get("/api/v1/heatmap", dependencies=[Depends(client)])
    def hours(
        first: Annotated[date, Query(alias="from", description="first local day (its month)")],
        last: Annotated[date, Query(alias="to", description="last local day (its month)")],
        question: str = "overall",
        survey: str = "service",
        include_flagged: bool = False,
        device: str | None = None,
        site: str | None = None,
        unit: str | None = None,
    ) -> dict[str, Any]:
        """Responses and one question's figures per local weekday (1 = Monday) and hour."""
        return answer(
            heatmap, survey, first=first, last=last, question=question,
            include_flagged=include_flagged, device=device, site=site, unit=unit,
        )  # fmt: skip

    @app.get("/api/v1/devices", dependencies=[Depends(client)])
    def devices() -> list[dict[str, Any]]:
        """Every terminal: state, last seen, backlog, responses today, missing responses,
        quarantined messages."""
        return store.devices()

    @app.get("/api/v1/openapi.json", include_in_schema=False, dependencies=[Depends(client)])
    def schema() -> dict[str, Any]:
        """The OpenAPI schema of this API."""
        return app.openapi()

    add_dashboard(app, config, store)
    return app
