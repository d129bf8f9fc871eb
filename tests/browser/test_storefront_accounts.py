"""The web shop's account pages: a forgotten password reset through the emailed link, the
password changed in the account area, and the address form that asks for the rider's phone.

The server and the worker mail through Django's file backend into this test's folder: the
reset link is read from the message the worker actually sent."""

from __future__ import annotations

import email
import re
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shop.accounts.models import Address, User
from tests.accounts.factories import PASSWORD, AddressFactory, UserFactory

from .conftest import PINCODE, BrowserCustomer, BrowserShop, set_pincode, settled, wait_for

if TYPE_CHECKING:
    pass

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

NEW_PASSWORD = "mango-pickle-on-tuesday"
NEWER_PASSWORD = "tamarind-rice-on-friday"


@pytest.fixture
def mailbox(tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def shop_env(shop_env: dict[str, str], mailbox: Path) -> dict[str, str]:
    """conftest's environment, with mail written to files in `mailbox`."""
    return {
        **shop_env,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mailbox),
    }


def _messages(mailbox: Path) -> list[Message]:
    # The file backend writes each message followed by a line of 79 dashes.
    found = []
    for path in sorted(mailbox.iterdir()):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk))
    return found


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def _atta_at_checkout(shop: BrowserShop, customer: BrowserCustomer) -> None:
    """Logged in as `customer`, pincode chosen, one atta in the cart, on the checkout page."""
    from playwright.sync_api import expect

    page = shop.page
    shop.log_in(customer)
    shop.goto("/")
    settled(page)
    set_pincode(page)
    page.locator("article.card", has_text="Whole Wheat Atta").get_by_role("button", name="Add").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    page.evaluate("location.hash = '#/checkout'")
    expect(page.locator("#app h1")).to_have_text("Checkout")


def test_a_customer_who_forgot_the_password_resets_it_by_the_mailed_link_and_logs_in(
    browser_shop: BrowserShop, mailbox: Path
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    customer = browser_shop.customer(full_name="Asha Rao")
    browser_shop.goto("/#/login")
    settled(page)

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.locator("#app h1")).to_have_text("Forgot your password?")
    page.get_by_label("Email").fill(customer.email.upper())  # as typed, in any case
    page.get_by_role("button", name="Send me a link").click()
    status = page.locator("#forgot-status")
    expect(status).to_have_text(re.compile(r"^If an account exists for .+, we have sent a link"))
    expect(status).to_have_attribute("role", "status")
    expect(status).to_be_focused()
    expect(page.locator("#forgot-form input[name=email]")).to_be_hidden()

    # The worker sends it after the request's commit.
    wait_for(lambda: len(_messages(mailbox)) == 1, timeout=30, what="the reset mail", worker=browser_shop.worker)
    message = _messages(mailbox)[0]
    assert message["To"] == customer.email
    assert message["Subject"] == "Reset your password"
    links = re.findall(r"https?://\S+", _body(message))
    assert len(links) == 1
    link = links[0]
    assert link.startswith(f"{browser_shop.url}/#/reset-password?uid=")

    page.goto(link)
    expect(page.locator("#app h1")).to_have_text("Choose a new password")
    form = page.locator("#reset-form")
    # Two different passwords are caught here, next to the second one.
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("New password again").fill(NEW_PASSWORD + "x")
    form.get_by_role("button", name="Save new password").click()
    again = form.locator("input[name=new_password_again]")
    expect(again).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error[data-field=new_password_again]")).to_have_text(
        "New password again: The two passwords are not the same."
    )
    # A weak one is refused by the shop's password rules, in words.
    form.get_by_label("New password", exact=True).fill("12345678")
    form.get_by_label("New password again").fill("12345678")
    form.get_by_role("button", name="Save new password").click()
    weak = form.locator(".field-error[data-field=new_password]")
    expect(weak).to_contain_text("New password: ")
    expect(weak).to_contain_text("too common")
    expect(form.locator(".form-error")).to_be_hidden()  # told once, next to the field

    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("New password again").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Save new password").click()

    # Sent to log in, with the email filled in; the link's page is not left in the history.
    expect(page.locator("#app h1")).to_have_text("Log in")
    expect(page.locator("#login-notice")).to_contain_text("Your password is changed")
    expect(page.locator("#login-form input[name=email]")).to_have_value(customer.email)
    assert "token=" not in page.url
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-form .form-error")).to_have_text("Email or password is wrong.")
    page.fill("#login-form input[name=password]", NEW_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#logout-button")).to_be_visible()
    expect(page.locator("#account-link")).to_be_visible()
    expect(page).to_have_url(f"{browser_shop.url}/#/")  # logging in ends by going on to the shop
    settled(page)
    assert User.objects.get(pk=customer.user.pk).check_password(NEW_PASSWORD)

    # The link worked once.
    page.goto(link)
    expect(page.locator("#app h1")).to_have_text("Choose a new password")
    page.locator("#reset-form").get_by_label("New password", exact=True).fill(NEWER_PASSWORD)
    page.locator("#reset-form").get_by_label("New password again").fill(NEWER_PASSWORD)
    page.locator("#reset-form").get_by_role("button", name="Save new password").click()
    expect(page.locator("#reset-form .form-error")).to_have_text(
        "This reset link has expired or was already used: ask for a new one."
    )
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    assert User.objects.get(pk=customer.user.pk).check_password(NEW_PASSWORD)


def test_a_customer_changes_the_password_in_the_account_area_and_stays_logged_in(browser_shop: BrowserShop) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    customer = browser_shop.customer()
    browser_shop.log_in(customer)
    browser_shop.goto("/")
    settled(page)

    page.click("#account-link")
    expect(page.locator("#app h1")).to_have_text("Your account")
    form = page.locator("#password-form")
    form.get_by_label("Current password").fill("not-my-password")
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("New password again").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    current = form.locator("input[name=current_password]")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(current).to_be_focused()
    expect(form.locator(".field-error[data-field=current_password]")).to_have_text(
        "Current password: Your current password is not right."
    )

    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_role("button", name="Change password").click()
    status = page.locator("#password-status")
    expect(status).to_have_text(
        "Your password is changed. You stay logged in here; everywhere else you are logged out."
    )
    expect(status).to_be_focused()
    expect(current).to_have_value("")
    assert User.objects.get(pk=customer.user.pk).check_password(NEW_PASSWORD)

    # This browser's session goes on with the new password.
    page.reload()
    settled(page)
    page.click("#orders-link")
    expect(page.locator("#app h1")).to_have_text("Your orders")


def test_the_address_form_asks_for_the_riders_phone_and_checkout_offers_to_add_a_missing_one(
    browser_shop: BrowserShop,
) -> None:
    from playwright.sync_api import expect

    page = browser_shop.page
    user = UserFactory.create(phone="")
    old_address = AddressFactory.create(
        user=user, pincode=PINCODE, phone="", is_default=True
    )  # saved before the form asked
    customer = BrowserCustomer(user=user, email=user.email, password=PASSWORD, address=old_address)
    _atta_at_checkout(browser_shop, customer)

    # The phone is required, and says why; nothing is saved without it.
    phone = page.get_by_label(re.compile(r"^Phone \(the rider calls it"))
    expect(phone).to_have_attribute("required", "")
    expect(phone).to_have_value("")  # the account has none to offer
    page.fill("#address-form input[name=line1]", "7 Defence Colony")
    page.click("#address-form button[type=submit]")
    assert page.eval_on_selector("#address-form input[name=phone]", "input => !input.validity.valid")
    assert page.eval_on_selector("#address-form", "form => form.querySelector(':invalid').name") == "phone"
    assert Address.objects.filter(user=user).count() == 1
    phone.fill("91234 56789")
    page.click("#address-form button[type=submit]")
    expect(page.locator("#checkout-form input[name=address_id]")).to_have_count(2)
    assert sorted(str(address.phone) for address in Address.objects.filter(user=user)) == ["", "+919123456789"]

    # The address just saved is the one chosen; the customer picks the old one (the default),
    # which has no phone: checkout's refusal says so, and asks for it there.
    expect(page.locator("#checkout-form input[name=address_id]:checked")).to_have_value(
        str(Address.objects.get(user=user, line1="7 Defence Colony").id)
    )
    page.check(f"#checkout-form input[name=address_id][value='{old_address.id}']")
    page.check("#checkout-form input[value=cod]")
    page.click("#place-order")
    expect(page.locator("#checkout-form .form-error")).to_have_text(
        "Add a phone number to this address: the rider calls it when they arrive."
    )
    fix = page.get_by_label(re.compile(r"^Phone for this address"))
    expect(fix).to_be_focused()
    fix.fill("98765 43210")
    page.get_by_role("button", name="Save phone").click()
    expect(page.locator("#checkout-form .form-error")).to_have_text("Phone saved: place your order again.")
    expect(page.locator("#place-order")).to_be_focused()
    old_address.refresh_from_db()
    assert str(old_address.phone) == "+919876543210"
    page.click("#place-order")
    expect(page).to_have_url(re.compile(r"#/orders/[0-9a-f-]{36}$"))


def test_without_an_address_here_checkout_asks_for_one_before_place_order(browser_shop: BrowserShop) -> None:
    """A customer whose only address is in another pincode: the new-address form comes
    first on screen and in Tab order, so "Place order" is not reached before the address."""
    from playwright.sync_api import expect

    page = browser_shop.page
    user = UserFactory.create()
    elsewhere = AddressFactory.create(user=user, pincode="110001")
    _atta_at_checkout(browser_shop, BrowserCustomer(user=user, email=user.email, password=PASSWORD, address=elsewhere))

    expect(page.locator("#checkout-form")).to_contain_text(f"No saved address in {PINCODE} yet: add one above.")
    first = page.evaluate(
        "document.querySelector('#address-form').compareDocumentPosition(document.querySelector('#place-order'))"
    )
    assert first & 4  # Node.DOCUMENT_POSITION_FOLLOWING: the button comes after the form
    page.focus("#app h1")
    for _ in range(3):  # Name, Phone, House: the address comes first
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('form') && document.activeElement.closest('form').id") == (
        "address-form"
    )

    page.fill("#address-form input[name=line1]", "12 CMH Road")
    page.click("#address-form button[type=submit]")
    expect(page.locator("#checkout-form input[name=address_id]:checked")).to_have_count(1)
    # With an address here, the checkout comes first again and the form for another follows.
    assert (
        page.evaluate(
            "document.querySelector('#checkout-form').compareDocumentPosition(document.querySelector('#address-form'))"
        )
        & 4
    )
