"""Then-steps as Postman tests: a registry of step patterns, each building the JS a request's test script runs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mmlite_conformance.publish.postman_schemas import bundled

__all__ = ["PREAMBLE", "Check", "Note", "Placed", "UnknownStepError", "checks_for"]

#: every test script starts with it: the JSON body (or undefined) and the Graph error wherever the envelope puts it
PREAMBLE = """\
const body = (() => { try { return pm.response.json(); } catch (e) { return undefined; } })();
const graphError = () => {
  const detail = body && body.detail;
  if (detail && typeof detail.error === "object" && detail.error) { return detail.error; }
  return body && typeof body.error === "object" && body.error ? body.error : undefined;
};
const profile = pm.variables.get("contract_profile") || "alpha";
"""


class UnknownStepError(ValueError):
    """A Then-step no registry entry knows: the export stops rather than leave it unchecked."""


@dataclass(frozen=True, slots=True)
class Check:
    """One `pm.test`: `strict` when it asserts what the scenario requires (not a bookkeeping step)."""

    title: str
    script: str
    strict: bool = True

    def js(self) -> str:
        return f"pm.test({json.dumps(self.title, ensure_ascii=False)}, () => {{\n{self.script}\n}});"


@dataclass(frozen=True, slots=True)
class Note:
    """What the scenario checks or records that a Postman test cannot: shown in the request's description."""

    kind: str  # "observed" (recorded, never asserted) or "listener" (seen only on the partner's webhook listener)
    text: str


@dataclass(frozen=True, slots=True)
class Placed:
    """A check for one request of the group the Then-steps judge (`position` as in a list: -1 is the last)."""

    position: int
    check: Check | Note


#: (step text match, endpoints of the group's requests) -> what goes where
Builder = Callable[[re.Match[str], str | None, Sequence[str]], list[Placed]]
_REGISTRY: list[tuple[re.Pattern[str], Builder]] = []


def then(pattern: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        _REGISTRY.append((re.compile(pattern + r"\Z"), builder))
        return builder

    return register


def checks_for(text: str, docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    """The checks of one Then-step over the group of requests it judges; UnknownStepError if no entry matches."""
    for pattern, builder in _REGISTRY:
        if match := pattern.match(text):
            return builder(match, docstring, endpoints)
    raise UnknownStepError(f"no Postman check for the step {text!r}: add one to publish/postman_checks.py")


def _last(check: Check | Note) -> list[Placed]:
    return [Placed(-1, check)]


def _each(check: Check, endpoints: Sequence[str]) -> list[Placed]:
    return [Placed(position, check) for position in range(len(endpoints))]


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


SUCCEEDS = Check("the request succeeds (HTTP 2xx)", "  pm.expect(pm.response.code).to.be.within(200, 299);")
SUCCESSFUL_SEND = Check(
    "a successful send: messaging_product, contacts[0], messages[0].id",
    """  pm.expect(pm.response.code).to.be.within(200, 299);
  pm.expect(body.messaging_product).to.eql("whatsapp");
  pm.expect(body.contacts[0]).to.be.an("object");
  pm.expect(body.messages[0].id).to.be.a("string").and.match(/^wamid\\./);
  pm.collectionVariables.set("message_id", body.messages[0].id);""",
)
ERROR_BODY = Check(
    "an error answer: a JSON object with `error` or `detail` (its HTTP status is only observed)",
    """  pm.expect(body).to.be.an("object");
  pm.expect(Object.keys(body)).to.include.oneOf(["error", "detail"]);""",
)


@then(r"the request succeeds|the receiver gets the test notification")
def _succeeds(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    return _last(SUCCEEDS)


@then(r"the response is a successful send")
def _successful_send(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    return _last(SUCCESSFUL_SEND)


@then(r"both responses are successful sends")
def _both_successful(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    return _each(SUCCESSFUL_SEND, endpoints)


@then(r'the message id starts with "(?P<prefix>[^"]+)"')
def _id_prefix(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    prefix = match["prefix"]
    return _last(
        Check(
            f"the message id starts with {prefix}",
            f"  pm.expect(body.messages[0].id.startsWith({_js(prefix)})).to.be.true;",
        )
    )


@then(r"the response echoes the test recipient as the contact input")
def _recipient(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    script = """  const digits = (value) => String(value).replace(/\\D/g, "");
  pm.expect(digits(body.contacts[0].input)).to.eql(digits(pm.variables.get("recipient")));
  pm.expect(body.contacts[0].wa_id).to.be.a("string").that.is.not.empty;"""
    return _last(Check("contacts[0] echoes {{recipient}} and carries a wa_id", script))


@then(r"the request is rejected with an error response")
def _error(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    return _last(ERROR_BODY)


@then(r"the request is rejected with error code (?P<code>\d+)")
def _code(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    code = int(match["code"])
    return _last(Check(f"error code {code}", f"  pm.expect(graphError().code).to.eql({code});"))


@then(r'the error message starts with "(?P<prefix>.+)"')
def _message(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    prefix = match["prefix"]
    script = f"  pm.expect(String(graphError().message).startsWith({_js(prefix)})).to.be.true;"
    return _last(Check(f"the error message starts with {prefix}", script))


@then(r'the error details say "(?P<details>.+)"')
def _details(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    details = match["details"]
    script = f"  pm.expect(graphError().error_data.details).to.eql({_js(details)});"
    return _last(Check(f"the error details say {details}", script))


def _wrapped_js(wrapper: str) -> str:
    key = _js(wrapper)
    return f'  pm.expect(body[{key}]).to.be.an("object");\n  pm.expect(body[{key}].error).to.be.an("object");'


@then(r'the error is wrapped in "(?P<wrapper>\w+)"')
def _wrapped(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    wrapper = match["wrapper"]
    return _last(Check(f'the error is wrapped in {{"{wrapper}": {{"error": …}}}}', _wrapped_js(wrapper)))


def _codes(text: str) -> list[int]:
    return [int(code) for code in re.findall(r"\d+", text)]


@then(r"the request is rejected with the contract profile's error code: alpha (?P<alpha>\d+), ga (?P<ga>.+)")
def _profile_code(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    allowed = {"alpha": _codes(match["alpha"]), "ga": _codes(match["ga"])}
    script = f"  pm.expect(graphError().code).to.be.oneOf({_js(allowed)}[profile]);"
    return _last(
        Check(f"the error code of the contract profile (alpha {allowed['alpha']}, ga {allowed['ga']})", script)
    )


_BY_CODE = re.compile(r'(?P<code>\d+) "(?P<text>[^"]+)"')


def _texts(text: str) -> dict[str, str]:
    return {found["code"]: found["text"] for found in _BY_CODE.finditer(text)}


@then(r"the error message starts with the text of its code: (?P<texts>.+)")
def _message_of_code(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    texts = _texts(match["texts"])
    script = f"""  const expected = {_js(texts)}[String(graphError().code)];
  pm.expect(expected, "a code with a known text").to.be.a("string");
  pm.expect(String(graphError().message).startsWith(expected)).to.be.true;"""
    return _last(Check("the error message is the text of the code that came back", script))


@then(r"the error details give the text of its code: (?P<texts>.+)")
def _details_of_code(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    texts = _texts(match["texts"])
    script = f"""  const expected = {_js(texts)}[String(graphError().code)];
  pm.expect(expected, "a code with a known text").to.be.a("string");
  pm.expect(graphError().error_data.details).to.eql(expected);"""
    return _last(Check("the error details are the text of the code that came back", script))


@then(r"the answer is the contract profile's: alpha a refusal, ga a refusal or a Cloud API fallback")
def _refusal_or_fallback(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    script = """  const sent = body && Array.isArray(body.messages) && String(body.messages[0].id).startsWith("wamid.");
  pm.expect(graphError() !== undefined || (profile === "ga" && sent), "a refusal (ga: or a send)").to.be.true;"""
    return _last(Check("the contract profile's answer: alpha a refusal, ga a refusal or a Cloud API fallback", script))


@then(r"a refusal's error message starts with \"(?P<prefix>.+)\"")
def _refusal_message(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    prefix = match["prefix"]
    script = f"""  if (graphError() !== undefined) {{
    pm.expect(String(graphError().message).startsWith({_js(prefix)})).to.be.true;
  }}"""
    return _last(Check(f"a refusal's error message starts with {prefix}", script))


@then(r'a refusal is wrapped in "(?P<wrapper>\w+)"')
def _refusal_wrapped(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    wrapper = match["wrapper"]
    script = "  const sent = body && Array.isArray(body.messages);\n  if (!sent) {\n" + _wrapped_js(wrapper) + "\n  }"
    return _last(Check(f'a refusal is wrapped in {{"{wrapper}": {{"error": …}}}}', script))


@then(r"the response body is exactly:")
def _exact_body(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    expected = json.loads(docstring or "null")
    return _last(Check(f"the body is exactly {json.dumps(expected)}", f"  pm.expect(body).to.eql({_js(expected)});"))


@then(r"the answer is either a valid send or the documented invalid-token error")
def _send_or_invalid(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    script = """  const sent = body && Array.isArray(body.messages) && String(body.messages[0].id).startsWith("wamid.");
  const refused = JSON.stringify(body) === JSON.stringify({ error: "Invalid api token." });
  pm.expect(sent || refused, "a valid send or {\\"error\\": \\"Invalid api token.\\"}").to.be.true;"""
    return _last(Check("a valid send or the documented invalid-token error", script))


REPORTED_URL = Check(
    "the webhook URL read back is {{webhook_url}}",
    """  const nested = Object.values(body).filter((v) => v && typeof v === "object").map((v) => v.url);
  pm.expect([body.url, ...nested]).to.include(pm.variables.get("webhook_url"));""",
)


@then(r"the reported webhook URL is the suite's receiver")
def _reported_url(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    return _last(REPORTED_URL)


def template_listed(category: str, status: str | None = None) -> Check:
    """The unique template of this run is in the list with `category` (and `status`)."""
    wanted = f" and status {status}" if status else ""
    status_js = f"\n  pm.expect(found.status).to.eql({_js(status)});" if status else ""
    script = f"""  pm.expect(pm.response.code).to.be.within(200, 299);
  const listed = body.waba_templates || body.data || [];
  const found = listed.find((t) => t.name === pm.collectionVariables.get("template_name"));
  pm.expect(found, "{{{{template_name}}}} in the list").to.be.an("object");
  pm.expect(String(found.category).toUpperCase()).to.eql({_js(category.upper())});{status_js}"""
    return Check(f"the template list shows {{{{template_name}}}} with category {category}{wanted}", script)


@then(r'the template list shows the new template with category "(?P<category>\w+)"')
def _listed(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    return _last(template_listed(match["category"]))


_REMEMBER = Check(
    "remembers this request and its answer for the next one",
    """  pm.collectionVariables.set("previous_answer", pm.response.text());
  const sent = { method: pm.request.method, url: pm.request.url.toString(), body: pm.request.body.raw };
  pm.collectionVariables.set("previous_request", JSON.stringify(sent));""",
    strict=False,
)


@then(r"both responses have the same shape")
def _same_shape(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    # the fields every send response must have (CONTRACT §5); message_status and group_id are optional
    script = """  const documented = ["messaging_product", "contacts", "messages", "input", "wa_id", "user_id", "id"];
  const shape = (v) => {
    if (Array.isArray(v)) { return v.length ? [shape(v[0])] : []; }
    if (!v || typeof v !== "object") { return typeof v; }
    const keys = Object.keys(v).filter((k) => documented.includes(k)).sort();
    return Object.fromEntries(keys.map((k) => [k, shape(v[k])]));
  };
  pm.expect(shape(body)).to.eql(shape(JSON.parse(pm.collectionVariables.get("previous_answer"))));"""
    return [
        Placed(0, _REMEMBER),
        Placed(-1, Check("the same shape as the previous answer (documented fields)", script)),
    ]


@then(r"the two requests differ only in their URL")
def _only_url(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    script = """  const previous = JSON.parse(pm.collectionVariables.get("previous_request"));
  pm.expect(pm.request.url.toString()).to.not.eql(previous.url);
  pm.expect(pm.request.method).to.eql(previous.method);
  pm.expect(pm.request.body.raw).to.eql(previous.body);"""
    return [
        Placed(0, _REMEMBER),
        Placed(-1, Check("the same method and body as the previous request, another URL", script)),
    ]


@then(r'the (?P<endpoint>Cloud API|MM Lite) request was sent to a path ending in "(?P<suffix>[^"]+)"')
def _path(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    endpoint, suffix = match["endpoint"], match["suffix"]
    script = f"  pm.expect(pm.request.url.getPath().endsWith({_js(suffix)})).to.be.true;"
    check = Check(f"this {endpoint} request goes to a path ending in {suffix}", script, strict=False)
    return [Placed(position, check) for position, kind in enumerate(endpoints) if kind == endpoint]


def _note(kind: str) -> Builder:
    def build(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
        return _last(Note(kind, match.string))

    return build


then(r".* (?:is|are) recorded as an observation(?: \(.*\))?")(_note("observed"))


@then(r'the response matches the "(?P<kind>[\w-]+)" schema')
def _schema(match: re.Match[str], docstring: str | None, endpoints: Sequence[str]) -> list[Placed]:
    kind = match["kind"]
    script = f"  pm.response.to.have.jsonSchema({_js(bundled(kind))});"
    return _last(Check(f"the body matches the suite's {kind!r} schema (schemas/{kind}.schema.json)", script))


#: what only the partner's webhook listener sees: statuses, pricing, inbound messages
_LISTENER_STEPS = ("status webhooks", "every status webhook", "at least one status webhook", "an inbound text webhook")
then(rf"(?:{'|'.join(_LISTENER_STEPS)}|the inbound|a fallback is priced) .*")(_note("listener"))
