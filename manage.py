#!/usr/bin/env python
"""Django's command-line utility; `minzheng` does the same and lists our own commands."""

from minzheng.cli import main

if __name__ == "__main__":
    main()
