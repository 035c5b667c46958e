Feature: P2. The partner's platform reacts to every expected error without harming the account
  The guide exists so that a platform "gets all the expected error codes" and handles them before release.
  Handling means what the platform does next: a platform that retries a refused message forever, keeps sending to
  MM Lite after the terms error, floods MM Lite while a template is still syncing, retries an invalid key or ignores
  Retry-After is throttled or charged in production ("bad usage detected can generate extra charges", says the
  guide). Each scenario arranges one error through the emulator's control endpoints, asks the platform to send,
  judges what it did next from the request journal, and restores the account afterwards, announcing the
  restoration as 360dialog would (CURRENT-API §1.5, §1.8, §2.2 R3-R5, R12-R14, R16).

  The answers below are the documented bodies (360dialog wraps MM Lite's Graph errors in "detail"). When the
  platform never met the arranged answer (it never sent what would meet it), the scenario fails with "the platform
  never met ..."; where the routing mode makes that impossible it is skipped as not applicable.

  Background:
    Given the partner's platform is connected to the emulator

  Rule: P2a. A message MM Lite refused as not a marketing template is not sent to MM Lite again

    @P2a @platform @explicit_routing
    Scenario Outline: <code> from MM Lite: no retry there, at most one fallback to /messages
      Source: guide 3.a/3.b; CURRENT-API §1.8 ("retry only after a confirmed failure"), §2.2 R1, R3.
      Given the platform routes explicitly
      And a MARKETING template approved on the account
      And the emulator answers the platform's next MM Lite request with HTTP 400 and code <code>:
        """json
        {"detail": {"error": {"message": "<message>", "type": "OAuthException", "code": <code>,
          "error_data": {"messaging_product": "whatsapp", "details": "<details>"}, "fbtrace_id": "AxCertPlatform"}}}
        """
      When the platform is asked to send the template to a new recipient
      Then the platform met the arranged answer
      And it sent no further MM Lite request for that recipient
      And it sent at most one request for that recipient to /messages, recorded as its fallback

      Examples:
        | code   | message                      | details                                        |
        | 100    | (#100) Invalid parameter     | Message must be a template message.            |
        | 131055 | (#131055) Method not allowed | Only marketing template messages are supported |

  Rule: P2b. A number that has not accepted the MM Lite terms is served through the Cloud API, once

    @P2b @platform @explicit_routing
    Scenario: After the terms error the platform stops using MM Lite and sends the message once via /messages
      Source: guide 3.c; CURRENT-API §2.2 R4 (track onboarding; handle the terms error without looping). The
      account is onboarded again afterwards and an account_update MM_LITE_TERMS_SIGNED is posted to the platform.
      Given the platform routes explicitly
      And a MARKETING template approved on the account
      And the account has not accepted the MM Lite terms
      When the platform is asked to send the template to a new recipient
      Then the platform met the terms error
      And it sent no further MM Lite request for that recipient
      And it sent exactly one request for that recipient to /messages

  Rule: P2c. A template still syncing with the ad account is not hammered on MM Lite

    @P2c @platform @explicit_routing
    Scenario: A template created a moment ago meets 131009 at most once, and is not retried on MM Lite at once
      Source: CURRENT-API §2.2 R5 ("no MM traffic within 10 min of creation"; 131009 -> a delayed retry, not an
      immediate storm). A platform that knows the template is new and sends it via /messages passes too.
      Given the platform routes explicitly
      And a MARKETING template created just now, still syncing with the ad account
      When the platform is asked to send the template to a new recipient
      Then it sent at most one MM Lite request for that recipient before the sync delay ended
      And that request, if any, met 131009

  Rule: P2d. An invalid key stops the sender

    @P2d @platform
    Scenario: After "Invalid api token." the platform sends at most one more request for the message
      Source: guide 3.d; CURRENT-API §2.2 R13 ("auth failure stops the sender and alerts; no retry storm"). The
      key is accepted again afterwards.
      Given a MARKETING template approved on the account
      And the account's API key is rejected
      When the platform is asked to send the template to a new recipient
      Then the platform met the invalid-token answer
      And it sent at most one further request for that recipient

  Rule: P2e. Retry-After is honoured, and the message still goes out

    @P2e @platform
    Scenario Outline: <code>: every retry waits at least Retry-After, the second wait is no shorter, the message is sent
      Source: CURRENT-API §2.2 R14 (exponential back-off on 429 / 130429 / 131056); 360dialog's resilient sending
      service ("a retry mechanism with exponential backoff"). Retrying later than Retry-After, with jitter, passes.
      Given a MARKETING template approved on the account
      And the emulator answers the platform's next 2 marketing sends <scope> with HTTP 429, Retry-After 1 s and code <code>:
        """json
        {"detail": {"error": {"message": "<message>", "type": "OAuthException", "code": <code>,
          "error_data": {"messaging_product": "whatsapp", "details": "<details>"}, "fbtrace_id": "AxCertPlatform"}}}
        """
      When the platform is asked to send the template to the prepared recipient
      Then the platform met the arranged answer
      And every retry came at least Retry-After after the 429 before it, and the second wait was no shorter
      And the message was accepted before the observation ended

      Examples:
        | code   | scope                 | message                                                         | details                                                     |
        | 130429 | on the account        | (#130429) Rate limit hit                                        | Cloud API message throughput has been reached.              |
        | 131056 | to that one recipient | (#131056) (Business Account, Consumer Account) pair rate limit hit | Too many messages sent from this number to the same number. |

  Rule: P2f. A recipient the platform may not market to is not sent marketing again

    @P2f @platform
    Scenario: After a failed status with 131049 for a +1 recipient, nothing more is sent to that recipient
      Source: CURRENT-API §1.5 (131049: US recipients stopped receiving marketing on 1 Apr 2025), §2.2 R14, R16.
      The emulator accepts the send and posts a single failed status with 131049; refusing the second action passes.
      Given a MARKETING template approved on the account
      And a new recipient in the United States
      When the platform is asked to send the template to that recipient
      And the platform has answered the failed status of that message
      And the platform is asked to send the template to that recipient again
      Then it sent nothing for that recipient the second time, or refused the action

  Rule: P2g. An error code nobody documented yet is survived

    @P2g @platform
    Scenario: An unknown code in the documented envelope is retried at most twice, and the platform still works
      Source: CURRENT-API §2.2 R12 (logic keys on code and details; new codes appear every few months).
      Given a MARKETING template approved on the account
      And the emulator answers the platform's next request for the template with HTTP 400 and code 999999:
        """json
        {"detail": {"error": {"message": "(#999999) A code this platform has never seen", "type": "OAuthException",
          "code": 999999, "error_data": {"messaging_product": "whatsapp", "details": "Something new."},
          "fbtrace_id": "AxCertPlatform"}}}
        """
      When the platform is asked to send the template to a new recipient
      Then the platform met the arranged answer
      And it sent at most 3 requests for that recipient
      When the platform is asked to send the template to a new recipient
      Then the platform sent it to the endpoint its routing mode gives marketing templates
