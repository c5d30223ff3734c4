"""The `minzheng` command: our own subcommands, and any other passed on to Django's."""

from __future__ import annotations

import os
import sys

OUR_APPS = ("minzheng.",)


def _our_commands() -> dict[str, str]:
    """Map each of our management commands to the first line of its help."""
    from django.core.management import get_commands, load_command_class

    commands = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith(OUR_APPS):
            command = load_command_class(app, name)
            commands[name] = (command.help or "").strip().splitlines()[0]
    return commands


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    if len(argv) < 2 or (argv[1] in {"-h", "--help", "help"} and len(argv) == 2):
        print("用法 usage: minzheng <command> [options]\n")
        print("民政平台命令 Minzheng commands:")
        for name, help_text in _our_commands().items():
            print(f"  {name:<22} {help_text}")
        print(
            "\n其他命令交由 Django 执行 Any other command goes to Django "
            "(minzheng migrate, minzheng runserver ...; `minzheng help --django` lists them)."
        )
        return
    if argv[1:3] == ["help", "--django"]:
        argv = [argv[0], "help"]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
