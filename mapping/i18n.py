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
    # The June deck (mapping/reports/deck.py); the offline map reuses some of them
    "deck.kicker": {"pl": "Mapa zasobów i potrzeb", "en": "Resource and needs map"},
    "deck.snapshot": {"pl": "Zestawienie", "en": "Snapshot"},
    "deck.map_title": {"pl": "Mapa zasobów i potrzeb", "en": "Resource and needs map"},
    "deck.map_elsewhere": {
        "pl": "Mapa tego obszaru jest na plakacie i w pliku HTML z mapą interaktywną. "
        "Obok: legenda z liczbą wpisów w każdej kategorii.",
        "en": "The map of this area is on the poster and in the interactive HTML map. "
        "Beside: the legend with the number of entries in each category.",
    },
    "deck.legend_title": {"pl": "Legenda", "en": "Legend"},
    "deck.legend_next": {
        "pl": "Kategorie z liczbą wpisów: na następnym slajdzie.",
        "en": "Categories with their counts: on the next slide.",
    },
    "deck.table_title": {"pl": "{layer} ({count})", "en": "{layer} ({count})"},
    "deck.part": {
        "pl": "{title}, część {page} z {pages}",
        "en": "{title}, part {page} of {pages}",
    },
    "deck.col_name": {"pl": "Nazwa", "en": "Name"},
    "deck.col_place": {"pl": "Miejsce", "en": "Where"},
    "deck.whole_area": {"pl": "cały obszar", "en": "the whole area"},
    "deck.no_entries": {
        "pl": "Brak wpisów w tym zestawieniu.",
        "en": "No entries in this snapshot.",
    },
    "deck.and_more": {"pl": "i jeszcze {count}", "en": "and {count} more"},
    "deck.more_rows": {
        "pl": "…i jeszcze {count} (wszystkie są na mapie HTML)",
        "en": "…and {count} more (all of them are on the HTML map)",
    },
    "deck.changes": {"pl": "Zmiany", "en": "Changes"},
    "deck.changes_since": {"pl": "Zmiany od: {since}", "en": "Changes since {since}"},
    "deck.no_compare": {
        "pl": "Brak wcześniejszego zestawienia do porównania: to pierwsze zestawienie tej mapy.",
        "en": "There is no earlier snapshot to compare with: this is the map's first snapshot.",
    },
    "deck.col_change": {"pl": "Zmiana", "en": "Change"},
    "deck.col_count": {"pl": "Liczba", "en": "Count"},
    "deck.col_names": {"pl": "Nazwy", "en": "Names"},
    "deck.partnerships": {"pl": "Partnerstwa", "en": "Partnerships"},
    "deck.no_partnerships": {
        "pl": "Na tym obszarze nie działa jeszcze żadne partnerstwo lokalne.",
        "en": "No local partnership works in this area yet.",
    },
    "deck.partnership": {"pl": "Partnerstwo: {name}", "en": "Partnership: {name}"},
    "deck.partnership_summary": {
        "pl": "Zawiązane: {formed} · członków: {count}",
        "en": "Formed on: {formed} · members: {count}",
    },
    "deck.col_member": {"pl": "Członek", "en": "Member"},
    "deck.col_role": {"pl": "Rola", "en": "Role"},
    "deck.col_joined": {"pl": "Dołączył(a)", "en": "Joined on"},
    "deck.highlights": {"pl": "Wyniki ankiet", "en": "Survey highlights"},
    "deck.notes": {"pl": "Uwagi i źródła", "en": "Notes and sources"},
    "deck.left_out": {"pl": "Czego nie pokazano:", "en": "What was left out:"},
    "deck.nothing_left_out": {
        "pl": "Pokazano wszystkie wpisy publiczne i partnerskie.",
        "en": "Every public and partnership entry is shown.",
    },
    "deck.sources": {"pl": "Źródła danych", "en": "Data sources"},
    "deck.online": {"pl": "Mapa w internecie", "en": "The map online"},
    # The offline HTML map of the June pack (mapping/reports/offline_html.py)
    "offline.no_changes": {"pl": "bez zmian", "en": "no changes"},
    "offline.sources": {"pl": "Źródła", "en": "Sources"},
    # Area kinds
    "kind.city": {"pl": "miasto", "en": "city"},
    "kind.district": {"pl": "dzielnica", "en": "district"},
    "kind.estate": {"pl": "osiedle", "en": "estate"},
    # Visibility levels
    "visibility.public": {"pl": "publiczny", "en": "public"},
    "visibility.partnership": {"pl": "dla partnerstwa", "en": "partnership"},
    "visibility.team": {"pl": "tylko zespół", "en": "team only"},
    # Resident surveys (pages/surveys.py, surveys/)
    "nav.surveys": {"pl": "Ankiety mieszkańców", "en": "Resident surveys"},
    "survey.heading": {"pl": "Ankiety mieszkańców: {place}", "en": "Resident surveys: {place}"},
    "survey.no_team": {
        "pl": "Nie należysz do żadnego zespołu: ankiety należą do zespołów.",
        "en": "You belong to no team: surveys belong to teams.",
    },
    "survey.tab_import": {"pl": "Wczytaj odpowiedzi", "en": "Import answers"},
    "survey.tab_results": {"pl": "Wyniki i potrzeby", "en": "Results and needs"},
    "survey.tab_delete": {"pl": "Usuń falę", "en": "Delete a wave"},
    "survey.import_intro": {
        "pl": "Wczytaj odpowiedzi z KoboToolbox, ODK Central, LimeSurvey, Formularzy Google "
        "albo arkusza przepisanego z ankiet papierowych (CSV lub XLSX). Każdy respondent trafia "
        "do obszaru według odpowiedzi o osiedlu albo punktu na mapie. Zapisywane są tylko "
        "odpowiedzi na pytania przypisane do katalogu, bez danych osobowych i bez dokładnych "
        "punktów. Plik zapisuje się w całości albo wcale.",
        "en": "Import answers from KoboToolbox, ODK Central, LimeSurvey, Google Forms or a "
        "sheet typed in from paper questionnaires (CSV or XLSX). Each respondent is placed in "
        "an area by the estate answer or by the point on the map. Only the answers to questions "
        "mapped to the catalogue are kept, without personal data and without exact points. A "
        "file is imported whole or not at all.",
    },
    "survey.templates": {"pl": "Wzory ankiet (XLSForm)", "en": "Questionnaire templates (XLSForm)"},
    "survey.templates_note": {
        "pl": "Wczytaj wzór do KoboToolbox lub ODK Central. Lista osiedli pochodzi z wybranego "
        "miasta. Kolumna calmap_category przypisuje odpowiedzi do kategorii mapy.",
        "en": "Upload a template to KoboToolbox or ODK Central. The estate list comes from the "
        "chosen city. The calmap_category column maps answers to the map's categories.",
    },
    "survey_template.estate": {
        "pl": "Pobierz ankietę mieszkańców osiedla",
        "en": "Download the estate residents' questionnaire",
    },
    "survey_template.seniors": {
        "pl": "Pobierz ankietę dla seniorów",
        "en": "Download the seniors' questionnaire",
    },
    "survey.team": {"pl": "Zespół prowadzący badanie", "en": "Team running the survey"},
    "survey.form_source": {"pl": "Kwestionariusz", "en": "Questionnaire"},
    "survey_form.estate": {
        "pl": "ankieta osiedlowa (wzór)",
        "en": "estate questionnaire (template)",
    },
    "survey_form.seniors": {
        "pl": "ankieta dla seniorów (wzór)",
        "en": "seniors' questionnaire (template)",
    },
    "survey_form.upload": {"pl": "własny plik XLSForm", "en": "my own XLSForm file"},
    "survey.form_upload": {"pl": "Plik XLSForm (.xlsx, .xls)", "en": "XLSForm file (.xlsx, .xls)"},
    "survey.form_version": {
        "pl": "Wersja formularza (rok badania)",
        "en": "Form version (survey year)",
    },
    "survey.form_summary": {
        "pl": "{title} ({form}, wersja {version}): pytań przypisanych do katalogu: {questions}, "
        "kategorii: {categories}.",
        "en": "{title} ({form}, version {version}): questions mapped to the catalogue: "
        "{questions}, categories: {categories}.",
    },
    "survey.wave_name": {"pl": "Fala (nazwa badania)", "en": "Wave (name of the round)"},
    "survey.collected_from": {"pl": "Zbieranie od", "en": "Collected from"},
    "survey.collected_to": {"pl": "Zbieranie do", "en": "Collected until"},
    "survey.answers_upload": {
        "pl": "Plik z odpowiedziami (CSV lub XLSX)",
        "en": "Answers file (CSV or XLSX)",
    },
    "survey.read_xlsx": {
        "pl": "Skoroszyt XLSX {filename} (pierwszy arkusz): wierszy z odpowiedziami: {rows}.",
        "en": "XLSX workbook {filename} (first sheet): rows of answers: {rows}.",
    },
    "survey.detected_source": {
        "pl": "Rozpoznany format: {source}.",
        "en": "Format found: {source}.",
    },
    "survey_source.kobo": {"pl": "eksport KoboToolbox", "en": "KoboToolbox export"},
    "survey_source.odk_central": {"pl": "eksport ODK Central", "en": "ODK Central export"},
    "survey_source.limesurvey": {"pl": "eksport LimeSurvey", "en": "LimeSurvey export"},
    "survey_source.google_forms": {"pl": "Formularze Google", "en": "Google Forms"},
    "survey_source.paper": {
        "pl": "arkusz z ankiet papierowych",
        "en": "sheet from paper questionnaires",
    },
    "survey.mapping_heading": {
        "pl": "Które kolumny odpowiadają na które pytania",
        "en": "Which columns answer which questions",
    },
    "survey.col_question": {"pl": "Pytanie", "en": "Question"},
    "survey.col_columns": {"pl": "Kolumny w pliku", "en": "Columns in the file"},
    "survey.field_id": {"pl": "identyfikator zgłoszenia", "en": "submission id"},
    "survey.field_point": {"pl": "punkt na mapie", "en": "point on the map"},
    "survey.change_mapping": {"pl": "Zmień przypisanie kolumn", "en": "Change the column mapping"},
    "survey.apply_mapping": {"pl": "Zastosuj", "en": "Apply"},
    "survey.personal_columns": {
        "pl": "Kolumny z danymi osobowymi zostaną pominięte i nigdzie nie zapisane: {columns}",
        "en": "Columns with personal data are left out and stored nowhere: {columns}",
    },
    "survey.summary": {
        "pl": "Odpowiedzi gotowe do zapisu: {ready} z {total} (według osiedla: {estate}, "
        "według punktu: {point}; obszarów: {areas}).",
        "en": "Answers ready to import: {ready} of {total} (by estate: {estate}, by point: "
        "{point}; areas: {areas}).",
    },
    "survey.fix_and_reupload": {
        "pl": "Popraw te wiersze w pliku i wczytaj go ponownie: plik zapisuje się w całości "
        "albo wcale.",
        "en": "Correct these rows in the file and upload it again: a file is imported whole "
        "or not at all.",
    },
    "survey.import": {"pl": "Zapisz odpowiedzi ({count})", "en": "Import the answers ({count})"},
    "survey.importing": {"pl": "Zapisywanie odpowiedzi…", "en": "Importing the answers…"},
    "survey.imported": {
        "pl": "Zapisano odpowiedzi: {count} (fala {wave}).",
        "en": "Answers imported: {count} (wave {wave}).",
    },
    "survey.no_waves": {
        "pl": "Twoje zespoły nie mają jeszcze żadnej fali ankiet.",
        "en": "Your teams have no survey wave yet.",
    },
    "survey.wave": {"pl": "Fala", "en": "Wave"},
    "survey.thresholds_note": {
        "pl": "Ochrona danych: liczby od 1 do {default} (od 1 do {sensitive} dla zdrowia, "
        "uzależnień i przemocy) są ukryte, podobnie jak liczby, z których dałoby się je "
        "odtworzyć. Ukryte pola oznaczono „{mark}”.",
        "en": "Data protection: counts from 1 to {default} (1 to {sensitive} for health, "
        "addiction and violence) are hidden, as are the numbers they could be worked out "
        "from. Hidden cells are marked “{mark}”.",
    },
    "survey.compared_with": {
        "pl": "Zmiana względem fali {wave}.",
        "en": "Change against wave {wave}.",
    },
    "survey.map_category": {"pl": "Kategoria na mapie", "en": "Category on the map"},
    "survey.map_heading": {
        "pl": "Odsetek respondentów wskazujących: {category}",
        "en": "Share of respondents naming: {category}",
    },
    "survey.share_of": {
        "pl": "{share}% ({count} z {respondents})",
        "en": "{share}% ({count} of {respondents})",
    },
    "survey.suppressed_note": {"pl": "ukryte (ochrona danych)", "en": "hidden (data protection)"},
    "survey.legend_share": {"pl": "odsetek respondentów", "en": "share of respondents"},
    "survey.legend_suppressed": {"pl": "ukryte", "en": "hidden"},
    "survey.chart_area": {"pl": "Obszar na wykresie", "en": "Area in the chart"},
    "survey.chart_hidden": {
        "pl": "Kategorie ukryte dla ochrony danych (nie ma ich na wykresie): {count}.",
        "en": "Categories hidden for data protection (not in the chart): {count}.",
    },
    "survey.table_heading": {"pl": "Wskaźniki", "en": "Indicators"},
    "survey.col_area": {"pl": "Obszar", "en": "Area"},
    "survey.col_category": {"pl": "Kategoria", "en": "Category"},
    "survey.col_respondents": {"pl": "Respondenci", "en": "Respondents"},
    "survey.col_count": {"pl": "Wskazania", "en": "Named by"},
    "survey.col_share": {"pl": "Odsetek (%)", "en": "Share (%)"},
    "survey.col_rank": {"pl": "Miejsce", "en": "Rank"},
    "survey.col_change": {"pl": "Zmiana (pp)", "en": "Change (pp)"},
    "survey.download_csv": {"pl": "Pobierz wskaźniki (CSV)", "en": "Download the indicators (CSV)"},
    "survey.all_areas": {"pl": "Wszystkie obszary", "en": "All areas"},
    "survey.publish_heading": {"pl": "Opublikuj jako potrzeby", "en": "Publish as needs"},
    "survey.publish_note": {
        "pl": "Wybrane wskaźniki staną się potrzebami całego obszaru na mapie, ze źródłem "
        "„ankieta”, uzasadnieniem (odsetek i liczba respondentów) i odnośnikiem do fali "
        "i wersji formularza. Można publikować tylko wskaźniki widoczne po ochronie danych.",
        "en": "The chosen indicators become needs of the whole area on the map, with source "
        "“survey”, evidence (share and number of respondents) and a link to the wave and the "
        "form version. Only indicators shown after data protection can be published.",
    },
    "survey.publish_choose": {"pl": "Wskaźniki do opublikowania", "en": "Indicators to publish"},
    "survey.publish": {"pl": "Opublikuj potrzeby ({count})", "en": "Publish the needs ({count})"},
    "survey.published": {
        "pl": "Opublikowano potrzeby: {count}.",
        "en": "Needs published: {count}.",
    },
    "survey.delete_intro": {
        "pl": "Usunięcie fali usuwa wszystkie jej odpowiedzi i klucz pseudonimizacji. "
        "Potrzeby opublikowane z tej fali zostają na mapie ze swoim uzasadnieniem.",
        "en": "Deleting a wave deletes all its answers and its pseudonymisation key. Needs "
        "published from the wave stay on the map with their evidence.",
    },
    "survey.delete_confirm": {
        "pl": "Rozumiem, że odpowiedzi tej fali zostaną usunięte bezpowrotnie.",
        "en": "I understand that this wave's answers will be deleted for good.",
    },
    "survey.delete": {"pl": "Usuń falę", "en": "Delete the wave"},
    "survey.deleted": {
        "pl": "Usunięto falę {wave} i jej odpowiedzi: {count}.",
        "en": "Deleted wave {wave} and its answers: {count}.",
    },
    # Survey errors (surveys/)
    "survey.form_not_xlsform": {
        "pl": "{filename} nie jest plikiem XLSForm (.xlsx lub .xls).",
        "en": "{filename} is not an XLSForm file (.xlsx or .xls).",
    },
    "survey.bad_form": {
        "pl": "pyxform odrzuca formularz {filename}: {message}",
        "en": "pyxform rejects the form {filename}: {message}",
    },
    "survey.bad_mapping": {
        "pl": "W kolumnie calmap_category wpisz warstwę i kod, np. need:meeting_place. "
        "Niezrozumiałe: {values}",
        "en": "In the calmap_category column write a layer and a code, e.g. need:meeting_place. "
        "Not understood: {values}",
    },
    "survey.form_no_version": {
        "pl": "Formularz {form} nie ma wersji: wpisz ją w arkuszu settings (kolumna version, "
        "np. 2026), osobną dla każdej fali.",
        "en": "The form {form} has no version: add one on the settings sheet (column version, "
        "e.g. 2026), one per wave.",
    },
    "survey.form_no_mapping": {
        "pl": "Formularz {form} nie przypisuje żadnej odpowiedzi do katalogu: dodaj w arkuszu "
        "choices kolumnę calmap_category (np. need:meeting_place).",
        "en": "The form {form} maps no answer to the catalogue: add a calmap_category column "
        "on the choices sheet (e.g. need:meeting_place).",
    },
    "survey.form_no_area": {
        "pl": "Formularz {form} nie pozwala przypisać respondenta do obszaru: potrzebne jest "
        "pytanie o osiedle (kolumna calmap_area w arkuszu choices) albo punkt (geopoint).",
        "en": "The form {form} cannot place a respondent in an area: it needs an estate "
        "question (a calmap_area column on the choices sheet) or a point (geopoint).",
    },
    "survey.form_changed": {
        "pl": "Formularz {form} w wersji {version} jest już zapisany i różni się od tego pliku. "
        "Zmieniony formularz potrzebuje nowej wersji.",
        "en": "The form {form} version {version} is already stored and differs from this file. "
        "A changed form needs a new version.",
    },
    "survey.unknown_categories": {
        "pl": "Tych kategorii nie ma w katalogu: {categories}.",
        "en": "These categories are not in the catalogue: {categories}.",
    },
    "survey.unknown_form": {
        "pl": "Nie ma zapisanego formularza {form}.",
        "en": "There is no stored form {form}.",
    },
    "survey.file_too_big": {
        "pl": "Plik jest za duży (ponad {megabytes} MB). Podziel go na części.",
        "en": "The file is too big (over {megabytes} MB). Split it into parts.",
    },
    "survey.empty_file": {"pl": "Plik jest pusty.", "en": "The file is empty."},
    "survey.old_excel": {
        "pl": "To stary plik Excela (.xls). Zapisz go jako .xlsx albo CSV.",
        "en": "This is an old Excel file (.xls). Save it as .xlsx or CSV.",
    },
    "survey.no_answers": {
        "pl": "Plik nie ma wierszy z odpowiedziami pod nagłówkiem.",
        "en": "The file has no rows of answers below the heading.",
    },
    "survey.too_many_rows": {
        "pl": "Plik ma więcej niż {limit} wierszy. Podziel go na części.",
        "en": "The file has more than {limit} rows. Split it into parts.",
    },
    "survey.encoding": {
        "pl": "Nie można odczytać znaków pliku: zapisz go jako CSV UTF-8.",
        "en": "The file's characters cannot be read: save it as CSV UTF-8.",
    },
    "survey.bad_csv": {
        "pl": "Plik CSV jest uszkodzony w wierszu {row}: to nie jest poprawny wiersz tabeli.",
        "en": "The CSV file is broken at row {row}: it is not a valid row of a table.",
    },
    "survey.truncated": {
        "pl": "Plik CSV kończy się w środku cudzysłowu otwartego w wierszu {row}: został ucięty "
        "przy pobieraniu albo brakuje cudzysłowu zamykającego. Pobierz eksport jeszcze raz.",
        "en": "The CSV file ends inside a quotation mark opened in row {row}: it was cut short "
        "while downloading, or a closing quotation mark is missing. Download the export again.",
    },
    "survey.cell_too_long": {
        "pl": "Komórka w wierszu {row} jest za długa (ponad 131 072 znaki): zapewne brakuje "
        "w pliku cudzysłowu zamykającego.",
        "en": "A cell in row {row} is too long (over 131,072 characters): a closing quotation "
        "mark is probably missing.",
    },
    "survey.html": {
        "pl": "To strona internetowa (HTML), a nie eksport odpowiedzi: zapewne pobrano stronę "
        "logowania lub błędu. Pobierz eksport jeszcze raz.",
        "en": "This is a web page (HTML), not an export of answers: a login or error page was "
        "probably downloaded. Download the export again.",
    },
    "survey.not_xlsx": {
        "pl": "Plik ma rozszerzenie .xlsx, ale nie jest skoroszytem Excela. Otwórz go i zapisz "
        "ponownie jako .xlsx albo CSV.",
        "en": "The file is named .xlsx but is not an Excel workbook. Open it and save it again "
        "as .xlsx or CSV.",
    },
    "survey.bad_xlsx": {
        "pl": "Nie można odczytać skoroszytu XLSX: jest uszkodzony albo niepełny. Otwórz go "
        "w Excelu i zapisz ponownie albo pobierz eksport jeszcze raz.",
        "en": "The XLSX workbook cannot be read: it is damaged or incomplete. Open it in Excel "
        "and save it again, or download the export again.",
    },
    "survey.xlsx_bomb": {
        "pl": "Skoroszyt XLSX rozpakowuje się do ponad 500 MB albo nienaturalnie mocno (tzw. "
        "bomba ZIP): nie otwieramy go. Zapisz odpowiedzi jako CSV.",
        "en": "The XLSX workbook unpacks to over 500 MB, or unnaturally much (a zip bomb): it is "
        "not opened. Save the answers as CSV.",
    },
    "survey.unknown_column": {
        "pl": "W pliku nie ma kolumny {column} (wybranej dla pytania {question}).",
        "en": "The file has no column {column} (chosen for the question {question}).",
    },
    "survey.missing_columns": {
        "pl": "W pliku brakuje kolumn z odpowiedziami na pytania: {questions}. Wybierz je "
        "w przypisaniu kolumn albo popraw nagłówki.",
        "en": "The file has no columns answering the questions: {questions}. Choose them in "
        "the column mapping or correct the headings.",
    },
    "survey.not_a_choice": {
        "pl": "Tej odpowiedzi nie ma wśród odpowiedzi formularza.",
        "en": "This answer is not among the form's choices.",
    },
    "survey.not_yes_no": {
        "pl": "Spodziewano się zaznaczenia (1, 0, tak, nie, x, Y).",
        "en": "Expected a tick (1, 0, yes, no, x, Y).",
    },
    "survey.one_choice_only": {
        "pl": "W pytaniu jednokrotnego wyboru zaznaczono kilka odpowiedzi.",
        "en": "Several answers are ticked in a single-choice question.",
    },
    "survey.bad_point": {
        "pl": "To nie jest punkt (szerokość i długość geograficzna).",
        "en": "This is not a point (latitude and longitude).",
    },
    "survey.other_version": {
        "pl": "Ta odpowiedź pochodzi z innej wersji formularza (oczekiwano {expected}).",
        "en": "This answer comes from another form version ({expected} expected).",
    },
    "survey.duplicate_in_file": {
        "pl": "To samo zgłoszenie jest już w wierszu {first}.",
        "en": "The same submission is already in row {first}.",
    },
    "survey.already_imported": {
        "pl": "To zgłoszenie jest już zapisane w fali {wave}.",
        "en": "This submission is already stored in wave {wave}.",
    },
    "survey.unknown_area": {
        "pl": "Osiedla {area} nie ma na mapie miasta {city}.",
        "en": "The estate {area} is not on the map of {city}.",
    },
    "survey.no_place": {
        "pl": "Brak osiedla i punktu: nie wiadomo, do którego obszaru przypisać respondenta.",
        "en": "No estate and no point: the respondent cannot be placed in an area.",
    },
    "survey.point_outside": {
        "pl": "Punkt leży poza wszystkimi obszarami miasta {city}.",
        "en": "The point lies outside every area of {city}.",
    },
    "survey.nothing_imported": {
        "pl": "Nic nie zapisano: wierszy z błędami: {rows}. Popraw plik i spróbuj ponownie.",
        "en": "Nothing was imported: rows with errors: {rows}. Correct the file and try again.",
    },
    "survey.imported_meanwhile": {
        "pl": "W międzyczasie ktoś zapisał te same zgłoszenia w fali {wave}. Nic nie zapisano.",
        "en": "Someone imported the same submissions into wave {wave} meanwhile. Nothing was "
        "imported.",
    },
    "survey.bad_wave_name": {
        "pl": "Nazwa fali musi mieć od 1 do 100 znaków.",
        "en": "A wave's name must have 1 to 100 characters.",
    },
    "survey.bad_dates": {
        "pl": "Koniec zbierania odpowiedzi jest przed jego początkiem.",
        "en": "Collection ends before it starts.",
    },
    "survey.wave_exists": {
        "pl": "Fala {wave} już istnieje.",
        "en": "The wave {wave} already exists.",
    },
    "survey.unknown_wave": {
        "pl": "Nie ma fali {wave} (albo nie masz do niej dostępu).",
        "en": "There is no wave {wave} (or you may not see it).",
    },
    "survey.ambiguous_wave": {
        "pl": "Kilka zespołów ma falę {wave}: podaj zespół (--team).",
        "en": "Several teams have a wave {wave}: give the team (--team).",
    },
    "survey.team_needed": {
        "pl": "Fala {wave} jeszcze nie istnieje: podaj zespół, do którego należy (--team).",
        "en": "The wave {wave} does not exist yet: give the team it belongs to (--team).",
    },
    "survey.wave_other_form": {
        "pl": "Fala {wave} zbiera odpowiedzi innego formularza (albo innej wersji).",
        "en": "The wave {wave} collects answers to another form (or another version).",
    },
    "survey.no_estates": {
        "pl": "Miasto {city} nie ma na mapie żadnych osiedli.",
        "en": "The city {city} has no estates on the map.",
    },
    "survey.area_not_in_wave": {
        "pl": "Obszaru {area} nie ma wśród wyników tej fali.",
        "en": "The area {area} is not among this wave's results.",
    },
    "survey.not_an_indicator": {
        "pl": "Ta fala nie ma wskaźnika {category}.",
        "en": "This wave has no indicator {category}.",
    },
    "survey.not_publishable": {
        "pl": "Wskaźnika „{category}” w obszarze {area} nie można opublikować: jest ukryty dla "
        "ochrony danych, równy zeru albo nie jest potrzebą.",
        "en": "The indicator “{category}” in {area} cannot be published: it is hidden for data "
        "protection, zero, or not a need.",
    },
    "survey.already_published": {
        "pl": "Potrzeba „{category}” w obszarze {area} została już opublikowana z tej fali.",
        "en": "The need “{category}” in {area} was already published from this wave.",
    },
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
    # Errors of editing services (mapping.services.pins, mapping.services.validation)
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
    # Import from a file (pages/bulk_import.py, mapping/io/bulk.py)
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
        "pl": "Nie można odczytać pliku CSV: wiersz {row} nie jest poprawnym wierszem tabeli.",
        "en": "The CSV file cannot be read: row {row} is not a valid row of a table.",
    },
    "bulk.truncated": {
        "pl": "Plik CSV kończy się w środku cudzysłowu otwartego w wierszu {row}: został ucięty "
        "przy pobieraniu lub kopiowaniu albo brakuje cudzysłowu zamykającego.",
        "en": "The CSV file ends inside a quotation mark opened in row {row}: it was cut short "
        "while downloading or copying, or a closing quotation mark is missing.",
    },
    "bulk.cell_too_long": {
        "pl": "Komórka w wierszu {row} jest za długa (ponad 131 072 znaki): zapewne brakuje "
        "w pliku cudzysłowu zamykającego.",
        "en": "A cell in row {row} is too long (over 131,072 characters): a closing quotation "
        "mark is probably missing.",
    },
    "bulk.html": {
        "pl": "To strona internetowa (HTML), a nie tabela: zapewne zamiast pliku pobrano stronę "
        "logowania lub błędu. Pobierz plik jeszcze raz.",
        "en": "This is a web page (HTML), not a table: a login or error page was probably "
        "downloaded instead of the file. Download the file again.",
    },
    "bulk.not_xlsx": {
        "pl": "Plik ma rozszerzenie .xlsx, ale nie jest skoroszytem Excela. Otwórz go i zapisz "
        "ponownie jako „Skoroszyt programu Excel (.xlsx)” albo CSV.",
        "en": "The file is named .xlsx but is not an Excel workbook. Open it and save it again "
        "as “Excel Workbook (.xlsx)” or CSV.",
    },
    "bulk.bad_xlsx": {
        "pl": "Nie można odczytać skoroszytu XLSX: jest uszkodzony albo niepełny. Otwórz go "
        "w Excelu i zapisz ponownie.",
        "en": "The XLSX workbook cannot be read: it is damaged or incomplete. Open it in Excel "
        "and save it again.",
    },
    "bulk.xlsx_bomb": {
        "pl": "Skoroszyt XLSX rozpakowuje się do ponad 500 MB albo nienaturalnie mocno (tzw. "
        "bomba ZIP): nie otwieramy go. Zapisz arkusz jako CSV.",
        "en": "The XLSX workbook unpacks to over 500 MB, or unnaturally much (a zip bomb): it is "
        "not opened. Save the sheet as CSV.",
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
    # Export, teams, partnerships and areas (mapping/io/export.py, teams.py, partnerships.py,
    # areas.py)
    "export.bad_date": {
        "pl": "Nie rozumiem daty „{value}”. Podaj ją jako RRRR-MM-DD, np. 2026-06-01.",
        "en": "Cannot read the date “{value}”. Give it as YYYY-MM-DD, e.g. 2026-06-01.",
    },
    "export.unknown_area": {
        "pl": "Nie ma takiego obszaru (albo był już wtedy wycofany).",
        "en": "There is no such area (or it was retired by then).",
    },
    # The June map pack (mapping/reports/build.py, pack.py).
    "june.unknown_team": {
        "pl": "Nie ma zespołu „{team}”. Zespoły: {known}.",
        "en": "There is no team '{team}'. Teams: {known}.",
    },
    "june.unknown_area": {
        "pl": "Nie ma obszaru „{area}” (podaj nazwę albo numer obszaru).",
        "en": "There is no area '{area}' (give an area's name or number).",
    },
    "june.ambiguous_area": {
        "pl": "Obszarów o nazwie „{area}” jest kilka; podaj numer jednego z nich: {ids}.",
        "en": "Several areas are called '{area}'; give the number of one of them: {ids}.",
    },
    "june.unknown_city": {
        "pl": "Nie ma miasta „{city}”. Miasta: {known}.",
        "en": "There is no city '{city}'. Cities: {known}.",
    },
    "june.compare_not_earlier": {
        "pl": "Migawka do porównania („{compare}”) musi być wcześniejsza niż „{snapshot}”.",
        "en": "The snapshot to compare with ('{compare}') must be earlier than '{snapshot}'.",
    },
    "june.step_read": {
        "pl": "Odczyt warstw na dzień migawki „{name}”…",
        "en": "Reading the layers as of snapshot '{name}'…",
    },
    "june.step_render": {
        "pl": "Gotowe mapy: {done} z {total} ({name})",
        "en": "Maps done: {done} of {total} ({name})",
    },
    "june.note_team_only": {
        "pl": "Pinezki widoczne tylko dla zespołu nigdy nie trafiają do pakietu.",
        "en": "Pins visible to the team only are never put in the pack.",
    },
    "june.note_no_compare": {
        "pl": "Nie wybrano migawki do porównania: pakiet nie pokazuje zmian.",
        "en": "No snapshot to compare with was chosen: the pack shows no changes.",
    },
    "june.note_empty": {
        "pl": "„{name}”: na ten dzień brak zasobów, partnerów i potrzeb do pokazania.",
        "en": "'{name}': no resources, partners or needs to show at this date.",
    },
    "june.note_nothing": {
        "pl": "Wybór nie obejmuje żadnego obszaru ani zespołu; pakiet zawiera tylko przegląd.",
        "en": "The choice covers no area or team; the pack holds the overview only.",
    },
    "june.note_failed": {
        "pl": "Nie udało się przygotować „{file}”: {error}",
        "en": "Could not make '{file}': {error}",
    },
    "june.all_cities": {"pl": "Wszystkie miasta", "en": "All cities"},
    "poster.areas": {"pl": "Obszary: {names}", "en": "Areas: {names}"},
    "nav.june": {"pl": "Pakiet czerwcowy", "en": "June map pack"},
    "june.heading": {"pl": "Pakiet map na czerwcową prezentację",
                     "en": "The map pack for the June presentation"},
    "june.intro": {
        "pl": "Plakat PDF, prezentacja PowerPoint i mapa HTML działająca bez internetu dla "
              "każdego obszaru i zespołu, z przeglądem miasta i dowodami zmian od poprzedniej "
              "migawki.",
        "en": "A PDF poster, a PowerPoint deck and an HTML map that works offline for every "
              "area and team, with a city overview and the evidence of change since the "
              "previous snapshot.",
    },
    "june.no_snapshots": {
        "pl": "Nie ma jeszcze żadnej migawki. Zapisz ją na stronie „Migawki” (np. „Czerwiec "
              "2026”), a potem wróć tutaj.",
        "en": "There is no snapshot yet. Save one on the Snapshots page (e.g. 'June 2026'), "
              "then come back here.",
    },
    "june.snapshot": {"pl": "Migawka", "en": "Snapshot"},
    "june.compare": {"pl": "Porównaj z (dowody zmian)", "en": "Compare with (evidence of change)"},
    "june.no_compare": {"pl": "bez porównania", "en": "no comparison"},
    "june.scope": {"pl": "Zakres", "en": "Scope"},
    "june.scope_city": {"pl": "Całe miasto (wszystkie obszary i zespoły)",
                        "en": "The whole city (every area and team)"},
    "june.scope_team": {"pl": "Zespół: {place}", "en": "Team: {place}"},
    "june.scope_area": {"pl": "Obszar: {place}", "en": "Area: {place}"},
    "june.formats": {"pl": "Formaty", "en": "Formats"},
    "june.format_pdf": {"pl": "plakat PDF", "en": "PDF poster"},
    "june.format_pptx": {"pl": "prezentacja PPTX", "en": "PPTX deck"},
    "june.format_html": {"pl": "mapa HTML bez internetu", "en": "offline HTML map"},
    "june.paper": {"pl": "Format plakatu", "en": "Poster paper"},
    "june.audience": {
        "pl": "Pakiet pokazuje tylko pinezki publiczne i partnerskie, nigdy te widoczne tylko "
              "dla zespołu.",
        "en": "The pack shows public and partnership pins only, never team-only ones.",
    },
    "june.prepare": {"pl": "Przygotuj pakiet", "en": "Prepare the pack"},
    "june.done": {"pl": "Pakiet gotowy.", "en": "The pack is ready."},
    "june.failed": {
        "pl": "Nie udało się przygotować pakietu.",
        "en": "The pack could not be made.",
    },
    "june.download": {"pl": "Pobierz {name}", "en": "Download {name}"},
    "june.preview": {"pl": "Podgląd pierwszego plakatu", "en": "Preview of the first poster"},
    "overview.title": {
        "pl": "Przegląd: {city} – mapy zasobów i potrzeb zespołów",
        "en": "Overview: {city} – the teams' resource-and-needs maps",
    },
    "overview.subtitle": {"pl": "Migawka „{name}” ({date})", "en": "Snapshot '{name}' ({date})"},
    "overview.compared": {
        "pl": "zmiany względem „{name}” ({date})",
        "en": "changes since '{name}' ({date})",
    },
    "overview.teams": {"pl": "Zespoły", "en": "Teams"},
    "overview.areas": {"pl": "Obszary", "en": "Areas"},
    "overview.total": {"pl": "Razem: {name}", "en": "Total: {name}"},
    "overview.col_name": {"pl": "Nazwa", "en": "Name"},
    "overview.col_areas": {"pl": "Obszary", "en": "Areas"},
    "overview.col_team": {"pl": "Zespół", "en": "Team"},
    "overview.col_resources": {"pl": "Zasoby", "en": "Resources"},
    "overview.col_partners": {"pl": "Partnerzy", "en": "Partners"},
    "overview.col_needs_identified": {"pl": "Potrzeby rozpoznane", "en": "Needs identified"},
    "overview.col_needs_addressed": {"pl": "Potrzeby w realizacji", "en": "Needs being addressed"},
    "overview.col_needs_met": {"pl": "Potrzeby zaspokojone", "en": "Needs met"},
    "overview.col_partnerships": {"pl": "Partnerstwa", "en": "Partnerships"},
    "overview.col_change_resources": {"pl": "Zasoby: nowe / zamknięte",
                                      "en": "Resources: new / closed"},
    "overview.col_change_partners": {"pl": "Partnerzy: nowi / odeszli",
                                     "en": "Partners: new / departed"},
    "overview.col_change_met": {"pl": "Potrzeby zaspokojone od porównania",
                                "en": "Needs met since the comparison"},
    "june.bad_formats": {
        "pl": "Nieznany format pakietu: {formats}. Dostępne: {known}.",
        "en": "Unknown pack format: {formats}. Available: {known}.",
    },
    "june.bad_paper": {
        "pl": "Nieznany format papieru: {paper}. Dostępne: {known}.",
        "en": "Unknown paper size: {paper}. Available: {known}.",
    },
    "june.index_title": {
        "pl": "Mapy zasobów i potrzeb – {name}",
        "en": "Resource-and-needs maps – {name}",
    },
    "june.readme_title": {
        "pl": "Pakiet map zasobów i potrzeb: migawka „{name}” ({date}).",
        "en": "Resource-and-needs map pack: snapshot '{name}' ({date}).",
    },
    "june.readme_compare": {
        "pl": "Zmiany względem migawki „{name}” ({date}).",
        "en": "Changes since snapshot '{name}' ({date}).",
    },
    "june.readme_counts": {
        "pl": "Map: {maps}; plików: {files}. Uwagi:",
        "en": "Maps: {maps}; files: {files}. Notes:",
    },
    "june.attribution": {
        "pl": "Granice obszarów: {sources}. Dane: MOPS, stan z dnia migawki.",
        "en": "Area boundaries: {sources}. Data: MOPS, as of the snapshot date.",
    },
    "export.unknown_format": {
        "pl": "Nieznany format {format}; dostępne: {formats}.",
        "en": "Unknown format {format}; available: {formats}.",
    },
    "export.area_name": {
        "pl": "Obszar „{name}”: pasujących obszarów jest {count}. Podaj numer (id) obszaru.",
        "en": "Area “{name}”: {count} areas match. Give the area's number (id).",
    },
    "team.admins_only": {
        "pl": "Zespołami zarządzają tylko administratorzy.",
        "en": "Only administrators manage teams.",
    },
    "team.not_found": {"pl": "Nie ma takiego zespołu.", "en": "There is no such team."},
    "team.bad_code": {
        "pl": "Kod zespołu: 1–32 znaki: litery, cyfry, kropka, minus lub podkreślenie.",
        "en": "Team code: 1–32 characters: letters, digits, dot, dash or underscore.",
    },
    "team.code_taken": {
        "pl": "Zespół o tym kodzie już istnieje.",
        "en": "A team with this code already exists.",
    },
    "partnership.not_your_team": {
        "pl": "Partnerstwa mogą zmieniać administratorzy i edytorzy zespołu, do którego "
        "należy partnerstwo.",
        "en": "Partnerships are changed by administrators and by editors of the team the "
        "partnership belongs to.",
    },
    "partnership.bad_date": {
        "pl": "To nie jest data (RRRR-MM-DD).",
        "en": "This is not a date (YYYY-MM-DD).",
    },
    "partnership.not_found": {
        "pl": "Nie ma takiego partnerstwa.",
        "en": "There is no such partnership.",
    },
    "partnership.member_not_found": {
        "pl": "Nie ma takiego członka partnerstwa.",
        "en": "There is no such member of the partnership.",
    },
    "partnership.unknown_area": {
        "pl": "Jednego z obszarów nie ma (albo jest wycofany).",
        "en": "One of the areas does not exist (or is retired).",
    },
    "partnership.formed_after_members": {
        "pl": "Partnerstwo nie może powstać później, niż dołączył jego pierwszy członek.",
        "en": "A partnership cannot be formed after its first member joined.",
    },
    "partnership.joined_before_formed": {
        "pl": "Partner nie mógł dołączyć, zanim partnerstwo powstało.",
        "en": "A partner cannot join before the partnership was formed.",
    },
    "partnership.left_before_joined": {
        "pl": "Data odejścia nie może być wcześniejsza niż data dołączenia.",
        "en": "The date a partner left cannot be before the date it joined.",
    },
    "partnership.already_member": {
        "pl": "Ten partner już jest członkiem partnerstwa.",
        "en": "This partner is already a member of the partnership.",
    },
    "area.not_found": {"pl": "Nie ma takiego obszaru.", "en": "There is no such area."},
    "area.bad_geojson": {
        "pl": "To nie jest poprawny GeoJSON.",
        "en": "This is not valid GeoJSON.",
    },
    "area.no_polygon": {
        "pl": "Nie ma tu żadnego wielokąta: narysuj granicę obszaru (wielokąt albo prostokąt).",
        "en": "There is no polygon here: draw the area's boundary (a polygon or a rectangle).",
    },
    "area.outside_poland": {
        "pl": "Ten obszar leży poza Polską. Sprawdź, czy to właściwy plik lub rysunek.",
        "en": "This area lies outside Poland. Check that this is the right file or drawing.",
    },
    "area.swapped": {
        "pl": "Szerokość i długość geograficzna są zamienione miejscami. Zamień je.",
        "en": "Latitude and longitude are swapped. Swap them.",
    },
    "area.no_streets": {
        "pl": "Ten obszar nie ma jeszcze listy ulic. Wpisz ją najpierw.",
        "en": "This area has no list of streets yet. Enter it first.",
    },
    "area.streets_not_found": {
        "pl": "Żadnej z ulic nie znaleziono w warstwie ulic: {streets}.",
        "en": "None of the streets was found in the street layer: {streets}.",
    },
    "area.no_name_column": {
        "pl": "Nie wiem, w której kolumnie są nazwy ulic. Kolumny w pliku: {columns}.",
        "en": "Cannot tell which column holds the street names. Columns in the file: "
        "{columns}.",
    },
    "area.street_layer_crs": {
        "pl": "Warstwa ulic nie podaje układu współrzędnych (brak pliku .prj).",
        "en": "The street layer does not say its coordinate system (no .prj file).",
    },
    "area.bad_buffer": {
        "pl": "Szerokość pasa wzdłuż ulic: od 1 do 500 m.",
        "en": "Width of the strip along the streets: 1 to 500 m.",
    },
    # Pages: teams and partnerships, areas, export (pages/teams.py, areas.py, export.py)
    "nav.teams": {"pl": "Zespoły i partnerstwa", "en": "Teams and partnerships"},
    "nav.areas": {"pl": "Granice obszarów", "en": "Area boundaries"},
    "nav.export": {"pl": "Eksport danych", "en": "Export data"},
    "teams.heading": {"pl": "Zespoły i partnerstwa lokalne", "en": "Teams and local partnerships"},
    "teams.tab_partnerships": {"pl": "Partnerstwa", "en": "Partnerships"},
    "teams.tab_teams": {"pl": "Zespoły", "en": "Teams"},
    "teams.no_partnerships": {
        "pl": "Dla tego wyboru nie ma partnerstw.",
        "en": "There are no partnerships for this choice.",
    },
    "teams.col_name": {"pl": "Nazwa", "en": "Name"},
    "teams.col_formed_on": {"pl": "Data zawiązania", "en": "Formed on"},
    "teams.col_team": {"pl": "Zespół", "en": "Team"},
    "teams.col_areas": {"pl": "Obszary", "en": "Areas"},
    "teams.col_members": {"pl": "Członkowie", "en": "Members"},
    "teams.col_partner": {"pl": "Partner", "en": "Partner"},
    "teams.col_role": {"pl": "Rola", "en": "Role"},
    "teams.col_joined_on": {"pl": "Dołączył(a)", "en": "Joined on"},
    "teams.col_left_on": {"pl": "Odszedł / odeszła", "en": "Left on"},
    "teams.col_code": {"pl": "Kod", "en": "Code"},
    "teams.col_city": {"pl": "Miasto", "en": "City"},
    "teams.choose_partnership": {"pl": "Partnerstwo", "en": "Partnership"},
    "teams.partnership_caption": {
        "pl": "Zawiązane: {formed_on} · zespół: {team}",
        "en": "Formed on: {formed_on} · team: {team}",
    },
    "teams.no_placed_members": {
        "pl": "Żaden obecny członek nie ma punktu na mapie.",
        "en": "No current member has a place on the map.",
    },
    "teams.add_member": {"pl": "Dodaj członka", "en": "Add a member"},
    "teams.edit_member": {"pl": "Zmień członka", "en": "Change a member"},
    "teams.remove_member": {"pl": "Usuń (wpis błędny)", "en": "Remove (entered by mistake)"},
    "teams.edit_partnership": {"pl": "Zmień partnerstwo", "en": "Change the partnership"},
    "teams.new_partnership": {"pl": "Nowe partnerstwo", "en": "New partnership"},
    "teams.description": {"pl": "Opis", "en": "Description"},
    "teams.save": {"pl": "Zapisz", "en": "Save"},
    "teams.create": {"pl": "Utwórz", "en": "Create"},
    "teams.member_added": {"pl": "Dodano członka partnerstwa.", "en": "Member added."},
    "teams.member_saved": {"pl": "Zapisano zmiany członka.", "en": "Member saved."},
    "teams.member_removed": {"pl": "Usunięto członka.", "en": "Member removed."},
    "teams.partnership_saved": {"pl": "Zapisano partnerstwo.", "en": "Partnership saved."},
    "teams.partnership_created": {
        "pl": "Utworzono partnerstwo.",
        "en": "Partnership created.",
    },
    "teams.new_team": {"pl": "Nowy zespół", "en": "New team"},
    "teams.choose_team": {"pl": "Zespół", "en": "Team"},
    "teams.rename_team": {"pl": "Zmień nazwę i opis", "en": "Rename and describe"},
    "teams.team_members": {"pl": "Członkowie zespołu", "en": "Team members"},
    "teams.user": {"pl": "Konto", "en": "Account"},
    "teams.add_to_team": {"pl": "Dodaj do zespołu", "en": "Add to the team"},
    "teams.remove_from_team": {"pl": "Usuń z zespołu", "en": "Remove from the team"},
    "teams.assign_areas": {"pl": "Przydziel obszary", "en": "Assign areas"},
    "teams.assign": {"pl": "Przydziel", "en": "Assign"},
    "teams.team_created": {"pl": "Utworzono zespół.", "en": "Team created."},
    "teams.team_saved": {"pl": "Zapisano zmiany zespołu.", "en": "Team saved."},
    "areas.heading": {"pl": "Granice obszaru: {place}", "en": "Area boundary: {place}"},
    "areas.choose_area": {
        "pl": "Wybierz w panelu bocznym obszar (osiedle lub dzielnicę).",
        "en": "Choose an area (estate or district) in the sidebar.",
    },
    "areas.tab_draw": {"pl": "Rysowanie granicy", "en": "Draw the boundary"},
    "areas.tab_streets": {"pl": "Lista ulic", "en": "Street list"},
    "areas.tab_build": {"pl": "Granica z ulic", "en": "Boundary from streets"},
    "areas.draw_hint": {
        "pl": "Przesuń punkty obecnej granicy (ikona ołówka) albo narysuj nową (wielokąt lub "
        "prostokąt), usuń zbędne kształty i zapisz. Zapisana granica to suma narysowanych "
        "kształtów.",
        "en": "Move the points of the current boundary (pencil icon) or draw a new one "
        "(polygon or rectangle), delete shapes you do not want, and save. The saved boundary "
        "is all drawn shapes together.",
    },
    "areas.draw_unavailable": {
        "pl": "Narzędzia rysowania nie są zainstalowane (uruchom scripts/setup.sh). Możesz "
        "wczytać granicę z pliku GeoJSON albo ją wkleić.",
        "en": "The drawing tools are not installed (run scripts/setup.sh). You can load the "
        "boundary from a GeoJSON file or paste it.",
    },
    "areas.save_drawing": {"pl": "Zapisz narysowaną granicę", "en": "Save the drawn boundary"},
    "areas.geojson_heading": {
        "pl": "Granica z pliku GeoJSON lub wklejona",
        "en": "Boundary from a GeoJSON file or pasted",
    },
    "areas.geojson_upload": {"pl": "Plik GeoJSON", "en": "GeoJSON file"},
    "areas.geojson_text": {"pl": "albo wklej GeoJSON", "en": "or paste GeoJSON"},
    "areas.save_geojson": {"pl": "Zapisz granicę z GeoJSON", "en": "Save the GeoJSON boundary"},
    "areas.saved": {"pl": "Zapisano nową granicę obszaru.", "en": "The new boundary is saved."},
    "areas.streets_hint": {
        "pl": "Wpisz ulice osiedla jak w opisie, np. „Hutnik – ul. Sienkiewicza i Śniadeckich”, "
        "albo po jednej ulicy w wierszu.",
        "en": "Enter the estate's streets as described, e.g. “Hutnik – ul. Sienkiewicza i "
        "Śniadeckich”, or one street per line.",
    },
    "areas.streets": {"pl": "Ulice", "en": "Streets"},
    "areas.save_streets": {"pl": "Zapisz listę ulic", "en": "Save the street list"},
    "areas.streets_saved": {"pl": "Zapisano listę ulic.", "en": "The street list is saved."},
    "areas.streets_parsed": {
        "pl": "Rozpoznane ulice ({count}):",
        "en": "Streets recognised ({count}):",
    },
    "areas.build_hint": {
        "pl": "Wczytaj warstwę ulic (linie z nazwami ulic: GeoJSON, GeoPackage albo Shapefile "
        "w pliku ZIP). Granica obejmie pas wzdłuż ulic z listy.",
        "en": "Load a street layer (lines with street names: GeoJSON, GeoPackage or a zipped "
        "Shapefile). The boundary covers a strip along the listed streets.",
    },
    "areas.street_layer": {"pl": "Warstwa ulic", "en": "Street layer"},
    "areas.buffer": {
        "pl": "Szerokość pasa po każdej stronie ulicy (m)",
        "en": "Width of the strip on each side of a street (m)",
    },
    "areas.street_layer_unreadable": {
        "pl": "Nie można odczytać warstwy ulic.",
        "en": "The street layer cannot be read.",
    },
    "areas.streets_missing": {
        "pl": "Nie znaleziono ulic: {streets}.",
        "en": "Streets not found: {streets}.",
    },
    "areas.save_built": {"pl": "Zapisz granicę z ulic", "en": "Save the boundary from streets"},
    "areas.no_streets_yet": {
        "pl": "Najpierw zapisz listę ulic w zakładce „Lista ulic”.",
        "en": "First save the street list in the “Street list” tab.",
    },
    "export.heading": {"pl": "Eksport danych", "en": "Export data"},
    "export.intro": {
        "pl": "Pobierz warstwy mapy do QGIS, arkusza lub katalogu usług. Eksport zawiera tylko "
        "wpisy, które możesz widzieć.",
        "en": "Download the map's layers for QGIS, a spreadsheet or a service directory. The "
        "export holds only the entries you may see.",
    },
    "export.format": {"pl": "Format", "en": "Format"},
    "export_format.gpkg": {"pl": "GeoPackage (QGIS)", "en": "GeoPackage (QGIS)"},
    "export_format.geojson": {"pl": "GeoJSON (ZIP)", "en": "GeoJSON (zip)"},
    "export_format.csv": {"pl": "CSV z WKT (ZIP)", "en": "CSV with WKT (zip)"},
    "export_format.shp": {"pl": "Shapefile (ZIP)", "en": "Shapefile (zip)"},
    "export_format.hsds": {
        "pl": "Open Referral HSDS 3.0 (ZIP)",
        "en": "Open Referral HSDS 3.0 (zip)",
    },
    "export_help.gpkg": {
        "pl": "Jeden plik ze wszystkimi warstwami i tabelami; QGIS otworzy go z kolorami i "
        "nazwami kategorii z katalogu.",
        "en": "One file with every layer and table; QGIS opens it with the catalogue's colours "
        "and category names.",
    },
    "export_help.geojson": {
        "pl": "Plik GeoJSON (RFC 7946, WGS 84) dla każdej warstwy.",
        "en": "One GeoJSON file (RFC 7946, WGS 84) per layer.",
    },
    "export_help.csv": {
        "pl": "Plik CSV (UTF-8) dla każdej warstwy; położenie w kolumnie WKT.",
        "en": "One CSV file (UTF-8) per layer; the position in the WKT column.",
    },
    "export_help.shp": {
        "pl": "Shapefile dla każdej warstwy (kodowanie UTF-8, nazwy pól skrócone do 10 znaków "
        "— zobacz FIELDS.txt; teksty dłuższe niż 254 bajty są skracane).",
        "en": "One Shapefile per layer (UTF-8, field names shortened to 10 characters — see "
        "FIELDS.txt; texts over 254 bytes are cut).",
    },
    "export_help.hsds": {
        "pl": "Zasoby i partnerzy jako katalog usług (organizacje, usługi, lokalizacje, "
        "kategorie). Wpisy tylko dla zespołu nigdy nie trafiają do tego pakietu.",
        "en": "Resources and partners as a service directory (organisations, services, "
        "locations, categories). Team-only entries never go into this package.",
    },
    "export.scope": {"pl": "Zakres", "en": "Scope"},
    "export_scope.all": {"pl": "wszystko, co widzę", "en": "everything I may see"},
    "export_scope.team": {"pl": "zespół: {place}", "en": "team: {place}"},
    "export_scope.area": {"pl": "obszar: {place}", "en": "area: {place}"},
    "export.use_as_of": {
        "pl": "Stan na wybrany dzień (z historii zmian)",
        "en": "As it was on a chosen day (from the history of changes)",
    },
    "export.as_of": {"pl": "Stan na koniec dnia", "en": "As of the end of"},
    "export.visibility_note": {
        "pl": "Wpisy tylko dla zespołu są w eksporcie tylko wtedy, gdy należą do Twojego "
        "zespołu.",
        "en": "Team-only entries are in the export only when they belong to your team.",
    },
    "export.prepare": {"pl": "Przygotuj plik", "en": "Prepare the file"},
    "export.preparing": {"pl": "Przygotowuję plik…", "en": "Preparing the file…"},
    "export.ready": {
        "pl": "Gotowe: obszary {areas}, zasoby {resources}, partnerzy {partners}, "
        "potrzeby {needs}.",
        "en": "Ready: areas {areas}, resources {resources}, partners {partners}, "
        "needs {needs}.",
    },
    "export.download": {"pl": "Pobierz {name}", "en": "Download {name}"},
    # Snapshots and the evidence of change (mapping/services/snapshots.py, changes.py,
    # app_pages/snapshots.py)
    "snapshot.empty_name": {
        "pl": "Podaj nazwę migawki, np. „Czerwiec 2026”.",
        "en": "Give the snapshot a name, e.g. “June 2026”.",
    },
    "snapshot.name_too_long": {
        "pl": "Nazwa migawki może mieć najwyżej {max} znaków (ta ma {length}).",
        "en": "A snapshot name may have at most {max} characters (this one has {length}).",
    },
    "snapshot.duplicate": {
        "pl": "Migawka „{name}” już istnieje. Wybierz inną nazwę.",
        "en": "The snapshot “{name}” already exists. Choose another name.",
    },
    "snapshot.unknown": {
        "pl": "Nie ma migawki „{name}”. Istniejące migawki: {known}.",
        "en": "There is no snapshot “{name}”. Existing snapshots: {known}.",
    },
    "snapshot.unknown_none": {
        "pl": "Nie ma migawki „{name}”: nie zapisano jeszcze żadnej migawki.",
        "en": "There is no snapshot “{name}”: no snapshot has been saved yet.",
    },
    "snapshot.future_date": {
        "pl": "Data {date} jest w przyszłości (dziś jest {today}). Migawka pokazuje to, "
        "co już zapisano.",
        "en": "The date {date} is in the future (today is {today}). A snapshot shows what "
        "has already been recorded.",
    },
    "snapshot.before_data": {
        "pl": "Data {date} jest wcześniejsza niż pierwszy zapis w bazie ({first}): mapa "
        "z tego dnia byłaby pusta. Wybierz dzień {first} lub późniejszy.",
        "en": "The date {date} is before the first record in the database ({first}): the "
        "map of that day would be empty. Choose {first} or later.",
    },
    "snapshot.no_data": {
        "pl": "W bazie nie ma jeszcze żadnych danych, więc nie ma czego zapisać w migawce.",
        "en": "The database holds no data yet, so there is nothing for a snapshot to show.",
    },
    "snapshot.viewer_cannot_create": {
        "pl": "Migawki zapisują tylko administratorzy i redaktorzy.",
        "en": "Only administrators and editors save snapshots.",
    },
    "snapshot.admin_only_delete": {
        "pl": "Migawki usuwają tylko administratorzy.",
        "en": "Only administrators delete snapshots.",
    },
    "change.new_resources": {"pl": "Nowe zasoby", "en": "New resources"},
    "change.closed_resources": {"pl": "Zamknięte zasoby", "en": "Closed resources"},
    "change.new_partners": {"pl": "Nowi partnerzy", "en": "New partners"},
    "change.departed_partners": {"pl": "Partnerzy, którzy odeszli", "en": "Departed partners"},
    "change.needs_identified": {
        "pl": "Nowo rozpoznane potrzeby",
        "en": "Newly identified needs",
    },
    "change.needs_being_addressed": {
        "pl": "Potrzeby, na które teraz odpowiadamy",
        "en": "Needs now being addressed",
    },
    "change.needs_met": {"pl": "Potrzeby zaspokojone", "en": "Needs met"},
    "change.needs_still_open": {
        "pl": "Potrzeby wciąż otwarte",
        "en": "Needs still open",
    },
    "nav.snapshots": {"pl": "Migawki i zmiany", "en": "Snapshots and changes"},
    "snapshots.heading": {"pl": "Migawki i dowody zmian", "en": "Snapshots and evidence of change"},
    "snapshots.intro": {
        "pl": "Migawka to nazwany dzień (np. „Czerwiec 2026”): jej mapa to warstwy na koniec "
        "tego dnia, odczytane z historii zmian. Porównanie dwóch migawek pokazuje, co się "
        "zmieniło w każdym obszarze i zespole.",
        "en": "A snapshot is a named day (e.g. “June 2026”): its map is the layers at the end "
        "of that day, read from the history of changes. Comparing two snapshots shows what "
        "changed in every area and team.",
    },
    "snapshots.list_heading": {"pl": "Zapisane migawki", "en": "Saved snapshots"},
    "snapshots.none": {
        "pl": "Nie zapisano jeszcze żadnej migawki.",
        "en": "No snapshot has been saved yet.",
    },
    "snapshots.col_name": {"pl": "Nazwa", "en": "Name"},
    "snapshots.col_date": {"pl": "Dzień", "en": "Date"},
    "snapshots.col_created_by": {"pl": "Zapisał(a)", "en": "Saved by"},
    "snapshots.col_unit": {"pl": "Jednostka", "en": "Unit"},
    "snapshots.create_heading": {"pl": "Nowa migawka", "en": "New snapshot"},
    "snapshots.name": {"pl": "Nazwa migawki", "en": "Snapshot name"},
    "snapshots.date": {"pl": "Stan na koniec dnia", "en": "As of the end of"},
    "snapshots.create": {"pl": "Zapisz migawkę", "en": "Save the snapshot"},
    "snapshots.created": {
        "pl": "Zapisano migawkę „{name}” ({date}).",
        "en": "Saved the snapshot “{name}” ({date}).",
    },
    "snapshots.compare_heading": {"pl": "Porównanie migawek", "en": "Compare snapshots"},
    "snapshots.need_two": {
        "pl": "Do porównania potrzebne są co najmniej dwie migawki.",
        "en": "At least two snapshots are needed for a comparison.",
    },
    "snapshots.before": {"pl": "Wcześniejsza", "en": "Earlier"},
    "snapshots.after": {"pl": "Późniejsza", "en": "Later"},
    "snapshots.same": {
        "pl": "Wybierz dwie różne migawki.",
        "en": "Choose two different snapshots.",
    },
    "snapshots.scope": {
        "pl": "Porównanie dla wyboru z paska bocznego: {place}.",
        "en": "Comparison for the sidebar choice: {place}.",
    },
    "snapshots.city_totals": {
        "pl": "Razem: od „{before}” do „{after}”",
        "en": "Totals: from “{before}” to “{after}”",
    },
    "snapshots.by_team": {"pl": "Według zespołów", "en": "By team"},
    "snapshots.by_area": {"pl": "Według obszarów", "en": "By area"},
    "snapshots.details": {"pl": "Szczegóły: {name}", "en": "Details: {name}"},
    "snapshots.nothing": {"pl": "Bez zmian.", "en": "No changes."},
    "snapshots.delete_heading": {"pl": "Usuń migawkę", "en": "Delete a snapshot"},
    "snapshots.delete_choice": {"pl": "Migawka do usunięcia", "en": "Snapshot to delete"},
    "snapshots.delete": {"pl": "Usuń migawkę", "en": "Delete the snapshot"},
    "snapshots.deleted": {
        "pl": "Usunięto migawkę „{name}”. Dane warstw i ich historia zostały bez zmian.",
        "en": "Deleted the snapshot “{name}”. The layers and their history are unchanged.",
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
    "auth.throttled": {
        "pl": "Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za {seconds} s.",
        "en": "Too many failed sign-in attempts. Try again in {seconds} s.",
    },
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
    # The map editor (pages/editor.py)
    "nav.editor": {"pl": "Edytor mapy", "en": "Map editor"},
    "editor.heading": {"pl": "Edytor mapy: {place}", "en": "Map editor: {place}"},
    "editor.choose_area": {
        "pl": "Wybierz w panelu bocznym obszar (osiedle lub dzielnicę), którego mapę chcesz "
        "uzupełniać.",
        "en": "Choose the area (estate or district) whose map you want to edit in the sidebar.",
    },
    "editor.not_your_area": {
        "pl": "Ten obszar należy do innego zespołu: możesz go oglądać, ale nie zmieniać.",
        "en": "This area belongs to another team: you may look at it but not change it.",
    },
    "editor.map_hint": {
        "pl": "Kliknij mapę, aby zaznaczyć miejsce nowego wpisu; kliknij punkt, aby go otworzyć.",
        "en": "Tap the map to mark where a new entry goes; tap a pin to open it.",
    },
    "editor.layer": {"pl": "Warstwa", "en": "Layer"},
    "editor.tab_entry": {"pl": "Wpis", "en": "Entry"},
    "editor.tab_table": {"pl": "Tabela", "en": "Table"},
    "editor.tab_history": {"pl": "Historia", "en": "History"},
    "editor.new_heading": {"pl": "Nowy wpis: {layer}", "en": "New entry: {layer}"},
    "editor.open_heading": {"pl": "{layer}: {name}", "en": "{layer}: {name}"},
    "editor.position": {
        "pl": "Położenie (szerokość, długość)",
        "en": "Position (latitude, longitude)",
    },
    "editor.position_help": {
        "pl": "Kliknij mapę, użyj swojej lokalizacji albo wpisz współrzędne, np. "
        "54,4075 18,6150 lub 54.4075, 18.6150, i naciśnij Enter.",
        "en": "Tap the map, use your location or type coordinates, e.g. 54.4075, 18.6150 "
        "or 54,4075 18,6150, and press Enter.",
    },
    "editor.use_location": {"pl": "Moja lokalizacja", "en": "My location"},
    "editor.clear_point": {"pl": "Wyczyść", "en": "Clear"},
    "editor.point_set": {"pl": "Zaznaczony punkt: {point}", "en": "Marked point: {point}"},
    "editor.no_point": {
        "pl": "Nie zaznaczono jeszcze punktu. „Moja lokalizacja” działa tylko przez https "
        "albo na localhost.",
        "en": "No point marked yet. “My location” works only over https or on localhost.",
    },
    "editor.move_hint": {
        "pl": "Aby przenieść wpis, kliknij nowe miejsce na mapie (albo wpisz współrzędne) "
        "i naciśnij „Przenieś tutaj”.",
        "en": "To move the entry, tap its new place on the map (or type coordinates) and "
        "press “Move here”.",
    },
    "editor.locating": {
        "pl": "Czekam na położenie z przeglądarki… (przeglądarka może zapytać o zgodę)",
        "en": "Waiting for the browser's position… (the browser may ask for permission)",
    },
    "editor.location_unavailable": {
        "pl": "Przeglądarka nie podała położenia ({reason}). Lokalizacja działa tylko przez "
        "https albo na localhost i po zgodzie w przeglądarce. Kliknij mapę albo wpisz "
        "współrzędne.",
        "en": "The browser gave no position ({reason}). Location works only over https or on "
        "localhost, once the browser allows it. Tap the map or type coordinates.",
    },
    "editor.choose": {"pl": "Wybierz…", "en": "Choose…"},
    "editor.all": {"pl": "wszystkie", "en": "all"},
    "editor.yes": {"pl": "tak", "en": "yes"},
    "editor.no": {"pl": "nie", "en": "no"},
    "editor.no_partner": {"pl": "— brak —", "en": "— none —"},
    "editor.whole_area": {
        "pl": "Potrzeba dotyczy całego obszaru (bez punktu na mapie)",
        "en": "The need covers the whole area (no point on the map)",
    },
    "editor.responding_resources": {
        "pl": "Zasoby, które odpowiadają na tę potrzebę",
        "en": "Resources that respond to this need",
    },
    "editor.partnerships_note": {
        "pl": "Członkostwo w partnerstwach lokalnych (z datą przystąpienia i rolą) ustawia się "
        "przy partnerstwach, nie w tym formularzu.",
        "en": "Membership of local partnerships (with the date joined and role) is set with "
        "the partnerships, not in this form.",
    },
    "editor.save_new": {"pl": "Zapisz nowy wpis", "en": "Save the new entry"},
    "editor.save": {"pl": "Zapisz zmiany", "en": "Save changes"},
    "editor.saved_new": {
        "pl": "Zapisano nowy wpis „{name}”.",
        "en": "Saved the new entry “{name}”.",
    },
    "editor.saved": {"pl": "Zapisano zmiany.", "en": "Changes saved."},
    "editor.move_here": {"pl": "Przenieś tutaj", "en": "Move here"},
    "editor.moved": {"pl": "Przeniesiono wpis.", "en": "The entry was moved."},
    "editor.retire": {"pl": "Wycofaj z mapy", "en": "Retire"},
    "editor.retired": {
        "pl": "Wycofano wpis z mapy. Można go przywrócić.",
        "en": "The entry was retired from the map. It can be restored.",
    },
    "editor.retired_notice": {
        "pl": "Ten wpis jest wycofany z mapy.",
        "en": "This entry is retired from the map.",
    },
    "editor.restore": {"pl": "Przywróć na mapę", "en": "Restore"},
    "editor.restored": {"pl": "Przywrócono wpis na mapę.", "en": "The entry is back on the map."},
    "editor.undo": {"pl": "Cofnij zmianę", "en": "Undo change"},
    "editor.undone": {"pl": "Cofnięto ostatnią zmianę.", "en": "The last change was undone."},
    "editor.close": {"pl": "Zamknij", "en": "Close"},
    "editor.reload": {"pl": "Wczytaj aktualną wersję", "en": "Load the current version"},
    "editor.conflict_caption": {
        "pl": "Co zmienił(a) {who}:",
        "en": "What {who} changed:",
    },
    "editor.col_field": {"pl": "Pole", "en": "Field"},
    "editor.col_seen": {"pl": "Co widziałeś(-aś)", "en": "What you saw"},
    "editor.col_now": {"pl": "Co jest zapisane teraz", "en": "What is stored now"},
    "editor.filter_text": {"pl": "Szukaj", "en": "Search"},
    "editor.filter_text_hint": {"pl": "nazwa, opis, adres", "en": "name, description, address"},
    "editor.sort": {"pl": "Sortuj według", "en": "Sort by"},
    "editor.sort_newest": {"pl": "najnowsze", "en": "newest"},
    "editor.col_on_map": {"pl": "Na mapie", "en": "On the map"},
    "editor.table_empty": {
        "pl": "W tej warstwie nie ma wpisów spełniających warunki.",
        "en": "This layer has no entries that match.",
    },
    "editor.selected_count": {
        "pl": "Zaznaczone wiersze: {count} (zaznacz pola po lewej stronie tabeli).",
        "en": "Selected rows: {count} (tick the boxes at the left of the table).",
    },
    "editor.open_selected": {"pl": "Otwórz zaznaczony wpis", "en": "Open the selected entry"},
    "editor.bulk_status": {"pl": "Nowy status", "en": "New status"},
    "editor.bulk_set_status": {
        "pl": "Ustaw status zaznaczonym ({count})",
        "en": "Set the status of the selected ({count})",
    },
    "editor.bulk_status_done": {
        "pl": "Zmieniono status potrzeb: {count}.",
        "en": "Status changed for {count} needs.",
    },
    "editor.bulk_verified": {
        "pl": "Sprawdzone dzisiaj ({count})",
        "en": "Verified today ({count})",
    },
    "editor.bulk_verified_done": {
        "pl": "Oznaczono zasoby jako sprawdzone dzisiaj: {count}.",
        "en": "Marked {count} resources as verified today.",
    },
    "editor.retired_heading": {
        "pl": "Wpisy wycofane z mapy ({count})",
        "en": "Entries retired from the map ({count})",
    },
    "editor.retired_none": {"pl": "Brak wycofanych wpisów.", "en": "No retired entries."},
    "editor.history_none": {
        "pl": "Otwórz wpis (na mapie albo w tabeli), aby zobaczyć jego historię.",
        "en": "Open an entry (on the map or in the table) to see its history.",
    },
    "editor.history_heading": {"pl": "Historia zmian: {name}", "en": "History of changes: {name}"},
    "editor.col_when": {"pl": "Kiedy", "en": "When"},
    "editor.col_who": {"pl": "Kto", "en": "Who"},
    "editor.col_operation": {"pl": "Operacja", "en": "Operation"},
    "editor.col_changes": {"pl": "Co się zmieniło", "en": "What changed"},
    "editor.created": {"pl": "utworzenie wpisu", "en": "entry created"},
    "editor.no_changes": {"pl": "bez zmian w polach", "en": "no field changed"},
    "editor.restore_version_hint": {
        "pl": "Przywróć wcześniejszą wersję (zapisze się jako nowa zmiana; nic nie ginie):",
        "en": "Restore an earlier version (saved as a new change; nothing is lost):",
    },
    "editor.restore_version": {
        "pl": "↩ Przywróć tę wersję: {when}, {who}",
        "en": "↩ Restore this version: {when}, {who}",
    },
    "editor.version_restored": {
        "pl": "Przywrócono wybraną wersję (jako nową zmianę).",
        "en": "The chosen version was restored (as a new change).",
    },
    "operation.insert": {"pl": "utworzenie", "en": "created"},
    "operation.update": {"pl": "zmiana", "en": "changed"},
    "operation.delete": {"pl": "usunięcie", "en": "deleted"},
    "priority.low": {"pl": "niski", "en": "low"},
    "priority.medium": {"pl": "średni", "en": "medium"},
    "priority.high": {"pl": "wysoki", "en": "high"},
    # Fields of pins, as forms, tables, history and conflicts label them
    "field.name": {"pl": "Nazwa", "en": "Name"},
    "field.description": {"pl": "Opis", "en": "Description"},
    "field.address": {"pl": "Adres", "en": "Address"},
    "field.phone": {"pl": "Telefon", "en": "Phone"},
    "field.email": {"pl": "E-mail", "en": "E-mail"},
    "field.www": {"pl": "Strona WWW", "en": "Website"},
    "field.category": {"pl": "Kategoria", "en": "Category"},
    "field.kind": {"pl": "Rodzaj zasobu", "en": "Kind of resource"},
    "field.sector": {"pl": "Sektor", "en": "Sector"},
    "field.opening_hours": {"pl": "Godziny otwarcia", "en": "Opening hours"},
    "field.target_groups": {"pl": "Grupy docelowe", "en": "Target groups"},
    "field.provider_partner_id": {"pl": "Partner prowadzący", "en": "Provided by (partner)"},
    "field.visibility": {"pl": "Widoczność", "en": "Visibility"},
    "field.verified_on": {"pl": "Ostatnio sprawdzono (data)", "en": "Last verified on"},
    "field.verified_by": {"pl": "Sprawdził(a)", "en": "Verified by"},
    "field.serves_from_outside": {
        "pl": "Obsługuje obszar spoza jego granic",
        "en": "Serves the area from outside",
    },
    "field.priority": {"pl": "Priorytet", "en": "Priority"},
    "field.status": {"pl": "Status", "en": "Status"},
    "field.source_method": {"pl": "Źródło rozpoznania", "en": "Identified by"},
    "field.evidence": {"pl": "Uzasadnienie (dowody)", "en": "Evidence"},
    "field.source": {"pl": "Skąd ta informacja", "en": "Where this comes from"},
    "field.geom": {"pl": "Położenie", "en": "Position"},
    "field.point": {"pl": "Położenie", "en": "Position"},
    "field.retired_at": {"pl": "Wycofano z mapy", "en": "Retired"},
    # Import of areas and points from GIS files (geodata.formats, mapping.io.area_import,
    # mapping.io.point_import, pages/import_areas.py, `calmap import`)
    "import_file.too_big": {
        "pl": "Plik jest za duży ({size} MB); przyjmujemy najwyżej {megabytes} MB.",
        "en": "The file is too big ({size} MB); at most {megabytes} MB is accepted.",
    },
    "import_file.empty": {"pl": "Plik jest pusty.", "en": "The file is empty."},
    "import_file.unsupported": {
        "pl": "Nie obsługujemy plików {suffix}. Obsługiwane: {supported}.",
        "en": "{suffix} files are not supported. Supported: {supported}.",
    },
    "import_file.bad_zip": {
        "pl": "To nie jest poprawne archiwum ZIP albo jest uszkodzone.",
        "en": "This is not a valid ZIP archive, or it is damaged.",
    },
    "import_file.zip_too_many": {
        "pl": "Archiwum zawiera za dużo plików (najwyżej {limit}).",
        "en": "The archive holds too many files (at most {limit}).",
    },
    "import_file.zip_too_big": {
        "pl": "Po rozpakowaniu archiwum przekroczyłoby {megabytes} MB; przerwano rozpakowywanie.",
        "en": "Unpacked, the archive would exceed {megabytes} MB; unpacking was stopped.",
    },
    "import_file.zip_bomb": {
        "pl": "Plik {name} w archiwum rozpakowuje się do {ratio}-krotności swojego rozmiaru "
        "(tzw. bomba ZIP); odrzucono.",
        "en": "{name} in the archive unpacks to {ratio} times its packed size (a zip bomb); "
        "refused.",
    },
    "import_file.zip_encrypted": {
        "pl": "Archiwum jest chronione hasłem; wyślij je bez hasła.",
        "en": "The archive is password-protected; send it without a password.",
    },
    "import_file.zip_no_dataset": {
        "pl": "W archiwum ZIP nie ma pliku .shp (ani .gpkg, .geojson, .kml). Zawiera: {found}.",
        "en": "The ZIP archive holds no .shp (nor .gpkg, .geojson, .kml). It holds: {found}.",
    },
    "import_file.zip_several": {
        "pl": "Archiwum zawiera kilka zbiorów danych ({names}); wyślij jeden w archiwum.",
        "en": "The archive holds several datasets ({names}); send one per archive.",
    },
    "import_file.shapefile_incomplete": {
        "pl": "Shapefile jest niepełny: brakuje plików {missing} (spakuj razem .shp, .shx, "
        ".dbf, .prj i .cpg).",
        "en": "The shapefile is incomplete: {missing} is missing (zip .shp, .shx, .dbf, .prj "
        "and .cpg together).",
    },
    "import_file.truncated": {
        "pl": "Plik GeoJSON urywa się w połowie (po {size} bajtach): zapewne nie został "
        "pobrany lub skopiowany do końca.",
        "en": "The GeoJSON file stops half-way (after {size} bytes): it was probably not "
        "downloaded or copied completely.",
    },
    "import_file.unreadable": {
        "pl": "Nie da się otworzyć pliku {name}: nie istnieje albo nie ma do niego dostępu.",
        "en": "The file {name} cannot be opened: it does not exist or may not be read.",
    },
    "import_file.not_format": {
        "pl": "Pliku {name} nie da się odczytać jako {format}: jest uszkodzony, niepełny albo to "
        "plik innego rodzaju. Zapisz go ponownie w programie GIS albo wyślij w innym formacie.",
        "en": "{name} cannot be read as {format}: it is damaged, incomplete or another kind of "
        "file. Save it again from the GIS program, or send it in another format.",
    },
    "import_file.html": {
        "pl": "Plik {name} to strona internetowa (HTML), a nie dane: zapewne zamiast pliku "
        "pobrano stronę logowania lub błędu. Pobierz plik jeszcze raz.",
        "en": "{name} is a web page (HTML), not data: a login or error page was probably "
        "downloaded instead of the file. Download the file again.",
    },
    "import_file.not_finite": {
        "pl": "Obiekt {row} ma współrzędne, które nie są liczbami (NaN albo nieskończoność): plik "
        "jest uszkodzony albo źle wyeksportowany.",
        "en": "Feature {row} has coordinates that are not numbers (NaN or infinity): the file is "
        "damaged or was exported wrongly.",
    },
    "import_file.bad_geometry": {
        "pl": "Geometrii obiektu {row} nie da się odczytać (np. pierścień wielokąta się nie "
        "domyka albo współrzędne to NaN). Popraw ją w programie GIS.",
        "en": "The geometry of feature {row} cannot be read (e.g. a polygon ring does not close, "
        "or coordinates are NaN). Correct it in the GIS program.",
    },
    "import_file.no_geometry": {
        "pl": "Warstwa {layer} nie ma geometrii: to tabela bez położenia obiektów. Wyślij "
        "warstwę z granicami lub punktami.",
        "en": "The layer {layer} has no geometry: it is a table without locations. Send a layer "
        "with boundaries or points.",
    },
    "import_file.bad_prj": {
        "pl": "Pliku .prj nie da się odczytać jako układu współrzędnych („{text}”). Podaj "
        "układ, np. EPSG:2180.",
        "en": "The .prj file cannot be read as a coordinate system (“{text}”). Give the CRS, "
        "e.g. EPSG:2180.",
    },
    "import_file.bad_crs": {
        "pl": "Nieznany układ współrzędnych: {crs}. Podaj go np. jako EPSG:2180.",
        "en": "Unknown coordinate system: {crs}. Give it e.g. as EPSG:2180.",
    },
    "import_file.no_crs": {
        "pl": "Plik nie podaje układu współrzędnych. Podaj go; współrzędne pasują do {guess}.",
        "en": "The file does not say its coordinate system. Give it; the coordinates fit {guess}.",
    },
    "import_file.looks_projected": {
        "pl": "Współrzędne (np. {x}, {y}) to nie stopnie, lecz metry: podaj układ "
        "współrzędnych, prawdopodobnie {guess}.",
        "en": "The coordinates (e.g. {x}, {y}) are metres, not degrees: give the coordinate "
        "system, probably {guess}.",
    },
    "import_file.bad_encoding": {
        "pl": "Atrybuty pliku nie są zapisane w kodowaniu {encoding}; podaj właściwe kodowanie "
        "(np. cp1250 lub utf-8).",
        "en": "The file's attributes are not in the {encoding} encoding; give the right one "
        "(e.g. cp1250 or utf-8).",
    },
    "import_file.no_features": {
        "pl": "Plik nie zawiera żadnych obiektów.",
        "en": "The file holds no features.",
    },
    "import_file.too_many_features": {
        "pl": "Plik zawiera za dużo obiektów (najwyżej {limit}).",
        "en": "The file holds too many features (at most {limit}).",
    },
    "import_file.layer_not_found": {
        "pl": "W pliku nie ma warstwy {layer}; są: {layers}.",
        "en": "The file has no layer {layer}; it has: {layers}.",
    },
    "import_file.no_column": {
        "pl": "W pliku nie ma kolumny {column}; są: {columns}.",
        "en": "The file has no column {column}; it has: {columns}.",
    },
    "import_file.both_columns": {
        "pl": "Podaj obie kolumny współrzędnych (X i Y) albo żadnej.",
        "en": "Give both coordinate columns (X and Y), or neither.",
    },
    "import_file.mixed_srid": {
        "pl": "Geometrie WKT mają różne układy współrzędnych ({srids}).",
        "en": "The WKT geometries use different coordinate systems ({srids}).",
    },
    "import_file.encoding_guessed": {
        "pl": "Plik nie podaje kodowania (brak .cpg): atrybuty odczytano jako {encoding}.",
        "en": "The file does not state its encoding (no .cpg): attributes read as {encoding}.",
    },
    "import_file.other_layers": {
        "pl": "Plik ma kilka warstw ({layers}); odczytano pierwszą: {layer}.",
        "en": "The file has several layers ({layers}); the first was read: {layer}.",
    },
    "import_file.crs_ignored": {
        "pl": "Plik podaje układ {file_crs}; podany układ {crs} pominięto.",
        "en": "The file states {file_crs}; the CRS given, {crs}, was not used.",
    },
    "import_file.crs_assumed": {
        "pl": "Plik nie podaje układu współrzędnych: przyjęto {crs} (długość, szerokość).",
        "en": "The file does not state a coordinate system: {crs} (longitude, latitude) assumed.",
    },
    "area_import.nothing_saved": {
        "pl": "Nie zapisano żadnego obszaru: {count} obiektów ma błędy. Popraw plik i wczytaj "
        "go ponownie.",
        "en": "No area was saved: {count} features have errors. Fix the file and load it again.",
    },
    "area_import.admin_only": {
        "pl": "Obszary może importować tylko administrator.",
        "en": "Only an administrator may import areas.",
    },
    "area_import.bad_kind": {
        "pl": "Rodzaj obszarów musi być jednym z: {kinds}.",
        "en": "The kind of areas must be one of: {kinds}.",
    },
    "area_import.name_field_needed": {
        "pl": "Wskaż pole z nazwą obszaru; pola w pliku: {fields}.",
        "en": "Choose the field holding the area's name; the file's fields: {fields}.",
    },
    "area_import.no_name_field": {
        "pl": "W pliku nie ma pola {field}; pola w pliku: {fields}.",
        "en": "The file has no field {field}; its fields: {fields}.",
    },
    "area_import.no_population_field": {
        "pl": "W pliku nie ma pola {field}; pola w pliku: {fields}.",
        "en": "The file has no field {field}; its fields: {fields}.",
    },
    "area_import.reprojected": {
        "pl": "Współrzędne przeliczono z {crs} na EPSG:4326.",
        "en": "Coordinates were reprojected from {crs} to EPSG:4326.",
    },
    "area_import.all_swapped": {
        "pl": "{count} obiektów leży na Oceanie Indyjskim: w pliku zamieniono szerokość z "
        "długością geograficzną. Zamień kolejność współrzędnych i wczytaj plik ponownie.",
        "en": "{count} features lie in the Indian Ocean: the file has latitude and longitude "
        "swapped. Swap the coordinates back and load the file again.",
    },
    "area_import.changed": {
        "pl": "Dane zmieniły się w trakcie importu (usunięto obszar nadrzędny lub zespół). "
        "Sprawdź plik ponownie.",
        "en": "The data changed during the import (a parent area or team was removed). "
        "Check the file again.",
    },
    "area_import.no_name": {
        "pl": "Brak nazwy (pole {field} jest puste).",
        "en": "No name (the field {field} is empty).",
    },
    "area_import.bad_wkt": {
        "pl": "Nie da się odczytać geometrii WKT: {value}",
        "en": "The WKT geometry cannot be read: {value}",
    },
    "area_import.empty_geometry": {"pl": "Pusta geometria.", "en": "Empty geometry."},
    "area_import.not_polygon": {
        "pl": "To nie jest wielokąt, lecz {type}: obszar musi mieć granicę.",
        "en": "This is not a polygon but a {type}: an area needs a boundary.",
    },
    "area_import.other_parts_dropped": {
        "pl": "Z kolekcji geometrii ({type}) zachowano tylko wielokąty.",
        "en": "Only the polygons of the geometry collection ({type}) were kept.",
    },
    "area_import.no_area": {
        "pl": "Po naprawie geometria nie ma powierzchni.",
        "en": "After repair the geometry has no area.",
    },
    "area_import.repaired": {
        "pl": "Naprawiono niepoprawny wielokąt ({problem}); usunięte części: {dropped}.",
        "en": "An invalid polygon was repaired ({problem}); parts dropped: {dropped}.",
    },
    "area_import.swapped_axes": {
        "pl": "Obszar leży poza Polską ({where}), ale po zamianie szerokości z długością "
        "trafia do Polski: współrzędne są w odwrotnej kolejności.",
        "en": "The area lies outside Poland ({where}), but with latitude and longitude "
        "exchanged it falls in Poland: the coordinates are the wrong way round.",
    },
    "area_import.swapped_axes_source": {
        "pl": "Obszar leży poza Polską, ale po zamianie osi w układzie {crs} trafia do Polski: "
        "współrzędne X i Y są zamienione.",
        "en": "The area lies outside Poland, but with the axes of {crs} exchanged it falls in "
        "Poland: X and Y are swapped.",
    },
    "area_import.outside_poland": {
        "pl": "Obszar leży poza Polską ({where}). Sprawdź układ współrzędnych.",
        "en": "The area lies outside Poland ({where}). Check the coordinate system.",
    },
    "area_import.bad_population": {
        "pl": "Liczba mieszkańców „{value}” nie jest liczbą całkowitą; pominięto ją.",
        "en": "The population “{value}” is not a whole number; it was left out.",
    },
    "area_import.population_zero": {
        "pl": "Liczba mieszkańców 0: zapisano jako nieznaną.",
        "en": "Population 0: stored as unknown.",
    },
    "area_import.duplicate_name": {
        "pl": "Ta sama nazwa co obiekt {row} w tym pliku.",
        "en": "The same name as feature {row} of this file.",
    },
    "area_import.duplicate_geometry": {
        "pl": "Ta sama granica co obiekt {row} w tym pliku.",
        "en": "The same boundary as feature {row} of this file.",
    },
    "area_import.outline": {
        "pl": "Obejmuje {count} innych obszarów z pliku: zostanie miastem nadrzędnym dla nich.",
        "en": "Covers {count} other areas of the file: it becomes their parent city.",
    },
    "area_import.placed_in_file": {
        "pl": "W obszarze nadrzędnym {parent} (z tego pliku).",
        "en": "Inside the parent area {parent} (from this file).",
    },
    "area_import.exists": {
        "pl": "Ten obszar już jest w bazie jako „{name}” (nr {id}).",
        "en": "This area is already stored as “{name}” (no. {id}).",
    },
    "area_import.same_place": {
        "pl": "W tym samym miejscu jest już obszar „{name}” (nr {id}) o innej nazwie.",
        "en": "The area “{name}” (no. {id}) with another name is already in the same place.",
    },
    "area_import.placed": {
        "pl": "W obszarze nadrzędnym {parent} ({share}% powierzchni).",
        "en": "Inside the parent area {parent} ({share}% of its area).",
    },
    "area_import.no_parent": {
        "pl": "Nie leży w żadnym zapisanym obszarze nadrzędnym ({kinds}).",
        "en": "Lies in no stored parent area ({kinds}).",
    },
    "area_import.team_from_parent": {
        "pl": "Zespół przejęty z obszaru nadrzędnego: {team}.",
        "en": "Team taken from the parent area: {team}.",
    },
    "point_import.bad_category_map": {
        "pl": "Mapa kategorii: w wierszu {row} brakuje kategorii.",
        "en": "Category map: row {row} has no category.",
    },
    "point_import.no_column": {
        "pl": "W pliku nie ma kolumny {column}; są: {columns}.",
        "en": "The file has no column {column}; it has: {columns}.",
    },
    "point_import.no_name_column": {
        "pl": "Nie znaleziono kolumny z nazwą; wskaż ją. Kolumny: {columns}.",
        "en": "No column with the name was found; choose it. Columns: {columns}.",
    },
    "point_import.no_category_column": {
        "pl": "Nie znaleziono kolumny z kategorią; wskaż ją albo podaj mapę kategorii z "
        "wartością domyślną *. Kolumny: {columns}.",
        "en": "No column with the category was found; choose it, or give a category map with "
        "a default *. Columns: {columns}.",
    },
    "point_import.not_a_point": {
        "pl": "To nie jest punkt, lecz {type}.",
        "en": "This is not a point but a {type}.",
    },
    "point_import.columns_swapped": {
        "pl": "Punkt leży poza Polską, ale po zamianie kolumn X i Y trafia do Polski: "
        "kolumny współrzędnych są zamienione.",
        "en": "The point lies outside Poland, but with the X and Y columns exchanged it falls "
        "in Poland: the coordinate columns are swapped.",
    },
    "nav.import_areas": {"pl": "Import obszarów", "en": "Import areas"},
    "import_areas.heading": {"pl": "Import obszarów z pliku", "en": "Import areas from a file"},
    "import_areas.intro": {
        "pl": "Wczytaj granice osiedli lub dzielnic (GeoJSON, GeoPackage, Shapefile w ZIP, KML "
        "albo CSV z kolumną WKT). Każdy obiekt zostanie sprawdzony; zapisane zostaną "
        "wszystkie albo żaden.",
        "en": "Load estate or district boundaries (GeoJSON, GeoPackage, zipped Shapefile, KML "
        "or CSV with a WKT column). Every feature is checked; all are saved, or none.",
    },
    "import_areas.upload": {"pl": "Plik z granicami", "en": "Boundary file"},
    "import_areas.kind": {"pl": "Rodzaj obszarów", "en": "Kind of areas"},
    "import_areas.team": {"pl": "Zespół", "en": "Team"},
    "import_areas.no_team": {
        "pl": "(zespół obszaru nadrzędnego)",
        "en": "(the parent area's team)",
    },
    "import_areas.options": {"pl": "Układ współrzędnych i kodowanie", "en": "CRS and encoding"},
    "import_areas.crs": {"pl": "Układ współrzędnych", "en": "Coordinate system"},
    "import_areas.crs_help": {
        "pl": "Tylko gdy plik go nie podaje, np. EPSG:2180 (PUWG 1992) lub EPSG:2177.",
        "en": "Only when the file does not state it, e.g. EPSG:2180 (PUWG 1992) or EPSG:2177.",
    },
    "import_areas.encoding": {"pl": "Kodowanie atrybutów", "en": "Attribute encoding"},
    "import_areas.encoding_help": {
        "pl": "Tylko gdy polskie znaki są zniekształcone, np. cp1250.",
        "en": "Only when Polish letters come out garbled, e.g. cp1250.",
    },
    "import_areas.source": {"pl": "Źródło danych", "en": "Data source"},
    "import_areas.source_help": {
        "pl": "Kogo podać jako źródło, np. „SIP Wrocławia”.",
        "en": "Whom to credit, e.g. “SIP Wrocławia”.",
    },
    "import_areas.name_field": {"pl": "Pole z nazwą", "en": "Name field"},
    "import_areas.population_field": {"pl": "Pole z liczbą mieszkańców", "en": "Population field"},
    "import_areas.no_field": {"pl": "(brak)", "en": "(none)"},
    "import_areas.read": {
        "pl": "{filename}: {file_format}, {count} obiektów, układ {crs}.",
        "en": "{filename}: {file_format}, {count} features, CRS {crs}.",
    },
    "import_areas.checking": {"pl": "Sprawdzanie obiektów…", "en": "Checking the features…"},
    "import_areas.summary": {
        "pl": "Gotowe do zapisu: {ready} z {total}.",
        "en": "Ready to save: {ready} of {total}.",
    },
    "import_areas.errors_heading": {
        "pl": "Obiekty z błędami: {count}",
        "en": "Features with errors: {count}",
    },
    "import_areas.fix_and_reupload": {
        "pl": "Nic nie zostanie zapisane, dopóki plik ma błędy. Popraw je i wczytaj plik ponownie.",
        "en": "Nothing is saved while the file has errors. Fix them and load the file again.",
    },
    # The June poster (mapping.reports.poster) and its static map
    "poster.nothing_to_show": {
        "pl": "Na tym obszarze nie ma jeszcze zasobów, partnerów ani potrzeb do pokazania.",
        "en": "There are no resources, partners or needs to show for this area yet.",
    },
    "poster.basemap_unavailable": {
        "pl": "Podkład mapowy był niedostępny: mapę narysowano na jednolitym tle.",
        "en": "The basemap was unavailable: the map is drawn on a plain background.",
    },
    "poster.team": {"pl": "Zespół: {name}", "en": "Team: {name}"},
    "poster.snapshot": {"pl": "Stan na: {name} ({date})", "en": "As of: {name} ({date})"},
    "poster.legend": {"pl": "Legenda", "en": "Legend"},
    "poster.changes": {
        "pl": "Dowody zmian od: {name} ({date})",
        "en": "Evidence of change since: {name} ({date})",
    },
    "poster.changes_names": {
        "pl": "Dowody zmian: kto i co",
        "en": "Evidence of change: who and what",
    },
    "poster.no_compare": {
        "pl": "Brak wcześniejszej migawki do porównania.",
        "en": "No earlier snapshot to compare with.",
    },
    "poster.no_changes": {"pl": "Bez zmian.", "en": "No changes."},
    "poster.change_new_resources": {"pl": "Nowe zasoby", "en": "New resources"},
    "poster.change_closed_resources": {"pl": "Zamknięte zasoby", "en": "Closed resources"},
    "poster.change_new_partners": {"pl": "Nowi partnerzy", "en": "New partners"},
    "poster.change_departed_partners": {
        "pl": "Partnerzy, którzy odeszli",
        "en": "Departed partners",
    },
    "poster.change_needs_identified": {
        "pl": "Nowo rozpoznane potrzeby",
        "en": "Newly identified needs",
    },
    "poster.change_needs_being_addressed": {
        "pl": "Potrzeby w trakcie zaspokajania",
        "en": "Needs being addressed",
    },
    "poster.change_needs_met": {"pl": "Potrzeby zaspokojone", "en": "Needs met"},
    "poster.change_needs_still_open": {"pl": "Potrzeby nadal otwarte", "en": "Needs still open"},
    "poster.survey": {"pl": "Z badań ankietowych", "en": "From the surveys"},
    "poster.partnerships": {"pl": "Partnerstwa lokalne", "en": "Local partnerships"},
    "poster.formed": {"pl": "zawiązane {date}", "en": "formed {date}"},
    "poster.members": {"pl": "członków: {count}", "en": "members: {count}"},
    "poster.qr": {"pl": "Mapa online", "en": "Map online"},
    "poster.notes": {"pl": "Uwagi", "en": "Notes"},
    "poster.col_name": {"pl": "Nazwa", "en": "Name"},
    "poster.col_category": {"pl": "Kategoria", "en": "Category"},
    "poster.col_sector": {"pl": "Sektor", "en": "Sector"},
    "poster.col_address": {"pl": "Adres", "en": "Address"},
    "poster.col_status": {"pl": "Stan", "en": "Status"},
    "poster.whole_area": {"pl": "cały obszar", "en": "whole area"},
    "poster.more_rows": {
        "pl": "… i {count} więcej (pełna lista na mapie online).",
        "en": "… and {count} more (the full list is on the online map).",
    },
    "poster.page": {"pl": "Strona {page}", "en": "Page {page}"},
    "import_areas.preview_map": {"pl": "Podgląd na mapie", "en": "Preview on the map"},
    "import_areas.col_row": {"pl": "Obiekt", "en": "Feature"},
    "import_areas.col_name": {"pl": "Nazwa", "en": "Name"},
    "import_areas.col_kind": {"pl": "Rodzaj", "en": "Kind"},
    "import_areas.col_parent": {"pl": "Obszar nadrzędny", "en": "Parent area"},
    "import_areas.col_population": {"pl": "Mieszkańcy", "en": "Population"},
    "import_areas.col_messages": {"pl": "Uwagi", "en": "Remarks"},
    "import_areas.commit": {
        "pl": "Zapisz obszary ({count})",
        "en": "Save the areas ({count})",
    },
    "import_areas.saved": {
        "pl": "Zapisano {count} obszarów.",
        "en": "{count} areas saved.",
    },
    # calmap db backup / restore
    "backup.written": {
        "pl": "zapisano kopię zapasową: {path} ({size} bajtów; otworzyć ją może tylko właściciel "
        "pliku, bo zawiera dane osobowe)",
        "en": "backup written: {path} ({size} bytes; only the file's owner may open it, as it "
        "holds personal data)",
    },
    "backup.restored": {
        "pl": "odtworzono {path}: tabel {tables}, wpisów historii {history}; jeśli kopia jest "
        "starsza niż ta wersja programu, uruchom „calmap db upgrade”",
        "en": "restored {path}: {tables} tables, {history} history entries; if the backup is "
        "older than this version of calmap, run 'calmap db upgrade'",
    },
    "backup.no_folder": {
        "pl": "nie ma folderu {folder}: podaj plik w istniejącym folderze",
        "en": "there is no folder {folder}: give a file in an existing folder",
    },
    "backup.is_folder": {
        "pl": "{path} jest folderem: podaj nazwę pliku, np. calmap.backup",
        "en": "{path} is a folder: give a file name, e.g. calmap.backup",
    },
    "backup.cannot_write": {
        "pl": "nie można zapisać {path} ({reason}): podaj plik w folderze z prawem zapisu",
        "en": "cannot write {path} ({reason}): give a file in a folder you may write to",
    },
    "backup.dump_failed": {
        "pl": "pg_dump się nie powiódł, plik nie został zapisany: {reason}",
        "en": "pg_dump failed and no file was written: {reason}",
    },
    "backup.no_file": {
        "pl": "nie ma pliku {path}: podaj plik zapisany przez „calmap db backup”",
        "en": "there is no file {path}: give a file written by 'calmap db backup'",
    },
    "backup.not_a_backup": {
        "pl": "{path} nie jest kopią zapasową calmap (pg_restore: {reason}); baza nie została "
        "zmieniona",
        "en": "{path} is not a calmap backup (pg_restore: {reason}); the database was not "
        "changed",
    },
    "backup.not_empty": {
        "pl": "baza danych zawiera już tabele ({count}: {tables}); odtwarzanie odbywa się tylko "
        "do pustej bazy, a „--force” zastępuje obiekty z kopii",
        "en": "the database already holds tables ({count}: {tables}); a restore goes into an "
        "empty database only, and '--force' replaces the objects the backup holds",
    },
    "backup.restore_failed": {
        "pl": "odtwarzanie {path} nie powiodło się, baza nie została zmieniona: {reason}",
        "en": "restoring {path} failed and the database was not changed: {reason}",
    },
    "backup.cannot_create_role": {
        "pl": "brak roli {role}, a użytkownik {user} nie może jej utworzyć: poproś "
        "administratora serwera o „CREATE ROLE {role} NOLOGIN”",
        "en": "role {role} is missing and user {user} may not create it: ask the server's "
        "administrator for 'CREATE ROLE {role} NOLOGIN'",
    },
    "backup.cannot_join_role": {
        "pl": "użytkownik {user} musi należeć do roli {role}: poproś administratora serwera o "
        "„GRANT {role} TO {user}”",
        "en": "user {user} must be a member of role {role}: ask the server's administrator for "
        "'GRANT {role} TO {user}'",
    },
    "backup.no_client": {
        "pl": "nie znaleziono programu {program}: zainstaluj go poleceniem "
        "„apt-get install {package}”",
        "en": "{program} not found: install it with 'apt-get install {package}'",
    },
    "backup.no_postgres_user": {
        "pl": "uruchomione jako root, pg_dump działa jako użytkownik systemowy „postgres”, "
        "którego nie ma: zainstaluj pakiet postgresql",
        "en": "run as root, pg_dump runs as the 'postgres' system user, who does not exist: "
        "install the postgresql package",
    },
    "snapshots.date_help": {
        "pl": "Dzisiejsza data: stan z chwili zapisu migawki. Wcześniejszy dzień: stan na "
        "koniec tego dnia.",
        "en": "Today's date: the layers at the moment the snapshot is saved. An earlier day: "
        "the layers at the end of that day.",
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
