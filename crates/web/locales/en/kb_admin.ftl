# The knowledge base's editors (ui/src/pages/admin_kb.rs).
admin-kb = Knowledge base
admin-kb-intro = Articles your customers read before they write, and your agents use in their replies. Public pages:
admin-kb-articles = Articles
admin-kb-no-articles = No article yet.
admin-kb-title = Title
admin-kb-section = Section
admin-kb-category = Category
admin-kb-new-article = New article
admin-kb-tree = Categories and sections
admin-kb-name-fr = Name in French
admin-kb-name-en = Name in English
admin-kb-new-category = New category
admin-kb-new-section = New section
admin-kb-article = Article
admin-kb-state = State
admin-kb-visibility = Who reads it
admin-kb-publish-at = Published from (optional)
admin-kb-labels = Labels
admin-kb-body = Text (Markdown)
admin-kb-markdown = Markdown: **bold**, *italic*, # headings, - lists, [links](https://…). Any HTML is cleaned.
admin-kb-files = Pictures and attachments
admin-kb-files-hint = A picture goes in the text: copy its Markdown line into the text where you want it (it works in both languages). An attachment is listed under the article, to download. They are visible to whoever can read the article, and to nobody else.
admin-kb-no-files = No files yet.
admin-kb-file = File
admin-kb-file-choose = File to add
admin-kb-file-kind = Use
admin-kb-file-inline = Picture in the text
admin-kb-file-attachment = Attachment under the article
admin-kb-file-markdown = To paste in the text
admin-kb-file-add = Add the file
admin-kb-untranslated = not translated: the article does not show in this language
admin-kb-remove-lang = Remove this language
admin-kb-view = See it as customers do
admin-kb-votes = { $n ->
    [one] One reader found it helpful
   *[other] { $n } readers found it helpful
}
admin-kb-votes-down = { $n ->
    [one] one did not
   *[other] { $n } did not
}
value-kb-state-draft = Draft
value-kb-state-published = Published
value-kb-state-archived = Archived
value-kb-visibility-public = Everyone
value-kb-visibility-internal = Staff only (internal)
kb-panel = Knowledge base
kb-panel-search = Search the articles
kb-panel-placeholder = Words of the question
kb-panel-none = No article matches (internal articles included).
kb-panel-insert-link = Insert its link
kb-panel-insert-text = Insert its text
