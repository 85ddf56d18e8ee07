"""Hypothesis state machine: devices × edits × syncs through faulty links × server kills.

Invariants after every step: an op the laptop marks acknowledged is durable on the server, and
(device, device_seq) / op_id are unique there. At the end every device syncs twice and every
replica equals the server. Derandomized with bounded examples so CI stays fast.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from synchelp import LiveServer, client_for, dumps, enrolled, random_edit

from pemdesk.errors import Offline
from pemdesk.storage import sync_client as sc
from pemdesk.sync.netproxy import DOWN, UP, NetProxy

pytestmark = pytest.mark.slow


def test_devices_operations_faults(backend: str | None, fast_tmp: Path) -> None:
    server = LiveServer(fast_tmp / "server", backend)
    server.data_dir.mkdir()
    server.start()
    counter = iter(range(10**6))

    class Sync(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            n = next(counter)
            self.proxy = NetProxy(server.port)
            self.stores = [enrolled(server, fast_tmp / f"e{n}d{i}", monitor, url=self.proxy.url)
                           for i, monitor in enumerate((f"А{n}", f"Б{n}", f"А{n}"))]
            self.mine: list[dict[str, list[str]]] = [{} for _ in self.stores]
            self.kills = 0

        @rule(device=st.integers(0, 2), seed=st.integers(0, 2**16), edits=st.integers(1, 4))
        def edit(self, device: int, seed: int, edits: int) -> None:
            rng = random.Random(seed)
            for _ in range(edits):
                random_edit(self.stores[device], rng, self.mine[device])

        @rule(device=st.integers(0, 2),
              fault=st.sampled_from(["none", "cut_up", "cut_down", "offline"]),
              offset=st.integers(0, 4000))
        def sync(self, device: int, fault: str, offset: int) -> None:
            if fault in ("cut_up", "offline"):
                self.proxy.arm(UP, offset)
            elif fault == "cut_down":
                self.proxy.arm(DOWN, offset)
            retries = 0 if fault == "offline" else 3
            try:
                with client_for(self.stores[device], retries=retries, backoff_s=0.001,
                                stall_s=5) as client:
                    client.sync()
            except Offline:
                assert fault == "offline"
            self.proxy.cut_at = None

        @rule()
        def kill_server(self) -> None:
            if self.kills < 1:
                self.kills += 1
                server.restart()

        @invariant()
        def acks_are_truthful(self) -> None:
            applied = server.store.applied_ops()
            op_ids = {o.split("/")[0] for _, _, o, _ in applied}
            assert len({(d, s) for d, s, _, _ in applied}) == len(applied)
            for store in self.stores:
                acked = {r["op_id"] for r in store.outbox() if r["state"] == "acked"}
                assert acked <= op_ids

        def teardown(self) -> None:
            try:
                for _ in range(2):
                    for store in self.stores:
                        with client_for(store, backoff_s=0.001) as client:
                            client.sync()
                expected = dumps(server.store.dump())
                for store in self.stores:
                    assert store.pending_changes() == 0
                    assert dumps(sc.canonical_dump(store)) == expected
            finally:
                for store in self.stores:
                    store.close()
                self.proxy.close()

    try:
        run_state_machine_as_test(Sync, settings=settings(
            max_examples=6, stateful_step_count=12, derandomize=True, deadline=None,
            suppress_health_check=list(HealthCheck), database=None))
    finally:
        server.stop()


