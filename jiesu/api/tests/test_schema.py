"""The OpenAPI schema of every app's endpoints generates without a warning and validates."""

from django.core.management import call_command


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text(encoding="utf-8")
    assert "/api/v1/supervision/items" in text and "/api/v1/attachments/{id}" in text
