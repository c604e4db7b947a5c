"""The legal-basis engine and the treaty network (pure core).

Usage::

    from repatria.law import find_bases

    result = find_bases("NG", "GB", "confiscation", offence="embezzlement-public-funds")
    print(result.to_json())            # the wire shape shared by CLI, API and UI
    rows = result.to_rows(explain=True)  # plain rows under ROW_HEADER for a table

    survey = survey_network(on="2024-01-01")   # the treaty network on a date

Everything is decided from package data (``data/``, provenance in
``data/SOURCES.md``); nothing here does I/O. The network report's files are written by
``repatria.adapters.network_report.write_network_report``.
"""

from repatria.law.basis import ROW_HEADER, Basis, BasisResult, Exclusion
from repatria.law.catalogue import Catalogue, bilateral_id, load_catalogue
from repatria.law.coverage import NetworkReport, NetworkSurvey, survey_network
from repatria.law.dates import parse_date
from repatria.law.engine import find_bases
from repatria.law.gaps import Step, list_gaps, rank_steps
from repatria.law.instruments import Instrument, Kind
from repatria.law.network import BasisMatrix, basis_matrix
from repatria.law.offences import Offence, all_offences, parse_offence

__all__ = [
    "ROW_HEADER",
    "Basis",
    "BasisMatrix",
    "BasisResult",
    "Catalogue",
    "Exclusion",
    "Instrument",
    "Kind",
    "NetworkReport",
    "NetworkSurvey",
    "Offence",
    "Step",
    "all_offences",
    "basis_matrix",
    "bilateral_id",
    "find_bases",
    "list_gaps",
    "load_catalogue",
    "parse_date",
    "parse_offence",
    "rank_steps",
    "survey_network",
]
