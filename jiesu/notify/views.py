"""The inbox page (消息中心), marking read, and each user's message settings."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiesu.notify import selectors, services
from jiesu.notify.catalogue import specs
from jiesu.notify.models import Channel, RecipientProfile

# Kinds a staff member can receive (citizen kinds go to requesters' phones only).
STAFF_KINDS = [k for k in specs() if not k.startswith("citizen_")]


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(user=request.user, unread_only=unread_only), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {"page": page, "unread_only": unread_only, "unread": selectors.unread_count(user=request.user)},
    )


@login_required
@require_POST
def mark_read(request):
    raw = request.POST.getlist("id")
    try:
        ids = [int(x) for x in raw] if raw else None
    except ValueError:
        flash.error(request, "消息编号无效")
        return redirect("notify:inbox")
    count = services.mark_read(user=request.user, message_ids=ids)
    flash.success(request, f"已将 {count} 条消息标为已读")
    return redirect(request.POST.get("next") or "notify:inbox")


@login_required
def preferences(request):
    kinds = [(key, specs()[key].label) for key in STAFF_KINDS]
    channels = [(Channel.EMAIL, "邮件"), (Channel.SMS, "短信")]
    profile, _ = RecipientProfile.objects.get_or_create(user=request.user)
    if request.method == "POST":
        phone = (request.POST.get("phone") or "").strip()
        if phone and not (phone.isdigit() and 5 <= len(phone) <= 20):
            flash.error(request, "手机号格式不正确：只能是5至20位数字")
            return redirect("notify:settings")
        blocked = [
            (channel, kind)
            for kind, _label in kinds
            for channel, _clabel in channels
            if request.POST.get(f"{channel}:{kind}") != "on"
        ]
        services.set_opt_outs(user=request.user, blocked=blocked)
        profile.phone = phone
        profile.save(update_fields=["phone"])
        flash.success(request, "接收设置已保存")
        return redirect("notify:settings")
    blocked = selectors.opt_outs(user=request.user)
    rows = [
        {
            "kind": kind,
            "label": label,
            "cells": [
                {"name": f"{channel}:{kind}", "on": (channel, kind) not in blocked and (channel, "") not in blocked}
                for channel, _ in channels
            ],
        }
        for kind, label in kinds
    ]
    return render(
        request,
        "notify/settings.html",
        {"rows": rows, "channels": channels, "phone": profile.phone, "email": request.user.email},
    )
