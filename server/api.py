"""The server's HTTP API: figures, the heatmap, devices, health.

Every route but ``/healthz`` needs ``Authorization: Bearer <token>``; tokens
are made with ``nojd server token create NAME`` (or by an admin on the
dashboard's access page), shown once and stored as a SHA-256 hash.
``/api/v1/figures`` answers with the same JSON as ``nojd report --format json``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from nojd import __version__
from nojd.errors import ConfigError, SurveyError
from nojd.server.accounts import token_hash
from nojd.server.figures import PERIODS, heatmap, report
from nojd.server.groupings import GROUPINGS
from nojd.server.webcontext import Shared, Web

SURVEY_HELP = "survey id (default: the survey that ships with nojd)"

bearer = HTTPBearer(auto_error=False)
router = APIRouter()


def client(
    web: Shared, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> str:
    """The name of the request's token; a 401 without a valid one."""
    accounts = web.store.accounts
    name = accounts.token_name(token_hash(credentials.credentials)) if credentials else None
    if name is None:
        raise HTTPException(401, "a valid bearer token is needed", {"WWW-Authenticate": "Bearer"})
    return name


@router.get("/healthz")
def healthz(web: Shared) -> JSONResponse:
    """Whether the server works: its store answers and ingest holds its broker connection
    (503 if not); needs no token."""
    health = web.health()
    return JSONResponse(
        {**health.as_json(), "version": __version__}, status_code=200 if health.ok else 503
    )


@router.get("/api/v1/figures", dependencies=[Depends(client)])
def figures(
    web: Shared,
    first: Annotated[date, Query(alias="from", description="first local day")],
    last: Annotated[date, Query(alias="to", description="last local day")],
    by: Annotated[str, Query(description=" | ".join(GROUPINGS))] = "site",
    period: Annotated[str, Query(description=" | ".join(PERIODS))] = "total",
    survey: Annotated[str | None, Query(description=SURVEY_HELP)] = None,
    include_flagged: bool = False,
    device: str | None = None,
    site: str | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    """Key figures: the report JSON of docs/protocol.md."""
    return _answer(
        web, report, survey, first=first, last=last, by=by, period=period,
        include_flagged=include_flagged, device=device, site=site, unit=unit,
    )  # fmt: skip


@router.get("/api/v1/heatmap", dependencies=[Depends(client)])
def hours(
    web: Shared,
    first: Annotated[date, Query(alias="from", description="first local day (its month)")],
    last: Annotated[date, Query(alias="to", description="last local day (its month)")],
    question: Annotated[
        str | None, Query(description="question id (default: overall, or the first rating)")
    ] = None,
    survey: Annotated[str | None, Query(description=SURVEY_HELP)] = None,
    include_flagged: bool = False,
    device: str | None = None,
    site: str | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    """Responses and one question's figures per local weekday (1 = Monday) and hour."""
    return _answer(
        web, heatmap, survey, first=first, last=last, question=question,
        include_flagged=include_flagged, device=device, site=site, unit=unit,
    )  # fmt: skip


@router.get("/api/v1/devices", dependencies=[Depends(client)])
def devices(web: Shared) -> list[dict[str, Any]]:
    """Every terminal: state, last seen, backlog, responses today, missing responses,
    quarantined messages."""
    return web.store.devices()


@router.get("/api/v1/openapi.json", include_in_schema=False, dependencies=[Depends(client)])
def schema(request: Request) -> dict[str, Any]:
    """The OpenAPI schema of this API."""
    app: FastAPI = request.app  # starlette types a request's app as Any
    return app.openapi()


def _answer(
    web: Web, compute: Callable[..., dict[str, Any]], survey: str | None, **chosen: Any
) -> dict[str, Any]:
    """``compute(store, survey, organisation, **chosen)``; a bad parameter (survey
    included) is a 400 that names it."""
    try:
        return compute(web.store, web.survey(survey), web.config.organisation, **chosen)
    except (ConfigError, SurveyError) as exc:
        raise HTTPException(400, str(exc)) from None
