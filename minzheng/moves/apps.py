from django.apps import AppConfig


class MovesConfig(AppConfig):
    name = "minzheng.moves"
    label = "moves"
    verbose_name = "迁移"
