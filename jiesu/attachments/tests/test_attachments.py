"""Attachments: type by content, size limits, bombs, EXIF personal data, thumbnails, nothing
half-stored, tombstones, and who receives which file."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from PIL import Image

from jiesu.attachments import selectors, services
from jiesu.attachments.models import Attachment
from jiesu.attachments.owners import _POLICIES, OwnerPolicy, register_owner
from jiesu.attachments.tests import samples
from jiesu.common.errors import Forbidden, InvalidInput
from jiesu.org.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(units):
    """A unit stands in for any owning record; its policy: staff see it, public when active."""
    unit = units["110106013"]
    saved = dict(_POLICIES)
    register_owner(
        Unit,
        OwnerPolicy(
            can_view=lambda user, o: True,
            is_public=lambda o: o.is_active,
            can_delete=lambda user, o, a: False,
        ),
    )
    yield unit
    _POLICIES.clear()
    _POLICIES.update(saved)


def stored_files(folder) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_photo_is_stored_with_public_copy_and_thumbnail(owner, users, _attachments_in_tmp):
    row = services.attach(user=users["handler"], owner=owner, upload=upload("现场.jpg", samples.photo()))
    assert (row.kind, row.content_type, row.width, row.height) == ("image", "image/jpeg", 640, 480)
    assert (row.gps_lat, row.gps_lng) == pytest.approx((39.8583333, 116.285))
    assert {"GPSInfo", "Make", "Model", "BodySerialNumber", "CameraOwnerName", "Software"} <= set(row.exif_removed)
    files = stored_files(_attachments_in_tmp)
    assert len(files) == 3 and {f.rsplit("/", 1)[1] for f in files} == {"original.jpg", "public.jpg", "thumbnail.jpg"}
    public = Image.open(io.BytesIO((_attachments_in_tmp / row.public_key).read_bytes()))
    exif = public.getexif()
    assert not exif.get_ifd(0x8825) and 0x010F not in exif and 0x0110 not in exif
    assert exif.get_ifd(0x8769).get(0x9003) == "2026:11:20 10:00:00"  # when it was taken stays
    raw = (_attachments_in_tmp / row.public_key).read_bytes()
    assert b"iPhone" not in raw and b"SN-C39XK2" not in raw
    assert b"iPhone" in (_attachments_in_tmp / row.original_key).read_bytes()  # staff keep the original
    thumb = Image.open(io.BytesIO((_attachments_in_tmp / row.thumbnail_key).read_bytes()))
    assert thumb.format == "JPEG" and max(thumb.size) == 320


def test_png_and_webp_are_accepted_by_content_whatever_the_name(owner, users):
    row = services.attach(user=users["handler"], owner=owner, upload=upload("照片.pdf", samples.photo(fmt="PNG")))
    assert row.content_type == "image/png" and row.public_key.endswith("public.png")
    row = services.attach(user=users["handler"], owner=owner, upload=upload("a.jpg", samples.photo(fmt="WEBP")))
    assert row.content_type == "image/webp"


def test_pdf_is_counted_and_gets_a_thumbnail(owner, users, _attachments_in_tmp):
    row = services.attach(user=users["handler"], owner=owner, upload=upload("方案.pdf", samples.pdf(pages=3)))
    assert (row.kind, row.pages, row.public_key) == ("pdf", 3, "")
    thumb = Image.open(io.BytesIO((_attachments_in_tmp / row.thumbnail_key).read_bytes()))
    assert max(thumb.size) == 320


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("photo.jpg", samples.executable(), "file_executable", "可执行程序"),
        ("run.jpg", b"#!/bin/sh\nrm -rf /\n", "file_executable", "可执行程序"),
        ("notes.jpg", "就是一段文字".encode() * 50, "file_type_refused", "不是支持的类型"),
        ("a.gif", b"GIF89a" + b"\0" * 200, "file_type_refused", "image/gif"),
        ("empty.jpg", b"", "file_empty", "文件为空"),
        ("broken.jpg", samples.photo()[:300], "image_corrupt", "已损坏"),
        ("broken.pdf", b"%PDF-1.7\n" + b"garbage" * 100, "pdf_corrupt", "无法解析"),
        ("script.pdf", samples.pdf(javascript=True), "pdf_active", "脚本"),
    ],
)
def test_bad_files_are_refused_in_chinese_and_nothing_is_stored(
    owner, users, _attachments_in_tmp, name, data, code, words
):
    with pytest.raises(InvalidInput) as refused:
        services.attach(user=users["handler"], owner=owner, upload=upload(name, data))
    assert refused.value.code == code and words in refused.value.message
    assert stored_files(_attachments_in_tmp) == [] and not Attachment.objects.exists()


def test_executable_renamed_jpg_names_the_extension(owner, users):
    with pytest.raises(InvalidInput) as refused:
        services.attach(user=users["handler"], owner=owner, upload=upload("现场照片.JPG", samples.executable()))
    assert refused.value.message.startswith("文件扩展名为“.jpg”，但文件内容是可执行程序")


def test_a_50_mb_photo_is_refused_before_it_is_read(owner, users, _attachments_in_tmp):
    big = samples.photo()[:2] + b"\0" * (50 * 1024 * 1024)

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):  # the size alone must refuse it
            raise AssertionError("read a file that was too large")

    with pytest.raises(InvalidInput) as refused:
        services.attach(user=users["handler"], owner=owner, upload=Unreadable("大图.jpg", big, "image/jpeg"))
    assert refused.value.code == "file_too_large" and "50.0 MB" in refused.value.message
    assert stored_files(_attachments_in_tmp) == [] and not Attachment.objects.exists()


def test_image_size_limit_is_per_kind(owner, users, settings):
    settings.JIESU_ATTACHMENT_LIMITS = {"image_bytes": 10_000}
    with pytest.raises(InvalidInput) as refused:
        services.attach(user=users["handler"], owner=owner, upload=upload("a.jpg", samples.photo()))
    assert "图片不能超过" in refused.value.message
    services.attach(user=users["handler"], owner=owner, upload=upload("a.pdf", samples.pdf()))  # PDFs keep theirs


def test_decompression_bomb_image_is_refused(owner, users, settings):
    settings.JIESU_ATTACHMENT_LIMITS = {"image_pixels": 100_000}
    with pytest.raises(InvalidInput) as refused:
        services.attach(user=users["handler"], owner=owner, upload=upload("a.jpg", samples.photo(size=(800, 600))))
    assert refused.value.code == "image_too_large"


def test_pdf_bomb_is_refused(owner, users, _attachments_in_tmp):
    bomb = samples.pdf_bomb(decoded_mb=120)
    assert len(bomb) < 300_000  # small on the wire, 120 MB once inflated
    with pytest.raises(InvalidInput) as refused:
        services.attach(user=users["handler"], owner=owner, upload=upload("通知.pdf", bomb))
    assert refused.value.code == "pdf_bomb" and "PDF 炸弹" in refused.value.message
    assert stored_files(_attachments_in_tmp) == [] and not Attachment.objects.exists()


def test_failure_while_storing_removes_the_files_already_written(owner, users, _attachments_in_tmp, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Attachment.objects, "create", boom)
    with pytest.raises(RuntimeError):
        services.attach(user=users["handler"], owner=owner, upload=upload("a.jpg", samples.photo()))
    assert stored_files(_attachments_in_tmp) == []


def test_files_of_a_failed_owner_transaction_are_removed(owner, users, _attachments_in_tmp):
    prepared = services.prepare(upload=upload("a.jpg", samples.photo()))
    with pytest.raises(ValueError), services.undo_files_on_error(), transaction.atomic():
        services.store(prepared=[prepared], owner=owner, user=users["handler"])
        raise ValueError("the owner's own write failed")
    assert stored_files(_attachments_in_tmp) == [] and not Attachment.objects.exists()


def test_delete_leaves_a_tombstone(owner, users, _attachments_in_tmp, django_capture_on_commit_callbacks):
    row = services.attach(user=users["handler"], owner=owner, upload=upload("现场.jpg", samples.photo()))
    with pytest.raises(Forbidden):
        services.delete_attachment(user=users["other_handler"], attachment_id=row.pk, reason="传错了")
    with pytest.raises(InvalidInput):
        services.delete_attachment(user=users["handler"], attachment_id=row.pk, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_attachment(user=users["handler"], attachment_id=row.pk, reason="传错了照片")
    row.refresh_from_db()
    assert row.is_deleted and row.label == "（附件已删除）现场.jpg：传错了照片"
    assert (row.original_name, row.size, row.sha256) != ("", 0, "")  # what it was stays on record
    assert stored_files(_attachments_in_tmp) == []
    assert list(selectors.for_owner(owner)) == [row]
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        Attachment.objects.all().delete()


def test_who_receives_which_file(owner, users, client):
    row = services.attach(user=users["handler"], owner=owner, upload=upload("现场.jpg", samples.photo()))
    anonymous = Client()
    public = anonymous.get(f"/attachments/{row.pk}/original/")  # asks for the original, gets the public copy
    assert public.status_code == 200 and public["X-Content-Type-Options"] == "nosniff"
    assert b"iPhone" not in b"".join(public.streaming_content)
    client.force_login(users["auditor"])
    original = client.get(f"/attachments/{row.pk}/original/")
    assert b"iPhone" in b"".join(original.streaming_content)
    api = client.get(f"/api/v1/attachments/{row.pk}").json()
    assert api["gps"] == pytest.approx([39.8583333, 116.285]) and api["url"].endswith("/original/")
    assert api["thumbnail_url"].endswith("/thumbnail/")
    owner.is_active = False
    owner.save()
    assert anonymous.get(f"/attachments/{row.pk}/public/").status_code == 404
    assert anonymous.get(f"/api/v1/attachments/{row.pk}").status_code in (401, 403)


def test_api_delete_and_deleted_file_answers_410(owner, users, client):
    row = services.attach(user=users["handler"], owner=owner, upload=upload("现场.jpg", samples.photo()))
    client.force_login(users["handler"])
    answer = client.post(f"/api/v1/attachments/{row.pk}/delete", {"reason": ""}, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_input"
    answer = client.post(
        f"/api/v1/attachments/{row.pk}/delete", {"reason": "重复上传"}, content_type="application/json"
    )
    body = answer.json()
    assert answer.status_code == 200 and body["deleted"] and body["url"] is None and body["name"] == "现场.jpg"
    gone = client.get(f"/attachments/{row.pk}/original/")
    assert gone.status_code == 410 and "删除" in gone.content.decode()
