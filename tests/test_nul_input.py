"""NUL characters in a page's path or query string answer 404 / 400 pages, not 500s."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "url", ["/cases/?tag=%00", "/cases/?q=a%00b", "/cases/?%00=x", "/?next=%00"]
)
def test_nul_in_a_page_query_is_a_400_page_that_says_what_to_do(client, db, url):
    response = client.get(url)

    assert response.status_code == 400
    assert b"remove it and try again" in response.content
    assert response["Content-Type"].startswith("text/html")


def test_nul_in_a_page_path_is_the_404_page(client, db):
    response = client.get("/cases/%00/")

    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_nul_in_a_signed_in_member_query_is_a_400_page(client, member):
    client.force_login(member)

    response = client.get("/cases/?tag=country:EE%00")

    assert response.status_code == 400


@pytest.mark.postgres
def test_nul_in_a_visitor_query_never_reaches_postgresql(client, db):
    assert client.get("/cases/?tag=%00").status_code == 400
    assert client.get("/cases/?country=%00").status_code == 400
