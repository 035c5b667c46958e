// whatsapp-api-js (npm, pinned in package.json), its own node:http middleware receiving the emulator's webhooks.
// Adaptation: its `ponyfill.fetch` (host; for 360dialog also path and key header). It resolves API errors as the
// returned body (its ServerErrorResponse) instead of throwing.
import { WhatsAppAPI } from "whatsapp-api-js/middleware/node-http";
import { Template, Text } from "whatsapp-api-js/messages";
import { adaptedFetch, readSettings, Recorder, runScenario } from "./common.mjs";

const settings = await readSettings();
const recorder = new Recorder();
const options = (token) => ({
  token,
  appSecret: settings.app_secret, // checks X-Hub-Signature-256
  v: settings.graph_version,
  ponyfill: { fetch: adaptedFetch(settings) },
});
const api = new WhatsAppAPI(options(settings.api_key));
const wrongKey = new WhatsAppAPI(options(settings.wrong_key));
const phone = settings.phone_number_id;

api.on.status = ({ id, status, error }) => recorder.add("status", id, { status, error_code: error?.code ?? null });
api.on.message = ({ message, contact }) =>
  recorder.add("message", message.id, { text: message.text?.body, from: contact?.wa_id });

await runScenario(settings, recorder, {
  handleWebhook: (request) => api.handle_post(request),
  sendText: (body) => api.sendMessage(phone, { phone: settings.recipient }, new Text(body)),
  sendTextWithWrongKey: (body) => wrongKey.sendMessage(phone, { phone: settings.recipient }, new Text(body)),
  sendTemplate: (name, to) => api.sendMessage(phone, { phone: to }, new Template(name, "en")),
  // no MM Lite method: the SDK's documented authenticated request for routes it does not wrap
  sendMmLite: (message) =>
    api.getBody(
      api.$$apiFetch$$(`https://graph.facebook.com/${settings.graph_version}/${phone}/marketing_messages`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ messaging_product: "whatsapp", to: settings.recipient, ...message }),
      }),
    ),
  markRead: (messageId) => api.markAsRead(phone, messageId),
  messageId: (result) => result.resolved?.messages?.[0]?.id,
});
