"""The response message v1: build, encode, decode, and hand-picked rejections."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from nojd.survey import MessageError, build_response, decode, default_survey, encode
from nojd.survey.message import MAX_PAYLOAD

SURVEY = default_survey()
GOOD = {
    "v": 1,
    "id": "0b7f6c1e-3d2a-4f5b-9c8d-7e6f5a4b3c2d",
    "device": "hbg-kc-desk1",
    "seq": 1234,
    "site": "kontaktcenter",
    "survey": "service",
    "lang": "sv",
    "at": "2026-11-22T09:15:03.120Z",
    "clock": "synced",
    "answers": {"wait_time": 4, "reception": 5, "trust": 5, "overall": 5},
    "flags": [],
}


def payload(**changes):
    message = {**GOOD, **changes}
    return json.dumps({k: v for k, v in message.items() if v is not DROP}).encode()


DROP = object()


def test_the_design_example_is_accepted():
    response = decode(payload(), SURVEY)
    assert response.device == "hbg-kc-desk1"
    assert response.seq == 1234
    assert response.at == datetime(2026, 11, 22, 9, 15, 3, 120000, tzinfo=UTC)
    assert response.answers == {"wait_time": 4, "reception": 5, "trust": 5, "overall": 5}
    assert response.flags == ()


def test_encode_writes_the_design_shape():
    assert json.loads(encode(decode(payload(), SURVEY))) == GOOD


def test_build_encode_decode_round_trip():
    response = build_response(
        SURVEY,
        device="desk-2",
        seq=1,
        site="bibliotek",
        lang="en",
        answers={"overall": 2, "resolution": "referred"},
        flags=["partial"],
        at=datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2))),
        clock="corrected",
    )
    assert response.at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert decode(encode(response), SURVEY) == response
    assert json.loads(encode(response))["at"] == "2026-03-29T00:30:00.000Z"


def test_build_gives_each_response_a_new_uuid4():
    ids = {
        build_response(SURVEY, device="d", seq=n, site="s", lang="sv", answers={"trust": 3}).id
        for n in range(1, 50)
    }
    assert len(ids) == 49


def test_build_refuses_a_naive_time():
    with pytest.raises(MessageError, match="at: .* has no time zone"):
        build_response(
            SURVEY, device="d", seq=1, site="s", lang="sv", answers={"trust": 3},
            at=datetime(2026, 1, 1),
        )  # fmt: skip


def test_build_refuses_a_bad_answer_by_name():
    with pytest.raises(MessageError) as caught:
        build_response(SURVEY, device="d", seq=1, site="s", lang="sv", answers={"wait_time": 7})
    assert str(caught.value) == "answers.wait_time: 7 is outside 1..5"
    assert caught.value.field == "answers.wait_time"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "payload: not JSON (Expecting value at character 0)"),
        (b"\xff\xfe", "payload: not UTF-8 (invalid start byte at byte 0)"),
        (b"[1, 2]", "payload: expected a JSON object, got a list"),
        (b'"text"', "payload: expected a JSON object, got a string"),
        (b"null", "payload: expected a JSON object, got null"),
        (b"[" * 100_000, f"payload: 100000 bytes is over the limit of {MAX_PAYLOAD}"),
        (b"[" * 10_000, "payload: not JSON (RecursionError)"),
        (b'{"v": NaN}', "payload: NaN is not a JSON number"),
        (b" " * (1024 * 1024), f"payload: 1048576 bytes is over the limit of {MAX_PAYLOAD}"),
    ],
)
def test_unreadable_payloads(raw, reason):
    with pytest.raises(MessageError) as caught:
        decode(raw, SURVEY)
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"v": 2}, "v: 2 is not a supported version (expected 1)"),
        ({"v": True}, "v: true is not a supported version (expected 1)"),
        ({"v": "1"}, 'v: "1" is not a supported version (expected 1)'),
        ({"seq": DROP}, "seq: missing"),
        (
            {"colour": "red"},
            "colour: unknown field (expected v, id, device, seq, site, survey, lang, at, clock, answers, flags, epoch)",
        ),
        (
            {"id": "abc"},
            'id: "abc" is not a UUID (expected a lowercase uuid4 like 0b7f6c1e-3d2a-4f5b-9c8d-7e6f5a4b3c2d)',
        ),
        (
            {"id": "0B7F6C1E-3D2A-4F5B-9C8D-7E6F5A4B3C2D"},
            'id: "0B7F6C1E-3D2A-4F5B-9C8D-7E6F5A4B3C2D" is not a lowercase uuid4 (expected a lowercase uuid4 like 0b7f6c1e-3d2a-4f5b-9c8d-7e6f5a4b3c2d)',
        ),
        (
            {"id": 7},
            "id: 7 is not a string (expected a lowercase uuid4 like 0b7f6c1e-3d2a-4f5b-9c8d-7e6f5a4b3c2d)",
        ),
        ({"device": "Desk 1"}, 'device: "Desk 1" does not match [a-z0-9][a-z0-9-]{0,63}'),
        ({"device": "-desk"}, 'device: "-desk" does not match [a-z0-9][a-z0-9-]{0,63}'),
        (
            {"device": "d" * 65},
            "device: " + '"' + "d" * 58 + "…" + " does not match [a-z0-9][a-z0-9-]{0,63}",
        ),
        ({"seq": 0}, "seq: 0 is outside 1..9223372036854775807"),
        ({"seq": 2**63}, "seq: 9223372036854775808 is outside 1..9223372036854775807"),
        ({"seq": 1.5}, "seq: 1.5 is not a whole number"),
        ({"seq": "12"}, 'seq: "12" is not a whole number'),
        ({"seq": False}, "seq: false is not a whole number"),
        ({"survey": "other"}, 'survey: "other" is not a known survey (expected service)'),
        ({"lang": "svenska"}, 'lang: "svenska" does not match [a-z]{2,3}(-x-[a-z0-9]{1,8})?'),
        ({"lang": "sv-ll"}, 'lang: "sv-ll" does not match [a-z]{2,3}(-x-[a-z0-9]{1,8})?'),
        (
            {"at": "2026-11-22 09:15:03"},
            'at: "2026-11-22 09:15:03" is not a time (expected UTC like 2026-11-22T09:15:03.120Z)',
        ),
        (
            {"at": "2026-11-22T09:15:03+01:00"},
            'at: "2026-11-22T09:15:03+01:00" is not a time (expected UTC like 2026-11-22T09:15:03.120Z)',
        ),
        (
            {"at": "2026-02-30T09:15:03Z"},
            'at: "2026-02-30T09:15:03Z" is not a real time (expected UTC like 2026-11-22T09:15:03.120Z)',
        ),
        ({"clock": "ntp"}, 'clock: "ntp" is not one of synced, unsynced, corrected'),
        ({"answers": []}, "answers: expected an object, got a list"),
        ({"answers": {}}, "answers: is empty (expected at least one answer)"),
        ({"answers": {"wait_time": 0}}, "answers.wait_time: 0 is outside 1..5"),
        ({"answers": {"wait_time": 6}}, "answers.wait_time: 6 is outside 1..5"),
        ({"answers": {"wait_time": 7}}, "answers.wait_time: 7 is outside 1..5"),
        ({"answers": {"wait_time": 4.0}}, "answers.wait_time: 4.0 is not a whole number 1..5"),
        ({"answers": {"wait_time": "4"}}, 'answers.wait_time: "4" is not a whole number 1..5'),
        ({"answers": {"wait_time": True}}, "answers.wait_time: true is not a whole number 1..5"),
        (
            {"answers": {"colour": 3}},
            "answers.colour: unknown question (survey 'service' has wait_time, reception, trust, overall, resolution)",
        ),
        (
            {"answers": {"resolution": "maybe"}},
            'answers.resolution: "maybe" is not one of answered, referred, unanswered',
        ),
        (
            {"answers": {"resolution": 1}},
            "answers.resolution: 1 is not one of answered, referred, unanswered",
        ),
        ({"flags": "partial"}, "flags: expected a list, got a string"),
        ({"flags": ["late"]}, 'flags: "late" is not one of partial, rapid-repeat'),
        ({"flags": ["partial", "partial"]}, 'flags: ["partial", "partial"] names a flag twice'),
    ],
)
def test_each_rejection_names_the_field_and_value(changes, reason):
    with pytest.raises(MessageError) as caught:
        decode(payload(**changes), SURVEY)
    assert str(caught.value) == reason
    assert reason.startswith(caught.value.field + ": ")


def test_device_must_match_the_topic():
    with pytest.raises(MessageError) as caught:
        decode(payload(), SURVEY, topic_device="other-desk")
    assert (
        str(caught.value) == "device: 'hbg-kc-desk1' differs from the topic's device 'other-desk'"
    )
    assert decode(payload(), SURVEY, topic_device="hbg-kc-desk1").device == "hbg-kc-desk1"


def test_a_key_twice_is_refused():
    raw = payload().replace(b'"seq": 1234', b'"seq": 1234, "seq": 7')
    with pytest.raises(MessageError, match="^seq: appears twice in one object$"):
        decode(raw, SURVEY)
    raw = payload().replace(b'"wait_time": 4', b'"wait_time": 4, "wait_time": 1')
    with pytest.raises(MessageError, match="^wait_time: appears twice in one object$"):
        decode(raw, SURVEY)


@pytest.mark.parametrize("raw", ["\ufeff{}".encode(), "{}".encode("utf-16"), "{}".encode("utf-32")])
def test_only_utf8_without_bom_is_json_here(raw):
    with pytest.raises(MessageError, match="^payload: not (UTF-8|JSON)"):
        decode(raw, SURVEY)


def test_text_payload_is_accepted_like_bytes():
    assert decode(payload().decode(), SURVEY) == decode(payload(), SURVEY)


def test_message_error_is_a_value_error():
    with pytest.raises(ValueError, match="seq"):
        decode(payload(seq=-1), SURVEY)


def test_ack_and_status_round_trip_and_refusals():
    from nojd.survey.topics import (
        decode_ack,
        decode_status,
        encode_ack,
        encode_status,
        parse_topic,
        topic,
    )

    assert decode_ack(encode_ack([3, 1, 2, 3])) == [1, 2, 3]
    at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    status = decode_status(encode_status("offline", at, 12, "0.1.0"))
    assert status == {"state": "offline", "at": at, "backlog": 12, "version": "0.1.0"}
    assert parse_topic(topic("ack", "desk-1")) == ("desk-1", "ack")
    for payload, reason in [
        (b'{"v":1,"seqs":[0]}', "seq: 0 is outside 1.."),
        (b'{"v":1}', "seqs: missing"),
        (b'{"v":2,"seqs":[]}', "v: 2 is not a supported version"),
        (b"[]", "payload: expected a JSON object, got a list"),
    ]:
        with pytest.raises(MessageError, match=reason):
            decode_ack(payload)
    with pytest.raises(MessageError, match='state: "asleep" is not one of online, offline'):
        decode_status(encode_status("online", at, 0, "x").replace(b"online", b"asleep"))
    with pytest.raises(
        MessageError, match="topic: 'nojd/v1/Desk/response' is not nojd/v1/<device>/"
    ):
        parse_topic("nojd/v1/Desk/response")
