"""The frames between ingest's receiver and its worker come through whole, however the
pipe splits them."""

from hypothesis import given
from hypothesis import strategies as st

from nojd.server.receiver import DOWN, FRAME, MESSAGE, UP, frames

messages = st.lists(
    st.tuples(
        st.sampled_from([MESSAGE, UP, DOWN]),
        st.text(max_size=40),
        st.binary(max_size=300),
    ),
    max_size=20,
)


def encode(kind: int, topic: str, payload: bytes) -> bytes:
    name = topic.encode("utf-8")
    return FRAME.pack(kind, len(name), len(payload)) + name + payload


@given(messages, st.lists(st.integers(min_value=1, max_value=64), max_size=50))
def test_any_split_gives_back_every_frame_once(sent, cuts):
    stream = b"".join(encode(*message) for message in sent)
    buffer = bytearray()
    got = []
    at = 0
    for size in [*cuts, len(stream)]:
        buffer += stream[at : at + size]
        at += size
        found, used = frames(buffer)
        del buffer[:used]
        got += found
    assert got == sent
    assert not buffer


def test_a_frame_cut_short_is_kept_for_later():
    whole = encode(MESSAGE, "nojd/v1/desk-1/response", b"{}")
    found, used = frames(bytearray(whole[:-1]))
    assert (found, used) == ([], 0)
