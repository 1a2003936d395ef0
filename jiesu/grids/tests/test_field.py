import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.common.errors import Forbidden, InvalidInput
from jiesu.grids import field_services, selectors
from jiesu.grids.models import CheckIn, GridReport, LocationSource, ReportKind
from jiesu.grids.tests.helpers import PHOTO_POINT, gps_photo, make_grid, make_worker, order_datum
from jiesu.workorders import services as orders
from jiesu.workorders.models import Channel, WorkOrder


@pytest.fixture
def grid(units):
    return make_grid()


@pytest.fixture
def worker(units, grid):
    return make_worker(units, grid)


def test_report_becomes_a_grid_order_located_by_exif(worker, grid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        finding = field_services.report(user=worker, description="小区门口垃圾堆放", files=[gps_photo()])
    assert finding.location_source == LocationSource.EXIF
    assert (finding.lat, finding.lng) == pytest.approx(PHOTO_POINT, abs=1e-5)
    order = WorkOrder.objects.get(pk=finding.order_id)
    assert order.channel == Channel.GRID and order.grid == grid and order.street == grid.street
    # Orders keep the channel datum (GCJ-02 by default): converting back gives the photo's point.
    assert (order.lat, order.lng) == pytest.approx(order_datum(*PHOTO_POINT), abs=1e-6)
    assert order.events.get(action="create").payload["grid_report"] == finding.pk
    photo = Attachment.objects.get()
    assert photo.owner == finding and photo.thumbnail_key


def test_browser_position_wins_over_exif(worker):
    finding = field_services.report(user=worker, description="井盖缺失", files=[gps_photo()], lat=39.86, lng=116.29)
    assert finding.location_source == LocationSource.BROWSER and finding.lat == 39.86


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"files": [gps_photo(lat_dms=(31.0, 14.0, 0.0), lng_dms=(121.0, 28.0, 0.0))]}, "location_outside_beijing"),
        ({"lat": 31.23, "lng": 121.47}, "location_outside_beijing"),
        ({"files": [SimpleUploadedFile("a.jpg", samples.photo(gps=False))]}, "location_required"),
        (
            {"files": [SimpleUploadedFile("恶意.jpg", samples.executable())], "lat": 39.86, "lng": 116.29},
            "file_executable",
        ),
        ({"files": [SimpleUploadedFile("a.pdf", samples.pdf())], "lat": 39.86, "lng": 116.29}, "not_a_photo"),
    ],
)
def test_bad_report_stores_nothing(worker, kwargs, code, _attachments_in_tmp):
    with pytest.raises(InvalidInput) as err:
        field_services.report(user=worker, description="问题", **kwargs)
    assert err.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)
    assert not GridReport.objects.exists() and not WorkOrder.objects.exists() and not Attachment.objects.exists()
    assert not any(p.is_file() for p in _attachments_in_tmp.rglob("*"))


def test_only_grid_workers_with_a_grid_report(users, grid):
    with pytest.raises(Forbidden):
        field_services.report(user=users["handler"], description="x", lat=39.86, lng=116.29)


def test_self_handled_finding_is_closed_with_a_photo(worker, users):
    with pytest.raises(InvalidInput, match="须上传现场照片"):
        field_services.report(
            user=worker, description="共享单车乱停", kind=ReportKind.SELF_HANDLED, lat=39.86, lng=116.29
        )
    finding = field_services.report(
        user=worker, description="共享单车乱停", kind=ReportKind.SELF_HANDLED, files=[gps_photo()]
    )
    assert finding.order_id is None and list(selectors.open_findings(user=worker)) == [finding]
    with pytest.raises(InvalidInput, match="处置后的现场照片"):
        field_services.close_finding(user=worker, report_id=finding.pk, note="已摆放整齐")
    other = make_worker(None, finding.grid, username="wg2")
    with pytest.raises(Forbidden, match="本人"):
        field_services.close_finding(user=other, report_id=finding.pk, note="x", files=[gps_photo()])
    closed = field_services.close_finding(user=worker, report_id=finding.pk, note="已摆放整齐", files=[gps_photo()])
    assert closed.closed_at is not None and closed.closing_note == "已摆放整齐"
    assert list(Attachment.objects.values_list("purpose", flat=True).order_by("pk")) == ["photo", "closing"]
    assert not selectors.open_findings(user=worker).exists()


def test_check_in_on_an_order_in_my_grid(worker, grid, users):
    lat, lng = order_datum(39.86, 116.29)
    order, _ = orders.create_order(user=users["agent"], content="路灯不亮", lat=lat, lng=lng)
    far, _ = orders.create_order(user=users["agent"], content="别处", lat=39.95, lng=116.40)
    assert [o.pk for o in selectors.orders_in_grids(grids=[grid])] == [order.pk]
    visit = field_services.check_in(user=worker, order_id=order.pk, lat=39.8601, lng=116.2901)
    assert visit.grid == grid and 0 < visit.distance_m < 30
    with pytest.raises(Forbidden, match="不在您负责的网格"):
        field_services.check_in(user=worker, order_id=far.pk, lat=39.86, lng=116.29)
    with pytest.raises(InvalidInput, match="不在北京市范围内"):
        field_services.check_in(user=worker, order_id=order.pk, lat=31.2, lng=121.4)
    assert CheckIn.objects.count() == 1
