"""Rows for the api's messaging tests, inserted with SQL as the event applier would have
left them: an account, buyers, listings, conversations and messages."""

from conftest import sql


def account(db, platform="facebook_marketplace", label="default"):
    return sql(db, "INSERT INTO marketplace_accounts (platform, label) VALUES (%s, %s) "
                   "RETURNING id", (platform, label))[0][0]


def listing(db, title, price_cents=10000, min_price_cents=None, status="active"):
    return sql(db, "INSERT INTO listings (title, description, price_cents, min_price_cents, status) "
                   "VALUES (%s, 'desc', %s, %s, %s) RETURNING id",
               (title, price_cents, min_price_cents, status))[0][0]


def buyer(db, name):
    return sql(db, "INSERT INTO buyers (platform, external_id, display_name, normalized_name) "
                   "VALUES ('facebook_marketplace', %s, %s, lower(%s)) RETURNING id",
               ("ext-" + name, name, name))[0][0]


def conversation(db, account_id, thread, buyer_id=None, listing_id=None, status="active",
                 minutes_ago=None, reason=None, offer_cents=None):
    last = None if minutes_ago is None else f"now() - interval '{int(minutes_ago)} minutes'"
    return sql(db, "INSERT INTO conversations (account_id, thread_external_id, thread_url, buyer_id,"
                   " listing_id, status, handoff_reason, current_offer_cents, last_message_at) "
                   f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, {last or 'NULL'}) RETURNING id",
               (account_id, thread, "/marketplace/t/" + thread + "/", buyer_id, listing_id, status,
                reason, offer_cents))[0][0]


def message(db, conversation_id, role, text, delivery="received", sent_today=False):
    return sql(db, "INSERT INTO messages (conversation_id, role, text, fingerprint, delivery, sent_at)"
                   " VALUES (%s, %s, %s, md5(random()::text), %s, "
                   + ("now()" if sent_today else "NULL") + ") RETURNING id",
               (conversation_id, role, text, delivery))[0][0]


# ---- answers checked against services/api/openapi.json ----------------------------------

_SPEC = None


def spec_check(schema_name, body):
    """Validates body against components.schemas[schema_name] of the api's OpenAPI document
    (OpenAPI 3.0 rules: nullable, enums, required, additionalProperties); returns body."""
    global _SPEC
    import json

    from jsonschema.exceptions import ValidationError
    from openapi_schema_validator import OAS30Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    from conftest import ROOT

    if _SPEC is None:
        _SPEC = json.loads((ROOT / "services" / "api" / "openapi.json").read_text())
    registry = Registry().with_resource("spec", Resource.from_contents(_SPEC, DRAFT4))
    schema = {"$ref": "spec#/components/schemas/" + schema_name}
    try:
        OAS30Validator(schema, registry=registry).validate(body)
    except ValidationError as e:
        raise AssertionError(f"{schema_name}: {e.message} at {list(e.absolute_path)}") from None
    return body


def spec_check_list(schema_name, body):
    assert isinstance(body, list)
    for item in body:
        spec_check(schema_name, item)
    return body
