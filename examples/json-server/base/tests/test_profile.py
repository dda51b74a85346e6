def test_profile(api, base_url):
    r = api.get(f"{base_url}/profile")
    assert r.status_code == 200


def test_profile_owner(api, base_url):
    assert api.get(f"{base_url}/profile").json()["owner"] == "ada"


def test_database_snapshot_has_posts(api, base_url):
    assert "posts" in api.get(f"{base_url}/db").json()


def test_update_profile_name(api, base_url):
    r = api.patch(f"{base_url}/profile", json={"name": "The loop blog"})
    assert r.json()["name"] == "The loop blog"
