"""The 18 HIPAA Safe Harbor identifiers and how a Bedrock guardrail handles each of them.

45 CFR 164.514(b)(2)(i) lists the identifiers, (A) to (R), that Safe Harbor de-identification removes
(https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-E/section-164.514).
:data:`SAFE_HARBOR_IDENTIFIERS` maps each one, in the regulation's order, to the managed Bedrock PII
types that detect it, the library's own regexes, and what a guardrail cannot detect for it.
``GuardrailPolicy.hipaa()`` is built from this table and the control map (docs/hipaa-controls.md)
renders it.

A guardrail is a safety net, not de-identification: its PII types are probabilistic classifiers, its
regexes match the written forms below and no others, it sees text only (no images, no biometrics),
and Safe Harbor also requires that the covered entity has no actual knowledge that what remains could
identify the individual (164.514(b)(2)(ii)), which no filter can know.

The regexes are tested with Python's ``re`` (tests/test_safe_harbor.py), but the guardrail runs its
own engine, whose dialect AWS does not document. So they keep to the subset that Python, RE2, Java and
ECMAScript read alike, which :func:`check_portable_pattern` enforces: no lookaround, named groups,
inline flags, backreferences, possessive quantifiers, atomic groups or ``\\A``/``\\Z``; case written out
(``[Dd]ate``); ``[0-9]`` rather than ``\\d``, which is Unicode-aware in Python. This module is data: it
imports nothing from the rest of the library, and ``guardrail`` imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The eCFR page of 45 CFR 164.514, whose paragraph (b)(2)(i) lists the identifiers.
REGULATION_URL = (
    "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-E/section-164.514"
)


@dataclass(frozen=True)
class SafeHarborRegex:
    """A regex the HIPAA preset adds for an identifier that no managed PII type covers (or covers fully).

    ``GuardrailPolicy.hipaa()`` turns each into a ``RegexFilter`` with the same fields.
    """

    name: str
    pattern: str
    description: str


@dataclass(frozen=True)
class SafeHarborIdentifier:
    """One identifier of 45 CFR 164.514(b)(2)(i) and how a guardrail handles it.

    ``pii_types`` are managed Bedrock PII types (names from ``PII_TYPES``), ``regexes`` the library's
    own patterns, and ``cannot_detect`` says plainly what of the identifier neither of them catches
    (empty when there is nothing beyond the limits common to every detector).
    """

    letter: str
    name: str
    pii_types: tuple[str, ...]
    regexes: tuple[SafeHarborRegex, ...]
    cannot_detect: str


# --- building blocks of the patterns (plain strings: the guardrail receives each pattern whole) ------

_MONTH = (
    "([Jj]an(uary)?|JAN(UARY)?|[Ff]eb(ruary)?|FEB(RUARY)?|[Mm]ar(ch)?|MAR(CH)?|[Aa]pr(il)?|APR(IL)?|May|MAY"
    "|[Jj]une?|JUNE?|[Jj]uly?|JULY?|[Aa]ug(ust)?|AUG(UST)?|[Ss]ep(t|tember)?|SEP(T|TEMBER)?|[Oo]ct(ober)?"
    "|OCT(OBER)?|[Nn]ov(ember)?|NOV(EMBER)?|[Dd]ec(ember)?|DEC(EMBER)?)"
)
_DAY = "(0?[1-9]|[12][0-9]|3[01])"
_MONTH_NUMBER = "(0?[1-9]|1[0-2])"
_YEAR = "[12][0-9]{3}"
_ORDINAL = "(st|nd|rd|th)?"
#: A month and day with or without a year (3/14, 3/14/24), or a compact date (20240314).
_CONTEXT_DATE = "([0-9]{1,2}/[0-9]{1,2}(/[0-9]{2,4})?|[0-9]{1,2}[.-][0-9]{1,2}[.-][0-9]{2,4}|[12][0-9]{3}[01][0-9][0-3][0-9])"
#: What follows a context word: an optional label (No., Number, ID, #) and separators.
_LABEL = r"(\s?((No|NO|no)\.?|[Nn]umber|NUMBER|[Nn]um\.?|ID|Id|#)){0,2}[:#\s]*"
#: An identifier after a context word: up to six letters, then a digit, then four or more letters and digits.
_ID = r"[A-Z]{0,6}-?[0-9][A-Z0-9-]{4,24}\b"
_AGE_OVER_89 = "(9[0-9]|1[01][0-9])"
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND"
    "|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|AS|GU|MP|PR|VI"
)
_HEX = "[0-9A-Fa-f]{1,4}"


def _identifier(letter: str) -> str:
    return f"HIPAA Safe Harbor identifier ({letter}), 45 CFR 164.514(b)(2)(i)({letter})"


ZIP_CODE = SafeHarborRegex(
    "ZipCode",
    rf"\b([Zz][Ii][Pp]( ?[Cc]ode)?(\+4)?|[Pp]ostal [Cc]ode|POSTAL CODE)[:# ]*[0-9]{{5}}(-[0-9]{{4}})?\b"
    rf"|, ?({_STATES}) {{1,2}}[0-9]{{5}}(-[0-9]{{4}})?\b",
    "Five-digit ZIP codes and ZIP+4 after 'ZIP' or 'postal code', or after a state's two-letter code "
    f"following a comma ('Springfield, MA 01101'). {_identifier('B')}.",
)
GEOCODE = SafeHarborRegex(
    "Geocode",
    r"\b[0-9]{1,2}\.[0-9]{4,}°?( ?[NSns])?, ?-?[0-9]{1,3}\.[0-9]{4,}°?( ?[EWew]\b)?",
    f"Latitude and longitude pairs with four or more decimals (42.3601, -71.0589). {_identifier('B')}.",
)
DATE_NUMERIC = SafeHarborRegex(
    "DateNumeric",
    rf"\b{_DAY}[/-]{_DAY}[/-]({_YEAR}|[0-9]{{2}})\b|\b{_DAY}\.{_DAY}\.{_YEAR}\b",
    "Numeric dates with a year, month or day first: 3/14/2024, 03-14-24, 14/03/2024, 14.03.2024. "
    f"{_identifier('C')}.",
)
DATE_ISO = SafeHarborRegex(
    "DateIso",
    rf"\b{_YEAR}[/.-]{_MONTH_NUMBER}[/.-]{_DAY}(T|\b)",
    f"Dates year first: 2024-03-14, 2024/3/14, and the date of a timestamp (2024-03-14T09:30). {_identifier('C')}.",
)
DATE_MONTH_FIRST = SafeHarborRegex(
    "DateMonthFirst",
    rf"\b{_MONTH}\.?,?[ -]({_DAY}{_ORDINAL}\b(,? {_YEAR}\b)?|{_YEAR}\b)",
    "Dates with the month's name first: March 14, 2024; Mar. 14th; March 2024 (a month is an element of "
    f"a date). {_identifier('C')}.",
)
DATE_DAY_FIRST = SafeHarborRegex(
    "DateDayFirst",
    rf"\b{_DAY}{_ORDINAL}( of)?[ -]{_MONTH}\b\.?(,?[ -]{_YEAR}\b|-[0-9]{{2}}\b)?",
    f"Dates with the day first and the month's name: 14 March 2024, 14-MAR-2024, 3rd of May. {_identifier('C')}.",
)
DATE_OF_BIRTH = SafeHarborRegex(
    "DateOfBirth",
    r"\b(DOB|D\.O\.B\.?|[Dd]ate of [Bb]irth|DATE OF BIRTH|[Bb]irth ?[Dd]ate|BIRTH ?DATE|[Bb]irthday|[Bb]orn( on| in)?"
    rf"|BORN)[:# ]*({_CONTEXT_DATE}|[12][0-9]{{3}}[/.-][0-9]{{1,2}}[/.-][0-9]{{1,2}}|[12][0-9]{{3}})\b",
    "A date of birth after DOB, date of birth, birthdate or born, including a month and day without a year "
    "(DOB 3/14), a compact date (19500314) and a year alone: a birth year can reveal an age over 89, and "
    f"a guardrail cannot tell which ones do as time passes, so every birth year is masked. {_identifier('C')}.",
)
DATE_OF_EVENT = SafeHarborRegex(
    "DateOfAdmissionDischargeOrDeath",
    r"\b([Aa]dmi(t|tted|ssion)|ADMI(T|TTED|SSION)|[Dd]ischarged?|DISCHARGED?|[Dd]ied|DIED|[Dd]eceased|[Ee]xpired"
    r"|[Dd]ate of ([Dd]eath|[Ss]ervice|[Ss]urgery|[Pp]rocedure|[Vv]isit|[Aa]dmission|[Dd]ischarge)|DO[ADS]"
    r"|[Dd]ated?|DATE|([Ss]een|[Vv]isit|[Ss]urgery|[Pp]rocedure|[Dd]elivered) on)( on| date| [Dd]ate| DATE)?[:# ]*"
    rf"{_CONTEXT_DATE}\b",
    "A date after admitted, admission, discharged, died, expired, date of death or service, DOA, DOD, DOS, "
    "date, or seen/visit/surgery/procedure/delivered on, including a month and day without a year "
    f"(admitted 3/14) and a compact date (20240314). {_identifier('C')}.",
)
AGE_OVER_89 = SafeHarborRegex(
    "AgeOver89",
    rf"\b{_AGE_OVER_89} ?-?([Yy]ears?\b|[Yy]rs?\b|[Yy]/?[Oo]\b|[Yy]\.[Oo]\.|YEARS?\b|YRS?\b)"
    rf"|\b([Aa]ged?|AGED?) ?:? ?{_AGE_OVER_89}\b",
    "Ages from 90 to 119 (92-year-old, 95 yo, 101 y.o., aged 93, Age: 90), which Safe Harbor removes "
    f"unless aggregated as 90 or older; the managed AGE type masks ages of any value as well. {_identifier('C')}.",
)
MEDICAL_RECORD_NUMBER = SafeHarborRegex(
    "MedicalRecordNumber",
    r"\b(MRN|[Mm]rn|MR ?#|[Mm]ed(ical)? [Rr]ec(ord)?s?|MED(ICAL)? REC(ORD)?S?|[Cc]hart|CHART|[Pp]atient ID|PATIENT ID"
    rf"|[Hh]ospital (No\.?|[Nn]umber)|HOSPITAL NO\.?|[Uu]nit (No\.?|[Nn]umber)){_LABEL}{_ID}",
    "Medical record numbers after MRN, MR#, medical record, med rec, chart, patient ID, hospital or unit "
    f"number. {_identifier('H')}.",
)
HEALTH_PLAN_BENEFICIARY_NUMBER = SafeHarborRegex(
    "HealthPlanBeneficiaryNumber",
    r"\b([Mm]ember|MEMBER|[Ss]ubscriber|SUBSCRIBER|[Bb]eneficiary|BENEFICIARY|[Pp]olicy|POLICY|[Ii]nsurance"
    r"|INSURANCE|[Ii]nsured|INSURED|[Mm]edicaid|MEDICAID|[Mm]edicare|MEDICARE|[Hh]ealth [Pp]lan|HEALTH PLAN"
    rf"|[Pp]lan ID|PLAN ID|HICN){_LABEL}{_ID}",
    "Health plan beneficiary numbers after member, subscriber, beneficiary, policy, insurance, insured, "
    f"Medicaid, Medicare, health plan, plan ID or HICN. {_identifier('I')}.",
)
MEDICARE_BENEFICIARY_IDENTIFIER = SafeHarborRegex(
    "MedicareBeneficiaryIdentifier",
    r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?"
    r"[AC-HJKMNP-RT-Y]{2}[0-9]{2}\b",
    "Medicare Beneficiary Identifiers (MBI) in CMS's format, with or without dashes, with no context "
    f"word needed. {_identifier('I')}.",
)
ACCOUNT_NUMBER = SafeHarborRegex(
    "AccountNumber",
    rf"\b(([Aa]ccount|ACCOUNT|[Aa]cct|ACCT|A/C|FIN){_LABEL}|([Bb]illing|BILLING|[Cc]laim|CLAIM|[Ii]nvoice|INVOICE"
    r"|[Ee]ncounter|ENCOUNTER|[Gg]uarantor|GUARANTOR)\s?((No|NO|no)\.?|[Nn]umber|NUMBER|ID|#)[:#\s]*)"
    rf"{_ID}",
    "Account numbers after account, acct, A/C or FIN, and billing, claim, invoice, encounter or guarantor "
    f"numbers (which need a label: 'Claim #', 'Encounter ID'). {_identifier('J')}.",
)
CERTIFICATE_OR_LICENSE_NUMBER = SafeHarborRegex(
    "CertificateOrLicenseNumber",
    r"\b([Ll]icen[cs]e|LICEN[CS]E|[Ll]ic\.?|LIC\.?|[Cc]ertificate|CERTIFICATE|[Cc]ert\.?|CERT\.?|DEA|[Pp]ermit"
    rf"|PERMIT|[Cc]redential|CREDENTIAL|[Rr]egistration|REGISTRATION){_LABEL}{_ID}",
    "Certificate and licence numbers after license, licence, lic, certificate, cert, DEA, permit, "
    f"credential or registration (medical licences, DEA numbers, birth and death certificates). {_identifier('K')}.",
)
DEVICE_SERIAL_NUMBER = SafeHarborRegex(
    "DeviceSerialNumber",
    r"\b([Ss]erial|SERIAL|S/N|SN|[Dd]evice|DEVICE|IMEI|MEID|UDI(-DI)?|[Ii]mplant|IMPLANT|[Pp]acemaker|PACEMAKER"
    rf"|[Gg]enerator|GENERATOR|[Mm]odel/[Ss]erial){_LABEL}{_ID}",
    "Device identifiers and serial numbers after serial, S/N, SN, device, IMEI, MEID, UDI, implant, "
    f"pacemaker or generator. {_identifier('M')}.",
)
UNIQUE_DEVICE_IDENTIFIER = SafeHarborRegex(
    "UniqueDeviceIdentifier",
    r"\(01\)[0-9]{14}(\([0-9]{2}\)[A-Za-z0-9-]{1,20})*|\+[A-Z][A-Z0-9]{3}[A-Z0-9]{1,18}[0-9]",
    "FDA Unique Device Identifiers in the GS1 form ((01) and 14 digits, then lot, serial and date "
    f"application identifiers) and the HIBCC form (+, labeler code, product). {_identifier('M')}.",
)
IPV6_ADDRESS = SafeHarborRegex(
    "IPv6Address",
    rf"\b{_HEX}(:{_HEX}){{7}}\b|\b({_HEX}:){{1,6}}(:{_HEX}){{1,6}}\b",
    "IPv6 addresses, full (eight groups) or compressed with '::' (the managed IP_ADDRESS type is "
    f"documented for IPv4). {_identifier('O')}.",
)
NATIONAL_PROVIDER_IDENTIFIER = SafeHarborRegex(
    "NationalProviderIdentifier",
    r"\b(NPI|National Provider Identifier)[:#\s]*[0-9]{10}\b",
    "National Provider Identifiers after NPI: they identify clinicians, who may be the individual or "
    f"their relatives or employers. {_identifier('R')}.",
)

#: The identifiers of 45 CFR 164.514(b)(2)(i)(A)-(R), in the regulation's order.
SAFE_HARBOR_IDENTIFIERS: tuple[SafeHarborIdentifier, ...] = (
    SafeHarborIdentifier("A", "Names", ("NAME",), (), ""),
    SafeHarborIdentifier(
        "B",
        "Geographic subdivisions smaller than a state (street, city, county, precinct, ZIP code, geocodes)",
        ("ADDRESS",),
        (ZIP_CODE, GEOCODE),
        "The three-digit ZIP rule: Safe Harbor may keep a ZIP code's first three digits (changed to 000 "
        "where those digits cover 20,000 people or fewer); a guardrail masks whole ZIP codes and cannot keep or rewrite them. A ZIP "
        "code with neither a 'ZIP' label nor a state before it, and a place named alone (a town, a "
        "neighbourhood, a hospital), is left to the ADDRESS classifier.",
    ),
    SafeHarborIdentifier(
        "C",
        "All elements of dates (except year) related to an individual, and ages over 89",
        ("AGE",),
        (DATE_NUMERIC, DATE_ISO, DATE_MONTH_FIRST, DATE_DAY_FIRST, DATE_OF_BIRTH, DATE_OF_EVENT, AGE_OVER_89),
        "Bedrock has no date type (AGE detects ages only). Not matched: a month and day without a year "
        "outside a date context ('seen 3/14', which looks like '5/5 strength'), a month named alone ('in "
        "March'), relative dates and holidays ('two days after surgery', 'Christmas Eve'), and a year that "
        "reveals an age over 89 outside a birth context ('a 1931 graduate').",
    ),
    SafeHarborIdentifier("D", "Telephone numbers", ("PHONE",), (), ""),
    SafeHarborIdentifier(
        "E",
        "Fax numbers",
        ("PHONE",),
        (),
        "Nothing beyond the PHONE type's limits: AWS documents that it also covers fax and pager numbers, so "
        "the preset adds no fax regex.",
    ),
    SafeHarborIdentifier("F", "Email addresses", ("EMAIL",), (), ""),
    SafeHarborIdentifier("G", "Social security numbers", ("US_SOCIAL_SECURITY_NUMBER",), (), ""),
    SafeHarborIdentifier(
        "H",
        "Medical record numbers",
        (),
        (MEDICAL_RECORD_NUMBER,),
        "Bedrock has no medical-record type: a record number written without a context word (MRN, chart, "
        "patient ID) is not matched.",
    ),
    SafeHarborIdentifier(
        "I",
        "Health plan beneficiary numbers",
        ("CA_HEALTH_NUMBER", "UK_NATIONAL_HEALTH_SERVICE_NUMBER"),
        (HEALTH_PLAN_BENEFICIARY_NUMBER, MEDICARE_BENEFICIARY_IDENTIFIER),
        "A US plan number other than a Medicare MBI, written without a context word (member, subscriber, "
        "policy, Medicaid), is not matched.",
    ),
    SafeHarborIdentifier(
        "J",
        "Account numbers",
        ("US_BANK_ACCOUNT_NUMBER", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "CREDIT_DEBIT_CARD_NUMBER"),
        (ACCOUNT_NUMBER,),
        "A hospital or billing account number without a context word (account, acct, FIN, claim #) is not "
        "matched.",
    ),
    SafeHarborIdentifier(
        "K",
        "Certificate/license numbers",
        ("DRIVER_ID",),
        (CERTIFICATE_OR_LICENSE_NUMBER,),
        "A certificate or licence number other than a driver's licence, written without a context word, is "
        "not matched.",
    ),
    SafeHarborIdentifier(
        "L",
        "Vehicle identifiers and serial numbers, including license plate numbers",
        ("VEHICLE_IDENTIFICATION_NUMBER", "LICENSE_PLATE"),
        (),
        "Other vehicle serial numbers (engine and hull numbers, aircraft registrations) are not detected.",
    ),
    SafeHarborIdentifier(
        "M",
        "Device identifiers and serial numbers",
        ("MAC_ADDRESS",),
        (DEVICE_SERIAL_NUMBER, UNIQUE_DEVICE_IDENTIFIER),
        "A device serial number without a context word (serial, S/N, device, IMEI, UDI), unless written as a "
        "GS1 or HIBCC UDI, is not matched.",
    ),
    SafeHarborIdentifier("N", "Web Universal Resource Locators (URLs)", ("URL",), (), ""),
    SafeHarborIdentifier(
        "O",
        "Internet Protocol (IP) address numbers",
        ("IP_ADDRESS",),
        (IPV6_ADDRESS,),
        "An IPv6 address that begins or ends with '::' (::1, 2001:db8::) is not matched.",
    ),
    SafeHarborIdentifier(
        "P",
        "Biometric identifiers, including finger and voice prints",
        (),
        (),
        "Cannot be detected: a text guardrail sees no fingerprints, voice prints, retina scans or gait, and an "
        "encoded biometric template is an unrecognizable string.",
    ),
    SafeHarborIdentifier(
        "Q",
        "Full face photographic images and any comparable images",
        (),
        (),
        "Cannot be detected: sensitive-information filters evaluate text only, and image content filters "
        "classify harm, not faces. Keep such images out of prompts, or review them before they are sent.",
    ),
    SafeHarborIdentifier(
        "R",
        "Any other unique identifying number, characteristic, or code",
        (
            "US_PASSPORT_NUMBER",
            "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
            "CA_SOCIAL_INSURANCE_NUMBER",
            "UK_NATIONAL_INSURANCE_NUMBER",
            "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
            "USERNAME",
        ),
        (NATIONAL_PROVIDER_IDENTIFIER,),
        "Only partly: the formats above are matched, but an identifier of unknown form (a study or employee "
        "number, a rare condition, an occupation in a small town) cannot be recognized as identifying.",
    ),
)

#: The regexes of :data:`SAFE_HARBOR_IDENTIFIERS`, in the identifiers' order.
SAFE_HARBOR_REGEXES: tuple[SafeHarborRegex, ...] = tuple(
    regex for identifier in SAFE_HARBOR_IDENTIFIERS for regex in identifier.regexes
)


# --- the portable subset ----------------------------------------------------------------------------

#: What follows ``(?`` -> what it is, for the constructs outside the portable subset.
_GROUP_EXTENSIONS = (
    ("<=", "a lookbehind '(?<='", "match the context as part of the pattern"),
    ("<!", "a negative lookbehind '(?<!'", "match the context as part of the pattern"),
    ("=", "a lookahead '(?='", "match what follows as part of the pattern, or end with \\b"),
    ("!", "a negative lookahead '(?!'", "list what may follow in a character class instead"),
    ("P<", "a named group '(?P<'", "use a plain group '(...)'"),
    ("P=", "a named backreference '(?P='", "repeat the sub-pattern instead"),
    ("<", "a named group '(?<'", "use a plain group '(...)'"),
    ("'", 'a named group "(?\'"', "use a plain group '(...)'"),
    (">", "an atomic group '(?>'", "use a plain group '(...)'"),
    ("#", "a comment '(?#'", "remove the comment"),
    ("(", "a conditional '(?('", "use an alternation '(a|b)'"),
)
_QUANTIFIER = re.compile(r"\{[0-9]*(,[0-9]*)?\}")


def _problem(pattern: str, index: int) -> tuple[str, str] | None:
    """The construct outside the portable subset at ``pattern[index]`` (outside any class), and its fix."""
    char = pattern[index]
    rest = pattern[index + 1 :]
    if char == "\\" and rest:
        escaped = rest[0]
        if escaped in "123456789" or escaped == "k":
            return f"a backreference '\\{escaped}'", "repeat the sub-pattern instead"
        if escaped in "AZzG":
            return (
                f"the anchor '\\{escaped}'",
                "use ^ or $ (a guardrail searches the text; anchors are rarely needed)",
            )
    if char == "(" and rest.startswith("?"):
        extension = rest[1:]
        if extension.startswith(":"):
            return None
        for prefix, what, fix in _GROUP_EXTENSIONS:
            if extension.startswith(prefix):
                return what, fix
        return (
            f"an inline flag '(?{extension[:1]}'",
            "write case out as character classes ([Dd]ate) or alternations (Date|DATE)",
        )
    if char == "{" and (quantifier := _QUANTIFIER.match(pattern, index)) and quantifier[0].startswith("{,"):
        return f"the quantifier '{quantifier[0]}'", "write the lower bound: '{0,n}'"
    if rest.startswith("+") and (char in "*+?" or (char == "}" and _closes_quantifier(pattern, index))):
        return f"a possessive quantifier '{char}+'", "drop the second '+'"
    return None


def _closes_quantifier(pattern: str, index: int) -> bool:
    """Whether the ``}`` at ``pattern[index]`` ends a ``{m,n}`` quantifier (else it is a literal)."""
    start = pattern.rfind("{", 0, index)
    return (
        start >= 0
        and (quantifier := _QUANTIFIER.match(pattern, start)) is not None
        and (quantifier.end() == index + 1)
    )


def portable_pattern_problems(pattern: str) -> list[tuple[str, str]]:
    """Every construct of ``pattern`` outside the portable subset, as (what, how to fix it).

    Character classes are skipped (``[(?]`` is two literal characters), and so are escaped characters.
    """
    problems: list[tuple[str, str]] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if not in_class and (found := _problem(pattern, index)):
                problems.append(found)
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            # A ']' right after '[' or '[^' is a literal, not the end of the class.
            index += 1
            if pattern[index : index + 1] == "^":
                index += 1
            if pattern[index : index + 1] == "]":
                index += 1
            continue
        elif found := _problem(pattern, index):
            problems.append(found)
        index += 1
    return problems


def check_portable_pattern(argument: str, pattern: str) -> None:
    """Raise ``ValueError`` naming ``argument`` unless ``pattern`` compiles with Python's ``re`` and keeps
    to the subset that Python, RE2, Java and ECMAScript read alike.

    The guardrail's regex engine is not documented, so a pattern tested with Python can behave
    differently there, or be refused, if it uses lookaround, named groups, inline flags,
    backreferences, possessive quantifiers, atomic groups, comments, conditionals, ``{,n}`` or the
    anchors ``\\A``, ``\\Z``, ``\\z``, ``\\G``.

    :param argument: the name to put in the message, e.g. ``regex_filters[2].pattern``.
    :param pattern: the regular expression.
    """
    if not isinstance(pattern, str):
        raise TypeError(f"{argument} must be a string, got {pattern!r}")
    try:
        re.compile(pattern)
    except (re.error, OverflowError) as error:
        raise ValueError(f"{argument}: {pattern!r} is not a regular expression ({error})") from None
    problems = portable_pattern_problems(pattern)
    if problems:
        what, fix = problems[0]
        raise ValueError(
            f"{argument}: {pattern!r} uses {what}, which the guardrail's regex engine may not read as "
            f"Python does; {fix}"
        )
