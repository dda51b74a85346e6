import os

import pytest
import requests


@pytest.fixture(scope="session")
def base_url():
    return os.environ["BASE_URL"].rstrip("/")


@pytest.fixture
def api():
    with requests.Session() as session:
        yield session
