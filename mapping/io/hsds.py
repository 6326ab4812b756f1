"""Open Referral HSDS 3.0: resources and partners as a tabular data package.

HSDS (Human Services Data Specification) is how service directories share
data. The package holds the tables of the official HSDS 3.0 examples, with
exactly their columns (``TABLES``):

- ``organizations``: every partner, and every resource that has no provider
  partner (an institution is its own organisation);
- ``services``: every resource, linked to its provider partner or to itself;
- ``locations`` and ``service_at_location``: where resources (and partners)
  are, in WGS 84; ``external_identifier`` names our row (``calmap:resource:12``);
- ``phones``: the phone numbers of services and organisations;
- ``taxonomies``, ``taxonomy_terms``: the catalogue's resource kinds and
  categories, partner sectors and target groups;
- ``attributes``: which term describes which service or organisation;
- ``datapackage.json``: the Frictionless description of the tables.

A service directory is made to be shared, so team-only rows never go into
a package, whoever exports it.

The tables are CSV, and CSV gets opened in spreadsheets: text that a
spreadsheet would take for a formula (a name starting with ``=``, a phone
number starting with ``+``) starts with ``'`` in the files, as OWASP advises
(``mapping.io.spreadsheet_safe``). A program reading the package may strip a
``'`` followed by ``= + - @``, tab or carriage return. Numbers (latitude,
longitude) stay numbers.

Ids are UUIDs made with uuid5 from our table and id, so the same row keeps
the same id in every export of the same database. An HSDS ``address`` needs
a postal code and province, which the app does not record: the address text
goes into the location's description instead. Rows come from an
``mapping.io.export.ExportData``, so a package never holds what the exporting
person may not see.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from mapping.catalog import Entry
from mapping.io import spreadsheet_safe

HSDS_VERSION = "3.0"
# A fixed namespace: uuid5(NAMESPACE, "resource/12") is the same in every export.
NAMESPACE = uuid.UUID("6f1c2a7e-5d1b-5c0e-9a53-0c41a1c2d3e4")
# The columns of each table, as in the official HSDS 3.0 example CSV files.
TABLES: dict[str, tuple[str, ...]] = {
    "organizations": (
        "id", "name", "alternate_name", "description", "email", "website", "tax_status",
        "tax_id", "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id",
    ),
    "services": (
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url",
        "email", "status", "interpretation_services", "application_process",
        "fees_description", "wait_time", "fees", "accreditations", "eligibility_description",
        "minimum_age", "maximum_age", "assured_date", "assurer_email", "licenses", "alert",
        "last_modified",
    ),
    "locations": (
        "id", "location_type", "url", "organization_id", "name", "alternate_name",
        "description", "transportation", "latitude", "longitude", "external_identifier",
        "external_identifier_type",
    ),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "phones": (
        "id", "location_id", "service_id", "organization_id", "contact_id",
        "service_at_location_id", "number", "extension", "type", "description",
    ),
    "taxonomies": ("id", "name", "description", "uri", "version"),
    "taxonomy_terms": (
        "id", "code", "name", "description", "parent_id", "taxonomy", "language",
        "taxonomy_id", "term_uri",
    ),
    "attributes": ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
}  # fmt: skip
# Fields HSDS 3.0 requires (in the tabular form) in each table.
REQUIRED: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "description"),
    "services": ("id", "organization_id", "name", "status"),
    "locations": ("id", "location_type"),
    "service_at_location": ("id", "service_id", "location_id"),
    "phones": ("id", "number"),
    "taxonomies": ("id", "name", "description"),
    "taxonomy_terms": ("id", "name", "description"),
    "attributes": ("id", "link_id", "taxonomy_term_id", "link_entity"),
}
# Which column of which table points at which table's ``id``.
FOREIGN_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "services": (("organization_id", "organizations"),),
    "locations": (("organization_id", "organizations"),),
    "service_at_location": (("service_id", "services"), ("location_id", "locations")),
    "phones": (("service_id", "services"), ("organization_id", "organizations")),
    "taxonomy_terms": (("taxonomy_id", "taxonomies"), ("parent_id", "taxonomy_terms")),
    "attributes": (("taxonomy_term_id", "taxonomy_terms"),),
}
NUMBER_FIELDS = {"latitude", "longitude", "minimum_age", "maximum_age", "year_incorporated",
                 "extension"}
DATE_FIELDS = {"assured_date"}
# The catalogue vocabularies published as taxonomies.
VOCABULARIES = ("resource_kind", "resource_category", "partner_sector", "target_group")
LANGUAGE_CODES = {"pl": "pol", "en": "eng"}


def stable_id(*parts: object) -> str:
    """A UUID that is the same for the same parts in every export.

    >>> stable_id("resource", 12) == stable_id("resource", 12)
    True
    >>> len(stable_id("resource", 12))
    36
    """
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (None if not isinstance(v, (list, tuple)) and pd.isna(v) else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]


def _shareable(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows meant to leave the team: never team-only ones."""
    return frame[frame["visibility"] != "team"]


def build_tables(
    frames: dict[str, pd.DataFrame], catalogue: Iterable[Entry], language: str = "pl"
) -> dict[str, pd.DataFrame]:
    """The HSDS tables for the ``resource`` and ``partner`` frames of an export."""
    entries = [e for e in catalogue if e.vocabulary in VOCABULARIES]
    by_code: dict[tuple[str, Any], Entry] = {(e.vocabulary, e.code): e for e in entries}
    rows: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
    lang_code = LANGUAGE_CODES.get(language, "pol")

    for vocabulary in VOCABULARIES:
        rows["taxonomies"].append({
            "id": stable_id("taxonomy", vocabulary),
            "name": f"calmap {vocabulary}",
            "description": _VOCABULARY_TEXT[vocabulary],
            "version": "1",
        })
    for entry in entries:
        parent_vocabulary = "resource_kind" if entry.vocabulary == "resource_category" else None
        parent = (
            stable_id("term", parent_vocabulary, entry.parent_code)
            if parent_vocabulary and (parent_vocabulary, entry.parent_code) in by_code
            else None
        )
        rows["taxonomy_terms"].append({
            "id": stable_id("term", entry.vocabulary, entry.code),
            "code": entry.code,
            "name": entry.label(language),
            "description": f"{entry.label_pl} / {entry.label_en}",
            "parent_id": parent,
            "taxonomy": f"calmap {entry.vocabulary}",
            "language": lang_code,
            "taxonomy_id": stable_id("taxonomy", entry.vocabulary),
        })

    def term(vocabulary: str, code: Any) -> str | None:
        return stable_id("term", vocabulary, code) if (vocabulary, code) in by_code else None

    def attribute(link_id: str, entity: str, link_type: str, term_id: str | None) -> None:
        if term_id is not None:
            rows["attributes"].append({
                "id": stable_id("attribute", link_id, term_id),
                "link_id": link_id,
                "taxonomy_term_id": term_id,
                "link_type": link_type,
                "link_entity": entity,
            })

    def location(key: str, org_id: str, row: dict[str, Any], geometry: Any) -> str | None:
        if geometry is None or geometry.is_empty:
            return None
        location_id = stable_id(key, row["id"])
        rows["locations"].append({
            "id": location_id,
            "location_type": "physical",
            "organization_id": org_id,
            "name": _text(row.get("name")),
            "description": _text(row.get("address")),
            "latitude": round(geometry.y, 7),
            "longitude": round(geometry.x, 7),
            "external_identifier": f"calmap:{key.split('-')[0]}:{row['id']}",
            "external_identifier_type": "calmap",
        })
        return location_id

    partners = _shareable(frames["partner"])
    partner_orgs: dict[int, str] = {}
    for row, geometry in zip(_records(partners.drop(columns="geometry")), partners.geometry,
                             strict=True):
        org_id = stable_id("partner", row["id"])
        partner_orgs[int(row["id"])] = org_id
        sector = by_code.get(("partner_sector", row.get("sector")))
        rows["organizations"].append({
            "id": org_id,
            "name": _text(row["name"]),
            "description": _text(row.get("description"))
            or (sector.label(language) if sector else _text(row.get("sector"))),
            "email": _text(row.get("email")),
            "website": _text(row.get("www")),
        })
        attribute(org_id, "organization", "sector", term("partner_sector", row.get("sector")))
        if _text(row.get("phone")):
            rows["phones"].append({"id": stable_id("partner-phone", row["id"]),
                                   "organization_id": org_id, "number": _text(row["phone"]),
                                   "type": "voice"})
        location("partner-location", org_id, row, geometry)

    resources = _shareable(frames["resource"])
    for row, geometry in zip(_records(resources.drop(columns="geometry")), resources.geometry,
                             strict=True):
        category = by_code.get(("resource_category", row.get("category")))
        category_label = category.label(language) if category else _text(row.get("category"))
        provider = row.get("provider_partner_id")
        provider_org = partner_orgs.get(int(provider)) if provider is not None else None
        if provider_org is not None:
            org_id = provider_org
        else:
            # An institution without a provider partner is its own organisation.
            org_id = stable_id("resource-organization", row["id"])
            rows["organizations"].append({
                "id": org_id,
                "name": _text(row["name"]),
                "description": _text(row.get("description")) or category_label,
                "email": _text(row.get("email")),
                "website": _text(row.get("www")),
            })
        service_id = stable_id("resource", row["id"])
        groups = [g for g in (_text(row.get("target_groups")) or "").split(";") if g]
        group_labels = [
            by_code[("target_group", g)].label(language) if ("target_group", g) in by_code else g
            for g in groups
        ]
        verified = row.get("verified_on")
        rows["services"].append({
            "id": service_id,
            "organization_id": org_id,
            "name": _text(row["name"]),
            "description": _text(row.get("description")),
            "url": _text(row.get("www")),
            "email": _text(row.get("email")),
            "status": "active",
            "eligibility_description": ", ".join(group_labels) or None,
            "assured_date": verified.isoformat() if isinstance(verified, dt.date) else None,
        })
        attribute(service_id, "service", "category", term("resource_category", row.get("category")))
        for group in groups:
            attribute(service_id, "service", "target_group", term("target_group", group))
        if _text(row.get("phone")):
            rows["phones"].append({"id": stable_id("resource-phone", row["id"]),
                                   "service_id": service_id, "number": _text(row["phone"]),
                                   "type": "voice"})
        location_id = location("resource-location", org_id, row, geometry)
        if location_id is not None:
            rows["service_at_location"].append({
                "id": stable_id("resource-at-location", row["id"]),
                "service_id": service_id,
                "location_id": location_id,
                # Opening hours are free text in the app, not RFC 5545 schedules.
                "description": _text(row.get("opening_hours")),
            })
    return {
        table: pd.DataFrame(rows[table], columns=list(columns)).astype(object)
        for table, columns in TABLES.items()
    }


_VOCABULARY_TEXT = {
    "resource_kind": "Rodzaje zasobów / kinds of resources (calmap catalogue)",
    "resource_category": "Kategorie zasobów / resource categories (calmap catalogue)",
    "partner_sector": "Sektory partnerów / partner sectors (calmap catalogue)",
    "target_group": "Grupy docelowe / target groups (calmap catalogue)",
}


def datapackage(tables: dict[str, pd.DataFrame], created: dt.datetime) -> dict[str, Any]:
    """The ``datapackage.json`` of the package: a Frictionless tabular data package."""
    resources = []
    for table, columns in TABLES.items():
        fields = []
        for name in columns:
            kind = "number" if name in NUMBER_FIELDS else "date" if name in DATE_FIELDS else (
                "datetime" if name == "last_modified" else "string"
            )
            spec: dict[str, Any] = {"name": name, "type": kind}
            if name == "id" or name.endswith("_id"):
                spec["format"] = "uuid"
            if name in REQUIRED[table]:
                spec["constraints"] = {"required": True, **({"unique": True} if name == "id"
                                                            else {})}
            fields.append(spec)
        schema: dict[str, Any] = {"fields": fields, "primaryKey": "id"}
        keys = [
            {"fields": column, "reference": {"resource": target, "fields": "id"}}
            for column, target in FOREIGN_KEYS.get(table, ())
        ]
        if keys:
            schema["foreignKeys"] = keys
        resources.append({
            "name": table,
            "path": f"{table}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "count": len(tables[table]),
            "schema": schema,
        })
    return {
        "name": "calmap-hsds",
        "title": "calmap – zasoby i partnerzy / resources and partners (HSDS 3.0)",
        "profile": "tabular-data-package",
        "version": HSDS_VERSION,
        "created": created.isoformat(timespec="seconds"),
        "homepage": "https://docs.openreferral.org/en/latest/",
        "resources": resources,
    }


def write_package(data: Any, path: str | Path, language: str = "pl") -> Path:
    """Write the HSDS package of an ``ExportData`` as a zip at ``path``.

    Text cells that would start a spreadsheet formula get a leading ``'`` (OWASP).
    """
    tables = build_tables(data.frames, data.catalogue, language)
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, frame in tables.items():
            safe = spreadsheet_safe.frame(frame)
            archive.writestr(f"{table}.csv", safe.to_csv(index=False, lineterminator="\r\n"))
        package = datapackage(tables, data.exported_at)
        archive.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2))
    return path
