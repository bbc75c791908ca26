"""`/docs` and `/redoc` load nothing from outside the app: every script, stylesheet and icon they
reference is served by the app itself, from the files installed with the project (fastapi-offline)."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import dagster as dg
import pytest
from fastapi.testclient import TestClient

from sigmasight_api.app import create_app
from sigmasight_resources.settings import load_settings

CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [value for name, value in attrs if name in ("src", "href") and value]


def _refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    return parser.refs


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    settings = load_settings(database_url=f"sqlite:///{root / 'results.db'}", home=root)
    with dg.instance_for_test(temp_dir=str(root)) as instance, TestClient(create_app(settings, instance)) as client:
        yield client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_page_assets_are_served_by_the_app(client, page):
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    refs = _refs(response.text)
    assert any(ref.endswith(".js") for ref in refs), refs  # the page does load its UI script
    for ref in refs:
        parts = urlsplit(ref)
        assert not parts.scheme and not parts.netloc, f"{page} references an external host: {ref}"
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        suffix = parts.path[parts.path.rfind(".") :]
        assert CONTENT_TYPES[suffix] in asset.headers["content-type"], (ref, asset.headers["content-type"])
        assert asset.content, ref


def test_docs_pages_point_at_the_openapi_document(client):
    for page in ("/docs", "/redoc"):
        assert "/openapi.json" in client.get(page).text
    assert client.get("/openapi.json").json()["info"]["title"] == "SigmaSight API"
