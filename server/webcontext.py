"""What every web route shares: the server's config, its store and the surveys it serves.

The app factory keeps one :class:`Web` on ``app.state``; a route asks for it with the
:data:`Shared` dependency, so no route closes over an app of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from nojd.errors import ConfigError
from nojd.server.config import ServerConfig
from nojd.server.health import Health, Link, check
from nojd.server.store import Store
from nojd.server.throttle import LoginThrottle
from nojd.survey import Survey


@dataclass(frozen=True)
class Web:
    """The config, the store and the surveys (by id) of one app, and the survey shown
    when a request names none."""

    config: ServerConfig
    store: Store
    surveys: dict[str, Survey]
    default_survey: str
    #: Failed logins per address and user name (:mod:`nojd.server.throttle`).
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    #: Ingest's broker link, where ingest runs in this process (``nojd server run``).
    link: Link | None = None

    def health(self) -> Health:
        """The store's and the broker link's health, now."""
        return check(self.store, self.link)

    def survey(self, survey_id: str | None) -> Survey:
        """The survey ``survey_id``, or the default one for None or ``''``."""
        chosen = survey_id or self.default_survey
        if chosen not in self.surveys:
            raise ConfigError(f"survey: {chosen!r} is not one of {', '.join(self.surveys)}")
        return self.surveys[chosen]


def shared(request: Request) -> Web:
    """The :class:`Web` of the app that received ``request``."""
    web: Web = request.app.state.web  # put there by create_app; starlette types state Any
    return web


#: A route parameter of this type receives the app's :class:`Web`.
Shared = Annotated[Web, Depends(shared)]
