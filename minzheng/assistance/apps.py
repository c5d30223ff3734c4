from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "minzheng.assistance"
    label = "assistance"
    verbose_name = "社会救助"

    def ready(self) -> None:
        from minzheng.alerts.definitions import alert_kind_register
        from minzheng.assistance.models import AssistanceCase
        from minzheng.assistance.workflows import ALERT_KINDS, ASSISTANCE_CASE
        from minzheng.workflow.selectors import workflow_register

        workflow_register(ASSISTANCE_CASE, AssistanceCase)
        for kind in ALERT_KINDS:
            alert_kind_register(kind)
