# The contact forms' administration (ui/src/pages/admin_forms.rs) and the team's portal switch.
admin-forms = Formulaires de contact
admin-forms-intro = Un formulaire de contact se place sur votre site avec une seule balise. Le visiteur choisit d’abord le sujet : chaque sujet va à une équipe et une catégorie, et peut poser ses propres questions.
admin-forms-none = Aucun formulaire de contact pour l’instant.
admin-form-topics = { $n ->
    [one] { $n } sujet
   *[other] { $n } sujets
}
admin-form-off = désactivé
admin-form-new = Nouveau formulaire de contact
admin-form-embed = Le placer sur votre site
admin-form-embed-help = Collez cette balise là où le formulaire doit apparaître (le site doit figurer dans la liste des sites autorisés ci-dessous) :
admin-form-frame-help = Ou faites un lien vers le formulaire, ou intégrez cette adresse dans un cadre :
admin-form-locale = Langue par défaut
admin-form-origins = Sites autorisés à afficher le formulaire
admin-form-origins-help = Une adresse par ligne, par exemple https://www.exemple.fr (sans chemin). Les autres sites ne peuvent pas l’intégrer.
admin-form-active = Formulaire activé
admin-form-topics-title = Sujets
admin-form-topics-help = Videz la clé et les libellés d’un sujet pour le retirer. Champs supplémentaires : un par ligne, « clé ; libellé français ; libellé anglais ; * » (l’étoile le rend obligatoire).
admin-form-topic-new = Nouveau sujet
admin-form-topic-key = Clé (minuscules, sans espace)
admin-form-topic-fr = Libellé en français
admin-form-topic-en = Libellé en anglais
admin-form-topic-fields = Champs supplémentaires
admin-form-delete = Supprimer ce formulaire
admin-team-customers-solve = Les clients peuvent marquer eux-mêmes leur demande comme résolue dans l’espace client
admin-anonymous-requests = Accepter les demandes de n’importe qui par l’API (sans identifiants)
admin-anonymous-requests-help = L’équivalent de « tout le monde peut soumettre des tickets » de Zendesk : POST /api/v2/requests avec le nom et l’e-mail du demandeur. Limité par adresse comme le formulaire de contact, mais sans son jeton anti-spam : laissez-le désactivé sauf si une intégration en a besoin.
admin-brand-title = Espace client : votre nom et votre couleur
admin-brand-name = Nom de l’entreprise
admin-brand-name-placeholder = Espace client
admin-brand-colour = Couleur (#rrvvbb)
admin-brand-help = Affichés sur les pages des clients et le formulaire de contact. Un texte blanc doit rester lisible sur la couleur.
admin-brand-logo = Logo de l’espace client
admin-brand-logo-current = Logo actuel
admin-brand-logo-none = Pas de logo : l’en-tête affiche le nom seul.
admin-brand-logo-file = Nouveau logo
admin-brand-logo-help = PNG, JPEG, GIF ou WebP, 512 Ko au plus ; affiché à 36 pixels de haut sur un fond blanc, à gauche du nom. Le SVG est refusé (il peut contenir du code).
admin-brand-logo-remove = Retirer le logo
admin-form-chat = Chat en direct à côté du formulaire
admin-form-chat-help = Le visiteur choisit un sujet (ceux de ce formulaire), puis écrit : sa conversation devient un dossier du canal « chat », routé vers l’équipe du sujet.
admin-form-chat-embed = Le chat en direct
admin-form-chat-embed-help = Collez cette balise une fois par page, juste avant </body> : elle ajoute le bouton de chat en bas à droite (les mêmes sites autorisés).
