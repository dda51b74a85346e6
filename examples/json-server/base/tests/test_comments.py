def test_list_comments(api, base_url):
    r = api.get(f"{base_url}/comments")
    assert r.status_code == 200


def test_get_comment(api, base_url):
    r = api.get(f"{base_url}/comments/1")
    assert r.json() == {"id": 1, "postId": 1, "body": "First!"}


def test_comments_of_post(api, base_url):
    r = api.get(f"{base_url}/comments", params={"postId": 1})
    assert len(r.json()) == 2


def test_create_comment(api, base_url):
    r = api.post(f"{base_url}/comments", json={"postId": 2, "body": "Agreed"})
    assert r.status_code == 201
