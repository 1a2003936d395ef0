import io

from django.core.management import call_command
from django.test import override_settings


@override_settings(JIESU_PUBLIC_URL="http://127.0.0.1:8765/")
def test_demo_logins_print_the_address_served():
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "leader" in text and "jiesu2026" in text
    assert "打开 http://127.0.0.1:8765/ （" in text and "8000" not in text
