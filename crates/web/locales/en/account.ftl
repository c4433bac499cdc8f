# Accounts: invitations, password links, locking (issue 16). Same ids, same order as fr/account.ftl.
notice-invited = Invitation sent to { $x }.
handover-title = Give this link to { $x }
handover-why = Email cannot carry it yet (no mailbox or no outgoing mail server): copy this link and give it to the person. It works once, for 7 days.
invited-until = Invited; the link works until { $x }
no-password-yet = No password yet
invite-again = Send the invitation again
lock-hint = To lock an account, untick “Active”: the person is signed out at once and can no longer sign in; tick it again to unlock.
invite-hint = The new agent receives an email with a link to choose their password (valid 7 days, once).
invite-send = Invite
amount-example = 50.00
expect-choice = Choose one of the options
forgot-password = Forgot your password?
forgot-title = Forgot your password
forgot-help = Type the email address of your account: we send a link to choose a new password (valid one hour).
forgot-submit = Send the link
forgot-sent = If an account uses this address, a link has been sent to it. Check your email (and your spam folder).
password-title-invitation = Welcome, { $x }
password-title-reset = New password for { $x }
password-help = Choose your password: 10 characters at least. Then sign in with { $x }.
password-again = The same again
password-mismatch = The two passwords differ
password-submit = Save my password
password-set = Your password is saved. Sign in.
link-expired-title = This link no longer works
link-expired-help = It has expired or was already used. Ask for a new one.
err-throttled-minutes =
    { $n ->
        [one] Too many attempts; try again in a minute
       *[other] Too many attempts; try again in { $n } minutes
    }
