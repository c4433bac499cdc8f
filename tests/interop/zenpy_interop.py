"""Drive a running Guichet with the real zenpy client (Zendesk API v2 compatibility).

Env: GUICHET_URL (http://127.0.0.1:PORT), GUICHET_EMAIL, GUICHET_TOKEN. Exits non-zero on the
first failed check.
"""
import os
import sys
import uuid
from urllib.parse import urlparse

url = urlparse(os.environ["GUICHET_URL"])
os.environ["ZENPY_FORCE_NETLOC"] = url.netloc
os.environ["ZENPY_FORCE_SCHEME"] = url.scheme

from zenpy import Zenpy  # noqa: E402
from zenpy.lib.api_objects import Comment, Ticket, User  # noqa: E402
from zenpy.lib.exception import APIException, RecordNotFoundException  # noqa: E402

z = Zenpy(subdomain="guichet", email=os.environ["GUICHET_EMAIL"], token=os.environ["GUICHET_TOKEN"])
run = uuid.uuid4().hex[:8]
email = f"client-{run}@exemple.fr"


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok   {what}")


# 1. create
audit = z.tickets.create(Ticket(subject=f"Colis {run} abîmé", description="Le carton est arrivé déchiré",
                                requester=User(name="Élodie Martin", email=email), priority="high",
                                tags=[f"t{run}", "colis"]))
first = audit.ticket
check(first.id and first.subject == f"Colis {run} abîmé", "create returns a TicketAudit with the ticket")
check(first.status == "new" and first.priority == "high", "status new, priority high")

# 2. update with a private comment
t = z.tickets(id=first.id)
t.status = "open"
t.comment = Comment(body=f"Note interne {run}", public=False)
z.tickets.update(t)
comments = list(z.tickets.comments(ticket=first.id))
check(len(comments) == 2, f"two comments after the update (got {len(comments)})")
check(comments[1].public is False and comments[1].body == f"Note interne {run}", "second comment is the private note")
check(z.tickets(id=first.id).status == "open", "status changed to open")

# 3. create_many → job status
job = z.tickets.create([Ticket(subject=f"Lot {run} {i}", description=f"corps {i}", tags=[f"t{run}"]) for i in range(5)])
check(job.status == "completed", f"create_many job completed (got {job.status})")
many_ids = [r.id for r in job.results if getattr(r, "id", None)]
check(len(many_ids) == 5, "five ids in the job results")

# 4. list everything (cursor pages of 100) and see each of ours exactly once
ours = {first.id, *many_ids}
seen = [tk.id for tk in z.tickets() if tk.id in ours]
check(sorted(seen) == sorted(ours), f"listing returns each created ticket once ({len(seen)} of {len(ours)})")

# 5. show_many
shown = sorted(tk.id for tk in z.tickets(ids=many_ids[:3]))
check(shown == sorted(many_ids[:3]), "show_many returns the three asked for")

# 6. search
open_ids = [r.id for r in z.search(type="ticket", status="open")]
check(first.id in open_ids, "search status:open finds the updated ticket")
check([r.id for r in z.search(f"Colis {run}", type="ticket")] == [first.id], "free-text search finds the first ticket")
tagged = sorted(r.id for r in z.search(type="ticket", tags=f"t{run}"))
check(tagged == sorted(ours), "search by tag finds the run's tickets")
check([r.id for r in z.search(type="ticket", requester=email)] == [first.id], "search by requester email")

# 7. me
check(z.users.me().email == os.environ["GUICHET_EMAIL"].lower(), "users.me is the token's owner")

# 8. delete
z.tickets.delete(z.tickets(id=many_ids[0]))
try:
    z.tickets(id=many_ids[0])
    check(False, "a deleted ticket is gone")
except RecordNotFoundException:
    check(True, "a deleted ticket answers RecordNotFound")

# 9. validation errors surface as APIException
try:
    z.users.create(User(name="x", email="not-an-email"))
    check(False, "an invalid email is rejected")
except APIException:
    check(True, "an invalid email is rejected with an API error")

print("zenpy interop: all checks passed")
