from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "minzheng.alerts"
    label = "alerts"
    verbose_name = "预警"
