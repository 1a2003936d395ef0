from django import forms
from django.contrib import admin

from jiesu.common.admin import ReadOnlyAdmin
from jiesu.notify import catalogue, rules
from jiesu.notify.models import AlertRule, Message, MessageTemplate, OptOut, RecipientProfile


class MessageTemplateForm(forms.ModelForm):
    key = forms.ChoiceField(label="模板", choices=catalogue.choices)

    class Meta:
        model = MessageTemplate
        fields = ["key", "subject", "body", "sms"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        key = self.initial.get("key") or self.data.get("key")
        if key in catalogue.specs():
            spec = catalogue.spec(key)
            names = "、".join("{" + f + "}" for f in spec.fields)
            self.fields["body"].help_text = f"可用占位符：{names}"


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("key", "label", "subject", "updated_at")

    @admin.display(description="名称")
    def label(self, obj):
        return catalogue.label_of(obj.key)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        key = initial.get("key")
        if key in catalogue.specs():
            spec = catalogue.spec(key)
            initial.update(subject=spec.subject, body=spec.body, sms=spec.sms)
        return initial


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "channel", "recipient", "address", "subject", "status", "attempts", "sent_at")
    list_filter = ("channel", "status", "kind")
    search_fields = ("subject", "address", "recipient__username")
    date_hierarchy = "created_at"


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("user", "address", "channel", "kind", "created_at")
    list_filter = ("channel",)
    search_fields = ("address", "user__username")


@admin.register(RecipientProfile)
class RecipientProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "phone")
    search_fields = ("user__username", "phone")


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("version", "deadline", "effective_from", "warn_shares", "catch_up_days")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rules.invalidate()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        rules.invalidate()
