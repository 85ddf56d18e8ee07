"""Helpers of the portal tests: logging in through the form, serving the app on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from world import PASSWORD


def login(client: object, name: str, password: str = PASSWORD) -> object:
    import re

    page = client.get("/login")  # type: ignore[attr-defined]
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"csrf": token, "name": name, "password": password},  # type: ignore[attr-defined]
                       follow_redirects=False)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(app: object) -> Iterator[str]:
    """The app on 127.0.0.1 (uvicorn in a thread) for a browser or a fuzzer; its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the portal did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
