"""API tokens: issued for a username and password (locked out by django-axes after repeated
failures, per account and per client address), expiring (knox, REST_KNOX TOKEN_TTL), rotated by
`refresh` (the old token stops working at once), revoked by `logout`."""

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jiesu.api.authentication import ExpiringTokenAuthentication
from jiesu.common.api import ERROR_RESPONSES, ErrorSerializer, StrictInputSerializer
from jiesu.common.errors import DomainError
from jiesu.common.lockout import lockout_message
from jiesu.common.otp import second_factor

TokenSerializer = inline_serializer(
    name="AuthToken", fields={"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
)


class CredentialsSerializer(StrictInputSerializer):
    text_kinds = {"username": "code", "password": "code", "otp_token": "code"}
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)
    otp_token = serializers.CharField(required=False, allow_blank=True, help_text="已启用动态口令（TOTP）的账号必填")


class LockedOut(DomainError):
    code = "locked_out"
    status = 429


class BadCredentials(DomainError):
    code = "invalid_credentials"
    status = 400
    default_message = "用户名或密码错误"


def _issue(user) -> Response:
    instance, token = get_token_model().objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
    return Response({"token": token, "expiry": instance.expiry})


class ObtainTokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="用户名密码换取令牌（有效期见 expiry；连续输错将被锁定）",
        request=CredentialsSerializer,
        responses={200: TokenSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
    )
    def post(self, request):
        data = CredentialsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        credentials = dict(data.validated_data)
        otp_token = credentials.pop("otp_token", "")
        user = authenticate(request=django_request, **credentials)
        if getattr(django_request, "axes_locked_out", False):
            raise LockedOut(lockout_message())
        if user is None or not user.is_active:
            raise BadCredentials()
        try:
            second_factor(user, otp_token, request=django_request)
        except ValueError as error:
            raise BadCredentials(str(error), code="otp_required") from None
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)  # audit (axes AccessLog)
        return _issue(user)


class RefreshTokenView(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="轮换令牌：返回新令牌，旧令牌立即失效",
        request=None,
        responses={200: TokenSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        response = _issue(request.user)
        request.auth.delete()
        return response


class RevokeTokenView(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="注销当前令牌", request=None, responses={204: None, **ERROR_RESPONSES})
    def post(self, request):
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
