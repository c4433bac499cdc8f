# API error descriptions (English).
err-not-found = Not found
err-unauthenticated = Couldn't authenticate you
err-forbidden = You do not have access to this resource: { $detail }
err-throttled = Too many failed attempts; retry in { $detail } seconds
err-rate-limited = Too many requests; retry later
err-invalid-json = The body is not valid JSON: { $detail }
err-body-too-large = The body is larger than the limit of { $detail }
err-record-invalid = Some fields need correcting:
err-invalid-value = { $field }: { $detail }
err-required = { $field } is required
err-too-long = { $field } is too long (at most { $detail })
err-unknown-reference = { $field }: no record with id { $detail }
err-not-staff = { $field }: user { $detail } is not an agent
err-email-invalid = { $field }: { $detail } is not a valid email address
err-email-taken = Email: { $detail } is already being used by another user
err-phone-taken = Phone: { $detail } is already being used by another user
err-duplicate = { $field }: { $detail } already exists
err-password-length = The password must be 10 to 256 characters long
err-case-closed = A closed ticket cannot be changed; create a follow-up ticket
err-status-back-to-new = A ticket cannot go back to "New"
err-status-agent-close = Only the customer (or the quiet period) closes a ticket; set it to "Solved"
err-status-not-solved = Only a solved ticket can be confirmed
err-search-query = Invalid search query: { $detail }
err-search-window = Search results are limited to the first 1000
err-idempotency-mismatch = The Idempotency-Key { $detail } was already used with a different request
err-merge-sources = { $field }: give { $detail }
err-link-self = A ticket cannot be linked to itself
err-negative = { $field } must not be negative
err-too-many-values = { $field } cannot specify more than { $detail } values
err-invalid-parameter = { $field }: { $detail }
err-invalid-endpoint = Not found: no such endpoint
err-method = Method not allowed on this endpoint
err-internal = Internal error; it has been logged
err-unavailable = The database cannot be reached right now; nothing was saved. Try again in a few seconds.
err-overloaded = Too many changes are waiting to be saved; nothing was saved. Try again in a moment.
err-storage-full = The server’s disk is full; nothing was saved. Reading still works; an administrator must free some space.
err-unknown-upload = { $field }: no pending upload with token { $detail }
err-too-large = { $field } is larger than the limit of { $detail }
err-invalid = { $field }: { $detail }
err-in-use = { $field }: { $detail } is still in use
err-has-children = { $field }: { $detail } still has subcategories
err-category-cycle = { $field }: a category cannot be placed under itself or its descendants
err-password-wrong = The current password is not right
err-over-authority = { $field }: { $detail } is above your authority limit
err-already-decided = { $field }: this request was already decided
err-template = { $field }: the template cannot be used ({ $detail })
err-shortcut = { $field }: a shortcut is 1 to 32 letters, digits, - or _
err-stale = { $field }: the case changed since you opened it ({ $detail }); reload it and try again
err-end-user-field = { $field }: only staff set this field on a ticket (end users give a subject, a comment and uploads)
err-merge-requesters = { $field }: ticket { $detail } belongs to another customer; merging would hand their messages and files over (merge as internal to keep them as internal notes)
err-own-request = { $field }: you requested this compensation; another supervisor or an administrator decides it
err-control-character = { $field }: NUL and control characters (other than tab and line breaks) are not accepted
err-too-many = { $field }: too many values ({ $detail })
err-quota = { $field }: upload quota exceeded ({ $detail })
err-unsupported-media-type = Request bodies must be JSON: send Content-Type: application/json
err-host-invalid = { $field }: “{ $detail }” is not a server name or IP address
err-out-of-range = { $field }: allowed values are { $detail }
err-not-allowed = { $field }: “{ $detail }” is not one of the choices
err-no-mailbox = Add a mailbox first: mail leaves from a mailbox’s address
err-not-failed = { $field }: only a failed mail can be sent again (this one is { $detail })
err-link-expired = This link has expired or was already used; ask for a new one
err-over-ceiling = { $field }: { $detail } is above the ceiling set for this installation
err-currency-unknown = { $field }: “{ $detail }” is not an ISO 4217 currency code (EUR, USD, GBP, CHF…)
err-in-the-future = { $field }: { $detail } is in the future
err-team-name-taken = A team with this name already exists: { $detail }
err-taken = { $field }: this value is already used
err-threshold-range = { $field }: a time between 1 minute and 365 days
err-share-range = { $field }: a share above 0 and at most 100%
err-unacceptable-order = { $field } must be longer than the target time
err-time-zone-unknown = { $field }: “{ $detail }” is not a known time zone (for example Europe/Paris)
err-password-again = { $field }: type the password again when the server, port, security or user name changes
err-not-closed = { $field }: case { $detail } is not closed yet; write on it instead
err-form-expired = This form has expired or was already sent: reload the page and send it again
err-too-fast = This form was sent too quickly after it appeared: wait a few seconds and send it again
err-spam-suspected = This form looks automated and was not sent; if you are a person, reload the page and try again
err-proof-missing = This form needs JavaScript to be sent (an anti-spam check runs in your browser): turn it on and send again
err-jwt-invalid = The sign-in from your site could not be checked ({ $detail }): go back to the site and try again
err-contrast-low = { $field }: white text on this colour is hard to read (contrast { $detail }:1, at least 4.5:1 needed); choose a darker one
err-not-an-image = { $field }: this file is not a picture ({ $detail } only; SVG is refused because it can carry code)
err-chat-ended = This conversation has ended; start a new one to write again

# Service standards as sentences (B1).
std-first_response = { $share } of cases get a first response within { $threshold }
std-next_response = { $share } of customer messages are answered within { $threshold }
std-periodic_update = { $share } of open cases get an update at least every { $threshold }
std-resolution = { $share } of cases are resolved within { $threshold }
std-customer_wait = { $share } of cases keep the customer waiting a total of less than { $threshold }
std-agent_work = { $share } of cases take less than { $threshold } of agent work
std-promise_kept = { $share } of promised solutions are delivered by the promised date
std-follow_up = { $share } of follow-ups are done on the planned date
std-scope = , for { $scope }
std-unacceptable = ; more than { $limit } is unacceptable
std-unacceptable-late = ; more than { $limit } late is unacceptable
dur-minutes =
    { $n ->
        [one] { $n } minute
       *[other] { $n } minutes
    }
dur-hours =
    { $n ->
        [one] { $n } hour
       *[other] { $n } hours
    }
dur-days =
    { $n ->
        [one] { $n } day
       *[other] { $n } days
    }
dur-business-hours =
    { $n ->
        [one] { $n } business hour
       *[other] { $n } business hours
    }
dur-business-minutes =
    { $n ->
        [one] { $n } business minute
       *[other] { $n } business minutes
    }
channel-web = the web form
channel-email = email
channel-chat = chat
channel-phone = phone calls
channel-visit = visits
channel-letter = letters
channel-fax = fax
channel-social = social media
channel-api = the API
priority-low = low priority
priority-normal = normal priority
priority-high = high priority
priority-urgent = urgent cases
kind-question = questions
kind-complaint = complaints
kind-incident = incidents
kind-request = requests
kind-suggestion = suggestions
kind-praise = praise
err-chat-slow-down = You are writing faster than we can read: try again in { $detail } s
err-origin-refused = This page cannot open the chat
err-too-many-sockets = Too many conversations open right now; try again in a moment
err-frame-too-large = Message too long (at most { $detail } bytes)
err-bad-frame = Unreadable message: { $detail }
err-hello-first = The chat must say hello first
err-already-greeted = The chat has already said hello
