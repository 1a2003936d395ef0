"""Grids for the field tests: a small layer around the sample photo's EXIF position, a worker."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from jiesu.common import geo
from jiesu.grids import services
from jiesu.org.models import Grid, Role
from jiesu.org.services import create_user

FENGTAI = "110106009"
PHOTO_POINT = (39.858333, 116.285)  # samples.GPS, WGS-84


def square(lng, lat, d=0.02):
    ring = [[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_grid(code="S1", around=PHOTO_POINT, layer="T-1", owner=FENGTAI, kind="community"):
    lat, lng = around
    spec = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": f"网格{code}"},
                "geometry": square(lng - 0.01, lat - 0.01),
            }
        ],
    }
    services.load_layer(spec=spec, layer_code=layer, layer_name="测试", owner=owner, kind=kind, crs=geo.WGS84)
    return Grid.objects.get(code=code)


def make_worker(units, grid, username="wg1"):
    worker = create_user(
        username=username, password="pw-test-123", role=Role.GRID_WORKER, unit=grid.layer.owner, display_name="网格员甲"
    )
    services.assign(user=None, grid=grid, worker=worker)
    return worker


def gps_photo(
    lat_dms=(39.0, 51.0, 30.0), lng_dms=(116.0, 17.0, 6.0), name="现场.jpg", size=(640, 480)
) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (90, 140, 200))
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: lat_dms, 3: "E", 4: lng_dms}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def order_datum(lat, lng):
    return geo.wgs84_to_gcj02(lat, lng)
