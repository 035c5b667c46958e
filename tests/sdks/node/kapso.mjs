// @kapso/whatsapp-cloud-api (npm, pinned in package.json): its client for sends, its verifySignature and
// normalizeWebhook for the emulator's webhooks. Adaptation: `baseUrl` and its `fetch` option (for 360dialog also
// path and key header). It throws GraphApiError for API errors.
import { WhatsAppClient, buildTemplatePayload } from "@kapso/whatsapp-cloud-api";
import { normalizeWebhook, verifySignature } from "@kapso/whatsapp-cloud-api/server";
import { adaptedFetch, readBody, readSettings, Recorder, runScenario } from "./common.mjs";

const settings = await readSettings();
const recorder = new Recorder();
const client = (accessToken) =>
  new WhatsAppClient({
    accessToken,
    baseUrl: settings.base_url,
    graphVersion: settings.graph_version,
    fetch: adaptedFetch(settings),
  });
const api = client(settings.api_key);
const wrongKey = client(settings.wrong_key);
const phoneNumberId = settings.phone_number_id;

async function handleWebhook(request) {
  const rawBody = await readBody(request);
  const signatureHeader = request.headers["x-hub-signature-256"];
  if (!verifySignature({ appSecret: settings.app_secret, rawBody, signatureHeader })) return 401;
  const events = normalizeWebhook(JSON.parse(rawBody.toString("utf8")));
  for (const status of events.statuses) {
    recorder.add("status", status.id, { status: status.status, error_code: status.errors?.[0]?.code ?? null });
  }
  for (const message of events.messages) {
    recorder.add("message", message.id, { text: message.text?.body, from: message.from });
  }
  return 200;
}

await runScenario(settings, recorder, {
  handleWebhook,
  sendText: (body) => api.messages.sendText({ phoneNumberId, to: settings.recipient, body }),
  sendTextWithWrongKey: (body) => wrongKey.messages.sendText({ phoneNumberId, to: settings.recipient, body }),
  sendTemplate: (name, to) =>
    api.messages.sendTemplate({ phoneNumberId, to, template: buildTemplatePayload({ name, language: "en", components: [] }) }),
  // no MM Lite method: the client's request(), which its own resources use
  sendMmLite: (message) =>
    api.request("POST", `${phoneNumberId}/marketing_messages`, {
      body: { messaging_product: "whatsapp", to: settings.recipient, ...message },
      responseType: "json",
    }),
  markRead: (messageId) => api.messages.markRead({ phoneNumberId, messageId }),
  messageId: (result) => result.resolved?.messages?.[0]?.id,
});
