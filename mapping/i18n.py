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
    # Errors of editing services (mapping.pins, mapping.validation)
    "error.validation": {
        "pl": "Popraw zaznaczone pola.",
        "en": "Please correct the marked fields.",
    },
    "error.required": {"pl": "To pole jest wymagane.", "en": "This field is required."},
    "error.too_long": {"pl": "Tekst jest za długi.", "en": "The text is too long."},
    "error.control_characters": {
        "pl": "Tekst zawiera niedozwolone znaki sterujące.",
        "en": "The text contains control characters that are not allowed.",
    },
    "error.email": {"pl": "To nie jest adres e-mail.", "en": "This is not an e-mail address."},
    "error.phone": {"pl": "To nie jest numer telefonu.", "en": "This is not a phone number."},
    "error.www": {
        "pl": "Adres strony musi zaczynać się od http:// lub https://.",
        "en": "A web address must start with http:// or https://.",
    },
    "error.unknown_choice": {
        "pl": "Tej wartości nie ma w katalogu.",
        "en": "This value is not in the catalogue.",
    },
    "error.priority": {
        "pl": "Priorytet musi wynosić 1, 2 lub 3.",
        "en": "The priority must be 1, 2 or 3.",
    },
    "error.point_not_number": {
        "pl": "Współrzędne muszą być liczbami (np. 54.35 i 18.65).",
        "en": "Coordinates must be numbers (e.g. 54.35 and 18.65).",
    },
    "error.point_outside_poland": {
        "pl": "Ten punkt leży poza Polską (np. w morzu). Sprawdź współrzędne.",
        "en": "This point lies outside Poland (e.g. in the sea). Check the coordinates.",
    },
    "error.point_swapped": {
        "pl": "Szerokość i długość geograficzna są zamienione miejscami: tak punkt trafia "
        "na Ocean Indyjski. Zamień je.",
        "en": "Latitude and longitude are swapped: that puts the point in the Indian Ocean. "
        "Swap them.",
    },
    "error.point_outside_area": {
        "pl": "Punkt leży poza wybranym obszarem. Zaznacz „obsługuje obszar spoza jego "
        "granic”, jeśli instytucja działa dla tego obszaru z zewnątrz.",
        "en": "The point lies outside the chosen area. Tick “serves the area from outside” "
        "if the institution serves this area from elsewhere.",
    },
    "error.point_outside_area_need": {
        "pl": "Potrzeba musi leżeć w wybranym obszarze (albo dotyczyć całego obszaru).",
        "en": "A need must lie inside the chosen area (or cover the whole area).",
    },
    "error.point_required": {
        "pl": "Zaznacz punkt na mapie lub wpisz współrzędne.",
        "en": "Click the map or type coordinates.",
    },
    "error.choose_area": {
        "pl": "Najpierw wybierz obszar (osiedle lub dzielnicę).",
        "en": "Choose an area (estate or district) first.",
    },
    "error.read_only": {
        "pl": "Masz dostęp tylko do odczytu.",
        "en": "You have read-only access.",
    },
    "error.not_your_team": {
        "pl": "Możesz zmieniać tylko obszary swojego zespołu.",
        "en": "You may only change the areas of your own team.",
    },
    "error.unknown_layer": {"pl": "Nieznana warstwa: {layer}.", "en": "Unknown layer: {layer}."},
    "error.unknown_fields": {
        "pl": "Nieznane pola: {fields}.",
        "en": "Unknown fields: {fields}.",
    },
    "error.pin_not_found": {
        "pl": "Nie ma takiego wpisu (albo nie masz do niego dostępu).",
        "en": "There is no such entry (or you may not see it).",
    },
    "error.version_not_found": {
        "pl": "Nie ma takiej wersji tego wpisu.",
        "en": "This entry has no such version.",
    },
    "error.conflict": {
        "pl": "Ktoś inny ({who}) zmienił ten wpis, odkąd go otworzyłeś(-aś). Twoje zmiany "
        "nie zostały zapisane; zobacz, co się zmieniło, i spróbuj ponownie.",
        "en": "Someone else ({who}) changed this entry since you opened it. Your changes "
        "were not saved; see what changed and try again.",
    },
    "error.form_already_saved": {
        "pl": "Ten formularz został już zapisany: nic nie dodano po raz drugi.",
        "en": "This form was already saved: nothing was added a second time.",
    },
    "error.already_retired": {
        "pl": "Ten wpis jest już wycofany z mapy.",
        "en": "This entry is already retired.",
    },
    "error.not_retired": {
        "pl": "Ten wpis nie jest wycofany.",
        "en": "This entry is not retired.",
    },
    # Import from a file (pages/bulk_import.py, mapping/bulk.py)
    "nav.bulk_import": {"pl": "Import z pliku", "en": "Import from a file"},
    "bulk.heading": {"pl": "Import z pliku: {place}", "en": "Import from a file: {place}"},
    "bulk.intro": {
        "pl": "Wczytaj listę zasobów lub partnerów z pliku CSV albo XLSX (np. zapisanego "
        "w Excelu). Wymagane kolumny: nazwa, kategoria (dla partnerów: sektor), adres oraz "
        "szerokość i długość geograficzna (albo punkt WKT). Kategoria może być kodem lub "
        "nazwą z katalogu. Nic nie zostanie zapisane, dopóki choć jeden wiersz ma błąd.",
        "en": "Load a list of resources or partners from a CSV or XLSX file (e.g. saved "
        "from Excel). Required columns: name, category (for partners: sector), address, and "
        "latitude and longitude (or a WKT point). The category may be a catalogue code or "
        "label. Nothing is saved while any row has an error.",
    },
    "bulk.layer": {"pl": "Warstwa", "en": "Layer"},
    "bulk.upload": {"pl": "Plik CSV lub XLSX", "en": "CSV or XLSX file"},
    "bulk.default_visibility": {
        "pl": "Widoczność wierszy bez wartości w kolumnie „widoczność”",
        "en": "Visibility of rows with no value in the “visibility” column",
    },
    "bulk.template_download": {"pl": "Pobierz wzór pliku (CSV)", "en": "Download a template (CSV)"},
    "bulk.choose_editable_area": {
        "pl": "Wybierz w panelu bocznym obszar (osiedle lub dzielnicę) swojego zespołu, "
        "do którego trafią wpisy z pliku.",
        "en": "Choose your team's area (estate or district) in the sidebar: the entries "
        "from the file go there.",
    },
    "bulk.read_csv": {
        "pl": "Plik CSV {filename}: kodowanie {encoding}, separator: {delimiter}, "
        "wierszy z danymi: {rows}.",
        "en": "CSV file {filename}: encoding {encoding}, delimiter: {delimiter}, "
        "data rows: {rows}.",
    },
    "bulk.read_xlsx": {
        "pl": "Skoroszyt XLSX {filename} (pierwszy arkusz): wierszy z danymi: {rows}.",
        "en": "XLSX workbook {filename} (first sheet): data rows: {rows}.",
    },
    "bulk_delimiter.semicolon": {"pl": "średnik", "en": "semicolon"},
    "bulk_delimiter.comma": {"pl": "przecinek", "en": "comma"},
    "bulk_delimiter.tab": {"pl": "tabulator", "en": "tab"},
    "bulk.columns": {"pl": "Rozpoznane kolumny", "en": "Columns found"},
    "bulk.col_field": {"pl": "Pole", "en": "Field"},
    "bulk.col_heading": {"pl": "Kolumna w pliku", "en": "Column in the file"},
    "bulk.ignored_columns": {
        "pl": "Pominięte kolumny: {columns}",
        "en": "Columns left out: {columns}",
    },
    "bulk_field.name": {"pl": "nazwa", "en": "name"},
    "bulk_field.category": {"pl": "kategoria / sektor", "en": "category / sector"},
    "bulk_field.address": {"pl": "adres", "en": "address"},
    "bulk_field.lat": {"pl": "szerokość geograficzna", "en": "latitude"},
    "bulk_field.lon": {"pl": "długość geograficzna", "en": "longitude"},
    "bulk_field.wkt": {"pl": "punkt (WKT)", "en": "point (WKT)"},
    "bulk_field.point": {"pl": "położenie", "en": "location"},
    "bulk_field.description": {"pl": "opis", "en": "description"},
    "bulk_field.phone": {"pl": "telefon", "en": "phone"},
    "bulk_field.email": {"pl": "e-mail", "en": "e-mail"},
    "bulk_field.www": {"pl": "strona WWW", "en": "website"},
    "bulk_field.visibility": {"pl": "widoczność", "en": "visibility"},
    "bulk_field.target_groups": {"pl": "grupy docelowe", "en": "target groups"},
    "bulk_field.opening_hours": {"pl": "godziny otwarcia", "en": "opening hours"},
    "bulk_field.serves_from_outside": {
        "pl": "obsługuje obszar z zewnątrz",
        "en": "serves the area from outside",
    },
    "bulk_field.source": {"pl": "źródło", "en": "source"},
    "bulk_field.row": {"pl": "cały wiersz", "en": "whole row"},
    "bulk.preview_map": {"pl": "Podgląd na mapie", "en": "Preview on the map"},
    "bulk.checking": {"pl": "Sprawdzanie wierszy…", "en": "Checking the rows…"},
    "bulk.summary": {
        "pl": "Wiersze gotowe do zapisu: {ready} z {total}.",
        "en": "Rows ready to save: {ready} of {total}.",
    },
    "bulk.errors_heading": {
        "pl": "Wiersze z błędami: {rows}",
        "en": "Rows with errors: {rows}",
    },
    "bulk.col_row": {"pl": "Wiersz", "en": "Row"},
    "bulk.col_column": {"pl": "Kolumna", "en": "Column"},
    "bulk.col_value": {"pl": "Wartość", "en": "Value"},
    "bulk.col_problem": {"pl": "Problem", "en": "Problem"},
    "bulk.fix_and_reupload": {
        "pl": "Popraw te wiersze w pliku i wczytaj go ponownie. Zapis będzie możliwy, gdy "
        "żaden wiersz nie będzie miał błędu: plik zapisuje się w całości albo wcale.",
        "en": "Correct these rows in the file and upload it again. Saving becomes possible "
        "when no row has an error: a file is saved whole or not at all.",
    },
    "bulk.commit": {"pl": "Zapisz wpisy na mapie ({count})", "en": "Save the entries ({count})"},
    "bulk.saving": {"pl": "Zapisywanie…", "en": "Saving…"},
    "bulk.saved": {
        "pl": "Zapisano na mapie obszaru {area} wpisów: {count}.",
        "en": "Saved to the map of {area}: {count} entries.",
    },
    "bulk.nothing_saved": {
        "pl": "Nic nie zapisano: wiersze z błędami: {rows}. Popraw plik i spróbuj ponownie.",
        "en": "Nothing was saved: rows with errors: {rows}. Correct the file and try again.",
    },
    "bulk.too_big": {
        "pl": "Plik jest za duży (więcej niż {megabytes} MB). Podziel go na mniejsze części.",
        "en": "The file is too big (over {megabytes} MB). Split it into smaller parts.",
    },
    "bulk.too_many_rows": {
        "pl": "Plik ma więcej niż {limit} wierszy. Podziel go na mniejsze części.",
        "en": "The file has more than {limit} rows. Split it into smaller parts.",
    },
    "bulk.empty_file": {"pl": "Plik jest pusty.", "en": "The file is empty."},
    "bulk.no_rows": {
        "pl": "Plik ma tylko nagłówki kolumn, bez żadnego wiersza z danymi.",
        "en": "The file has column headings but no data rows.",
    },
    "bulk.unsupported_format": {
        "pl": "Ten format nie jest obsługiwany. Zapisz plik w Excelu jako „Skoroszyt programu "
        "Excel (.xlsx)” albo „CSV (rozdzielany przecinkami)”.",
        "en": "This format is not supported. Save the file from Excel as “Excel Workbook "
        "(.xlsx)” or “CSV (comma delimited)”.",
    },
    "bulk.encoding": {
        "pl": "Nie można odczytać znaków w pliku. Zapisz go jako CSV w kodowaniu UTF-8.",
        "en": "The characters in the file cannot be read. Save it as CSV in UTF-8.",
    },
    "bulk.bad_csv": {
        "pl": "Nie można odczytać pliku CSV (wiersz {row}): {message}",
        "en": "The CSV file cannot be read (row {row}): {message}",
    },
    "bulk.bad_xlsx": {
        "pl": "Nie można odczytać skoroszytu XLSX: {message}",
        "en": "The XLSX workbook cannot be read: {message}",
    },
    "bulk.missing_columns": {
        "pl": "W pliku brakuje wymaganych kolumn: {columns}. Pierwszy wiersz pliku musi "
        "zawierać nagłówki kolumn.",
        "en": "The file lacks required columns: {columns}. The first row of the file must "
        "hold the column headings.",
    },
    "bulk.duplicate_columns": {
        "pl": "Te kolumny oznaczają to samo; zostaw jedną z nich: {columns}.",
        "en": "These columns mean the same; keep one of them: {columns}.",
    },
    "bulk.bad_yes_no": {
        "pl": "Wpisz „tak” albo „nie”.",
        "en": "Type “yes” or “no”.",
    },
    "bulk.point_incomplete": {
        "pl": "Podaj obie współrzędne: szerokość i długość geograficzną.",
        "en": "Give both coordinates: latitude and longitude.",
    },
    "bulk.bad_wkt": {
        "pl": "To nie jest punkt WKT, np. POINT (18.65 54.35).",
        "en": "This is not a WKT point, e.g. POINT (18.65 54.35).",
    },
    "bulk.wkt_srid": {
        "pl": "Punkt musi być w układzie WGS 84 (EPSG:4326).",
        "en": "The point must be in WGS 84 (EPSG:4326).",
    },
    "bulk.row_refused": {
        "pl": "Baza danych odrzuciła ten wiersz.",
        "en": "The database refused this row.",
    },
    # Signing in
    "auth.title": {"pl": "Zaloguj się", "en": "Sign in"},
    "auth.username": {"pl": "Login", "en": "Username"},
    "auth.password": {"pl": "Hasło", "en": "Password"},
    "auth.sign_in": {"pl": "Zaloguj", "en": "Sign in"},
    "auth.sign_in_oidc": {
        "pl": "Zaloguj przez konto miejskie",
        "en": "Sign in with the city account",
    },
    "auth.wrong_password": {
        "pl": "Nieprawidłowy login lub hasło (albo konto jest wyłączone).",
        "en": "Wrong username or password (or the account is disabled).",
    },
    "auth.timed_out": {
        "pl": "Wylogowano po okresie bezczynności. Zaloguj się ponownie.",
        "en": "You were signed out after a period of inactivity. Please sign in again.",
    },
    "auth.account_unknown": {
        "pl": "To konto nie istnieje w aplikacji albo jest wyłączone. Poproś administratora "
        "o dostęp.",
        "en": "This account does not exist in the app or is disabled. Ask an administrator "
        "for access.",
    },
    "auth.no_login_mode": {
        "pl": "Tryb jednego użytkownika bez logowania (CALMAP_AUTH=none): każdy, kto otworzy "
        "tę stronę, jest administratorem.",
        "en": "Single-user mode without login (CALMAP_AUTH=none): anyone who opens this "
        "page is an administrator.",
    },
    "auth.signed_in_as": {"pl": "Zalogowano: {name} ({role})", "en": "Signed in: {name} ({role})"},
    "auth.sign_out": {"pl": "Wyloguj", "en": "Sign out"},
    "role.admin": {"pl": "administrator", "en": "administrator"},
    "role.editor": {"pl": "edytor", "en": "editor"},
    "role.viewer": {"pl": "przeglądający", "en": "viewer"},
    # Accounts
    "account.bad_username": {
        "pl": "Login: 2–64 znaki: małe litery, cyfry, kropka, minus, podkreślenie lub @.",
        "en": "Username: 2–64 characters: lowercase letters, digits, dot, dash, underscore or @.",
    },
    "account.bad_role": {
        "pl": "Rola musi być jedną z: {roles}.",
        "en": "The role must be one of: {roles}.",
    },
    "account.short_password": {
        "pl": "Hasło musi mieć co najmniej {n} znaków.",
        "en": "The password must have at least {n} characters.",
    },
    "account.exists": {
        "pl": "Konto {username} już istnieje.",
        "en": "The account {username} already exists.",
    },
    "account.unknown_team": {
        "pl": "Nie ma zespołu o kodzie {team}.",
        "en": "There is no team with the code {team}.",
    },
    "account.unknown": {
        "pl": "Nie ma aktywnego konta {username}.",
        "en": "There is no active account {username}.",
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
