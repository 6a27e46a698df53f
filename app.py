#!/usr/bin/env python3
"""The reference environment: settings from cdk.json, one HIPAA-ready stack, four compliance packs."""

import sys

from stacks.app import build_app
from stacks.settings import SettingsError

try:
    app, _ = build_app()
except SettingsError as error:
    # The settings' own message names every wrong setting: no traceback in front of it.
    print(error, file=sys.stderr)
    sys.exit(1)
app.synth()
