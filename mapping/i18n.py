"""The catalogue of translations: every string a user reads, in Polish and English.

Polish is the default language of the interface, English the second. Keys are
grouped by where the string appears (``app.``, ``sidebar.``, ``overview.``,
``layer.``, ``legend.``, ``popup.``, ``status.``, ``kind.``, ``error.``).
Category labels are not here: they live in the database catalogue
(``mapping.catalog``), which an admin may extend.
"""

from __future__ import annotations

from mapping.config import LANGUAGES

DEFAULT_LANGUAGE = "pl"

MESSAGES: dict[str, dict[str, str]] = {
    # The app as a whole
    "app.title": {"pl": "Mapa zasobów i potrzeb", "en": "Resource and needs map"},
    "app.subtitle": {
        "pl": "Metoda CAL: pomóżmy ludziom, aby pomogli sobie sami",
        "en": "The CAL method: help people to help themselves",
    },
    "nav.overview": {"pl": "Przegląd mapy", "en": "Map overview"},
    # Shared sidebar widgets
    "sidebar.language": {"pl": "Język / Language", "en": "Language / Język"},
    "sidebar.city": {"pl": "Miasto", "en": "City"},
    "sidebar.team": {"pl": "Zespół", "en": "Team"},
    "sidebar.area": {"pl": "Obszar", "en": "Area"},
    "sidebar.all_teams": {"pl": "Wszystkie zespoły", "en": "All teams"},
    "sidebar.all_areas": {"pl": "Wszystkie obszary", "en": "All areas"},
    "sidebar.no_cities": {
        "pl": "W bazie nie ma jeszcze żadnych obszarów. Wczytaj dane demonstracyjne "
        "poleceniem `calmap demo`.",
        "en": "The database holds no areas yet. Load the demo data with `calmap demo`.",
    },
    "language.pl": {"pl": "Polski", "en": "Polski"},
    "language.en": {"pl": "English", "en": "English"},
    # The overview page
    "overview.heading": {
        "pl": "Mapa zasobów i potrzeb: {place}",
        "en": "Resource and needs map: {place}",
    },
    "overview.all_places": {"pl": "wszystkie obszary", "en": "all areas"},
    "overview.tiles_disabled": {
        "pl": "Podkład mapowy jest wyłączony (CALMAP_TILES_URL=none): mapa pokazuje "
        "granice obszarów i punkty na jasnym tle.",
        "en": "The basemap is switched off (CALMAP_TILES_URL=none): the map shows area "
        "boundaries and pins on a plain background.",
    },
    "overview.no_areas": {
        "pl": "Dla tego wyboru nie ma żadnych obszarów.",
        "en": "There are no areas for this choice.",
    },
    "overview.counts": {"pl": "Liczba wpisów w warstwach", "en": "Entries per layer"},
    "overview.visibility_note": {
        "pl": "Widoczne są wpisy publiczne i partnerskie; wpisy tylko dla zespołu są ukryte.",
        "en": "Public and partnership entries are shown; team-only entries are hidden.",
    },
    "table.layer": {"pl": "Warstwa", "en": "Layer"},
    "table.total": {"pl": "Razem", "en": "Total"},
    "table.pinned": {"pl": "Na mapie", "en": "On the map"},
    "table.area_wide": {"pl": "Bez punktu (cały obszar)", "en": "Not pinned (whole area)"},
    # Layers
    "layer.area": {"pl": "Obszary", "en": "Areas"},
    "layer.resource": {"pl": "Zasoby", "en": "Resources"},
    "layer.partner": {"pl": "Partnerzy", "en": "Partners"},
    "layer.need": {"pl": "Potrzeby", "en": "Needs"},
    # The map legend
    "legend.title": {"pl": "Legenda", "en": "Legend"},
    "legend.empty": {"pl": "Brak punktów na mapie.", "en": "No pins on the map."},
    "legend.area_wide": {
        "pl": "w tym dla całego obszaru (bez punktu): {count}",
        "en": "of which for a whole area (not pinned): {count}",
    },
    "legend.unpinned": {
        "pl": "w tym bez punktu na mapie: {count}",
        "en": "of which not pinned on the map: {count}",
    },
    # Popups
    "popup.category": {"pl": "Kategoria", "en": "Category"},
    "popup.sector": {"pl": "Sektor", "en": "Sector"},
    "popup.address": {"pl": "Adres", "en": "Address"},
    "popup.phone": {"pl": "Telefon", "en": "Phone"},
    "popup.email": {"pl": "E-mail", "en": "E-mail"},
    "popup.www": {"pl": "Strona WWW", "en": "Website"},
    "popup.opening_hours": {"pl": "Godziny otwarcia", "en": "Opening hours"},
    "popup.target_groups": {"pl": "Grupy docelowe", "en": "Target groups"},
    "popup.status": {"pl": "Status", "en": "Status"},
    "popup.priority": {"pl": "Priorytet", "en": "Priority"},
    "popup.source_method": {"pl": "Źródło rozpoznania", "en": "Identified by"},
    "popup.evidence": {"pl": "Uzasadnienie", "en": "Evidence"},
    "popup.partnerships": {"pl": "Partnerstwa", "en": "Partnerships"},
    "popup.visibility": {"pl": "Widoczność", "en": "Visibility"},
    "popup.kind": {"pl": "Rodzaj", "en": "Kind"},
    "popup.population": {"pl": "Liczba mieszkańców", "en": "Population"},
    "popup.area_needs": {"pl": "Potrzeby całego obszaru", "en": "Needs of the whole area"},
    # Need statuses
    "status.identified": {"pl": "rozpoznana", "en": "identified"},
    "status.being_addressed": {"pl": "w trakcie zaspokajania", "en": "being addressed"},
    "status.met": {"pl": "zaspokojona", "en": "met"},
    "status.archived": {"pl": "zarchiwizowana", "en": "archived"},
    # Area kinds
    "kind.city": {"pl": "miasto", "en": "city"},
    "kind.district": {"pl": "dzielnica", "en": "district"},
    "kind.estate": {"pl": "osiedle", "en": "estate"},
    # Visibility levels
    "visibility.public": {"pl": "publiczny", "en": "public"},
    "visibility.partnership": {"pl": "dla partnerstwa", "en": "partnership"},
    "visibility.team": {"pl": "tylko zespół", "en": "team only"},
    # Errors shown in the app
    "error.config": {
        "pl": "Błąd w ustawieniach: {message}",
        "en": "A setting is wrong: {message}",
    },
    "error.database": {
        "pl": "Nie można połączyć się z bazą danych: {message}",
        "en": "Cannot connect to the database: {message}",
    },
    "error.schema": {
        "pl": "Baza danych nie ma jeszcze tabel mapy. Uruchom `calmap db upgrade` "
        "(lub `calmap demo`, aby wczytać dane demonstracyjne).",
        "en": "The database has no map tables yet. Run `calmap db upgrade` "
        "(or `calmap demo` to load the demo data).",
    },
    "error.static": {
        "pl": "Nie można przygotować plików mapy w {path}: {message}",
        "en": "Cannot prepare the map files in {path}: {message}",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **kwargs: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``kwargs``.

    An unknown language falls back to Polish; an unknown key raises KeyError,
    so a missing translation shows up in the tests rather than on screen.

    >>> t("layer.need", "en")
    'Needs'
    >>> t("legend.area_wide", "pl", count=3)
    'w tym dla całego obszaru (bez punktu): 3'
    """
    texts = MESSAGES[key]
    text = texts.get(lang if lang in LANGUAGES else DEFAULT_LANGUAGE, texts[DEFAULT_LANGUAGE])
    return text.format(**kwargs) if kwargs else text
