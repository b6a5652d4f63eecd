from tests.harness import Caller


def test_walk_the_provisioning_scenario(api: Caller) -> None:
    packs = api.get("/v2/servicepacks")
    assert packs.status_code == 200, packs.text
    created = api.post(
        "/v2/accounts",
        {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"},
    )
    assert created.status_code == 202, created.text
    location = created.headers["location"]
    assert location.startswith("/v2/provisioningjobs/")
    first = api.get(location)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "ongoing"
    done = api.wait_job(location)
    assert done.status_code == 201, done.text
    account = api.get(done.json()["resource_links"][0])
    assert account.status_code == 200, account.text
    assert account.json()["identifier"] == "example.com"
