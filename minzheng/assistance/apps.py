from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "minzheng.assistance"
    label = "assistance"
    verbose_name = "社会救助"

    def ready(self) -> None:
        from minzheng.assistance.models import AssistanceCase
        from minzheng.assistance.workflows import ASSISTANCE_CASE
        from minzheng.workflow.selectors import workflow_register

        workflow_register(ASSISTANCE_CASE, AssistanceCase)
