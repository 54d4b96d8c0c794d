"""Forms of the consumer pages: accounts, the submission wizard and the complaint actions.

The forms only parse what was typed and check its shape (required, length); the rules of the
platform live in the services the views call (``tousu.accounts.services``,
``tousu.complaints.services``, ``tousu.complaints.drafts``), the same ones the API calls. Their
``ValidationFailed`` errors are put next to the field named in ``details.field``
(``add_service_error``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import User
from tousu.common.errors import DomainError
from tousu.companies.models import Region
from tousu.complaints.models import Complaint, Demand, ProblemType
from tousu.complaints.services import validate_amount
from tousu.complaints.states import NON_TRANSITION_ACTIONS, Actor, edges_for

LOGIN_LABEL = _("手机号或邮箱")


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


def add_service_error(
    form: forms.Form, exc: DomainError, aliases: dict[str, str] | None = None
) -> None:
    """Put a service error next to its field (``details.field``), else above the form."""
    field = str(exc.details.get("field") or "")
    field = (aliases or {}).get(field, field)
    form.add_error(field if field in form.fields else None, exc.message)


def login_field(**extra: Any) -> forms.CharField:
    return forms.CharField(
        label=LOGIN_LABEL,
        max_length=254,
        error_messages=_required(_("请填写手机号或邮箱")),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "placeholder": _("例如 13800138000 或 name@example.com"),
            }
        ),
        **extra,
    )


# --- accounts ---------------------------------------------------------------------------


class PasswordLoginForm(forms.Form):
    login = login_field()
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        max_length=128,
        error_messages=_required(_("请填写密码")),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeRequestForm(forms.Form):
    """Step one of logging in (or signing up) with a one-time code."""

    login = login_field()
    nickname = forms.CharField(
        label=_("昵称（可选）"),
        required=False,
        max_length=40,
        help_text=_("公开投诉时可以选择显示昵称，默认显示系统生成的化名。"),
    )


class CodeLoginForm(CodeRequestForm):
    code = forms.CharField(
        label=_("验证码"),
        max_length=8,
        error_messages=_required(_("请填写验证码")),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


class SignupForm(forms.Form):
    login = login_field()
    nickname = forms.CharField(
        label=_("昵称（可选）"),
        required=False,
        max_length=40,
        help_text=_("公开投诉时可以选择显示昵称，默认显示系统生成的化名。"),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        max_length=128,
        error_messages=_required(_("请填写密码")),
        help_text=_("至少8个字符，不能全是数字，不能与手机号或邮箱相似。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class NicknameForm(forms.Form):
    nickname = forms.CharField(
        label=_("昵称"),
        required=False,
        max_length=40,
        help_text=_("留空则在公开页面只显示化名。"),
    )


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=8,
        error_messages=_required(_("请填写验证码")),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("令牌名称"),
        max_length=60,
        error_messages=_required(_("请填写令牌名称")),
        help_text=_("例如“我的脚本”，便于日后辨认和撤销。"),
    )


# --- the submission wizard ----------------------------------------------------------------


class CompanyStepForm(forms.Form):
    company_name = forms.CharField(
        label=_("被投诉企业"),
        max_length=120,
        error_messages=_required(_("请选择或填写被投诉企业")),
        help_text=_(
            "输入企业、品牌或App的名称，从列表中选择；找不到时直接填写全称，平台核实后转交。"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    company_id = forms.CharField(required=False, widget=forms.HiddenInput)


class DescribeStepForm(forms.Form):
    title = forms.CharField(
        label=_("投诉标题"),
        max_length=80,
        error_messages=_required(_("请填写投诉标题")),
        help_text=_("一句话说明问题，例如“外卖超时两小时拒绝退款”。"),
    )
    details = forms.CharField(
        label=_("投诉详情"),
        max_length=5000,
        error_messages=_required(_("请填写投诉详情")),
        help_text=_(
            "按时间顺序写清楚经过：何时在哪里买了什么、发生了什么、商家怎么答复。不要填写身份证号、银行卡号等个人信息。"
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    problem_types = forms.MultipleChoiceField(
        label=_("投诉问题"),
        required=False,
        choices=ProblemType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("请从列表中选择投诉问题")},
    )
    problem_other = forms.CharField(
        label=_("其他问题（请说明）"),
        required=False,
        max_length=100,
    )
    demands = forms.MultipleChoiceField(
        label=_("投诉要求"),
        required=False,
        choices=Demand.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("请从列表中选择投诉要求")},
    )
    demand_other = forms.CharField(
        label=_("其他要求（请说明）"),
        required=False,
        max_length=100,
    )


def province_choices() -> list[tuple[str, Any]]:
    return [("", _("不填写")), *Region.objects.filter(level=1).values_list("code", "name")]


class DetailsStepForm(forms.Form):
    amount = forms.CharField(
        label=_("涉诉金额（元）"),
        required=False,
        max_length=20,
        help_text=_("选填，例如 199.00"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    order_number = forms.CharField(
        label=_("订单号"),
        required=False,
        max_length=64,
        help_text=_("仅商家和平台可见"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    purchase_date = forms.DateField(
        label=_("购买日期"),
        required=False,
        help_text=_("仅商家和平台可见"),
        error_messages={"invalid": _("日期格式不正确，例如 2025-06-01")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    consumer_region = forms.ChoiceField(
        label=_("您所在的省份"),
        required=False,
        help_text=_("仅商家和平台可见，用于统计和转交监管部门"),
        error_messages={"invalid_choice": _("请从列表中选择省份")},
    )
    show_nickname = forms.BooleanField(label=_("公开显示我的昵称"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consumer_region"].choices = province_choices()  # type: ignore[attr-defined]

    def clean_amount(self) -> str:
        raw = (self.cleaned_data.get("amount") or "").strip()
        try:
            validate_amount(raw)  # the service's own rule
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        return raw


# --- actions on a complaint -----------------------------------------------------------


def _message(
    label: Any, max_length: int, required: Any = None, *, rows: int = 4
) -> forms.CharField:
    """A text area; ``required`` is the error shown when it is left empty (None: optional)."""
    return forms.CharField(
        label=label,
        required=required is not None,
        max_length=max_length,
        error_messages=_required(required) if required is not None else {},
        widget=forms.Textarea(attrs={"rows": rows}),
    )


STARS = [(n, str(n)) for n in range(1, 6)]


def _stars(label: Any, required: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": required, "invalid_choice": _("评分应为1到5星")},
    )


class FollowUpForm(forms.Form):
    message = _message(_("补充内容"), 5000, _("请填写补充内容"))


class ConfirmCompletionForm(forms.Form):
    attitude = _stars(_("服务态度"), _("请为服务态度打分"))
    speed = _stars(_("处理速度"), _("请为处理速度打分"))
    satisfaction = _stars(_("满意度"), _("请为满意度打分"))
    comment = _message(_("评价（可选）"), 500, rows=3)


class DisputeForm(forms.Form):
    message = _message(_("异议理由"), 2000, _("请填写异议理由"))


class ReopenForm(forms.Form):
    message = _message(_("重新打开的理由"), 2000, _("请填写重新打开的理由"))


class WithdrawForm(forms.Form):
    message = _message(_("撤诉原因（可选）"), 500, rows=2)


class EscalateForm(forms.Form):
    message = _message(_("申请调解的说明（可选）"), 2000, rows=3)


class ResubmitForm(forms.Form):
    title = forms.CharField(
        label=_("投诉标题"),
        max_length=80,
        error_messages=_required(_("请填写投诉标题")),
    )
    details = _message(_("投诉详情"), 5000, _("请填写投诉详情"), rows=8)


# name → (form, button text); in the order the actions are offered
ACTION_FORMS: dict[str, tuple[type[forms.Form], Any]] = {
    "confirm": (ConfirmCompletionForm, _("确认完成并评价")),
    "dispute": (DisputeForm, _("对完成申请有异议")),
    "follow_up": (FollowUpForm, _("补充投诉")),
    "resubmit": (ResubmitForm, _("修改后重新提交")),
    "reopen": (ReopenForm, _("重新打开投诉")),
    "escalate": (EscalateForm, _("申请调解")),
    "withdraw": (WithdrawForm, _("撤诉")),
}


def action_form(name: str, data: Any = None, complaint: Complaint | None = None) -> forms.Form:
    """The form of one action; ids are prefixed with the action so several fit on a page."""
    form_class = ACTION_FORMS[name][0]
    initial = None
    if name == "resubmit" and complaint is not None:
        initial = {"title": complaint.title, "details": complaint.details}
    return form_class(data, initial=initial, auto_id=f"{name}_%s")


def allowed_consumer_actions(user: User | Any, complaint: Complaint) -> list[str]:
    """The actions the complaint's own consumer may take now, read from the state table.

    Shown to nobody else. The services check everything again when the form is sent.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if complaint.consumer_id != user.pk:
        return []
    names = []
    for name in ACTION_FORMS:
        by_table = any(Actor.CONSUMER in e.actors for e in edges_for(name, complaint.status))
        if by_table or complaint.status in NON_TRANSITION_ACTIONS.get(name, frozenset()):
            names.append(name)
    if "reopen" in names and complaint.completed_at is not None:
        window = timedelta(days=int(settings.TOUSU["REOPEN_WITHIN_DAYS"]))
        if timezone.now() - complaint.completed_at > window:
            names.remove("reopen")
    return names
