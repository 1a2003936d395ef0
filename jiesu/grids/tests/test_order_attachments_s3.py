"""`POST /api/v1/orders/{id}/attachments` against an S3-compatible server: the same moto server the
attachments app's S3 tests start (jiesu/attachments/tests/test_s3.py), on a loopback port, over
HTTP through django-storages/boto3. The order's photos land in the bucket (original, public copy,
thumbnail), are served by signed URLs only, and a refused or failed batch leaves the bucket empty."""

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from jiesu.attachments import storage
from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.attachments.tests.test_s3 import BUCKET, keys, s3, s3_server  # noqa: F401  (fixtures)
from jiesu.workorders import files
from jiesu.workorders import services as orders

URL = "/api/v1/orders/{}/attachments"


@pytest.fixture
def order(users):
    order, _ = orders.create_order(user=users["agent"], content="路面塌陷，有车辆陷入")
    return order


@pytest.fixture
def api(users):
    client = APIClient()
    client.force_authenticate(users["agent"])
    return client


def test_order_photos_are_stored_in_the_bucket(s3, api, order, users):  # noqa: F811
    assert not storage.is_local()
    answer = api.post(
        URL.format(order.pk),
        {"file": [SimpleUploadedFile("现场.jpg", samples.photo()), SimpleUploadedFile("答复.pdf", samples.pdf())],
         "purpose": "photo"},
        format="multipart",
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    rows = list(Attachment.objects.filter(owner_id=str(order.pk)).order_by("pk"))
    photo, pdf = rows
    assert keys(s3) == {
        photo.original_key, photo.public_key, photo.thumbnail_key, pdf.original_key, pdf.thumbnail_key,
    }  # fmt: skip
    assert s3.head_object(Bucket=BUCKET, Key=photo.public_key)["ContentType"] == "image/jpeg"
    assert s3.head_object(Bucket=BUCKET, Key=pdf.original_key)["ContentType"] == "application/pdf"
    assert s3.get_object(Bucket=BUCKET, Key=photo.original_key)["Body"].read() == samples.photo()

    # The thumbnail URL of the answer redirects to a short-lived signed URL of the bucket.
    body = answer.json()
    thumbnail_url = body[0]["thumbnail_url"]
    api.force_login(users["agent"])  # the file view is a page (session login)
    redirect = api.get(thumbnail_url)
    assert redirect.status_code == 302 and "Signature" in redirect["Location"]
    fetched = requests.get(redirect["Location"], timeout=10)
    assert fetched.status_code == 200 and fetched.content[:3] == b"\xff\xd8\xff"
    assert fetched.content == s3.get_object(Bucket=BUCKET, Key=photo.thumbnail_key)["Body"].read()
    assert requests.get(redirect["Location"].split("?")[0], timeout=10).status_code == 403  # private
    # The public copy has lost the camera's personal data; the original in the bucket kept it.
    public = s3.get_object(Bucket=BUCKET, Key=photo.public_key)["Body"].read()
    assert b"iPhone" not in public and b"iPhone" in samples.photo()


def test_a_refused_batch_leaves_the_bucket_empty(s3, api, order):  # noqa: F811
    answer = api.post(
        URL.format(order.pk),
        {"file": [SimpleUploadedFile("好.jpg", samples.photo()), SimpleUploadedFile("坏.jpg", samples.executable())]},
        format="multipart",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "file_executable"
    assert keys(s3) == set() and not Attachment.objects.exists()


def test_a_storage_failure_mid_batch_removes_what_was_written(s3, order, users, monkeypatch):  # noqa: F811
    """The bucket fails on the second photo's first object: the first photo's three objects, already
    in the bucket, are removed again and no row is left."""
    real_put = storage.put
    calls = []

    def flaky_put(key, content, **kwargs):
        calls.append(key)
        if len(calls) == 4:
            raise OSError("S3 connection reset")
        return real_put(key, content, **kwargs)

    monkeypatch.setattr(storage, "put", flaky_put)
    with pytest.raises(OSError):
        files.add_attachments(
            user=users["agent"],
            order_id=order.pk,
            uploads=[SimpleUploadedFile("一.jpg", samples.photo()), SimpleUploadedFile("二.jpg", samples.photo())],
        )
    assert len(calls) == 4 and keys(s3) == set() and not Attachment.objects.exists()
