# The knowledge base's editors (ui/src/pages/admin_kb.rs).
admin-kb = Base de connaissances
admin-kb-intro = Les articles que vos clients lisent avant d’écrire, et que vos agents citent dans leurs réponses. Pages publiques :
admin-kb-articles = Articles
admin-kb-no-articles = Aucun article pour l’instant.
admin-kb-title = Titre
admin-kb-section = Section
admin-kb-category = Catégorie
admin-kb-new-article = Nouvel article
admin-kb-tree = Catégories et sections
admin-kb-name-fr = Nom en français
admin-kb-name-en = Nom en anglais
admin-kb-new-category = Nouvelle catégorie
admin-kb-new-section = Nouvelle section
admin-kb-article = Article
admin-kb-state = État
admin-kb-visibility = Qui le lit
admin-kb-publish-at = Publié à partir du (facultatif)
admin-kb-labels = Étiquettes
admin-kb-body = Texte (Markdown)
admin-kb-markdown = Markdown : **gras**, *italique*, # titres, - listes, [liens](https://…). Tout HTML est nettoyé.
admin-kb-files = Images et pièces jointes
admin-kb-files-hint = Une image se place dans le texte : copiez sa ligne Markdown dans le texte, à l’endroit voulu (elle sert dans les deux langues). Une pièce jointe apparaît sous l’article, à télécharger. Elles sont visibles par ceux qui peuvent lire l’article, et par personne d’autre.
admin-kb-no-files = Aucun fichier pour l’instant.
admin-kb-file = Fichier
admin-kb-file-choose = Fichier à ajouter
admin-kb-file-kind = Usage
admin-kb-file-inline = Image dans le texte
admin-kb-file-attachment = Pièce jointe sous l’article
admin-kb-file-markdown = À coller dans le texte
admin-kb-file-add = Ajouter le fichier
admin-kb-untranslated = non traduit : l’article n’apparaît pas dans cette langue
admin-kb-remove-lang = Retirer cette langue
admin-kb-view = Le voir comme les clients
admin-kb-votes = { $n ->
    [one] { $n } lecteur l’a trouvé utile
   *[other] { $n } lecteurs l’ont trouvé utile
}
admin-kb-votes-down = { $n ->
    [one] { $n } non
   *[other] { $n } non
}
value-kb-state-draft = Brouillon
value-kb-state-published = Publié
value-kb-state-archived = Archivé
value-kb-visibility-public = Tout le monde
value-kb-visibility-internal = L’équipe seulement (interne)
kb-panel = Base de connaissances
kb-panel-search = Chercher dans les articles
kb-panel-placeholder = Les mots de la question
kb-panel-none = Aucun article ne correspond (articles internes compris).
kb-panel-insert-link = Insérer son lien
kb-panel-insert-text = Insérer son texte
