"""Reference catalogues: the 33 service types of Act No. 108/2006 Coll., forms, units, indicators.

These are loaded into the store by its migrations (tables ``service_type`` and
``indicator_def``) so that imports can check codes against them. This module is also the one
vocabulary of the package: the capacity units (codes, Czech names and forms, spellings accepted
in inputs), the territorial levels, the floating-catchment methods and the default layers and
access method. Other modules import these names; none spells them again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: Forms of provision (Czech term in brackets).
FORMS: dict[str, str] = {
    "residential": "pobytová",
    "outpatient": "ambulantní",
    "field": "terénní",
}

#: Capacity units and what they count.
UNITS: dict[str, str] = {
    "beds": "lůžka",
    "fte": "úvazky pracovníků v přímé péči",
    "clients": "klienti",
    "hours": "hodiny",
}

#: Czech forms of every capacity unit of the register after a number: (1, 2–4, 0 and 5+, a decimal).
UNIT_FORMS: dict[str, tuple[str, str, str, str]] = {
    "beds": ("lůžko", "lůžka", "lůžek", "lůžka"),
    "clients": ("klient", "klienti", "klientů", "klienta"),
    "contacts": ("kontakt", "kontakty", "kontaktů", "kontaktu"),
    "interventions": ("intervence", "intervence", "intervencí", "intervence"),
    "calls": ("hovor", "hovory", "hovorů", "hovoru"),
    "fte": ("úvazek", "úvazky", "úvazků", "úvazku"),
    "hours": ("hodina", "hodiny", "hodin", "hodiny"),
}
#: Czech name of a capacity unit after a number in general ("60 lůžek", "12 úvazků").
UNIT_NAMES: dict[str, str] = {unit: forms[2] for unit, forms in UNIT_FORMS.items()}
#: Spellings of the capacity units in inputs (register codelist ids, the region's network table)
#: -> unit code.
UNIT_ALIASES: dict[str, str] = {
    "beds": "beds", "luzka": "beds", "lůžka": "beds", "luzko": "beds", "lůžko": "beds",
    "clients": "clients", "klient": "clients", "klienti": "clients",
    "contacts": "contacts", "kontakt": "contacts",
    "interventions": "interventions", "interv": "interventions",
    "calls": "calls", "hovor": "calls",
    "fte": "fte", "uvazky": "fte", "úvazky": "fte", "uvazek": "fte", "úvazek": "fte",
    "hours": "hours", "hodiny": "hours",
}


def unit_code(text: str | None) -> str:
    """The unit code of a spelling (``"Lůžka"`` -> ``"beds"``); an unknown one lower-cased, as given."""
    t = (text or "").strip().lower()
    return UNIT_ALIASES.get(t, t)


#: Largest plausible capacity of one service per unit (a bound against typing errors and
#: overflowing sums, far above any real service: the largest Czech homes have a few hundred beds).
UNIT_MAX: dict[str, float] = {
    "beds": 5_000,
    "fte": 5_000,
    "clients": 1_000_000,
    "hours": 10_000_000,
}
#: Largest plausible norm, units per 1,000 inhabitants of the target population (one per person).
NORM_MAX_PER_1000 = 1_000.0
#: Most inhabitants of one municipality plausible in a population row (Praha: 1.4 million).
PERSONS_MAX = 2_000_000

#: Territorial levels of the analysis, finest first, and the column of the municipality table
#: holding each level's code.
LEVELS: dict[str, str] = {
    "municipality": "municipality_code",
    "orp": "orp_code",
    "region": "region_code",
}
#: Levels the map draws as polygons (layers, ``/api`` ``level``).
MAP_LEVELS: tuple[str, ...] = ("municipality", "orp")
#: Floating-catchment accessibility methods (see :mod:`geo_kissos.analysis.fca`).
ACCESS_METHODS: tuple[str, ...] = ("2sfca", "e2sfca", "3sfca", "bfca")
#: The one default floating-catchment method: of an ``access:<§>`` layer that names none, of
#: ``geo-kissos analysis access|scenario``, :class:`~geo_kissos.analysis.AccessParams` and
#: :func:`~geo_kissos.analysis.floating_catchment`.
DEFAULT_ACCESS_METHOD = "e2sfca"
#: The one default layer: the map opens on it and the exporter draws it when none is named
#: (§ 49 accessibility: needs the register).
DEFAULT_LAYER = "access-49-municipality"
#: Layer that needs population only: opened and exported instead when no register is loaded.
FALLBACK_LAYER = "population-65-share"

#: Age bands of the population table.
AGE_BANDS: tuple[str, ...] = ("total", "0-17", "18-64", "65+", "80+")


@dataclass(frozen=True)
class ServiceType:
    """One service type (druh) of the Act on social services."""

    code: str  #: section of the law, e.g. ``"49"`` or ``"60a"``
    name_cs: str
    name_en: str
    forms: tuple[str, ...]  #: usual forms
    unit: str  #: planning unit: ``beds`` for residential services, else ``fte``
    target_band: str  #: age band of the target population used for coverage ratios


_R, _O, _F = "residential", "outpatient", "field"
_ALL = (_R, _O, _F)

SERVICE_TYPES: tuple[ServiceType, ...] = (
    ServiceType("37", "odborné sociální poradenství", "specialised social counselling", (_O, _F), "fte", "total"),
    ServiceType("39", "osobní asistence", "personal assistance", (_F,), "fte", "total"),
    ServiceType("40", "pečovatelská služba", "home care service", (_F, _O), "fte", "65+"),
    ServiceType("41", "tísňová péče", "emergency (tele)care", (_F,), "fte", "65+"),
    ServiceType("42", "průvodcovské a předčitatelské služby", "guide and reading services", (_F, _O), "fte", "total"),
    ServiceType("43", "podpora samostatného bydlení", "support for independent living", (_F,), "fte", "18-64"),
    ServiceType("44", "odlehčovací služby", "respite care", _ALL, "fte", "65+"),
    ServiceType("45", "centra denních služeb", "day service centres", (_O,), "fte", "65+"),
    ServiceType("46", "denní stacionáře", "day care centres", (_O,), "fte", "65+"),
    ServiceType("47", "týdenní stacionáře", "weekly care centres", (_R,), "beds", "total"),
    ServiceType("48", "domovy pro osoby se zdravotním postižením", "homes for people with disabilities", (_R,), "beds", "18-64"),
    ServiceType("49", "domovy pro seniory", "homes for the elderly", (_R,), "beds", "65+"),
    ServiceType("50", "domovy se zvláštním režimem", "homes with a special regime", (_R,), "beds", "65+"),
    ServiceType("51", "chráněné bydlení", "sheltered housing", (_R,), "beds", "18-64"),
    ServiceType("52", "sociální služby ve zdravotnických zařízeních lůžkové péče", "social services in in-patient health care", (_R,), "beds", "65+"),
    ServiceType("54", "raná péče", "early intervention", (_F, _O), "fte", "0-17"),
    ServiceType("55", "telefonická krizová pomoc", "telephone crisis help", (_O,), "fte", "total"),
    ServiceType("56", "tlumočnické služby", "interpreting services", (_F, _O), "fte", "total"),
    ServiceType("57", "azylové domy", "shelters", (_R,), "beds", "total"),
    ServiceType("58", "domy na půl cesty", "halfway houses", (_R,), "beds", "18-64"),
    ServiceType("59", "kontaktní centra", "contact centres", (_O,), "fte", "18-64"),
    ServiceType("60", "krizová pomoc", "crisis help", _ALL, "fte", "total"),
    ServiceType("60a", "intervenční centra", "intervention centres", _ALL, "fte", "total"),
    ServiceType("61", "nízkoprahová denní centra", "low-threshold day centres", (_O,), "fte", "18-64"),
    ServiceType("62", "nízkoprahová zařízení pro děti a mládež", "low-threshold facilities for children and youth", (_O, _F), "fte", "0-17"),
    ServiceType("63", "noclehárny", "night shelters", (_O,), "fte", "18-64"),
    ServiceType("64", "služby následné péče", "aftercare services", (_O, _R), "fte", "18-64"),
    ServiceType("65", "sociálně aktivizační služby pro rodiny s dětmi", "social activation services for families with children", (_F, _O), "fte", "0-17"),
    ServiceType("66", "sociálně aktivizační služby pro seniory a osoby se zdravotním postižením", "social activation services for seniors and people with disabilities", (_O, _F), "fte", "65+"),
    ServiceType("67", "sociálně terapeutické dílny", "social therapy workshops", (_O,), "fte", "18-64"),
    ServiceType("68", "terapeutické komunity", "therapeutic communities", (_R,), "beds", "18-64"),
    ServiceType("69", "terénní programy", "outreach programmes", (_F,), "fte", "total"),
    ServiceType("70", "sociální rehabilitace", "social rehabilitation", _ALL, "fte", "18-64"),
)

SERVICE_TYPE_BY_CODE: dict[str, ServiceType] = {t.code: t for t in SERVICE_TYPES}


@dataclass(frozen=True)
class IndicatorDef:
    """A social-phenomenon indicator reported per municipality and year."""

    code: str
    name_cs: str
    name_en: str
    unit: str  #: ``persons``, ``percent``, ``count``


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef("PNP_I", "příjemci příspěvku na péči, I. stupeň", "care allowance recipients, degree I", "persons"),
    IndicatorDef("PNP_II", "příjemci příspěvku na péči, II. stupeň", "care allowance recipients, degree II", "persons"),
    IndicatorDef("PNP_III", "příjemci příspěvku na péči, III. stupeň", "care allowance recipients, degree III", "persons"),
    IndicatorDef("PNP_IV", "příjemci příspěvku na péči, IV. stupeň", "care allowance recipients, degree IV", "persons"),
    IndicatorDef("PNP_TOTAL", "příjemci příspěvku na péči celkem", "care allowance recipients, all degrees", "persons"),
    IndicatorDef("UNEMP_SHARE", "podíl nezaměstnaných osob", "share of unemployed persons", "percent"),
    IndicatorDef("DISTRAINT_PERSONS", "osoby v exekuci", "persons in distraint", "persons"),
    IndicatorDef("DISTRAINT_SHARE", "podíl osob v exekuci", "share of persons in distraint", "percent"),
    IndicatorDef("SVL_COUNT", "sociálně vyloučené lokality", "socially excluded localities", "count"),
    IndicatorDef("SVL_PERSONS", "obyvatelé sociálně vyloučených lokalit", "residents of socially excluded localities", "persons"),
    IndicatorDef("HOMELESS", "osoby bez domova", "homeless persons", "persons"),
    IndicatorDef("DV_INTERVENTIONS", "intervence při domácím násilí", "domestic-violence interventions", "count"),
    IndicatorDef("WAITING_RESIDENTIAL", "žadatelé čekající na pobytovou službu (agregát)", "applicants waiting for residential care (aggregate)", "persons"),
)

INDICATOR_BY_CODE: dict[str, IndicatorDef] = {i.code: i for i in INDICATORS}


def service_types_frame() -> pd.DataFrame:
    """Return the service-type catalogue as the ``service_type`` table."""
    return pd.DataFrame(
        {
            "type_code": [t.code for t in SERVICE_TYPES],
            "name_cs": [t.name_cs for t in SERVICE_TYPES],
            "name_en": [t.name_en for t in SERVICE_TYPES],
            "forms": [";".join(t.forms) for t in SERVICE_TYPES],
            "unit": [t.unit for t in SERVICE_TYPES],
            "target_band": [t.target_band for t in SERVICE_TYPES],
        }
    )


def indicators_frame() -> pd.DataFrame:
    """Return the indicator catalogue as the ``indicator_def`` table."""
    return pd.DataFrame(
        {
            "code": [i.code for i in INDICATORS],
            "name_cs": [i.name_cs for i in INDICATORS],
            "name_en": [i.name_en for i in INDICATORS],
            "unit": [i.unit for i in INDICATORS],
        }
    )
