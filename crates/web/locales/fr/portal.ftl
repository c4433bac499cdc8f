# The customer portal (crates/portal). Read as a customer reads it: plain words, no jargon.
portal-title = Espace client
portal-skip = Aller au contenu
portal-footer = Vos demandes, traitées par notre équipe. Vos informations ne servent qu’à les traiter.
portal-nav = Espace client
portal-my-cases = Mes demandes
portal-org-cases = Les demandes de mon organisation
portal-new-case = Nouvelle demande
portal-sign-out = Se déconnecter
portal-back = Retour à mes demandes
portal-sign-in = Connexion
portal-sign-in-intro = Indiquez votre adresse e-mail : nous vous envoyons un lien de connexion, sans mot de passe.
portal-email = Adresse e-mail
portal-send-link = Recevoir un lien de connexion
portal-link-sent = Si nous connaissons cette adresse, un lien de connexion vous a été envoyé. Il sert une fois, pendant 15 minutes.
portal-link-sent-hint = Rien après quelques minutes ? Regardez dans vos courriers indésirables, ou vérifiez l’adresse : celle depuis laquelle vous nous écrivez.
portal-sign-in-again = Demander un nouveau lien
portal-use-password = J’ai un mot de passe
portal-password = Mot de passe
portal-sign-in-button = Me connecter avec mon mot de passe
portal-password-wrong = L’adresse e-mail et le mot de passe ne correspondent pas.
portal-link-confirm = Continuez pour vous connecter à votre espace client.
portal-link-continue = Continuer
portal-link-gone-title = Ce lien ne fonctionne plus
portal-link-gone = Il a déjà servi ou il a expiré. Demandez-en un nouveau : c’est immédiat.
portal-filter = Quelles demandes
portal-all = Toutes
portal-open-only = En cours
portal-no-cases = Aucune demande pour l’instant.
portal-status-new = Reçue
portal-status-open = En cours
portal-status-pending = En attente de votre réponse
portal-status-hold = En cours
portal-status-solved = Résolue
portal-status-closed = Close
portal-case-number = Demande n° { $x }
portal-updated = mise à jour le { $x }
portal-pages = Pages
portal-previous = Précédente
portal-next = Suivante
portal-opened = Ouverte le { $x }
portal-requested-by = demandée par { $x }
portal-confirm-title = Votre problème est-il résolu ?
portal-confirm-text = Notre équipe considère cette demande comme résolue. Dites-nous si c’est bien le cas.
portal-yes-solved = Oui, c’est résolu
portal-still-why = Pas résolu ? Dites-nous ce qui ne va toujours pas (facultatif)
portal-still-problem = Non, le problème persiste
portal-agreed-solution = Ce que nous avons convenu
portal-promised = Promis pour le { $x }
portal-thread = Messages
portal-you = Vous
portal-team = Service client
portal-reply = Ajouter un message
portal-message = Votre message
portal-files = Fichiers (facultatif)
portal-send = Envoyer
portal-mark-solved-text = Votre problème est réglé ? Vous pouvez clore la demande vous-même.
portal-mark-solved = Marquer comme résolue
portal-closed-text = Cette demande est close. Besoin d’aide sur le même sujet ?
portal-follow-up = Ouvrir une demande de suivi
portal-follow-up-of = Cette demande fait suite à la demande n° { $x }.
portal-subject = Objet
portal-profile = Mon profil
portal-name = Nom
portal-language = Langue
portal-time-zone = Fuseau horaire
portal-password-legend = Mot de passe (facultatif)
portal-password-hint = Les liens de connexion par e-mail suffisent. Le mot de passe est pour qui le préfère ; laissez vide pour ne rien changer.
portal-current-password = Mot de passe actuel
portal-new-password = Nouveau mot de passe
portal-save = Enregistrer
portal-identities = Comment nous vous reconnaissons
portal-identities-hint = Pour changer une adresse ou un numéro, écrivez-nous depuis celui-ci.
portal-csrf = Ce formulaire a expiré ou vient d’un autre site. Revenez en arrière, rechargez la page et réessayez.
portal-signed-out = Vous êtes déconnecté. Reconnectez-vous pour continuer.
notice-sent = Votre message a bien été envoyé.
notice-closed = Merci ! La demande est close.
notice-reopened = La demande est de nouveau ouverte : notre équipe revient vers vous.
notice-solved = La demande est marquée comme résolue.
notice-created = Votre demande a bien été reçue.
portal-count = { $n ->
    [one] { $n } demande
   *[other] { $n } demandes
}
form-title = Nous contacter
form-topic = De quoi s’agit-il ?
form-topic-choose = Choisissez un sujet
form-name = Votre nom
form-email = Votre adresse e-mail
form-subject = Objet (facultatif)
form-message = Votre message
form-needs-js = Ce formulaire a besoin de JavaScript : une vérification anti-spam tourne dans votre navigateur, sans service tiers.
form-sent-title = Merci, nous avons bien reçu votre demande
form-sent-number = Son numéro : n° { $x }. Gardez-le pour en parler avec nous.
form-sent-expected = Nous vous répondrons au plus tard le { $x }.
form-sent-mail = Une confirmation arrive dans votre boîte aux lettres, avec un lien pour suivre votre demande en ligne.
form-another = Envoyer une autre demande
hc-title = Centre d’aide
hc-search = Rechercher
hc-search-placeholder = Décrivez votre question en quelques mots
hc-results = { $n ->
    [one] { $n } article trouvé
   *[other] { $n } articles trouvés
}
hc-no-results = Aucun article ne correspond. Essayez d’autres mots, ou écrivez-nous.
hc-empty = Aucun article pour l’instant.
hc-breadcrumbs = Où vous êtes
hc-updated = Mis à jour le { $x }
hc-vote-question = Cet article vous a-t-il aidé ?
hc-vote-yes = Oui
hc-vote-no = Non
hc-vote-thanks = Merci pour votre réponse.
hc-vote-count = { $n ->
    [one] { $n } lecteur l’a trouvé utile.
   *[other] { $n } lecteurs l’ont trouvé utile.
}
hc-still-need = Besoin d’aide malgré tout ?
hc-related = Articles liés
hc-files = Pièces jointes
hc-see-all = { $n ->
    [one] Voir l’article
   *[other] Voir les { $n } articles
}
hc-section-count = { $n ->
    [one] { $n } article
   *[other] { $n } articles
}
hc-suggest-title = Ces articles répondent peut-être à votre question :
chat-title = Discutons
chat-intro = Posez votre question : un conseiller vous répond ici.
chat-close = Fermer la discussion
chat-topic = Votre question concerne
chat-topic-choose = Choisissez un sujet
chat-first = Votre message
chat-start = Démarrer la discussion
chat-log = Messages de la discussion
chat-input = Écrivez votre message
chat-send = Envoyer
chat-end = Terminer la discussion
chat-ended = Discussion terminée. Merci !
chat-new = Nouvelle discussion
chat-connecting = Connexion…
chat-reconnecting = Connexion perdue, nouvelle tentative…
chat-waiting = Message reçu : un conseiller va vous répondre.
chat-answered = Un conseiller vous répond.
chat-you = Vous
chat-agent = Conseiller
chat-typing = %name% écrit…
chat-read = Lu
chat-end-confirm = Terminer la discussion ?
chat-choose-topic = Choisissez d’abord le sujet de votre question.
chat-write-first = Écrivez votre question avant de démarrer.
chat-timed-out = Discussion fermée après un long silence. Écrivez-nous à nouveau quand vous voulez.
chat-suggest-title = Ces articles répondent peut-être à votre question :
chat-suggest-yes = Oui, c’est réglé
chat-suggest-no = Non, je veux parler à quelqu’un
chat-suggest-thanks = Tant mieux ! Nous restons là si besoin.
chat-suggest-back = Poser une autre question
chat-joined = %name% a rejoint la discussion
chat-transferred = Discussion transférée à l’équipe « %team% »
chat-offline = Personne n’est disponible pour discuter en ce moment. Laissez-nous un message : nous vous répondrons par e-mail.
chat-offline-write = Écrire un message
chat-offline-status = Hors ligne pour le moment
chat-queue-next = Vous êtes le prochain : un conseiller va vous répondre.
chat-queue-one = Une personne attend avant vous : nos conseillers répondent dans l’ordre d’arrivée.
chat-queue-many = %n% personnes attendent avant vous : nos conseillers répondent dans l’ordre d’arrivée.
chat-queue-wait = Réponse habituelle en %a% à %b% min.
chat-queue-wait-one = Réponse habituelle en %a% min.
