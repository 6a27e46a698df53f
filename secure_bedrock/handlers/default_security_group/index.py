"""CloudFormation custom resource: close a VPC's default security group.

A new VPC's default security group admits all traffic from its own members and sends anywhere.
Nothing of the landing zone uses it, and anything placed in it by mistake would get that reach, so
Create and Update revoke every rule it has, and Delete leaves it closed (the safe state; the VPC
goes with the stack). The same handler closes the group again when an EventBridge rule reports that
someone opened it (the event ``{"ReCloseSecurityGroupId": "sg-..."}``): no CloudFormation answer then.

The handler runs in the VPC's isolated subnets and reaches EC2 through the VPC's ``ec2`` interface
endpoint. It always answers CloudFormation, within the Lambda deadline (:mod:`..cfn_response`).
"""

from __future__ import annotations

import logging
from typing import Any

import boto3

from .. import cfn_response
from ..cfn_response import Deadline

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

#: The input of the EventBridge rule that reports the group was opened.
RECLOSE_KEY = "ReCloseSecurityGroupId"
#: Seconds kept at the end of a re-close (no answer to send: only the log line).
RECLOSE_RESERVE_SECONDS = 5.0


def handler(event: dict[str, Any], context: Any) -> None:
    """Entry point: a CloudFormation request (answered, always), or the EventBridge rule's re-close."""
    if RECLOSE_KEY in event:
        reclose(event[RECLOSE_KEY], context)
        return
    remaining = cfn_response.remaining_seconds_of(context)
    physical_id = str(
        event.get("PhysicalResourceId")
        or f"default-sg-{event.get('ResourceProperties', {}).get('SecurityGroupId', 'unknown')}"
    )
    pointer = f"details in {getattr(context, 'log_stream_name', 'the function log group')}"
    try:
        deadline = Deadline(remaining)
        ec2 = boto3.client("ec2", config=deadline.client_config())
        physical_id, data = dispatch(event, ec2=ec2, deadline=deadline)
    except Exception as error:
        LOGGER.exception("request %s failed", event.get("RequestType"))
        cfn_response.send(
            event,
            "FAILED",
            physical_id,
            remaining_seconds=remaining,
            reason=f"{type(error).__name__}: {error}",
            pointer=pointer,
        )
        return
    cfn_response.send(event, "SUCCESS", physical_id, remaining_seconds=remaining, data=data)


def dispatch(
    event: dict[str, Any], *, ec2: Any, deadline: Deadline | None = None
) -> tuple[str, dict[str, Any]]:
    """Carry out one Create, Update or Delete; return the physical id and the response data."""
    request_type = event.get("RequestType")
    group_id = event.get("ResourceProperties", {}).get("SecurityGroupId")
    if not isinstance(group_id, str) or not group_id.startswith("sg-"):
        if request_type == "Delete":
            # Nothing was ever done for a resource whose properties were wrong: nothing to undo.
            return str(event.get("PhysicalResourceId", "default-sg-unknown")), {"Outcome": "nothing-to-undo"}
        raise ValueError(f"SecurityGroupId: {group_id!r} is not a security group id")
    physical_id = f"default-sg-{group_id}"
    if request_type in ("Create", "Update"):
        revoked = revoke_all(ec2, group_id, deadline)
        return physical_id, {"RevokedRules": str(revoked)}
    if request_type == "Delete":
        # Closed is the safe state, and the VPC leaves with the stack: nothing to put back.
        return str(event.get("PhysicalResourceId", physical_id)), {"Outcome": "left-closed"}
    raise ValueError(f"RequestType: {request_type!r} is not Create, Update or Delete")


def revoke_all(ec2: Any, group_id: str, deadline: Deadline | None = None) -> int:
    """Revoke every ingress and egress rule of the group; return how many permissions were revoked.

    :param deadline: checked before each call (``None``: no deadline, e.g. in tests).
    """

    def check(what: str) -> None:
        if deadline is not None:
            deadline.check(what)

    check("describe the default security group")
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    revoked = 0
    ingress = [_permission(p) for p in group.get("IpPermissions", [])]
    egress = [_permission(p) for p in group.get("IpPermissionsEgress", [])]
    if ingress:
        check("revoke the group's ingress rules")
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=ingress)
        revoked += len(ingress)
    if egress:
        check("revoke the group's egress rules")
        ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=egress)
        revoked += len(egress)
    LOGGER.info("revoked %d permissions of %s", revoked, group_id)
    return revoked


def reclose(group_id: Any, context: Any) -> None:
    """Close the group again after someone opened it (the EventBridge rule's event)."""
    if not isinstance(group_id, str) or not group_id.startswith("sg-"):
        raise ValueError(f"{RECLOSE_KEY}: {group_id!r} is not a security group id")
    deadline = Deadline(cfn_response.remaining_seconds_of(context), reserve=RECLOSE_RESERVE_SECONDS)
    ec2 = boto3.client("ec2", config=deadline.client_config())
    revoked = revoke_all(ec2, group_id, deadline)
    LOGGER.warning(
        "the default security group %s was opened; revoked %d permissions again", group_id, revoked
    )


def _permission(permission: dict[str, Any]) -> dict[str, Any]:
    """A described permission in the form revoke takes (without the fields describe adds)."""
    keys = ("IpProtocol", "FromPort", "ToPort", "IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs")
    return {key: permission[key] for key in keys if permission.get(key) not in (None, [])}
