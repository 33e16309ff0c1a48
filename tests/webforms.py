"""Posting the dashboard's forms as a browser does: with the form token of the page."""

import re

TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def token_of(html: str) -> str:
    """The form token in a page."""
    found = TOKEN.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def submit(client, path, data=None, page="/", **options):
    """POST ``data`` to ``path`` with the form token of ``page`` (read first, as a browser
    shows the form before it is sent)."""
    token = token_of(client.get(page).text)
    return client.post(path, data={**(data or {}), "csrf": token}, **options)
