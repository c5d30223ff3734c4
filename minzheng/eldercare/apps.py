from django.apps import AppConfig


class EldercareConfig(AppConfig):
    name = "minzheng.eldercare"
    label = "eldercare"
    verbose_name = "养老服务"

    def ready(self) -> None:
        from minzheng.alerts.definitions import alert_kind_register
        from minzheng.audit.models import action_labels_register
        from minzheng.eldercare.labels import ACTION_LABELS, ALERT_KINDS, WORKFLOWS
        from minzheng.workflow.selectors import workflow_register

        for workflow, model, inbox_filter in WORKFLOWS():
            workflow_register(workflow, model, inbox_filter)
        for kind in ALERT_KINDS:
            alert_kind_register(kind)
        action_labels_register(ACTION_LABELS)
