"""The reference environment: settings, the HIPAA stack, and the app that synthesizes it."""
