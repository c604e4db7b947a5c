from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Credentials


def test_basis_over_http_matches_the_cli_shape(
    client: TestClient, creds: dict[str, Credentials]
) -> None:
    response = client.get(
        "/api/basis",
        headers=creds["officer"].bearer,
        params={
            "requesting": "NG",
            "requested": "GB",
            "measure": "confiscation",
            "date": "2024-01-01",
        },
    )
    assert response.status_code == 200
    data = response.json()
    ids = [b["instrument"] for b in data["bases"]]
    assert "UNCAC" in ids and ids[-1] == "RECIPROCITY"


def test_bad_country_is_a_422_naming_it(client: TestClient, creds: dict[str, Credentials]) -> None:
    response = client.get(
        "/api/basis",
        headers=creds["officer"].bearer,
        params={"requesting": "NG", "requested": "XX", "measure": "records"},
    )
    assert response.status_code == 422
    assert "'XX' is not an ISO 3166-1 alpha-2" in response.json()["error"]["message"]
