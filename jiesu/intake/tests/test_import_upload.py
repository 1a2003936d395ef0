"""The admin upload page runs the same import: admin role only, shows the result, serves the
reject file, and writes nothing for a malformed file."""

from django.core.files.uploadedfile import SimpleUploadedFile

from jiesu.intake.models import ImportRun
from jiesu.workorders.models import WorkOrder

URL = "/admin/intake/importrun/upload/"
CSV = (
    "工单编号,受理时间,诉求内容,工单状态,主办单位,派单时间\n"
    "U1,2024-03-01 09:00:00,路灯不亮,已派单,方庄街道,2024-03-01 10:00:00\n"
    "U2,2024-03-01 09:00:00,井盖缺失,已派单,火星街道,2024-03-01 10:00:00\n"
)
MAPPING = (
    "columns: {external_ref: 工单编号, received_at: 受理时间, content: 诉求内容, state: 工单状态,"
    " lead_unit: 主办单位, dispatched_at: 派单时间}\n"
)


def _upload(client, body: bytes):
    return client.post(
        URL,
        {
            "file": SimpleUploadedFile("export.csv", body, content_type="text/csv"),
            "mapping": "city_platform.yaml",
            "mapping_file": SimpleUploadedFile("m.yaml", MAPPING.encode(), content_type="text/yaml"),
        },
    )


def test_admin_uploads_sees_result_and_downloads_rejects(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["admin"])
    assert client.get(URL).status_code == 200
    page = _upload(client, CSV.encode("utf-8")).content.decode()
    assert "新建工单 1 条" in page and "拒绝 1 行" in page and "火星街道" in page
    assert WorkOrder.objects.get(external_ref="U1").lead_unit.code == "110106013"
    run = ImportRun.objects.get()
    assert run.started_by == users["admin"] and run.rejected_rows == 1
    download = client.get(f"/admin/intake/importrun/{run.pk}/rejects/")
    assert download.status_code == 200
    assert "主办单位“火星街道”不存在" in b"".join(download.streaming_content).decode("utf-8-sig")


def test_malformed_upload_shows_chinese_error_and_writes_nothing(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["admin"])
    page = _upload(client, CSV.encode("gbk")).content.decode()
    assert "文件无法导入，未写入任何数据" in page and "编码" in page
    assert not WorkOrder.objects.exists()


def test_only_admins_may_import(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["dispatcher"])
    assert client.get(URL).status_code == 302  # not staff: sent to the admin login
    staff = users["auditor"]
    staff.is_staff = True  # a staff account without the admin role
    staff.save()
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    assert _upload(client, CSV.encode()).status_code == 403
    assert client.get("/admin/intake/importrun/1/rejects/").status_code == 403
    assert not WorkOrder.objects.exists()
