"""The sync client: enrol, then hello → push → photos → pull, each step durable on its own.

Every acknowledged batch and every received chunk is permanent on both sides, so a sync cut at
any moment resumes where it stopped; nothing is sent twice except the one request in flight.
A sync with nothing to do is one round trip (hello carries the latest server_seq).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pemdesk import __version__
from pemdesk.errors import InvalidInput, PemdeskError
from pemdesk.ids import utc_now
from pemdesk.progress import Progress
from pemdesk.storage import Store
from pemdesk.storage import sync_client as sc
from pemdesk.sync import protocol as p
from pemdesk.sync.transport import SyncRefused, Transport

META_URL = "sync.server_url"
META_DEVICE = "sync.device_id"
META_MONITOR = "sync.monitor"
META_ROLE = "sync.role"
META_SERVER_KEY = "sync.server_key"
META_LAST = "sync.last_sync"
META_TLS_CERT = "sync.tls_cert"  # PEM of the server's certificate pinned at enrolment
META_TLS_FINGERPRINT = "sync.tls_fingerprint"
META_INSECURE = "sync.insecure"  # "1": plain HTTP to a non-loopback server was allowed
META_EPOCH_CHANGED = "sync.epoch_changed_at"
# Bytes of other monitors' thumbnails and previews one sync fetches at most.
DOWNLOAD_BUDGET = 200 * 1024 * 1024


class NotEnrolled(PemdeskError):
    def __init__(self) -> None:
        super().__init__(
            "Энэ төхөөрөмж сервертэй холбогдоогүй байна. Эхлээд бүртгүүлнэ үү: "
            "pemdesk enroll --server URL --code КОД",
            "This device is not enrolled yet. Enrol it first: pemdesk enroll --server URL --code CODE")


@dataclass
class SyncReport:
    pushed: int = 0
    acked: int = 0
    rejected: int = 0
    conflicts: int = 0
    pulled: int = 0
    blobs_uploaded: int = 0
    blob_bytes: int = 0
    blobs_deferred: int = 0
    round_trips: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    retries: int = 0
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)
    # Refused local edits of this sync: {entity, entity_id, reason} (pemdesk.sync.refusals).
    refused: list[dict[str, str]] = field(default_factory=list)
    quarantined: int = 0
    photos_downloaded: int = 0
    download_bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PlainHttpRefused(InvalidInput):
    def __init__(self, url: str) -> None:
        super().__init__(
            "Шифрлэлтгүй http:// холболтоор бүх бичлэг, утасны дугаар хүртэл ил дамжина. "
            "https:// хаяг болон гэрчилгээний хурууны хээг (бүртгэлийн код/QR-т байгаа) ашиглана "
            "уу; зайлшгүй бол --insecure.",
            "Plain http:// would send every record, phone numbers included, in clear. Use the "
            "https:// address and the certificate fingerprint (in the enrolment code or QR); "
            "only if there is no other way, --insecure.", detail=url)


def is_loopback(url: str) -> bool:
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, insecure: bool = False) -> None:
    """Refuse plain HTTP to anything but this computer itself unless ``insecure``."""
    from urllib.parse import urlsplit

    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidInput("Серверийн хаяг https:// -ээр эхэлнэ.",
                           "The server address starts with https://.", detail=url)
    if scheme == "http" and not insecure and not is_loopback(url):
        raise PlainHttpRefused(url)


def parse_enrolment(text: str) -> dict[str, str]:
    """The enrolment QR's text ``{"server": URL, "code": CODE, "tls": FINGERPRINT}`` (or a bare
    code) as {server?, code, tls?}."""
    import json

    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidInput("QR кодын бичвэр буруу байна.", "The QR code's text is not valid.",
                               detail=text[:200]) from exc
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            return {k: str(v) for k, v in data.items() if k in ("server", "code", "tls") and v}
        raise InvalidInput("QR кодын бичвэр буруу байна.", "The QR code's text is not valid.",
                           detail=text[:200])
    return {"code": text}


def _pinned_context(store: Store) -> Any:
    from pemdesk.sync.tls import ssl_context_for

    pem = store.meta(META_TLS_CERT)
    return ssl_context_for(pem) if pem else True


def enroll(store: Store, server_url: str, code: str, name: str = "",
           transport: Transport | None = None, again: bool = False, *,
           fingerprint: str | None = None, insecure: bool = False) -> dict[str, Any]:
    """Register this data folder's device key with a one-time code; pins the server's key and,
    for https with a ``fingerprint`` (from the enrolment code or QR), its TLS certificate.

    ``again``: enrol an already enrolled folder as a new device (a copied or restored folder
    the server refused with device_seq_reused). Its whole outbox is offered again under the new
    device: ops its twin already delivered are recognised by op_id and not applied twice.
    """
    from pemdesk.device_key import load_or_create

    if store.meta(META_DEVICE) and not again:
        raise InvalidInput("Энэ төхөөрөмж аль хэдийн бүртгэгдсэн байна.",
                           "This device is already enrolled.",
                           detail=f"device {store.meta(META_DEVICE)}")
    given = parse_enrolment(code)
    code = given["code"]
    fingerprint = fingerprint or given.get("tls")
    check_url(server_url, insecure)
    pem = ""
    if fingerprint:
        from pemdesk.sync.tls import (
            fetch_pinned_certificate,
            fingerprint_pem,
            normalise_fingerprint,
        )

        try:
            fingerprint = normalise_fingerprint(fingerprint)
        except ValueError as exc:
            raise InvalidInput("Гэрчилгээний хурууны хээ буруу байна (64 тэмдэгт).",
                               "The certificate fingerprint is not valid (64 hex digits).",
                               detail=fingerprint) from exc
        if server_url.lower().startswith("https://"):
            try:
                pem = fetch_pinned_certificate(server_url, fingerprint)
            except OSError as exc:
                from pemdesk.errors import Offline

                raise Offline("Сервертэй холбогдож чадсангүй.", "Could not reach the server.",
                              detail=str(exc)) from exc
            assert fingerprint_pem(pem) == fingerprint
    key = load_or_create(store.data_dir)
    own = transport is None
    if transport is None:
        from pemdesk.sync.tls import ssl_context_for

        transport = Transport(server_url, verify=ssl_context_for(pem) if pem else True)
    try:
        result = transport.json("POST", "/v1/enroll", {
            "code": code, "public_key": key.public_hex, "name": name or _hostname(),
            "app_version": __version__})
    finally:
        if own:
            transport.close()
    with store.atomic():
        store.set_meta(META_URL, server_url.rstrip("/"))
        store.set_meta(META_DEVICE, result["device_id"])
        store.set_meta(META_MONITOR, result.get("monitor_name", ""))
        store.set_meta(META_ROLE, result.get("role", "monitor"))
        store.set_meta(META_SERVER_KEY, result.get("server_key", ""))
        store.set_meta(META_TLS_CERT, pem)
        store.set_meta(META_TLS_FINGERPRINT, fingerprint or "")
        store.set_meta(META_INSECURE, "1" if insecure else "")
        # Ops captured before enrolment are this device's first ops: nothing acked yet.
        store.set_meta(sc.META_HIGH_WATER, "0")
    return result


def _hostname() -> str:
    import socket

    return socket.gethostname()[:100]


class SyncClient:
    def __init__(self, store: Store, transport: Transport, *, push_batch: int = 500,
                 max_batch: int = 4000,
                 pull_limit: int = 2000, chunk_size: int = 256 * 1024,
                 progress: Progress | None = None) -> None:
        self.store = store
        self.t = transport
        self.push_batch = push_batch
        self.max_batch = max_batch
        self.pull_limit = pull_limit
        self.chunk_size = chunk_size
        self.progress = progress or Progress()
        self.on_chunk: Callable[[str, int], None] | None = None  # tests: (sha256, offset)

    @classmethod
    def for_store(cls, store: Store, *, url: str | None = None, **kw: Any) -> SyncClient:
        from pemdesk.device_key import load_or_create

        device_id = store.meta(META_DEVICE)
        base = url or store.meta(META_URL)
        if not device_id or not base:
            raise NotEnrolled()
        insecure = bool(kw.pop("insecure", False)) or store.meta(META_INSECURE) == "1"
        check_url(base, insecure)
        tkw = {k: kw.pop(k) for k in list(kw) if k in (
            "stall_s", "retries", "backoff_s", "sleep", "transport", "encoding")}
        # Every answer must be signed by the server key pinned at enrolment, over a connection
        # to the certificate pinned at enrolment (https), so nobody in the middle can inject.
        transport = Transport(base, device_id=device_id,
                              signing_key=load_or_create(store.data_dir).signing_key,
                              server_key=store.meta(META_SERVER_KEY) or None,
                              verify=_pinned_context(store), **tkw)
        return cls(store, transport, **kw)

    def close(self) -> None:
        self.t.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the session -------------------------------------------------------------------------
    def sync(self, *, originals: bool = True, photos: bool = True,
             downloads: bool = True) -> SyncReport:
        """One full sync. Raises Offline when the server cannot be reached (a normal state)."""
        report = SyncReport()
        start = time.monotonic()
        stats0 = (self.t.stats.requests, self.t.stats.bytes_sent, self.t.stats.bytes_received,
                  self.t.stats.retries)
        try:
            hello = self.hello()
            self.push(report, hello)
            if photos:
                self.upload_blobs(report, originals=originals)
            self.pull(report, hello)
            if photos and downloads:
                self.download_photos(report)
            from pemdesk.sync.receipts_client import fetch_receipts  # seal receipts (edges)

            fetch_receipts(self)
            self.store.set_meta(META_LAST, utc_now())
        finally:
            s = self.t.stats
            report.round_trips = s.requests - stats0[0]
            report.bytes_sent = s.bytes_sent - stats0[1]
            report.bytes_received = s.bytes_received - stats0[2]
            report.retries = s.retries - stats0[3]
            report.seconds = round(time.monotonic() - start, 3)
        return report

    def hello(self) -> dict[str, Any]:
        epoch, seq = sc.cursor(self.store)
        hello = self.t.json("POST", "/v1/sync/hello", {
            "protocol": p.PROTOCOL_VERSION, "app_version": __version__,
            "schema_version": p.MAX_SCHEMA, "cursors": {p.SCOPE_ALL: [epoch, seq]}})
        if epoch and hello["server_epoch"] != epoch:
            # The server database was restored or rebuilt: pull everything again, and push
            # whatever it no longer has (acked ops are kept for exactly this).
            sc.reset_cursor(self.store)
            self.store.set_meta(META_EPOCH_CHANGED, utc_now())
        sc.set_high_water(self.store, int(hello["push_high_water"]))
        return hello

    def push(self, report: SyncReport, hello: dict[str, Any] | None = None) -> None:
        """Push pending ops in batches, pipelined: while the server applies batch k, the next
        batch is read and batch k-1's results are recorded (requests stay strictly in order)."""
        self.progress.update(label="records")
        with ThreadPoolExecutor(1, thread_name_prefix="pemsync-push") as pool:
            while not self._push_run(report, pool):
                pass  # the server asked to start again from its high water

    def _push_run(self, report: SyncReport, pool: ThreadPoolExecutor) -> bool:
        current = sc.pending_ops(self.store, limit=self.push_batch)
        if not current:
            return True
        sc.mark_sent(self.store, [o["device_seq"] for o in current])
        sent_at = time.monotonic()
        future = pool.submit(self.t.json, "POST", "/v1/sync/push", {"ops": current})
        while True:
            self.progress.check()
            upcoming = sc.pending_ops(self.store, limit=self.push_batch,
                                      after=current[-1]["device_seq"])
            try:
                result = future.result()
            except SyncRefused as exc:
                if exc.code == p.ErrorCode.SEQ_GAP and "expected" in exc.body:
                    sc.set_high_water(self.store, int(exc.body["expected"]) - 1)
                    return False
                raise
            self._adapt_batch(time.monotonic() - sent_at)
            if upcoming:
                sc.mark_sent(self.store, [o["device_seq"] for o in upcoming])
                sent_at = time.monotonic()
                future = pool.submit(self.t.json, "POST", "/v1/sync/push", {"ops": upcoming})
            results = result["results"]
            sc.mark_acked(self.store, results, int(result["high_water"]))
            report.pushed += len(current)
            sent = {o["device_seq"]: o for o in current}
            for r in results:
                if r["status"] == "rejected":
                    report.rejected += 1
                    o = sent.get(r.get("device_seq"), {})
                    report.refused.append({"entity": o.get("entity", ""),
                                           "entity_id": o.get("entity_id", ""),
                                           "reason": str(r.get("reason") or "refused")})
                else:
                    report.acked += 1
                if r["status"] == "conflict":
                    report.conflicts += 1
            self.progress.step(len(current))
            if not upcoming:
                return True
            current = upcoming

    def _adapt_batch(self, seconds: float) -> None:
        """Aim at 1–4 s per push request: bigger batches on fast links, smaller on slow ones."""
        if seconds < 1.0:
            self.push_batch = min(self.max_batch, self.push_batch * 2)
        elif seconds > 4.0:
            self.push_batch = max(50, self.push_batch // 2)

    def pull(self, report: SyncReport, hello: dict[str, Any] | None = None) -> None:
        epoch, after = sc.cursor(self.store)
        if hello is not None and report.acked == 0:
            latest = int(hello.get("latest", {}).get(p.SCOPE_ALL, -1))
            if epoch == hello["server_epoch"] and latest == after:
                return  # nothing new: the no-op sync stays one round trip
        self.progress.update(label="pull")
        held = sc.count_quarantined(self.store)
        try:
            self._pull_pages(report, after)
        finally:
            report.quarantined += max(0, sc.count_quarantined(self.store) - held)

    def _pull_pages(self, report: SyncReport, after: int) -> None:
        while True:
            self.progress.check()
            page = self.t.json("GET", f"/v1/sync/pull?scope={p.SCOPE_ALL}&after={after}"
                               f"&limit={self.pull_limit}")
            sc.pull_apply(self.store, page["changes"], epoch=page["epoch"],
                          next_after=int(page["next_after"]))
            report.pulled += len(page["changes"])
            after = int(page["next_after"])
            if not page["has_more"]:
                return

    # --- photos ------------------------------------------------------------------------------
    def upload_blobs(self, report: SyncReport, *, originals: bool = True) -> None:
        """Thumbnails, then previews, then originals (unless deferred to a USB bundle)."""
        queue = sc.upload_queue(self.store, originals=originals)
        report.blobs_deferred = sc.count_deferred(self.store) if not originals else 0
        if not queue:
            return
        missing: set[str] = set()
        shas = [b["sha256"] for b in queue]
        for i in range(0, len(shas), 2000):
            missing |= set(self.t.json("POST", "/v1/blobs/have",
                                       {"sha256": shas[i:i + 2000]})["missing"])
        sc.set_upload_state(self.store, [s for s in shas if s not in missing], "present")
        self.progress.update(label="photos", done=0, total=sum(
            b["size"] for b in queue if b["sha256"] in missing))
        for blob in queue:
            if blob["sha256"] not in missing:
                continue
            self.progress.check()
            sent = self._upload_one(blob)
            report.blobs_uploaded += 1
            report.blob_bytes += sent

    def _upload_one(self, blob: dict[str, Any]) -> int:
        """Send one blob from where the server stands; returns the payload bytes put on the wire."""
        sha, size = blob["sha256"], int(blob["size"])
        path = self.store.data_dir / blob["path"]
        url: str | None = blob.get("upload_url")
        sent = 0
        starts = 0
        offset = self._server_offset(url) if url else None
        with open(path, "rb") as fh:
            while True:
                self.progress.check()
                if offset is None:  # no upload yet, or the server finished/forgot it
                    starts += 1
                    if starts > 4:
                        raise InvalidInput(
                            "Зургийн файлыг илгээж чадсангүй: файл гэмтсэн байж магадгүй.",
                            "A photo file could not be sent: it may be damaged on this computer.",
                            detail=f"{sha} {path}")
                    created = self._create_upload(blob)
                    if created is None:
                        break  # the server has the whole file
                    url, offset = created
                assert url is not None
                if offset >= size:
                    # Complete on the server's side already, or about to be: confirm.
                    if not self.t.json("POST", "/v1/blobs/have", {"sha256": [sha]})["missing"]:
                        break
                    offset = None
                    continue
                fh.seek(offset)
                chunk = fh.read(self.chunk_size)
                digest = hashlib.sha256(chunk).digest()
                sent += len(chunk)  # payload put on the wire, whether or not it arrives
                try:
                    response = self.t.request(
                        "PATCH", url, content=chunk, retry=False, headers={
                            "upload-offset": str(offset), "upload-checksum": f"sha256 {p.b64(digest)}",
                            "content-type": "application/offset+octet-stream"})
                    offset = int(response.headers["upload-offset"])
                    if response.headers.get("upload-complete") == "1":
                        if self.on_chunk:
                            self.on_chunk(sha, offset)
                        self.progress.update(done=self.progress.done + len(chunk))
                        break
                except SyncRefused as exc:
                    if exc.code == p.ErrorCode.OFFSET_MISMATCH:
                        offset = int(exc.body.get("offset", offset))
                    elif exc.status == 404 or exc.code == p.ErrorCode.CHECKSUM_MISMATCH:
                        offset = None  # finished meanwhile, expired, or damaged: ask again
                    else:
                        raise
                except PemdeskError:
                    # Cut mid-chunk: ask the server where it stands, then go on from there.
                    offset = self._server_offset(url)
                sc.set_upload_state(self.store, [sha], "uploading", url=url, offset=offset or 0)
                if self.on_chunk:
                    self.on_chunk(sha, offset or 0)
                self.progress.update(done=self.progress.done + len(chunk))
        sc.set_upload_state(self.store, [sha], "present", url=None, offset=size)
        return sent

    def _server_offset(self, url: str) -> int | None:
        try:
            head = self.t.request("HEAD", url)
        except SyncRefused as exc:
            if exc.status != 404:
                raise
            return None
        return int(head.headers["upload-offset"])

    def _create_upload(self, blob: dict[str, Any]) -> tuple[str, int] | None:
        """(upload url, offset), or None when the server already has the blob."""
        meta = ",".join(f"{k} {p.b64(v.encode())}" if v else k for k, v in (
            ("sha256", blob["sha256"]), ("kind", blob["kind"]), ("mime", blob.get("mime") or ""),
            ("derived_from", blob.get("derived_from") or "")))
        created = self.t.request("POST", "/v1/blobs/uploads", headers={
            "upload-length": str(blob["size"]), "upload-metadata": meta})
        if created.status_code == 200:
            return None
        url = created.headers["location"]
        offset = int(created.headers.get("upload-offset", "0"))
        # Saved before any byte moves, so a restarted program resumes this very upload.
        sc.set_upload_state(self.store, [blob["sha256"]], "uploading", url=url, offset=offset)
        return url, offset

    def download_blob(self, original_sha256: str, variant: str = "thumb") -> Path:
        """Fetch another monitor's thumbnail, preview or original (checked against its hash).

        Raises Offline when the server cannot be reached, SyncRefused (404) when it does not
        have that file (yet: the owner's laptop has not sent it)."""
        from pemdesk.photos.files import PhotoFiles

        files = PhotoFiles(self.store.data_dir)
        target = {"thumb": files.thumb_path, "preview": files.preview_path,
                  "original": files.original_path}[variant](original_sha256)
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        have = part.stat().st_size if part.exists() else 0
        headers = {"range": f"bytes={have}-"} if have else {}
        # Transport retries cuts and 5xx itself; Offline or SyncRefused come out of here.
        response = self.t.request("GET", f"/v1/blobs/{original_sha256}?variant={variant}",
                                  headers=headers)
        with open(part, "ab" if response.status_code == 206 else "wb") as fh:
            fh.write(response.content)
        data = part.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        expected = original_sha256 if variant == "original" else response.headers.get("x-blob-sha256")
        if not expected or sha != expected:
            part.unlink()
            raise InvalidInput("Татсан файл гэмтсэн байна; дахин оролдоно уу.",
                               "The downloaded file is damaged; try again.", detail=sha)
        part.replace(target)
        sc.register_download(self.store, sha, len(data), files.relative(target), variant,
                             None if variant == "original" else original_sha256)
        return target

    def download_photos(self, report: SyncReport, *, budget_bytes: int | None = None,
                        previews: bool | None = None) -> None:
        """Other monitors' thumbnails, then previews (coordinators by default), within a budget.

        A file the server does not have yet is skipped (the next sync asks again); originals
        only on request (``download_blob(sha, "original")``)."""
        if previews is None:
            previews = self.store.meta(META_ROLE) == "coordinator"
        budget = DOWNLOAD_BUDGET if budget_bytes is None else budget_bytes
        wanted = sc.photos_to_download(self.store, previews=previews)
        if not wanted:
            return
        self.progress.update(label="photos-down", done=0, total=len(wanted))
        for sha, variant in wanted:
            self.progress.check()
            if report.download_bytes >= budget:
                report.messages.append(f"download budget of {budget} bytes reached")
                break
            try:
                path = self.download_blob(sha, variant)
            except SyncRefused as exc:
                if exc.status != 404:
                    raise
            except InvalidInput:
                pass  # damaged on the way: asked again next time
            else:
                report.photos_downloaded += 1
                report.download_bytes += path.stat().st_size
            self.progress.step()
