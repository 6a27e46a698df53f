"""The package as users install it: the wheel and the sdist, each in a fresh venv, in an app of theirs.

Our other tests import the checkout. Here the wheel and the sdist are built from it, each is
installed (not editable) into a fresh venv whose only path to its dependencies is a ``.pth`` line
(lines of a ``.pth`` file are not themselves searched for ``.pth`` files, so the checkout's editable
install stays out of reach). With the wheel, an app outside the repository synthesizes the landing
zone into a default ``ec2.Vpc`` (public and private-with-NAT subnets), with the user's key and the
user's ECS task role, under all four compliance packs, and README's own-app example runs as written.
The sdist, built by pip in its own venv, must install the very same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

APP = textwrap.dedent(
    """
    import json
    import sys
    from pathlib import Path

    import secure_bedrock
    from aws_cdk import App, Aspects, Environment, Stack
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms
    from secure_bedrock import (
        AccessOptions, BedrockModels, EvidenceOptions, NetworkOptions, OperationsOptions, SecureBedrockLandingZone,
        TeamSpec, acknowledge, grant_invoke,
    )
    from secure_bedrock.compliance import register_compliance_packs

    assert Path(secure_bedrock.__file__).is_relative_to(Path(sys.prefix)), secure_bedrock.__file__

    app = App(outdir=sys.argv[1])
    stack = Stack(app, "TheirApp", env=Environment(region="us-east-1"))
    vpc = ec2.Vpc(stack, "TheirVpc")  # every default: public subnets and private ones behind NAT
    key = kms.Key(stack, "TheirKey", enable_key_rotation=True)
    task_role = iam.Role(stack, "TheirTaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    zone = SecureBedrockLandingZone(
        stack,
        "Bedrock",
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        network=NetworkOptions(vpc=vpc),
        evidence=EvidenceOptions(invocation_log_key=key, auditor_principal=iam.AccountRootPrincipal()),
        access=AccessOptions(
            invoker_principal=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            administrator_principal=iam.AccountRootPrincipal(),
            teams=[TeamSpec(name="claims", cost_center="CC-1", models=(BedrockModels.US_AMAZON_NOVA_PRO,))],
        ),
        operations=OperationsOptions(monthly_budget_usd=1000),
    )
    grant_invoke(
        task_role,
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        guardrail=zone.guardrail,
        source_vpce=zone.network.runtime_endpoint.vpc_endpoint_id,
    )
    # The packs judge the whole app: their own VPC and role are theirs to fix or acknowledge.
    theirs = {
        vpc: ["VPCDefaultSecurityGroupClosed", "VPCFlowLogsEnabled", "VPCSubnetAutoAssignPublicIpDisabled",
              "VPCNoUnrestrictedRouteToIGW"],
        task_role: ["IAMNoInlinePolicy"],
    }
    for construct, rules in theirs.items():
        for pack in ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"):
            for rule in rules:
                acknowledge(construct, f"{pack}::{pack}-{rule}", "The app's own resource, outside this test.")
    acknowledge(vpc, "AwsSolutions::AwsSolutions-VPC7", "The app's own VPC, outside this test.")
    register_compliance_packs(app)
    assembly = app.synth()  # fails on any finding not acknowledged: none may be the library's
    template = assembly.get_stack_by_name("TheirApp").template
    print(json.dumps(sorted({r["Type"] for r in template["Resources"].values()})))
    # README's "Use the network in your own app", as written, in the same process (one jsii start).
    import runpy

    runpy.run_path("readme_app.py", run_name="readme")
    print("readme ok")
    # The package index page's example (docs/package.md): the landing zone under the four packs.
    runpy.run_path("package_page_app.py", run_name="package_page")
    print("package page ok")
    """
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist, built by the package's build backend from a copy of what it needs, and the wheel,
    built from that sdist (as pip does), so neither can pick up a file the checkout happens to have."""
    source = tmp_path_factory.mktemp("source")
    out = tmp_path_factory.mktemp("dist")
    for name in ("pyproject.toml", "MANIFEST.in", "LICENSE", "docs/package.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "secure_bedrock", source / "secure_bedrock", ignore=shutil.ignore_patterns("__pycache__")
    )
    sdist = _build("build_sdist", source, out)
    unpacked = tmp_path_factory.mktemp("unpacked")
    shutil.unpack_archive(out / sdist, unpacked)
    (root,) = unpacked.iterdir()
    wheel = _build("build_wheel", root, out)
    return {"wheel": out / wheel, "sdist": out / sdist}


def _build(hook: str, source: Path, out: Path) -> str:
    """Call the package's build backend (setuptools) hook in ``source``; the file name it wrote."""
    backend = (
        "from setuptools import build_meta; import sys; print(getattr(build_meta, sys.argv[1])(sys.argv[2]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", backend, hook, str(out)],
        cwd=source,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return run.stdout.strip().splitlines()[-1]


def _fresh_venv(where: Path, dist: Path) -> Path:
    """A venv with only ``dist`` installed in it (not editable) and a path to the dependencies."""
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(site),
            str(dist),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def package_page_example() -> str:
    """The one python block of docs/package.md (the package index's page)."""
    import re

    (example,) = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "package.md").read_text(), re.S)
    return str(example)


def _package_files(site: Path) -> dict[Path, bytes]:
    """The package's installed files and their bytes (not the bytecode pip compiles at install)."""
    installed = site / "secure_bedrock"
    return {
        path.relative_to(installed): path.read_bytes()
        for path in installed.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def wheel_venv(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed: its ``python``."""
    return _fresh_venv(tmp_path_factory.mktemp("wheel-venv"), built["wheel"])


def _site(python: Path) -> Path:
    return next(python.parents[1].glob("lib/python*/site-packages"))


def test_an_app_of_theirs_synthesizes_with_the_installed_wheel(wheel_venv: Path, tmp_path: Path) -> None:
    installed = _site(wheel_venv) / "secure_bedrock"
    # Everything the library reads at synth is in the package: the handlers and their service model.
    for needed in (
        "py.typed",
        "handlers/cfn_response.py",
        "handlers/invocation_logging/index.py",
        "handlers/invocation_logging/drift.py",
        "handlers/default_security_group/index.py",
        "safe_harbor.py",
    ):
        assert (installed / needed).is_file(), needed
    # Every file of the package in the checkout is installed (the service model's four files among them).
    package = ROOT / "secure_bedrock"
    tracked = {
        path.relative_to(package)
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert tracked - set(_package_files(_site(wheel_venv))) == set()
    app_dir = tmp_path / "their-app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(APP)
    from tests.test_readme_example import readme_example

    (app_dir / "readme_app.py").write_text(readme_example() + "\napp.synth()\n")
    (app_dir / "package_page_app.py").write_text(package_page_example())
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run = subprocess.run(
        [str(wheel_venv), "app.py", str(app_dir / "cdk.out")],
        cwd=app_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    *_, types_line, readme_line, package_page_line = run.stdout.strip().splitlines()
    assert {
        "Custom::BedrockModelInvocationLogging",
        "AWS::Bedrock::Guardrail",
        "AWS::CloudTrail::Trail",
    } <= set(json.loads(types_line))
    assert (readme_line, package_page_line) == ("readme ok", "package page ok")
    # The handler's asset holds its code.
    assets = list((app_dir / "cdk.out").glob("asset.*/handlers/invocation_logging/index.py"))
    assert assets, "the logging handler's code is in the cloud assembly"


def test_the_sdist_installs_the_same_package_as_the_wheel(
    built: dict[str, Path], wheel_venv: Path, tmp_path: Path
) -> None:
    """pip builds the sdist in a fresh venv; what it installs is byte for byte what the wheel installs
    (so the app above synthesizes the same with either; running it twice would prove nothing more)."""
    python = _fresh_venv(tmp_path / "venv", built["sdist"])
    from_sdist = _package_files(_site(python))
    from_wheel = _package_files(_site(wheel_venv))
    assert sorted(from_sdist) == sorted(from_wheel)
    assert [path for path in from_wheel if from_sdist[path] != from_wheel[path]] == []
    assert Path("handlers/invocation_logging/index.py") in from_sdist


def test_the_package_page_is_docs_package_md_and_links_nowhere_relative(wheel_venv: Path) -> None:
    """The index shows the wheel's long description: docs/package.md, whose links (if any) are absolute,
    because README.md's links into docs/ break outside the repository."""
    import re

    (metadata,) = _site(wheel_venv).glob("secure_bedrock-*.dist-info/METADATA")
    headers, description = metadata.read_text().split("\n\n", 1)  # core metadata: the body is the description
    assert "Description-Content-Type: text/markdown" in headers.splitlines()
    assert "License: Apache-2.0" in headers.splitlines()
    assert description.strip() == (ROOT / "docs" / "package.md").read_text().strip()
    targets = re.findall(r"\]\(([^)]+)\)", description)
    assert [target for target in targets if not target.startswith(("https://", "#"))] == []
