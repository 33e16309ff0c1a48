"""Property tests: valid messages round-trip; anything else is refused with a reason, never a crash."""

import json
import string
from datetime import UTC, datetime

from hypothesis import assume, given
from hypothesis import strategies as st

from nojd.survey import MessageError, decode, default_survey, encode, validate
from nojd.survey.message import CLOCK_STATES, FIELDS, FLAGS
from nojd.survey.wire import MAX_SEQ

SURVEY = default_survey()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def answer_for(question):
    if question.kind == "rating":
        return st.integers(1, 5)
    return st.sampled_from(question.option_ids)


@st.composite
def answers(draw):
    chosen = draw(st.lists(st.sampled_from(SURVEY.questions), min_size=1, unique_by=lambda q: q.id))
    return {question.id: draw(answer_for(question)) for question in chosen}


@st.composite
def messages(draw):
    moment = draw(st.datetimes(datetime(1970, 1, 1), datetime(9999, 12, 31)))
    return {
        "v": 1,
        "id": str(draw(st.uuids(version=4))),
        "device": draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,63}", fullmatch=True)),
        "seq": draw(st.integers(1, MAX_SEQ)),
        "site": draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,63}", fullmatch=True)),
        "survey": "service",
        "lang": draw(st.from_regex(r"[a-z]{2,3}", fullmatch=True)),
        "at": moment.isoformat(timespec="milliseconds") + "Z",
        "clock": draw(st.sampled_from(CLOCK_STATES)),
        "answers": draw(answers()),
        "flags": draw(st.lists(st.sampled_from(FLAGS), unique=True)),
    }


@given(messages())
def test_any_valid_message_round_trips(message):
    response = decode(json.dumps(message).encode(), SURVEY)
    assert json.loads(encode(response)) == message
    assert decode(encode(response), SURVEY) == response
    assert response.at.tzinfo is UTC


@given(st.binary(max_size=2048))
def test_random_bytes_are_refused_with_a_reason(raw):
    try:
        decode(raw, SURVEY)
    except MessageError as error:
        assert error.field
        assert error.reason
    else:
        raise AssertionError(f"accepted random bytes {raw!r}")


@given(json_values)
def test_random_json_is_refused_with_a_reason(value):
    try:
        decode(json.dumps(value), SURVEY)
    except MessageError as error:
        assert str(error).startswith(error.field + ": ")
    else:
        raise AssertionError(f"accepted {value!r}")


@given(messages(), st.sampled_from(FIELDS), json_values)
def test_a_changed_field_is_accepted_or_refused_by_its_name(message, key, value):
    mutated = {**message, key: value}
    try:
        response = validate(mutated, SURVEY)
    except MessageError as error:
        assert error.field.split(".")[0] == key
    else:
        assert json.loads(encode(response)) == json.loads(json.dumps(mutated))


@given(messages(), st.sampled_from(FIELDS))
def test_a_missing_field_is_named(message, key):
    del message[key]
    try:
        validate(message, SURVEY)
    except MessageError as error:
        assert str(error) == f"{key}: missing"
    else:
        raise AssertionError("accepted a message without " + key)


@given(messages(), st.text(string.ascii_letters, min_size=1))
def test_an_added_field_is_named(message, key):
    assume(key not in FIELDS)
    message[key] = 1
    try:
        validate(message, SURVEY)
    except MessageError as error:
        expected = key if len(key) <= 60 else key[:59] + "…"
        assert error.field == expected
    else:
        raise AssertionError("accepted an unknown field " + key)


@given(messages(), st.integers(0, 400), st.binary(min_size=1, max_size=8))
def test_corrupted_bytes_never_crash(message, position, junk):
    raw = json.dumps(message).encode()
    position = min(position, len(raw))
    corrupted = raw[:position] + junk + raw[position + len(junk) :]
    try:
        decode(corrupted, SURVEY)
    except MessageError as error:
        assert error.reason
