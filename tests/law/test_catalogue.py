from datetime import date

import pytest

from repatria.domain.measure import Measure
from repatria.errors import InvalidInput
from repatria.law.catalogue import bilateral_id, load_catalogue
from repatria.law.instruments import Kind
from repatria.law.participation import Standing

REQUIRED_IDS = {
    "UNCAC", "UNTOC", "VIENNA1988", "OECD_ABC", "COE_ETS030", "ETS182", "ETS141", "CETS198",
    "EU_EIO", "EU_2018_1805", "EU_MLA2000", "OAS_A55", "ASEAN_MLAT", "HARARE_SCHEME",
    "RECIPROCITY", "BILATERAL:CH-US", "BILATERAL:GB-NG",
}  # fmt: skip


def test_the_catalogue_holds_every_instrument_the_issue_names() -> None:
    catalogue = load_catalogue()
    assert set(catalogue.instruments) >= REQUIRED_IDS
    assert catalogue.instrument("harare").id == "HARARE_SCHEME"
    assert catalogue.instrument("ETS030").id == "COE_ETS030"


def test_unknown_instrument_lists_the_accepted_ids() -> None:
    with pytest.raises(InvalidInput, match="unknown instrument 'NOPE'.*UNCAC"):
        load_catalogue().instrument("NOPE")


def test_bilateral_ids_put_the_codes_in_alphabetical_order() -> None:
    assert bilateral_id("us", "CH") == "BILATERAL:CH-US"
    assert bilateral_id("CH", "US") == "BILATERAL:CH-US"


def test_entry_into_force_follows_each_instrument_rule() -> None:
    catalogue = load_catalogue()
    # UNCAC Art. 68(2): Germany deposited on 2014-11-12, bound 30 days later.
    germany = catalogue.party("UNCAC", "DE")
    assert germany is not None and germany.consent == date(2014, 11, 12)
    assert germany.in_force == date(2014, 12, 12)
    # A state depositing before the Convention itself entered into force is bound from that day.
    nigeria = catalogue.party("UNCAC", "NG")
    assert nigeria is not None and nigeria.consent is not None
    assert nigeria.consent < date(2005, 12, 14) and nigeria.in_force == date(2005, 12, 14)
    # 1988 Convention Art. 29(2): 90 days after deposit.
    swiss = catalogue.party("VIENNA1988", "CH")
    assert swiss is not None and swiss.consent is not None and swiss.in_force is not None
    assert (swiss.in_force - swiss.consent).days == 90


def test_unknown_dates_stay_unknown_and_signatories_are_not_parties() -> None:
    catalogue = load_catalogue()
    uncac = catalogue.instrument("UNCAC")
    tonga = catalogue.party("UNCAC", "TO")
    assert tonga is not None and tonga.standing(date(2024, 1, 1), uncac) is Standing.UNKNOWN
    assert "date of entry into force unknown" in tonga.describe(date(2024, 1, 1), uncac)
    # Before the Convention existed nobody could be bound, known date or not.
    assert tonga.standing(date(2004, 1, 1), uncac) is Standing.NOT_YET
    syria = catalogue.party("UNCAC", "SY")
    assert syria is not None and syria.standing(date(2024, 1, 1), uncac) is Standing.SIGNATORY


def test_eu_acts_bind_every_member_state_but_denmark_and_ireland() -> None:
    catalogue = load_catalogue()
    for ident in ("EU_EIO", "EU_2018_1805"):
        parties = catalogue.parties[ident]
        assert "DK" not in parties and "IE" not in parties
        assert {"FR", "DE", "IT", "ES", "PL", "HR"} <= set(parties)
    eio = catalogue.instrument("EU_EIO")
    uk = catalogue.party("EU_EIO", "GB")
    assert uk is not None
    assert uk.standing(date(2019, 1, 1), eio) is Standing.BOUND
    assert uk.standing(date(2021, 1, 1), eio) is Standing.ENDED


def test_the_european_union_row_does_not_make_a_state() -> None:
    assert "EU" not in load_catalogue().states()


def test_every_instrument_cites_an_article_for_each_measure_and_provision() -> None:
    for instrument in load_catalogue().instruments.values():
        assert instrument.measures, instrument.id
        assert instrument.provisions, instrument.id
        assert all(c.article for c in instrument.measures.values())
        assert all(p.article and p.text for p in instrument.provisions)


def test_the_harare_scheme_says_it_is_not_a_treaty() -> None:
    harare = load_catalogue().instrument("HARARE_SCHEME")
    assert harare.kind is Kind.SCHEME and harare.binding is False
    assert any("not a treaty" in p.text for p in harare.provisions)


def test_scope_of_the_vienna_and_oecd_conventions_is_limited() -> None:
    catalogue = load_catalogue()
    assert set(catalogue.instrument("VIENNA1988").scope.offences) == {"drug-trafficking"}
    assert set(catalogue.instrument("OECD_ABC").scope.offences) == {"bribery-foreign-official"}
    assert not catalogue.instrument("EU_EIO").covers(Measure.FREEZING)
    assert catalogue.instrument("EU_2018_1805").covers(Measure.FREEZING)


def test_a_malformed_instrument_file_is_refused_naming_the_file() -> None:
    from repatria.law.catalogue import _instrument

    raw = {"id": "BROKEN", "kind": "treaty-ish", "title": "x"}
    with pytest.raises(InvalidInput, match="invalid instrument file") as error:
        _instrument("broken.toml", raw, {})
    assert error.value.where == "broken.toml"
