import pytest
from cryptography.fernet import Fernet

from daybook.psa.services import connection_create
from tests.factories import BoardFactory, WorkRoleFactory, WorkTypeFactory
from tests.psa.fakes.connectwise import CREDENTIALS, FakeConnectWise
from tests.psa.fakes.server import fake_servers

TEST_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def psa_settings(settings):
    """A credentials key, no waiting between retries, no rate limit."""
    settings.DAYBOOK_PSA_KEY = TEST_KEY
    settings.DAYBOOK_PSA_BACKOFF_SECONDS = 0.0
    settings.DAYBOOK_PSA_REQUESTS_PER_SECOND = 0
    settings.DAYBOOK_PSA_ATTEMPTS = 4


@pytest.fixture
def fake_server(settings):
    yield from fake_servers(settings)


@pytest.fixture
def catalogue(db):
    """Daybook's side of the usual choices: matched by name to the fake PSA's."""
    return {
        "board": BoardFactory(name="Help Desk"),
        "role": WorkRoleFactory(name="Help Desk"),
        "type": WorkTypeFactory(name="Remote Support"),
    }


@pytest.fixture
def cw(fake_server, catalogue):
    app = FakeConnectWise()
    app.seed_basics()
    return app, fake_server(app)


@pytest.fixture
def cw_connection(cw, admin):
    _, server = cw
    return connection_create(
        by=admin,
        kind="connectwise",
        name="Acme ConnectWise",
        base_url=f"{server.url}/v4_6_release/apis/3.0",
        credentials=CREDENTIALS,
    )
