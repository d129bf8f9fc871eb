import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.accounts.models import User

from .factories import UserFactory


@pytest.fixture
def customer(db: None) -> User:
    return UserFactory()


@pytest.fixture
def customer_client(customer: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=customer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
