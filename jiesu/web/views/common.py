"""What every page view shares: rendering domain errors and safe redirects."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from jiesu.common.errors import DomainError


def error_page(request, error: DomainError) -> HttpResponse:
    return render(request, "web/error.html", {"status": error.status, "message": error.message}, status=error.status)


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback
