"""Bibliography helpers: look up source keys, render reference lists, and the rules a source must meet.

Notebooks cite sources in markdown as ``[KEY]`` (``[K-BL54]``, ``[W1]``);
``tools/execute_notebooks.py`` fills each lesson's References cell with
:func:`references_markdown` of the keys :func:`cited_keys` finds.

Each entry of ``data/sources.yaml`` names the kind of record it is (``kind``), what it is cited for
(``topic``) and at least one identifier (``doi``, ``pmid``, ``isbn`` or ``url``). :data:`OFFICIAL_HOSTS`
is the one list of hosts that count as official for guidelines, regulators and patient information
(CONTRIBUTING.md shows the same list); :func:`source_problems` and :func:`claim_problems` are the rules
``tests/test_sources.py`` enforces.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping
from urllib.parse import quote, urlsplit

from hipcourse.content.data import Source, load_course

__all__ = ["lookup", "format_reference", "references_markdown", "cited_keys", "source_names", "CITATION_PATTERN",
           "UnknownSourceError", "OFFICIAL_HOSTS", "OFFICIAL_KINDS", "WEAK_KINDS", "CLAIM_FILES",
           "is_official_url", "is_weak", "identifiers", "source_problems", "claim_problems"]

# A source key as in facts.md / data/sources.yaml: "K-BL54", "J-GB30-higokoro", "E-cochrane-hip", "W1".
# Requiring a dash (or W + digits) keeps ordinary bracketed words such as "[Note]" from counting.
_KEY = r"(?:[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9.]+)+|W\d+)"

#: A citation: one or more keys in square brackets, separated by "," or ";", not followed by "("
#: (that would be a markdown link); task-list boxes "[ ]" / "[x]" never match.
CITATION_PATTERN = re.compile(rf"\[({_KEY}(?:\s*[,;]\s*{_KEY})*)\](?!\()")

#: Prefix of a reference's anchor in a lesson's numbered References list: ``ref-K-BL54``.
ANCHOR_PREFIX = "ref-"
_NUMBERED_LINK = rf'\[\d+\]\(#{ANCHOR_PREFIX}({_KEY}) "Reference \d+"\)'
#: One numbered citation group as lessons store it (:mod:`hipcourse.content.citations`):
#: ``<sup>[1](#ref-A "Reference 1"), [2](#ref-B "Reference 2")</sup>``.
NUMBERED_GROUP = re.compile(rf"<sup>({_NUMBERED_LINK}(?:, {_NUMBERED_LINK})*)</sup>")
_NUMBERED_KEY = re.compile(_NUMBERED_LINK)


def key_form(text: str) -> str:
    """``text`` with every numbered citation group turned back into ``[KEY1, KEY2]`` (other text unchanged)."""
    return NUMBERED_GROUP.sub(lambda m: "[" + ", ".join(_NUMBERED_KEY.findall(m.group(0))) + "]", text)


#: Hosts that count as official for a ``url`` of kind guideline, regulator or patient-information.
#: A host matches itself and its subdomains (``nhs.uk`` covers ``www.nhs.uk`` and ``leedsth.nhs.uk``).
#: CONTRIBUTING.md ("Sources: which hosts count as official") explains each line; change both together.
OFFICIAL_HOSTS: tuple[str, ...] = (
    # UK guideline bodies, the NHS and regulators
    "nice.org.uk",                  # NICE guidelines and Clinical Knowledge Summaries (cks.nice.org.uk)
    "nhs.uk",                       # NHS website, NHS trusts, integrated care boards, Healthier Together
    "nhs.scot", "scot.nhs.uk",      # NHS Scotland boards (e.g. nhstayside.scot.nhs.uk, rightdecisions.scot.nhs.uk)
    "nhsinform.scot",               # NHS inform, Scotland's national health information service
    "nhslothian.scot",              # NHS Lothian (RefHelp)
    "gov.uk",                       # MHRA Drug Safety Update and other UK government guidance
    "sussexmskpartnershipcentral.co.uk",  # the NHS-commissioned MSK service for central Sussex
    # international bodies, government health agencies and indexes of the primary record
    "who.int",                      # WHO, WHO IRIS, WHO regional offices
    "nih.gov",                      # NCBI: PubMed, PubMed Central, NCBI Bookshelf
    "cdc.gov",
    "cochrane.org", "cochranelibrary.com",
    # professional bodies that publish the guideline cited
    "rheumatology.org",             # American College of Rheumatology
    "aaos.org", "orthoguidelines.org",  # American Academy of Orthopaedic Surgeons
    # academic health centres and public poison services (patient information)
    "takingcharge.csh.umn.edu",     # University of Minnesota, Bakken Center for Spirituality & Healing
    "poison.org",                   # National Capital Poison Center (USA)
)

#: Kinds whose ``url`` must sit on an official host.
OFFICIAL_KINDS = frozenset({"guideline", "regulator", "patient-information"})

#: Kinds that may back a traditional use or a point location, never a health or safety claim on their own.
WEAK_KINDS = frozenset({"practitioner-text"})

#: Data files whose every ``sources:`` list is a health or safety claim.
CLAIM_FILES = ("red_flags.yaml", "contraindications.yaml", "evidence.yaml", "treatments.yaml")

_IDENTIFIERS = ("doi", "pmid", "isbn", "url")


class UnknownSourceError(KeyError):
    """Cited keys that are not in ``data/sources.yaml``; ``.keys`` lists them in order."""

    def __init__(self, keys: Iterable[str]):
        self.keys = tuple(keys)
        super().__init__(f"unknown source key(s) {', '.join(self.keys)} (not in data/sources.yaml)")

    def __str__(self) -> str:
        return self.args[0]


def _field(source: Any):
    """A getter that works for a :class:`Source` and for a plain mapping (test fixtures, the execute tool)."""
    if isinstance(source, Mapping):
        return source.get
    return lambda name: getattr(source, name, None)


def lookup(key: str, *, data_dir=None) -> Source:
    """Return the :class:`~hipcourse.content.data.Source` for ``key``.

    Raises:
        KeyError: with a message naming the unknown key.
    """
    sources = load_course(data_dir).sources
    try:
        return sources[key]
    except KeyError:
        raise KeyError(f"unknown source key '{key}' (not in data/sources.yaml)") from None


def identifiers(source: Any) -> dict[str, str]:
    """The identifiers a source has, e.g. ``{"doi": "10.1136/bmj.k1662", "url": "https://..."}``."""
    field = _field(source)
    return {name: str(field(name)) for name in _IDENTIFIERS if field(name)}


def _links(source: Any) -> list[str]:
    ids = identifiers(source)
    links = []
    if "doi" in ids:
        links.append(f"[doi:{ids['doi']}](https://doi.org/{quote(ids['doi'], safe='/.:;-_')})")
    if "pmid" in ids:
        links.append(f"[PMID {ids['pmid']}](https://pubmed.ncbi.nlm.nih.gov/{ids['pmid']}/)")
    if "isbn" in ids:
        links.append(f"ISBN {ids['isbn']}")
    if "url" in ids:
        links.append(f"<{ids['url']}>")
    return links


def format_reference(key: str, *, data_dir=None, entries: Mapping[str, Any] | None = None,
                     show_key: bool = True) -> str:
    """One markdown line: ``**[KEY]** citation. [doi:...](https://doi.org/...) [PMID n](...) ISBN ... <url>``.

    The citation (else the title) comes first, then every identifier as a link. A practitioner text is
    labelled as a source for traditional use only; a source without an acceptable record says so.
    ``entries`` (``{key: Source or dict}``) replaces ``data/sources.yaml``, e.g. for test fixtures.
    ``show_key=False`` leaves out the bold key (lessons number their references instead).
    """
    source = lookup(key, data_dir=data_dir) if entries is None else entries[key]
    field = _field(source)
    text = (field("citation") or field("title") or key).strip().rstrip(".")
    line = f"**[{key}]** {text}." if show_key else f"{text}."
    links = _links(source)
    if links:
        line += " " + " ".join(links)
    if field("kind") in WEAK_KINDS:
        line += " *Practitioner text: cited for traditional use and point location only.*"
    if field("no_acceptable_record"):
        line += " *No primary or official record was found for this source.*"
    return line


def references_markdown(keys: Iterable[str], *, data_dir=None, entries: Mapping[str, Any] | None = None) -> str:
    """A markdown bullet list of the given keys, de-duplicated and sorted by key.

    Unknown keys raise :class:`UnknownSourceError` naming all of them (a lesson must not cite a missing
    source). Returns an empty string for no keys. ``entries`` as in :func:`format_reference`.
    """
    unique = sorted(set(keys), key=str.casefold)
    known = entries if entries is not None else load_course(data_dir).sources
    missing = [key for key in unique if key not in known]
    if missing:
        raise UnknownSourceError(missing)
    return "\n".join(f"- {format_reference(key, data_dir=data_dir, entries=entries)}" for key in unique)


def source_names(keys: Iterable[str], *, data_dir=None) -> str:
    """The sources ``keys`` name, as a reader sees them in a table: their titles joined by "; ".

    Lessons show numbers, never keys (issue 14); a table cell cannot link to the References list, so it
    names each source by its ``title`` ("Hip fracture (NHS)"). Unknown keys raise
    :class:`UnknownSourceError` naming all of them.
    """
    from hipcourse import paths
    from hipcourse.content.yamlfiles import load_yaml  # cached by content: cheap on every call

    folder = paths.data_dir() if data_dir is None else data_dir
    titles = {entry["key"]: entry["title"] for entry in load_yaml(f"{folder}/sources.yaml")["sources"]}
    keys = list(keys)
    missing = [key for key in keys if key not in titles]
    if missing:
        raise UnknownSourceError(missing)
    return "; ".join(titles[key] for key in keys)


def cited_keys(text: str) -> list[str]:
    """Keys cited as ``[KEY]`` or ``[KEY1, KEY2]`` in markdown ``text``, in order of first appearance.

    Numbered citations (:mod:`hipcourse.content.citations`) count as the keys they link to.

    Markdown links ``[text](url)`` and task boxes ``[ ]`` / ``[x]`` are ignored.
    """
    text = key_form(text)  # numbered citations count as their keys
    keys = (key for match in CITATION_PATTERN.finditer(text) for key in re.split(r"\s*[,;]\s*", match.group(1)))
    return list(dict.fromkeys(keys))


# ---------------------------------------------------------------------------
# Rules for sources and for the claims that cite them
# ---------------------------------------------------------------------------


def is_official_url(url: str, *, hosts: Iterable[str] = OFFICIAL_HOSTS) -> bool:
    """True when ``url``'s host is one of ``hosts`` or a subdomain of one (``www.nhs.uk`` for ``nhs.uk``)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in hosts)


def is_weak(source: Any) -> bool:
    """True for a source that must not back a health or safety claim on its own: a practitioner text, a
    commercial page, or a source without an acceptable record."""
    field = _field(source)
    return field("kind") in WEAK_KINDS or bool(field("commercial")) or bool(field("no_acceptable_record"))


def source_problems(entries: Mapping[str, Any], *, hosts: Iterable[str] = OFFICIAL_HOSTS) -> list[str]:
    """Problems with the sources themselves, one message each, naming the entry.

    Every source needs an identifier (doi, pmid, isbn or url) unless it says ``no_acceptable_record`` with
    a note; a guideline, regulator or patient-information ``url`` must be on an official host.
    """
    hosts = tuple(hosts)
    problems = []
    for key, source in entries.items():
        field = _field(source)
        if not identifiers(source) and not (field("no_acceptable_record") and field("note")):
            problems.append(f"data/sources.yaml: sources[{key}]: no identifier (doi, pmid, isbn or url) and not "
                            "marked no_acceptable_record with a note")
        url = field("url")
        if url and field("kind") in OFFICIAL_KINDS and not field("no_acceptable_record") \
                and not is_official_url(url, hosts=hosts):
            problems.append(f"data/sources.yaml: sources[{key}].url: a {field('kind')} must be on an official "
                            f"host (CONTRIBUTING.md), not {urlsplit(url).hostname}")
    return problems


def _source_lists(node, path):
    if isinstance(node, dict) and node.get("basis") == "caution":
        # An ask-first rule kept on the side of safety, labelled as resting on practitioner texts
        # (data/schemas/contraindications.schema.json "basis"); it can only stop pressing.
        return
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "sources" and isinstance(value, list):
                yield path, value
            else:
                yield from _source_lists(value, path + [name])
    elif isinstance(node, list):
        for index, item in enumerate(node):
            name = next((item[k] for k in ("id", "key", "code") if isinstance(item, dict)
                         and isinstance(item.get(k), str)), None)
            yield from _source_lists(item, path[:-1] + [f"{path[-1] if path else ''}[{name or index}]"])


def claim_problems(document: Any, *, entries: Mapping[str, Any], file: str) -> list[str]:
    """Health or safety claims in ``document`` (every ``sources:`` list) that rest only on weak sources.

    A claim must cite at least one source that is not a practitioner text, not commercial and not
    marked ``no_acceptable_record`` (see :func:`is_weak`). An entry marked ``basis: caution`` (an ask-first
    rule that only stops pressing, checked by ``hipcourse check``) is exempt. Unknown keys count as weak (the check command
    reports them separately). Returns messages naming ``file``, the entry and the keys.
    """
    problems = []
    for path, keys in _source_lists(document, []):
        if keys and all(key not in entries or is_weak(entries[key]) for key in keys):
            where = ".".join(path) + ".sources"
            problems.append(f"{file}: {where}: the claim rests only on practitioner, commercial or "
                            f"unrecorded sources ({', '.join(map(str, keys))}); cite a primary or official record")
    return problems
