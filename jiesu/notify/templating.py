"""Templates with named placeholders ({工单编号}): checked before they are saved, rendered with a
flat dict of strings (no attribute access, no code: an admin's template cannot reach anything
else). The check names the exact problem in Chinese."""

from string import Formatter

from django.core.exceptions import ValidationError

from jiesu.notify.catalogue import spec

SMS_MAX = 300
_PARTS = {"subject": "标题", "body": "正文", "sms": "短信内容"}


def placeholders(text: str, *, part: str = "正文") -> list[str]:
    """The placeholder names of `text`; ValidationError (Chinese) for a malformed template."""
    names = []
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(
            f"{part}格式错误：花括号不成对（{_explain(exc)}）。占位符写作 {{名称}}，文字中的花括号写作 {{{{ 或 }}}}"
        ) from None
    for _literal, name, format_spec, conversion in parsed:
        if name is None:
            continue
        if name == "":
            raise ValidationError(f"{part}中有空的占位符 {{}}：请写明名称，例如 {{工单编号}}")
        if any(ch in name for ch in ".[]") or conversion or format_spec:
            raise ValidationError(f"{part}中的占位符 {{{name}}} 不合规：只能写名称本身，不能带 . [] ! : 等")
        names.append(name)
    return names


def _explain(exc: ValueError) -> str:
    text = str(exc)
    if "Single '}'" in text:
        return "有多余的 }"
    if "Single '{'" in text or "expected '}'" in text:
        return "有未闭合的 {"
    return text


def validate_template(*, key: str, subject: str, body: str, sms: str = "") -> None:
    try:
        allowed = set(spec(key).fields)
    except KeyError as exc:
        raise ValidationError(str(exc.args[0])) from None
    errors = []
    texts = {"subject": subject, "body": body, "sms": sms}
    for part, text in texts.items():
        if part in ("subject", "body") and not (text or "").strip():
            errors.append(f"{_PARTS[part]}不能为空")
            continue
        try:
            unknown = [n for n in placeholders(text or "", part=_PARTS[part]) if n not in allowed]
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if unknown:
            errors.append(
                f"{_PARTS[part]}中的占位符 {'、'.join('{' + n + '}' for n in dict.fromkeys(unknown))} 不可用；"
                f"此类消息可用：{'、'.join('{' + n + '}' for n in spec(key).fields)}"
            )
    if len(subject or "") > 200:
        errors.append("标题不能超过200字")
    if len(sms or "") > SMS_MAX:
        errors.append(f"短信内容不能超过{SMS_MAX}字")
    if errors:
        raise ValidationError(errors)


def render(text: str, context: dict[str, str]) -> str:
    """Fill the placeholders; a name missing from `context` becomes empty (validated templates
    only use the kind's names, which the senders always give)."""
    return Formatter().vformat(text, (), _Lenient(context))


class _Lenient(dict):
    def __missing__(self, key):
        return ""
