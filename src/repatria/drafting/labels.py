"""The fixed text of a rendered request, marked for translation.

Every string a rendered request prints that is not the drafter's own text is
here, wrapped in ``N_`` so Babel's extractor finds it (``locale/drafting.pot``);
the renderer translates it through the catalogue of the target language
(``translation.py``). Free text is never translated: it is printed as written,
marked with its language and translation status.
"""

from __future__ import annotations

from repatria.domain.measure import Measure
from repatria.drafting.model import (
    AttachmentKind,
    Channel,
    ConfiscationRoute,
    ProceedingKind,
    Role,
    TranslationStatus,
)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it here."""
    return message


TITLE = N_("Request for mutual legal assistance in criminal matters")
DRAFT = N_("DRAFT: not complete, problems remain (see the validation report)")
PAGE = N_("Page")
UNCAC_ARTICLE = N_("UNCAC Art. {article}")
YES = N_("Yes")
NO = N_("No")
FROM_TO = N_("from {start} to {end}")
FREE_TEXT = N_("Text in {language}: {status}")
TRANSLATED_FROM = N_("translated from {language}")
NOT_TRANSLATED = N_("Original in {language}, not translated")
TRANSLATION_NOTE = N_("{status} of the original in {language}")
CONFIDENTIAL = N_("CONFIDENTIAL — UNCAC Art. 46(20)")

# Heading rows
REFERENCE = N_("Reference")
DATE = N_("Date")
REQUESTING_STATE = N_("Requesting state")
REQUESTED_STATE = N_("Requested state")
LANGUAGE = N_("Language of the request")
CHANNEL = N_("Channel of transmission")

# Sections
S_REQUESTING_AUTHORITY = N_("Requesting authority")
S_ADDRESSEE = N_("Addressed to")
S_PROCEEDINGS = N_("Investigation, prosecution or proceeding")
S_OFFENCES = N_("Offences")
S_FACTS = N_("Summary of the facts")
S_MEASURES = N_("Assistance sought")
S_PERSONS = N_("Persons concerned")
S_ASSETS = N_("Accounts and assets")
S_LINK = N_("Link between the assets and the offence")
S_PURPOSE = N_("Purpose of the request")
S_LEGAL_BASIS = N_("Legal basis")
S_DUAL_CRIMINALITY = N_("Dual criminality")
S_FREEZING = N_("Freezing or seizure")
S_CONFISCATION = N_("Confiscation")
S_URGENCY = N_("Urgency and deadline")
S_CONFIDENTIALITY = N_("Confidentiality")
S_USE_LIMITATION = N_("Limitation on use")
S_CONTACT = N_("Contact point")
S_ADDITIONAL = N_("Additional information")
S_ATTACHMENTS = N_("Attachments")
S_SIGNATURE = N_("Signature")

# Rows
NAME = N_("Name")
FUNCTIONS = N_("Functions")
ADDRESS = N_("Address")
KIND = N_("Kind")
CASE_REFERENCE = N_("Case reference")
SUBJECT = N_("Subject and nature")
CONDUCTING_AUTHORITY = N_("Authority conducting it")
PROVISION = N_("Provision")
PROVISION_TEXT = N_("Text of the provision")
PENALTY = N_("Maximum penalty")
DESCRIPTION = N_("Description")
PROCEDURE = N_("Procedure to be followed")
CONCERNS = N_("Concerns")
PERIOD = N_("Period of records sought")
ROLE = N_("Role")
BIRTH_DATE = N_("Date of birth")
NATIONALITY = N_("Nationality")
COUNTRY = N_("Country")
REGISTRATION_NUMBER = N_("Registration number")
POSITION = N_("Position")
IBAN = N_("IBAN")
BIC = N_("BIC")
ACCOUNT_NUMBER = N_("Account number")
BANK = N_("Bank")
CURRENCY = N_("Currency")
TITLE_NUMBER = N_("Title number")
IDENTIFIER = N_("Identifier")
ESTIMATED_VALUE = N_("Estimated value")
HELD_BY = N_("Held by")
LINK = N_("Link to the offence")
INSTRUMENT = N_("Instrument")
ARTICLES = N_("Articles")
RECIPROCITY = N_("Assurance of reciprocity")
ACTION = N_("Action requested")
REASONABLE_BASIS = N_("Reasonable basis for confiscation")
ORDER = N_("Order")
ROUTE = N_("Route")
COURT = N_("Court")
ORDER_DATE = N_("Date of the order")
FINAL = N_("Final")
COPY = N_("Copy attached")
EXTENT = N_("Extent of execution requested")
THIRD_PARTIES = N_("Notice to bona fide third parties")
FINALITY = N_("Statement that the order is final")
URGENT = N_("Urgent")
REASONS = N_("Reasons")
DEADLINE = N_("Deadline")
CONFIDENTIALITY_REQUESTED = N_("Confidentiality requested")
USE_LIMITATION_TEXT = N_(
    "The requesting state will not use the information or evidence for investigations,"
    " prosecutions or proceedings other than those stated in this request without the prior"
    " consent of the requested state."
)
EMAIL = N_("E-mail")
PHONE = N_("Telephone")
LANGUAGES = N_("Languages")
CERTIFIED_COPY = N_("Certified copy")
PLACE = N_("Place")

TRANSLATION_STATUS = {
    TranslationStatus.ORIGINAL: N_("original"),
    TranslationStatus.MACHINE: N_("machine translation"),
    TranslationStatus.CERTIFIED: N_("certified translation"),
    TranslationStatus.PENDING: N_("translation pending"),
}

CHANNELS = {
    Channel.CENTRAL_AUTHORITY: N_("Central authority"),
    Channel.DIPLOMATIC: N_("Diplomatic channel"),
    Channel.INTERPOL: N_("INTERPOL"),
    Channel.DIRECT: N_("Direct transmission"),
}

PROCEEDING_KINDS = {
    ProceedingKind.INVESTIGATION: N_("Investigation"),
    ProceedingKind.PROSECUTION: N_("Prosecution"),
    ProceedingKind.JUDICIAL_PROCEEDING: N_("Judicial proceeding"),
}

ROLES = {
    Role.SUSPECT: N_("Suspect"),
    Role.ACCUSED: N_("Accused"),
    Role.WITNESS: N_("Witness"),
    Role.VICTIM: N_("Victim"),
    Role.ACCOUNT_HOLDER: N_("Account holder"),
    Role.THIRD_PARTY: N_("Third party"),
    Role.OTHER: N_("Other"),
}

ROUTES = {
    ConfiscationRoute.DOMESTIC_ORDER: N_("A confiscation order to be made in the requested state"),
    ConfiscationRoute.FOREIGN_ORDER: N_(
        "Enforcement of a confiscation order of the requesting state"
    ),
}

ATTACHMENT_KINDS = {
    AttachmentKind.ORDER: N_("Court order"),
    AttachmentKind.LEGISLATION: N_("Legislation"),
    AttachmentKind.EVIDENCE: N_("Evidence"),
    AttachmentKind.IDENTITY: N_("Identity document"),
    AttachmentKind.OTHER: N_("Other"),
}

MEASURES = {
    Measure.RECORDS: N_("Production of bank, company and other records"),
    Measure.SEARCH_SEIZURE: N_("Search and seizure"),
    Measure.TESTIMONY: N_("Taking of evidence or statements"),
    Measure.VIDEOCONFERENCE: N_("Hearing by videoconference"),
    Measure.SERVICE_OF_DOCUMENTS: N_("Service of judicial documents"),
    Measure.EXAMINATION: N_("Examination of objects and sites"),
    Measure.TRACING: N_("Identification and tracing of proceeds of crime"),
    Measure.FREEZING: N_("Freezing or seizure of proceeds"),
    Measure.CONFISCATION: N_("Confiscation"),
    Measure.ASSET_RETURN: N_("Return of assets"),
    Measure.SPONTANEOUS_INFORMATION: N_("Spontaneous information"),
    Measure.OTHER: N_("Other assistance"),
}

SCHEMATA = {
    "Person": N_("Person"),
    "Company": N_("Company"),
    "Organization": N_("Organisation"),
    "LegalEntity": N_("Legal entity"),
    "PublicBody": N_("Public body"),
    "BankAccount": N_("Bank account"),
    "RealEstate": N_("Real estate"),
    "Vehicle": N_("Vehicle"),
    "CryptoWallet": N_("Crypto wallet"),
    "Security": N_("Security"),
}
