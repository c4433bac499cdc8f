# Comptes : invitations, liens de mot de passe, verrouillage (issue 16). Mêmes identifiants, même ordre que en/account.ftl.
notice-invited = Invitation envoyée à { $x }.
handover-title = Transmettez ce lien à { $x }
handover-why = Il ne peut pas encore partir par e-mail (aucune boîte mail ou aucun serveur d’envoi) : copiez ce lien et transmettez-le à la personne. Il sert une seule fois, pendant 7 jours.
invited-until = Invitation en attente ; lien valable jusqu’au { $x }
no-password-yet = Pas encore de mot de passe
invite-again = Renvoyer l’invitation
lock-hint = Pour verrouiller un compte, décochez « Actif » : la personne est déconnectée aussitôt et ne peut plus se connecter ; cochez de nouveau pour le déverrouiller.
invite-hint = Le nouvel agent reçoit un e-mail avec un lien pour choisir son mot de passe (valable 7 jours, une seule fois).
invite-send = Inviter
amount-example = 50,00
expect-choice = Choisissez l’une des options
forgot-password = Mot de passe oublié ?
forgot-title = Mot de passe oublié
forgot-help = Saisissez l’adresse e-mail de votre compte : nous y envoyons un lien pour choisir un nouveau mot de passe (valable une heure).
forgot-submit = Envoyer le lien
forgot-sent = Si un compte utilise cette adresse, un lien vient d’y être envoyé. Consultez vos e-mails (et vos indésirables).
password-title-invitation = Bienvenue, { $x }
password-title-reset = Nouveau mot de passe pour { $x }
password-help = Choisissez votre mot de passe : 10 caractères au moins. Vous vous connecterez ensuite avec { $x }.
password-again = Le même, une seconde fois
password-mismatch = Les deux mots de passe diffèrent
password-submit = Enregistrer mon mot de passe
password-set = Votre mot de passe est enregistré. Connectez-vous.
link-expired-title = Ce lien ne fonctionne plus
link-expired-help = Il a expiré ou a déjà servi. Demandez-en un nouveau.
err-throttled-minutes =
    { $n ->
        [one] Trop de tentatives ; réessayez dans une minute
       *[other] Trop de tentatives ; réessayez dans { $n } minutes
    }
