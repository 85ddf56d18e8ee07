"""HTTP for the sync client: signed requests, compressed bodies, bounded retries, stall timeouts.

Timeouts are *stall* timeouts (no byte for ``stall_s`` seconds), never totals: a 3 MB photo over
256 kbit/s takes minutes and must not be cut while bytes still flow. Connection failures, stalls
and 5xx are retried with exponential backoff and jitter, a bounded number of times; refusals
(4xx) are not retried and come out as ``SyncRefused`` carrying the server's error code.
"""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from nacl.signing import SigningKey

from pemdesk import __version__
from pemdesk.errors import Offline, PemdeskError
from pemdesk.ids import new_id
from pemdesk.sync import protocol as p

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class SyncRefused(PemdeskError):
    """The server refused a request; ``code`` is a protocol ErrorCode value."""

    def __init__(self, code: str, status: int, body: dict[str, Any]) -> None:
        mn, en = _REFUSALS.get(code, (
            "Сервер хүсэлтийг хүлээж авсангүй.", "The server refused the request."))
        super().__init__(mn, en, detail=f"{status} {code}: {body.get('message', '')}")
        self.code = code
        self.status = status
        self.body = body


def _certificate_refused(exc: BaseException) -> PemdeskError | None:
    """PinMismatch when a connection failed because the server's TLS certificate is not the
    one pinned at enrolment (someone in the middle, another server, a replaced certificate)."""
    import ssl

    from pemdesk.sync.tls import PinMismatch

    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError) or (
                isinstance(seen, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(seen)):
            reason = getattr(seen, "verify_message", "") or str(seen)
            return PinMismatch(
                "Серверийн гэрчилгээ энэ компьютерийн итгэдэг гэрчилгээ биш байна: өөр сервер "
                "эсвэл холболтод хэн нэгэн хөндлөнгөөс оролцож байж магадгүй. Юу ч илгээгээгүй; "
                "өгөгдөл энэ компьютерт аюулгүй. Сервер гэрчилгээгээ сольсон бол "
                "зохицуулагчаасаа шинэ бүртгэлийн код авч дахин бүртгүүлнэ үү.",
                "The server's certificate is not the one this laptop trusts: this may be another "
                "server or someone in the middle of the connection. Nothing was sent; "
                "everything is safe on this computer. If the server's certificate was replaced, "
                "ask your coordinator for a new enrolment code and enrol again.",
                detail=f"TLS: {reason}")
        seen = seen.__cause__ or seen.__context__
    return None


_REFUSALS = {
    "device_revoked": (
        "Энэ төхөөрөмжийн эрхийг цуцалсан байна. Зохицуулагчид хандаж дахин бүртгүүлнэ үү.",
        "This device has been revoked. Ask your coordinator to enrol it again."),
    "unauthorized": (
        "Сервер энэ төхөөрөмжийг танихгүй байна. Төхөөрөмжөө дахин бүртгүүлнэ үү.",
        "The server does not recognise this device. Enrol it again."),
    "bad_enrolment_code": (
        "Бүртгэлийн код буруу, ашиглагдсан эсвэл хугацаа нь дууссан байна.",
        "The enrolment code is wrong, already used or expired."),
    "bad_server_signature": (
        "Серверийн хариу баталгаажсан түлхүүрээр гарын үсэг зураагүй байна: холболтод хэн "
        "нэгэн хөндлөнгөөс оролцож байж магадгүй. Юу ч хэрэглээгүй.",
        "The server's answer is not signed with the pinned server key: someone may be "
        "interfering with the connection. Nothing was applied."),
    "device_seq_reused": (
        "Энэ өгөгдлийн хавтсыг өөр компьютерээс хуулсан эсвэл хуулбараас сэргээсэн байна. "
        "Өгөгдөл устаагүй; энэ хавтсыг шинэ төхөөрөмжөөр бүртгүүлнэ үү.",
        "This data folder was copied from another computer or restored from a backup. Nothing "
        "was lost; enrol this folder as a new device."),
}


@dataclass
class Stats:
    """What went over the wire (bodies and headers as sent/received by this client)."""

    requests: int = 0
    retries: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    started: float = field(default_factory=time.monotonic)

    def count(self, request: httpx.Request, response: httpx.Response) -> None:
        self.requests += 1
        self.bytes_sent += len(request.content or b"") + _header_bytes(request.headers)
        self.bytes_received += response.num_bytes_downloaded + _header_bytes(response.headers)


def _header_bytes(headers: httpx.Headers) -> int:
    return sum(len(k) + len(v) + 4 for k, v in headers.raw)


class Transport:
    def __init__(self, base_url: str, *, device_id: str | None = None,
                 signing_key: SigningKey | None = None, stall_s: float = 30.0,
                 retries: int = 6, backoff_s: float = 2.0, backoff_max_s: float = 300.0,
                 encoding: str = "zstd", sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None, server_key: str | None = None,
                 verify: ssl.SSLContext | bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.signing_key = signing_key
        self.retries = retries
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.encoding = encoding
        self.sleep = sleep
        self.stats = Stats()
        # Until the server has answered once, a refused or unroutable connection means "no
        # network here": being offline is normal, so say so after one quick retry instead of
        # spending the whole backoff budget (minutes) meant for a link that drops mid-sync.
        self.reached = False
        # The pinned server key: when set, every answer to a signed request must carry the
        # server's signature of it (protocol.response_signing_message), else SyncRefused.
        self.server_key = server_key
        # Seconds to add to this laptop's clock to get the server's (learnt from clock_skew).
        self.clock_offset_s = 0.0
        timeout = httpx.Timeout(stall_s, connect=stall_s, read=stall_s, write=stall_s)
        self.client = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                   verify=verify,
                                   headers={"user-agent": f"pemdesk/{__version__}",
                                            "accept-encoding": "zstd, gzip"})

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _signed(self, method: str, path: str, body: bytes,
                headers: dict[str, str]) -> dict[str, str]:
        """Signature headers (protocol.signing_message_v2): the body through its
        Content-Digest, and every header that changes meaning."""
        if self.signing_key is None or self.device_id is None:
            return {}
        now = datetime.now(UTC) + timedelta(seconds=self.clock_offset_s)
        stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        nonce = new_id()
        covered = {k.lower(): v for k, v in headers.items()}
        covered[p.H_DIGEST] = p.content_digest(body)
        message = p.signing_message_v2(self.device_id, method, path, stamp, nonce, covered)
        signature = self.signing_key.sign(message).signature
        return {p.H_DIGEST: covered[p.H_DIGEST], p.H_DEVICE: self.device_id, p.H_TIME: stamp,
                p.H_NONCE: nonce, p.H_SIG: signature.hex()}

    def _learn_clock(self, response: httpx.Response) -> bool:
        """After a ``clock_skew`` refusal: sign with the server's time from now on."""
        try:
            data = response.json()
            server = datetime.fromisoformat(str(data["server_now"]).replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            return False
        self.clock_offset_s = (server - datetime.now(UTC)).total_seconds()
        return True

    def _check_answer(self, request: httpx.Request, response: httpx.Response) -> None:
        nonce = request.headers.get(p.H_NONCE)
        if self.server_key is None or nonce is None or request.method == "HEAD" \
                or not 200 <= response.status_code < 300:
            return  # refusals carry a signature too, but only data answers must
        if "application/json" not in response.headers.get("content-type", ""):
            return
        if not p.verify_response(self.server_key, nonce, response.status_code, response.content,
                                 response.headers.get(p.H_SERVER_SIG)):
            raise SyncRefused("bad_server_signature", response.status_code,
                              {"message": "the answer is not signed by the pinned server key"})

    def request(self, method: str, path: str, *, json_body: Any = None, content: bytes | None = None,
                headers: dict[str, str] | None = None, retry: bool = True,
                ok: tuple[int, ...] = (200, 201, 204, 206)) -> httpx.Response:
        """Send with retries; returns the response with an ``ok`` status or raises."""
        body = b""
        extra = dict(headers or {})
        if json_body is not None:
            body = p.encode_body(json_body, self.encoding)
            extra["content-type"] = "application/json"
            if self.encoding not in ("", "identity"):
                extra["content-encoding"] = self.encoding
        elif content is not None:
            body = content
        attempt = 0
        clock_fixed = False
        while True:
            signed = {**extra, **self._signed(method, path, body, extra)}  # fresh nonce each time
            try:
                request = self.client.build_request(method, path, content=body or None,
                                                    headers=signed)
                response = self.client.send(request)
                response.read()
                self.reached = True
                self.stats.count(request, response)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                refused_cert = _certificate_refused(exc)
                if refused_cert is not None:
                    raise refused_cert from exc  # not a network problem: never retried
                never_reached = not self.reached and isinstance(
                    exc, httpx.ConnectError | httpx.ConnectTimeout
                )
                if not retry or attempt >= self.retries or (never_reached and attempt >= 1):
                    raise Offline(
                        "Сервертэй холбогдож чадсангүй. Өгөгдөл энэ компьютерт аюулгүй "
                        "хадгалагдсан; холбоо сэргэхэд дахин оролдоно уу.",
                        "Could not reach the server. Everything is safe on this computer; try "
                        "again when the connection is back.", detail=f"{type(exc).__name__}: {exc}",
                    ) from exc
                attempt += 1
                self._backoff(attempt)
                continue
            self._check_answer(request, response)
            if response.status_code in ok:
                return response
            if response.status_code == 401 and not clock_fixed and self.signing_key is not None \
                    and b"clock_skew" in response.content and self._learn_clock(response):
                clock_fixed = True
                continue
            if response.status_code in RETRYABLE_STATUS and retry and attempt < self.retries:
                attempt += 1
                self._backoff(attempt)
                continue
            try:
                data = response.json()
            except ValueError:
                data = {}
            if not isinstance(data, dict):
                data = {}
            code = str(data.get("error", f"http_{response.status_code}"))
            if response.status_code in RETRYABLE_STATUS:
                raise Offline("Сервер одоогоор хариу өгөхгүй байна; дараа дахин оролдоно уу.",
                              "The server is not answering properly right now; try again later.",
                              detail=f"{response.status_code} {code}")
            raise SyncRefused(code, response.status_code, data)

    def _backoff(self, attempt: int) -> None:
        self.stats.retries += 1
        delay = min(self.backoff_max_s, self.backoff_s * 2 ** (attempt - 1))
        self.sleep(delay * random.uniform(0.5, 1.0))

    def json(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        response = self.request(method, path, json_body=body, **kw)
        return response.json() if response.content else {}
