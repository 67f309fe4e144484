"""Sources a clinician would accept (issue 13, section 4).

Every source in data/sources.yaml names the kind of record and at least one identifier; guideline, regulator
and patient-information addresses sit on an official host (hipcourse.content.sources.OFFICIAL_HOSTS, the
list CONTRIBUTING.md shows); and no health or safety claim (any `sources:` list of red_flags, contraindications,
evidence, treatments) rests only on practitioner texts, commercial pages or sources without an acceptable record.
Traditional-use statements (points.yaml) may keep practitioner texts, and the references label them as tradition.
Each rule is also run on a small fixture that breaks it, so the rule is seen to fail.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from hipcourse.content import sources as S

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def _entries() -> dict[str, dict]:
    return {entry["key"]: entry for entry in yaml.safe_load((DATA / "sources.yaml").read_text(encoding="utf-8"))["sources"]}


ENTRIES = _entries()

# Hosts of the weak copies this revision removed: mirrors, proxies, staging or dev copies, retailers,
# flashcard and document-sharing sites. None may come back as a source's address.
REMOVED_HOSTS = (
    "123docz.net", "acemap.info", "thefreedictionary.com", "anyflip.com", "musculoskeletalkey.com", "rz55.com",
    "szmdata.com", "docsbay.net", "studylib.net", "docksci.com", "flipbuilder.com", "ucoz.ru", "magzter.com",
    "ouci.dntb.gov.ua", "globalauthorid.com", "medluna.com", "researcher.life", "ichgcp.net", "brainscape.com",
    "franktesting.co.uk", "kensingtonsocks.co.uk", "azurewebsites.net", "scite.ai", "mimsdev.com",
    "preview.hindawi.com", "bibliotheek.ehb.be", "castlegate-pharmacy.com", "health-shared.com",
    "qigonginstitute.org", "painpluscpn.ca", "fletcherssolicitors.co.uk", "clincalcpro.com", "heatonacupuncture.co.uk",
    "chinesemedicalcentrebarnet.co.uk", "blog.fht.org.uk", "clinicalpainadvisor.com", "iwh.on.ca", "gmjournal.co.uk",
    "acupuncture.org.uk",
)
# Words in a host that mark a copy that is not the publisher's public page.
COPY_HOST = re.compile(r"(^|[.-])(staging|mystaging\d*|dev|preview|proxy|test|testing)([.-]|$)|:\d+$")


# --- every source: kind, identifier, official host ----------------------------------------------------------


def test_every_source_has_an_identifier_and_official_hosts_for_guidance():
    assert S.source_problems(ENTRIES) == []


def test_every_source_names_its_record_kind_and_topic():
    kinds = {"guideline", "systematic-review", "trial", "study", "textbook", "standard", "patient-information",
             "regulator", "reference-database", "practitioner-text"}
    topics = {"who", "point-text", "measurement", "anatomy", "cause", "red-flag", "safety", "evidence"}
    wrong = [key for key, e in ENTRIES.items() if e.get("kind") not in kinds or e.get("topic") not in topics
             or not str(e.get("citation", "")).strip()]
    assert wrong == []


def test_no_source_points_to_a_mirror_proxy_or_staging_copy():
    bad = {}
    for key, entry in ENTRIES.items():
        if not entry.get("url"):
            continue
        parts = urlsplit(entry["url"])
        host = parts.netloc.lower()
        if any(host == h or host.endswith("." + h) or h in host for h in REMOVED_HOSTS) or COPY_HOST.search(host) \
                or host.endswith("."):
            bad[key] = host
    assert bad == {}


def test_identifiers_are_not_written_into_the_citation_words_instead_of_the_fields():
    # a DOI or PMID in the words but not in its field would not be linked in the references
    missing = [key for key, e in ENTRIES.items()
               if (re.search(r"\bdoi:\s*10\.", e["citation"], re.I) and not e.get("doi"))
               or (re.search(r"\bPMID\s*\d", e["citation"]) and not e.get("pmid"))]
    assert missing == []


def test_sources_without_an_acceptable_record_say_why():
    silent = [key for key, e in ENTRIES.items() if e.get("no_acceptable_record") and len(e.get("note", "")) < 40]
    assert silent == []


def test_source_rules_fail_on_a_broken_fixture():
    fixture = {
        "T-good": {"key": "T-good", "kind": "guideline", "url": "https://www.nice.org.uk/guidance/ng226"},
        "T-noid": {"key": "T-noid", "kind": "study"},
        "T-flagged": {"key": "T-flagged", "kind": "study", "no_acceptable_record": True,
                      "note": "No acceptable record: seen only on a mirror."},
        "T-clinic": {"key": "T-clinic", "kind": "patient-information", "url": "https://www.someclinic.co.uk/hip"},
        "T-lookalike": {"key": "T-lookalike", "kind": "guideline", "url": "https://nice.org.uk.example.com/ng226"},
        "T-regulator": {"key": "T-regulator", "kind": "regulator", "url": "https://www.gov.uk/drug-safety-update/x"},
        "T-trial": {"key": "T-trial", "kind": "trial", "url": "https://www.someclinic.co.uk/trial"},
    }
    assert S.source_problems(fixture) == [
        "data/sources.yaml: sources[T-noid]: no identifier (doi, pmid, isbn or url) and not marked "
        "no_acceptable_record with a note",
        "data/sources.yaml: sources[T-clinic].url: a patient-information must be on an official host "
        "(CONTRIBUTING.md), not www.someclinic.co.uk",
        "data/sources.yaml: sources[T-lookalike].url: a guideline must be on an official host (CONTRIBUTING.md), "
        "not nice.org.uk.example.com",
    ]


@pytest.mark.parametrize("url, official", [
    ("https://www.nhs.uk/conditions/hip-fracture/", True),
    ("https://cks.nice.org.uk/topics/sciatica-lumbar-radiculopathy/", True),
    ("https://www.leedsth.nhs.uk/patients/", True),
    ("https://www.gov.uk/drug-safety-update/x", True),
    ("https://evilnhs.uk/conditions/", False),
    ("https://nhs.uk.example.com/", False),
    ("https://www.nhsinform-n1.azurewebsites.net/x", False),
    ("https://health-shared.com/topics/hip-fracture", False),
])
def test_official_host_matching_is_by_whole_labels(url, official):
    assert S.is_official_url(url) is official


def test_contributing_lists_exactly_the_official_hosts():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("### Which hosts count as official", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    bullets = "\n".join(line for line in section.splitlines() if line.startswith(("- ", "  ")))
    listed = re.findall(r"`([a-z0-9.-]+\.[a-z]+)`", bullets)
    assert sorted(set(listed)) == sorted(S.OFFICIAL_HOSTS)


# --- health and safety claims -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", S.CLAIM_FILES)
def test_health_and_safety_claims_rest_on_a_primary_or_official_record(name):
    document = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    assert S.claim_problems(document, entries=ENTRIES, file=f"data/{name}") == []


def test_claim_rule_fails_on_a_broken_fixture():
    entries = {
        "T-tcm": {"kind": "practitioner-text"},
        "T-shop": {"kind": "patient-information", "commercial": True},
        "T-none": {"kind": "study", "no_acceptable_record": True},
        "T-nhs": {"kind": "patient-information"},
        "T-rct": {"kind": "trial"},
    }
    document = {"flags": [
        {"id": "only-practitioner", "sources": ["T-tcm"]},
        {"id": "practitioner-and-shop", "sources": ["T-tcm", "T-shop", "T-none"]},
        {"id": "unknown-key", "sources": ["T-missing"]},
        {"id": "with-nhs", "sources": ["T-tcm", "T-nhs"]},
        {"id": "with-trial", "sources": ["T-rct"]},
        {"id": "nested", "questions": [{"id": "q1", "sources": ["T-shop"]}], "sources": ["T-rct"]},
        {"id": "no-sources-yet", "sources": []},
        {"id": "ask-first-caution", "basis": "caution", "sources": ["T-tcm"]},
    ]}
    problems = S.claim_problems(document, entries=entries, file="data/red_flags.yaml")
    assert [p.split(": ")[1] for p in problems] == [
        "flags[only-practitioner].sources", "flags[practitioner-and-shop].sources", "flags[unknown-key].sources",
        "flags[nested].questions[q1].sources"]
    assert problems[0] == ("data/red_flags.yaml: flags[only-practitioner].sources: the claim rests only on "
                           "practitioner, commercial or unrecorded sources (T-tcm); cite a primary or official record")


def test_every_claim_file_is_read_by_the_rule():
    # a claim file renamed or emptied would make the claim test pass without checking anything
    for name in S.CLAIM_FILES:
        document = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
        lists = list(S._source_lists(document, []))
        assert len(lists) >= 4 and sum(bool(keys) for _, keys in lists) >= 4, name


def test_traditional_uses_may_cite_practitioner_texts_and_are_labelled_as_tradition():
    points = yaml.safe_load((DATA / "points.yaml").read_text(encoding="utf-8"))["points"]
    practitioner_only = [p["code"] for p in points
                         if p.get("traditionally_used_for") and p["sources"]
                         and all(ENTRIES[k]["kind"] == "practitioner-text" for k in p["sources"])]
    # allowed (no failure), and their references say what such a source may back
    for code in practitioner_only[:1]:
        key = next(p for p in points if p["code"] == code)["sources"][0]
        assert "traditional use" in S.format_reference(key, entries=ENTRIES)
    key = next(k for k, e in ENTRIES.items() if e["kind"] == "practitioner-text")
    assert S.format_reference(key, entries=ENTRIES).endswith(
        "*Practitioner text: cited for traditional use and point location only.*")


# --- rendering ----------------------------------------------------------------------------------------------------


def test_references_link_doi_and_pubmed_and_keep_the_citation_words():
    entries = {
        "T-a": {"citation": "Mellor R, et al. BMJ 2018;361:k1662.", "kind": "trial", "doi": "10.1136/bmj.k1662",
                "pmid": "29720374", "url": "https://www.bmj.com/content/361/bmj.k1662"},
        "T-b": {"citation": "WHO WPRO. Standard Acupuncture Point Locations. 2008.", "kind": "standard",
                "isbn": "978-92-9061-248-7"},
        "T-c": {"title": "Only a title", "kind": "study", "no_acceptable_record": True, "note": "none found"},
    }
    assert S.format_reference("T-a", entries=entries) == (
        "**[T-a]** Mellor R, et al. BMJ 2018;361:k1662. [doi:10.1136/bmj.k1662](https://doi.org/10.1136/bmj.k1662) "
        "[PMID 29720374](https://pubmed.ncbi.nlm.nih.gov/29720374/) <https://www.bmj.com/content/361/bmj.k1662>")
    assert S.format_reference("T-b", entries=entries) == (
        "**[T-b]** WHO WPRO. Standard Acupuncture Point Locations. 2008. ISBN 978-92-9061-248-7")
    assert S.format_reference("T-c", entries=entries) == (
        "**[T-c]** Only a title. *No primary or official record was found for this source.*")
    assert S.references_markdown(["T-b", "T-a", "T-b"], entries=entries).splitlines()[0].startswith("- **[T-a]**")


def test_a_doi_with_brackets_does_not_break_the_markdown_link():
    line = S.format_reference("T-x", entries={"T-x": {"citation": "X.", "kind": "study",
                                                      "doi": "10.1016/S0140-6736(20)30183-5"}})
    link = re.search(r"\]\((https://doi\.org/[^)\s]+)\)", line).group(1)
    assert link == "https://doi.org/10.1016/S0140-6736%2820%2930183-5"


def test_the_real_references_render_for_every_source():
    rendered = S.references_markdown(ENTRIES, entries=ENTRIES).splitlines()
    assert len(rendered) == len(ENTRIES)
    who = next(line for line in rendered if line.startswith("- **[W1]**"))
    assert "ISBN 978-92-9061-248-7" in who and "123docz" not in who


def test_caution_basis_is_used_sparingly_and_only_stops_pressing():
    # The exemption of the claim rule is for ask-first rules only: each one stops pressing and says in its
    # reason that no guideline or trial tests it, so a learner is never told to press on a practitioner's word.
    document = yaml.safe_load((DATA / "contraindications.yaml").read_text(encoding="utf-8"))
    caution = [entry for entry in document["contraindications"] if entry.get("basis") == "caution"]
    assert [entry["id"] for entry in caution] == ["severe_heart_disease"]
    for entry in caution:
        assert all(effect["max_pressure"] == "none" for effect in entry["effects"])
        assert "no guideline or trial" in entry["reason"]


def test_check_command_refuses_a_caution_rule_that_allows_pressure(tmp_path):
    from hipcourse.content import check

    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    path = target / "contraindications.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    basis: caution\n"
    assert old in text
    # give the wound rule (light pressure allowed nowhere) a caution basis and a pressure it may not allow
    text = text.replace("      - local: true\n        max_pressure: none\n    reason: Damaged",
                        "      - local: true\n        max_pressure: light\n    reason: Damaged", 1)
    text = text.replace("    confidence: M\n    sources: [S-umn, S-ethos, S-flipbuilder, S-acucm]",
                        "    confidence: M\n    basis: caution\n    sources: [S-umn, S-ethos, S-flipbuilder, S-acucm]", 1)
    path.write_text(text, encoding="utf-8")
    report = check.check_course(target)
    assert any(p.file == "data/contraindications.yaml" and p.entry == "contraindications[wound_burn_rash_ulcer].basis"
               and "may only stop pressing" in p.message for p in report.problems), report.problems


# --- lesson prose ---------------------------------------------------------------------------------------------

LESSONS = sorted((ROOT / "notebooks").glob("0[0-8]_*.ipynb"))


def unrecorded_only_sentences(text: str, entries: dict) -> list[tuple[str, list[str]]]:
    """Sentences (or table cells, or bullet items) of markdown ``text`` whose citations are all sources without
    an acceptable record: such a source may sit beside a record, never back a statement alone."""
    found = []
    for part in re.split(r"(?<=[.!?])\s+|\s*\|\s*|\n\s*[-*]\s+|\n\s*\n", S.key_form(text)):
        keys = S.cited_keys(part)
        if keys and all(entries.get(key, {}).get("no_acceptable_record") for key in keys):
            found.append((" ".join(part.split())[:90], keys))
    return found


def test_lesson_statements_never_rest_only_on_a_source_without_an_acceptable_record():
    import nbformat

    assert len(LESSONS) == 9
    problems = []
    for path in LESSONS:
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "markdown" and "references" not in cell.metadata.get("tags", []):
                problems += [f"{path.name}: cell {index}: {sentence!r} cites only {keys}"
                             for sentence, keys in unrecorded_only_sentences(cell.source, ENTRIES)]
    assert problems == [], "\n".join(problems)


def test_unrecorded_only_sentences_are_found_and_a_record_beside_them_is_enough():
    entries = {"T-none": {"no_acceptable_record": True}, "T-nhs": {"kind": "patient-information"}}
    text = ("Firm pressure bruises [T-none]. Light pressure is safer [T-none, T-nhs].\n\n"
            "| sign | see a doctor [T-none] |\n- a bullet [T-nhs]\n- another <sup>[1](#ref-T-none \"Reference 1\")</sup>")
    assert [keys for _, keys in unrecorded_only_sentences(text, entries)] == [["T-none"], ["T-none"], ["T-none"]]
