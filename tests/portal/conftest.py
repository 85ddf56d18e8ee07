from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from world import PASSWORD, World, build_world  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = build_world(tmp_path_factory.mktemp("portal"))
    yield w
    w.laptop.close()
    w.server.close()


@pytest.fixture(scope="module")
def app(world: World) -> object:
    from pemdesk.portal import accounts, server_app

    application = server_app(world.server)
    db = world.server.db
    for name, role, lic in (("coord", "coordinator", []), ("mon", "monitor", []),
                            ("comp", "company", ["MV-000002"])):
        if accounts.get_user(db, name) is None:
            accounts.add_user(db, name, role, PASSWORD, lic)
    return application
