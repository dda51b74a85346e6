def test_list_posts(api, base_url):
    r = api.get(f"{base_url}/posts")
    assert r.status_code == 200
    assert len(r.json()) >= 3


def test_get_post(api, base_url):
    r = api.get(f"{base_url}/posts/1")
    assert r.json()["title"] == "Hello, loop"


def test_filter_posts_by_author(api, base_url):
    r = api.get(f"{base_url}/posts", params={"author": "ada"})
    assert {p["id"] for p in r.json()} >= {1, 3}


def test_missing_post_is_404(api, base_url):
    assert api.get(f"{base_url}/posts/999").status_code == 404


def test_create_post(api, base_url):
    r = api.post(f"{base_url}/posts", json={"title": "Draft", "author": "lin"})
    assert r.status_code == 201
    assert r.json()["title"] == "Draft"


def test_delete_created_post(api, base_url):
    created = api.post(f"{base_url}/posts", json={"title": "Temp", "author": "lin"}).json()
    assert api.delete(f"{base_url}/posts/{created['id']}").status_code == 200
