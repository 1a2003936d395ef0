"""Attachments on an S3-compatible object store: a real S3 server (moto's server mode, from
PyPI) started by the test on a loopback port, spoken to by django-storages/boto3 over HTTP."""

import socket
import subprocess
import sys
import time

import boto3
import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from jiesu.attachments import services, storage
from jiesu.attachments.models import Attachment
from jiesu.attachments.owners import _POLICIES, OwnerPolicy, register_owner
from jiesu.attachments.tests import samples
from jiesu.common.errors import InvalidInput
from jiesu.org.models import Unit

pytestmark = pytest.mark.django_db
BUCKET = "jiesu-attachments-test"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # moto imports Flask and botocore: slow on a busy machine
        while True:
            try:
                requests.get(url, timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):
                if process.poll() is not None:
                    raise RuntimeError(f"the S3 test server exited with {process.returncode}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("the S3 test server did not start within 90 s") from None
                time.sleep(0.2)
        boto3.client("s3", endpoint_url=url, **CREDENTIALS).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3(settings, s3_server):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": "us-east-1",
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 300,
                "default_acl": None,
            },
        },
    }
    client = boto3.client("s3", endpoint_url=s3_server, **CREDENTIALS)
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])


@pytest.fixture
def owner(units):
    unit = units["110106013"]
    saved = dict(_POLICIES)
    register_owner(Unit, OwnerPolicy(can_view=lambda user, o: True, is_public=lambda o: True))
    yield unit
    _POLICIES.clear()
    _POLICIES.update(saved)


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_photo_round_trip_through_s3(s3, owner, users, client, django_capture_on_commit_callbacks):
    assert not storage.is_local()
    row = services.attach(
        user=users["handler"], owner=owner, upload=SimpleUploadedFile("现场.jpg", samples.photo(), "image/jpeg")
    )
    assert keys(s3) == {row.original_key, row.public_key, row.thumbnail_key}
    head = s3.head_object(Bucket=BUCKET, Key=row.public_key)
    assert head["ContentType"] == "image/jpeg"
    # The app hands out a short-lived signed URL; the object itself is private.
    redirect = client.get(f"/attachments/{row.pk}/public/")
    assert redirect.status_code == 302 and "Signature" in redirect["Location"]
    fetched = requests.get(redirect["Location"], timeout=5)
    assert fetched.status_code == 200 and b"iPhone" not in fetched.content
    assert fetched.content == s3.get_object(Bucket=BUCKET, Key=row.public_key)["Body"].read()
    unsigned = requests.get(redirect["Location"].split("?")[0], timeout=5)
    assert unsigned.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_attachment(user=users["handler"], attachment_id=row.pk, reason="拍错了")
    assert keys(s3) == set() and Attachment.objects.get(pk=row.pk).is_deleted


def test_refused_upload_leaves_nothing_in_the_bucket(s3, owner, users):
    with pytest.raises(InvalidInput):
        services.attach(user=users["handler"], owner=owner, upload=SimpleUploadedFile("x.jpg", samples.executable()))
    with pytest.raises(InvalidInput):
        services.attach(user=users["handler"], owner=owner, upload=SimpleUploadedFile("x.pdf", samples.pdf_bomb()))
    assert keys(s3) == set() and not Attachment.objects.exists()
