"""The default-security-group custom resource's handler (entry point: ``index.handler``)."""
