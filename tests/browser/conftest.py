"""Browser tests: headless Chromium (Playwright) against the shop as production runs it.

One test gets, all against the test database with its data committed:

- ``shop_server``: ``uvicorn shop.asgi:application`` in a subprocess on a free port of
  127.0.0.1, serving HTTP and the websockets (``/ws/v1/orders/<id>/``) through the Redis
  channel layer; it nudges the worker on commit, as production does.
- ``bus_worker``: a real Celery worker with beat (``tests.eventbus.workers.worker``) on a
  queue of its own, so the checkout saga moves on by itself while the browser waits.
- ``fake_razorpay``: the project's FakeRazorpay on a free port, sending its signed
  webhooks to ``<shop_server.url>/payments/razorpay/webhook/``; the server, the worker
  and this process use its keys and URL.
- ``shop_data``: a store serving pincode 560038 with two published products in stock and
  two open delivery slots, built through the apps' services with every event delivered
  (the catalog's and the cart's projections are filled) before any process starts.
- ``page``: a fresh browser context and page in headless /usr/bin/chromium, 15 s default
  timeout; on a failure a screenshot goes to /tmp/browser-<test>.png and the page's
  console, the server's and the worker's logs are added to the report.
- ``browser_shop``: all of the above in one object, with helpers to make customers and
  log them in.

Without Chromium (or Playwright) the tests are skipped, unless SHOP_BROWSER_TESTS=required
(as .ci/run sets), where that is a failure. SHOP_CHROMIUM names another executable.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.db import transaction
from django.utils import timezone

from delivery import services as delivery
from delivery.events import FeePolicy, FeeTier
from delivery.models import Slot, Zone
from delivery.services.slots import announce_slot
from inventory import services as inventory
from payments.fake_razorpay import FakeRazorpay
from shop.accounts.models import Address, User
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import PASSWORD, AddressFactory, UserFactory
from tests.catalog.factories import BrandFactory, CategoryFactory, TaxClassFactory, make_product
from tests.delivery.factories import RiderFactory, SlotFactory
from tests.e2e.conftest import ATTA, MILK, Shop
from tests.eventbus.workers import ROOT, Worker, database_url, wait_for, worker
from tests.payments.conftest import KEY_ID, KEY_SECRET, WEBHOOK_PATH, WEBHOOK_SECRET, start_fake

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("SHOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
DEFAULT_TIMEOUT_MS = 15_000
PINCODE = "560038"

__all__ = ["ATTA", "MILK", "PINCODE", "BrowserCustomer", "BrowserShop", "ShopData", "ShopServer", "wait_for"]


# --- Chromium and Playwright ----------------------------------------------------------------


def _browser_problem() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make install)"
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable; skips the test without one, fails it if SHOP_BROWSER_TESTS=required."""
    problem = _browser_problem()
    if problem:
        if os.environ.get("SHOP_BROWSER_TESTS", "").strip().lower() == "required":
            pytest.fail(f"browser tests cannot run: {problem}, and SHOP_BROWSER_TESTS=required", pytrace=False)
        pytest.skip(f"browser tests skipped: {problem} (SHOP_BROWSER_TESTS=required makes this a failure)")
    return CHROMIUM


@pytest.fixture
def browser(chromium: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """A headless Chromium (Debian's, never a downloaded one) for one test.

    Playwright's sync API runs its asyncio loop in a greenlet of this thread: while it is
    up, Django sees a running loop here and refuses the ORM (SynchronousOnlyOperation), and
    asgiref's async_to_sync refuses to run. So Django's check is off for this test only
    (never for the server or the worker: shop_env turns it back on), and Playwright stops
    after each test: one kept for the session would break every later test of the run.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


_PAGE = pytest.StashKey["Page"]()
_LOGS = pytest.StashKey[list[tuple[str, Callable[[], str]]]]()


def _add_log(request: pytest.FixtureRequest, title: str, read: Callable[[], str]) -> None:
    """Show `read()` under `title` in the report if the test fails."""
    request.node.stash.setdefault(_LOGS, []).append((title, read))


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new context (no cookies) and page; closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-IN", timezone_id="Asia/Kolkata")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    console: list[str] = []
    new_page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    new_page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    _add_log(request, "browser console", lambda: "\n".join(console[-200:]) or "(nothing)")
    request.node.stash[_PAGE] = new_page
    try:
        yield new_page
    finally:
        del request.node.stash[_PAGE]
        context.close()


def screenshot_path(test_name: str) -> Path:
    return Path("/tmp") / f"browser-{re.sub(r'[^A-Za-z0-9_.-]+', '_', test_name)}.png"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure: a screenshot of the page (still open here) and the logs, in the report."""
    report = yield
    if report.failed and report.when in ("setup", "call"):
        page_ = item.stash.get(_PAGE, None)
        if page_ is not None:
            path = screenshot_path(item.name)
            try:
                page_.screenshot(path=str(path), full_page=True)
                report.sections.append(("Captured browser screenshot", f"{path} ({page_.url})"))
            except Exception as exc:
                report.sections.append(("Captured browser screenshot", f"none: {exc!r}"))
        for title, read in item.stash.get(_LOGS, []):
            try:
                text = read()
            except Exception as exc:
                text = f"cannot read: {exc!r}"
            report.sections.append((f"Captured {title}", text))
    return report


# --- The shop's data ------------------------------------------------------------------------


@dataclass
class ShopData:
    """What the shop sells: ids the tests and the storefront use."""

    shop: Shop  # tests.e2e's Shop: .customer() is an API customer (token client, in this process)
    store_id: uuid.UUID
    zone: Zone
    slot: Slot  # the first open slot (tomorrow)
    slots: list[Slot]
    skus: dict[str, uuid.UUID]  # {"milk": MILK, "atta": ATTA}
    products: dict[str, uuid.UUID]  # the catalog's product ids, same keys
    pincode: str = PINCODE


def build_browser_shop() -> ShopData:
    """The catalog publishes two products (milk 30 rupees, atta 260 rupees) whose SKU ids are
    tests.e2e's MILK and ATTA; inventory opens a store in 560038 and receives stock; delivery
    serves the pincode with two open slots. Every event is delivered here, in this process."""
    dairy = CategoryFactory.create(name="Dairy", slug="dairy")
    staples = CategoryFactory.create(name="Staples", slug="staples")
    milk = make_product(
        title="Toned Milk",
        category=dairy,
        brand=BrandFactory.create(name="Nandini"),
        tax_class=TaxClassFactory.create(),
        storage="chilled",
        skus=[{"sku_id": MILK, "code": "MILK-500", "price_paise": 3000, "mrp_paise": 3200,
               "pack_size": 500, "pack_unit": "ml", "max_per_order": 10}],
    )  # fmt: skip
    atta = make_product(
        title="Whole Wheat Atta",
        category=staples,
        brand=BrandFactory.create(name="Aashirvaad"),
        tax_class=TaxClassFactory.create(),
        hsn_code="1101",
        skus=[{"sku_id": ATTA, "code": "ATTA-5KG", "price_paise": 26000, "mrp_paise": 30000,
               "pack_size": 5, "pack_unit": "kg", "max_per_order": 10}],
    )  # fmt: skip
    deliver_pending()  # the cart learns the products
    store = inventory.create_store(
        code="BLR-IND-1", title="Indiranagar", address="100 Feet Road", city="Bengaluru", pincode=PINCODE
    )
    expiry = timezone.localdate() + timedelta(days=30)
    inventory.receive_stock(store_id=store.id, sku_id=MILK, quantity=100, expires_on=expiry, batch_code="M1")
    inventory.receive_stock(store_id=store.id, sku_id=ATTA, quantity=100, expires_on=expiry, batch_code="A1")
    deliver_pending()  # delivery and the catalog learn the store; the catalog and the cart the stock
    zone = delivery.configure_zone(
        code="indiranagar", title="Indiranagar", store_id=store.id, pincodes=[PINCODE],
        fee_policy=FeePolicy(min_order_value_paise=0, fee_tiers=(FeeTier(min_cart_value_paise=0, fee_paise=2000),),
                             small_cart_threshold_paise=0, small_cart_fee_paise=0),
    )  # fmt: skip
    RiderFactory.create(store_id=store.id)
    tomorrow = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    slots = [SlotFactory.create(zone=zone, capacity=50, starts_at=tomorrow + timedelta(hours=h)) for h in (0, 3)]
    with transaction.atomic():
        for slot in slots:  # as delivery announces the slots it generates: checkout takes only slots the cart knows
            announce_slot(slot)
    deliver_pending()  # the cart learns the zone and its slots
    stuck = Delivery.objects.exclude(status="done").values_list("subscriber", "status", "last_error")
    assert not stuck, f"shop data: deliveries not done: {list(stuck)}"
    return ShopData(
        shop=Shop(store_id=store.id, zone=zone, slot=slots[0]),
        store_id=store.id,
        zone=zone,
        slot=slots[0],
        slots=slots,
        skus={"milk": MILK, "atta": ATTA},
        products={"milk": milk.id, "atta": atta.id},
    )


@pytest.fixture
def shop_data(transactional_db: None) -> ShopData:
    """The shop's data, committed (the server and the worker are other processes)."""
    return build_browser_shop()


# --- The processes --------------------------------------------------------------------------


def _free_port() -> int:
    """A free port below the kernel's ephemeral range: between now and the server's bind, no
    outgoing connection and no port-0 listener (the fake Razorpay) can be given it."""
    low = 32768
    with suppress(OSError, ValueError, IndexError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(100):
        port = random.randrange(max(1024, low - 10_000), low) if low > 2048 else 0
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free port for the shop server")


def _tail(path: Path, chars: int = 8000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError as exc:
        return f"cannot read {path}: {exc}"


class ShopServer:
    """`uvicorn shop.asgi:application` (HTTP and websockets) in its own process group."""

    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        self.log = Path(f"/tmp/browser-server-{port}-{uuid.uuid4().hex[:6]}.log")
        cmd = [
            sys.executable, "-m", "uvicorn", "shop.asgi:application",
            "--host", "127.0.0.1", "--port", str(port),
            "--lifespan", "off", "--log-level", "info", "--timeout-graceful-shutdown", "3",
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /readyz answers 200 (database and Redis reached)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the shop server exited ({self.process.returncode}):\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise AssertionError(f"the shop server did not get ready in {timeout} s ({last}):\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def output(self) -> str:
        return _tail(self.log)


@pytest.fixture
def shop_port() -> int:
    """The shop server's port, known before it starts: the fake Razorpay needs its webhook URL."""
    return _free_port()


@pytest.fixture
def bus_queue() -> str:
    """The Celery queue of this test's event bus: nothing else's worker takes its nudges."""
    return f"browser-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def fake_razorpay(shop_port: int, settings: Any) -> Iterator[FakeRazorpay]:
    """A fake Razorpay on a free port; it sends each signed webhook to the shop server at once."""
    # This process's settings point at it too (a test calling a payments service).
    server = start_fake(settings, webhook_url=f"http://127.0.0.1:{shop_port}{WEBHOOK_PATH}", auto_deliver=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def shop_env(shop_port: int, bus_queue: str, fake_razorpay: FakeRazorpay) -> dict[str, str]:
    """The environment of the server and the worker: the test database, the bus as in
    production (a nudge to the broker on commit, beat's sweep as the safety net), the fake."""
    return {
        "DJANGO_SETTINGS_MODULE": "shop.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EVENTBUS_QUEUE": bus_queue,
        "EVENTBUS_NUDGE_ON_COMMIT": "1",
        "EVENTBUS_SWEEP_SECONDS": "1",
        "RAZORPAY_KEY_ID": KEY_ID,
        "RAZORPAY_KEY_SECRET": KEY_SECRET,
        "RAZORPAY_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "RAZORPAY_BASE_URL": fake_razorpay.url,
        "RAZORPAY_CONNECT_TIMEOUT": "2",
        "RAZORPAY_READ_TIMEOUT": "5",
        "SHOP_PUBLIC_URL": f"http://127.0.0.1:{shop_port}",
        "LOG_FORMAT": "console",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "",  # the browser fixture's allowance is for this process only
    }


@dataclass
class ShopProcesses:
    server: ShopServer
    worker: Worker


@pytest.fixture
def shop_processes(
    shop_data: ShopData,
    shop_port: int,
    shop_env: dict[str, str],
    bus_queue: str,
    request: pytest.FixtureRequest,
) -> Iterator[ShopProcesses]:
    """The shop server and its Celery worker, started side by side (each spends some 6 s of
    CPU starting Django) once the shop's data is built, so the worker never races that
    build's own deliveries; the server stops first, then the worker."""
    with ExitStack() as stack:
        # The worker also takes the default queue "celery", where the apps' periodic and
        # other tasks go (cancelling unpaid orders, notifications): every test starts with
        # Redis flushed (tests/conftest.py), so nothing of another test waits there.
        w = stack.enter_context(worker("browser", f"{bus_queue},celery", env=shop_env, beat=True))
        _add_log(request, "worker log", w.output)
        server = ShopServer(shop_port, shop_env)
        stack.callback(server.stop)
        _add_log(request, "shop server log", server.output)
        server.wait_ready()
        wait_for(lambda: " ready." in w.output(), timeout=60, what="the Celery worker to start", worker=w)
        yield ShopProcesses(server=server, worker=w)


@pytest.fixture
def shop_server(shop_processes: ShopProcesses) -> ShopServer:
    """`uvicorn shop.asgi:application` (HTTP and websockets) on `.url`, against the test
    database, nudging `bus_worker` on commit as production does (it comes with it)."""
    return shop_processes.server


@pytest.fixture
def bus_worker(shop_processes: ShopProcesses) -> Worker:
    """A Celery worker with beat (tests.eventbus.workers), delivering this test's events:
    the checkout saga moves on by itself while the browser waits."""
    return shop_processes.worker


# --- Steps the storefront tests share ----------------------------------------------------------


def settled(page: Page) -> None:
    """Wait for the view to be drawn: #app is aria-busy while a route loads."""
    from playwright.sync_api import expect

    expect(page.locator("#app")).not_to_have_attribute("aria-busy", "true")


def set_pincode(page: Page, pincode: str = PINCODE) -> None:
    """Choose the pincode in the header's dialog and wait for the store's view (the page
    re-renders for the store's prices: a click before then lands on the old view)."""
    from playwright.sync_api import expect

    page.click("#pincode-button")
    page.fill("#pincode-form input[name=pincode]", pincode)
    page.click("#pincode-form button[type=submit]")
    expect(page.locator("#pincode-label")).to_have_text(pincode)
    settled(page)


# --- Everything together --------------------------------------------------------------------


@dataclass
class BrowserCustomer:
    user: User
    email: str
    password: str
    address: Address  # in 560038


@dataclass
class BrowserShop:
    url: str
    page: Page
    server: ShopServer
    worker: Worker
    fake: FakeRazorpay
    data: ShopData
    store_id: uuid.UUID = field(init=False)
    slot: Slot = field(init=False)
    skus: dict[str, uuid.UUID] = field(init=False)
    pincode: str = PINCODE

    def __post_init__(self) -> None:
        self.store_id = self.data.store_id
        self.slot = self.data.slot
        self.skus = self.data.skus

    def customer(self, email: str | None = None, password: str = PASSWORD, *, full_name: str = "") -> BrowserCustomer:
        """A customer who can log in with email and password, with an address in 560038."""
        fields: dict[str, Any] = {"password": password}
        if email:
            fields["email"] = email
        if full_name:
            fields["full_name"] = full_name
        user = UserFactory.create(**fields)
        address = AddressFactory.create(user=user, pincode=PINCODE)
        return BrowserCustomer(user=user, email=user.email, password=password, address=address)

    def staff(self, email: str = "staff@example.in", password: str = PASSWORD) -> BrowserCustomer:
        """A superuser for /admin/ (the address is only there to keep one shape)."""
        user = User.objects.create_superuser(email=email, password=password, full_name="Staff Member")
        return BrowserCustomer(user=user, email=user.email, password=password, address=AddressFactory.create(user=user))

    def log_in(self, customer: BrowserCustomer) -> str:
        """Log the page's context in through POST /api/v1/auth/login/ (the session cookie and
        the CSRF cookie land in the browser); returns the API token."""
        response = self.page.request.post(
            f"{self.url}/api/v1/auth/login/", data={"email": customer.email, "password": customer.password}
        )
        assert response.status == 200, response.text()
        return str(response.json()["token"])

    def goto(self, path: str = "/") -> Any:
        return self.page.goto(f"{self.url}{path}")


@pytest.fixture
def browser_shop(
    shop_data: ShopData,
    fake_razorpay: FakeRazorpay,
    bus_worker: Worker,
    shop_server: ShopServer,
    page: Page,
) -> BrowserShop:
    """The shop, its worker, the fake Razorpay, its data and a page: what a storefront test needs.

    The browser starts last (and stops first), once the data is built and the processes answer."""
    return BrowserShop(
        url=shop_server.url, page=page, server=shop_server, worker=bus_worker, fake=fake_razorpay, data=shop_data
    )
