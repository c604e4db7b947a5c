import pytest

from repatria.errors import InvalidInput
from repatria.law.catalogue import load_catalogue
from repatria.law.offences import all_offences, parse_offence


def test_offences_are_found_by_readable_id_and_by_iccs_code() -> None:
    assert parse_offence("money-laundering").iccs == "07041"
    assert parse_offence("07041").id == "money-laundering"
    assert parse_offence("07032").id == "embezzlement-public-funds"
    assert parse_offence("07035").id == "illicit-enrichment"
    assert parse_offence(" Bribery-Foreign-Official ").id == "bribery-foreign-official"


def test_a_qualified_category_is_reached_by_its_id_not_by_the_shared_code() -> None:
    # ICCS records foreign bribery as active bribery (070311) with a disaggregation.
    assert parse_offence("070311").id == "bribery-active"
    foreign = parse_offence("bribery-foreign-official")
    assert foreign.iccs == "070311"
    assert foreign.qualifier == "foreign public official"


def test_ids_are_unique_and_every_iccs_code_is_numeric() -> None:
    ids = [o.id for o in all_offences()]
    assert len(ids) == len(set(ids))
    assert all(o.iccs is None or o.iccs.isdigit() for o in all_offences())


@pytest.mark.parametrize("bad", ["bribe", "0703", "", None, 7041])
def test_unknown_offence_names_the_value_and_the_accepted_ones(bad: object) -> None:
    with pytest.raises(InvalidInput, match="unknown offence") as error:
        parse_offence(bad)
    assert repr(bad) in error.value.message
    assert "money-laundering" in error.value.message
    assert "07041 (money-laundering)" in error.value.message
    assert error.value.where == "offence"


def test_illicit_enrichment_is_optional_and_missing_in_listed_states() -> None:
    offence = parse_offence("illicit-enrichment")
    assert offence.mandatory is False
    assert offence.criminalised_note("US") is not None
    assert offence.criminalised_note("FR") is None


def test_every_offence_named_in_an_instrument_scope_exists() -> None:
    known = {o.id for o in all_offences()}
    for instrument in load_catalogue().instruments.values():
        assert set(instrument.scope.offences) <= known, instrument.id
        assert set(instrument.scope.conditional) <= known, instrument.id
