"""The invocation-logging handler under random interleavings (hypothesis stateful testing).

One to three landing-zone stacks (with and without ``adopt_existing``, with and without
CloudFormation's claim in the way), people changing the setting by hand, Bedrock refusing or
hanging, and CloudFormation's response URL failing, in any order. After every step:

* nobody else's configuration was overwritten or deleted by a landing zone that did not adopt it;
* at most one stack holds the claim, and a stack that holds it is the only one that may be deployed
  with it;
* every event got exactly one answer (tests/logging_account.py checks it on each send), before the
  function's deadline;
* no Delete failed: every stack can always be deleted.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from moto import mock_aws

from secure_bedrock.handlers import cfn_response
from secure_bedrock.handlers.invocation_logging import index
from tests import strategies as gen
from tests.logging_account import REGION, Account, CloudFormation, Stack

NAMES = ("StackA", "StackB", "StackC")
#: A call that hangs until its connect and read timeouts have passed, then times out.
HANGS = ReadTimeoutError(endpoint_url=f"https://bedrock.{REGION}.amazonaws.com")
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


class LoggingSetting(RuleBasedStateMachine):
    """The account's one logging setting, its landing zones, and everyone else."""

    def __init__(self) -> None:
        super().__init__()
        self._saved = {
            "env": {key: __import__("os").environ.get(key) for key in ENVIRONMENT},
            "opener": cfn_response.OPENER,
            "sleep": cfn_response.SLEEP,
            "clients": index.clients,
        }
        import os

        os.environ.update(ENVIRONMENT)
        self.mock = mock_aws()
        self.mock.start()
        self.account = Account()
        self.cloudformation = CloudFormation()
        cfn_response.OPENER = self.cloudformation.opener
        cfn_response.SLEEP = lambda seconds: None
        index.clients = lambda deadline: (self.account.bedrock, self.account.s3)
        self.stacks: dict[str, Stack] = {}
        self.deployed: set[str] = set()
        self.generation = 0
        self.foreign = [self.account.destinations(f"foreign{i}", landing_zone=False) for i in range(2)]
        self.violations: list[str] = []
        self.acting: Stack | None = None
        self.deletes: list[dict[str, Any]] = []
        self._watch_writes()
        self._let_hangs_take_their_time()

    def teardown(self) -> None:
        import os

        self.mock.stop()
        cfn_response.OPENER = self._saved["opener"]
        cfn_response.SLEEP = self._saved["sleep"]
        index.clients = self._saved["clients"]
        for key, value in self._saved["env"].items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    # --- instrumentation: who overwrote what -------------------------------------------------------

    def _watch_writes(self) -> None:
        bedrock = self.account.bedrock
        put, delete = (
            bedrock.put_model_invocation_logging_configuration,
            bedrock.delete_model_invocation_logging_configuration,
        )

        def check(action: str) -> None:
            live = self.account.live()
            if live is None or self.acting is None:
                return
            owner = self._owner_of(live)
            if owner is None and not self.acting.adopt:
                self.violations.append(
                    f"{self.acting.name} {action} over a foreign configuration without adopting it"
                )
            if owner is not None and owner != self.acting.name and action == "delete":
                self.violations.append(f"{self.acting.name} deleted {owner}'s configuration")

        def watched_put(*, loggingConfig: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
            check("put")
            return put(loggingConfig=loggingConfig)

        def watched_delete() -> dict[str, Any]:
            check("delete")
            return delete()

        bedrock.put_model_invocation_logging_configuration = watched_put  # type: ignore[method-assign]
        bedrock.delete_model_invocation_logging_configuration = watched_delete  # type: ignore[method-assign]

    def _let_hangs_take_their_time(self) -> None:
        """A hanging call uses up its timeouts on the invocation's clock before it fails."""
        bedrock = self.account.bedrock

        def before(operation: str) -> None:
            clock = self.cloudformation.clock
            if bedrock.fail_next and bedrock.fail_next[0] is HANGS and clock is not None:
                clock.seconds -= 2 * cfn_response.Deadline(lambda: 60.0).call_seconds()

        bedrock.before_call = before

    def _owner_of(self, config: dict[str, Any]) -> str | None:
        marker = index.marker(config)
        for name, stack in self.stacks.items():
            if index.marker(stack.config) == marker:
                return name
        return None

    def _send(self, stack: Stack, action: str, **options: Any) -> dict[str, Any]:
        self.acting = stack
        try:
            answer: dict[str, Any] = getattr(stack, action)(**options)
        finally:
            self.acting = None
        gen.CASES["invocation logging (stateful)"][f"{action} {answer['Status']}"] += 1
        return answer

    # --- rules ----------------------------------------------------------------------------------

    @initialize(foreign_first=st.sampled_from([None, 0]))
    def start(self, foreign_first: int | None) -> None:
        if foreign_first is not None:
            self.account.set_out_of_band(self.foreign[foreign_first])

    @rule(name=st.sampled_from(NAMES), adopt=st.booleans(), claim=st.sampled_from([True, True, False]))
    def create(self, name: str, adopt: bool, claim: bool) -> None:
        if name in self.deployed:
            return
        self.generation += 1
        if name not in self.stacks:
            self.stacks[name] = Stack(
                self.account, self.cloudformation, name, self.account.destinations(name.lower())
            )
        stack = self.stacks[name]
        stack.adopt, stack.guid, stack.physical_id = adopt, f"g{self.generation}", None
        answer = self._send(stack, "create", claim=claim)
        if answer["Status"] == "SUCCESS":
            self.deployed.add(name)
        elif "already exists" not in answer["Reason"]:
            # CloudFormation rolls the failed Create back: the resource's Delete, then the claim.
            self.deletes.append(self._send(stack, "delete"))

    @rule(name=st.sampled_from(NAMES), image=st.booleans())
    def update(self, name: str, image: bool) -> None:
        if name not in self.deployed:
            return
        stack = self.stacks[name]
        old = dict(stack.config)
        faults = len(self.account.bedrock.fail_next)
        answer = self._send(stack, "update", config={**stack.config, "imageDataDeliveryEnabled": image})
        if answer["Status"] == "FAILED":
            # CloudFormation rolls the Update back: an Update to the old properties. It fails only
            # while Bedrock keeps failing (UPDATE_ROLLBACK_FAILED, which ContinueUpdateRollback or a
            # Delete clears); never for a reason of the handler's own.
            rollback = self._send(stack, "update", config=old)
            if rollback["Status"] == "FAILED":
                gen.CASES["invocation logging (stateful)"]["update rollback FAILED"] += 1
                assert faults >= 2, (answer["Reason"], rollback["Reason"])

    @rule(name=st.sampled_from(NAMES))
    def delete(self, name: str) -> None:
        if name not in self.deployed:
            return
        self.deletes.append(self._send(self.stacks[name], "delete"))
        self.deployed.discard(name)

    @rule(which=st.sampled_from([0, 1, None]))
    def someone_changes_the_setting(self, which: int | None) -> None:
        self.account.set_out_of_band(None if which is None else self.foreign[which])

    @rule(count=st.integers(2, 6))
    def bedrock_hangs_repeatedly(self, count: int) -> None:
        self.account.bedrock.fail_next.extend([HANGS] * count)

    @rule(kind=st.sampled_from(["refused", "throttled", "hangs"]))
    def bedrock_misbehaves_once(self, kind: str) -> None:
        bedrock = self.account.bedrock
        if kind == "hangs":
            bedrock.fail_next.append(HANGS)
        else:
            code = "AccessDeniedException" if kind == "refused" else "ThrottlingException"
            bedrock.fail_next.append(ClientError({"Error": {"Code": code, "Message": kind}}, "Bedrock"))

    @rule(count=st.integers(1, 2))
    def the_response_url_fails(self, count: int) -> None:
        self.cloudformation.fail_puts.extend(ConnectionResetError("reset") for _ in range(count))

    @precondition(lambda self: bool(self.account.bedrock.fail_next))
    @rule()
    def the_fault_clears(self) -> None:
        self.account.bedrock.fail_next.clear()

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def nobody_elses_configuration_was_overwritten(self) -> None:
        assert self.violations == [], self.violations

    @invariant()
    def every_answer_came_before_the_deadline(self) -> None:
        late = [seconds for seconds in self.cloudformation.seconds_left_at_answer if seconds <= 1.0]
        assert late == [], f"answers with {late} seconds left"

    @invariant()
    def every_delete_succeeded(self) -> None:
        failed = [answer for answer in self.deletes if answer["Status"] != "SUCCESS"]
        assert failed == [], failed

    @invariant()
    def at_most_one_claim(self) -> None:
        holders = [name for name, stack in self.stacks.items() if self.account.claim == stack.stack_id]
        assert len(holders) <= 1
        if self.account.claim is not None:
            assert holders, "the claim belongs to a deployed stack"
            assert holders[0] in self.deployed

    @invariant()
    def a_deleted_stacks_configuration_stays_only_when_its_delete_said_why(self) -> None:
        live = self.account.live()
        owner = self._owner_of(live) if live else None
        if owner is not None and owner not in self.deployed:
            # Its Delete could not put back what came before, did not know it, or could not reach
            # Bedrock: it left the configuration (delivering to the retained stores) and said so.
            explained = [
                answer
                for answer in self.deletes
                if answer.get("Data", {}).get("Outcome", "").startswith("left-") and answer.get("Reason")
            ]
            assert explained, (owner, json.dumps(live))


LoggingSetting.TestCase.settings = gen.property_settings(120)
LoggingSetting.TestCase.settings = LoggingSetting.TestCase.settings.__class__(
    LoggingSetting.TestCase.settings, stateful_step_count=20
)
TestLoggingSetting = LoggingSetting.TestCase
