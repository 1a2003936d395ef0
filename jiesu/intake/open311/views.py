"""Thin Open311 views: negotiate the format, call a selector or service, render; every error is
the spec's list of {code, description} with status 400, 403 or 404."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from jiesu.intake.open311 import catalogue, conf, params, selectors, services
from jiesu.intake.open311.formats import JSON, XML, Open311Error, negotiate, render, render_error


def _endpoint(methods: tuple[str, ...]):
    def wrap(view: Callable[..., HttpResponse]):
        @csrf_exempt
        def handle(request: HttpRequest, fmt: str | None = None, **kwargs) -> HttpResponse:
            chosen = negotiate(request, fmt)
            try:
                if request.method not in methods:
                    raise Open311Error.one(
                        400, "method_not_allowed", f"该接口不支持 {request.method} 请求，仅支持 {'、'.join(methods)}"
                    )
                data = request.POST if request.method == "POST" else request.GET
                params.check_jurisdiction(data)
                return view(request, data, chosen, **kwargs)
            except Open311Error as error:
                return render_error(error, fmt=chosen)

        return handle

    return wrap


@_endpoint(("GET",))
def discovery(request, data, fmt):
    root = request.build_absolute_uri("/open311/v2").rstrip("/")
    changeset = conf.get("changeset")
    body = {
        "changeset": changeset,
        "contact": conf.get("contact"),
        "key_service": conf.get("key_service"),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": root,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(body, root="discovery", fmt=fmt)


@_endpoint(("GET",))
def service_list(request, data, fmt):
    return render(catalogue.list_services(), root="services", fmt=fmt)


@_endpoint(("GET",))
def service_definition(request, data, fmt, service_code: str):
    return render(catalogue.service_definition(service_code), root="service_definition", fmt=fmt)


@_endpoint(("GET", "POST"))
def service_requests(request, data, fmt):
    if request.method == "POST":
        return render([services.submit_request(data)], root="service_requests", fmt=fmt)
    return render(selectors.search_requests(data, keyed=services.optional_key(data)), root="service_requests", fmt=fmt)


@_endpoint(("GET",))
def service_request(request, data, fmt, service_request_id: str):
    keyed = services.optional_key(data)
    return render([selectors.get_request(service_request_id, keyed=keyed)], root="service_requests", fmt=fmt)


@_endpoint(("GET",))
def token(request, data, fmt, token: str):
    return render([services.resolve_token(token)], root="service_requests", fmt=fmt)


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = JSON if path.endswith(".json") else negotiate(request, XML if path.endswith(".xml") else None)
    error = Open311Error.one(
        404, "resource_not_found", f"接口“{path}”不存在：可用 discovery、services、requests、tokens，格式 .xml 或 .json"
    )
    return render_error(error, fmt=fmt)
