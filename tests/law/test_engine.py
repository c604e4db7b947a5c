"""Known answers on real pairs (public sources named per test) and invariants."""

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.domain.measure import Measure
from repatria.errors import InvalidInput
from repatria.law.basis import ROW_HEADER, BasisResult
from repatria.law.catalogue import load_catalogue
from repatria.law.engine import find_bases
from repatria.law.instruments import Kind

CATALOGUE = load_catalogue()
STATES = CATALOGUE.states()


def ids(result: BasisResult) -> list[str]:
    return [b.instrument for b in result.bases]


def excluded(result: BasisResult, instrument: str) -> str:
    for exclusion in result.not_applicable:
        if exclusion.instrument == instrument:
            return exclusion.why
    raise AssertionError(f"{instrument} is not among the instruments that do not apply")


def test_united_states_switzerland_treaty_of_1973_comes_first_then_uncac() -> None:
    # Treaty signed at Bern 25 May 1973, in force 23 January 1977; UNCAC binds the US from
    # 2006-11-29 and Switzerland from 2009-10-24 (deposits 2006-10-30 and 2009-09-24 + 30 days).
    result = find_bases("US", "CH", "records", on="2024-01-01")
    assert ids(result)[0] == "BILATERAL:CH-US"
    assert "UNCAC" in ids(result)
    assert ids(result)[-1] == "RECIPROCITY"
    treaty = result.bases[0]
    assert treaty.certain and treaty.kind is Kind.BILATERAL
    assert any("1977-01-23" in line for line in treaty.why)
    assert any("use-limitation" in line for line in treaty.requires)


def test_no_basis_from_an_instrument_before_a_state_became_bound() -> None:
    before_treaty = find_bases("US", "CH", "records", on="1976-12-31")
    assert "BILATERAL:CH-US" not in ids(before_treaty)
    assert "1977-01-23" in excluded(before_treaty, "BILATERAL:CH-US")
    on_the_day = find_bases("US", "CH", "records", on="1977-01-23")
    assert "BILATERAL:CH-US" in ids(on_the_day)
    # Switzerland bound by UNCAC from 2009-10-24 only.
    assert "UNCAC" not in ids(find_bases("US", "CH", "records", on="2009-10-23"))
    assert "UNCAC" in ids(find_bases("US", "CH", "records", on="2009-10-24"))


def test_nigeria_united_kingdom_uncac_untoc_and_the_harare_scheme() -> None:
    result = find_bases(
        "NG", "GB", "confiscation", offence="embezzlement-public-funds", on="2024-01-01"
    )
    found = ids(result)
    assert {"UNCAC", "UNTOC", "HARARE_SCHEME", "BILATERAL:GB-NG"} <= set(found)
    assert found.index("UNCAC") < found.index("HARARE_SCHEME") < found.index("RECIPROCITY")
    harare = next(b for b in result.bases if b.instrument == "HARARE_SCHEME")
    assert harare.binding is False
    assert any("not a treaty" in line for line in harare.requires)
    uncac = next(b for b in result.bases if b.instrument == "UNCAC")
    assert uncac.certain
    # Art. 57(3)(a): embezzled public funds are returned; Art. 55(3): order contents.
    assert any("57(3)(a)" in line for line in uncac.requires)
    assert "UNCAC Art. 55(3)" in uncac.articles
    # Art. 46(7): the bilateral treaty governs procedure between the two.
    assert any("BILATERAL:GB-NG" in line for line in uncac.requires if line.startswith("relation"))
    # UNTOC applies to embezzlement only as serious crime with an organised criminal group.
    untoc = next(b for b in result.bases if b.instrument == "UNTOC")
    assert any("organised criminal group" in line for line in untoc.requires)


def test_france_germany_eio_for_evidence_and_regulation_2018_1805_for_freezing() -> None:
    evidence = find_bases("FR", "DE", "records", on="2024-01-01")
    assert ids(evidence)[0] == "EU_EIO"
    assert "replaced by EU_EIO" in excluded(evidence, "COE_ETS030")
    assert "replaced by EU_EIO" in excluded(evidence, "EU_MLA2000")
    freezing = find_bases("FR", "DE", "freezing", on="2024-01-01")
    assert ids(freezing)[0] == "EU_2018_1805"
    assert "does not provide for freezing" in excluded(freezing, "EU_EIO")


def test_eu_instruments_apply_only_from_their_dates() -> None:
    assert "EU_EIO" not in ids(find_bases("FR", "DE", "records", on="2017-05-21"))
    assert "EU_EIO" in ids(find_bases("FR", "DE", "records", on="2017-05-22"))
    assert "EU_2018_1805" not in ids(find_bases("FR", "DE", "freezing", on="2020-12-18"))
    assert "EU_2018_1805" in ids(find_bases("FR", "DE", "freezing", on="2020-12-19"))
    # The United Kingdom used the EIO until the end of the transition period.
    assert "EU_EIO" in ids(find_bases("GB", "FR", "records", on="2019-06-01"))
    assert "no longer bound" in excluded(
        find_bases("GB", "FR", "records", on="2021-06-01"), "EU_EIO"
    )


def test_ireland_is_outside_the_eio_so_the_mla_conventions_remain() -> None:
    result = find_bases("IE", "FR", "records", on="2024-01-01")
    assert "EU_EIO" not in ids(result)
    assert "IE: not listed as a party" in excluded(result, "EU_EIO")
    assert "EU_MLA2000" in ids(result)
    assert "COE_ETS030" in ids(result)


def test_a_state_not_party_to_uncac_gets_no_uncac_basis() -> None:
    syria = find_bases("FR", "SY", "records", on="2024-01-01")
    assert "UNCAC" not in ids(syria)
    assert "SY: signed on 2003-12-09, not a party" in excluded(syria, "UNCAC")
    north_korea = find_bases("KP", "FR", "freezing", on="2024-01-01")
    assert "UNCAC" not in ids(north_korea)
    assert "KP: not listed as a party" in excluded(north_korea, "UNCAC")
    assert ids(north_korea)[-1] == "RECIPROCITY"


def test_offence_scope_limits_the_specialised_conventions() -> None:
    drugs = find_bases("US", "MX", "records", offence="drug-trafficking", on="2024-01-01")
    assert "VIENNA1988" in ids(drugs)
    assert "OECD_ABC" not in ids(drugs)
    assert "outside the scope" in excluded(drugs, "OECD_ABC")
    bribery = find_bases("US", "MX", "records", offence="bribery-foreign-official", on="2024-01-01")
    assert "OECD_ABC" in ids(bribery)
    assert "outside the scope" in excluded(bribery, "VIENNA1988")


def test_illicit_enrichment_warns_about_dual_criminality_where_it_is_not_an_offence() -> None:
    result = find_bases("NG", "US", "freezing", offence="illicit-enrichment", on="2024-01-01")
    uncac = next(b for b in result.bases if b.instrument == "UNCAC")
    risk = [line for line in uncac.requires if line.startswith("dual-criminality risk")]
    assert risk and "US is not known to criminalise illicit-enrichment" in risk[0]
    assert "coercive" in risk[0]
    elsewhere = find_bases("NG", "FR", "freezing", offence="illicit-enrichment", on="2024-01-01")
    uncac_fr = next(b for b in elsewhere.bases if b.instrument == "UNCAC")
    assert any(line.startswith("dual-criminality check") for line in uncac_fr.requires)


def test_unknown_dates_are_reported_not_assumed() -> None:
    result = find_bases("NG", "GB", "records", on="2024-01-01")
    bilateral = next(b for b in result.bases if b.instrument == "BILATERAL:GB-NG")
    assert bilateral.certain is False
    assert "date of entry into force is confirmed" in bilateral.status
    assert any("date of entry into force unknown" in line for line in bilateral.why)


def test_json_has_exactly_the_documented_shape() -> None:
    result = find_bases("US", "CH", "records", on="2024-01-01")
    data = json.loads(result.to_json())
    assert {"requesting", "requested", "measure", "date", "bases", "not_applicable"} <= set(data)
    assert (data["requesting"], data["requested"], data["measure"], data["date"]) == (
        "US", "CH", "records", "2024-01-01",
    )  # fmt: skip
    for basis in data["bases"]:
        assert {"instrument", "title", "kind", "why", "requires", "articles"} <= set(basis)
        assert all(
            isinstance(v, list) for v in (basis["why"], basis["requires"], basis["articles"])
        )
    for item in data["not_applicable"]:
        assert isinstance(item["instrument"], str) and isinstance(item["why"], str)
    assert "findings" not in data["bases"][0]
    explained = json.loads(
        find_bases("US", "CH", "records", on="2024-01-01", explain=True).to_json()
    )
    assert explained["bases"][0]["findings"][0]["citation"]


def test_without_a_date_the_date_is_today() -> None:
    assert find_bases("US", "CH", "records").on == date.today()


def test_rows_are_table_ready_and_explain_adds_what_does_not_apply() -> None:
    result = find_bases("US", "CH", "records", on="2024-01-01")
    plain, explained = result.to_rows(), result.to_rows(explain=True)
    assert all(len(row) == len(ROW_HEADER) for row in explained)
    assert not any(row[3] == "not applicable" for row in plain)
    assert any(row[1] == "EU_EIO" and row[3] == "not applicable" for row in explained)
    assert result.to_text().splitlines()[0] == "Legal bases for records: US -> CH on 2024-01-01"


@pytest.mark.parametrize(
    ("args", "where", "pattern"),
    [
        (("UK", "FR", "records"), "requesting", "did you mean GB"),
        (("FR", "FR", "records"), "requested", "both FR"),
        (("FR", "DE", "freeze"), "measure", "unknown measure 'freeze'; accepted: records"),
        (("FR", "DE", "records", "bribe"), "offence", "unknown offence 'bribe'"),
        (("FR", "DE", "records", None, "2024-02-30"), "date", "found '2024-02-30'"),
    ],
)
def test_bad_input_names_the_value_and_the_accepted_ones(
    args: tuple[object, ...], where: str, pattern: str
) -> None:
    with pytest.raises(InvalidInput, match=pattern) as error:
        find_bases(*args)  # type: ignore[arg-type]
    assert error.value.where == where


pairs = st.lists(st.sampled_from(STATES), min_size=2, max_size=2, unique=True)
days = st.dates(min_value=date(1985, 1, 1), max_value=date(2026, 12, 31))
measures = st.sampled_from(list(Measure))


@settings(max_examples=150, deadline=None)
@given(pairs, measures, days)
def test_a_certain_basis_never_predates_entry_into_force(
    pair: list[str], measure: Measure, on: date
) -> None:
    result = find_bases(pair[0], pair[1], measure, on=on, catalogue=CATALOGUE)
    for basis in result.bases:
        if basis.kind is Kind.RECIPROCITY:
            continue
        instrument = CATALOGUE.instrument(basis.instrument)
        assert instrument.in_force is None or instrument.in_force <= on
        for code in pair:
            party = CATALOGUE.party(basis.instrument, code)
            assert party is not None
            assert party.in_force is None or party.in_force <= on
            assert party.until is None or on <= party.until
            if basis.certain:
                assert (party.in_force or party.in_force_by or date.max) <= on


@settings(max_examples=150, deadline=None)
@given(pairs, measures, days)
def test_ranking_is_by_kind_with_reciprocity_always_last(
    pair: list[str], measure: Measure, on: date
) -> None:
    result = find_bases(pair[0], pair[1], measure, on=on, catalogue=CATALOGUE)
    ranks = [b.kind.rank for b in result.bases]
    assert ranks == sorted(ranks)
    assert result.bases[-1].instrument == "RECIPROCITY"
    again = find_bases(pair[0], pair[1], measure, on=on, catalogue=CATALOGUE)
    assert again.to_dict() == result.to_dict()


@settings(max_examples=150, deadline=None)
@given(pairs, measures, days)
def test_swapping_the_states_keeps_the_same_instruments(
    pair: list[str], measure: Measure, on: date
) -> None:
    forward = find_bases(pair[0], pair[1], measure, on=on, catalogue=CATALOGUE)
    backward = find_bases(pair[1], pair[0], measure, on=on, catalogue=CATALOGUE)
    assert ids(forward) == ids(backward)


@settings(max_examples=60, deadline=None)
@given(pairs, measures, days)
def test_every_instrument_is_either_a_basis_or_explained(
    pair: list[str], measure: Measure, on: date
) -> None:
    result = find_bases(pair[0], pair[1], measure, on=on, catalogue=CATALOGUE)
    judged = set(ids(result)) | {e.instrument for e in result.not_applicable}
    general = {i for i, v in CATALOGUE.instruments.items() if v.kind is not Kind.BILATERAL}
    assert general <= judged
    assert all(e.why for e in result.not_applicable)
    assert result.on == on


def test_asean_members_are_bound_by_the_end_of_2013_at_the_latest() -> None:
    # ASEAN Secretariat: in force in 2013 after all members completed their procedures.
    later = next(b for b in find_bases("SG", "MY", "freezing", on="2024-01-01").bases
                 if b.instrument == "ASEAN_MLAT")  # fmt: skip
    assert later.certain
    earlier = next(b for b in find_bases("SG", "MY", "freezing", on="2010-01-01").bases
                   if b.instrument == "ASEAN_MLAT")  # fmt: skip
    assert not earlier.certain
    assert "ASEAN_MLAT" not in ids(find_bases("SG", "MY", "freezing", on="2004-11-28"))


def test_inter_american_convention_applies_between_its_parties() -> None:
    result = find_bases("US", "MX", "freezing", on="2024-01-01")
    oas = next(b for b in result.bases if b.instrument == "OAS_A55")
    assert oas.kind is Kind.REGIONAL and oas.certain
    assert any(line.startswith("caveat:") for line in oas.requires)
    assert "OAS_A55" not in ids(find_bases("US", "FR", "freezing", on="2024-01-01"))
