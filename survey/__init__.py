"""The survey shared by kiosk and server: its definition, the response message, the key figures.

Import from here; the submodules are the parts:

- :mod:`~nojd.survey.definition`: surveys from TOML,
- :mod:`~nojd.survey.message`: the response message v1; :mod:`~nojd.survey.topics`: topics,
  acks and statuses; :mod:`~nojd.survey.wire`: the rules every message shares,
- :mod:`~nojd.survey.figures`: the key figures, computed only here,
- :mod:`~nojd.survey.formatting` and :mod:`~nojd.survey.translations`: text for people.
"""

from nojd.errors import FiguresError, MessageError, SurveyError
from nojd.survey.definition import (
    GRADES,
    Option,
    Question,
    Survey,
    default_survey,
    load_survey,
    parse_survey,
)
from nojd.survey.figures import (
    choice_figures,
    question_figures,
    rating_figures,
    survey_figures,
    wilson_interval,
)
from nojd.survey.formatting import (
    format_interval,
    format_number,
    format_percent,
    format_share,
    format_target,
    share_value,
)
from nojd.survey.message import Response, build_response, decode, encode, validate

__all__ = [
    "GRADES",
    "FiguresError",
    "MessageError",
    "Option",
    "Question",
    "Response",
    "Survey",
    "SurveyError",
    "build_response",
    "choice_figures",
    "decode",
    "default_survey",
    "encode",
    "format_interval",
    "format_number",
    "format_percent",
    "format_share",
    "format_target",
    "load_survey",
    "parse_survey",
    "question_figures",
    "rating_figures",
    "share_value",
    "survey_figures",
    "validate",
    "wilson_interval",
]
