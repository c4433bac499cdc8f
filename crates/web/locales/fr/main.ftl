# Descriptions des erreurs de l’API (français).
err-not-found = Introuvable
err-unauthenticated = Impossible de vous authentifier
err-forbidden = Vous n’avez pas accès à cette ressource : { $detail }
err-throttled = Trop de tentatives échouées ; réessayez dans { $detail } secondes
err-rate-limited = Trop de requêtes ; réessayez plus tard
err-invalid-json = Le corps de la requête n’est pas du JSON valide : { $detail }
err-body-too-large = Le corps de la requête dépasse la limite de { $detail }
err-record-invalid = Certains champs sont à corriger :
err-invalid-value = { $field } : { $detail }
err-required = { $field } est obligatoire
err-too-long = { $field } est trop long (au plus { $detail })
err-unknown-reference = { $field } : l’identifiant { $detail } ne correspond à aucun élément existant
err-not-staff = { $field } : l’utilisateur { $detail } n’est pas un agent
err-email-invalid = { $field } : { $detail } n’est pas une adresse e-mail valide
err-email-taken = E-mail : { $detail } est déjà utilisé par un autre utilisateur
err-phone-taken = Téléphone : { $detail } est déjà utilisé par un autre utilisateur
err-duplicate = { $field } : { $detail } existe déjà
err-password-length = Le mot de passe doit compter de 10 à 256 caractères
err-case-closed = Un dossier clos ne peut plus être modifié ; créez un dossier de suivi
err-status-back-to-new = Un dossier ne peut pas revenir au statut « Nouveau »
err-status-agent-close = Seul le client (ou la période de silence) peut clore un dossier ; passez-le au statut « Résolu »
err-status-not-solved = Seul un dossier résolu peut être confirmé
err-search-query = Requête de recherche invalide : { $detail }
err-search-window = Les résultats de recherche sont limités aux 1 000 premiers
err-idempotency-mismatch = La clé Idempotency-Key { $detail } a déjà servi pour une autre requête
err-merge-sources = { $field } : indiquez { $detail }
err-link-self = Un dossier ne peut pas être lié à lui-même
err-negative = { $field } ne doit pas être négatif
err-too-many-values = { $field } ne peut pas contenir plus de { $detail } valeurs
err-invalid-parameter = { $field } : { $detail }
err-invalid-endpoint = Introuvable : ce point d’accès n’existe pas
err-method = Méthode non autorisée sur ce point d’accès
err-internal = Erreur interne ; elle a été journalisée
err-unavailable = La base de données est momentanément injoignable ; rien n’a été enregistré. Réessayez dans quelques secondes.
err-overloaded = Trop de modifications attendent d’être enregistrées ; rien n’a été enregistré. Réessayez dans un instant.
err-storage-full = Le disque du serveur est plein ; rien n’a été enregistré. La consultation fonctionne toujours ; un administrateur doit libérer de la place.
err-unknown-upload = { $field } : aucun fichier envoyé en attente ne porte le jeton { $detail }
err-too-large = { $field } dépasse la limite de { $detail }
err-invalid = { $field } : { $detail }
err-in-use = { $field } : { $detail } est encore utilisé
err-has-children = { $field } : { $detail } a encore des sous-catégories
err-category-cycle = { $field } : une catégorie ne peut pas être placée sous elle-même ni sous ses descendantes
err-password-wrong = Le mot de passe actuel est incorrect
err-over-authority = { $field } : { $detail } dépasse votre plafond de geste commercial
err-already-decided = { $field } : cette demande a déjà été tranchée
err-template = { $field } : le modèle est inutilisable ({ $detail })
err-shortcut = { $field } : un raccourci compte de 1 à 32 lettres, chiffres, - ou _
err-stale = { $field } : le dossier a changé depuis que vous l’avez ouvert ({ $detail }) ; rechargez-le et recommencez
err-end-user-field = { $field } : seul le personnel renseigne ce champ d’un dossier (un client donne un objet, un commentaire et des pièces jointes)
err-merge-requesters = { $field } : le dossier { $detail } appartient à un autre client ; la fusion montrerait ses messages et fichiers au client du dossier cible (fusionnez en interne pour les conserver comme notes internes)
err-own-request = { $field } : vous avez demandé ce geste commercial ; un autre superviseur ou un administrateur doit en décider
err-control-character = { $field } : les caractères NUL et de contrôle (hors tabulation et sauts de ligne) ne sont pas acceptés
err-too-many = { $field } : trop de valeurs ({ $detail })
err-quota = { $field } : quota d’envoi de fichiers dépassé ({ $detail })
err-unsupported-media-type = Le corps de la requête doit être du JSON : envoyez Content-Type: application/json
err-host-invalid = { $field } : « { $detail } » n’est pas un nom de serveur ni une adresse IP
err-out-of-range = { $field } : valeurs admises de { $detail }
err-not-allowed = { $field } : « { $detail } » ne fait pas partie des choix proposés
err-no-mailbox = Ajoutez d’abord une boîte mail : les e-mails partent de l’adresse d’une boîte
err-not-failed = { $field } : seul un e-mail en échec peut être renvoyé (celui-ci est { $detail })
err-link-expired = Ce lien a expiré ou a déjà servi ; demandez-en un nouveau
err-over-ceiling = { $field } : { $detail } dépasse le plafond fixé pour cette installation
err-currency-unknown = { $field } : « { $detail } » n’est pas un code de devise ISO 4217 (EUR, USD, GBP, CHF…)
err-in-the-future = { $field } : { $detail } est dans le futur
err-team-name-taken = Une équipe porte déjà ce nom : { $detail }
err-taken = { $field } : cette valeur est déjà utilisée
err-threshold-range = { $field } : un délai entre 1 minute et 365 jours
err-share-range = { $field } : une part supérieure à 0 et au plus 100 %
err-unacceptable-order = { $field } doit être plus long que le délai visé
err-time-zone-unknown = { $field } : « { $detail } » n’est pas un fuseau horaire connu (par exemple Europe/Paris)
err-password-again = { $field } : retapez le mot de passe quand le serveur, le port, la sécurité ou l’identifiant changent
err-not-closed = { $field } : la demande { $detail } n’est pas encore close ; écrivez plutôt dessus
err-form-expired = Ce formulaire a expiré ou a déjà été envoyé : rechargez la page et renvoyez-le
err-too-fast = Ce formulaire a été envoyé trop vite après son affichage : patientez quelques secondes et renvoyez-le
err-spam-suspected = Ce formulaire semble automatique et n’a pas été envoyé ; si vous êtes une personne, rechargez la page et réessayez
err-proof-missing = Ce formulaire a besoin de JavaScript pour partir (une vérification anti-spam tourne dans votre navigateur) : activez-le et renvoyez-le
err-jwt-invalid = La connexion depuis votre site n’a pas pu être vérifiée ({ $detail }) : revenez sur le site et réessayez
err-contrast-low = { $field } : un texte blanc sur cette couleur se lit mal (contraste de { $detail } pour 1, il faut au moins 4,5) ; choisissez-en une plus foncée
err-not-an-image = { $field } : ce fichier n’est pas une image ({ $detail } seulement ; le SVG est refusé car il peut contenir du code)
err-chat-ended = Cette conversation est terminée ; ouvrez-en une nouvelle pour écrire à nouveau

# Les engagements de service en une phrase (B1).
std-first_response = { $share } des demandes reçoivent une première réponse en moins de { $threshold }
std-next_response = { $share } des messages des clients reçoivent une réponse en moins de { $threshold }
std-periodic_update = { $share } des demandes en cours reçoivent des nouvelles au moins toutes les { $threshold }
std-resolution = { $share } des demandes sont résolues en moins de { $threshold }
std-customer_wait = { $share } des demandes font attendre le client au total moins de { $threshold }
std-agent_work = { $share } des demandes nécessitent moins de { $threshold } de travail
std-promise_kept = { $share } des solutions promises sont tenues à la date promise
std-follow_up = { $share } des suivis sont faits à la date prévue
std-scope = , pour { $scope }
std-unacceptable = { " " }; au-delà de { $limit }, c’est inacceptable
std-unacceptable-late = { " " }; au-delà de { $limit } de retard, c’est inacceptable
dur-minutes =
    { $n ->
        [one] { $n } minute
       *[other] { $n } minutes
    }
dur-hours =
    { $n ->
        [one] { $n } heure
       *[other] { $n } heures
    }
dur-days =
    { $n ->
        [one] { $n } jour
       *[other] { $n } jours
    }
dur-business-hours =
    { $n ->
        [one] { $n } heure ouvrée
       *[other] { $n } heures ouvrées
    }
dur-business-minutes =
    { $n ->
        [one] { $n } minute ouvrée
       *[other] { $n } minutes ouvrées
    }
channel-web = le formulaire web
channel-email = les e-mails
channel-chat = le chat
channel-phone = le téléphone
channel-visit = les visites
channel-letter = le courrier
channel-fax = le fax
channel-social = les réseaux sociaux
channel-api = l’API
priority-low = la priorité basse
priority-normal = la priorité normale
priority-high = la priorité haute
priority-urgent = les urgences
kind-question = les questions
kind-complaint = les réclamations
kind-incident = les incidents
kind-request = les demandes
kind-suggestion = les suggestions
kind-praise = les compliments
err-chat-slow-down = Vous écrivez plus vite que nous ne lisons : réessayez dans { $detail } s
err-origin-refused = Cette page ne peut pas ouvrir le chat
err-too-many-sockets = Trop de conversations ouvertes en ce moment ; réessayez dans un instant
err-frame-too-large = Message trop long (au plus { $detail } octets)
err-bad-frame = Message illisible : { $detail }
err-hello-first = Le chat doit d’abord se présenter (« hello »)
err-already-greeted = Le chat s’est déjà présenté
