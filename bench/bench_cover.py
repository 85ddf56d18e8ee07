"""Vegetation cover by the Canopeo method (issue 15): one 12-MP photo, and a batch of 200.

    .venv/bin/python bench/bench_cover.py

Prints, for generated 12-MP JPEGs of ground with plants (4000 × 3000, as a phone or compact
camera saves them, 4:2:0): the time of one photo at full size and on the reduced image the
program uses (JPEG DCT scaling), the difference in cover between the two, the classification
alone on a full-size array; then a batch of 200 photos with progress polled like the GUI and a
cancel half-way. Targets: ≤ 150 ms per 12-MP photo; reduced within 1 point of full size.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pemdesk.demo_rehab import ground_photo  # noqa: E402
from pemdesk.errors import Interrupted  # noqa: E402
from pemdesk.progress import Progress  # noqa: E402
from pemdesk.rehab import cover as cv  # noqa: E402

TARGET_MS = 150.0
DISTINCT = 8
BATCH = 200


def make_photos(folder: Path) -> list[Path]:
    paths = []
    for i in range(DISTINCT):
        small = ground_photo(100 + i, 0.1 + 0.1 * i, size=(750, 1000))
        big = Image.fromarray(small).resize((4000, 3000), Image.Resampling.BICUBIC)
        noise = np.random.default_rng(i).normal(0, 4, (3000, 4000, 1))
        arr = np.clip(np.asarray(big, np.float32) + noise, 0, 255).astype(np.uint8)
        path = folder / f"p{i}.jpg"
        Image.fromarray(arr).save(path, quality=90)  # 4:2:0 like a camera
        paths.append(path)
    return paths


CPU: list[float] = []  # CPU time of the last timed() runs (the machine may be shared)


def timed(fn: object, repeat: int = 5) -> tuple[float, object]:
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[:] = [statistics.median(cpu) * 1000]
    return statistics.median(times) * 1000, result


def main() -> int:
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        paths = make_photos(Path(folder))
        print(f"{DISTINCT} generated 12-MP JPEGs, {sum(p.stat().st_size for p in paths) / DISTINCT / 1e6:.1f} MB each")
        full_params = cv.CoverParams(max_pixels=10**9)
        diffs, reduced_ms, full_ms, reduced_cpu = [], [], [], []
        for path in paths:
            ms_full, full = timed(lambda p=path: cv.cover_of_file(p, params=full_params), 2)
            ms_red, red = timed(lambda p=path: cv.cover_of_file(p), 5)
            reduced_cpu.append(CPU[0])
            assert isinstance(full, cv.CoverResult) and isinstance(red, cv.CoverResult)
            full_ms.append(ms_full)
            reduced_ms.append(ms_red)
            diffs.append(abs(full.cover_pct - red.cover_pct))
        arr = np.asarray(Image.open(paths[0]).convert("RGB"))
        ms_classify, _ = timed(lambda: cv.classify(arr), 5)
        print(f"12-MP photo, full size (decode + classify): median {statistics.median(full_ms):.0f} ms")
        print(f"12-MP photo, reduced ({red.width}×{red.height}): median "
              f"{statistics.median(reduced_ms):.0f} ms, worst {max(reduced_ms):.0f} ms "
              f"(target ≤ {TARGET_MS:.0f} ms: ratio {statistics.median(reduced_ms) / TARGET_MS:.2f}); "
              f"CPU time median {statistics.median(reduced_cpu):.0f} ms "
              f"(ratio {statistics.median(reduced_cpu) / TARGET_MS:.2f})")
        print(f"cover reduced vs full size: largest difference {max(diffs):.2f} points "
              f"(target ≤ 1: {'ok' if max(diffs) <= 1 else 'OVER'})")
        print(f"classification alone on a 12-MP array: median {ms_classify:.0f} ms")

        items = [(f"photo-{i}", paths[i % DISTINCT], 1) for i in range(BATCH)]
        progress = Progress()
        seen: list[int] = []
        stop = threading.Event()

        def poll() -> None:  # like the GUI's timer
            while not stop.is_set():
                seen.append(progress.done)
                time.sleep(0.1)

        poller = threading.Thread(target=poll)
        poller.start()
        start = time.perf_counter()
        results = list(cv.batch(items, len(items), progress))
        elapsed = time.perf_counter() - start
        stop.set()
        poller.join()
        print(f"batch of {BATCH}: {elapsed:.1f} s, {BATCH / elapsed:.1f} photos/s, "
              f"{1000 * elapsed / BATCH:.0f} ms each; progress polled {len(seen)} times, "
              f"{len(set(seen))} distinct values; {len(results)} results")
        progress = Progress()
        done = 0
        start = time.perf_counter()
        try:
            for _id, _result in cv.batch(items, len(items), progress):
                done += 1
                if done == BATCH // 2:
                    progress.cancel()
        except Interrupted:
            pass
        print(f"cancel after {BATCH // 2}: stopped with {done} done, "
              f"{(time.perf_counter() - start):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
