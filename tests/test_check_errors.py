"""One defect at a time: `check` must name the exact file, entry and problem.

Each case copies a valid data folder (test_data.make_data_dir: real views, landmarks,
scales and schemas, fixture points, generated sources), applies one edit and asserts
that the expected DataProblem is reported by check_course() (full JSON Schema) and,
unless the rule exists only in the JSON Schema, that load_course() raises it too.
"""

from __future__ import annotations

import pytest

from hipcourse.content.check import check_course
from hipcourse.content.data import DataError, DataProblem, load_course
from test_data import FIXTURE_POINTS, make_data_dir

UNKNOWN_FUNCTION = "unknown function '{}' (allowed: lerp, mid, level, offset, intersect, line, horizontal, vertical)"
SECOND_REGION_LINE = FIXTURE_POINTS.splitlines().index("    region: groin") + 2
# libyaml notices the unclosed "[" on the line after it
AFTER_BAD_LIST_LINE = FIXTURE_POINTS.splitlines().index("    english: Surging Gate") + 2


# A valid source entry in the format of data/schemas/sources.schema.json (the source cases edit it).
SOURCE = "  - key: {key}\n    title: a\n    citation: A. B. 2020.\n    kind: {kind}\n    topic: anatomy\n    doi: 10.1000/x1\n"
RECORD_KINDS = ("guideline, systematic-review, trial, study, textbook, standard, patient-information, regulator, "
                "reference-database, practitioner-text")


def case(id, file, edits, entry, message, *, on_load=True, expected_file=None):
    return pytest.param(file, edits, expected_file or f"data/{file}", entry, message, on_load, id=id)


CASES = [
    case("duplicate-landmark-id", "landmarks.yaml", [("  - id: SH\n", "  - id: GT\n")],
         "landmarks[1]", "duplicate id 'GT'"),
    case("unknown-landmark-in-point", "points.yaml",
         [('posterior: "lerp(GT, SH, 1/3)"', 'posterior: "lerp(GTT, SH, 1/3)"')],
         "points[GB30].locations.posterior", 'unknown landmark \'GTT\' in "lerp(GTT, SH, 1/3)"'),
    case("circular-points", "points.yaml",
         [('posterior: "GF"', 'posterior: "BL40"'), ('posterior: "PC"', 'posterior: "BL36"')],
         "points[BL36].locations.posterior", "circular construction: BL36 -> BL40 -> BL36"),
    case("circular-landmarks", "landmarks.yaml",
         [('"level(mid(MSC, PSIS), PSIS)"', '"level(mid(MSC, PSIS), S2F)"'),
          ("lerp(PSIS, SC, 1/4)", "lerp(S1F, SC, 1/4)")],
         "landmarks[S1F].constructions.posterior", "circular construction: S1F -> S2F -> S1F"),
    case("syntax-error", "points.yaml", [('"mid(ASIS, GT)"', '"mid(ASIS, GT"')],
         "points[GB29].locations.lateral", "syntax error ('(' was never closed) in \"mid(ASIS, GT\""),
    case("unknown-function", "points.yaml", [('"mid(ASIS, GT)"', '"middle(ASIS, GT)"')],
         "points[GB29].locations.lateral", UNKNOWN_FUNCTION.format("middle") + ' in "middle(ASIS, GT)"'),
    case("python-import-rejected", "points.yaml", [('posterior: "GF"', "posterior: \"__import__('os')\"")],
         "points[BL36].locations.posterior",
         UNKNOWN_FUNCTION.format("__import__") + " in \"__import__('os')\""),
    case("wrong-argument-count", "points.yaml", [('"mid(ASIS, GT)"', '"mid(ASIS)"')],
         "points[GB29].locations.lateral", 'mid() takes 2 arguments, got 1 in "mid(ASIS)"'),
    case("attribute-access", "points.yaml", [('posterior: "GF"', 'posterior: "GF.x"')],
         "points[BL36].locations.posterior", "attribute access 'GF.x' is not allowed in \"GF.x\""),
    case("offset-axis-not-in-view", "points.yaml",
         [("offset(PS, lateral=3.5, scale=abdomen)", "offset(PS, anterior=3.5, scale=abdomen)")],
         "points[SP12].locations.anterior",
         "offset direction 'anterior' does not exist in the anterior view (allowed: lateral, medial, up, down)"
         ' in "offset(PS, anterior=3.5, scale=abdomen)"'),
    case("unknown-scale-in-expression", "points.yaml",
         [("offset(PS, lateral=3.5, scale=abdomen)", "offset(PS, lateral=3.5, scale=abdomn)")],
         "points[SP12].locations.anterior", 'unknown scale \'abdomn\' in "offset(PS, lateral=3.5, scale=abdomn)"'),
    case("unknown-point-scale", "points.yaml", [("    scale: thigh_lateral\n", "    scale: thigh_lat\n")],
         "points[GB30].scale", "unknown scale 'thigh_lat'"),
    case("missing-point-scale", "points.yaml", [("    scale: leg_lateral\n", "")],
         "points[GB34]", "missing required field 'scale' (the cun scale of its region)"),
    case("view-not-in-views-yaml", "views.yaml",
         [("  anterior:\n    title: Seen from the front\n    x_axis: lateral\n    extent: [-22, 22, 48, 110]", "")],
         "landmarks[GT].views.anterior", "view 'anterior' is not in data/views.yaml",
         expected_file="data/landmarks.yaml"),
    case("landmark-without-position", "landmarks.yaml", [("    views:\n      posterior: [0, 86.5]\n", "")],
         "landmarks[COC]", "has neither coordinates (views) nor a construction (constructions)"),
    case("missing-required-field", "landmarks.yaml",
         [("    plain: The lowest point of the tailbone, at the top of the buttock cleft.\n", "")],
         "landmarks[COC]", "missing required field 'plain'"),
    case("wrong-type", "scales.yaml", [("    cun: 5\n", "    cun: five\n")],
         "scales[abdomen].cun", "must be a number, not text 'five'"),
    case("wrong-boolean", "points.yaml", [("    core: true\n", "    core: yes please\n")],
         "points[GB30].core", "must be true or false, not text 'yes please'"),
    case("value-not-allowed", "scales.yaml", [("    measure: vertical\n", "    measure: sideways\n")],
         "scales[abdomen].measure", "'sideways' is not one of: vertical, horizontal, distance"),
    case("unknown-field", "landmarks.yaml",
         [("    palpation: Follow the midline down", "    palpaton: Follow the midline down")],
         "landmarks[COC]", "unknown field 'palpaton'"),
    case("unknown-source-key", "landmarks.yaml",
         [("    sources: [P-GV2-cmd]\n    views:\n      posterior: [0, 86.5]",
           "    sources: [P-NOPE]\n    views:\n      posterior: [0, 86.5]")],
         "landmarks[COC].sources", "unknown source key 'P-NOPE'"),
    case("unknown-source-key-in-alternative", "points.yaml",
         [("        sources: [J-GB30-higokoro]\n", "        sources: [J-GB30-nope]\n")],
         "points[GB30].alternatives[who-alt].sources", "unknown source key 'J-GB30-nope'"),
    case("duplicate-source-key", "sources.yaml",
         [("sources:\n", "sources:\n" + SOURCE.format(key="ZZ", kind="study") + SOURCE.format(key="ZZ", kind="trial"))],
         "sources[1]", "duplicate key 'ZZ'"),
    case("source-kind-not-allowed", "sources.yaml",
         [("sources:\n", "sources:\n" + SOURCE.format(key="ZZ", kind="gossip"))],
         "sources[ZZ].kind", "'gossip' is not one of: " + RECORD_KINDS),
    case("source-old-kind-is-a-topic", "sources.yaml",  # the old `kind` values now go in `topic`
         [("sources:\n", "sources:\n" + SOURCE.format(key="ZZ", kind="anatomy"))],
         "sources[ZZ].kind", "'anatomy' is not one of: " + RECORD_KINDS),
    case("source-topic-not-allowed", "sources.yaml",
         [("sources:\n", "sources:\n" + SOURCE.format(key="ZZ", kind="study").replace("topic: anatomy", "topic: gossip"))],
         "sources[ZZ].topic",
         "'gossip' is not one of: who, point-text, measurement, anatomy, cause, red-flag, safety, evidence"),
    case("source-without-citation", "sources.yaml",
         [("sources:\n", "sources:\n" + SOURCE.format(key="ZZ", kind="study").replace("    citation: A. B. 2020.\n", ""))],
         "sources[ZZ]", "missing required field 'citation'"),
    case("source-without-identifier", "sources.yaml",
         [("sources:\n", "sources:\n" + SOURCE.format(key="ZZ", kind="study").replace("    doi: 10.1000/x1\n", ""))],
         "sources[ZZ]", "needs at least one of: doi, pmid, isbn, url, no_acceptable_record with note"),
    case("source-bad-doi", "sources.yaml",
         [("sources:\n", "sources:\n" + SOURCE.format(key="ZZ", kind="study").replace("10.1000/x1", "https://doi.org/10.1000/x1"))],
         "sources[ZZ].doi", "'https://doi.org/10.1000/x1' does not match the pattern ^10\\.[0-9]{4,9}/\\S+$",
         on_load=False),
    case("source-no-record-without-note", "sources.yaml",
         [("sources:\n", "sources:\n" + SOURCE.format(key="ZZ", kind="study").replace(
             "    doi: 10.1000/x1\n", "    no_acceptable_record: true\n"))],
         "sources[ZZ]", "missing required field 'note'", on_load=False),
    case("duplicate-point-code", "points.yaml", [("  - code: SP12\n", "  - code: GB30\n")],
         "points[1]", "duplicate code 'GB30'"),
    case("point-code-is-landmark-id", "points.yaml", [("  - code: BL36\n", "  - code: GF\n")],
         "points[GF]", "code 'GF' is also a landmark id"),
    case("scale-unknown-landmark", "scales.yaml", [("    from: U\n", "    from: UU\n")],
         "scales[abdomen].from", "unknown landmark 'UU'"),
    case("scale-landmark-not-in-view", "scales.yaml",
         [("    to: LM\n    cun: 16\n    view: lateral", "    to: LM\n    cun: 16\n    view: anterior")],
         "scales[leg_lateral].from", "landmark 'PC' has no position in the anterior view"),
    case("construction-landmark-not-in-view", "landmarks.yaml",
         [('"level(mid(MSC, PSIS), PSIS)"', '"level(mid(MSC, ASIS), ASIS)"')],
         "landmarks[S1F].constructions.posterior",
         'landmark \'ASIS\' has no position in the posterior view, in "level(mid(MSC, ASIS), ASIS)"'),
    case("point-not-in-view", "points.yaml", [('posterior: "GF"', 'posterior: "SP12"')],
         "points[BL36].locations.posterior", "point 'SP12' has no location in the posterior view, in \"SP12\""),
    case("coordinates-and-construction", "landmarks.yaml",
         [('    constructions:\n      anterior: "mid(ASIS, PS)"',
           '    views:\n      anterior: [6, 97.75]\n    constructions:\n      anterior: "mid(ASIS, PS)"')],
         "landmarks[MIP]", "the anterior view has both coordinates and a construction; keep one"),
    case("yaml-syntax-error", "points.yaml", [("    english: Surging Gate\n", "    english: [Surging Gate\n")],
         f"line {AFTER_BAD_LIST_LINE}", "YAML error: did not find expected ',' or ']'"),
    case("yaml-duplicate-key", "points.yaml", [("    region: groin\n", "    region: groin\n    region: groin\n")],
         f"line {SECOND_REGION_LINE}", "YAML error: duplicate key 'region'"),
    case("top-level-not-mapping", "points.yaml", [(None, "- GB30\n- SP12\n")],
         "", "the file must be a mapping at the top level (got a list)"),
    case("missing-file", "scales.yaml", [(None, None)], "", "file is missing"),
    case("not-computable-with-locations", "points.yaml",
         [("    computable: false\n", '    computable: false\n    locations:\n      posterior: "GF"\n')],
         "points[Ashi]", "has computable: false but gives locations"),
    case("computable-without-locations", "points.yaml", [('    locations:\n      lateral: "mid(ASIS, GT)"\n', "")],
         "points[GB29]", "missing required field 'locations' (or set computable: false)"),
    case("offset-without-scale", "landmarks.yaml",
         [('"level(mid(MSC, PSIS), PSIS)"', '"offset(PSIS, medial=1)"')],
         "landmarks[S1F].constructions.posterior", 'offset() needs scale=<scale id> in "offset(PSIS, medial=1)"'),
    case("extent-order", "views.yaml", [("extent: [-22, 22, 42, 116]", "extent: [22, -22, 42, 116]")],
         "views.posterior.extent", "must be [xmin, xmax, ymin, ymax] with xmin < xmax and ymin < ymax"),
    case("extent-too-short", "views.yaml", [("extent: [-22, 22, 42, 116]", "extent: [-22, 22, 42]")],
         "views.posterior.extent", "must have at least 4 items", on_load=False),
    case("wrong-x-axis", "views.yaml", [("    x_axis: anterior\n", "    x_axis: lateral\n")],
         "views.lateral.x_axis", "the lateral view measures x as 'anterior', not 'lateral'"),
    case("unknown-view-key", "views.yaml", [("  lateral:\n", "  side:\n")],
         "views", "unknown key 'side' (allowed: posterior, anterior, lateral)"),
    case("bad-id-pattern", "landmarks.yaml", [("  - id: COC\n", "  - id: coc\n")],
         "landmarks[coc].id", "'coc' does not match the pattern ^[A-Z][A-Za-z0-9_]*$", on_load=False),
    case("duplicate-alternative-id", "points.yaml", [("      - id: deadman\n", "      - id: who-alt\n")],
         "points[GB30].alternatives[who-alt]", "duplicate alternative id 'who-alt'"),
    case("unknown-landmark-in-landmarks-list", "points.yaml",
         [("    landmarks: [GT, SH]\n", "    landmarks: [GT, SHH]\n")],
         "points[GB30].landmarks", "unknown landmark 'SHH'"),
    case("parallel-lines", "points.yaml",
         [("intersect(line(ASIS, PB_lat), horizontal(PS_inf))", "intersect(horizontal(PS), horizontal(PS_inf))")],
         "points[ST31].locations.anterior",
         "the horizontal through PS and the horizontal through PS_inf are parallel in "
         '"intersect(horizontal(PS), horizontal(PS_inf))"', on_load=False),
    case("zero-length-scale", "scales.yaml", [("    from: GF\n    to: PC\n", "    from: PC\n    to: PC\n")],
         "scales[thigh_posterior]",
         "scale 'thigh_posterior' measures 0 cm from PC to PC (vertical, posterior view)", on_load=False),
]


def apply(folder, file, edits):
    path = folder / file
    for old, new in edits:
        if old is None and new is None:
            path.unlink()
        elif old is None:
            path.write_text(new, encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
            assert old in text, f"fixture text {old!r} not found in {file}"
            path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("file, edits, expected_file, entry, message, on_load", CASES)
def test_defect_is_reported_with_file_entry_and_message(tmp_path, file, edits, expected_file, entry,
                                                        message, on_load):
    folder = make_data_dir(tmp_path)
    assert check_course(folder).ok  # the unedited copy is valid
    apply(folder, file, edits)
    expected = DataProblem(expected_file, entry, message)
    problems = check_course(folder).problems
    assert expected in problems, "\n".join(map(str, problems))
    if on_load:
        with pytest.raises(DataError) as caught:
            load_course(folder)
        assert expected in caught.value.problems
        assert str(expected) in str(caught.value).splitlines()


def test_there_are_at_least_thirty_distinct_defects():
    assert len(CASES) >= 30
    assert len({(c.values[0], str(c.values[1])) for c in CASES}) == len(CASES)


def test_problems_are_collected_not_first_only(tmp_path):
    folder = make_data_dir(tmp_path)
    apply(folder, "points.yaml", [('posterior: "GF"', 'posterior: "GF.x"'),
                                  ("    scale: thigh_lateral\n", "    scale: thigh_lat\n")])
    apply(folder, "scales.yaml", [("    cun: 5\n", "    cun: five\n")])
    with pytest.raises(DataError) as caught:
        load_course(folder)
    files = {p.file for p in caught.value.problems}
    assert files == {"data/points.yaml", "data/scales.yaml"}
    assert len(caught.value.problems) >= 3
