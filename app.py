#!/usr/bin/env python3
"""The reference environment: settings from cdk.json, one HIPAA-ready stack, four compliance packs."""

from stacks.app import build_app

app, _ = build_app()
app.synth()
