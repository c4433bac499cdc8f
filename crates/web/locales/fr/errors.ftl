# Pages d’erreur des écrans (issue 16). Mêmes identifiants, même ordre que en/errors.ftl.
not-found-title = Page introuvable
not-found-help = Cette adresse ne mène nulle part dans Guichet : le lien est peut-être erroné, ou ce qu’il montrait a été supprimé.
forbidden-title = Accès refusé
forbidden-generic = Vous n’avez pas accès à cette page.
forbidden-agents-only = Cette page est réservée à l’équipe du service client.
forbidden-administrators-only = Cette page est réservée aux administrateurs.
forbidden-supervisors-and-administrators-only = Cette page est réservée aux superviseurs et aux administrateurs.
forbidden-your-role-cannot-change-cases = Votre rôle permet de consulter les dossiers, pas de les modifier.
forbidden-the-smtp-relay-is-set-in-the-configuration-file-or-environment = Le serveur d’envoi est défini dans le fichier de configuration ou l’environnement ; modifiez-le là.
field-received-at = Reçu le
field-amount = Montant
field-currency = Devise
field-password = Mot de passe
field-current-password = Mot de passe actuel
field-address = Adresse
field-vision = Vision
field-limit-cents = Plafond de geste commercial
expect-phone = Saisissez un numéro de téléphone, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78
expect-date-time = Saisissez une date et une heure
weekday-0 = dimanche
weekday-1 = lundi
weekday-2 = mardi
weekday-3 = mercredi
weekday-4 = jeudi
weekday-5 = vendredi
weekday-6 = samedi
day-closed = { $day } : fermé
day-hours = { $day } : { $hours }
slot-order = L’heure de fermeture doit suivre l’heure d’ouverture
slot-both = Indiquez une heure d’ouverture et une heure de fermeture
slot-time = Saisissez une heure, par exemple 09:00
slot-overlap = Ces plages horaires se chevauchent
week-empty = Ouvrez au moins un jour
week-reads = Ce calendrier se lit :
week-read = Relire la semaine
week-hint = Jusqu’à trois plages d’ouverture par jour (une pause déjeuner coupe la journée en deux). Laissez vide un jour de fermeture.
opening-hours = Heures d’ouverture
day = Jour
slot = Plage { $x }
holiday-until = jusqu’au (inclus)
holidays-count =
    { $n ->
        [one] { $n } jour férié
       *[other] { $n } jours fériés
    }
sentence-preview = Aperçu, pas encore enregistré :
sentence-now = Cet engagement se lit :
sentence-read = Relire la phrase
scope-hint = (rien de coché : tous les dossiers)
any-f = Toutes
field-ticket = Dossier
case-unknown = Aucun dossier ne porte le n° { $x }
field-other = Dossier à lier
field-merge-target = Dossier cible de la fusion
