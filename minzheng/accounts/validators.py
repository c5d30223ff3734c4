"""Password validators: Django's, with a Chinese message where Django 5.2 has none."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length; its Chinese catalogue still translates the message of 5.1."""

    def get_error_message(self) -> str:
        return gettext("密码太短，至少需要 %(min_length)d 个字符。") % {
            "min_length": self.min_length
        }
