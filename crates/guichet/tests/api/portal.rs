//! Issue 17: the customer portal over HTTP, as a browser uses it (cookies, forms, CSRF),
//! on both databases. Sign-in links read from the outbox (the browser test reads them from
//! the real SMTP sink), every route tried as anonymous, customer A, customer B, an
//! organisation colleague and an agent.

use crate::ui::{Ui, staff};
use crate::{LOGO_PNG, TestApp, spawn_app};
use domain::Role;
use reqwest::header;
use reqwest::{Client, Method, StatusCode};
use serde_json::json;

fn no_redirects() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A browser signed in to the portal.
struct Customer {
    http: Client,
    base: String,
    cookie: String,
    csrf: String,
}

/// What a response says: status, Location (or body), body.
struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

impl Customer {
    async fn get(&self, path: &str) -> Answer {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .expect("get");
        answer(r).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        let mut f = form.to_vec();
        f.push(("csrf", &self.csrf));
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .form(&f)
            .send()
            .await
            .expect("post");
        answer(r).await
    }

    /// A multipart form as the page sends it (text fields, then files).
    async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Answer {
        let (ctype, body) = multipart(&[fields, &[("csrf", self.csrf.as_str())]].concat(), files);
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, ctype)
            .body(body)
            .send()
            .await
            .expect("post");
        answer(r).await
    }
}

fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----guichet-test-boundary-7d1f";
    let mut b: Vec<u8> = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, data) in files {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status();
    let location = r
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Answer {
        status,
        location,
        body: r.text().await.unwrap_or_default(),
    }
}

fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string()
}

async fn mailbox(t: &TestApp) {
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(json!({"mailbox": {"address": "support@guichet.test", "name": "Service client"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

/// A case for this customer (created by the admin through the API); its id.
async fn case_for(t: &TestApp, email: &str, subject: &str, body: &str) -> i64 {
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets",
            Some(
                json!({"ticket": {"subject": subject, "comment": {"body": body},
                "requester": {"email": email, "name": email.split('@').next().unwrap()}}}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["ticket"]["id"].as_i64().unwrap()
}

/// The newest sign-in link mailed to this address (from the outbox; the spawned request
/// writes it a moment after the answer).
async fn sign_in_link(t: &TestApp, to: &str) -> Option<String> {
    link_in_mail(t, "sign_in", to, "/portal/sign-in/").await
}

async fn link_in_mail(t: &TestApp, kind: &str, to: &str, marker: &str) -> Option<String> {
    for _ in 0..40 {
        let all = t.store.outbox_recent(None, 200).await.unwrap();
        if let Some(o) = all.iter().find(|o| o.kind == kind && o.recipient == to) {
            let parsed = mail::parse(&o.raw, &mail::Limits::default()).unwrap();
            if let Some(at) = parsed.text.find(marker) {
                let start = parsed.text[..at].rfind("http").unwrap();
                let end = parsed.text[at..]
                    .find(char::is_whitespace)
                    .map(|e| at + e)
                    .unwrap_or(parsed.text.len());
                return Some(parsed.text[start..end].to_string());
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

async fn mails_to(t: &TestApp, kind: &str, to: &str) -> usize {
    t.store
        .outbox_recent(None, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == kind && o.recipient == to)
        .count()
}

async fn ask_link(t: &TestApp, email: &str) -> Answer {
    let r = no_redirects()
        .post(format!("{}/portal/sign-in", t.base))
        .form(&[("email", email), ("next", "/portal/cases")])
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// Ask for a link, open it, press the button: a signed-in customer.
async fn sign_in(t: &TestApp, email: &str) -> Customer {
    let before = mails_to(t, "sign_in", email).await;
    let a = ask_link(t, email).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    // The link is written a moment after the answer: wait for this request's one.
    for _ in 0..40 {
        if mails_to(t, "sign_in", email).await > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let link = sign_in_link(t, email).await.expect("a sign-in link");
    let path = link
        .split_once("/portal/")
        .map(|(_, p)| format!("/portal/{p}"))
        .unwrap();
    let http = no_redirects();
    let r = http.post(format!("{}{path}", t.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("guichet_customer_session="), "{cookie}");
    let mut c = Customer {
        http,
        base: t.base.clone(),
        cookie,
        csrf: String::new(),
    };
    let page = c.get("/portal/cases").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    c.csrf = csrf_in(&page.body);
    assert_eq!(c.csrf.len(), 40);
    c
}

#[tokio::test]
async fn a_customer_signs_in_by_link_follows_replies_and_closes_their_solved_case() {
    let t = spawn_app().await;
    mailbox(&t).await;
    let id = case_for(
        &t,
        "lea@example.com",
        "Colis abîmé",
        "Le carton est arrivé déchiré.",
    )
    .await;
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            Some(json!({"ticket": {"comment": {"body": "NOTE-INTERNE: client difficile", "public": false}}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            Some(json!({"ticket": {"comment": {"body": "Nous renvoyons un colis."}}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // The same answer for an address nobody has: no enumeration.
    let known = ask_link(&t, "lea@example.com").await;
    let unknown = ask_link(&t, "personne@example.com").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, known.status);
    assert!(known.body.contains("id=\"link-sent\""));
    assert_eq!(
        known.body.replace("lea@example.com", ""),
        unknown.body.replace("personne@example.com", "")
    );
    let link = sign_in_link(&t, "lea@example.com").await.expect("mailed");
    assert!(sign_in_link(&t, "personne@example.com").await.is_none());
    let path = format!("/portal/{}", link.split_once("/portal/").unwrap().1);

    // Opening the link (a mail scanner, say) does not use it: only the button does.
    for _ in 0..2 {
        let r = t
            .http
            .get(format!("{}{path}", t.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("id=\"use-link\""));
    }
    let r = no_redirects()
        .post(format!("{}{path}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    // Used once: the second press is refused, the page says to ask again.
    let again = no_redirects()
        .post(format!("{}{path}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("id=\"ask-again\""));

    let lea = sign_in(&t, "lea@example.com").await;
    let list = lea.get("/portal/cases").await;
    assert!(list.body.contains("Colis abîmé"), "{}", list.body);
    let page = lea.get(&format!("/portal/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Nous renvoyons un colis."));
    assert!(page.body.contains("Le carton est arrivé déchiré."));
    assert!(
        !page.body.contains("NOTE-INTERNE"),
        "an internal note leaked"
    );
    assert!(
        !page.body.contains("admin@guichet.test"),
        "an agent's address leaked"
    );

    // A reply with a file; a solved case then asks "is it solved?".
    let r = lea
        .post_multipart(
            &format!("/portal/cases/{id}/reply"),
            &[("body", "Merci, j’attends le colis.")],
            &[("photo.txt", b"contenu de la photo")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let msgs = t
        .store
        .messages(
            id,
            true,
            store::Page {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let last = msgs.last().unwrap();
    assert_eq!(last.body, "Merci, j’attends le colis.");
    assert!(last.public);
    let files = t.store.attachments_of(&[last.id]).await.unwrap();
    assert_eq!(files.len(), 1);
    let file = lea.get(&format!("/portal/files/{}", files[0].id)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, "contenu de la photo");

    // An empty reply is refused next to its field, nothing written.
    let r = lea
        .post_multipart(&format!("/portal/cases/{id}/reply"), &[("body", "  ")], &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"body-error\""), "{}", r.body);

    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            Some(json!({"ticket": {"status": "solved"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let page = lea.get(&format!("/portal/cases/{id}")).await;
    assert!(page.body.contains("id=\"yes-solved\""));
    let r = lea.post(&format!("/portal/cases/{id}/confirm"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = t.store.case(id).await.unwrap().unwrap();
    assert_eq!(c.status, "closed");
    assert!(c.closed_at.is_some());

    // A closed case offers a follow-up, linked to it.
    let page = lea.get(&format!("/portal/cases/{id}")).await;
    assert!(page.body.contains("id=\"follow-up\""));
    assert!(!page.body.contains("id=\"reply-form\""));
    let r = lea
        .post_multipart(
            "/portal/cases",
            &[
                ("subject", "Le nouveau colis est abîmé aussi"),
                ("body", "Même problème."),
                ("follow_up_of", &id.to_string()),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let new_id: i64 = r
        .location
        .trim_start_matches("/portal/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let links = t.store.links(new_id).await.unwrap();
    assert!(
        links
            .iter()
            .any(|l| l.other_id == id && l.kind == "follow_up"),
        "{links:?}"
    );
    let n = t.store.case(new_id).await.unwrap().unwrap();
    assert_eq!(n.requester_id, c.requester_id);
    assert_eq!(n.channel, "web");

    // Sign out: the cookie no longer opens anything.
    let r = lea.post("/portal/sign-out", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = lea.get("/portal/cases").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location.starts_with("/portal/sign-in"));
}

#[tokio::test]
async fn every_portal_route_keeps_customers_agents_and_strangers_apart() {
    let t = spawn_app().await;
    mailbox(&t).await;
    let a_case = case_for(&t, "alice@example.com", "Facture A", "Ma facture.").await;
    let _b_case = case_for(&t, "bob@example.com", "Facture B", "La sienne.").await;
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{a_case}"),
            Some(json!({"ticket": {"comment": {"body": "Voici", "uploads": []}}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let alice = sign_in(&t, "alice@example.com").await;
    let r = alice
        .post_multipart(
            &format!("/portal/cases/{a_case}/reply"),
            &[("body", "avec pièce jointe")],
            &[("a.txt", b"secret d'Alice")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let file_id = t
        .store
        .attachments_of(
            &t.store
                .messages(
                    a_case,
                    true,
                    store::Page {
                        limit: 50,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .iter()
                .map(|m| m.id)
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap()[0]
        .id;
    let bob = sign_in(&t, "bob@example.com").await;

    // Anonymous: GETs go to the sign-in page, POSTs are refused, nothing leaks.
    let anon = no_redirects();
    for path in [
        "/portal/cases".to_string(),
        format!("/portal/cases/{a_case}"),
        format!("/portal/files/{file_id}"),
        "/portal/profile".to_string(),
        "/portal/cases/new".to_string(),
    ] {
        let r = anon.get(format!("{}{path}", t.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/portal/sign-in")
        );
    }
    for path in [
        format!("/portal/cases/{a_case}/reply"),
        format!("/portal/cases/{a_case}/confirm"),
        format!("/portal/cases/{a_case}/reopen"),
        "/portal/profile".to_string(),
    ] {
        let r = anon
            .post(format!("{}{path}", t.base))
            .form(&[("body", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }

    // Bob sees none of Alice's: her case, her file, her list.
    let list = bob.get("/portal/cases").await;
    assert!(!list.body.contains("Facture A"));
    assert!(list.body.contains("Facture B"));
    for path in [
        format!("/portal/cases/{a_case}"),
        format!("/portal/files/{file_id}"),
    ] {
        let r = bob.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains("Facture A") && !r.body.contains("secret"));
    }
    for (path, form) in [
        (format!("/portal/cases/{a_case}/confirm"), vec![]),
        (
            format!("/portal/cases/{a_case}/reopen"),
            vec![("body", "x")],
        ),
        (format!("/portal/cases/{a_case}/solve"), vec![]),
    ] {
        let r = bob.post(&path, &form).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = bob
        .post_multipart(
            &format!("/portal/cases/{a_case}/reply"),
            &[("body", "intrus")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A follow-up cannot be hung on someone else's case.
    let r = bob
        .post_multipart(
            "/portal/cases",
            &[
                ("subject", "x"),
                ("body", "y"),
                ("follow_up_of", &a_case.to_string()),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // CSRF: without the token, or from another site, nothing is written.
    let before = t
        .store
        .messages(
            a_case,
            false,
            store::Page {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
    let r = alice
        .http
        .post(format!("{}/portal/cases/{a_case}/reopen", t.base))
        .header(header::COOKIE, &alice.cookie)
        .form(&[("body", "sans jeton")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = alice
        .http
        .post(format!("{}/portal/cases/{a_case}/reopen", t.base))
        .header(header::COOKIE, &alice.cookie)
        .header(header::ORIGIN, "http://evil.example")
        .form(&[("body", "autre site"), ("csrf", alice.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (ctype, body) = multipart(&[("body", "multipart sans jeton")], &[]);
    let r = alice
        .http
        .post(format!("{}/portal/cases/{a_case}/reply", t.base))
        .header(header::COOKIE, &alice.cookie)
        .header(header::CONTENT_TYPE, ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let after = t
        .store
        .messages(
            a_case,
            false,
            store::Page {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
    assert_eq!(before, after);

    // An agent's session opens no portal page, a customer's no agent page.
    staff(&t, Role::Agent, "agent@guichet.test", "Agent", None).await;
    let agent = Ui::sign_in(&t, "agent@guichet.test", "agent-password-1").await;
    let agent_token = agent.cookie.split_once('=').unwrap().1.to_string();
    let r = anon
        .get(format!("{}/portal/cases", t.base))
        .header(
            header::COOKIE,
            format!("guichet_customer_session={agent_token}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let customer_token = alice.cookie.split_once('=').unwrap().1.to_string();
    for path in ["/inbox/mine", "/admin"] {
        let r = anon
            .get(format!("{}{path}", t.base))
            .header(header::COOKIE, format!("guichet_session={customer_token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/login")
        );
    }
    // Staff do not get portal sign-in links; a staff password opens no portal session.
    let a = ask_link(&t, "agent@guichet.test").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(sign_in_link(&t, "agent@guichet.test").await.is_none());
    let r = anon
        .post(format!("{}/portal/sign-in", t.base))
        .form(&[
            ("email", "agent@guichet.test"),
            ("password", "agent-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(header::SET_COOKIE).is_none());

    // Forged and malformed links.
    for path in [
        "/portal/sign-in/forged-token-0123456789",
        "/portal/c/forged-token-0123456789",
    ] {
        let r = anon.get(format!("{}{path}", t.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::GONE, "{path}");
        assert!(r.headers().get(header::SET_COOKIE).is_none());
    }
    let r = anon
        .get(format!("{}/portal/cases/abc", t.base))
        .header(header::COOKIE, &alice.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_customer_reopens_a_solved_case_and_solves_an_open_one_where_the_team_allows() {
    let t = spawn_app().await;
    mailbox(&t).await;
    let agent = staff(&t, Role::Agent, "agent@guichet.test", "Agent", None).await;
    let id = case_for(&t, "remi@example.com", "Abonnement", "Je veux résilier.").await;
    let remi = sign_in(&t, "remi@example.com").await;
    // Unassigned: the customer cannot mark it solved (nobody took it in hand).
    let page = remi.get(&format!("/portal/cases/{id}")).await;
    assert!(!page.body.contains("id=\"mark-solved\""));
    assert_eq!(
        remi.post(&format!("/portal/cases/{id}/solve"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/groups",
            Some(json!({"group": {"name": "Facturation"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let team = b["group"]["id"].as_i64().unwrap();
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            Some(json!({"ticket": {"assignee_id": agent, "group_id": team, "status": "open"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // The team switch off: refused, and the button is gone.
    let admin = t.actor(t.admin_id, Role::Admin);
    t.app
        .set_team_customers_can_solve(&admin, team, false)
        .await
        .unwrap();
    assert!(
        !remi
            .get(&format!("/portal/cases/{id}"))
            .await
            .body
            .contains("id=\"mark-solved\"")
    );
    assert_eq!(
        remi.post(&format!("/portal/cases/{id}/solve"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    t.app
        .set_team_customers_can_solve(&admin, team, true)
        .await
        .unwrap();
    assert!(
        remi.get(&format!("/portal/cases/{id}"))
            .await
            .body
            .contains("id=\"mark-solved\"")
    );
    let r = remi
        .post(&format!("/portal/cases/{id}/solve"), &[("body", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.store.case(id).await.unwrap().unwrap().status, "solved");

    // "No, still a problem": reopened, counted, with the customer's words on the thread.
    let r = remi
        .post(
            &format!("/portal/cases/{id}/reopen"),
            &[("body", "Toujours prélevé ce mois-ci.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = t.store.case(id).await.unwrap().unwrap();
    assert_eq!(c.status, "open");
    assert_eq!(c.reopen_count, 1);
    let page = remi.get(&format!("/portal/cases/{id}")).await;
    assert!(page.body.contains("Toujours prélevé ce mois-ci."));
    // Not solved any more: "no" again is a clear 422, nothing changes.
    let r = remi.post(&format!("/portal/cases/{id}/reopen"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.store.case(id).await.unwrap().unwrap().reopen_count, 1);
    // An agent cannot answer for the customer through the API's status either (the
    // existing rule: agents do not close).
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            Some(json!({"ticket": {"status": "closed"}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn colleagues_see_their_organisations_cases_only_when_it_shares_them() {
    let t = spawn_app().await;
    mailbox(&t).await;
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/organizations",
            Some(json!({"organization": {"name": "Boulangerie Dupont"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["organization"]["shared_tickets"], false);
    let org = b["organization"]["id"].as_i64().unwrap();
    for (email, name) in [
        ("paul@dupont.example", "Paul Dupont"),
        ("marie@dupont.example", "Marie Dupont"),
    ] {
        let (s, b) = t
            .admin(
                Method::POST,
                "/api/v2/users",
                Some(json!({"user": {"email": email, "name": name, "organization_id": org}})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let id = case_for(
        &t,
        "paul@dupont.example",
        "Four en panne",
        "Le four ne chauffe plus.",
    )
    .await;
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            Some(json!({"ticket": {"organization_id": org}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let marie = sign_in(&t, "marie@dupont.example").await;
    assert_eq!(
        marie.get(&format!("/portal/cases/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !marie
            .get("/portal/cases")
            .await
            .body
            .contains("id=\"tab-org\"")
    );

    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/organizations/{org}"),
            Some(json!({"organization": {"shared_tickets": true}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["organization"]["shared_tickets"], true);
    let list = marie.get("/portal/cases?scope=organisation").await;
    assert!(list.body.contains("id=\"tab-org\""));
    assert!(list.body.contains("Four en panne"), "{}", list.body);
    assert!(
        !marie
            .get("/portal/cases")
            .await
            .body
            .contains("Four en panne")
    );
    let page = marie.get(&format!("/portal/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Le four ne chauffe plus."));
    assert!(
        !page.body.contains("paul@dupont.example"),
        "a colleague's address leaked"
    );
    // Read-only for a colleague: no reply form, and a forged post is refused.
    assert!(!page.body.contains("id=\"reply-form\""));
    let r = marie
        .post_multipart(
            &format!("/portal/cases/{id}/reply"),
            &[("body", "moi aussi")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_case_link_in_an_email_opens_that_case_only_and_expires() {
    let t = crate::spawn_app_full(
        web::WebConfig {
            max_body_bytes: 64 * 1024,
            rate_limit_per_minute: 100_000,
        },
        app::AppConfig {
            public_url: Some("http://portal.example".into()),
            ..Default::default()
        },
    )
    .await;
    mailbox(&t).await;
    let id = case_for(&t, "ines@example.com", "Remboursement", "Où en est-il ?").await;
    let other = case_for(&t, "ines@example.com", "Autre sujet", "Rien à voir.").await;
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            Some(json!({"ticket": {"comment": {"body": "Remboursé ce jour."}}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let link = link_in_mail(&t, "reply", "ines@example.com", "/portal/c/")
        .await
        .expect("the reply email carries a case link");
    assert!(
        link.starts_with("http://portal.example/portal/c/"),
        "{link}"
    );
    let path = format!("/portal/{}", link.split_once("/portal/").unwrap().1);
    let http = no_redirects();
    let r = http.get(format!("{}{path}", t.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[header::LOCATION],
        format!("/portal/cases/{id}").as_str()
    );
    let cookie = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let c = Customer {
        http: http.clone(),
        base: t.base.clone(),
        cookie,
        csrf: String::new(),
    };
    let page = c.get(&format!("/portal/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Remboursé ce jour."));
    // Bound to that case: not the other one, not the list, not the profile.
    assert_eq!(
        c.get(&format!("/portal/cases/{other}")).await.status,
        StatusCode::NOT_FOUND
    );
    let list = c.get("/portal/cases").await;
    assert_eq!(list.location, format!("/portal/cases/{id}"));
    assert_ne!(c.get("/portal/profile").await.status, StatusCode::OK);
    // Opened again later the same week: still good; after seven days: gone.
    let again = http.get(format!("{}{path}", t.base)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    t.clock.advance(jiff::SignedDuration::from_hours(8 * 24));
    let late = http.get(format!("{}{path}", t.base)).send().await.unwrap();
    assert_eq!(late.status(), StatusCode::GONE);
}

#[tokio::test]
async fn sign_in_links_are_limited_per_address_and_per_client_and_lose_nothing() {
    let t = spawn_app().await;
    mailbox(&t).await;
    case_for(&t, "zoe@example.com", "Question", "Bonjour").await;
    let mut statuses = vec![];
    for _ in 0..12 {
        statuses.push(ask_link(&t, "zoe@example.com").await.status);
    }
    // Ten at once from one client address, then 429 with Retry-After.
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(statuses[11], StatusCode::TOO_MANY_REQUESTS);
    let r = ask_link(&t, "zoe@example.com").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // At most five links an hour reach one account, whatever the requests.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(mails_to(&t, "sign_in", "zoe@example.com").await, 5);
    // The newest link still works: what was accepted is kept.
    let lea = sign_in_link(&t, "zoe@example.com").await.unwrap();
    let path = format!("/portal/{}", lea.split_once("/portal/").unwrap().1);
    let r = no_redirects()
        .post(format!("{}{path}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// Set up a contact form from the admin pages: one topic to a team and a category with a
/// required extra field, one allowed site. Returns (form key, team id, category id).
async fn contact_form(t: &TestApp) -> (String, i64, i64) {
    staff(t, Role::Admin, "chef@guichet.test", "Chef", None).await;
    let admin = Ui::sign_in(t, "chef@guichet.test", "agent-password-1").await;
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/groups",
            Some(json!({"group": {"name": "Livraisons"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let team = b["group"]["id"].as_i64().unwrap();
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/categories",
            Some(json!({"category": {"name": "Retard"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let category = b["category"]["id"].as_i64().unwrap();
    let (s, loc) = admin.post("/admin/forms", &[("name", "Site web")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let path = loc.split('?').next().unwrap().to_string();
    let (team_s, cat_s) = (team.to_string(), category.to_string());
    let (s, loc) = admin
        .post(
            &path,
            &[
                ("name", "Site web"),
                ("locale", "fr"),
                (
                    "origins",
                    "http://boutique.example\nhttps://www.boutique.example/",
                ),
                ("active", "on"),
                ("t0_key", "livraison"),
                ("t0_fr", "Ma livraison"),
                ("t0_en", "My delivery"),
                ("t0_team", &team_s),
                ("t0_category", &cat_s),
                (
                    "t0_fields",
                    "commande ; Numéro de commande ; Order number ; *",
                ),
                ("t1_key", "autre"),
                ("t1_fr", "Autre chose"),
                ("t1_en", "Something else"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let (s, page) = admin.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("/embed.js"), "{page}");
    let key = page
        .split("/form/")
        .nth(1)
        .and_then(|x| x.split('/').next())
        .unwrap()
        .to_string();
    // A bad site address is refused next to its field, in French.
    let (s, page) = admin
        .post(
            &path,
            &[
                ("name", "Site web"),
                ("origins", "pas une adresse"),
                ("t0_key", "x"),
                ("t0_fr", "X"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"fm-origins-err\""), "{page}");
    (key, team, category)
}

/// The page's token, and a nonce that proves the work for it.
fn token_and_nonce(page: &str) -> (String, String) {
    let token = page
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .unwrap()
        .to_string();
    let nonce = (0u64..)
        .find(|n| app::portal::forms::pow_ok(&token, &n.to_string(), app::portal::forms::POW_BITS))
        .unwrap()
        .to_string();
    (token, nonce)
}

async fn post_form(t: &TestApp, key: &str, fields: &[(&str, &str)]) -> Answer {
    let (ctype, body) = multipart(fields, &[("facture.txt", b"facture")]);
    let r = no_redirects()
        .post(format!(
            "{}/form/{key}?embed=1&origin=http%3A%2F%2Fboutique.example",
            t.base
        ))
        .header(header::CONTENT_TYPE, ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    answer(r).await
}

#[tokio::test]
async fn the_contact_form_files_a_routed_case_acknowledges_it_and_turns_spam_away() {
    let t = spawn_app().await;
    mailbox(&t).await;
    let (key, team, category) = contact_form(&t).await;
    let r = t
        .http
        .get(format!(
            "{}/form/{key}?embed=1&origin=http%3A%2F%2Fboutique.example",
            t.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("frame-ancestors 'self' http://boutique.example https://www.boutique.example"),
        "{csp}"
    );
    assert!(
        r.headers().get("x-frame-options").is_none(),
        "the allowed sites may frame it"
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("Ma livraison") && page.contains("Numéro de commande"));
    assert!(page.contains("data-parent-origin=\"http://boutique.example\""));
    // A site not on the list hears nothing from the frame.
    let other = t
        .http
        .get(format!(
            "{}/form/{key}?origin=https%3A%2F%2Fevil.example",
            t.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!other.contains("data-parent-origin"));
    let js = t
        .http
        .get(format!("{}/form/{key}/embed.js", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    let js = js.text().await.unwrap();
    assert!(
        js.contains(&t.base) && js.contains(&key) && js.len() < 2_000,
        "{js}"
    );
    assert_eq!(
        t.http
            .get(format!("{}/form/nope", t.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    let (token, nonce) = token_and_nonce(&page);
    let good = |token: &str, nonce: &str| {
        vec![
            ("token", token.to_string()),
            ("nonce", nonce.to_string()),
            ("website", String::new()),
            ("topic", "livraison".to_string()),
            ("field.commande", "CMD-4521".to_string()),
            ("name", "Camille Dubois".to_string()),
            ("email", "camille@example.org".to_string()),
            ("subject", "Colis en retard".to_string()),
            ("body", "Mon colis n’est pas arrivé.".to_string()),
        ]
    };
    let send = |v: Vec<(&'static str, String)>| {
        let t = &t;
        let key = key.clone();
        async move {
            let refs: Vec<(&str, &str)> = v.iter().map(|(k, x)| (*k, x.as_str())).collect();
            post_form(t, &key, &refs).await
        }
    };
    let cases_before = t
        .store
        .count_cases(&store::CaseFilter::default())
        .await
        .unwrap();
    // Sent at once: a robot's speed.
    let r = send(good(&token, &nonce)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("trop vite"), "{}", r.body);
    t.clock.advance(jiff::SignedDuration::from_secs(5));
    // The honeypot filled, the proof of work missing: refused, nothing written.
    let mut v = good(&token, &nonce);
    v[2].1 = "http://spam.example".into();
    let r = send(v).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("semble automatique"), "{}", r.body);
    let r = send(good(&token, "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("JavaScript"), "{}", r.body);
    // A required extra field left empty: the message next to it, what was typed kept.
    let mut v = good(&token, &nonce);
    v[4].1 = String::new();
    let r = send(v).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"f-livraison-commande-error\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("Camille Dubois"));
    // A forged token.
    let r = send(good(&format!("{token}x"), &nonce)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        t.store
            .count_cases(&store::CaseFilter::default())
            .await
            .unwrap(),
        cases_before
    );

    let r = send(good(&token, &nonce)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"form-sent\""), "{}", r.body);
    assert_eq!(
        t.store
            .count_cases(&store::CaseFilter::default())
            .await
            .unwrap(),
        cases_before + 1
    );
    let c = t
        .store
        .cases(
            &store::CaseFilter {
                sort: store::CaseSort::Id,
                dir: store::SortDir::Desc,
                ..Default::default()
            },
            store::Page {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .remove(0);
    assert!(r.body.contains(&format!("n°\u{a0}{}", c.id)), "{}", r.body);
    assert_eq!(c.team_id, Some(team));
    assert_eq!(c.category_id, Some(category));
    assert_eq!(c.channel, "web");
    assert_eq!(c.subject, "Colis en retard");
    assert!(c.custom_fields.contains("CMD-4521"), "{}", c.custom_fields);
    let msgs = t
        .store
        .messages(
            c.id,
            true,
            store::Page {
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.store.attachments_of(&[msgs[0].id]).await.unwrap().len(),
        1
    );
    assert_eq!(
        mails_to(&t, "ack", "camille@example.org").await,
        1,
        "the acknowledgement"
    );
    // The same token again: refused, nothing more written.
    let r = send(good(&token, &nonce)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("expiré ou a déjà été envoyé"), "{}", r.body);
    assert_eq!(
        t.store
            .count_cases(&store::CaseFilter::default())
            .await
            .unwrap(),
        cases_before + 1
    );
    // From another site: the browser says so, and nothing is written.
    let (ctype, body) = multipart(&[("token", "x")], &[]);
    let r = no_redirects()
        .post(format!("{}/form/{key}", t.base))
        .header(header::CONTENT_TYPE, ctype)
        .header(header::ORIGIN, "https://evil.example")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A flood from one address: 429 with Retry-After after ten.
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = send(good("v1.0.0.x.y", "1")).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn anonymous_requests_are_accepted_only_when_an_administrator_allows_them() {
    let t = spawn_app().await;
    mailbox(&t).await;
    let body = json!({"request": {"subject": "Hi", "comment": {"body": "Help"},
        "requester": {"email": "ann@example.com", "name": "Ann"}}});
    let anon = |b: serde_json::Value| {
        t.http
            .post(format!("{}/api/v2/requests.json", t.base))
            .json(&b)
            .send()
    };
    let r = anon(body.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        t.store
            .count_cases(&store::CaseFilter::default())
            .await
            .unwrap(),
        0
    );
    staff(&t, Role::Admin, "chef@guichet.test", "Chef", None).await;
    let admin = Ui::sign_in(&t, "chef@guichet.test", "agent-password-1").await;
    let (s, _) = admin
        .post("/admin/forms/anonymous", &[("anonymous", "on")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let r = anon(body.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: serde_json::Value = r.json().await.unwrap();
    let id = v["request"]["id"].as_i64().unwrap();
    assert_eq!(v["request"]["subject"], "Hi");
    assert_eq!(v["request"]["description"], "Help");
    let c = t.store.case(id).await.unwrap().unwrap();
    assert_eq!(c.channel, "web");
    assert_eq!(mails_to(&t, "ack", "ann@example.com").await, 1);
    // A bad address is named with the wire's field.
    let r = anon(json!({"request": {"comment": {"body": "x"}, "requester": {"email": "nope"}}}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v.to_string().contains("request.requester.email"), "{v}");
    // Switched off again: 401, nothing written.
    let (s, _) = admin.post("/admin/forms/anonymous", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(anon(body).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        t.store
            .count_cases(&store::CaseFilter::default())
            .await
            .unwrap(),
        1
    );
}

fn jwt(secret: &str, claims: serde_json::Value) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let h = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let p = b64.encode(claims.to_string());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{h}.{p}").as_bytes());
    format!("{h}.{p}.{}", b64.encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn a_site_signs_its_customers_in_with_a_jwt_once_and_fresh() {
    let secret = "a-shared-secret-of-at-least-32-characters!";
    let t = crate::spawn_app_full(
        web::WebConfig {
            max_body_bytes: 64 * 1024,
            rate_limit_per_minute: 100_000,
        },
        app::AppConfig {
            portal_jwt_secret: Some(app::Secret::new(secret)),
            ..Default::default()
        },
    )
    .await;
    mailbox(&t).await;
    let id = case_for(&t, "noe@example.com", "Garantie", "Ma garantie ?").await;
    let now = domain::Clock::now(t.clock.as_ref()).as_second();
    let claims = |jti: &str, iat: i64, email: &str| json!({"iat": iat, "jti": jti, "email": email, "name": "Noé", "locale_id": "fr"});
    // By POST from the site (cross-site, as it really comes): signed in, sent on.
    let tok = jwt(secret, claims("j1", now, "noe@example.com"));
    let r = no_redirects()
        .post(format!("{}/portal/access/jwt", t.base))
        .header(header::ORIGIN, "https://shop.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("jwt", tok.as_str()),
            ("return_to", &format!("/portal/cases/{id}")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[header::LOCATION],
        format!("/portal/cases/{id}").as_str()
    );
    let cookie = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let c = Customer {
        http: no_redirects(),
        base: t.base.clone(),
        cookie,
        csrf: String::new(),
    };
    assert!(
        c.get(&format!("/portal/cases/{id}"))
            .await
            .body
            .contains("Ma garantie ?")
    );
    // The same token again, an old one, a forged one, another algorithm: refused, no cookie.
    let stale = jwt(secret, claims("j2", now - 600, "noe@example.com"));
    let forged = jwt(
        "another-secret-of-at-least-32-characters",
        claims("j3", now, "noe@example.com"),
    );
    let none = format!(
        "{}.{}.",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"alg":"none"}"#
        ),
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            claims("j4", now, "noe@example.com").to_string()
        )
    );
    for bad in [
        tok.as_str(),
        stale.as_str(),
        forged.as_str(),
        none.as_str(),
        "x.y",
    ] {
        let r = no_redirects()
            .get(format!("{}/portal/access/jwt", t.base))
            .query(&[("jwt", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.headers().get(header::SET_COOKIE).is_none());
    }
    // A new customer is created; a staff address never signs in here.
    let r = no_redirects()
        .get(format!("{}/portal/access/jwt", t.base))
        .query(&[(
            "jwt",
            jwt(secret, claims("j5", now, "nouveau@example.com")).as_str(),
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        t.store
            .user_by_identity("email", "nouveau@example.com")
            .await
            .unwrap()
            .is_some()
    );
    let r = no_redirects()
        .get(format!("{}/portal/access/jwt", t.base))
        .query(&[(
            "jwt",
            jwt(secret, claims("j6", now, "admin@guichet.test")).as_str(),
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn single_sign_on_is_off_without_a_secret() {
    let t = spawn_app().await;
    let r = no_redirects()
        .get(format!("{}/portal/access/jwt?jwt=a.b.c", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_portal_wears_the_companys_name_and_a_readable_colour() {
    let t = spawn_app().await;
    staff(&t, Role::Admin, "chef@guichet.test", "Chef", None).await;
    let admin = Ui::sign_in(&t, "chef@guichet.test", "agent-password-1").await;
    let (s, page) = admin
        .post(
            "/admin/forms/branding",
            &[("name", "Boulangerie Dupont"), ("colour", "#ffee00")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("id=\"br-colour-err\"") && page.contains("contraste"),
        "{page}"
    );
    assert!(
        page.contains("Boulangerie Dupont"),
        "what was typed is kept"
    );
    let (s, _) = admin
        .post(
            "/admin/forms/branding",
            &[("name", "Boulangerie Dupont"), ("colour", "#7A1F1F")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let page = t
        .http
        .get(format!("{}/portal/sign-in", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Boulangerie Dupont"));
    let css = t
        .http
        .get(format!("{}/portal/brand.css", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains("--brand: #7a1f1f"), "{css}");
    // An agent cannot change it.
    staff(&t, Role::Agent, "agent@guichet.test", "Agent", None).await;
    let agent = Ui::sign_in(&t, "agent@guichet.test", "agent-password-1").await;
    let (s, _) = agent
        .post(
            "/admin/forms/branding",
            &[("name", "Autre"), ("colour", "#000000")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let page = t
        .http
        .get(format!("{}/portal/sign-in", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Boulangerie Dupont"));

    // The logo: a picture known by its bytes (an SVG is refused, named next to the field),
    // served for good under an address that changes with it; the name stays.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>";
    let (s, page) = admin
        .post_files("/admin/forms/logo", &[], &[("file", "logo.svg", svg)])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("id=\"br-logo-err\"") && page.contains("n’est pas une image"),
        "{page}"
    );
    let (s, page) = admin.post_files("/admin/forms/logo", &[], &[]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "no file: {page}");
    let big = [LOGO_PNG, &vec![0u8; 600 * 1024]].concat();
    let (s, page) = admin
        .post_files("/admin/forms/logo", &[], &[("file", "big.png", &big)])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "too large: {page}");
    assert!(page.contains("512"), "the limit is said: {page}");
    let r = t
        .http
        .get(format!("{}/portal/logo", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (s, _) = agent
        .post_files("/admin/forms/logo", &[], &[("file", "logo.png", LOGO_PNG)])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an agent cannot change it");
    let (s, _) = admin
        .post_files("/admin/forms/logo", &[], &[("file", "logo.png", LOGO_PNG)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let page = t
        .http
        .get(format!("{}/portal/sign-in", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let src = page
        .split("class=\"logo\" src=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .unwrap_or_else(|| panic!("no logo in {page}"))
        .to_string();
    assert!(src.starts_with("/portal/logo?v="), "{src}");
    assert!(page.contains("Boulangerie Dupont"));
    let r = t.http.get(format!("{}{src}", t.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "image/png");
    assert!(
        r.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), LOGO_PNG);
    // Saving the name and colour keeps the logo; removing the logo keeps them.
    let (s, _) = admin
        .post(
            "/admin/forms/branding",
            &[("name", "Boulangerie Dupont & fils"), ("colour", "#7A1F1F")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        t.app.branding().await.unwrap().logo.as_deref(),
        src.strip_prefix("/portal/logo?v=")
    );
    let (s, _) = admin
        .post_files("/admin/forms/logo", &[("remove", "1")], &[])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let b = t.app.branding().await.unwrap();
    assert_eq!(
        (b.logo, b.name.as_str()),
        (None, "Boulangerie Dupont & fils")
    );
    let r = t
        .http
        .get(format!("{}/portal/logo", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(LOGO_PNG));
    assert!(
        t.store.blob(&sha).await.unwrap().is_none(),
        "the logo's bytes are gone"
    );
}

/// A category and a section made by a supervisor in the pages; the section's id.
async fn kb_section(t: &TestApp, sup: &Ui) -> i64 {
    let (s, _) = sup
        .post(
            "/admin/kb/categories",
            &[("name_fr", "Mon compte"), ("name_en", "My account")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, page) = sup.get("/admin/kb").await;
    assert_eq!(s, StatusCode::OK);
    let cat = page
        .split("name=\"category\"><option value=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .unwrap()
        .to_string();
    let (s, _) = sup
        .post(
            "/admin/kb/sections",
            &[
                ("category", &cat),
                ("name_fr", "Connexion"),
                ("name_en", "Signing in"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = sup.get("/admin/kb").await;
    let _ = t;
    page.split("name=\"section\"><option value=\"")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .unwrap()
        .parse()
        .unwrap()
}

async fn new_article(agent: &Ui, section: i64, title: &str) -> i64 {
    let (s, loc) = agent
        .post(
            "/admin/kb/articles",
            &[("title", title), ("section", &section.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    loc.trim_start_matches("/admin/kb/articles/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_knowledge_base_publishes_translates_searches_and_counts_votes() {
    let t = spawn_app().await;
    staff(&t, Role::Supervisor, "sup@guichet.test", "Sup", None).await;
    staff(&t, Role::Agent, "redac@guichet.test", "Rédac", None).await;
    let sup = Ui::sign_in(&t, "sup@guichet.test", "agent-password-1").await;
    let agent = Ui::sign_in(&t, "redac@guichet.test", "agent-password-1").await;
    let section = kb_section(&t, &sup).await;
    let id = new_article(&agent, section, "Réinitialiser son mot de passe").await;
    let (s, _) = agent
        .post(
            &format!("/admin/kb/articles/{id}/text/fr"),
            &[
                ("title", "Réinitialiser son mot de passe"),
                ("body", "# Étapes\n\nOuvrez **Mot de passe oublié**. <script>alert(1)</script> [piège](javascript:alert(2))"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let anon = no_redirects();
    let get = |path: String| {
        let anon = anon.clone();
        let base = t.base.clone();
        async move {
            let r = anon.get(format!("{base}{path}")).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // A draft shows to nobody outside.
    assert_eq!(
        get(format!("/help/articles/{id}?lang=fr")).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(
        !get("/help?lang=fr".into())
            .await
            .1
            .contains("Réinitialiser")
    );
    let publish = |agent: &Ui, when: &'static str, visibility: &'static str| {
        let agent = agent.clone();
        let section = section.to_string();
        async move {
            let (s, page) = agent
                .post(
                    &format!("/admin/kb/articles/{id}"),
                    &[
                        ("section", &section),
                        ("state", "published"),
                        ("visibility", visibility),
                        ("publish_at", when),
                        ("labels", "compte motdepasse"),
                    ],
                )
                .await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
        }
    };
    // Scheduled: still hidden until its date.
    publish(&agent, "2026-03-05T10:00", "public").await;
    assert_eq!(
        get(format!("/help/articles/{id}?lang=fr")).await.0,
        StatusCode::NOT_FOUND
    );
    t.clock.advance(jiff::SignedDuration::from_hours(4 * 24));
    // (Four days on, the editor signs in again.)
    let agent = Ui::sign_in(&t, "redac@guichet.test", "agent-password-1").await;
    let (s, page) = get(format!("/help/articles/{id}?lang=fr")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("<h1>Étapes</h1>") && page.contains("<strong>Mot de passe oublié</strong>"),
        "{page}"
    );
    assert!(
        !page.contains("<script>alert") && !page.contains("javascript:"),
        "injection is inert"
    );
    assert!(
        page.contains("Mon compte") && page.contains("Connexion"),
        "breadcrumbs"
    );
    // Not translated into English: it does not show in English.
    assert_eq!(
        get(format!("/help/articles/{id}?lang=en")).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, _) = agent
        .post(
            &format!("/admin/kb/articles/{id}/text/en"),
            &[
                ("title", "Resetting your password"),
                ("body", "Open **Forgot password**."),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, page) = get(format!("/help/articles/{id}?lang=en")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Resetting your password") && page.contains("Lire en français"));
    // Search: accents and case ignored, in the reader's language.
    let (_, page) = get("/help?lang=fr&q=REINITIALISER%20mot".into()).await;
    assert!(page.contains(&format!("/help/articles/{id}")), "{page}");
    let (_, page) = get("/help?lang=fr&q=colis".into()).await;
    assert!(page.contains("id=\"no-results\""));
    let (_, page) = get("/help?lang=en&q=forgot".into()).await;
    assert!(page.contains(&format!("/help/articles/{id}")));
    let sug: serde_json::Value = anon
        .get(format!(
            "{}/help/suggest?lang=fr&q=j%27ai%20oubli%C3%A9%20mon%20mot%20de%20passe",
            t.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sug["articles"][0]["id"], id, "{sug}");
    // Internal: gone from the public pages and search.
    publish(&agent, "", "internal").await;
    assert_eq!(
        get(format!("/help/articles/{id}?lang=fr")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, page) = get("/help?lang=fr&q=reinitialiser".into()).await;
    assert!(page.contains("id=\"no-results\""));
    publish(&agent, "", "public").await;
    // Votes: one per visitor, changeable.
    let vote = |cookie: Option<String>, helpful: &'static str| {
        let base = t.base.clone();
        async move {
            let mut r = no_redirects()
                .post(format!("{base}/help/articles/{id}/vote"))
                .form(&[("helpful", helpful), ("lang", "fr")]);
            if let Some(c) = cookie {
                r = r.header(header::COOKIE, c);
            }
            let r = r.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            r.headers()
                .get(header::SET_COOKIE)
                .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        }
    };
    let mine = vote(None, "yes").await.expect("a voter cookie");
    assert!(vote(Some(mine.clone()), "no").await.is_none());
    vote(None, "yes").await;
    let a = t
        .app
        .kb_article(&t.actor(t.admin_id, Role::Admin), id)
        .await
        .unwrap();
    assert_eq!((a.votes_up, a.votes_down), (1, 1));
    // Customers and agents without rights cannot edit.
    let (s, _) = agent
        .post("/admin/kb/categories", &[("name_fr", "X")])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // An agent finds it from a case and puts its link, or its text, into the reply.
    let cid = case_for(
        &t,
        "client@example.com",
        "Mot de passe",
        "Je ne peux plus me connecter",
    )
    .await;
    let (s, page) = agent.get(&format!("/cases/{cid}?kb=reinitialiser")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"kb-hits\"") && page.contains("Réinitialiser son mot de passe"),
        "{page}"
    );
    let composer = |page: &str| -> String {
        page.split("id=\"body\"")
            .nth(1)
            .unwrap()
            .split("</textarea>")
            .next()
            .unwrap()
            .to_string()
    };
    let (_, page) = agent
        .get(&format!("/cases/{cid}?kb=reinitialiser&insert={id}"))
        .await;
    assert!(
        composer(&page).contains(&format!("/help/articles/{id}?lang=fr")),
        "{page}"
    );
    let (_, page) = agent
        .get(&format!("/cases/{cid}?insert={id}&how=text"))
        .await;
    assert!(composer(&page).contains("Mot de passe oublié"), "{page}");
    // Internal: agents still find it; its text goes in, never a link customers cannot open.
    publish(&agent, "", "internal").await;
    let (_, page) = agent
        .get(&format!("/cases/{cid}?kb=reinitialiser&insert={id}"))
        .await;
    assert!(page.contains("Réinitialiser son mot de passe"));
    let body = composer(&page);
    assert!(
        !body.contains("/help/articles/") && body.contains("Mot de passe oublié"),
        "{body}"
    );
}

#[tokio::test]
async fn first_forms_sent_at_once_from_one_new_address_all_land() {
    let t = spawn_app().await;
    mailbox(&t).await;
    let (key, _, _) = contact_form(&t).await;
    let mut tokens = vec![];
    for _ in 0..4 {
        let page = t
            .http
            .get(format!("{}/form/{key}", t.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        tokens.push(token_and_nonce(&page));
    }
    t.clock.advance(jiff::SignedDuration::from_secs(5));
    let sends = tokens.iter().map(|(token, nonce)| {
        let fields = [
            ("token", token.clone()),
            ("nonce", nonce.clone()),
            ("topic", "autre".to_string()),
            ("name", "Nouvelle Cliente".to_string()),
            ("email", "premiere-fois@example.org".to_string()),
            ("body", "Bonjour".to_string()),
        ];
        let t = &t;
        let key = key.clone();
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(t, &key, &refs).await.status
        }
    });
    let statuses: Vec<StatusCode> = futures_join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let u = t
        .store
        .user_by_identity("email", "premiere-fois@example.org")
        .await
        .unwrap()
        .unwrap();
    let mut f = store::CaseFilter::default();
    f.push(store::Cond::Col {
        col: store::CaseCol::RequesterId,
        cmp: store::Cmp::Eq,
        val: store::Val::Int(u.id),
    });
    assert_eq!(t.store.count_cases(&f).await.unwrap(), 4);
}

/// Run futures concurrently on this task and collect their outputs in order.
async fn futures_join_all<F: std::future::Future>(
    fs: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = fs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.expect("done")).collect()
}

#[tokio::test]
async fn suggestions_are_limited_per_address_and_say_when_to_ask_again() {
    let t = spawn_app().await;
    let mut statuses = Vec::new();
    let mut retry = None;
    for i in 0..130 {
        let r = t
            .http
            .get(format!("{}/help/suggest?lang=fr&q=colis+perdu+{i}", t.base))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            retry = r.headers().get(header::RETRY_AFTER).cloned();
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(v["articles"], json!([]), "{v}");
        }
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!(
        (120..=125).contains(&ok),
        "120 at once, then a few a second: {statuses:?}"
    );
    assert_eq!(*statuses.last().unwrap(), 429, "{statuses:?}");
    assert!(retry.is_some(), "a Retry-After");
}
