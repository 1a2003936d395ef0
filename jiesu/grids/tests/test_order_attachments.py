"""`POST /api/v1/orders/{id}/attachments`: the thumbnail URL in the answer; bad input refused in
Chinese with nothing stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.grids.tests.helpers import gps_photo
from jiesu.workorders import services as orders

URL = "/api/v1/orders/{}/attachments"


@pytest.fixture
def order(users):
    order, _ = orders.create_order(user=users["agent"], content="路面塌陷")
    return order


@pytest.fixture
def client(users):
    c = APIClient()
    c.force_authenticate(users["agent"])
    return c


def upload(client, order, *files, purpose="photo"):
    return client.post(URL.format(order.pk), {"file": list(files), "purpose": purpose}, format="multipart")


def test_upload_answers_with_a_thumbnail_url(client, order, users):
    answer = upload(client, order, SimpleUploadedFile("现场.jpg", samples.photo()))
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["thumbnail_url"].endswith(f"/attachments/{body['id']}/thumbnail/")
    assert body["gps"] == pytest.approx([39.858333, 116.285], abs=1e-5)  # staff see the position
    client.force_login(users["agent"])  # the file view is a page (session login)
    thumb = client.get(body["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    listed = client.get(URL.format(order.pk)).json()
    assert [a["id"] for a in listed] == [body["id"]]
    # Another street's handler does not see the order, nor may upload to it.
    other = APIClient()
    other.force_authenticate(users["other_handler"])
    assert other.post(URL.format(order.pk), {"file": SimpleUploadedFile("a.jpg", samples.photo())}).status_code == 404


def test_a_reply_attachment_and_a_pdf(client, order):
    answer = upload(client, order, SimpleUploadedFile("答复.pdf", samples.pdf(pages=2)), purpose="reply")
    assert answer.status_code == 201 and answer.json()["pages"] == 2 and answer.json()["purpose"] == "reply"


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda: SimpleUploadedFile("照片.jpg", samples.executable()), "file_executable", "可执行程序"),
        (
            lambda: SimpleUploadedFile("大图.jpg", b"\xff\xd8\xff\xe0" + b"\0" * (50 * 1024 * 1024)),
            "file_too_large",
            "文件过大",
        ),
        (lambda: SimpleUploadedFile("炸弹.pdf", samples.pdf_bomb()), "pdf_bomb", "PDF 炸弹"),
        (lambda: SimpleUploadedFile("很多页.pdf", samples.pdf(pages=400)), "pdf_too_many_pages", "页"),
        (
            lambda: gps_photo(lat_dms=(31.0, 14.0, 0.0), lng_dms=(121.0, 28.0, 0.0)),
            "location_outside_beijing",
            "不在北京市范围内",
        ),
    ],
)
def test_bad_files_are_refused_and_nothing_is_half_stored(client, order, make, code, words, _attachments_in_tmp):
    # A good photo in the same request is not stored either.
    answer = upload(client, order, SimpleUploadedFile("好.jpg", samples.photo()), make())
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == code and words in body["message"], body
    assert not Attachment.objects.exists()
    assert not any(p.is_file() for p in _attachments_in_tmp.rglob("*"))


def test_empty_request_is_a_chinese_error(client, order):
    answer = client.post(URL.format(order.pk), {}, format="multipart")
    assert answer.status_code == 400 and "文件" in answer.json()["message"]


def test_order_page_lists_and_uploads_files(users, units, client):
    from jiesu.grids import field_services
    from jiesu.grids.tests.helpers import make_grid, make_worker

    worker = make_worker(units, make_grid())
    finding = field_services.report(user=worker, description="井盖破损", files=[gps_photo()])
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{finding.order_id}/").content.decode()
    photo = Attachment.objects.get()
    assert f"/attachments/{photo.pk}/thumbnail/" in page  # the grid report's photo on its order
    assert client.get(f"/attachments/{photo.pk}/thumbnail/").status_code == 200
    answer = client.post(
        f"/orders/{finding.order_id}/attachments/",
        {"purpose": "reply", "file": SimpleUploadedFile("答复.pdf", samples.pdf())},
    )
    assert answer.status_code == 302 and Attachment.objects.filter(purpose="reply").count() == 1
    bad = client.post(
        f"/orders/{finding.order_id}/attachments/", {"file": SimpleUploadedFile("照片.jpg", samples.executable())}
    )
    assert bad.status_code == 400 and "可执行程序" in bad.content.decode()
    assert Attachment.objects.count() == 2
