#!/usr/bin/env python3
"""Drive a running Guichet server with the real `zenpy` client (Zendesk API v2 compatibility).

Environment:
    GUICHET_URL    base URL of the server, e.g. http://127.0.0.1:8081
    GUICHET_EMAIL  email of an agent or admin that owns GUICHET_TOKEN
    GUICHET_TOKEN  API token of that user

Exit status: 0 when every check passes, 1 on the first failed check, 2 when a call raises
something unexpected. Every object this script creates carries a run marker, so it can be run
again against the same database.

zenpy caches tickets for 30 s; the ticket cache is purged before each read that must reach the
server, otherwise `zenpy.tickets(id=…)` would answer from memory.
"""
import io
import math
import os
import sys
import traceback
import uuid
from collections import Counter
from urllib.parse import urlsplit

base = os.environ.get("GUICHET_URL", "").strip()
EMAIL = os.environ.get("GUICHET_EMAIL", "").strip()
TOKEN = os.environ.get("GUICHET_TOKEN", "").strip()
if not (base and EMAIL and TOKEN):
    sys.exit("set GUICHET_URL, GUICHET_EMAIL and GUICHET_TOKEN")
parts = urlsplit(base if "://" in base else "http://" + base)
if not parts.netloc:
    sys.exit(f"GUICHET_URL has no host: {base!r}")

# zenpy reads these at request time; they replace `https://{subdomain}.zendesk.com`.
os.environ["ZENPY_FORCE_NETLOC"] = parts.netloc
os.environ["ZENPY_FORCE_SCHEME"] = parts.scheme or "http"

from zenpy import Zenpy  # noqa: E402
from zenpy.lib.api_objects import Comment, JobStatus, Ticket, TicketAudit, User  # noqa: E402
from zenpy.lib.exception import APIException, RecordNotFoundException  # noqa: E402

zenpy = Zenpy(subdomain="guichet", email=EMAIL, token=TOKEN)  # subdomain must be non-empty

RUN = uuid.uuid4().hex[:8]
WORD = f"parcel{RUN}"  # only in the first ticket's subject
TAG = f"zenpy_{RUN}"  # on every ticket of this run
BATCH_TAG = f"batch_{RUN}"
REQUESTER = f"zenpy-{RUN}@example.com"
FIRST_SUBJECT = f"Damaged {WORD} delivered on Monday"
FIRST_BODY = f"The box of order {RUN} arrived torn open."
NOTE = f"Internal note {RUN}: carrier claim filed."

step = "setup"


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)


def fresh_ticket(ticket_id):
    """Read a ticket from the server, not from zenpy's cache."""
    zenpy.purge_cache("ticket")
    return zenpy.tickets(id=ticket_id)


def ids_of(results):
    return [r.id for r in results]


def run():
    global step

    step = "1 create"
    audit = zenpy.tickets.create(
        Ticket(
            subject=FIRST_SUBJECT,
            description=FIRST_BODY,
            requester=User(name=f"Zenpy Customer {RUN}", email=REQUESTER),
            priority="high",
            tags=[TAG, "damaged"],
        )
    )
    check(isinstance(audit, TicketAudit), f"create returns a TicketAudit (got {type(audit).__name__})")
    check(audit.audit is not None, "the TicketAudit carries an audit")
    first = audit.ticket
    check(first is not None and first.id, "the created ticket has an id")
    check(first.subject == FIRST_SUBJECT, f"subject round-trips (got {first.subject!r})")
    check(first.status == "new", f"a new ticket has status 'new' (got {first.status!r})")
    check(first.priority == "high", f"priority 'high' (got {first.priority!r})")
    check(TAG in list(first.tags or []), f"tag {TAG} kept (got {list(first.tags or [])})")
    first_id = first.id
    print(f"step 1 ok: created ticket {first_id}")

    step = "2 update"
    t = fresh_ticket(first_id)
    check(t.id == first_id, "tickets(id=…) returns the ticket")
    t.status = "open"
    t.comment = Comment(body=NOTE, public=False)
    updated = zenpy.tickets.update(t)
    check(isinstance(updated, TicketAudit), f"update returns a TicketAudit (got {type(updated).__name__})")
    check(updated.ticket.status == "open", f"status is 'open' after the update (got {updated.ticket.status!r})")
    check(fresh_ticket(first_id).status == "open", "the server kept status 'open'")
    comments = list(zenpy.tickets.comments(ticket=first_id))
    check(len(comments) == 2, f"two comments after the update (got {len(comments)})")
    check(comments[0].public is True and comments[0].body == FIRST_BODY,
          "the first comment is the public description")
    check(comments[1].public is False, "the second comment is private")
    check(comments[1].body == NOTE, f"the second comment has the note's body (got {comments[1].body!r})")
    print("step 2 ok: status open, private comment added")

    step = "3 create_many"
    job = zenpy.tickets.create([
        Ticket(subject=f"Batch {RUN} item {i}", description=f"Batch ticket {i} of run {RUN}",
               tags=[TAG, BATCH_TAG])
        for i in range(5)
    ])
    check(isinstance(job, JobStatus), f"create_many returns a JobStatus (got {type(job).__name__})")
    check(job.status == "completed", f"the job is completed (got {job.status!r})")
    batch_ids = [r.id for r in (job.results or []) if getattr(r, "id", None)]
    check(len(batch_ids) == 5 and len(set(batch_ids)) == 5,
          f"the job results hold five distinct ids (got {batch_ids})")
    again = zenpy.job_status(id=job.id)
    check(again.status == "completed", f"job_statuses/{job.id} is completed (got {again.status!r})")
    check(sorted(r.id for r in again.results if getattr(r, "id", None)) == sorted(batch_ids),
          "job_statuses/{id} returns the same results")
    ours = [first_id, *batch_ids]
    print(f"step 3 ok: job {job.id} created tickets {batch_ids}")

    step = "4 list"
    listed = ids_of(zenpy.tickets())  # page[size]=100, then links.next until has_more=false
    seen = Counter(listed)
    check(all(seen[i] == 1 for i in ours),
          f"every ticket of this run is listed exactly once (counts {[seen[i] for i in ours]})")
    dupes = [i for i, n in seen.items() if n > 1]
    check(not dupes, f"no ticket is listed twice (duplicates {dupes[:10]})")
    # Small cursor pages: at most ~20 requests whatever the size of the database.
    size = min(100, max(2, math.ceil(len(listed) / 20)))
    small = ids_of(zenpy.tickets(cursor_pagination=size))
    check(len(small) > size, f"the small-page listing spans several pages ({len(small)} ids, page size {size})")
    small_seen = Counter(small)
    check(all(small_seen[i] == 1 for i in ours),
          f"with page[size]={size} every ticket of this run is listed exactly once")
    check(all(n == 1 for n in small_seen.values()), f"with page[size]={size} no ticket is listed twice")
    print(f"step 4 ok: {len(listed)} tickets in pages of 100, {len(small)} in pages of {size}")

    step = "5 show_many"
    wanted = batch_ids[:3]
    zenpy.purge_cache("ticket")
    shown = ids_of(zenpy.tickets(ids=wanted))
    check(sorted(shown) == sorted(wanted), f"show_many returns exactly {wanted} (got {shown})")
    print(f"step 5 ok: show_many returned {sorted(shown)}")

    step = "6 search"
    open_ids = ids_of(zenpy.search(type="ticket", status="open", sort_by="created_at", sort_order="desc"))
    check(first_id in open_ids, "type:ticket status:open finds the updated ticket")
    check(not set(batch_ids) & set(open_ids), "status:open does not return the new batch tickets")
    by_word = ids_of(zenpy.search(WORD, type="ticket"))
    check(by_word == [first_id], f"free text {WORD!r} finds only the first ticket (got {by_word})")
    by_tag = ids_of(zenpy.search(type="ticket", tags=TAG))
    check(sorted(by_tag) == sorted(ours), f"tags:{TAG} finds the six tickets of this run (got {sorted(by_tag)})")
    by_batch = ids_of(zenpy.search(type="ticket", tags=BATCH_TAG))
    check(sorted(by_batch) == sorted(batch_ids), f"tags:{BATCH_TAG} finds the batch (got {sorted(by_batch)})")
    by_requester = ids_of(zenpy.search(type="ticket", requester=REQUESTER))
    check(by_requester == [first_id], f"requester:{REQUESTER} finds the first ticket (got {by_requester})")
    n = zenpy.search.count(type="ticket", tags=TAG)
    check(n == len(ours), f"search/count agrees ({n} for tags:{TAG})")
    print("step 6 ok: search by status, text, tag, requester and count")

    step = "7 users.me"
    me = zenpy.users.me()
    check(me is not None and me.id, "users.me returns an identified user")
    check((me.email or "").lower() == EMAIL.lower(), f"users.me is {EMAIL} (got {me.email!r})")
    print(f"step 7 ok: users.me is user {me.id}")

    step = "8 delete"
    victim = batch_ids[-1]
    zenpy.tickets.delete(fresh_ticket(victim))
    zenpy.purge_cache("ticket")
    try:
        zenpy.tickets(id=victim)
    except RecordNotFoundException:
        pass
    else:
        raise CheckFailed(f"ticket {victim} can still be fetched after DELETE")
    print(f"step 8 ok: ticket {victim} deleted, fetching it raises RecordNotFoundException")

    step = "9 error shape"
    try:
        zenpy.users.create(User(name="x", email="not-an-email"))
    except APIException as e:
        resp = getattr(e, "response", None)
        status = getattr(resp, "status_code", None)
        check(status == 422, f"an invalid email answers 422 (got {status})")
        body = resp.json()
        check(body.get("error") == "RecordInvalid", f"error is 'RecordInvalid' (got {body.get('error')!r})")
        check(isinstance(body.get("description"), str), "the error has a description")
        check(isinstance(body.get("details"), dict) and body["details"],
              f"the error names the invalid field in details (got {body.get('details')!r})")
    else:
        raise CheckFailed("creating a user with email 'not-an-email' succeeded")
    print("step 9 ok: invalid email rejected with a Zendesk-shaped 422")

    step = "10 attachments"
    data = bytes(range(256)) * 40 + RUN.encode()
    pdf_name = f"releve-{RUN}.pdf"
    up = zenpy.attachments.upload(io.BytesIO(data), target_name=pdf_name, content_type="application/pdf")
    check(bool(up.token), "upload returns a token")
    check(up.attachment.size == len(data), f"the upload has size {len(data)} (got {up.attachment.size})")
    up2 = zenpy.attachments.upload(io.BytesIO(b"second file"), token=up.token, target_name="note.txt")
    check(up2.token == up.token, "a second file joins the same upload token")
    check(len(list(up2.attachments)) == 2, f"the upload holds two files (got {len(list(up2.attachments))})")
    t = fresh_ticket(first_id)
    t.comment = Comment(body=f"Statement {RUN} attached", public=True, uploads=[up.token])
    zenpy.tickets.update(t)
    last = list(zenpy.tickets.comments(ticket=first_id))[-1]
    names = sorted(a.file_name for a in last.attachments)
    check(names == sorted([pdf_name, "note.txt"]), f"the new comment carries both files (got {names})")
    pdf = next(a for a in last.attachments if a.file_name == pdf_name)
    got = zenpy.attachments.download(pdf.id)
    check(got.getvalue() == data, "the downloaded file is byte-identical to the upload")
    print(f"step 10 ok: two files uploaded under one token, attached, listed and downloaded")


def main():
    print(f"zenpy interop against {parts.scheme or 'http'}://{parts.netloc} (run {RUN})")
    try:
        run()
    except CheckFailed as e:
        print(f"FAIL step {step}: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # anything zenpy or requests raised
        traceback.print_exc()
        print(f"ERROR step {step}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    print("zenpy interop: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
