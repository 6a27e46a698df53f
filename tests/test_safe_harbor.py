"""The Safe Harbor table (secure_bedrock/safe_harbor.py): complete, true to Bedrock, and its regexes tested.

Every regex runs with Python's ``re`` over a corpus of synthetic clinical-note snippets: each positive
must match (``re.search``), each negative must not. All of the corpus is made up: no name, date, number
or place in it belongs to a real person. The guardrail runs its own regex engine, so the patterns are
also held to the portable subset (:func:`check_portable_pattern`).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from secure_bedrock import (
    PII_TYPES,
    SAFE_HARBOR_IDENTIFIERS,
    BedrockGuardrail,
    GuardrailPolicy,
    RegexFilter,
    check_portable_pattern,
)
from secure_bedrock.guardrail import HIPAA_BLOCKED_PII_TYPES, MAX_REGEXES
from secure_bedrock.safe_harbor import SAFE_HARBOR_REGEXES, portable_pattern_problems

#: 45 CFR 164.514(b)(2)(i)(A)-(R), spelled out here (not read from the module) so that a dropped or
#: reordered identifier fails: a word of each, in the regulation's order.
REGULATION = (
    ("A", "Names"),
    ("B", "Geographic subdivisions"),
    ("C", "dates"),
    ("D", "Telephone"),
    ("E", "Fax"),
    ("F", "Email"),
    ("G", "Social security"),
    ("H", "Medical record"),
    ("I", "Health plan beneficiary"),
    ("J", "Account"),
    ("K", "Certificate/license"),
    ("L", "Vehicle"),
    ("M", "Device"),
    ("N", "URL"),
    ("O", "IP"),
    ("P", "Biometric"),
    ("Q", "Full face"),
    ("R", "Any other unique"),
)
#: The identifiers a text guardrail cannot detect at all.
UNDETECTABLE = ("P", "Q")
#: Slots of the guardrail's 30 regexes left for users' own patterns (dataclasses.replace on the preset).
FREE_REGEX_SLOTS = 10

#: Regex name -> (snippets it must match, snippets it must not match). Synthetic, no real PHI.
CORPUS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ZipCode": (
        (
            "Home address: 12 Elm St, Springfield, MA 01101",
            "Lives in Portland, OR 97201-3344 with daughter",
            "ZIP: 02139",
            "zip code 60614 on the intake form",
            "Mailing ZIP+4: 30301-1234",
            "Postal Code 94110",
            "Columbus,OH 43215",
            "Patient moved to Austin, TX  73301 last spring",
        ),
        (
            "Specimen 02139 received in lab",
            "Patient ID 12345 verified at check-in",
            "CA 125 was 35 U/mL",
            "3-digit ZIP 021 retained for the study",
            "ZIP3 021",
            "Order #48213 sent to pharmacy",
            "WBC 12500 on admission",
            "Used a zipper bag for 10000 units",
        ),
    ),
    "Geocode": (
        (
            "GPS from the fall alert: 42.3601, -71.0589",
            "Ambulance pickup at 34.0522,-118.2437",
            "Coordinates 40.7128 N, 74.0060 W",
            "Wearable location 47.6062°, -122.3321°",
            "Last ping 39.95233, -75.16379 per caregiver",
            "Home at 29.7604 N, 95.3698 W",
        ),
        (
            "Temp 37.2, HR 88, RR 16",
            "Creatinine 1.05, 1.10 on repeat",
            "pH 7.35, pCO2 40",
            "INR 2.1, 2.4",
            "Weight 72.5 kg, BMI 24.1",
            "Lactate 1.2, 0.9",
        ),
    ),
    "DateNumeric": (
        (
            "DOB 03/14/1950, presents with chest pain",
            "Admitted 3/14/24 for pneumonia",
            "Discharged on 12-31-2023",
            "Seen 14/03/2024 at the Leeds clinic",
            "Date of surgery 14.03.2024",
            "Follow-up scheduled 1/2/2025",
            "Labs drawn 07-04-2024 at 0600",
        ),
        (
            "BP 120/80, HR 72",
            "Oxycodone/acetaminophen 5/325 mg q6h prn",
            "Take 1/2 tablet at bedtime",
            "Strength 5/5 in all extremities",
            "Pain 7/10, GCS 15/15",
            "SSN on file 123-45-6789",
            "Call back at 555-123-4567",
            "EF 55-60%, 2-3 episodes per day",
            "Version 2.1.3 of the order set",
            "Follow up in 2024",
        ),
    ),
    "DateIso": (
        (
            '"birthDate": "1950-03-14"',
            "Admission 2024-03-14, discharge 2024-03-18",
            "effectiveDateTime 2024-03-14T09:30:00Z",
            "Procedure date 2024/3/4",
            "Died 2023.12.31 at home",
            "Collected 2024-1-9 per lab",
        ),
        (
            "Enrolled in the study from 2019-2024",
            "Diagnosed in 2021",
            "Dose range 1000-1500 mg",
            "Hgb 13.5-17.5 g/dL reference",
            "FY2024-25 budget",
            "Ref 2024/25 season",
            "Code 2024-13-45 is invalid",
        ),
    ),
    "DateMonthFirst": (
        (
            "Admitted March 14, 2024 with sepsis",
            "Born Mar. 3rd, 1950",
            "Last seen Sept 9 for follow-up",
            "Discharged on JAN 5 2024",
            "Symptoms began in March 2024",
            "Next visit: Dec 1st",
            "Colonoscopy performed October 22 2023",
            "Died May 30, 2022",
        ),
        (
            "Augmentin 875 mg twice daily",
            "Decadron 4 mg IV",
            "Marinol 5 mg before meals",
            "Novolog 6 units with meals",
            "Janumet 50/1000 daily",
            "Febrile 3 days, now afebrile",
            "She may 3D-print a custom splint",
            "Octagam 10% infusion",
            "Symptoms worse in March",
        ),
    ),
    "DateDayFirst": (
        (
            "Admitted 14 March 2024 to ward 4",
            "DOB 03-MAR-1950",
            "Discharged on the 3rd of May",
            "Seen 9 Sept, 2023 in clinic",
            "Specimen collected 21-JUN-24",
            "Surgery on 1 Dec",
            "Died 30 May 2022 at home",
        ),
        (
            "Take 2 Marinol capsules",
            "Start 10 Augmentin tablets",
            "Give 5 Decadron doses",
            "2 decreased breath sounds",
            "14 days of antibiotics",
            "3 Janumet tablets remain",
            "Aged 4, seen at 2 Mayo clinic visits",
        ),
    ),
    "DateOfBirth": (
        (
            "DOB: 3/14",
            "D.O.B. 19500314",
            "Date of birth: 1931",
            "born in 1929 in Ohio",
            "Birthdate 04/12/50",
            "BIRTH DATE: 1950-04-12",
            "Pt born on 7/4",
            "Birthday 12-25-1945",
        ),
        (
            "born at 32 weeks gestation",
            "DOB verified with patient",
            "Date of birth: see face sheet",
            "born in Ohio",
            "birth weight 3.2 kg",
            "Born via C-section, 2 siblings",
            "Newborn 3 kg",
        ),
    ),
    "DateOfAdmissionDischargeOrDeath": (
        (
            "Admitted 3/14 with CHF exacerbation",
            "Discharge date: 20240318",
            "Pt died on 3/17",
            "DOS 3/14",
            "Date of death: 12/31",
            "Seen on 2/2 by cardiology",
            "ADMISSION DATE: 03/14",
            "Dated 11/5",
        ),
        (
            "Admitted for 3 days of IV antibiotics",
            "Discharged home with 2 prescriptions",
            "Surgery 1-2 hours expected",
            "PT visit 2/12 completed",
            "Date of service pending",
            "Seen by 2 providers today",
            "Admission labs unremarkable",
        ),
    ),
    "AgeOver89": (
        (
            "92-year-old woman with hip fracture",
            "95 yo M with dementia",
            "101 y.o. female resident",
            "Aged 93, lives alone",
            "Age: 90",
            "patient is 97 years old",
            "a 104 yr old man",
            "AGE 91",
        ),
        (
            "89-year-old man with COPD",
            "Aged 45, no prior history",
            "Furosemide 90 mg daily",
            "HR 92 bpm, SpO2 95%",
            "Age 9, here with mother",
            "O2 sat 95 percent on room air",
            "Walked 95 yards with walker",
        ),
    ),
    "MedicalRecordNumber": (
        (
            "Patient MRN: A1234567 admitted to 4 West",
            "MRN#00482913",
            "MR # 7734521",
            "Medical Record Number: 55-128-447",
            "Med Rec No. 99812345",
            "Chart #: 00123456",
            "Patient ID: PT2093845",
            "Hospital No. 4483920",
        ),
        (
            "MRN: pending",
            "MRN not available at triage",
            "Medical record reviewed in full",
            "Chart reviewed on rounds",
            "MR 2+ on echo",
            "Patient ID band checked",
            "MRN 1234",
        ),
    ),
    "HealthPlanBeneficiaryNumber": (
        (
            "Member ID: XJH12345678",
            "Subscriber # W123456789",
            "Policy Number 8847-22931",
            "Medicaid ID 12345678901",
            "INSURANCE ID: ABC9876543",
            "Beneficiary number 998877665",
            "Health plan ID HP4455667",
            "Insured ID Number: QZP40093211",
        ),
        (
            "Member of the care team",
            "Policy reviewed with family",
            "Medicare Part D coverage",
            "Insurance: self-pay",
            "Medicaid pending approval",
            "Member ID on file",
            "Plan of care discussed",
        ),
    ),
    "MedicareBeneficiaryIdentifier": (
        (
            "MBI 1EG4-TE5-MK73",
            "Medicare: 1EG4TE5MK73",
            "mbi: 2AC9-D07-HJ21",
            "Card shows 9TX7-A12-PQ34",
            "MBI 5KM8-N33-RW09 verified",
            "beneficiary 7YH2-C56-XT88",
        ),
        (
            "MBI 1EG4-TE5-MK7",
            "MBI 1BG4TE5MK73",
            "Lot 1EG4TE5MK73X",
            "MBI 0EG4TE5MK73",
            "MBI 1EG4-TE5-SK73",
            "MBI pending",
        ),
    ),
    "AccountNumber": (
        (
            "Account #: 400123987",
            "Acct No. 00987654",
            "FIN 20240314001",
            "Claim # CLM-88421",
            "Encounter ID: E20394857",
            "Guarantor number 77123456",
            "Billing No. 55500123",
            "account number 123456789",
        ),
        (
            "Take into account 2 comorbidities",
            "Billing code 99213",
            "Claim denied by payer",
            "Account for 12 percent of cases",
            "FINDINGS 12345 normal",
            "Encounter 2 of 3",
            "Invoice sent to patient",
        ),
    ),
    "CertificateOrLicenseNumber": (
        (
            "DEA# AB1234563",
            "License No. MD123456",
            "Lic. # RN884422",
            "Death certificate number 2024-001234",
            "Board certificate 4455667",
            "Medical licence G12345",
            "Permit #: P-7788990",
            "Registration No. 99-44321",
        ),
        (
            "Licensed practical nurse on duty",
            "DEA schedule II controlled substance",
            "Certificate of Medical Necessity signed",
            "Board certified since 2009",
            "License verified by HR",
            "Registration desk closed",
            "Cert pending",
        ),
    ),
    "DeviceSerialNumber": (
        (
            "Pacemaker serial PJN123456H",
            "S/N: 4471-9920-33",
            "Device ID: D88123456",
            "IMEI 356938035643809",
            "UDI-DI 00884521123456",
            "Implant serial no. XK2299100",
            "Generator SN 8812345",
            "Serial Number: ABC-12345-XY",
        ),
        (
            "SNF placement discussed",
            "Serial troponins 0.02, 0.03",
            "Device check normal",
            "Serial EKGs unchanged",
            "Implant removed without complication",
            "SN 2",
            "Serial 3 hour draws",
        ),
    ),
    "UniqueDeviceIdentifier": (
        (
            "UDI (01)00884521123456(17)251231(10)LOT42",
            "(01)10614141999996",
            "Label shows (01)00812345678905(21)SN12345",
            "HIBC +H123PARTNO1",
            "Implant tag +A999ABC12345",
            "Scanned (01)30012345678901 at bedside",
        ),
        (
            "(01) follow up in 14 days",
            "Step (1) 12345678901234",
            "HER2 3+ on IHC",
            "+1 pitting edema",
            "A+ blood type",
            "+ABC1 not a code",
        ),
    ),
    "IPv6Address": (
        (
            "Portal login from 2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "Device IP fe80::1ff:fe23:4567:890a",
            "Telehealth session from 2001:db8::1",
            "Client 2001:db8:0:0:8:800:200c:417a connected",
            "IPv6 2001:db8:1f18::abcd logged",
            "Source fd12:3456:789a:1::1",
        ),
        (
            "Appointment at 10:30",
            "Vitals at 12:45:00",
            "MAC 00:1A:2B:3C:4D:5E",
            "Mix 1:1 with saline",
            "Titer 1:160",
            "Ratio 3:1 to 5:1",
        ),
    ),
    "NationalProviderIdentifier": (
        (
            "NPI 1234567893",
            "NPI: 1000000004",
            "Ordering NPI#1999999992",
            "National Provider Identifier 1111111112",
            "Referring provider NPI 1222222220",
            "npi check: NPI 1333333335",
        ),
        (
            "NPI pending",
            "NPI 12345",
            "NPI 123456789012",
            "Provider 1234567893 called",
            "No NPI on file",
            "NPI lookup done",
        ),
    ),
}


# --- the table --------------------------------------------------------------------------------------


def test_the_18_identifiers_in_the_regulations_order() -> None:
    assert [
        (i.letter, i.name.lower().count(word.lower()) > 0)
        for i, (_, word) in zip(SAFE_HARBOR_IDENTIFIERS, REGULATION, strict=True)
    ] == [(letter, True) for letter, _ in REGULATION]


def test_every_identifier_has_a_detector_or_says_what_a_guardrail_cannot_detect() -> None:
    for identifier in SAFE_HARBOR_IDENTIFIERS:
        assert identifier.pii_types or identifier.regexes or identifier.cannot_detect, identifier.letter
    undetectable = [i for i in SAFE_HARBOR_IDENTIFIERS if not (i.pii_types or i.regexes)]
    assert [i.letter for i in undetectable] == list(UNDETECTABLE)
    for identifier in undetectable:
        assert identifier.cannot_detect.startswith("Cannot be detected"), identifier.letter
    # "Any other unique identifying number" is only partly detectable, and says so.
    assert SAFE_HARBOR_IDENTIFIERS[-1].cannot_detect.startswith("Only partly")


def test_every_managed_type_is_a_bedrock_pii_type() -> None:
    for identifier in SAFE_HARBOR_IDENTIFIERS:
        assert set(identifier.pii_types) <= set(PII_TYPES), identifier.letter
        assert len(set(identifier.pii_types)) == len(identifier.pii_types), identifier.letter


def test_regexes_fit_bedrocks_limits_and_leave_room_for_users() -> None:
    names = [regex.name for regex in SAFE_HARBOR_REGEXES]
    assert len(set(names)) == len(names)
    assert len(names) <= MAX_REGEXES - FREE_REGEX_SLOTS
    for regex in SAFE_HARBOR_REGEXES:
        assert re.fullmatch(r"[A-Za-z0-9]{1,100}", regex.name), regex.name
        assert 1 <= len(regex.pattern) <= 500, regex.name
        assert 1 <= len(regex.description) <= 1000, regex.name
        RegexFilter(name=regex.name, pattern=regex.pattern, description=regex.description).validate(
            regex.name
        )


@pytest.mark.parametrize("regex", SAFE_HARBOR_REGEXES, ids=lambda regex: regex.name)
def test_every_regex_compiles_and_stays_in_the_portable_subset(regex) -> None:
    re.compile(regex.pattern)
    check_portable_pattern(regex.name, regex.pattern)
    # \d, \w and their negations are Unicode-aware in Python and ASCII in RE2 and Java.
    assert not re.search(r"(?<!\\)\\[dDwW]", regex.pattern), regex.name


# --- the corpus -------------------------------------------------------------------------------------


def test_the_corpus_covers_every_regex() -> None:
    assert list(CORPUS) == [regex.name for regex in SAFE_HARBOR_REGEXES]
    for name, (positives, negatives) in CORPUS.items():
        for examples in (positives, negatives):
            assert len(examples) >= 6, name
            assert len(set(examples)) == len(examples), name


@pytest.mark.parametrize("regex", SAFE_HARBOR_REGEXES, ids=lambda regex: regex.name)
def test_every_positive_matches_and_no_negative_does(regex) -> None:
    pattern = re.compile(regex.pattern)
    positives, negatives = CORPUS[regex.name]
    assert [text for text in positives if not pattern.search(text)] == [], "missed"
    assert {text: found[0] for text in negatives if (found := pattern.search(text))} == {}, "matched"


@pytest.mark.parametrize("regex", SAFE_HARBOR_REGEXES, ids=lambda regex: regex.name)
def test_no_regex_backtracks_catastrophically(regex) -> None:
    pattern = re.compile(regex.pattern)
    hostile = (
        "1" * 20000,
        "A1-" * 7000,
        "MRN " + "A" * 20000,
        "1." + "1" * 20000,
        "a:" * 10000,
        "12/" * 7000,
    )
    for text in hostile:
        start = time.perf_counter()
        pattern.search(text)
        assert time.perf_counter() - start < 1.0, (regex.name, text[:20])


def test_the_issues_dates_are_masked() -> None:
    """Issue 13: birth, admission and discharge dates passed unmasked."""
    note = "DOB 04/12/1950. Admitted March 3, 2024; discharged 3/9. Follow-up in 2025."
    patterns = [re.compile(regex.pattern) for regex in SAFE_HARBOR_REGEXES]
    found = {match[0] for pattern in patterns for match in pattern.finditer(note)}
    for date in ("04/12/1950", "March 3, 2024", "3/9"):
        assert any(date in text for text in found), date
    assert not any("2025" in text for text in found), "a year alone may stay"


@pytest.mark.parametrize(
    ("letter", "text"),
    [
        ("B", "Patient lives near 02139"),  # a ZIP code with neither a label nor a state
        ("C", "Seen 3/14 in clinic"),
        ("C", "Symptoms began in March"),
        ("C", "Fever started two days after surgery"),
        ("C", "He was a 1931 graduate of the academy"),
        ("H", "Record 00482913 pulled"),
        ("O", "Loopback ::1 only"),
    ],
)
def test_the_gaps_the_table_states_are_real(letter: str, text: str) -> None:
    """What ``cannot_detect`` says a guardrail misses, no regex of the preset matches: the table is honest."""
    assert any(
        letter == identifier.letter and identifier.cannot_detect for identifier in SAFE_HARBOR_IDENTIFIERS
    )
    assert [regex.name for regex in SAFE_HARBOR_REGEXES if re.search(regex.pattern, text)] == []


# --- the portable subset ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"(?<=MRN )[0-9]{6}", r"uses a lookbehind '\(\?<=', .*; match the context as part of the pattern"),
        (r"(?<!x)[0-9]{6}", r"uses a negative lookbehind"),
        (r"MRN(?=[0-9])", r"uses a lookahead '\(\?='"),
        (r"MRN(?![a-z])", r"uses a negative lookahead"),
        (r"(?P<mrn>[0-9]{6})", r"uses a named group '\(\?P<'.*; use a plain group"),
        (r"(?P<x>a)(?P=x)", r"uses a named group"),
        (
            r"(?i)mrn [0-9]{6}",
            r"uses an inline flag '\(\?i'.*; write case out as character classes \(\[Dd\]ate\)",
        ),
        (r"(?i:mrn) [0-9]{6}", r"uses an inline flag '\(\?i'"),
        (r"(?-i:MRN)", r"uses an inline flag '\(\?-'"),
        (r"([0-9])\1", r"uses a backreference '\\1'.*; repeat the sub-pattern instead"),
        (r"[0-9]*+", r"uses a possessive quantifier '\*\+'.*; drop the second '\+'"),
        (r"[0-9]++", r"uses a possessive quantifier '\+\+'"),
        (r"a?+", r"uses a possessive quantifier '\?\+'"),
        (r"[0-9]{2,3}+", r"uses a possessive quantifier '\}\+'"),
        (r"(?>MRN|MR)", r"uses an atomic group '\(\?>'"),
        (r"\AMRN", r"uses the anchor '\\A'"),
        (r"MRN\Z", r"uses the anchor '\\Z'"),
        (r"[0-9]{,3}", r"uses the quantifier '\{,3\}'.*; write the lower bound: '\{0,n\}'"),
        (r"(?#the record number)[0-9]{6}", r"uses a comment '\(\?#'"),
        (r"(a)?(?(1)b|c)", r"uses a conditional '\(\?\('"),
    ],
)
def test_check_portable_pattern_refuses_what_other_engines_read_differently(
    pattern: str, message: str
) -> None:
    with pytest.raises(
        ValueError, match=rf"^regex_filters\[2\]\.pattern: {re.escape(repr(pattern))} {message}"
    ):
        check_portable_pattern("regex_filters[2].pattern", pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"\b(?:MRN|MR ?#)[:#\s]*[0-9]{6,10}\b",  # a non-capturing group is portable
        r"[(?<=]+",  # inside a class, (?<= are three literal characters
        r"\(?[0-9]{3}\)?",  # escaped parentheses and an optional quantifier
        r"\\+",  # an escaped backslash, repeated: not possessive
        r"[0-9]+?",  # lazy quantifiers are portable
        r"\{,3\}",  # escaped braces are literals
        r"a}+",  # a literal brace, repeated
        r"[]a]+",  # a ']' first in a class is a literal
        r"^MRN[0-9]{6}$",
    ],
)
def test_check_portable_pattern_accepts_the_common_subset(pattern: str) -> None:
    check_portable_pattern("pattern", pattern)
    assert portable_pattern_problems(pattern) == []


def test_check_portable_pattern_needs_a_regular_expression() -> None:
    with pytest.raises(ValueError, match=r"^pattern: '\(unclosed' is not a regular expression"):
        check_portable_pattern("pattern", "(unclosed")
    with pytest.raises(TypeError, match=r"^pattern must be a string, got 5"):
        check_portable_pattern("pattern", 5)  # type: ignore[arg-type]


def test_users_own_patterns_are_not_held_to_the_subset() -> None:
    """The guardrail's dialect is undocumented, so validate() does not refuse a pattern that may work
    there; users who want the same assurance call check_portable_pattern themselves."""
    RegexFilter(name="ClaimNumber", pattern=r"(?i)claim[0-9]{8}").validate("regex_filters[0]")


# --- the preset and the guardrail -------------------------------------------------------------------


def test_the_hipaa_preset_holds_exactly_the_modules_detectors() -> None:
    hipaa = GuardrailPolicy.hipaa()
    assert [(r.name, r.pattern, r.description) for r in hipaa.regex_filters] == [
        (r.name, r.pattern, r.description) for r in SAFE_HARBOR_REGEXES
    ]
    assert all(r.input_action == r.output_action == "ANONYMIZE" for r in hipaa.regex_filters)
    managed = [t for identifier in SAFE_HARBOR_IDENTIFIERS for t in identifier.pii_types]
    assert [e.type for e in hipaa.pii_entities] == list(dict.fromkeys([*managed, *HIPAA_BLOCKED_PII_TYPES]))
    actions = {e.type: (e.input_action, e.output_action) for e in hipaa.pii_entities}
    for pii_type, action in actions.items():
        expected = "BLOCK" if pii_type in HIPAA_BLOCKED_PII_TYPES else "ANONYMIZE"
        assert action == (expected, expected), pii_type
    # The types it blocked before the table existed are still blocked.
    assert {
        "US_SOCIAL_SECURITY_NUMBER",
        "PASSWORD",
        "AWS_ACCESS_KEY",
        "AWS_SECRET_KEY",
        "CREDIT_DEBIT_CARD_NUMBER",
    } == set(HIPAA_BLOCKED_PII_TYPES)


def test_the_synthesized_guardrail_carries_them(stack: Stack) -> None:
    BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    (resource,) = Template.from_stack(stack).find_resources("AWS::Bedrock::Guardrail").values()
    sensitive = resource["Properties"]["SensitiveInformationPolicyConfig"]
    assert [
        (r["Name"], r["Pattern"], r["Description"], r["InputAction"], r["OutputAction"])
        for r in sensitive["RegexesConfig"]
    ] == [(r.name, r.pattern, r.description, "ANONYMIZE", "ANONYMIZE") for r in SAFE_HARBOR_REGEXES]
    types = {e["Type"] for e in sensitive["PiiEntitiesConfig"]}
    assert types == {t for i in SAFE_HARBOR_IDENTIFIERS for t in i.pii_types} | set(HIPAA_BLOCKED_PII_TYPES)


def test_the_access_guide_counts_the_presets_regexes() -> None:
    guide = (Path(__file__).resolve().parents[1] / "docs" / "access.md").read_text()
    used = len(SAFE_HARBOR_REGEXES)
    assert f"so {used} regexes," in guide
    assert f"the preset uses {used}, which\n  leaves {MAX_REGEXES - used} for yours" in guide
