"""The invocation-logging custom resource's handler (entry point: ``index.handler``)."""
