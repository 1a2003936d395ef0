"""Login, logout and the role's home page."""

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect
from django_otp import login as otp_login

from jiesu.common.otp import second_factor
from jiesu.web.roles import HOME_BY_ROLE


class OtpAuthenticationForm(AuthenticationForm):
    """Password, then the TOTP code when the account has a confirmed device (jiesu.common.otp)."""

    otp_token = forms.CharField(required=False, max_length=16)
    otp_failed = False
    otp_device = None

    def clean(self):
        cleaned = super().clean()
        try:
            self.otp_device = second_factor(self.get_user(), cleaned.get("otp_token"), request=self.request)
        except ValueError as error:
            self.otp_failed = True
            raise forms.ValidationError(str(error), code="otp_required") from None
        return cleaned


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    form_class = OtpAuthenticationForm

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response

    def get_default_redirect_url(self):
        return "/"


class LogoutView(auth_views.LogoutView):
    next_page = "/login/"


@login_required
def home(request):
    return redirect(HOME_BY_ROLE.get(request.user.role, "web:orders"))
