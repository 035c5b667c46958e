Feature: 3. Expected errors
  As a partner, I want my platform to recognise every error MM Lite returns, so
  that it can tell a wrong message type from a wrong template category, an
  account that has not accepted the MM Lite terms, or a bad API key.

  360dialog wraps the Graph API error of MM Lite in a "detail" object
  ({"detail": {"error": {...}}}), while a bad API key gets a flat
  {"error": "..."} body (CONTRACT §6.1). The guide does not state the HTTP
  status of these answers (CONTRACT §11.1): every scenario records it as an
  observation instead of asserting it.

  Background:
    Given the sandbox account is ready

  @S3a @mm_lite @error
  Scenario: MM Lite refuses a plain text message
    /marketing_messages only carries marketing templates; a free-form text is
    refused with code 100 (guide 3.a; CONTRACT §6.2).
    Given a text message "Hello from MM Lite" for the test recipient
    When the partner sends the message via MM Lite
    Then the request is rejected with error code 100
    And the error message starts with "(#100) Invalid parameter"
    And the error details say "Message must be a template message."
    And the error is wrapped in "detail"
    And the response matches the "error-wrapped" schema
    And the HTTP status is recorded as an observation

  @S3b @mm_lite @templates @error
  Scenario Outline: MM Lite refuses authentication and utility templates
    Only marketing templates may use MM Lite; templates of other categories are
    refused with code 131055 (guide 3.b; CONTRACT §6.2). Graph v23+ reports
    134100 for the same case (CONTRACT §10.3), while 360dialog's current
    expected-errors page still shows 131055 (CURRENT-API §1.5): the alpha
    profile requires the guide's code, ga accepts either, and the texts must be
    those of the code that came back.
    Given a template message with an approved <category> template for the test recipient
    When the partner sends the message via MM Lite
    Then the request is rejected with the contract profile's error code: alpha 131055, ga 134100 or 131055
    And the error message starts with the text of its code: 131055 "(#131055) Method not allowed", 134100 "(#134100) Only marketing messages supported"
    And the error details give the text of its code: 131055 "Only marketing template messages are supported", 134100 "You're only able to send marketing messages on this API."
    And the error is wrapped in "detail"
    And the response matches the "error-wrapped" schema
    And the HTTP status is recorded as an observation

    Examples: non-marketing template categories
      | category       |
      | authentication |
      | utility        |

  @S3c @mm_lite @error
  Scenario: MM Lite refuses a number whose business has not accepted the terms
    A number that is not onboarded to MM Lite is told to accept the Marketing
    Messages Lite API terms (guide 3.c; CONTRACT §6.2). The published code,
    131055, contradicts the "(#200)" in the message (CONTRACT §10.2): the message
    is checked strictly and the code is only recorded. Today's API may instead
    serve such a number through the Cloud API (Meta's default fallback,
    360dialog's smart routing; CURRENT-API §1.8, §1.9): the ga profile accepts
    that too, while 360dialog still documents the terms error. A send served
    instead of refused proves a fallback only if its statuses are priced as the
    Cloud API prices marketing ("marketing"): "marketing_lite" would mean MM Lite
    carried a message for a business that never accepted its terms (CONTRACT
    §7.1). Those statuses go to that number's own webhook URL, so the suite
    points it at its receiver first.
    Given the partner uses the API key of a number not onboarded to MM Lite
    And that number's webhook URL points to the suite's receiver
    And a template message "marketing_text_no_param" in "en" for the test recipient
    When the partner sends the message via MM Lite
    Then the answer is the contract profile's: alpha a refusal, ga a refusal or a Cloud API fallback
    And a fallback is priced as the Cloud API prices a marketing template: category "marketing"
    And a refusal's error message starts with "(#200) You must accept the Marketing Messages Lite API terms"
    And a refusal is wrapped in "detail"
    And a refusal's error code is recorded as an observation (published: 131055)
    And the HTTP status is recorded as an observation

  Rule: d. A wrong or missing D360-API-KEY is refused by both endpoints

    The key identifies the channel for /messages and /marketing_messages alike
    (CONTRACT §2).

    @S3d @cloud_api @mm_lite @error
    Scenario Outline: A request without a valid API key is refused
      Whether the key is wrong or absent, the answer is the flat body
      {"error": "Invalid api token."} (guide 3.d; CONTRACT §2, §6.2). The guide
      gives no HTTP status (360dialog's API reference declares 401 for other
      operations), so the status is recorded, not asserted.
      Given the D360-API-KEY header is <key_header>
      And a template message "marketing_text_no_param" in "en" for the test recipient
      When the partner sends the message via <endpoint>
      Then the request is rejected with an error response
      And the response body is exactly:
        """json
        {"error": "Invalid api token."}
        """
      And the response matches the "error-api-key" schema
      And the HTTP status is recorded as an observation

      Examples: wrong and missing keys on both endpoints
        | key_header  | endpoint      |
        | a wrong key | the Cloud API |
        | a wrong key | MM Lite       |
        | missing     | the Cloud API |
        | missing     | MM Lite       |

    @S3d @cloud_api @mm_lite @observation
    Scenario Outline: The API key written with a "Bearer" prefix
      The guide's header tables show "D360-API-KEY: Bearer <token>", while every
      curl example sends the bare key, which is what the rest of this suite does
      (CONTRACT §2, §10.1). Which form the sandbox accepts is unknown, so this
      scenario does not judge it: it only requires one of the two documented
      answers (a valid send, or the invalid-token body) and records which one
      came back.
      Given the D360-API-KEY header is the valid key with a Bearer prefix
      And a template message "marketing_text_no_param" in "en" for the test recipient
      When the partner sends the message via <endpoint>
      Then the answer is either a valid send or the documented invalid-token error
      And the HTTP status is recorded as an observation
      And the response body is recorded as an observation

      Examples: both endpoints
        | endpoint      |
        | the Cloud API |
        | MM Lite       |
