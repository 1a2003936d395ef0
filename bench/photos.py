"""Benchmark: a 5 MB phone photo uploaded to `POST /api/v1/orders/{id}/attachments` over loopback,
including every check, the EXIF-free public copy and the thumbnail (target ≤ 1 s).

    .venv/bin/python bench/photos.py              # 10 uploads
    .venv/bin/python bench/photos.py --repeat 20

A scratch SQLite database (var/bench_photos.sqlite3, migrated on first use) and a temporary
attachment folder; Django's WSGI app served by wsgiref in a thread on 127.0.0.1; the client is
`requests` with a token. Prints the photo's size and pixels, median and p95 of the whole request,
and the server-side split (prepare: checks + public copy + thumbnail; the rest: storage + row)."""

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def photo_of(target_mb: float) -> bytes:
    """A JPEG with camera EXIF and GPS near `target_mb`: 4032×3024 (a 12 MP phone) with noise."""
    from PIL import ExifTags, Image

    rng = random.Random(5)
    w, h = 4032, 3024
    noise = Image.frombytes("L", (w // 4, h // 4), bytes(rng.getrandbits(8) for _ in range((w // 4) * (h // 4))))
    base = Image.merge(
        "RGB", [noise.resize((w, h)), noise.rotate(90, expand=False).resize((w, h)), noise.resize((w, h))]
    )
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (39.0, 51.0, 30.0), 3: "E", 4: (116.0, 17.0, 6.0)}
    best = b""
    for quality in (95, 92, 88, 84, 80, 75, 70):
        out = io.BytesIO()
        base.save(out, "JPEG", quality=quality, exif=exif.tobytes())
        best = out.getvalue()
        if len(best) <= target_mb * 1024 * 1024:
            break
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--mb", type=float, default=5.0)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "jiesu.test_settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench_photos.sqlite3'}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    media = tempfile.mkdtemp(prefix="bench-photos-")
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from knox.models import AuthToken

    from jiesu.org.models import Role, Unit
    from jiesu.org.services import create_user
    from jiesu.workorders import services

    if not Unit.objects.exists():
        call_command("load_reference", verbosity=0)
    from jiesu.org.models import User

    user = User.objects.filter(username="bench_agent").first() or create_user(
        username="bench_agent", password="x", role=Role.AGENT, unit=Unit.objects.get(code="110106-JSJB")
    )
    _instance, token = AuthToken.objects.create(user=user)  # the API's expiring knox token (docs/security.md)
    order, _ = services.create_order(user=user, content="基准测试：上传现场照片")

    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *a):
            pass

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/orders/{order.pk}/attachments"

    import requests
    from PIL import Image

    from jiesu.attachments import services as att

    data = photo_of(args.mb)
    w, h = Image.open(io.BytesIO(data)).size
    session = requests.Session()
    headers = {"Authorization": f"Token {token}"}
    times, prepare_times = [], []
    for i in range(args.repeat + 1):
        t0 = time.perf_counter()
        r = session.post(url, headers=headers, files={"file": (f"现场{i}.jpg", data, "image/jpeg")})
        elapsed = time.perf_counter() - t0
        assert r.status_code == 201 and r.json()["thumbnail_url"], r.text[:300]
        t1 = time.perf_counter()
        att.prepare(upload=("x.jpg", data))
        if i:  # the first request warms imports and caches
            times.append(elapsed)
            prepare_times.append(time.perf_counter() - t1)
    server.shutdown()
    times.sort()
    load = os.getloadavg()
    print(f"photo: {len(data) / 1024 / 1024:.2f} MB JPEG, {w}×{h} px, EXIF with GPS")
    print(
        f"upload incl. checks, public copy, thumbnail, storage: median {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {times[min(len(times) - 1, int(len(times) * 0.95))] * 1000:.0f} ms over {len(times)} requests"
    )
    print(f"of which prepare (in-process, same photo): median {statistics.median(prepare_times) * 1000:.0f} ms")
    print(f"machine load (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
