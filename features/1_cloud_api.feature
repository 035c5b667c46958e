Feature: 1. Sending and receiving messages with the Cloud API
  As a partner joining the MM Lite alpha, I first use the sandbox number the way I
  already know: through the Cloud API endpoint POST /messages. This section of the
  guide shows how to route the number's webhooks to my own listener, receive a
  user's message, answer it, and send a marketing template the classic way, so
  that I have a baseline to compare MM Lite against.

  The suite sends the API key in the D360-API-KEY header exactly as the guide's
  curl examples do (the bare key; see the observation in "3. Expected errors"
  for the "Bearer" form). Phone numbers never appear here: "the test recipient"
  is the partner's own phone, which acts as the WhatsApp user.

  Background:
    Given the sandbox account is ready

  Rule: a. The webhook listener receives every notification of the sandbox number

    The guide recommends setting up a listener before sending anything: status
    updates (sent, delivered, read) and the user's incoming messages reach it.

    @S1a @webhook
    Scenario: The suite's own webhook receiver can be reached
      Before pointing the sandbox at it, the listener must accept a notification
      posted to its public address (guide 1.a.ii "Test Webhook URL").
      When a test notification is posted to the suite's receiver URL
      Then the receiver gets the test notification

    @S1a @webhook
    Scenario: The webhook URL of the sandbox number is set
      POST /waba_webhook with a body {"url": ...} redirects all notifications of
      the number to that URL (guide 1.a.iii; CONTRACT §3.4). The success body is
      not published (CONTRACT §11.4), so it is recorded, not judged.
      When the partner sets the webhook URL to the suite's receiver
      Then the request succeeds
      And the response body is recorded as an observation

    @S1a @webhook
    Scenario: The webhook URL currently set can be read back
      GET /waba_webhook reports the URL that was set last (guide 1.a.iv;
      CONTRACT §3.4). Only the URL is checked; the rest of the body is recorded.
      Given the webhook URL points to the suite's receiver
      When the partner reads the webhook URL
      Then the request succeeds
      And the reported webhook URL is the suite's receiver
      And the response body is recorded as an observation

  Rule: b./c. A user writes first and the partner answers within the conversation

    Free-form text may only be sent while the 24-hour customer service window is
    open, which is why the guide lets the user write first.

    How the suite judges webhooks, as WhatsApp sends them (CONTRACT §7.1, §7.2, §8):
    - Statuses are read by meaning, not by arrival. Webhooks are retried and not
      ordered: "delivered" may arrive before "sent", the same status may come
      twice, several statuses may share one notification. A progression passes
      when every expected status arrived within the wait and no timestamp
      contradicts it ("read" stamped before "sent" fails). "delivered" may be
      skipped when "read" arrives (delivery and reading coincided).
    - Numbers are compared as WhatsApp compares them: "+" and punctuation are
      ignored; a Brazilian mobile with and without its ninth digit, and a
      Mexican mobile with and without the "1" after 52, are the same number
      (recorded as an observation). A business-scoped user id where a number
      used to be is matched through the notification's contacts. Another
      number fails.
    - "read" needs a person: the test phone must have read receipts on.

    Background:
      Given the webhook URL points to the suite's receiver

    @S1b @cloud_api @webhook @needs_user
    Scenario: A text message from the user arrives as an inbound webhook
      The user sends "Hello" to the sandbox number; the listener receives a
      "messages" notification carrying that text (guide 1.b; CONTRACT §7.1).
      A nonce appended to the text proves the webhook belongs to this run.
      When the user sends "Hello" followed by a fresh nonce from their phone
      Then an inbound text webhook containing the nonce arrives
      And the inbound webhook matches the "webhook-notification" schema
      And the inbound message was sent by the test recipient

    @S1c @cloud_api @webhook @needs_user
    Scenario: The partner replies with a text message through the Cloud API
      The reply is an ordinary Cloud API text message (guide 1.c; CONTRACT §4.2).
      Its statuses come back as sent, delivered and read once the user opens the
      chat. Pricing is carried by only some statuses (the "sent" one and one of
      "delivered"/"read", CONTRACT §7.1); wherever it is present, a reply inside
      the customer service window is priced as "service". The test phone must
      have read receipts on, or "read" never arrives.
      Given the user has written to the sandbox number within the last 24 hours
      And the message body:
        """json
        {
          "messaging_product": "whatsapp",
          "recipient_type": "individual",
          "to": "TEST_RECIPIENT",
          "type": "text",
          "text": {"body": "Thanks for writing! This reply comes from the sandbox number."}
        }
        """
      When the partner sends the message via the Cloud API
      Then the response is a successful send
      And the response matches the "send-response" schema
      And status webhooks for the message report sent, then delivered, then read
      And every status webhook for the message matches the "webhook-notification" schema
      And every status webhook for the message is addressed to the test recipient
      And at least one status webhook for the message carries pricing
      And every status webhook with pricing says category "service"

  Rule: d. A marketing template sent through the Cloud API is priced as "marketing"

    Every sandbox number comes with predefined templates; the guide uses
    "marketing_text_no_param" (language "en", body only, no parameters).

    Background:
      Given the webhook URL points to the suite's receiver

    @S1d @cloud_api @templates @webhook @needs_user
    Scenario: The marketing template is sent through the Cloud API
      Sending the template to POST /messages succeeds with the usual Cloud API
      response, and its statuses are priced as "marketing" (guide 1.d; CONTRACT
      §7.1). 360dialog's GA platform routes marketing templates sent to
      /messages through MM Lite by default ("smart routing", CURRENT-API §1.2),
      so they are priced "marketing_lite" there: the contract profile decides.
      Given a template message "marketing_text_no_param" in "en" for the test recipient
      When the partner sends the message via the Cloud API
      Then the response is a successful send
      And the response matches the "send-response" schema
      And status webhooks for the message report sent, then delivered, then read
      And every status webhook for the message matches the "webhook-notification" schema
      And every status webhook for the message is addressed to the test recipient
      And at least one status webhook for the message carries pricing
      And every status webhook with pricing says the contract profile's category: alpha "marketing", ga "marketing_lite"
