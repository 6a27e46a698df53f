"""moto's server with three emulator bugs fixed that the reference environment runs into.

Run as ``python -m tests.moto_server -H 127.0.0.1 -p PORT`` (the same arguments as ``moto_server``).

moto 5.2.5's CloudFormation handlers hand some properties to its own service models in the wrong
form. Real CloudFormation accepts the template as written; each fix converts one property to the
form the service model expects and changes nothing else:

- ``AWS::KMS::Key`` ``Tags``: CloudFormation's ``Key``/``Value`` reach the KMS tagger, which wants
  ``TagKey``/``TagValue``; any tagged key fails the whole stack with ``KeyError: 'TagKey'``.
- ``AWS::KMS::Key`` ``KeyPolicy``: stored as a dict where KMS keeps a JSON string, so every later
  ``DescribeKey`` of the key fails with a 500 (``json.loads`` of a dict).
- ``AWS::Logs::LogGroup`` ``KmsKeyId``: read as the API's ``kmsKeyId``, so the key is dropped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import moto.server
from moto.core.common_models import CloudFormationModel
from moto.kms.models import Key
from moto.logs.models import LogGroup

Properties = dict[str, Any]


def _kms_key(properties: Properties) -> Properties:
    fixed = dict(properties)
    if fixed.get("Tags"):
        fixed["Tags"] = [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in fixed["Tags"]]
    if isinstance(fixed.get("KeyPolicy"), dict):
        fixed["KeyPolicy"] = json.dumps(fixed["KeyPolicy"])
    return fixed


def _log_group(properties: Properties) -> Properties:
    fixed = dict(properties)
    if "KmsKeyId" in fixed:
        fixed["kmsKeyId"] = fixed.pop("KmsKeyId")
    return fixed


def _fix_properties(model: type[CloudFormationModel], fix: Callable[[Properties], Properties]) -> None:
    create = model.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_with_fixed_properties(
        cls: type[CloudFormationModel],
        name: str,
        cloudformation_json: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        fixed = {**cloudformation_json, "Properties": fix(cloudformation_json.get("Properties", {}))}
        return create(cls, name, fixed, *args, **kwargs)

    model.create_from_cloudformation_json = classmethod(create_with_fixed_properties)  # type: ignore[method-assign,assignment]


_fix_properties(Key, _kms_key)
_fix_properties(LogGroup, _log_group)

if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
