// Shared by the SDK drivers: settings on stdin, the per-surface fetch adaptation, emulator control calls, a
// record of handler calls, and the report (one JSON line on stdout) that tests/sdks reads.
import { createServer } from "node:http";

export async function readSettings() {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return JSON.parse(text);
}

// What a partner changes to reach the emulator. "360dialog": host, path (no /{version}/{phone_number_id}) and key
// header (Authorization: Bearer -> D360-API-KEY). "graph" (the emulator's opt-in alias routes): only the host.
export function adaptedFetch(settings) {
  const base = new URL(settings.base_url);
  return async (input, init = {}) => {
    const url = new URL(typeof input === "string" ? input : input.url);
    const headers = new Headers(init.headers ?? {});
    url.protocol = base.protocol;
    url.host = base.host;
    if (settings.surface === "360dialog") {
      url.pathname = "/" + url.pathname.split("/").slice(3).join("/");
      const token = (headers.get("authorization") ?? "").replace(/^Bearer /, "");
      headers.delete("authorization");
      headers.set("D360-API-KEY", token);
    }
    return fetch(url, { ...init, headers });
  };
}

export async function control(settings, path, body) {
  const response = await fetch(new URL(path, settings.base_url), {
    method: "POST",
    headers: { "D360-API-KEY": settings.api_key, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

export class Recorder {
  constructor() {
    this.events = [];
    this.webhookAnswers = [];
  }
  add(handler, messageId, detail) {
    this.events.push({ handler, message_id: messageId, detail });
  }
  async waitFor(handler, messageId, count, timeoutMs = 3000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.events.filter((e) => e.handler === handler && e.message_id === messageId);
      if (found.length >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

// A loopback HTTP server whose POST /webhook is answered by `handle(request, rawBody)` -> status code.
export async function startWebhookServer(recorder, handle) {
  const server = createServer(async (request, response) => {
    const status = await handle(request);
    recorder.webhookAnswers.push(status);
    response.statusCode = status;
    response.end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/webhook`, close: () => server.close() };
}

export async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// An SDK call's outcome: what it resolved to, or the error it threw (its class and the fields SDKs put there).
export async function outcome(call) {
  try {
    return { resolved: await call() };
  } catch (error) {
    const fields = {};
    for (const key of ["name", "message", "code", "httpStatus", "raw"]) {
      if (error?.[key] !== undefined) fields[key] = error[key];
    }
    return { thrown: { class: error?.constructor?.name ?? typeof error, ...fields } };
  }
}

// The operations every driver performs, given the SDK's own calls (`sdk`), then the webhooks it must parse.
export async function runScenario(settings, recorder, sdk) {
  const hook = await startWebhookServer(recorder, sdk.handleWebhook);
  await control(settings, "/waba_webhook", { url: hook.url });
  const results = {};
  results.text = await outcome(() => sdk.sendText("hello from node"));
  results.template_messages = await outcome(() => sdk.sendTemplate("marketing_text_no_param", settings.recipient));
  results.template_mm_lite = await outcome(() => sdk.sendMmLite({ type: "template", template: template("marketing_text_no_param") }));
  results.mm_lite_text = await outcome(() => sdk.sendMmLite({ type: "text", text: { body: "not a template" } }));
  results.mm_lite_utility = await outcome(() => sdk.sendMmLite({ type: "template", template: template("utility_order_update") }));
  results.wrong_key = await outcome(() => sdk.sendTextWithWrongKey("wrong key"));
  results.failed = await outcome(() => sdk.sendTemplate("marketing_text_no_param", settings.us_recipient));
  const inbound = await control(settings, "/_emulator/inbound", { from: settings.recipient, text: "hello business", wait: true });
  results.inbound_id = inbound.message_id;
  results.mark_read = await outcome(() => sdk.markRead(inbound.message_id));
  for (const [name, count] of [["text", 3], ["template_mm_lite", 3], ["failed", 1]]) {
    const id = sdk.messageId(results[name]);
    if (id) await recorder.waitFor("status", id, count);
  }
  await recorder.waitFor("message", inbound.message_id, 1);
  await control(settings, "/_emulator/deliveries/drain", { timeout: 5 });
  hook.close();
  process.stdout.write(JSON.stringify({ results, events: recorder.events, webhook_answers: recorder.webhookAnswers }) + "\n");
}

export function template(name) {
  return { name, language: { code: "en", policy: "deterministic" } };
}
