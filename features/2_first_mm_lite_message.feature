Feature: 2. Sending the first MM Lite marketing message
  As a partner, I send marketing templates through POST /marketing_messages and
  use what only MM Lite offers: a time-to-live for marketing messages and
  optimisation of templates once they are synced with the connected ad account.
  This section of the guide walks through a first send, a send with a TTL, and
  the life of a newly created marketing template.

  Background:
    Given the sandbox account is ready

  @S2a @mm_lite @templates
  Scenario: A marketing template is sent through MM Lite
    The request carries the fields listed by the guide (2.a): messaging_product,
    recipient_type, to, type "template", the template name and its language
    with policy "deterministic". The answer is the usual Cloud API send response
    (CONTRACT §5) whose message id is a WhatsApp message id.
    Given the message body:
      """json
      {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "TEST_RECIPIENT",
        "type": "template",
        "template": {
          "name": "marketing_text_no_param",
          "language": {"code": "en", "policy": "deterministic"}
        }
      }
      """
    When the partner sends the message via MM Lite
    Then the response is a successful send
    And the response matches the "send-response" schema
    And the message id starts with "wamid."
    And the response echoes the test recipient as the contact input

  Rule: b. A marketing message may carry a time-to-live between 12 hours and 30 days

    The guide puts "message_send_ttl_seconds" in the send payload (2.b). For
    marketing messages the accepted range is 43200 to 2592000 seconds (CONTRACT
    §4.4, §8). Whether the field belongs to the send payload or to the template
    is itself ambiguous (CONTRACT §10.6).

    @S2b @mm_lite @ttl
    Scenario Outline: A TTL inside the marketing range is accepted
      Both ends of the range are valid values. The field is sent at the top level
      of the send payload, as the guide words it; Meta makes it a template
      property instead (CONTRACT §10.6), so where it was placed is recorded.
      Given a template message "marketing_text_no_param" in "en" for the test recipient
      And the message sets "message_send_ttl_seconds" to <ttl>
      When the partner sends the message via MM Lite
      Then the response is a successful send
      And the response matches the "send-response" schema
      And the placement of "message_send_ttl_seconds" is recorded as an observation

      Examples: the boundaries of the marketing range
        | ttl     |
        | 43200   |
        | 2592000 |

    @S2b @mm_lite @ttl @error
    Scenario Outline: A TTL outside the marketing range is refused
      Neither 360dialog nor Meta publishes the error for an out-of-range TTL
      (CONTRACT §4.4, §11.6). This scenario only requires an error response;
      the error code and the HTTP status are recorded as observations.
      Given a template message "marketing_text_no_param" in "en" for the test recipient
      And the message sets "message_send_ttl_seconds" to <ttl>
      When the partner sends the message via MM Lite
      Then the request is rejected with an error response
      And the error code is recorded as an observation
      And the HTTP status is recorded as an observation

      Examples: one second outside the range
        | ttl     |
        | 43199   |
        | 2592001 |

      Examples: values that are never valid for marketing
        | ttl |
        | 0   |
        | -1  |

  Rule: c. A new marketing template can be used on MM Lite only after it is synced

    In the sandbox, templates are created through the 360dialog API only. A new
    template (or one unused for more than 7 days) needs up to 10 minutes to sync
    with the connected ad account; the guide advises waiting a little longer
    than 10 minutes before sending (guide 2.c; CONTRACT §8). The suite's sync
    window is 11 minutes (MMLITE_TEMPLATE_SYNC_WAIT, in seconds, changes it): a
    send within it after creation may be refused as still syncing, a send after
    it must succeed. Against the emulator, its clock is moved instead of waiting.

    @S2c @mm_lite @templates
    Scenario: A newly created marketing template shows up in the template list
      The template is created through POST /v1/configs/templates and then found
      by its name in the list of the number's templates (CONTRACT §3.5).
      When the partner creates a new marketing template with a unique name
      Then the request succeeds
      And the template list shows the new template with category "MARKETING"

    @S2c @mm_lite @templates @error @slow_live
    Scenario: A send before the sync delay fails with 131009, a send after it succeeds
      Sending the new template through MM Lite while it is still syncing is
      refused with error code 131009 (CONTRACT §6.2; Graph v23+ may report 134101
      instead, CONTRACT §10.3). Once the sync window has passed since the
      template was created, the same request succeeds. If the template took
      longer than the sync window to be approved, the early send cannot be
      tested and the scenario is skipped with that reason.
      Given the partner has created a new marketing template that is approved
      And the template was created within the sync window
      And a template message with the new template in "en" for the test recipient
      When the partner sends the message via MM Lite
      Then the request is rejected with error code 131009
      And the HTTP status is recorded as an observation
      When the sync window has passed since the template was created
      And the partner sends the message via MM Lite
      Then the response is a successful send
      And the response matches the "send-response" schema
