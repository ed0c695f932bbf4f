import pytest

from .msp import build_msp


@pytest.fixture
def msp(tech, lead, other_team_tech):
    return build_msp(tech, lead, other_team_tech)
