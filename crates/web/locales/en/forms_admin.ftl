# The contact forms' administration (ui/src/pages/admin_forms.rs) and the team's portal switch.
admin-forms = Contact forms
admin-forms-intro = A contact form goes on your website with one tag. Visitors choose the topic first: each topic sends to a team and a category, and may ask its own questions.
admin-forms-none = No contact form yet.
admin-form-topics = { $n ->
    [one] One topic
   *[other] { $n } topics
}
admin-form-off = switched off
admin-form-new = New contact form
admin-form-embed = Put it on your site
admin-form-embed-help = Paste this tag where the form should appear (the site must be in the list of allowed sites below):
admin-form-frame-help = Or link to the form, or frame this address:
admin-form-locale = Default language
admin-form-origins = Sites allowed to show the form
admin-form-origins-help = One address per line, such as https://www.example.com (no path). Other sites cannot frame it.
admin-form-active = Form switched on
admin-form-topics-title = Topics
admin-form-topics-help = Empty a topic’s key and labels to remove it. Extra fields: one per line, “key ; French label ; English label ; *” (the star makes it required).
admin-form-topic-new = New topic
admin-form-topic-key = Key (lower case, no spaces)
admin-form-topic-fr = Label in French
admin-form-topic-en = Label in English
admin-form-topic-fields = Extra fields
admin-form-delete = Delete this form
admin-team-customers-solve = Customers may mark their own case solved in the portal
admin-anonymous-requests = Accept requests from anyone through the API (no credentials)
admin-anonymous-requests-help = Zendesk’s “anyone can submit tickets”: POST /api/v2/requests with a requester’s name and email. Limited per address like the contact form, but without its anti-spam token: leave it off unless an integration needs it.
admin-brand-title = Customer area: your name and colour
admin-brand-name = Company name
admin-brand-name-placeholder = Customer area
admin-brand-colour = Colour (#rrggbb)
admin-brand-help = Shown on the customer pages and the contact form. White text must stay readable on the colour.
admin-brand-logo = Customer area logo
admin-brand-logo-current = Current logo
admin-brand-logo-none = No logo: the header shows the name alone.
admin-brand-logo-file = New logo
admin-brand-logo-help = PNG, JPEG, GIF or WebP, 512 KB at most; shown 36 pixels high on white, left of the name. SVG is refused (it can carry code).
admin-brand-logo-remove = Remove the logo
admin-form-chat = Live chat beside the form
admin-form-chat-help = The visitor picks a topic (this form’s), then writes: the conversation becomes a case of channel “chat”, routed to the topic’s team.
admin-form-chat-embed = The live chat
admin-form-chat-embed-help = Paste this tag once per page, just before </body>: it adds the chat button at the bottom right (the same allowed sites).
