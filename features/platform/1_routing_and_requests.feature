Feature: P1. The partner's platform routes each message to the right API and sends it as 360dialog expects
  A partner certifies its own platform, not the sandbox: the emulator plays 360dialog, the suite asks the platform
  (through its driver) to send messages, and judges the requests the platform made, read from the emulator's
  request journal. These scenarios run only with --target platform (README, "Certify your platform").

  Since the GA of the Marketing Messages API, Meta asks platforms to route by template category: marketing
  templates to MM Lite, everything else to the Cloud API, and to follow the latest category, which changes only
  when a template_category_update says it is completed (CURRENT-API §2.1, §2.2 R1, R2). 360dialog also offers
  delegated routing: everything to POST /messages, and its smart routing takes marketing on to MM Lite
  (CURRENT-API §1.2, §1.8). The mode the platform uses is configured with MMLITE_PLATFORM_ROUTING; each rule says
  in which modes it applies. The category is never given to the platform: it learns it from the template list
  and from webhooks, as Meta asks.

  Background:
    Given the partner's platform is connected to the emulator

  Rule: P1a. Templates are routed by their category

    @P1a @platform
    Scenario: A marketing template goes to MM Lite in explicit routing, to /messages in delegated routing
      Source: CURRENT-API §2.2 R1 (Meta, "Route template messages by category"; 360dialog technical details).
      Given a MARKETING template approved on the account
      When the platform is asked to send the template to a new recipient
      Then the platform sent it to the endpoint its routing mode gives marketing templates
      And every request it sent carried the bare key in D360-API-KEY
      And every request it sent used 360dialog's routes

    @P1a @platform
    Scenario Outline: A <category> template goes to /messages
      Source: CURRENT-API §2.2 R1; MM Lite refuses such templates with 131055 (guide 3.b).
      Given a <category> template approved on the account
      When the platform is asked to send the template to a new recipient
      Then the platform sent it to /messages only
      And every request it sent carried the bare key in D360-API-KEY

      Examples:
        | category       |
        | UTILITY        |
        | AUTHENTICATION |

    @P1a @platform
    Scenario: A text message goes to /messages
      MM Lite refuses anything but a template with code 100 (guide 3.a). Before the action, the emulator posts a
      text from that recipient, so the customer-service window is open.
      Given the new recipient has written to the sandbox number
      When the platform is asked to send the text "Thanks for writing!" to that recipient
      Then the platform sent it to /messages only
      And no request it sent carried message_activity_sharing

  Rule: P1b. The route follows the latest category, and changes only when the change is completed

    @P1b @platform @explicit_routing
    Scenario: A utility template that becomes marketing moves to MM Lite when the change is completed
      Source: CURRENT-API §2.1 ("update only on the completed notification; do not route on correct_category"),
      §2.2 R2. The platform answers each notification before the next action.
      Given a UTILITY template approved on the account
      And the platform routes explicitly
      When the template's change to MARKETING is announced as impending
      And the platform is asked to send the template to a new recipient
      Then the platform sent it to /messages only
      When the template's change to MARKETING is completed
      And the platform is asked to send the template to a new recipient
      Then the platform sent it to /marketing_messages only

    @P1b @platform @explicit_routing
    Scenario: A marketing template that becomes utility moves back to /messages when the change is completed
      Source: CURRENT-API §1.8 (an appeal can turn a template into utility), §2.2 R2.
      Given a MARKETING template approved on the account
      And the platform routes explicitly
      When the template's change to UTILITY is announced as impending
      And the platform is asked to send the template to a new recipient
      Then the platform sent it to /marketing_messages only
      When the template's change to UTILITY is completed
      And the platform is asked to send the template to a new recipient
      Then the platform sent it to /messages only

  Rule: P1c. Only the URL differs between the two APIs

    360dialog: "the payload is exactly the same" on both endpoints; message_activity_sharing, a boolean, is the
    one field MM Lite adds, and it "can be removed if not needed" (CONTRACT §4.3; CURRENT-API §1.3, §2.2 R7).

    @P1c @platform @explicit_routing
    Scenario: The MM Lite request is the Cloud API request, with at most message_activity_sharing added
      Given a MARKETING template approved on the account
      And a UTILITY template approved on the account
      And the platform routes explicitly
      When the platform is asked to send the MARKETING template to a new recipient
      And the platform is asked to send the UTILITY template to a new recipient
      Then the MM Lite body equals the Cloud API body apart from message_activity_sharing
      And every body it sent matches its endpoint's request schema

  Rule: P1d. The platform registers a webhook URL 360dialog accepts

    @P1d @platform
    Scenario: The webhook URL the platform registers is https, with no explicit port and no "_" in its host
      Source: CONTRACT §3.4 (URL rules of 360dialog's webhook configuration); CURRENT-API §2.2 R19. Which of
      POST /waba_webhook and POST /v1/configs/webhook the platform uses is recorded; a read-back is recorded, not
      required. A loopback host (a local rehearsal) may use http and a port: that passes, with the observation
      that 360dialog will require https without a port.
      Given the platform registers its webhook itself
      When the platform is asked to register its webhook
      Then every URL it registered is one 360dialog accepts
