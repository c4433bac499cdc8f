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
from zenpy.lib.api_objects import Comment, JobStatus, Request, Ticket, TicketAudit, User  # noqa: E402
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

    step = "11 requests as an end user"
    import requests as http  # zenpy's own dependency

    root = f"{parts.scheme or 'http'}://{parts.netloc}/api/v2"
    customer = f"customer-{RUN}@example.com"
    customer_pw = f"customer-password-{RUN}"
    r = http.post(f"{root}/users.json", auth=(f"{EMAIL}/token", TOKEN),
                  json={"user": {"name": f"Client {RUN}", "email": customer, "password": customer_pw,
                                 "guichet_role": "end-user"}})
    check(r.status_code == 201, f"an end user is created (got {r.status_code} {r.text[:200]})")
    cz = Zenpy(subdomain="guichet", email=customer, password=customer_pw)
    word = f"thermostat{RUN}"
    created = cz.requests.create(Request(subject=f"Broken {word}", comment=Comment(body=f"My {word} shows E4.")))
    rid = created.id
    check(rid and created.status == "new", f"the request is created as new (got {created.status!r})")
    check(created.can_be_solved_by_me is False, "an unassigned request cannot be solved by its requester")
    more = [cz.requests.create(Request(subject=f"Other {RUN} {i}", comment=Comment(body="x"))).id for i in range(3)]
    mine = ids_of(cz.requests())
    check(set([rid] + more) <= set(mine), f"requests lists the four of this customer (got {mine})")
    check(first_id not in mine, "another customer's ticket is not among the requests")
    check(rid in ids_of(cz.requests.open()), "requests/open holds the new request")
    # The team writes an internal note and a public answer, and takes the case in hand.
    t = fresh_ticket(rid)
    t.comment = Comment(body=f"Internal {RUN}: known firmware bug", public=False)
    zenpy.tickets.update(t)
    t = fresh_ticket(rid)
    t.comment = Comment(body=f"Please update the firmware of your {word}.", public=True)
    t.assignee_id = me.id
    zenpy.tickets.update(t)
    comments = list(cz.requests.comments(rid))
    bodies = [c.body for c in comments]
    check(len(comments) == 2, f"the requester reads two public comments (got {bodies})")
    check(not any("Internal" in b for b in bodies), "no internal note reaches the requester")
    found = ids_of(cz.requests.search(word))
    check(found == [rid], f"requests/search finds the request by its words (got {found})")
    check(ids_of(cz.requests.search("firmware")) == [rid], "and by the team's public answer")
    check(ids_of(cz.requests.search("known")) == [], "but never by an internal note's words")
    fresh = cz.requests(id=rid)
    check(fresh.can_be_solved_by_me is True, "assigned and open: the requester may solve it")
    cz.requests.update(Request(id=rid, solved=True, comment=Comment(body="Works now, thanks")))
    after = cz.requests(id=rid)
    check(after.status == "solved", f"solved by the requester (got {after.status!r})")
    check(rid in ids_of(cz.requests.solved()), "requests/solved holds it")
    try:
        cz.requests(id=first_id)
    except RecordNotFoundException:
        pass
    else:
        raise CheckFailed("an end user can read another customer's request")
    print(f"step 11 ok: an end user creates, lists, searches, reads the public thread of and solves requests")


    step = "12 help center"
    from zenpy.lib.api_objects.help_centre_objects import Article, Category, Section, Translation, Label
    hc = zenpy.help_center
    groups = list(hc.permission_groups())
    check(len(groups) == 1 and groups[0].id, f"one permission group (got {groups})")
    segments = list(hc.user_segments())
    staff = [x for x in segments if x.user_type == "staff"]
    check(len(staff) == 1, f"a staff user segment for internal articles (got {segments})")
    cat = hc.categories.create(Category(name=f"Shipping {RUN}", description="Parcels and delays", locale="en-us"))
    check(cat.id and cat.locale == "en-us", f"a category in zenpy's default locale, echoed en-us (got {cat.locale!r})")
    sec = hc.sections.create(Section(category_id=cat.id, name=f"Delays {RUN}", locale="en-us"))
    check(sec.category_id == cat.id, "a section in the category")
    word = f"parcel{RUN}"
    art = hc.articles.create(sec.id, Article(
        title=f"Where is my {word}?",
        body=f"<p>Follow your <b>{word}</b> from the tracking page.</p><script>alert(1)</script>",
        locale="en-us", permission_group_id=groups[0].id, label_names=["tracking"]))
    check(art.id and art.draft is False and art.user_segment_id is None, "a published public article")
    check("<script" not in art.body and "<b>" in art.body, f"the body is sanitised HTML (got {art.body!r})")
    internal = hc.articles.create(sec.id, Article(
        title=f"Carrier escalation {word}", body="<p>Call the depot.</p>", locale="en-us",
        permission_group_id=groups[0].id, user_segment_id=staff[0].id))
    check(internal.user_segment_id == staff[0].id, "an internal article is in the staff segment")
    draft = hc.articles.create(sec.id, Article(
        title=f"Draft about {word}", body="<p>Soon.</p>", locale="en-us",
        permission_group_id=groups[0].id, draft=True))
    check(draft.draft is True, "a draft article")
    try:
        hc.articles.create(sec.id, Article(title="No group", body="x", locale="en-us"))
    except APIException as e:
        check("permission_group_id" in str(e), f"the missing permission group is named (got {e})")
    else:
        raise CheckFailed("an article without permission_group_id was accepted")
    # Title and body change through translations; PUT articles keeps them (zenpy sends
    # the whole object back).
    art.label_names = ["tracking", "delivery"]
    art.title = "ignored here"
    updated = hc.articles.update(art)
    check(sorted(updated.label_names) == ["delivery", "tracking"], f"labels changed (got {updated.label_names})")
    check(updated.title == f"Where is my {word}?", f"PUT articles leaves the title (got {updated.title!r})")
    missing = [str(x) for x in hc.articles.missing_translations(art.id)]
    check(missing == ["fr"], f"French is missing (got {missing})")
    fr = hc.articles.create_translation(art.id, Translation(locale="fr", title=f"Où est mon {word} ?", body=f"<p>Suivez votre {word}.</p>", draft=False))
    check(fr.locale == "fr" and fr.source_id == art.id, "a French translation")
    en = hc.articles.update_translation(art.id, Translation(locale="en-us", title=f"Where is my {word} now?"))
    check(en.title == f"Where is my {word} now?" and "tracking page" in en.body, "PUT translations/en-us changes the title and keeps the body")
    locales = sorted(t.locale for t in hc.articles.translations(art.id))
    check(locales == ["en-us", "fr"], f"two translations (got {locales})")
    # Lists with cursor pages, as zenpy asks for them.
    listed = [a.id for a in hc.sections.articles(sec.id)]
    check(set(listed) == {art.id, internal.id, draft.id}, f"staff list every article of the section, drafts included (got {listed})")
    everything = [a.id for a in hc.articles()]
    check(art.id in everything, "articles lists it")
    # Search: the words, in the language, with result_type; staff find internal ones too.
    found = list(hc.articles.search(query=word, locale="en-us"))
    ids = sorted(a.id for a in found)
    check(ids == sorted([art.id, internal.id]), f"search finds the published articles, never the draft (got {ids})")
    check(all(type(a).__name__ == "Article" for a in found), f"zenpy reads the results as articles (got {[type(a).__name__ for a in found]})")
    labels = [l.name for l in hc.labels()]
    check("delivery" in labels and "tracking" in labels, f"labels listed (got {labels})")
    # An end user: reads only what the public help centre shows, and votes once.
    ch = cz.help_center
    seen = [a.id for a in ch.sections.articles(sec.id)]
    check(seen == [art.id], f"the customer sees the published public article only (got {seen})")
    pub = sorted(a.id for a in ch.articles.search(query=word, locale="en-us"))
    check(pub == [art.id], f"the customer's search never finds the internal article (got {pub})")
    try:
        ch.articles(id=internal.id)
    except RecordNotFoundException:
        pass
    else:
        raise CheckFailed("a customer read an internal article")
    up = ch.articles.vote_up(art.id)
    check(up.value == 1 and up.item_id == art.id, f"an up vote (got {up.to_dict()})")
    down = ch.articles.vote_down(art.id)
    check(down.id == up.id and down.value == -1, "the same vote, changed")
    shown = hc.articles(id=art.id)
    check(shown.vote_count == 1 and shown.vote_sum == -1, f"one vote counted (got {shown.vote_count}, {shown.vote_sum})")
    votes = list(hc.articles.votes(art.id))
    check([v.value for v in votes] == [-1], f"the team lists the vote (got {votes})")
    # Files: a picture for the text and a PDF under the article, a file uploaded before
    # its article then linked, and deletion; the customer reads the public article's files.
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "crates", "guichet", "tests", "fixtures")
    with open(os.path.join(fixtures, "screen.png"), "rb") as f:
        png = f.read()
    pic = hc.attachments.create(art, io.BytesIO(png), inline=True, file_name="screen.png", content_type="image/png")
    check(pic.id and pic.article_id == art.id and pic.inline is True and pic.content_type == "image/png",
          f"a picture for the article's text (got {pic.to_dict()})")
    pdf = hc.attachments.create(art, io.BytesIO(b"%PDF-1.4 manual"), file_name="manual.pdf")
    check(pdf.inline is False and pdf.content_type == "application/pdf", f"an attachment under the article (got {pdf.to_dict()})")
    check(sorted(a.id for a in hc.attachments(art)) == sorted([pic.id, pdf.id]), "both files listed")
    check([a.id for a in hc.attachments.inline(art)] == [pic.id], "the picture is inline")
    check([a.id for a in hc.attachments.block(art)] == [pdf.id], "the PDF is a block attachment")
    early = hc.attachments.create_unassociated(io.BytesIO(png), inline=True, file_name="early.png")
    check(early.article_id is None, f"a file before its article (got {early.article_id})")
    linked = hc.attachments.bulk_attachments(art, [early])
    check(sorted(a.id for a in linked) == sorted([pic.id, pdf.id, early.id]), f"linked in bulk (got {linked})")
    got = zenpy.users.session.get(pic.content_url)
    check(got.status_code == 200 and got.content == png, f"content_url answers the picture ({got.status_code})")
    seen = sorted(a.id for a in ch.attachments(art))
    check(seen == sorted([pic.id, pdf.id, early.id]), f"the customer lists the public article's files (got {seen})")
    hc.attachments.delete(pdf)
    check(sorted(a.id for a in hc.attachments(art)) == sorted([pic.id, early.id]), "the PDF is deleted")
    # A category named in another language, renamed, then the language removed.
    cat_fr = hc.categories.create_translation(cat, Translation(locale="fr", title=f"Livraisons {RUN}", body="Colis et délais"))
    check(cat_fr.locale == "fr" and cat_fr.source_id == cat.id, f"the category in French (got {cat_fr.to_dict()})")
    check(sorted(t.locale for t in hc.categories.translations(cat)) == ["en-us", "fr"], "two names")
    renamed = hc.categories.update_translation(cat, Translation(locale="fr", title=f"Expéditions {RUN}"))
    check(renamed.title == f"Expéditions {RUN}" and renamed.body == "Colis et délais", "renamed in French, description kept")
    sec_missing = [str(x) for x in hc.sections.missing_translations(sec)]
    check(sec_missing == ["fr"], f"the section lacks French (got {sec_missing})")
    hc.categories.delete_translation(cat_fr)
    check([t.locale for t in hc.categories.translations(cat)] == ["en-us"], "the French name removed")
    hc.articles.archive(draft)
    try:
        hc.articles(id=draft.id)
        archived = [a.id for a in hc.sections.articles(sec.id)]
        check(draft.id not in archived, "an archived article leaves the lists")
    except RecordNotFoundException:
        pass
    print(f"step 12 ok: categories, sections, articles, translations, search, labels, votes, files and category translations through zenpy's help_center")

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
