# secure-bedrock: every target installs what it needs itself (pinned), then does its job.
#   make synth   set up, then `cdk synth` of the reference environment into cdk.out/ (no AWS account needed)
#   make test    set up, then lint (ruff), types (mypy) and the whole pytest suite
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk

# A Node >= 22 installed by scripts/ensure-node.sh (only when the system's is older) comes first.
export PATH := $(CURDIR)/.tools/node/bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# Offline by design: no telemetry, version checks, notices or instance-metadata probes.
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
export AWS_EC2_METADATA_DISABLED := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
export PYTHONDONTWRITEBYTECODE := 1

CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# cdk-nag v2 beside the project's v3: the v2 example app's test puts it first on PYTHONPATH.
NAG2_DIR := .nag2
NAG2_STAMP := $(NAG2_DIR)/.installed
# The runtime (the library, aws-cdk-lib, cdk-nag: all `make synth` needs), then the dev tools on top.
RUNTIME_STAMP := $(VENV)/.runtime
PY_STAMP := $(VENV)/.installed
NODE_STAMP := .tools/node.checked
CLI_STAMP := node_modules/.installed

.PHONY: help setup synth test lint typecheck unit lock handler-models clean bootstrap deploy deploy-organization deploy-log-archive deploy-stacksets docs synth-scale bench sarif security-diff

help:
	@echo "make synth   set up, then cdk synth of the reference environment into cdk.out/"
	@echo "make test    set up, then ruff, mypy and the whole pytest suite"
	@echo "make synth-scale TEAMS=1000   the scale example: the landing zone and TEAMS teams in team stacks, into cdk.out.scale/"
	@echo "make docs    regenerate docs/architecture.svg and docs/hipaa-controls.md from the synthesized template"
	@echo "make bench   synth of the reference vs an empty app, 1/10/50 teams, the test suite's wall time; 1/100/1000 teams in team stacks, 1/10/100 member stages"
	@echo "make sarif   the last synth's findings (cdk.out) as SARIF 2.1.0 in findings.sarif"
	@echo "make security-diff BASE_REF=<git ref>   what this change does to access, against the ref, in security-diff.md"
	@echo "make deploy  (real AWS, your credentials) cdk bootstrap + cdk deploy of the reference account stack"
	@echo "make deploy-organization  (real AWS, the management account's credentials) the organization stack"
	@echo "make deploy-log-archive   (real AWS, the log-archive account's credentials) the evidence archive"
	@echo "make deploy-stacksets     (real AWS, the StackSets administrator's credentials) the asset buckets, then the baseline's StackSets"
	@echo "make lock    re-pin requirements.lock from pyproject.toml (and the handler's Bedrock model)"
	@echo "make clean   remove cdk.out and caches (keeps installs)"

setup: $(RUNTIME_STAMP) $(CLI_STAMP)

$(NODE_STAMP): scripts/ensure-node.sh
	scripts/ensure-node.sh
	@mkdir -p $(dir $@) && touch $@

$(RUNTIME_STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[nag]'
	touch $@

$(PY_STAMP): $(RUNTIME_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

# checkov has its own venv: its pins conflict with the project's (boto3, among others).
$(CHECKOV_STAMP): requirements-checkov.lock
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.lock
	touch $@

$(NAG2_STAMP): requirements-nag2.lock $(RUNTIME_STAMP)
	rm -rf $(NAG2_DIR)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --target $(NAG2_DIR) -r requirements-nag2.lock
	touch $@

$(CLI_STAMP): package.json package-lock.json $(NODE_STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	rm -rf cdk.out
	$(CDK) synth --quiet --no-notices
	@$(PY) -c 'import json;[print("template: cdk.out/" + a["properties"]["templateFile"]) for a in json.load(open("cdk.out/manifest.json"))["artifacts"].values() if a["type"]=="aws:cloudformation:stack"]'

# The scale example (stacks/scale_example.py): the landing zone and TEAMS teams, every pack on every stack.
TEAMS ?= 1000
synth-scale: setup
	rm -rf cdk.out.scale
	$(CDK) synth --quiet --no-notices --app "$(PY) -m stacks.scale_example" --output cdk.out.scale -c teams=$(TEAMS)
	@ls cdk.out.scale/*.template.json | wc -l | xargs echo "stacks:"

# The picture, the control map and the access matrix are generated from the synthesized template, the
# settings table and JSON Schema from stacks/settings_schema.py; a test fails when one is stale.
docs: setup $(PY_STAMP)
	$(PY) -m stacks.documents

# CI (docs/ci.md): the findings of the last synth as SARIF for code scanning. `make synth` writes
# cdk.out (and its validation report) even when it fails on a finding.
sarif: setup
	$(PY) -m secure_bedrock.report cdk.out --root . --output findings.sarif

# CI: what this change does to security, against BASE_REF (a commit), from two synths, offline.
# The base is synthesized from its own files (git archive) with this checkout's tools.
BASE_REF ?= origin/main
security-diff: setup $(PY_STAMP)
	@test -f cdk.out/manifest.json || { echo "no cdk.out: run make synth first" >&2; exit 2; }
	rm -rf .base cdk.out.base && mkdir .base
	git archive "$(BASE_REF)" | tar -x -C .base
	cd .base && ../$(CDK) synth --quiet --no-notices --app "../$(PY) app.py" --output ../cdk.out.base \
	  || test -f ../cdk.out.base/manifest.json
	$(PY) -m stacks.documents.security_diff cdk.out.base cdk.out --output security-diff.md
	rm -rf .base
	@echo "wrote security-diff.md"

# A benchmark, not a test: ratios against a baseline measured in the same run. See docs/benchmark.md.
bench: setup $(PY_STAMP)
	$(PY) scripts/bench.py
	$(PY) scripts/bench_scale.py

# Real AWS only: uses your credentials (AWS_PROFILE or the environment). See docs/deploy.md.
bootstrap: setup
	$(CDK) bootstrap --no-notices

# The stacks by role, from the settings (cdk.json): each deploys with its own account's credentials.
ACCOUNT_STACK = $$($(PY) -c 'from stacks.app import build_app;print(build_app(compliance=False)[1].stack_name)')
LOG_ARCHIVE_STACK = $$($(PY) -c 'from stacks.app import build_app;from stacks.log_archive_stack import LogArchiveStack as L;print(*[s.stack_name for s in build_app(compliance=False)[0].node.children if isinstance(s, L)])')
ORGANIZATION_STACK = $$($(PY) -c 'from stacks.app import build_app,organization_stack as o;s=o(build_app(compliance=False)[0]);print(s.stack_name if s else "")')

deploy: bootstrap
	$(CDK) deploy $(ACCOUNT_STACK) --exclusively --no-notices --require-approval broadening

# The management (or delegated administrator) account's stack: its credentials, not a workload account's.
deploy-organization: bootstrap
	@name=$(ORGANIZATION_STACK); test -n "$$name" || { echo "cdk.json has no secure-bedrock.organization block" >&2; exit 2; }; \
	  $(CDK) deploy "$$name" --exclusively --no-notices --require-approval broadening

lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(PY_STAMP)
	# One cache per pass: mypy keys its cache on the options, so a shared one is rebuilt every run.
	$(VENV)/bin/mypy --strict --cache-dir .mypy_cache/strict secure_bedrock
	$(VENV)/bin/mypy --cache-dir .mypy_cache/app stacks app.py

# One pytest worker per core; each test file stays on one worker, so its module fixtures (shared
# synthesized apps) are built once. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
unit: setup $(PY_STAMP) $(CHECKOV_STAMP) $(NAG2_STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

test: setup $(PY_STAMP) lint typecheck unit

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	{ echo "# Exact pins for the reference environment and the test suite (pip constraints)."; \
	  echo "# Regenerate with 'make lock' after changing pyproject.toml."; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -v '^secure-bedrock'; } > requirements.lock
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check "checkov==$$(sed -n 's/^checkov==//p' requirements-checkov.lock)"
	{ sed -n '1,2p' requirements-checkov.lock; .lock-venv/bin/pip freeze; } > requirements-checkov.lock.new
	mv requirements-checkov.lock.new requirements-checkov.lock
	rm -rf .lock-venv
	$(MAKE) handler-models

# The invocation-logging handler ships the Bedrock service model of the pinned botocore
# (the Lambda runtime's SDK may predate fields it sends); tests check the copy is current.
handler-models: setup
	rm -rf secure_bedrock/handlers/models/bedrock
	cp -r "$$($(PY) -c 'import botocore, pathlib; print(pathlib.Path(botocore.__file__).parent / "data" / "bedrock")')" \
	  secure_bedrock/handlers/models/bedrock

clean:
	rm -rf cdk.out cdk.out.base .base findings.sarif security-diff.md .pytest_cache .mypy_cache .ruff_cache

# The StackSets administrator's stacks (the management account, or a delegated administrator): each region's
# asset bucket, then the StackSets; each of those environments is bootstrapped first.
STACKSETS_STACK = $$($(PY) -c 'from stacks.app import build_app;from stacks.stackset_stack import StackSetRolloutStack as R;print(*[s.stack_name for s in build_app(compliance=False)[0].node.children if isinstance(s, R)])')
STACKSETS_ENVIRONMENTS = $$($(PY) -c 'from stacks.app import build_app;from stacks.stackset_stack import environments;print(*environments(build_app(compliance=False)[0]))')

deploy-stacksets: setup
	@name=$(STACKSETS_STACK); test -n "$$name" || { echo "cdk.json has no secure-bedrock.organization.stacksets block" >&2; exit 2; }; \
	  $(CDK) bootstrap $(STACKSETS_ENVIRONMENTS) --no-notices && \
	  $(CDK) deploy "$$name" --no-notices --require-approval broadening

# The log-archive account's stack: deploy it before the member accounts that replicate to it.
deploy-log-archive: bootstrap
	@name=$(LOG_ARCHIVE_STACK); test -n "$$name" || { echo "cdk.json has no secure-bedrock.organization.log_archive block" >&2; exit 2; }; \
	  $(CDK) deploy "$$name" --exclusively --no-notices --require-approval broadening
