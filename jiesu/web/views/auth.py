"""Login, logout and the role's home page."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from jiesu.web.roles import HOME_BY_ROLE


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return "/"


class LogoutView(auth_views.LogoutView):
    next_page = "/login/"


@login_required
def home(request):
    return redirect(HOME_BY_ROLE.get(request.user.role, "web:orders"))
