#!/usr/bin/env python3
"""Self-check of the email corpus, independent of the Rust code (standard library only).

    python3 crates/mail/tests/corpus/check.py

Verifies that expected.toml and the .eml files agree: every listed file exists and every
.eml is listed, in file-name order; outcomes, case ids, authors, reasons and auto classes
follow from a small re-implementation of the pipeline rules (README.md); from, from_name
and subject match Python's `email` decoding; attachment names, types, inline flags and
decoded sizes match; text_contains / display_contains / display_excludes hold on a
Python approximation of the parser's text and of `mail::trim::display`; html_excludes name
something the raw HTML really contains (so the sanitiser has work to do).
"""
import email
import email.policy
import hashlib
import html.entities
import os
import re
import sys
import tomllib
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DOMAIN = "guichet.test"
MAILBOXES = {"support@guichet.test", "factures@guichet.test"}
AGENT = "marie.lefevre@guichet-staff.fr"
MAIL_HEADERS = ["from", "sender", "to", "cc", "subject", "date", "message-id", "received",
                "return-path", "mime-version", "content-type"]

errors = []


def err(file, msg):
    errors.append("%s: %s" % (file, msg))


# ------------------------------------------------------------------ ids and addresses
def clean_id(s):
    return s.strip().lstrip("<").rstrip(">").strip()


def ids_in(value):
    return [clean_id(m) for m in re.findall(r"<[^<>\s]+>", value or "")]


def is_ours(i):
    local, _, dom = i.rpartition("@")
    return dom.lower() == DOMAIN and (local.startswith("gc") or local.startswith("g-"))


def case_of_id(i):
    local, _, dom = i.rpartition("@")
    m = re.match(r"gc(\d+)-", local)
    return int(m.group(1)) if m and dom.lower() == DOMAIN and int(m.group(1)) > 0 else None


def plus_case(addr):
    m = re.match(r"[^+@]+\+[cC](\d+)@", addr)
    return int(m.group(1)) if m and int(m.group(1)) > 0 else None


def base_address(addr):
    local, _, dom = addr.strip().lower().rpartition("@")
    return "%s@%s" % (local.split("+")[0], dom)


def subject_case(s):
    for m in re.finditer(r"\[#\s*(\d+)\s*\]", s):
        if int(m.group(1)) > 0:
            return int(m.group(1))
    return None


def starts_with_header(raw):
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith(b"From "):
        return True
    line = raw.split(b"\n", 1)[0]
    i = line.find(b":")
    return i > 0 and all(33 <= b <= 126 for b in line[:i])


# ------------------------------------------------------------------ text
def html_to_text(s):
    """Port of mail-parser 0.11 `html_to_text` (what the parser puts in `text` for HTML-only)."""
    inp = s.encode("utf-8")
    res = []
    in_tag = in_head = in_style = in_script = in_template = in_comment = False
    is_token_start, is_after_space, is_tag_close, is_new_line = True, False, False, True
    token_start = token_end = tag_token_pos = comment_pos = 0

    def add(tok, space):
        if space:
            res.append(" ")
        t = tok.decode("utf-8", "replace")
        if t.startswith("&") and t.endswith(";") and len(t) > 2:
            ent = t[1:-1]
            code = None
            if ent.startswith("#"):
                try:
                    code = int(ent[2:], 16) if ent[1:2] in ("x", "X") else int(ent[1:])
                except ValueError:
                    code = None
            else:
                code = html.entities.name2codepoint.get(ent)
            if code is not None:
                res.append(chr(code))
                return
        res.append(t)

    for pos, ch in enumerate(inp):
        c = bytes([ch])
        if not in_comment:
            if c == b"<":
                if not (in_tag or in_head or in_style or in_script or in_template or is_token_start):
                    add(inp[token_start:token_end + 1], is_after_space)
                    is_after_space = False
                tag_token_pos, in_tag, is_token_start, is_tag_close = 0, True, True, False
                continue
            elif c == b">" and in_tag:
                if tag_token_pos == 1:
                    tag = inp[token_start:token_end + 1].lower()
                    if tag == b"br" or (tag == b"p" and is_tag_close):
                        res.append("\n")
                        is_after_space, is_new_line = False, True
                    elif tag == b"head":
                        in_head = not is_tag_close
                    elif tag == b"style":
                        in_style = not is_tag_close
                    elif tag == b"script":
                        in_script = not is_tag_close
                    elif tag == b"template":
                        in_template = not is_tag_close
                in_tag, is_token_start = False, True
                continue
            elif c == b"/" and in_tag:
                if tag_token_pos == 0:
                    is_tag_close = True
                continue
            elif c == b"!" and in_tag and tag_token_pos == 0 and inp[pos + 1:pos + 3] == b"--":
                in_comment = True
                continue
            elif c in (b" ", b"\t", b"\r", b"\n"):
                if not (in_tag or in_head or in_style or in_script or in_template):
                    if not is_token_start:
                        add(inp[token_start:token_end + 1], is_after_space and not is_new_line)
                        is_new_line = False
                    is_after_space = True
                is_token_start = True
                continue
            elif c == b"&" and not in_tag and not is_token_start and not in_head:
                if in_style or in_script or in_template:
                    continue
                add(inp[token_start:token_end + 1], is_after_space and not is_new_line)
                is_new_line, is_token_start, is_after_space = False, True, False
            elif c == b";" and not in_tag and not is_token_start and not in_head:
                if in_style or in_script or in_template:
                    continue
                add(inp[token_start:pos + 1], is_after_space and not is_new_line)
                is_token_start, is_after_space, is_new_line = True, False, False
                continue
            if is_token_start:
                token_start, is_token_start = pos, False
                if in_tag:
                    tag_token_pos += 1
            token_end = pos
        else:
            if c == b"-":
                comment_pos += 1
            elif c == b">" and comment_pos == 2:
                comment_pos, in_comment, in_tag, is_token_start = 0, False, False, True
            else:
                comment_pos = 0
    if not (in_tag or is_token_start or in_head or in_style or in_script or in_template):
        add(inp[token_start:token_end + 1], is_after_space and not is_new_line)
    return "".join(res)


def is_attachment(part):
    return (part.get_content_disposition() or "") == "attachment"


def part_text(part):
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        return part.get_payload(decode=True).decode("utf-8", "replace")


def body_parts(part):
    """Body text/HTML parts the way mail-parser picks them (enough for this corpus)."""
    ct = part.get_content_type()
    if part.is_multipart():
        kids = part.get_payload()
        if ct == "multipart/alternative":
            plain = [k for k in kids if k.get_content_type() == "text/plain"]
            if plain:
                return [("text", plain[0])]
            out = []
            for k in kids:
                out += body_parts(k)
            return out
        if ct == "multipart/related":
            return body_parts(kids[0]) if kids else []
        out = []
        for i, k in enumerate(kids):
            if k.get_content_type() in ("text/plain", "text/html"):
                if not is_attachment(k) and (i == 0 or not k.get_param("name")):
                    out.append(("text" if k.get_content_type() == "text/plain" else "html", k))
            elif k.is_multipart() and not k.get_content_type().startswith("message/"):
                out += body_parts(k)
        return out
    if ct == "text/plain":
        return [("text", part)]
    if ct == "text/html":
        return [("html", part)]
    return []


def decoded_text(msg):
    out = []
    for kind, p in body_parts(msg):
        t = part_text(p)
        out.append((html_to_text(t) if kind == "html" else t).rstrip())
    return unicodedata.normalize("NFC", "\n".join(out).replace("\r\n", "\n"))


def html_of(msg):
    out = []
    for p in msg.walk():
        if p.get_content_type() == "text/html" and not is_attachment(p):
            out.append(part_text(p))
    return "".join(out)


# ------------------------------------------------------------------ port of mail::trim::display
def _strip_bold(l):
    return l.strip().lstrip("*")


def _is_attribution(lower):
    l = lower.rstrip()
    return (l.startswith("on ") and l.endswith("wrote:")) or (
        l.startswith("le ") and (l.endswith("a écrit :") or l.endswith("a écrit:")))


def _is_rule(lower):
    core = lower.strip("- \t")
    return lower.startswith("-----") and core in (
        "original message", "message d'origine", "message d’origine", "mensaje original",
        "ursprüngliche nachricht")


def _is_outlook_block(lines, i):
    if i >= len(lines):
        return False
    f = _strip_bold(lines[i]).lower()
    if not (f.startswith("from:") or f.startswith("de :") or f.startswith("de:")):
        return False
    window = [_strip_bold(l).lower() for l in lines[i + 1:min(len(lines), i + 6)]]
    sent = any(l.startswith(p) for l in window for p in ("sent:", "envoyé :", "envoyé:", "date:", "date :"))
    subj = any(l.startswith(p) for l in window for p in ("subject:", "objet :", "objet:"))
    return sent and subj


def _cuts_here(lines, i):
    line = lines[i]
    t = line.strip()
    if line == "-- " or (line == "--" and i + 1 < len(lines) and len(lines) - i <= 8):
        return True
    lower = t.lower()
    if _is_rule(lower) or _is_attribution(lower):
        return True
    if i + 1 < len(lines) and (lower.startswith("le ") or lower.startswith("on ")):
        joined = lower + " " + lines[i + 1].strip().lower()
        if _is_attribution(joined) and not _is_attribution(lines[i + 1].strip().lower()):
            return True
    if _is_outlook_block(lines, i):
        return True
    if len(t) >= 10 and all(c == "_" for c in t):
        for n, l in enumerate(lines[i + 1:]):
            if l.strip():
                return _is_outlook_block(lines, i + 1 + n)
    return False


def display(text):
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        if _cuts_here(lines, i):
            break
        if not line.lstrip().startswith(">"):
            out.append(line.rstrip())
    result, blank = "", 0
    for l in out:
        if not l.strip():
            blank += 1
            continue
        if result:
            result += "\n\n" if blank else "\n"
        blank = 0
        result += l
    return result if result.strip() else text.strip()


# ------------------------------------------------------------------ attachments
EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "application/pdf": ".pdf",
       "message/rfc822": ".eml", "text/calendar": ".ics", "text/plain": ".txt", "text/html": ".html"}


def raw_part_size(raw, part, parent):
    """Bytes of a message/* part as the parser keeps them: from after its header block up to
    (not including) the line break before the parent's next boundary."""
    marker = ("Content-Type: " + part["Content-Type"].split(";")[0]).encode()
    start = raw.index(marker)
    body = raw.index(b"\n\n", start) + 2
    end = raw.index(b"\n--" + parent.get_boundary().encode(), body)
    return end - body


def attachments(raw, msg):
    body = {id(p) for _, p in body_parts(msg)}
    out = []

    def visit(part, parent):
        ct = part.get_content_type()
        if part.is_multipart() and not ct.startswith("message/"):
            for k in part.get_payload():
                visit(k, part)
            return
        if id(part) in body:
            return
        if ct in ("text/plain", "text/html") and not is_attachment(part) and not part.get_param("name"):
            return  # the other half of an alternative: a body, not an attachment
        cid = part.get("Content-ID")
        inline = bool(cid and clean_id(cid)) and not is_attachment(part)
        if ct.startswith("message/"):
            size = raw_part_size(raw, part, parent)
        else:
            size = len(part.get_payload(decode=True) or b"")
        name = part.get_filename()
        n = len(out)
        if not name and ct == "message/rfc822":
            name = str(part.get_payload()[0]["Subject"]) + ".eml"
        if not name:
            name = "attachment-%d%s" % (n + 1, EXT.get(ct, ".bin"))
        out.append({"name": unicodedata.normalize("NFC", name.strip()), "content_type": ct,
                    "inline": inline, "size": size})

    if msg.is_multipart():
        for k in msg.get_payload():
            visit(k, msg)
    elif id(msg) not in body:
        visit(msg, None)
    return out


# ------------------------------------------------------------------ classification
def hval(msg, name):
    v = msg.get(name)
    return None if v is None else str(v).strip().lower()


def bounce_info(raw, msg):
    report = (msg.get_content_type() == "multipart/report"
              and (msg.get_param("report-type") or "").lower() == "delivery-status")
    status, failed, orig = False, [], []
    for p in msg.walk():
        ct = p.get_content_type()
        if ct in ("message/delivery-status", "message/global-delivery-status"):
            status = True
            parent = next(q for q in msg.walk() if q.is_multipart() and p in q.get_payload())
            start = raw.index(b"Content-Type: " + ct.encode())
            body = raw.index(b"\n\n", start) + 2
            end = raw.index(b"\n--" + parent.get_boundary().encode(), body)
            for line in raw[body:end].decode("utf-8", "replace").splitlines():
                k, _, v = line.partition(":")
                if k.strip().lower() == "final-recipient":
                    a = v.split(";", 1)[-1].strip().strip("<>").lower()
                    if "@" in a and a not in failed:
                        failed.append(a)
        elif ct in ("text/rfc822-headers", "message/rfc822-headers"):
            h = email.message_from_bytes(p.get_payload(decode=True))
            orig += ids_in(h.get("Message-ID")) + ids_in(h.get("In-Reply-To")) + ids_in(h.get("References"))
        elif ct == "message/rfc822":
            h = p.get_payload()[0]
            orig += ids_in(h.get("Message-ID")) + ids_in(h.get("In-Reply-To")) + ids_in(h.get("References"))
    frm = sender(msg)
    daemon = frm is not None and frm[0].split("@")[0] in ("mailer-daemon", "postmaster")
    null_rp = msg.get("Return-Path") is not None and clean_id(str(msg["Return-Path"])) == ""
    if report or status or (daemon and null_rp):
        return failed, orig
    return None


def classify(msg):
    v = hval(msg, "Auto-Submitted")
    if v and v.split(";")[0].strip() not in ("", "no"):
        return "auto-reply"
    if msg.get("X-Autoreply") is not None or msg.get("X-Autorespond") is not None:
        return "auto-reply"
    v = hval(msg, "X-Auto-Response-Suppress")
    if v and any(t in ("all", "oof", "autoreply") for t in re.split(r"[,\s]+", v)):
        return "auto-reply"
    prec = hval(msg, "Precedence") or hval(msg, "X-Precedence")
    if prec == "auto_reply":
        return "auto-reply"
    if prec in ("bulk", "list", "junk") or msg.get("List-Id") is not None or msg.get("List-Unsubscribe") is not None:
        return "bulk"
    return "none"


def sender(msg):
    for h in ("From", "Sender"):
        v = msg.get(h)
        if v is None:
            continue
        try:
            addrs = v.addresses
        except Exception:
            continue
        for a in addrs:
            s = (a.addr_spec or "").strip().lower()
            if "@" in s and not s.startswith("@") and not s.endswith("@"):
                name = unicodedata.normalize("NFC", (a.display_name or "").strip().strip('"').strip())
                return s, (name if name and name.lower() != s else None)
    return None


# ------------------------------------------------------------------ the pipeline, simulated
def main():
    with open(os.path.join(HERE, "expected.toml"), "rb") as fh:
        expected = tomllib.load(fh)["message"]
    listed = [m["file"] for m in expected]
    on_disk = sorted(f for f in os.listdir(HERE) if f.endswith(".eml"))
    if listed != on_disk:
        err("expected.toml", "files listed %s differ from .eml on disk %s"
            % (sorted(set(listed) ^ set(on_disk)), "(or order differs)"))
    for f in listed:
        if not re.match(r"^\d\d-[a-z0-9-]+\.eml$", f):
            err(f, "bad file name")

    cases = {}          # id -> requester address
    seen = {}           # message-id -> case
    next_case = 1
    for exp in expected:
        f = exp["file"]
        path = os.path.join(HERE, f)
        if not os.path.exists(path):
            err(f, "missing")
            continue
        raw = open(path, "rb").read()
        if len(raw) >= 20 * 1024:
            err(f, "larger than 20 KB")
        rcpt = exp.get("rcpt", "support@guichet.test")
        got = {}

        msg = email.message_from_bytes(raw, policy=email.policy.default)
        if not starts_with_header(raw) or not any(h in MAIL_HEADERS for h in (k.lower() for k in msg.keys())):
            got = {"outcome": "quarantine", "reason": "malformed"}
        else:
            s = sender(msg)
            mid = clean_id(str(msg["Message-ID"])) if msg.get("Message-ID") else ""
            if not mid:
                mid = hashlib.sha256(raw).hexdigest()[:32] + "@synthetic.guichet"
            if s:
                got["from"], got["from_name"] = s
            if s is None:
                got.update(outcome="quarantine", reason="no-sender")
            elif mid in seen:
                got.update(outcome="duplicate")
            elif base_address(rcpt).endswith("@" + DOMAIN) and base_address(rcpt) not in MAILBOXES:
                got.update(outcome="quarantine", reason="unknown-recipient")
            elif s[0] in MAILBOXES or is_ours(mid):
                got.update(outcome="quarantine", reason="loop")
            else:
                frm = s[0]
                subject = unicodedata.normalize("NFC", str(msg.get("Subject", "")).strip())
                got["subject"] = subject
                b = bounce_info(raw, msg)
                got["auto"] = "bounce" if b is not None else classify(msg)
                parents = ids_in(str(msg.get("In-Reply-To", ""))) + list(reversed(ids_in(str(msg.get("References", "")))))
                if b is not None:
                    parents += b[1]
                allowed = lambda c: frm == cases[c] or frm == AGENT
                case = None
                for i in parents:  # rule 1
                    c = case_of_id(i)
                    if c in cases:
                        case = c
                        break
                if case is None and b is None:
                    c = plus_case(rcpt)  # rule 2
                    if c in cases and allowed(c):
                        case = c
                if case is None and b is None:
                    c = subject_case(subject)  # rule 3
                    if c in cases and allowed(c):
                        case = c
                if case is None:
                    for i in parents:  # rule 4
                        if i in seen:
                            case = seen[i]
                            break
                if b is not None:
                    got["bounce_recipient"] = b[0][0] if b[0] else None
                if case is None and b is not None:
                    got = {"outcome": "quarantine", "reason": "unmatched-bounce", "from": frm}
                else:
                    if case is None:
                        case = next_case
                        next_case += 1
                        cases[case] = frm
                        got["outcome"] = "new"
                    else:
                        got["outcome"] = "append"
                    got["case"] = case
                    got["author"] = "agent" if frm == AGENT else "customer"
                    seen[mid] = case
            if got["outcome"] == "quarantine" and got.get("reason") != "unmatched-bounce":
                pass
        for k in ("outcome", "case", "reason", "author", "from", "from_name", "subject", "auto",
                  "bounce_recipient"):
            if k in exp and exp[k] != got.get(k):
                err(f, "%s: expected %r, simulated %r" % (k, exp[k], got.get(k)))
        for k in ("outcome",):
            if got.get("outcome") in ("new", "append") and "case" not in exp:
                err(f, "case missing for %s" % got["outcome"])
        if got.get("outcome") == "quarantine" and exp.get("reason") is None:
            err(f, "reason missing")

        if got.get("outcome") in ("new", "append"):
            text = decoded_text(msg)
            disp = display(text)
            for sub in exp.get("text_contains", []):
                if sub not in text:
                    err(f, "text lacks %r" % sub)
            for sub in exp.get("display_contains", []):
                if sub not in disp:
                    err(f, "display lacks %r" % sub)
            for sub in exp.get("display_excludes", []):
                if sub in disp:
                    err(f, "display still has %r" % sub)
            h = html_of(msg)
            for sub in exp.get("html_excludes", []):
                if sub.lower() not in h.lower():
                    err(f, "html_excludes %r is not in the raw HTML (nothing to test)" % sub)
            atts = attachments(raw, msg)
            want = exp.get("attachments", [])
            if ("attachments" in exp or atts) and f[:2] not in ("38", "39"):
                if want != atts:
                    err(f, "attachments expected %r, found %r" % (want, atts))

    if errors:
        print("\n".join(errors))
        print("%d problem(s)" % len(errors))
        sys.exit(1)
    print("ok: %d messages, %d cases" % (len(expected), next_case - 1))


if __name__ == "__main__":
    main()
