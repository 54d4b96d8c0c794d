"""Site routes. Each console lives in its own views module (public, accounts, consumer,
merchant, moderation); see docs/adr/0007-website.md."""

from django.urls import path

from .views import (
    accounts,
    consumer,
    disputes,
    integrations,
    merchant,
    moderation,
    onboarding,
    public,
)

app_name = "web"
urlpatterns = [
    # public
    path("", public.home, name="home"),
    path("healthz", public.healthz, name="healthz"),
    path("complaints/", public.complaint_list, name="complaint_list"),
    path("complaints/new/", consumer.complaint_new, name="complaint_new"),
    path("complaints/new/discard/", consumer.wizard_discard, name="complaint_new_discard"),
    path("complaints/new/files/", consumer.wizard_upload, name="complaint_new_upload"),
    path("complaints/new/files/<int:file_id>", consumer.wizard_file, name="complaint_new_file"),
    path("complaints/new/files/<int:file_id>/delete/", consumer.wizard_file_delete,
         name="complaint_new_file_delete"),
    path("complaints/new/<slug:step>/", consumer.complaint_new_step, name="complaint_new_step"),
    path("complaints/<str:number>/", public.complaint_detail, name="complaint_detail"),
    path("complaints/<str:number>/flag/", disputes.flag, name="complaint_flag"),
    path("disputes/decisions/<int:pk>/appeal/", disputes.appeal, name="dispute_appeal"),
    path("complaints/<str:number>/evidence/<int:evidence_id>", public.evidence_file,
         name="evidence_file"),
    path("companies/", public.company_list, name="company_list"),
    path("companies/suggest", public.company_suggest, name="company_suggest"),
    path("companies/<int:pk>/", public.company_detail, name="company_detail"),
    # accounts
    path("accounts/login/", accounts.login_view, name="login"),
    path("accounts/signup/", accounts.signup_view, name="signup"),
    path("accounts/logout/", accounts.logout_view, name="logout"),
    path("accounts/profile/", accounts.profile_view, name="profile"),
    # consumer
    path("my/complaints/", consumer.my_complaints, name="my_complaints"),
    path("my/complaints/<str:number>/", consumer.my_complaint, name="my_complaint"),
    path("my/complaints/<str:number>/<str:action>/", consumer.complaint_action,
         name="complaint_action"),
    path("notifications/", consumer.notifications, name="notifications"),
    # merchant console
    path("merchant/", merchant.inbox, name="merchant_inbox"),
    path("merchant/complaints/<str:number>/", merchant.complaint, name="merchant_complaint"),
    path("merchant/complaints/<str:number>/contest/", disputes.contest,
         name="merchant_contest"),
    path("merchant/team/", merchant.team, name="merchant_team"),
    path("merchant/bulk-reply/", merchant.bulk_reply, name="merchant_bulk_reply"),
    path("merchant/templates/", merchant.templates, name="merchant_templates"),
    path("merchant/invitations/", merchant.invitations, name="merchant_invitations"),
    path("merchant/claim/", onboarding.claim, name="merchant_claim"),
    path("merchant/claims/<int:pk>/licence", onboarding.claim_licence, name="claim_licence"),
    path("merchant/api-keys/", integrations.keys, name="merchant_keys"),
    path("merchant/webhooks/", integrations.webhook_list, name="merchant_webhooks"),
    path("merchant/webhooks/<int:pk>/", integrations.webhook_detail, name="merchant_webhook"),
    path("merchant/webhooks/deliveries/<int:pk>/", integrations.webhook_delivery,
         name="merchant_webhook_delivery"),
    # moderator console
    path("moderation/", moderation.queue, name="moderation_queue"),
    path("moderation/complaints/<str:number>/", moderation.complaint,
         name="moderation_complaint"),
    path("moderation/groups/", moderation.groups, name="moderation_groups"),
    path("moderation/groups/<int:root>/", moderation.group, name="moderation_group"),
    path("moderation/disputes/", disputes.queue, name="moderation_disputes"),
    path("moderation/disputes/<str:kind>/<int:pk>/decide/", disputes.decide,
         name="moderation_dispute_decide"),
    path("moderation/appeals/<int:pk>/decide/", disputes.appeal_decide,
         name="moderation_appeal_decide"),
    path("moderation/claims/", onboarding.claim_queue, name="moderation_claims"),
    path("moderation/claims/<int:pk>/", onboarding.claim_review, name="moderation_claim"),
]
