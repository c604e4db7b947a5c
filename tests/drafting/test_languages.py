"""Accepted languages read from the law catalogue's UNCAC 46(14) designations."""

from __future__ import annotations

from repatria.domain.measure import Measure
from repatria.drafting.formalities import allowed_channels
from repatria.drafting.languages import accepted_languages
from repatria.drafting.model import Channel
from repatria.law import load_catalogue


def test_accepted_languages_follow_the_recorded_designation() -> None:
    catalogue = load_catalogue()
    for code, declaration in catalogue.declarations.items():
        accepted = accepted_languages(code, catalogue)
        assert accepted, f"{code}: {declaration.languages!r} gave no language"
    assert accepted_languages("GB", catalogue) == ("en",)
    assert set(accepted_languages("CH", catalogue) or ()) == {"de", "fr", "it"}


def test_no_designation_gives_none() -> None:
    catalogue = load_catalogue()
    missing = next(c for c in ("ZA", "KE", "BR", "JP") if c not in catalogue.declarations)
    assert accepted_languages(missing, catalogue) is None


def test_channels_read_from_the_uncac_channel_provision() -> None:
    uncac = load_catalogue().instrument("UNCAC")
    channels = allowed_channels(uncac, Measure.RECORDS)
    assert channels == {
        Channel.CENTRAL_AUTHORITY: False,
        Channel.DIPLOMATIC: False,
        Channel.INTERPOL: True,
    }


def test_every_instrument_names_at_least_one_channel() -> None:
    catalogue = load_catalogue()
    for instrument in catalogue.instruments.values():
        for measure in instrument.measures:
            provisions = [p for p in instrument.provisions_for(measure) if p.topic == "channel"]
            if provisions:
                assert allowed_channels(instrument, measure), instrument.id
