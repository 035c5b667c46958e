"""Every value the contract leaves open, named once: what the emulator chose and why."""

from __future__ import annotations

from typing import NamedTuple

from mmlite_conformance.emulator.realism import UNKNOWN_FIELD


class Assumption(NamedTuple):
    id: str
    topic: str
    value: str
    source: str


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "A01",
        "Authorization header form",
        "D360-API-KEY accepts the bare key and 'Bearer <key>'.",
        "CONTRACT §2 / §10.1: tables say 'Bearer <token>', every curl sends the bare key.",
    ),
    Assumption(
        "A02",
        "Wrong or missing key",
        'HTTP 401 with body {"error": "Invalid api token."} for both a wrong and a missing key, on every endpoint.',
        "CONTRACT §2 (body documented, status only in the OpenAPI of other operations); §11.1, §11.3.",
    ),
    Assumption(
        "A03",
        "HTTP status of MM Lite errors 100 / 131055 / 131009 / 132001",
        "400.",
        "Meta's MM error table gives 400 for these codes; 360dialog does not state a status (§11.1).",
    ),
    Assumption(
        "A04",
        "Terms-not-accepted error",
        "HTTP 403, code 131055, message '(#200) You must accept the Marketing Messages Lite API terms to use "
        "the API.', no error_data.",
        "CONTRACT §6.2 / §10.2 give the body (code as published); the status is unknown (§11.8); 403 matches "
        "360dialog's 'insufficient permissions'.",
    ),
    Assumption(
        "A05",
        "Envelope of Cloud API /messages errors",
        "Plain Graph {\"error\": {...}} without the 'detail' wrapper.",
        "CONTRACT §6.1 / §11.2: only MM errors are shown wrapped.",
    ),
    Assumption(
        "A06",
        "Envelope of webhook and template configuration errors",
        'Plain Graph {"error": {...}}, code 100.',
        "Undocumented; Graph is the upstream format.",
    ),
    Assumption(
        "A07",
        "Malformed JSON, non-object body, missing or mistyped required field",
        "HTTP 400, code 100, message '(#100) Invalid parameter', error_data.details naming the problem.",
        "CONTRACT §2 / §11.3: behaviour undocumented; Graph reports parameter problems as code 100.",
    ),
    Assumption(
        "A08",
        "Content-Type other than application/json",
        "HTTP 400, code 100 (same as A07).",
        "CONTRACT §11.3.",
    ),
    Assumption(
        "A09",
        "Where message_send_ttl_seconds goes on a send",
        "Top level of the MM Lite send payload; ignored on /messages. Also accepted on template creation.",
        "CONTRACT §4.4 / §10.6: 360dialog's wording is ambiguous, Meta makes it a template property.",
    ),
    Assumption(
        "A10",
        "TTL out of range (outside 43200..2592000 s, or not an integer)",
        "HTTP 400, code 100, details naming the range.",
        "CONTRACT §4.4: no error documented.",
    ),
    Assumption(
        "A11",
        "messages[].message_status",
        'MM Lite send responses carry "message_status": "accepted"; /messages responses do not.',
        "CONTRACT §5 / §10.7 / §11.7: Meta's MM schema has it, 360dialog's example does not.",
    ),
    Assumption(
        "A12",
        "Alpha route /mmlite/marketing_messages",
        "Behaves exactly like /marketing_messages.",
        "CONTRACT §1 / §3.3: only the alpha guide names it.",
    ),
    Assumption(
        "A13",
        "Webhook configuration responses",
        'POST answers 200 {"url": ..., "headers": {...}}; GET answers 200 {"url": <url or null>}.',
        "CONTRACT §3.4 / §11.4: 3rd-party code only.",
    ),
    Assumption(
        "A14",
        "Phone-level vs WABA-level webhook",
        "/v1/configs/webhook (phone) wins over /waba_webhook (WABA) when both are set.",
        "CONTRACT §3.4: Meta's override order phone -> WABA -> app.",
    ),
    Assumption(
        "A15",
        "Webhook URL rules",
        "http or https; '_' or an explicit port in the host is refused (400, code 100) except for loopback hosts.",
        "CONTRACT §3.4 URL rules; loopback exemption so local receivers work.",
    ),
    Assumption(
        "A16",
        "Webhook signature",
        "Only when a secret is configured: header X-360dialog-Signature = lowercase hex HMAC-SHA256 of the raw body "
        "(and Meta's form beside it by default, A40).",
        "CONTRACT §7.2 / §11.9: documented for the partner webhook only.",
    ),
    Assumption(
        "A17",
        "Webhook retries",
        "Non-2xx or no answer within the timeout (5 s) is retried with exponential backoff 0.5 s doubling up to 8 s, "
        "5 attempts in all; per-account order is preserved.",
        "CONTRACT §7.2: 7 days of backoff upstream, shortened so tests finish.",
    ),
    Assumption(
        "A18",
        "Rate limits",
        "80 messages/s per number; per recipient a burst of 45 then 1 per 6 s; 429 with Retry-After in whole seconds; "
        "codes 130429 and 131056 in the endpoint's envelope.",
        "CONTRACT §8 (Meta defaults) / §11.12: sandbox numbers unknown.",
    ),
    Assumption(
        "A19",
        "Template list envelope",
        "{count, total, offset, limit, waba_templates[]}; query limit (default 1000) and offset (default 0).",
        "CONTRACT §3.5 / §11.13: 3rd-party code only.",
    ),
    Assumption(
        "A20",
        "Template creation",
        '200 {"id", "status": "PENDING", "category"}; APPROVED after the approval delay (default 0 s); '
        "name must match [a-z0-9_]+; a duplicate name+language is refused with code 100.",
        "CONTRACT §3.5: Meta's create response; approval time is not a sandbox concern.",
    ),
    Assumption(
        "A21",
        "Template sync delay",
        "Counted from creation (default 600 s), checked only on MM Lite sends (131009); predefined templates "
        "are synced.",
        "CONTRACT §8: 'up to 10 minutes after creation'.",
    ),
    Assumption(
        "A22",
        "Unknown or unapproved template",
        "HTTP 400, code 132001, details 'template name (<name>) does not exist in <language>', on every send endpoint.",
        "CONTRACT §6.2: code documented, status not.",
    ),
    Assumption(
        "A23",
        "Marketing template via /messages",
        "Accepted and billed as pricing.category 'marketing' (no smart routing to MM Lite), the default and the "
        "suite's guide world; --smart-routing (EmulatorConfig(smart_routing=True)) routes it as A84-A86 say.",
        "CONTRACT §7.1 (Cloud routing -> marketing); §11.10 leaves 360dialog's routing effect open.",
    ),
    Assumption(
        "A24",
        "US (+1) recipient of a marketing template",
        "The send is accepted (200); a single 'failed' status with error 131049 follows, no sent/delivered/read.",
        "CONTRACT §6.2 / §11.11: documented as asynchronous.",
    ),
    Assumption(
        "A25",
        "conversation and pricing in status webhooks",
        "Present on 'sent' and 'delivered', absent on 'read' and 'failed'; expiration_timestamp only on 'sent'.",
        "CONTRACT §7.1: 'only with sent and one of delivered/read'.",
    ),
    Assumption(
        "A26",
        "Webhook deliveries to non-loopback hosts",
        "By default not attempted (logged as skipped_non_loopback): the emulator stays on loopback. "
        "--deliver-anywhere (deliver_to_any_host) lifts the rule for a platform certification; "
        "--webhook-ca-bundle sets the CAs trusted for https.",
        "Project rule (tests use loopback only); lifted only on request.",
    ),
    Assumption(
        "A27",
        "Recipient number",
        "'to' may contain '+', spaces, '-', '(', ')'; 7 to 15 digits remain and become wa_id; input is echoed as sent.",
        "CONTRACT §8 phone number format (no country-code rewriting in the double).",
    ),
    Assumption(
        "A28",
        "Optional envelope fields",
        "recipient_type optional ('individual', or 'group' on /messages); template.language.policy optional, "
        "'deterministic' only.",
        "CONTRACT §4.3 / §10.4 / §10.5.",
    ),
    Assumption(
        "A29",
        "Order of MM Lite checks",
        "auth, JSON, required fields, terms (onboarding), message type, TTL, template lookup, category, sync, "
        "rate limits.",
        "Undocumented; cheapest and account-wide checks first.",
    ),
    Assumption(
        "A30",
        "Unknown path or method",
        "404 / 405 with a plain Graph error body, code 100.",
        "Undocumented.",
    ),
    Assumption(
        "A31",
        "Inbound message profile name",
        "'Sandbox User' when the control call gives none.",
        "Emulator only.",
    ),
    Assumption(
        "A32",
        "Clock origin",
        "The standalone emulator (mmlite-conformance emulator) runs on the wall clock: its clock starts at the time "
        "of start-up and of each reset (EmulatorConfig(start_time=None)); --start-time EPOCH chooses a fixed origin "
        "instead. EmulatorConfig() in code and the suite's embedded target (frozen) start at 2026-01-01T00:00:00Z.",
        "A client judging the 24-hour customer-service window compares timestamps with its own clock; recordings "
        "need reproducible timestamps.",
    ),
    Assumption(
        "A33",
        "message_template_status_update webhook",
        "entry {id: WABA id, time: integer}; value {event (default APPROVED), message_template_id (integer), "
        "message_template_name, message_template_language, reason (default 'NONE'), message_template_category "
        "when the template is known}.",
        "CURRENT-API §1.6 names the webhook only; fields from Meta's message_template_status_update reference.",
    ),
    Assumption(
        "A34",
        "template_category_update webhook",
        "impending: correct_category (the coming one), new_category (the current one), category_update_timestamp "
        "(integer, default now + 24 h); completed: previous_category, new_category (default: the template's current "
        "category). Posting it changes no template; PATCH /_emulator/templates does.",
        "CURRENT-API §1.6 (Meta reference, Nov 2025); the 24 h notice is a guess.",
    ),
    Assumption(
        "A35",
        "account_update MM_LITE_TERMS_SIGNED webhook",
        "entry.id = owner business id (default: the WABA id with its first digit replaced by 4), entry.time integer; "
        "value {event, waba_info{waba_id, owner_business_id}}. Posting it does not onboard the account; "
        "PUT /_emulator/account does.",
        "CONTRACT §7.1 (examples 28/29); §10.13: which business entry.id names is disputed.",
    ),
    Assumption(
        "A36",
        "user_actions webhook",
        "field messages, value {messaging_product, metadata, user_actions[{action_type, timestamp (seconds, as a "
        "string), marketing_messages_link_click_data{click_component, product_id?, click_id, tracking_token}}]}; "
        "no contacts, statuses or messages; absent keys omitted.",
        "CURRENT-API §1.6 (Meta track-click-events, third-party notes); the timestamp type is not shown: a string "
        "like other messages-field timestamps.",
    ),
    Assumption(
        "A37",
        "entry.time",
        "Only template and account_update notifications carry entry.time; messages-field ones (statuses, inbound, "
        "user_actions) do not.",
        "Contract examples: entry.time only in the account_update examples (28/29) and Meta's template webhooks.",
    ),
    Assumption(
        "A38",
        "Disabled key and armed answers",
        "With api_key_valid false every API request with the key gets the flat 401; /_emulator/ routes still accept "
        "it. Armed answers are checked after authentication, before any other check; the first armed match answers.",
        "Emulator only (platform certification control surface).",
    ),
    Assumption(
        "A39",
        "Control-posted notifications",
        "Queued at the current emulator time on the account's ordered queue (after what is already due) for its "
        "current webhook URL; with wait=true one attempt unless attempts is given; latency_ms is measured from "
        "sending the request to its answer.",
        "Emulator only; CONTRACT §7.2 (200 within 5 s) is what the latency lets a suite judge.",
    ),
    Assumption(
        "A40",
        "Webhook signature forms",
        "With a secret, both forms by default: X-360dialog-Signature (A16) and X-Hub-Signature-256: "
        "sha256=<the same lowercase hex HMAC-SHA256 of the raw body>; --webhook-signature-form 360dialog or meta "
        "(WebhookSettings.signature_headers) sends only that one.",
        "CONTRACT §7.2 / §11.9 document 360dialog's header only; Meta's Cloud API signs with X-Hub-Signature-256, "
        "which a platform built for the Cloud API may check instead.",
    ),
    Assumption(
        "A41",
        "Control-posted signatures and bursts",
        "A control-posted notification is signed valid (as configured), wrong (every configured form, or both forms "
        "without a secret, with another key) or none. A burst posts count copies outside the ordered queue, one "
        "attempt each, copy i released i*within/count s after the first, over at most concurrency connections; "
        "latency from sending to answer; p99 by nearest rank over the answered copies.",
        "Emulator only; a burst at the number's throughput (80/s, A18) judged against CONTRACT §7.2 (200 within 5 s).",
    ),
    Assumption(
        "A42",
        "Request limits and deadlines",
        "A body over 1 MiB (declared or streamed) is a 413, a body not complete 5 s after it is first read a 408 "
        "(both code 100 in the Graph envelope, Connection: close); request line and headers over 64 KiB are a 400, "
        "a connection whose headers are not complete within 5 s is closed, an idle keep-alive connection after 5 s; "
        "JSON nested deeper than 64 levels, NaN, Infinity, numbers out of float range and strings holding a lone "
        "surrogate are a 400 code 100 (A07).",
        "Undocumented; the double must stay responsive to every other client and never store what it cannot echo.",
    ),
    Assumption(
        "A43",
        "Realistic profile: delivery jitter",
        "Each status of a message happens a seeded 0 to 2 emulator seconds after the one before it (sent after the "
        "send); its timestamp says so, and on a running clock its delivery waits as long. On a frozen clock the "
        "jitter moves only the timestamps (the clock is never awaited for it).",
        "Meta: status webhooks come with delays that vary; sent and delivered are often near-simultaneous.",
    ),
    Assumption(
        "A44",
        "Realistic profile: out-of-order arrival",
        "For some messages the statuses arrive in another order (all reversed, or two neighbours swapped: e.g. "
        "delivered before sent); each keeps its own timestamp, so the timestamps still follow sent, delivered, read.",
        "Meta does not guarantee the order of webhooks; the timestamps tell the progression.",
    ),
    Assumption(
        "A45",
        "Realistic profile: batched statuses",
        "For some messages two or more consecutive statuses come in one notification: "
        "entry[0].changes[0].value.statuses holds them in arrival order.",
        "Meta's webhook payload makes statuses an array; several statuses can be reported together.",
    ),
    Assumption(
        "A46",
        "Realistic profile: duplicate status",
        "For some messages one status (same body fields and timestamp) is delivered once more, after the others.",
        "Webhooks are delivered at least once: retried and sometimes duplicated.",
    ),
    Assumption(
        "A47",
        "Realistic profile: BR/MX wa_id",
        "A Brazilian mobile 55 + DDD + 9 + 8 digits gets the wa_id 55 + DDD + 8 digits; a Mexican 52 + 10 digits "
        "gets 521 + 10 digits. The send answer's contacts[].wa_id, the statuses' recipient_id and a user message's "
        "'from' and contacts[].wa_id carry that form; contacts[].input echoes what was sent. Other numbers are "
        "unchanged (and every number under the exact profile, A27).",
        "CONTRACT §8: BR/MX prefixes may be modified, wa_id may differ from the input.",
    ),
    Assumption(
        "A48",
        "Realistic profile: a 429 now and then",
        "Now and then a send that would be accepted is answered 429 with code 130429 (throughput, in the "
        "endpoint's envelope) and Retry-After: 1; no message is created and no webhook follows. The next send is "
        "never refused this way, so a retry after Retry-After goes through. Applies with rate limits off too.",
        "CONTRACT §8 (rate limits, 130429); the guide warns that the sandbox key is rate limited.",
    ),
    Assumption(
        "A49",
        "Realistic profile: unknown fields",
        f"Some accepted send answers carry an extra field '{UNKNOWN_FIELD}' (top level, contacts[0] or messages[0]); "
        "some status and user-message notifications carry it in the change value or in a status or message item.",
        "Meta adds fields to its payloads without notice; clients must ignore what they do not know.",
    ),
    Assumption(
        "A50",
        "Realistic profile: seed, scope and counts",
        "--profile realistic (EmulatorConfig(profile='realistic')); its variations draw from one random stream "
        "seeded by --seed (profile_seed), in request order: the same seed and the same requests give the same run. "
        "They apply to what the emulator posts on its own (statuses after sends and reads, user messages), never "
        "to control-built statuses or custom or raw notifications. GET /_emulator/profile counts each variation "
        "injected; reset rewinds neither the stream nor the counts. The default profile, exact, draws nothing.",
        "Emulator only.",
    ),
    Assumption(
        "A60",
        "User ids and contacts in messages webhooks",
        "A status notification carries contacts before its statuses: one {wa_id, user_id} per recipient of a "
        "status that is not failed (wa_id only when the number is known; no profile). Each status carries "
        "recipient_user_id beside recipient_id; a failed status of a message sent to a number carries neither "
        "contacts nor recipient_user_id (one sent to a BSUID keeps recipient_user_id). A user's message carries "
        "contacts [{profile.name, wa_id, user_id}] and messages[].from_user_id beside 'from'. No parent_user_id, "
        "no username.",
        "Meta's business-scoped user ID page (March 2026), read through copies and SDK and BSP summaries: BSUIDs in "
        "every messages webhook, failed statuses without contacts. No first-party example in the contract.",
    ),
    Assumption(
        "A61",
        "The emulator's BSUIDs",
        "One per business and person, derived, never drawn: the ISO country of the number's calling code (ZZ when "
        "the table has none), a period and 20 digits hashed from the account's business id (the WABA id led by 4) "
        "and the number. A Brazilian mobile with or without its ninth digit, a Mexican number with or without its "
        "1, are one person (A47): one BSUID in every profile.",
        "Meta's BSUID page gives the form (e.g. US.13491208655302741918), not the derivation: emulator only.",
    ),
    Assumption(
        "A62",
        "Sends to a business-scoped user id",
        "POST /messages and /marketing_messages take 'recipient' (CC.<letters and digits>, or a parent BSUID "
        "CC.ENT.<...>) instead of 'to'; 'to' wins when both are given; neither: 400 code 100 'The parameter to is "
        "required.'; another form (the earlier user.<hex> too): 400 code 100. The answer's contacts are "
        "[{input, user_id}] without wa_id; the statuses carry recipient_user_id and no recipient_id, their "
        "contacts [{user_id}]: the number stays unknown. A US BSUID meets A24 like a +1 number. 131062 is not "
        "modelled.",
        "CONTRACT §4 send body and §5 (examples 15, 19), CURRENT-API-2026 R18; whether 360dialog forwards "
        "'recipient' is undocumented (its open question 3).",
    ),
    Assumption(
        "A70",
        "Mark-as-read on /messages",
        "A /messages body with status or typing_indicator is a read receipt, not a send: {messaging_product: "
        "whatsapp, status: 'read', message_id} answers 200 {\"success\": true}; other members are ignored. No "
        "webhook is posted to the business; it is not rate limited and draws nothing from the realistic profile. "
        "A wrong messaging_product, a status other than 'read' or a missing message_id: 400 code 100 naming it. An "
        "answer armed for POST /messages without a recipient ('to') answers a read receipt too.",
        "Meta's Cloud API mark-as-read (POST /{phone-number-id}/messages; reference example 'Send typing indicator "
        "and read receipt'); 360dialog forwards /messages to it. The answer {\"success\": true} is Meta's guide, "
        "not the reference.",
    ),
    Assumption(
        "A71",
        "Typing indicator",
        'Optional typing_indicator {"type": "text"} on a read receipt (it needs status read and a message_id); '
        "same answer as A70 and nothing posted or scheduled (no dismissal is modelled); any other shape or type: "
        "400 code 100.",
        "Meta reference example 'Send typing indicator and read receipt'; 'text' is the only type shown.",
    ),
    Assumption(
        "A72",
        "Which messages can be marked as read",
        "Only a user's message the emulator queued to the business (control inbound, or a notification carrying "
        "messages[].id) of the key's account, among the last max_messages_per_account; marking it again succeeds "
        "again. A wamid the business sent: 400 code 100, details 'message_id (<id>) is a message this number "
        "sent: ...'; an unknown id: 400 code 100, details 'message_id (<id>) is not a message this number "
        "received.'. Reset forgets them.",
        "Meta's model: a business marks the messages it received; the error for another id is undocumented.",
    ),
    Assumption(
        "A80",
        "Graph alias (opt-in)",
        "Off by default: 360dialog serves no Graph paths, so they are a 404 (A30). --graph-alias "
        "(EmulatorConfig(graph_alias=True)) adds POST /{version}/{phone_number_id}/messages and "
        "/{version}/{phone_number_id}/marketing_messages, version any vN.N (another first segment: 404 code 100). "
        "They answer exactly as /messages and /marketing_messages (same checks, answers, webhooks, armed answers; "
        "not Meta's product_policy fallback); the request journal marks them surface 'graph'. /openapi.json "
        "describes them only when they are served, and says in x-modes which modes are on.",
        "Issue 12: Graph-native SDKs build these paths (CURRENT-API §1.2: Meta's /<PHONE_NUMBER_ID>/marketing_messages "
        "with a Bearer token); a rehearsal aid, not a 360dialog route.",
    ),
    Assumption(
        "A81",
        "Graph alias authentication",
        "The key goes in Authorization: Bearer <key> (D360-API-KEY is not read there). A missing, malformed, wrong "
        "or disabled key is a 401 in Graph's envelope: code 190, type OAuthException, 'Invalid OAuth access token - "
        "Cannot parse access token', with fbtrace_id. The journal's auth form is that of the Authorization header.",
        "Graph's answer to a bad access token (the emulator's invalid_token_body_changed fault shows the same body); "
        "an SDK built for Graph parses error objects, not 360dialog's flat string.",
    ),
    Assumption(
        "A82",
        "Graph alias: phone_number_id of another account",
        "The path's phone_number_id must be the key's account's (every account has a distinct one); otherwise, after "
        "authentication and before the body is read, HTTP 400, code 100, type GraphMethodException, message "
        "'Unsupported post request. Object with ID <id> does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation. ...' (no error_data).",
        "Graph's answer for an object id the token cannot reach (code 100, subcode 33 upstream; the emulator sends no "
        "subcode).",
    ),
    Assumption(
        "A83",
        "Graph alias: error envelope",
        "Every error on the alias is a plain Graph {\"error\": {...}}, MM Lite errors included (no 'detail' "
        "wrapper); codes and statuses are those of the 360dialog route (A03, A04, A22). An armed answer renders as "
        "armed (an armed invalid_token is 360dialog's flat 401).",
        "Meta's /marketing_messages answers plain Graph errors; the 'detail' wrapper is 360dialog's (CONTRACT §6.1).",
    ),
    Assumption(
        "A84",
        "Smart routing on /messages (opt-in)",
        "Off by default (A23) and in the suite's emulator target in the alpha contract profile. --smart-routing "
        "(EmulatorConfig(smart_routing=True), the platform target in delegated routing, the suite's emulator target "
        "in the ga contract profile) sends a MARKETING template on /messages through MM Lite: its "
        "statuses say pricing.category 'marketing_lite' and the template's message_send_ttl_seconds applies, as on "
        "/marketing_messages. Non-template messages and UTILITY or AUTHENTICATION templates stay on the Cloud API.",
        "CURRENT-API §1.2 (360dialog: marketing -> /marketing_messages, non-marketing and non-template -> Cloud API, "
        "'enabled by default for all existing and new numbers'), §1.6 (pricing categories).",
    ),
    Assumption(
        "A85",
        "Smart routing: fallback and 'checked routing'",
        "A MARKETING template goes to the Cloud API instead (billed 'marketing', no error) when the account is not "
        "onboarded to MM Lite or the template is within its sync delay (A21); nothing else falls back. The "
        "emulator's category cache is always its template registry, so there is no unknown category and no checked "
        "routing: an unknown or unapproved template is refused with 132001 (A22), as without smart routing.",
        "CURRENT-API §1.2, §1.8: the fallback conditions are the issue's reading; which error triggers the fallback "
        "and how checked routing probes are beyond every available 360dialog excerpt.",
    ),
    Assumption(
        "A86",
        "Smart routing: what the client sees",
        "Nothing: /messages answers in the Cloud API's shape whichever API took the send (no "
        "messages[].message_status passed through), a fallback is not signalled, and the journal records the "
        "request as sent to /messages. Only the statuses' pricing.category ('marketing_lite' or 'marketing') tells "
        "the route.",
        "CURRENT-API §1.4 ('an usual Cloud API response is expected'; whether message_status passes through is "
        "undocumented), §1.8 ('transparent to the client').",
    ),
    Assumption(
        "A87",
        "MM Lite for a number not onboarded: Cloud API fallback (opt-in)",
        "Off by default and in the alpha contract profile: the terms error (A04). --mm-lite-fallback "
        "(EmulatorConfig(mm_lite_fallback=True), the suite's emulator target in the ga contract profile) serves "
        "such a send through the Cloud API instead: 200 in the Cloud API's shape (no message_status), statuses to "
        "that number's webhook billed 'marketing', the template's TTL not applied. Every other refusal of "
        "/marketing_messages stays.",
        "CURRENT-API §1.8 (Meta's product_policy CLOUD_API_FALLBACK is the default; 'the webhook category is then "
        "marketing'), §1.9; whether 360dialog passes Meta's fallback through on /marketing_messages is undocumented.",
    ),
)


def as_dicts() -> list[dict[str, str]]:
    return [a._asdict() for a in ASSUMPTIONS]
