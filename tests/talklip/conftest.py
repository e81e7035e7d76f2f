from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def talklip_state():
    from talklip_helpers import official_state

    return official_state(seed=0)


@pytest.fixture(scope="session")
def seeded_talklip_checkpoint(tmp_path_factory, talklip_state):
    from talklip_helpers import write_seeded_talklip

    return write_seeded_talklip(tmp_path_factory.mktemp("talklip") / "talklip_seed0.pth", state=talklip_state)
