"""Admin: the import upload page (admin role only; a bad file writes nothing and says why) and
catalogue versions validated on save."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiesu.indicators.models import CatalogueVersion, ImportBatch, IndicatorValue

URL = "/admin/indicators/importbatch/upload/"


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    c = Client()
    c.force_login(user)
    return c


def test_upload_imports_and_lists_the_rejects(users, shipped_catalogue):
    content = "指标,单位,月份,数值\n火灾数,方庄街道,2026-05,2\n火灾数,方庄街道,2026-05,3\n火灾数,方庄街道,2026-06,1\n"
    page = staff(users["admin"]).post(
        URL, {"file": SimpleUploadedFile("fires.csv", content.encode("utf-8")), "source": "区消防救援支队"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "新增1条" in text and "拒绝2行" in text and "数值不同" in text
    assert IndicatorValue.objects.get().source == "区消防救援支队"
    batch = ImportBatch.objects.get()
    download = staff(users["admin"]).get(f"/admin/indicators/importbatch/{batch.pk}/rejects/")
    assert download.status_code == 200 and "行号,原因" in b"".join(download.streaming_content).decode("utf-8-sig")


def test_upload_of_a_bad_file_writes_nothing(users, shipped_catalogue):
    page = staff(users["admin"]).post(URL, {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert "文件无法导入，未写入任何数据" in page.content.decode()
    assert not IndicatorValue.objects.exists()
    assert ImportBatch.objects.get().error.startswith("文件无法导入")


def test_only_administrators_upload(users, shipped_catalogue):
    assert staff(users["dispatcher"]).get(URL).status_code == 403


def test_a_catalogue_version_is_validated_on_save(users, shipped_catalogue):
    c = staff(users["admin"])
    users["admin"].is_superuser = True
    users["admin"].save(update_fields=["is_superuser"])
    page = c.post(
        "/admin/indicators/catalogueversion/add/",
        {
            "version": "bad",
            "name": "坏版本",
            "effective_from": "2026-01-01",
            "source": "",
            "document": '{"indicators": [{"code": "x", "name": "x", "owner": "y", "unit": "%", "area": "z", "direction": "up"}]}',
            "is_active": "on",
        },  # fmt: skip
    )
    assert page.status_code == 200 and "方向只能是 higher / lower" in page.content.decode()
    assert not CatalogueVersion.objects.filter(version="bad").exists()
    assert CatalogueVersion.objects.get(version="fengtai-2024").effective_from == dt.date(2024, 1, 1)
