from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "minzheng.workflow"
    label = "workflow"
    verbose_name = "办件流程"
