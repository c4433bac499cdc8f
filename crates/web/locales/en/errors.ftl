# Error pages of the screens (issue 16). Same ids, same order as fr/errors.ftl.
not-found-title = Page not found
not-found-help = This address leads nowhere in Guichet: the link may be wrong, or what it showed was removed.
forbidden-title = Access denied
forbidden-generic = You do not have access to this page.
forbidden-agents-only = This page is for the service team.
forbidden-administrators-only = This page is for administrators.
forbidden-supervisors-and-administrators-only = This page is for supervisors and administrators.
forbidden-your-role-cannot-change-cases = Your role lets you read cases, not change them.
forbidden-the-smtp-relay-is-set-in-the-configuration-file-or-environment = The outgoing mail server is set in the configuration file or the environment; change it there.
field-received-at = Received at
field-amount = Amount
field-currency = Currency
field-password = Password
field-current-password = Current password
field-address = Address
field-vision = Vision
field-limit-cents = Compensation limit
expect-phone = Type a phone number, such as +33 6 12 34 56 78 or 06 12 34 56 78
expect-date-time = Type a date and a time
weekday-0 = Sunday
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
day-closed = { $day }: closed
day-hours = { $day }: { $hours }
slot-order = The closing time must come after the opening time
slot-both = Give both an opening and a closing time
slot-time = Type a time such as 09:00
slot-overlap = These hours overlap
week-empty = Open at least one day
week-reads = This calendar reads:
week-read = Read the week back
week-hint = Up to three opening periods a day (a lunch break splits the day in two). Leave a day empty when closed.
opening-hours = Opening hours
day = Day
slot = Period { $x }
holiday-until = until (included)
holidays-count =
    { $n ->
        [one] { $n } holiday
       *[other] { $n } holidays
    }
sentence-preview = Preview, not saved yet:
sentence-now = This standard reads:
sentence-read = Read the sentence back
scope-hint = (nothing ticked: every case)
any-f = Any
field-ticket = Case
case-unknown = There is no case #{ $x }
field-other = Case to link
field-merge-target = Case to merge into
