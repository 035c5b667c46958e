Feature: P3. The partner's webhook endpoint answers every notification, fast, and what no request shows is attested
  360dialog gives a partner's webhook endpoint "a hard limit rule of 5 seconds" to answer 200, retries what is not
  answered, and sends kinds of notification a platform built for the Cloud API has never seen: marketing_lite
  pricing, account_update when the MM Lite terms are signed, user_actions link clicks, template_category_update,
  new fields every few months, duplicates and reorderings (CURRENT-API §1.6, §2.2 R9-R11). Each notification here is
  posted once (no retry) to the URL the platform registered, and judged by its first answer.

  Background:
    Given the partner's platform is connected to the emulator

  Rule: P3a. Every documented kind, and what the future may add, is answered 2xx within 5 s

    @P3a @platform @webhook
    Scenario Outline: <notification> is answered 2xx within 5 s on its first attempt
      Source: CURRENT-API §2.2 R9-R11; 360dialog's stable webhook endpoint ("a hard limit rule of 5 seconds").
      A 2xx other than 200 passes and is recorded.
      When the emulator posts <notification> to the platform's webhook
      Then every notification was answered 2xx within 5.0 s on its first attempt

      Examples: statuses and messages
        | notification                                         |
        | a sent status priced marketing_lite                  |
        | a delivered status priced marketing                  |
        | a read status                                        |
        | a failed status with error 131049                    |
        | an inbound text message                              |
        | several statuses in one notification                 |
        | the same delivered status twice                      |
        | the statuses of one message in reverse order         |

      Examples: notifications a Cloud API platform has never seen
        | notification                                         |
        | an account_update saying the MM Lite terms were signed |
        | a user_actions link click                            |
        | an impending template_category_update                |
        | a completed template_category_update                 |
        | a status with fields nobody has documented yet       |
        | a notification of a kind nobody has documented yet   |

  Rule: P3b. A burst at the number's throughput is answered as fast

    @P3b @platform @webhook @burst
    Scenario: 80 notifications released within 1 s over 16 connections are each answered 2xx within 5 s
      Source: CURRENT-API §2.2 R11; 80 messages per second is the default throughput of a number (CONTRACT §8).
      When the emulator posts 80 delivered statuses within 1 s over up to 16 connections
      Then every notification was answered 2xx within 5.0 s on its first attempt

  Rule: P3c. A notification with a wrong signature is refused

    @P3c @platform @webhook
    Scenario: A status signed with a wrong key, in both header forms, gets a 4xx
      Source: CONTRACT §7.2 (360dialog's X-360dialog-Signature); Meta's X-Hub-Signature-256. Needs the secret the
      partner shared with the platform, in MMLITE_PLATFORM_WEBHOOK_SECRET (the emulator signs every other
      notification with it).
      Given the partner shared a webhook secret with the platform
      When the emulator posts a delivered status signed with a wrong key in both header forms
      Then the platform refused it with a 4xx

  Rule: P3d. What no request can show is attested by the person certifying the platform

    The verdict of these scenarios is "attested", never "passed"; without a person to answer they are skipped
    with that reason (the verdict set in README, "Verdicts").

    @P3d @platform @attestation
    Scenario: Messages sent through MM Lite are billed as marketing_lite in the platform's reports
      Source: CURRENT-API §1.6 (pricing category marketing_lite), §2.2 R20.
      When the emulator posts a sent status priced marketing_lite to the platform's webhook
      Then the operator confirms: "the platform's reports or billing show that message as marketing_lite, not marketing"

    @P3d @platform @attestation
    Scenario: A message held for quality assessment is not shown as delivered
      Source: CONTRACT §5 (message_status held_for_quality_assessment / paused); CURRENT-API §1.4, §2.2 R8.
      Given a MARKETING template approved on the account
      And the emulator answers the platform's next marketing send with a message_status of held_for_quality_assessment
      When the platform is asked to send the template to the prepared recipient
      Then the operator confirms: "the platform does not show that message as sent or delivered while it is held"

    @P3d @platform @attestation
    Scenario: A recipient who stopped marketing is not sent marketing again
      Source: CURRENT-API §1.5 (131050, user_preferences), §2.2 R15.
      When the emulator posts a failed status with error 131050 to the platform's webhook
      Then the operator confirms: "the platform will not send marketing to that recipient again, but still sends utility messages"
