"""Pathways (stackable credentials): rules, awarding from `issue`, the report, the pages.

Each test works on a throw-away issuer with its own key and checks what the issuer sees: exit
status, messages (`file:line: field: what to do`), the files written, and the built pages.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import SITE_URL, IssuerSite
from credpages.credential.model import email_matches
from credpages.credential.verify import check_integrity
from credpages.errors import CredpagesError
from credpages.issuer.pathway_rules import (
    Rule,
    chosen,
    evaluation_order,
    missing,
    parse_rule,
    satisfied,
)
from factories import issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")

DATA = """\
name: Data Literacy
description: Reads and questions data.
criteria: Passed the capstone.
"""
GIT = """\
name: Git Basics
description: Uses git.
criteria: Merged a pull request.
"""
PATHWAY = """\
name: Junior Developer
description: Python, data and git together.
criteria: Holds the three badges of the junior track.
achievement_type: Certificate
requires:
  all: [python-basics, data-literacy, git-basics]
"""


def pathway_site(site: IssuerSite, pathway: str = PATHWAY) -> IssuerSite:
    site.write_achievement("data-literacy", DATA)
    site.write_achievement("git-basics", GIT)
    site.write_achievement("junior-developer", pathway)
    return site


def issue(site: IssuerSite, achievement: str, name: str, email: str, *extra: str) -> Any:
    return site.run(*issue_args(name, email, *extra, achievement=achievement))


def hold(site: IssuerSite, email: str, *achievements: str) -> None:
    """Issue each achievement to Ada at ``email`` (pathways awarded as `issue` does)."""
    for achievement in achievements:
        result = issue(site, achievement, "Ada", email)
        assert result.code == 0, result


def credentials_of(site: IssuerSite, achievement: str, email: str) -> list[dict[str, Any]]:
    url = f"{SITE_URL}achievements/{achievement}/"
    docs = [site.load(p) for p in site.credential_files()]
    return [
        d
        for d in docs
        if d["credentialSubject"]["achievement"]["id"] == url
        and email_matches(d["credentialSubject"], email)
    ]


def write_csv(path: Path, rows: list[list[str]], header: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# ------------------------------------------------------------------ rules (pure)


def test_rules_all_any_and_nested_are_evaluated_against_what_is_held() -> None:
    rule = parse_rule({"any": 2, "of": ["a", "b", {"all": ["c", "d"]}]})
    assert rule == Rule("any", 2, ("a", "b", Rule("all", 2, ("c", "d"))))
    assert not satisfied(rule, {"a"})
    assert not satisfied(rule, {"a", "c"})  # the nested group needs both c and d
    assert chosen(rule, {"b", "c", "d"}) == ["b", "c", "d"]
    assert chosen(rule, {"a", "b", "c", "d"}) == ["a", "b"]  # only what the rule needs
    assert missing(rule, {"a", "c"}) == "1 more of: b, (d)"
    assert missing(parse_rule({"all": ["a", "b"]}), {"a"}, str.upper) == "B"


def test_nested_pathways_are_evaluated_after_the_pathways_they_require() -> None:
    order = evaluation_order({"top": ["mid", "x"], "mid": ["low", "y"], "low": ["z"]})
    assert order == ["low", "mid", "top"]


@pytest.mark.parametrize(
    ("requires", "field", "says"),
    [
        ("[python-basics]", "requires", "must be a mapping"),
        ("{all: []}", "requires.all", "non-empty list"),
        ("{any: 3, of: [python-basics, git-basics]}", "requires.any", "asks for 3"),
        ("{any: 0, of: [python-basics]}", "requires.any", "at least 1"),
        ("{any: two, of: [python-basics]}", "requires.any", "whole number"),
        ("{some: [python-basics]}", "requires", "unknown key(s) ['some']"),
        ("{all: [python-basics, python-basics]}", "requires.all[1]", "twice"),
        ("{all: [python-basics, nope]}", "requires.all[1]", "unknown achievement 'nope'"),
        ("{all: [python-basics, {any: 1, of: [nope]}]}", "requires.all[1].of[0]", "unknown"),
        ("{all: [junior-developer]}", "requires.all[0]", "cannot require itself"),
        ("{all: [Python_Basics]}", "requires.all[0]", "not an achievement id"),
    ],
)
def test_each_malformed_rule_is_refused_with_file_line_and_field(
    issuer_site: IssuerSite, requires: str, field: str, says: str
) -> None:
    text = PATHWAY.replace("  all: [python-basics, data-literacy, git-basics]\n", "")
    pathway_site(issuer_site, text.replace("requires:\n", f"requires: {requires}\n"))
    before = list(issuer_site.credentials.rglob("*"))
    result = issue(issuer_site, "python-basics", "Ada", "ada@example.test")
    assert result.code == 1, result
    line = text.splitlines().index("requires:") + 1
    assert f"credentials/achievements/junior-developer.yaml:{line}: {field}: " in result.err
    assert says in result.err
    assert list(issuer_site.credentials.rglob("*")) == before  # nothing issued


def test_a_cycle_between_pathways_is_refused(issuer_site: IssuerSite) -> None:
    pathway_site(issuer_site, PATHWAY.replace("git-basics]", "git-basics, senior]"))
    senior = "name: Senior\ndescription: d\ncriteria: c\nrequires:\n  all: [junior-developer]\n"
    issuer_site.write_achievement("senior", senior)
    learners = [["Ada", "ada@example.test"]]
    csv_file = write_csv(issuer_site.root / "l.csv", learners, ["name", "email"])
    result = issuer_site.run("pathways", "--csv", csv_file)
    assert result.code == 1, result
    assert "requires.all[3]: pathways require each other in a cycle" in result.err
    assert "junior-developer → senior → junior-developer" in result.err


def test_a_pathway_cannot_be_issued_by_hand(issuer_site: IssuerSite) -> None:
    pathway_site(issuer_site)
    result = issue(issuer_site, "junior-developer", "Ada", "ada@example.test")
    assert result.code == 1, result
    assert "achievement: 'junior-developer' is a pathway" in result.err
    assert not issuer_site.credential_files()


# ------------------------------------------------------------------ awarding


def test_the_last_part_issued_awards_the_pathway_in_the_same_run(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site)
    email = "ada@example.test"
    for achievement in ("python-basics", "data-literacy"):
        result = issue(site, achievement, "Ada Lovelace", email)
        assert result.code == 0, result
        assert "pathway" not in result.err
    assert not credentials_of(site, "junior-developer", email)
    result = issue(site, "git-basics", "Ada Lovelace", email)
    assert result.code == 0, result
    assert "1 pathway credential(s) awarded too" in result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [r["status"] for r in rows] == ["issued", "pathway"]
    (pathway,) = credentials_of(site, "junior-developer", email)
    assert rows[1]["page_url"] == pathway["id"]
    parts = [
        credentials_of(site, a, email)[0]["id"]
        for a in ("python-basics", "data-literacy", "git-basics")
    ]
    assert [e["id"] for e in pathway["evidence"]] == parts
    assert [e["name"] for e in pathway["evidence"]] == [
        "Python Basics",
        "Data Literacy",
        "Git Basics",
    ]
    narrative = pathway["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert narrative.endswith("Earned by holding all of: Python Basics, Data Literacy, Git Basics.")
    assert "ada@example.test" not in "".join(p.read_text() for p in site.credential_files())
    # It passes every check the others pass: OB 3.0 schema, issuer, both proofs, status entry.
    assert check_integrity(pathway, site.settings) == []
    verified = site.run("verify")
    assert verified.code == 0, verified
    assert "5 of 5 credential(s) verified" in verified.err  # with the CLR
    # Issuing again awards nothing twice.
    again = issue(site, "git-basics", "Ada Lovelace", email)
    assert again.code == 0 and "pathway" not in again.err, again
    assert len(credentials_of(site, "junior-developer", email)) == 1


def test_a_csv_batch_awards_the_pathways_its_learners_complete(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site)
    rows = [
        ["Ada", "ada@example.test", "python-basics"],
        ["Bob", "bob@example.test", "python-basics"],
        ["Ada", "ADA@example.test", "data-literacy"],
        ["Bob", "bob@example.test", "data-literacy"],
        ["Ada", "ada@example.test", "git-basics"],
    ]
    batch = write_csv(site.root / "batch.csv", rows, ["name", "email", "achievement"])
    result = site.run("issue", "--csv", batch, "--out", site.root / "merge.csv")
    assert result.code == 0, result
    merge = list(csv.DictReader((site.root / "merge.csv").open(encoding="utf-8")))
    assert [(r["name"], r["status"]) for r in merge][-1] == ("Ada", "pathway")
    assert len(credentials_of(site, "junior-developer", "ada@example.test")) == 1
    assert credentials_of(site, "junior-developer", "bob@example.test") == []

    learners = write_csv(
        site.root / "learners.csv",
        [["Ada", "ada@example.test"], ["Bob", "bob@example.test"], ["Cy", "cy@example.test"]],
        ["name", "email"],
    )
    report = site.run("pathways", "--csv", learners, key=None)  # no key needed to report
    assert report.code == 0, report
    got = {r["name"]: r for r in csv.DictReader(io.StringIO(report.out))}
    assert got["Ada"]["status"] == "held"
    assert got["Ada"]["credential"] == merge[-1]["page_url"]
    assert got["Bob"]["status"] == "in progress"
    assert got["Bob"]["holds"] == "python-basics data-literacy"
    assert got["Bob"]["misses"] == "Git Basics"
    assert got["Cy"]["holds"] == ""
    assert "3 learner(s), 1 pathway(s): 1 held" in report.err


def test_no_pathways_leaves_them_for_a_later_run(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site)
    for achievement in ("python-basics", "data-literacy", "git-basics"):
        assert issue(site, achievement, "Ada", "ada@example.test", "--no-pathways").code == 0
    assert credentials_of(site, "junior-developer", "ada@example.test") == []
    learners = write_csv(site.root / "l.csv", [["Ada", "ada@example.test"]], ["name", "email"])
    report = site.run("pathways", "--csv", learners)
    assert "status" in report.out and ",ready," in report.out, report
    # Running the batch again (everything already held) awards the pathway.
    again = issue(site, "git-basics", "Ada", "ada@example.test")
    assert again.code == 0, again
    assert len(credentials_of(site, "junior-developer", "ada@example.test")) == 1


def test_a_revoked_part_does_not_count(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site)
    email = "ada@example.test"
    hold(site, email, "python-basics", "data-literacy")
    (revoked,) = credentials_of(site, "data-literacy", email)
    assert site.run("revoke", revoked["id"], "--reason", "copied the capstone").code == 0
    result = issue(site, "git-basics", "Ada", email)
    assert result.code == 0, result
    assert credentials_of(site, "junior-developer", email) == []
    learners = write_csv(site.root / "l.csv", [["Ada", email]], ["name", "email"])
    report = site.run("pathways", "--csv", learners)
    row = next(csv.DictReader(io.StringIO(report.out)))
    assert (row["status"], row["misses"]) == ("in progress", "Data Literacy")


def test_a_forged_part_does_not_count(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site)
    email = "ada@example.test"
    hold(site, email, "python-basics", "data-literacy")
    (part,) = credentials_of(site, "data-literacy", email)
    path = next(p for p in site.credential_files() if site.load(p)["id"] == part["id"])
    path.write_text(path.read_text().replace("Passed the capstone.", "Passed nothing."))
    assert issue(site, "git-basics", "Ada", email).code == 0
    assert credentials_of(site, "junior-developer", email) == []


def test_a_pathway_of_pathways_is_awarded_in_the_same_run(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site, PATHWAY.replace(", git-basics]", "]"))
    site.write_achievement(
        "developer",
        "name: Developer\ndescription: d\ncriteria: c\n"
        "requires:\n  any: 1\n  of: [{all: [junior-developer, git-basics]}]\n",
    )
    email = "ada@example.test"
    for achievement in ("git-basics", "python-basics"):
        assert issue(site, achievement, "Ada", email).code == 0
    result = issue(site, "data-literacy", "Ada", email)
    assert "2 pathway credential(s) awarded too" in result.err, result
    (junior,) = credentials_of(site, "junior-developer", email)
    (developer,) = credentials_of(site, "developer", email)
    git = credentials_of(site, "git-basics", email)[0]["id"]
    assert [e["id"] for e in developer["evidence"]] == [junior["id"], git]


# ------------------------------------------------------------------ the build and its pages


def test_pages_show_the_rule_and_the_parts_and_a_part_reveals_nothing_else(
    issuer_site: IssuerSite,
) -> None:
    site = pathway_site(issuer_site)
    email = "ada@example.test"
    hold(site, email, "python-basics", "data-literacy", "git-basics")
    out = site.root / "built"
    result = site.run("build", "--site-dir", out)
    assert result.code == 0, result
    (pathway,) = credentials_of(site, "junior-developer", email)
    parts = [e["id"] for e in pathway["evidence"]]
    slug = pathway["id"].rstrip("/").rsplit("/", 1)[1]
    page = (out / "c" / slug / "index.html").read_text(encoding="utf-8")
    for url in parts:
        part_slug = url.rstrip("/").rsplit("/", 1)[1]
        assert f'href="../../c/{part_slug}/"' in page
        part_page = (out / "c" / part_slug / "index.html").read_text(encoding="utf-8")
        assert pathway["id"] not in part_page and slug not in part_page
        assert all(u.rstrip("/").rsplit("/", 1)[1] not in part_page for u in parts if u != url)
    published = json.loads((out / "c" / slug / "credential.json").read_text(encoding="utf-8"))
    assert published == pathway
    achievement = (out / "achievements" / "junior-developer" / "index.html").read_text(
        encoding="utf-8"
    )
    assert 'id="cp-pathway"' in achievement
    assert "All of these" in achievement
    for part in ("python-basics", "data-literacy", "git-basics"):
        assert f'href="../../achievements/{part}/"' in achievement


def test_the_build_warns_about_a_pathway_whose_part_was_revoked_later(
    issuer_site: IssuerSite,
) -> None:
    site = pathway_site(issuer_site)
    email = "ada@example.test"
    hold(site, email, "python-basics", "data-literacy", "git-basics")
    (part,) = credentials_of(site, "git-basics", email)
    assert site.run("revoke", part["id"], "--reason", "plagiarised").code == 0
    (pathway,) = credentials_of(site, "junior-developer", email)
    result = site.run("build", "--site-dir", site.root / "built")
    assert result.code == 0, result
    assert f"pathway credential {pathway['id']} rests on {part['id']}, which is revoked" in (
        result.err
    )
    assert "credpages revoke" in result.err
    # Not taken back automatically: it stays valid until the issuer decides.
    assert site.run("verify", "--strict").code == 1  # the part is revoked …
    assert credentials_of(site, "junior-developer", email) == [pathway]


def test_rule_errors_are_credpages_errors() -> None:
    with pytest.raises(CredpagesError) as info:
        parse_rule({"any": 2, "of": ["a"]})
    assert info.value.field == "requires.any"


def test_a_reissued_part_is_named_with_its_replacement(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site)
    email = "ada@example.test"
    hold(site, email, "python-basics", "data-literacy", "git-basics")
    (part,) = credentials_of(site, "python-basics", email)
    assert site.run("reissue", part["id"], "--name", "Ada King").code == 0
    new = next(d for d in credentials_of(site, "python-basics", email) if d["id"] != part["id"])
    result = site.run("build", "--site-dir", site.root / "built")
    assert result.code == 0, result
    assert f"rests on {part['id']}, which is revoked (replaced by {new['id']})" in result.err


def test_the_build_fails_on_a_broken_rule_naming_file_line_and_field(
    issuer_site: IssuerSite,
) -> None:
    site = pathway_site(issuer_site, PATHWAY.replace("git-basics]", "git-basic]"))
    result = site.run("build", "--site-dir", site.root / "built")
    assert result.code == 1, result
    line = PATHWAY.splitlines().index("  all: [python-basics, data-literacy, git-basics]") + 1
    assert (
        f"credentials/achievements/junior-developer.yaml:{line}: requires.all[2]: "
        "unknown achievement 'git-basic'"
    ) in result.err
    assert "1 achievement failed" in result.err


def test_any_n_names_only_the_parts_it_needs_and_a_revoked_pathway_stays_revoked(
    issuer_site: IssuerSite,
) -> None:
    rule = "requires:\n  any: 2\n  of: [python-basics, data-literacy, git-basics]\n"
    site = pathway_site(issuer_site, PATHWAY.split("requires:")[0] + rule)
    email = "ada@example.test"
    rows = [["Ada", email, a] for a in ("git-basics", "data-literacy", "python-basics")]
    batch = write_csv(site.root / "b.csv", rows, ["name", "email", "achievement"])
    assert site.run("issue", "--csv", batch).code == 0
    (pathway,) = credentials_of(site, "junior-developer", email)
    needed = [credentials_of(site, a, email)[0]["id"] for a in ("python-basics", "data-literacy")]
    assert [e["id"] for e in pathway["evidence"]] == needed  # git-basics is not revealed
    assert site.run("revoke", pathway["id"], "--reason", "awarded in error").code == 0
    assert site.run("issue", "--csv", batch).code == 0
    assert credentials_of(site, "junior-developer", email) == [pathway]
    learners = write_csv(site.root / "l.csv", [["Ada", email]], ["name", "email"])
    row = next(csv.DictReader(io.StringIO(site.run("pathways", "--csv", learners).out)))
    assert (row["status"], row["credential"]) == ("revoked", pathway["id"])


def test_a_broken_ordinary_achievement_is_left_out_with_a_warning(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site)
    site.write_achievement("bad", "name: Bad\ndescription: d\ncriteria: c\ntags: nope\n")
    email = "ada@example.test"
    hold(site, email, "python-basics", "data-literacy")
    result = issue(site, "git-basics", "Ada", email)
    assert result.code == 0, result
    assert "warning: credentials/achievements/bad.yaml:4: tags:" in result.err
    assert "left out of pathways" in result.err
    assert len(credentials_of(site, "junior-developer", email)) == 1
