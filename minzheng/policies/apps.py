from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "minzheng.policies"
    label = "policies"
    verbose_name = "民生政策"
