"""A deliberately broken app: an open bucket (cdk-nag findings) and a role that may invoke every model
without a guardrail (Bedrock rules). ``python -m tests.apps.broken_app OUTDIR`` synthesizes it with
the four packs and the Bedrock rules; the synth fails on the findings and still writes the report."""

from __future__ import annotations

import sys

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from secure_bedrock.compliance import register_compliance_packs


def build(app: App) -> Stack:
    stack = Stack(app, "BrokenApp", env=Environment(region="us-east-1"))
    s3.Bucket(stack, "OpenBucket")  # OPEN BUCKET
    role = iam.Role(stack, "AnyModel", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=["*"]))  # ANY MODEL
    return stack


if __name__ == "__main__":
    app = App(outdir=sys.argv[1], context={"@aws-cdk/core:validationReportJson": True})
    build(app)
    register_compliance_packs(app)
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
