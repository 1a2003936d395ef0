#!/usr/bin/env python
import os
import sys

# Offline tools: they serve no request and sign nothing that outlives them, so they run without the
# production SECRET_KEY (jiesu.settings gives them a one-off key); everything else needs it.
OFFLINE_COMMANDS = {"evaluate_routing", "evaluate_dispatch", "train_routing", "train_classifier", "workdays"}

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.settings")
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS:
        os.environ["JIESU_OFFLINE_COMMAND"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
