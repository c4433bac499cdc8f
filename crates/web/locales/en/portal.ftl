# The customer portal (crates/portal). Read as a customer reads it: plain words, no jargon.
portal-title = Customer area
portal-skip = Skip to content
portal-footer = Your requests, answered by our team. Your information is only used to handle them.
portal-nav = Customer area
portal-my-cases = My requests
portal-org-cases = My organisation’s requests
portal-new-case = New request
portal-sign-out = Sign out
portal-back = Back to my requests
portal-sign-in = Sign in
portal-sign-in-intro = Enter your email address: we will send you a link to sign in, no password needed.
portal-email = Email address
portal-send-link = Send me a sign-in link
portal-link-sent = If this address is known to us, a sign-in link is on its way. It works once, for 15 minutes.
portal-link-sent-hint = Nothing after a few minutes? Check your spam folder, or make sure you typed the address you write to us from.
portal-sign-in-again = Ask for a new link
portal-use-password = I have a password
portal-password = Password
portal-sign-in-button = Sign in with my password
portal-password-wrong = This email address and password do not match.
portal-link-confirm = Continue to sign in to your customer area.
portal-link-continue = Continue
portal-link-gone-title = This link no longer works
portal-link-gone = It was already used or it has expired. Ask for a new one: it only takes a moment.
portal-filter = Which requests
portal-all = All
portal-open-only = In progress
portal-no-cases = No requests here yet.
portal-status-new = Received
portal-status-open = In progress
portal-status-pending = Waiting for your answer
portal-status-hold = In progress
portal-status-solved = Solved
portal-status-closed = Closed
portal-case-number = Request #{ $x }
portal-updated = updated { $x }
portal-pages = Pages
portal-previous = Previous
portal-next = Next
portal-opened = Opened { $x }
portal-requested-by = asked by { $x }
portal-confirm-title = Is your problem solved?
portal-confirm-text = Our team considers this request solved. Tell us whether that is the case.
portal-yes-solved = Yes, it is solved
portal-still-why = Not solved? Tell us what is still wrong (optional)
portal-still-problem = No, still a problem
portal-agreed-solution = What we agreed
portal-promised = Promised by { $x }
portal-thread = Messages
portal-you = You
portal-team = Customer service
portal-reply = Add a message
portal-message = Your message
portal-files = Files (optional)
portal-send = Send
portal-mark-solved-text = Your problem is solved? You can close it yourself.
portal-mark-solved = Mark as solved
portal-closed-text = This request is closed. Need more help on the same subject?
portal-follow-up = Open a follow-up request
portal-follow-up-of = This request follows up on request #{ $x }.
portal-subject = Subject
portal-profile = My profile
portal-name = Name
portal-language = Language
portal-time-zone = Time zone
portal-password-legend = Password (optional)
portal-password-hint = Sign-in links by email are enough. A password is for those who prefer one; leave it blank to keep things as they are.
portal-current-password = Current password
portal-new-password = New password
portal-save = Save
portal-identities = How we recognise you
portal-identities-hint = To change an address or a phone number, write to us from it.
portal-csrf = This form expired or came from another site. Go back, reload the page and try again.
portal-signed-out = You are signed out. Sign in again to continue.
notice-sent = Your message was sent.
notice-closed = Thank you! The request is closed.
notice-reopened = The request is open again: our team will come back to you.
notice-solved = The request is marked as solved.
notice-created = Your request was received.
portal-count = { $n ->
    [one] One request
   *[other] { $n } requests
}
form-title = Contact us
form-topic = What is it about?
form-topic-choose = Choose a topic
form-name = Your name
form-email = Your email address
form-subject = Subject (optional)
form-message = Your message
form-needs-js = This form needs JavaScript: an anti-spam check runs in your browser, with no third party.
form-sent-title = Thank you, we have received your request
form-sent-number = Its number: #{ $x }. Keep it to follow up.
form-sent-expected = We will answer by { $x } at the latest.
form-sent-mail = A confirmation is on its way to your mailbox, with a link to follow your request online.
form-another = Send another request
hc-title = Help centre
hc-search = Search
hc-search-placeholder = Describe your question in a few words
hc-results = { $n ->
    [one] One article found
   *[other] { $n } articles found
}
hc-no-results = No article matches. Try other words, or write to us.
hc-empty = No article yet.
hc-breadcrumbs = Where you are
hc-updated = Updated { $x }
hc-vote-question = Was this article helpful?
hc-vote-yes = Yes
hc-vote-no = No
hc-vote-thanks = Thank you for your answer.
hc-vote-count = { $n ->
    [one] One reader found it helpful.
   *[other] { $n } readers found it helpful.
}
hc-still-need = Still need help?
hc-related = Related articles
hc-files = Attachments
hc-see-all = { $n ->
    [one] See the article
   *[other] See all { $n } articles
}
hc-section-count = { $n ->
    [one] { $n } article
   *[other] { $n } articles
}
hc-suggest-title = These articles may answer your question:
chat-title = Let’s talk
chat-intro = Ask your question: someone from the team answers here.
chat-close = Close the chat
chat-topic = Your question is about
chat-topic-choose = Choose a topic
chat-first = Your message
chat-start = Start the chat
chat-log = Chat messages
chat-input = Write your message
chat-send = Send
chat-end = End the chat
chat-ended = Chat ended. Thank you!
chat-new = New chat
chat-connecting = Connecting…
chat-reconnecting = Connection lost, trying again…
chat-waiting = Message received: someone will answer you shortly.
chat-answered = Someone from the team is answering.
chat-you = You
chat-agent = Agent
chat-typing = %name% is typing…
chat-read = Read
chat-end-confirm = End the chat?
chat-choose-topic = Choose the topic of your question first.
chat-write-first = Write your question before starting.
chat-timed-out = Chat closed after a long silence. Write to us again whenever you like.
chat-suggest-title = These articles may answer your question:
chat-suggest-yes = Yes, that answers it
chat-suggest-no = No, I want to talk to someone
chat-suggest-thanks = Glad it helped! We are here if you need us.
chat-suggest-back = Ask another question
chat-joined = %name% joined the chat
chat-transferred = Chat transferred to the “%team%” team
chat-offline = Nobody is available to chat right now. Leave us a message: we will answer by email.
chat-offline-write = Write a message
chat-offline-status = Offline for now
chat-queue-next = You are next: someone will answer you shortly.
chat-queue-one = One person is waiting before you: we answer in order of arrival.
chat-queue-many = %n% people are waiting before you: we answer in order of arrival.
chat-queue-wait = Usually answered in %a% to %b% min.
chat-queue-wait-one = Usually answered in %a% min.
