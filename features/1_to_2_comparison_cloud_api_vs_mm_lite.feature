Feature: Comparison: a marketing template through the Cloud API versus MM Lite
  As a partner who already sends marketing templates with POST /messages, I want
  to see exactly what changes when I move them to MM Lite. The guide's answer:
  only the URL. The body, the API key and the shape of the response stay the
  same; MM Lite accepts only marketing templates (see "3. Expected errors"),
  reports its own pricing category, and adds one optional per-message switch,
  "message_activity_sharing".

  Background:
    Given the sandbox account is ready

  @SCa @cloud_api @mm_lite @templates
  Scenario: The same request goes to both endpoints and only the URL changes
    The body written for the Cloud API in step 1.d is sent unchanged to MM Lite
    (guide "Comparison"; CONTRACT §2 "same API key", §3.2). Both calls succeed
    and their responses have the same structure (CONTRACT §5), apart from the
    fields the contract documents as optional (message_status, group_id): one
    side having them is recorded as an observation, not judged (CONTRACT §10.7).
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
    When the partner sends the message via the Cloud API
    And the partner sends the message via MM Lite
    Then both responses are successful sends
    And both responses have the same shape
    And the two requests differ only in their URL
    And the Cloud API request was sent to a path ending in "/messages"
    And the MM Lite request was sent to a path ending in "/marketing_messages"

  @SCb @cloud_api @mm_lite @templates @webhook
  Scenario Outline: The pricing category tells which API carried the message
    Status webhooks have the same structure on both APIs; where pricing is
    present, a message sent through MM Lite is priced as "marketing_lite" while
    the Cloud API says "marketing" (CONTRACT §3.2, §7.1). A partner should log
    which API each message id went through. On 360dialog's GA platform,
    /messages routes a marketing template through MM Lite by default, so both
    rows say "marketing_lite" in the ga contract profile (CURRENT-API §1.2).
    Given the webhook URL points to the suite's receiver
    And a template message "marketing_text_no_param" in "en" for the test recipient
    When the partner sends the message via <endpoint>
    Then the response is a successful send
    And status webhooks for the message report sent, then delivered
    And every status webhook for the message matches the "webhook-notification" schema
    And every status webhook for the message is addressed to the test recipient
    And at least one status webhook for the message carries pricing
    And every status webhook with pricing says the contract profile's category: alpha "<category>", ga "marketing_lite"

    Examples: one row per API
      | endpoint      | category       |
      | the Cloud API | marketing      |
      | MM Lite       | marketing_lite |

  @SCc @mm_lite @templates
  Scenario Outline: MM Lite accepts the per-message activity sharing switch
    "message_activity_sharing" turns sharing of message activity (such as reads)
    with Meta on or off for one message; without it the WABA-level default
    applies (guide "Comparison" and 2.a; CONTRACT §4.4). Both values are accepted.
    Given a template message "marketing_text_no_param" in "en" for the test recipient
    And the message sets "message_activity_sharing" to <sharing>
    When the partner sends the message via MM Lite
    Then the response is a successful send
    And the response matches the "send-response" schema

    Examples: both settings of the switch
      | sharing |
      | true    |
      | false   |
