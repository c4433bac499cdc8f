//! Issue 16: a team's first day from the screens alone, and a regression test for each
//! defect found trying Guichet as a new team would. Runs on both databases.

use crate::spawn_app;
use crate::ui::{Ui, staff};
use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn case_id(loc: &str) -> i64 {
    loc.trim_start_matches("/cases/")
        .parse()
        .unwrap_or_else(|_| panic!("not a case location: {loc}"))
}

#[tokio::test]
async fn a_contact_logged_with_an_email_and_a_phone_keeps_both() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "tel1@guichet.test", "Standard", None).await;
    let ui = Ui::sign_in(&t, "tel1@guichet.test", "agent-password-1").await;
    let (s, loc) = ui
        .post(
            "/contact/new",
            &[
                ("channel", "phone"),
                ("name", "Léa Martin"),
                ("email", "lea@example.com"),
                ("phone", "+33 6 11 22 33 44"),
                ("subject", "Livraison"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let c = t.store.case(case_id(&loc)).await.unwrap().unwrap();
    let ids = t.store.identities(c.requester_id).await.unwrap();
    let has = |kind: &str, v: &str| ids.iter().any(|i| i.kind == kind && i.value == v);
    assert!(has("email", "lea@example.com"), "{ids:?}");
    assert!(has("phone", "+33611223344"), "{ids:?}");
    // A known customer (by email) called from a new number: the number is added to them,
    // and the next call by phone alone finds the same customer.
    let (_, loc) = ui
        .post(
            "/contact/new",
            &[
                ("channel", "phone"),
                ("email", "lea@example.com"),
                ("phone", "+33 7 00 00 00 01"),
                ("subject", "Encore"),
            ],
        )
        .await;
    assert_eq!(
        t.store
            .case(case_id(&loc))
            .await
            .unwrap()
            .unwrap()
            .requester_id,
        c.requester_id
    );
    let (_, loc) = ui
        .post(
            "/contact/new",
            &[
                ("channel", "phone"),
                ("phone", "+33700000001"),
                ("subject", "Rappel"),
            ],
        )
        .await;
    assert_eq!(
        t.store
            .case(case_id(&loc))
            .await
            .unwrap()
            .unwrap()
            .requester_id,
        c.requester_id,
        "found by the phone added on the previous call"
    );
}

#[tokio::test]
async fn charter_sentences_keep_the_team_of_each_standard_as_published() {
    let t = spawn_app().await;
    let mut teams = vec![];
    for name in ["Facturation", "Livraison"] {
        let (s, b) = t
            .admin(
                Method::POST,
                "/api/v2/groups.json",
                Some(json!({"group": {"name": name}})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        teams.push(b["group"]["id"].as_i64().unwrap());
    }
    for (name, team) in [("Factures", teams[0]), ("Colis", teams[1])] {
        let (s, b) = t
            .admin(
                Method::POST,
                "/api/v2/standards.json",
                Some(
                    json!({"standard": {"name": name, "metric": "first_response",
                    "threshold_minutes": 120, "target_percent": 90,
                    "scope": {"team_ids": [team]}}}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/charter/versions.json",
            Some(json!({"charter": {"vision": "Chaque client compte."}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // Renamed after publication: the published version still reads as it was published.
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/groups/{}.json", teams[0]),
            Some(json!({"group": {"name": "Comptabilité"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, b) = t.admin(Method::GET, "/api/v2/charter.json", None).await;
    let sentences: Vec<&str> = b["charter"]["standards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sentence"].as_str().unwrap())
        .collect();
    assert_eq!(sentences.len(), 2, "{b}");
    assert!(
        sentences[0].ends_with(", for Facturation."),
        "{sentences:?}"
    );
    assert!(sentences[1].ends_with(", for Livraison."), "{sentences:?}");
}

/// The delivery of the case's staff comments as the API gives it.
async fn deliveries(t: &crate::TestApp, case: i64) -> Vec<serde_json::Value> {
    let (s, b) = t
        .admin(
            Method::GET,
            &format!("/api/v2/tickets/{case}/comments.json"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["delivery"].clone())
        .collect()
}

#[tokio::test]
async fn a_reply_that_cannot_leave_says_so_before_and_after_it_is_sent() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "void@guichet.test", "Agent", None).await;
    let ui = Ui::sign_in(&t, "void@guichet.test", "agent-password-1").await;
    // A customer known by phone only.
    let (_, loc) = ui
        .post(
            "/contact/new",
            &[
                ("channel", "phone"),
                ("name", "Paul Tel"),
                ("phone", "+33 6 99 88 77 66"),
                ("subject", "Rappel"),
                ("body", "Merci de me rappeler."),
            ],
        )
        .await;
    let phone_case = case_id(&loc);
    let (_, page) = ui.get(&format!("/cases/{phone_case}")).await;
    assert!(
        page.contains("Non envoyé par e-mail") && page.contains("pas d’adresse e-mail"),
        "warned before sending: {page}"
    );
    let (s, _) = ui
        .post(
            &format!("/cases/{phone_case}/reply"),
            &[("body", "Nous vous rappelons demain."), ("mode", "reply")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let d = deliveries(&t, phone_case).await;
    let last = d.last().unwrap();
    assert_eq!(last["state"], "not_sent", "{d:?}");
    assert_eq!(last["error"], "no_email", "{d:?}");
    // The customer's own message has no delivery.
    assert_eq!(d[0], serde_json::Value::Null);
    let (_, page) = ui.get(&format!("/cases/{phone_case}")).await;
    assert!(
        page.contains("class=\"delivery delivery-not_sent\""),
        "{page}"
    );

    // A customer with an address, but no mailbox to send from.
    let ticket = t
        .new_ticket(&t.admin.clone(), "Colis", "lea@example.com")
        .await;
    let mail_case = ticket["id"].as_i64().unwrap();
    let (s, _) = ui
        .post(
            &format!("/cases/{mail_case}/reply"),
            &[("body", "Bonjour Léa."), ("mode", "reply")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let d = deliveries(&t, mail_case).await;
    assert_eq!(d.last().unwrap()["error"], "no_mailbox", "{d:?}");

    // With a mailbox but no relay: queued, and the page says it will wait.
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(json!({"mailbox": {"address": "support@guichet.test", "name": "Service client"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, page) = ui.get(&format!("/cases/{mail_case}")).await;
    assert!(page.contains("Aucun serveur d’envoi"), "{page}");
    ui.post(
        &format!("/cases/{mail_case}/reply"),
        &[("body", "Deuxième réponse."), ("mode", "reply")],
    )
    .await;
    let d = deliveries(&t, mail_case).await;
    assert_eq!(d.last().unwrap()["state"], "queued", "{d:?}");
    assert_eq!(d.last().unwrap()["recipient"], "lea@example.com");

    // A bounce marks the address failing with its reason, shown on the customer (API and
    // sidebar), and the next reply is not sent, saying why.
    let dsn = "From: MAILER-DAEMON@mx.example.com\r\nTo: support@guichet.test\r\n\
        Subject: Undelivered Mail\r\nMessage-ID: <dsn-1@mx.example.com>\r\n\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain\r\n\r\nIt failed.\r\n\
        --b\r\nContent-Type: message/delivery-status\r\n\r\n\
        Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; lea@example.com\r\n\
        Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\
        --b--\r\n";
    t.app
        .ingest_email(app::email::Delivery {
            raw: dsn.as_bytes(),
            mailbox_id: None,
            rcpt: Some("support@guichet.test"),
            mail_from: None,
            source: app::email::Source::Lmtp,
        })
        .await
        .unwrap();
    let requester = ticket["requester_id"].as_i64().unwrap();
    let (_, b) = t
        .admin(
            Method::GET,
            &format!("/api/v2/users/{requester}.json"),
            None,
        )
        .await;
    let failing = &b["user"]["failing_emails"][0];
    assert_eq!(failing["email"], "lea@example.com", "{b}");
    assert!(
        failing["reason"]
            .as_str()
            .unwrap()
            .contains("550 5.1.1 user unknown"),
        "{b}"
    );
    let (_, page) = ui.get(&format!("/cases/{mail_case}")).await;
    assert!(page.contains("Refuse nos messages"), "{page}");
    assert!(
        page.contains("lea@example.com refuse nos messages"),
        "{page}"
    );
    ui.post(
        &format!("/cases/{mail_case}/reply"),
        &[("body", "Troisième réponse."), ("mode", "reply")],
    )
    .await;
    let d = deliveries(&t, mail_case).await;
    assert_eq!(d.last().unwrap()["error"], "address_failing", "{d:?}");
    // A customer never sees delivery details of their own case.
    let (cust, _) = t.user_with_role(Role::EndUser, "cust@example.com").await;
    let ticket = t
        .new_ticket(&t.admin.clone(), "Question", "cust@example.com")
        .await;
    let own = ticket["id"].as_i64().unwrap();
    ui.post(
        &format!("/cases/{own}/reply"),
        &[("body", "Réponse."), ("mode", "reply")],
    )
    .await;
    assert_eq!(deliveries(&t, own).await.last().unwrap()["state"], "queued");
    let (s, b) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/{own}/comments.json"),
            &cust,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(
        b["comments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["delivery"].is_null()),
        "{b}"
    );
}

/// The text of the pre element with this id on a page.
fn pre_text(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start + id.len() + 6..];
    rest[..rest.find('<').unwrap()].trim().to_string()
}

/// Post a form without a session (the sign-in side), as a browser would.
async fn post_anonymous(
    t: &crate::TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .post(format!("{}{path}", t.base))
        .header("accept-language", "fr-FR,fr;q=0.9")
        .form(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (s, loc, r.text().await.unwrap())
}

/// The link in the newest outbox mail of this kind to this address (a reset link is
/// written after the answer: wait a little for it).
async fn mailed_link(t: &crate::TestApp, kind: &str, to: &str) -> Option<String> {
    for _ in 0..20 {
        if let Some(l) = mailed_link_now(t, kind, to).await {
            return Some(l);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

async fn mailed_link_now(t: &crate::TestApp, kind: &str, to: &str) -> Option<String> {
    let all = t.store.outbox_recent(None, 100).await.unwrap();
    let o = all.iter().find(|o| o.kind == kind && o.recipient == to)?;
    let parsed = mail::parse(&o.raw, &mail::Limits::default()).unwrap();
    let at = parsed.text.find("/password/")?;
    let start = parsed.text[..at].rfind("http")?;
    let end = parsed.text[at..]
        .find(char::is_whitespace)
        .map(|e| at + e)
        .unwrap_or(parsed.text.len());
    Some(parsed.text[start..end].to_string())
}

#[tokio::test]
async fn an_agent_is_invited_chooses_a_password_once_and_can_be_locked() {
    let t = spawn_app().await;
    staff(&t, Role::Admin, "boss@guichet.test", "Boss", None).await;
    let admin = Ui::sign_in(&t, "boss@guichet.test", "agent-password-1").await;
    // A refused form keeps what was typed, with the message next to the field in French.
    let (s, page) = admin
        .post(
            "/admin/agents",
            &[
                ("name", "Jeanne Martin"),
                ("email", "pas-une-adresse"),
                ("role", "agent"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"na-email-err\""), "{page}");
    assert!(
        page.contains("n’est pas une adresse e-mail valide"),
        "{page}"
    );
    assert!(page.contains("value=\"Jeanne Martin\""), "{page}");
    // No mailbox yet: the invitation cannot leave, so its link is shown to the admin.
    let (s, page) = admin
        .post(
            "/admin/agents",
            &[
                ("name", "Jeanne Martin"),
                ("email", "jeanne@guichet.test"),
                ("role", "agent"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("Invitation envoyée à jeanne@guichet.test"),
        "{page}"
    );
    let link = pre_text(&page, "handover-link");
    let path = link.trim_start_matches(&t.base).to_string();
    assert!(path.starts_with("/password/"), "{link}");
    // Invited, not yet signed up: no password, and the agents page says until when.
    assert!(page.contains("lien valable jusqu’au"), "{page}");
    // The link opens a form naming the person; two different passwords are refused.
    let (s, page) = admin.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Bienvenue, Jeanne Martin"), "{page}");
    let (s, _, page) = post_anonymous(
        &t,
        &path,
        &[
            ("password", "un-mot-de-passe-1"),
            ("again", "un-mot-de-passe-2"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Les deux mots de passe diffèrent"), "{page}");
    let (s, _, page) =
        post_anonymous(&t, &path, &[("password", "court"), ("again", "court")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"pw-new-err\""), "{page}");
    let (s, loc, _) = post_anonymous(
        &t,
        &path,
        &[
            ("password", "un-mot-de-passe-1"),
            ("again", "un-mot-de-passe-1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc, "/login?notice=password-set");
    let jeanne = Ui::sign_in(&t, "jeanne@guichet.test", "un-mot-de-passe-1").await;
    // Single use.
    let (s, _) = admin.get(&path).await;
    assert_eq!(s, StatusCode::GONE);
    let (s, _, page) = post_anonymous(&t, &path, &[("password", "x"), ("again", "y")]).await;
    assert_eq!(s, StatusCode::GONE);
    assert!(page.contains("Ce lien ne fonctionne plus"), "{page}");
    let (s, _, _) = post_anonymous(
        &t,
        &path,
        &[
            ("password", "autre-mot-de-passe"),
            ("again", "autre-mot-de-passe"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::GONE);
    // With a mailbox, a new invitation is emailed (and not shown), the old link dies.
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(json!({"mailbox": {"address": "support@guichet.test", "name": "Service client"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, page) = admin
        .post(
            "/admin/agents",
            &[
                ("name", "Paul Durand"),
                ("email", "paul@guichet.test"),
                ("role", "supervisor"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let first = mailed_link(&t, "invitation", "paul@guichet.test")
        .await
        .expect("invitation emailed");
    let paul: i64 = t
        .store
        .user_by_identity("email", "paul@guichet.test")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(
        page.contains(&format!("id=\"invite-{paul}\"")),
        "resend offered: {page}"
    );
    admin
        .post(&format!("/admin/agents/{paul}/invite"), &[])
        .await;
    let second = mailed_link(&t, "invitation", "paul@guichet.test")
        .await
        .unwrap();
    assert_ne!(first, second);
    let (s, _) = admin.get(first.trim_start_matches(&t.base)).await;
    assert_eq!(
        s,
        StatusCode::GONE,
        "the earlier invitation stopped working"
    );
    let (s, _) = admin.get(second.trim_start_matches(&t.base)).await;
    assert_eq!(s, StatusCode::OK);
    // Locking an account signs the person out at once and keeps them out.
    let jeanne_id = t
        .store
        .user_by_identity("email", "jeanne@guichet.test")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (s, _) = admin
        .post(&format!("/admin/agents/{jeanne_id}"), &[("role", "agent")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(jeanne.get("/inbox/mine").await.0, StatusCode::SEE_OTHER);
    let (s, _, _) = post_anonymous(
        &t,
        "/login",
        &[
            ("email", "jeanne@guichet.test"),
            ("password", "un-mot-de-passe-1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_any_address_and_is_rate_limited() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "oubli@guichet.test", "Oubli", None).await;
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(json!({"mailbox": {"address": "support@guichet.test", "name": "Service client"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s1, _, unknown) = post_anonymous(
        &t,
        "/password/forgot",
        &[("email", "personne@guichet.test")],
    )
    .await;
    let (s2, _, known) =
        post_anonymous(&t, "/password/forgot", &[("email", "oubli@guichet.test")]).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(unknown, known, "no way to tell whether an account exists");
    let link = mailed_link(&t, "password_reset", "oubli@guichet.test")
        .await
        .expect("reset link emailed");
    assert!(
        mailed_link(&t, "password_reset", "personne@guichet.test")
            .await
            .is_none()
    );
    // Three links an hour per account, whatever is asked; then the address waits. (The
    // link is written after the answer: wait for each before the next.)
    let resets = async || {
        t.store
            .outbox_recent(None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|o| o.kind == "password_reset")
            .count()
    };
    for expected in [2, 3, 3] {
        let (s, _, _) =
            post_anonymous(&t, "/password/forgot", &[("email", "oubli@guichet.test")]).await;
        assert_eq!(s, StatusCode::OK);
        for _ in 0..40 {
            if resets().await == expected {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(resets().await, 3);
    let (s, _, page) =
        post_anonymous(&t, "/password/forgot", &[("email", "oubli@guichet.test")]).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "five requests from one address"
    );
    assert!(page.contains("minutes"), "{page}");
    // The first link was replaced by the later ones; the newest works.
    let (s, _, _) = post_anonymous(
        &t,
        link.trim_start_matches(&t.base),
        &[
            ("password", "nouveau-secret-1"),
            ("again", "nouveau-secret-1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::GONE);
    let newest = mailed_link(&t, "password_reset", "oubli@guichet.test")
        .await
        .unwrap();
    let (s, _, _) = post_anonymous(
        &t,
        newest.trim_start_matches(&t.base),
        &[
            ("password", "nouveau-secret-1"),
            ("again", "nouveau-secret-1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    Ui::sign_in(&t, "oubli@guichet.test", "nouveau-secret-1").await;
}

#[tokio::test]
async fn browsers_get_translated_404_and_403_pages_and_the_api_keeps_its_json() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "agent404@guichet.test", "Agent", None).await;
    let ui = Ui::sign_in(&t, "agent404@guichet.test", "agent-password-1").await;
    let r = reqwest::Client::new()
        .get(format!("{}/nope", t.base))
        .header("accept", "text/html,application/xhtml+xml")
        .header("accept-language", "fr-FR,fr;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("Page introuvable"), "{page}");
    let r = reqwest::Client::new()
        .get(format!("{}/api/v2/nope", t.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("\"error\""));
    // An agent on an administrator's page: a French sentence, not the use case's English.
    let (s, page) = ui.get("/admin").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(page.contains("Accès refusé"), "{page}");
    assert!(page.contains("réservée aux superviseurs"), "{page}");
    assert!(!page.contains("only"), "{page}");
    let (s, page) = ui.get("/cases/999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(page.contains("Page introuvable"), "{page}");
}

#[tokio::test]
async fn absurd_values_are_refused_with_a_clear_message_and_the_form_keeps_its_input() {
    let t = spawn_app().await;
    staff(
        &t,
        Role::Supervisor,
        "sup16@guichet.test",
        "Sup",
        Some(5_000_000),
    )
    .await;
    let ui = Ui::sign_in(&t, "sup16@guichet.test", "agent-password-1").await;
    // A contact received next year: refused next to the field, in French, input kept.
    let (s, page) = ui
        .post(
            "/contact/new",
            &[
                ("channel", "phone"),
                ("name", "Zoé Futur"),
                ("phone", "+33 6 00 00 00 09"),
                ("subject", "Appel de l’an prochain"),
                ("received_at", "2099-01-01T10:00"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"c-received-err\""), "{page}");
    assert!(page.contains("Reçu le"), "{page}");
    assert!(page.contains("est dans le futur"), "{page}");
    assert!(page.contains("value=\"Appel de l’an prochain\""), "{page}");
    assert!(page.contains("value=\"Zoé Futur\""), "{page}");
    assert!(!page.contains("received_at :"), "no input name: {page}");
    // The API refuses it too, naming the field.
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "x", "comment": {"body": "y"},
                "received_at": "2099-01-01T10:00:00Z"}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("received_at"), "{b}");
    // An unknown currency and an amount above the ceiling.
    let ticket = t
        .new_ticket(&t.admin.clone(), "Geste", "g@example.com")
        .await;
    let id = ticket["id"].as_i64().unwrap();
    for (amount, currency, code) in [
        (10.0, "ABC", "currency-unknown"),
        (5_000_000.0, "EUR", "over-ceiling"),
    ] {
        let (s, b) = t
            .admin(
                Method::POST,
                &format!("/api/v2/tickets/{id}/compensations.json"),
                Some(json!({"compensation": {"kind": "refund", "amount": amount, "currency": currency}})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(b.to_string().contains(code), "{b}");
    }
    let (s, page) = ui
        .post(
            &format!("/cases/{id}/compensations"),
            &[("kind", "refund"), ("amount", "12,00"), ("currency", "XYZ")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("n’est pas un code de devise ISO"), "{page}");
    assert!(page.contains("Devise"), "{page}");
}

#[tokio::test]
async fn a_team_name_clash_is_said_in_words_next_to_the_field() {
    let t = spawn_app().await;
    staff(&t, Role::Admin, "teams16@guichet.test", "Admin", None).await;
    let ui = Ui::sign_in(&t, "teams16@guichet.test", "agent-password-1").await;
    let (s, loc) = ui
        .post(
            "/admin/teams",
            &[("name", "Facturation"), ("description", "")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let (_, page) = ui.get(&loc).await;
    assert!(page.contains("Enregistré."), "a success notice: {page}");
    // The same name, differently written: compared without case or accents.
    let (s, page) = ui
        .post(
            "/admin/teams",
            &[("name", "FACTURATION"), ("description", "bis")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"nt-name-err\""), "{page}");
    assert!(page.contains("Une équipe porte déjà ce nom"), "{page}");
    assert!(!page.to_lowercase().contains("unique"), "{page}");
    assert!(page.contains("value=\"bis\""), "{page}");
    // An empty name: "required", in French, never the domain's English.
    let (_, page) = ui.post("/admin/teams", &[("name", "  ")]).await;
    assert!(
        page.contains("Nom est obligatoire") || page.contains("obligatoire"),
        "{page}"
    );
    assert!(!page.contains("must not be empty"), "{page}");
}

#[tokio::test]
async fn calendars_and_standards_are_edited_in_the_pages_reading_their_sentence_back() {
    let t = spawn_app().await;
    staff(&t, Role::Admin, "std16@guichet.test", "Admin", None).await;
    let ui = Ui::sign_in(&t, "std16@guichet.test", "agent-password-1").await;
    // A week with a lunch break on weekdays and Saturday mornings.
    let mut week: Vec<(String, String)> = vec![
        ("name".into(), "Boutique".into()),
        ("time_zone".into(), "Europe/Paris".into()),
    ];
    for d in 1..=5 {
        week.push((format!("d{d}_0_open"), "09:00".into()));
        week.push((format!("d{d}_0_close"), "12:00".into()));
        week.push((format!("d{d}_1_open"), "14:00".into()));
        week.push((format!("d{d}_1_close"), "18:00".into()));
    }
    week.push(("d6_0_open".into(), "10:00".into()));
    week.push(("d6_0_close".into(), "13:00".into()));
    let mut preview = week.clone();
    preview.push(("action".into(), "preview".into()));
    let p = preview.clone();
    let (s, page) = ui.post("/admin/calendars/new", &as_ref(&p)).await;
    assert_eq!(s, StatusCode::OK, "a preview is not a save: {page}");
    assert!(
        page.contains("Lundi\u{a0}: 09:00–12:00, 14:00–18:00"),
        "{page}"
    );
    assert!(page.contains("Dimanche\u{a0}: fermé"), "{page}");
    assert!(
        t.app
            .calendars(&t.actor(t.admin_id, Role::Admin))
            .await
            .unwrap()
            .is_empty()
    );
    let (s, loc) = ui.post("/admin/calendars/new", &as_ref(&week)).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let cals = t
        .app
        .calendars(&t.actor(t.admin_id, Role::Admin))
        .await
        .unwrap();
    assert_eq!(cals[0].intervals.len(), 11, "{:?}", cals[0].intervals);
    let cal = cals[0].row.id;
    // Overlapping periods are refused on their day, the rest of the form kept.
    let mut bad = week.clone();
    bad.push(("d2_2_open".into(), "11:00".into()));
    bad.push(("d2_2_close".into(), "15:00".into()));
    let (s, page) = ui
        .post(&format!("/admin/calendars/{cal}"), &as_ref(&bad))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("se chevauchent"), "{page}");
    assert!(page.contains("value=\"Boutique\""), "{page}");
    // A standard, previewed then saved, then every field edited.
    let base = [
        ("name", "Réponse aux e-mails"),
        ("metric", "first_response"),
        ("target", "90"),
        ("unit", "hours"),
        ("threshold", "4"),
        ("unacceptable", "8"),
        ("warn", "75"),
        ("calendar", &cal.to_string()),
        ("channel", "email"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect::<Vec<_>>();
    let mut p = base.clone();
    p.push(("action".into(), "preview".into()));
    let (s, page) = ui.post("/admin/standards/new", &as_ref(&p)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Aperçu, pas encore enregistré"), "{page}");
    assert!(
        page.contains("en moins de 4\u{a0}heures ouvrées")
            || page.contains("en moins de 4 heures ouvrées"),
        "{page}"
    );
    assert!(
        t.app
            .standards(&t.actor(t.admin_id, Role::Admin))
            .await
            .unwrap()
            .is_empty()
    );
    let (s, loc) = ui.post("/admin/standards/new", &as_ref(&base)).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let id: i64 = loc
        .trim_start_matches("/admin/standards/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, page) = ui.get(&loc).await;
    assert!(page.contains("Cet engagement se lit"), "{page}");
    assert!(page.contains("value=\"Réponse aux e-mails\""), "{page}");
    let mut edited = base.clone();
    for (k, v) in edited.iter_mut() {
        match k.as_str() {
            "target" => *v = "95,5".into(),
            "threshold" => *v = "30".into(),
            "unit" => *v = "minutes".into(),
            "unacceptable" => *v = "".into(),
            "calendar" => *v = "".into(),
            _ => {}
        }
    }
    edited.push(("channel".into(), "phone".into()));
    edited.push(("kind".into(), "complaint".into()));
    let (s, loc) = ui
        .post(&format!("/admin/standards/{id}"), &as_ref(&edited))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let r = t
        .app
        .standard(&t.actor(t.admin_id, Role::Admin), id)
        .await
        .unwrap();
    assert_eq!(r.threshold_minutes, 30);
    assert_eq!(r.target_percent, 95.5);
    assert_eq!(r.unacceptable_minutes, None);
    assert_eq!(r.calendar_id, None);
    assert!(
        r.scope.contains("phone") && r.scope.contains("complaint"),
        "{}",
        r.scope
    );
    // An unacceptable point before the target time: said next to its field.
    let mut wrong = base.clone();
    for (k, v) in wrong.iter_mut() {
        if k == "unacceptable" {
            *v = "2".into();
        }
    }
    let (s, page) = ui
        .post(&format!("/admin/standards/{id}"), &as_ref(&wrong))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"st-unacceptable-err\""), "{page}");
    assert!(
        page.contains("doit être plus long que le délai visé"),
        "{page}"
    );
}

fn as_ref(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

#[tokio::test]
async fn an_emails_inline_picture_stays_in_its_place() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "img@guichet.test", "Agent", None).await;
    let ui = Ui::sign_in(&t, "img@guichet.test", "agent-password-1").await;
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(json!({"mailbox": {"address": "support@guichet.test", "name": "Service client"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // A 1×1 PNG referenced by the HTML part of a multipart/related email.
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    let raw = format!(
        "From: Chloé <chloe@example.fr>\r\nTo: support@guichet.test\r\nSubject: Photo du colis\r\n\
         Message-ID: <inline-1@example.fr>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Voici le colis :</p><p><img src=\"cid:colis@example.fr\" alt=\"colis\"></p><p>Merci</p>\r\n\
         --r\r\nContent-Type: image/png\r\nContent-ID: <colis@example.fr>\r\n\
         Content-Disposition: inline; filename=\"colis.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{png}\r\n\
         --r\r\nContent-Type: application/pdf\r\n\
         Content-Disposition: attachment; filename=\"devis.pdf\"\r\n\r\n%PDF-1.4 devis\r\n\
         --r--\r\n"
    );
    let r = t
        .app
        .ingest_email(app::email::Delivery {
            raw: raw.as_bytes(),
            mailbox_id: None,
            rcpt: Some("support@guichet.test"),
            mail_from: None,
            source: app::email::Source::Lmtp,
        })
        .await
        .unwrap();
    let app::email::Ingested::Created { case_id } = r else {
        panic!("{r:?}")
    };
    let (_, b) = t
        .admin(
            Method::GET,
            &format!("/api/v2/tickets/{case_id}/comments.json"),
            None,
        )
        .await;
    let att = &b["comments"][0]["attachments"][0];
    assert_eq!(att["inline"], true, "{b}");
    assert_eq!(att["content_id"], "colis@example.fr", "{b}");
    let id = att["id"].as_i64().unwrap();
    let html = b["comments"][0]["html_body"].as_str().unwrap();
    assert!(
        html.contains(&format!("src=\"/attachments/{id}\"")),
        "{html}"
    );
    assert!(!html.contains("cid:"), "{html}");
    let (_, b) = t
        .admin(
            Method::GET,
            &format!("/api/v2/tickets/{case_id}/emails"),
            None,
        )
        .await;
    assert!(
        b["emails"][0]
            .to_string()
            .contains(&format!("/attachments/{id}")),
        "{b}"
    );
    // The case page shows it in place, and the picture is served to the agent; the other
    // file is listed under the message (the picture is not listed twice).
    let (_, page) = ui.get(&format!("/cases/{case_id}")).await;
    assert!(
        page.contains(&format!("src=\"/attachments/{id}\"")),
        "{page}"
    );
    assert!(page.contains(">devis.pdf</a>"), "{page}");
    assert!(!page.contains(">colis.png</a>"), "{page}");
    let r = ui
        .http
        .get(format!("{}/attachments/{id}", t.base))
        .header("cookie", &ui.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(
        r.headers()["content-security-policy"],
        "default-src 'none'; sandbox",
        "a file is never run as a page"
    );
    assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG"));
    // Not to someone signed out.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/attachments/{id}", t.base))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_refused_reply_comes_back_in_the_composer_with_its_reason() {
    let t = spawn_app().await;
    staff(
        &t,
        Role::Agent,
        "reply16@guichet.test",
        "Agent",
        Some(10_00),
    )
    .await;
    let ui = Ui::sign_in(&t, "reply16@guichet.test", "agent-password-1").await;
    let ticket = t
        .new_ticket(&t.admin.clone(), "Question", "q@example.com")
        .await;
    let id = ticket["id"].as_i64().unwrap();
    // Nothing typed and no status: the reason beside the composer.
    let (s, page) = ui
        .post(
            &format!("/cases/{id}/reply"),
            &[("body", "  "), ("mode", "note")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"body-err\""), "{page}");
    assert!(
        page.contains("id=\"mode-note\" checked"),
        "the mode is kept: {page}"
    );
    // A compensation amount that is not one: the form keeps the rest of what was typed.
    let (s, page) = ui
        .post(
            &format!("/cases/{id}/compensations"),
            &[
                ("kind", "voucher"),
                ("amount", "douze"),
                ("currency", "EUR"),
                ("note", "geste"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"cp-amount-err\""), "{page}");
    assert!(page.contains("value=\"douze\""), "{page}");
    assert!(page.contains("value=\"geste\""), "{page}");
    assert!(
        page.contains("<details class=\"card compensation\" id=\"compensation\" open>"),
        "{page}"
    );
}

#[tokio::test]
async fn settings_and_canned_answers_keep_what_was_typed_and_explain_in_french() {
    let t = spawn_app().await;
    staff(&t, Role::Supervisor, "set16@guichet.test", "Sup", None).await;
    let ui = Ui::sign_in(&t, "set16@guichet.test", "agent-password-1").await;
    let (s, page) = ui
        .post(
            "/settings",
            &[("locale", "fr"), ("time_zone", "Europe/Pariss")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"s-tz-err\""), "{page}");
    assert!(page.contains("n’est pas un fuseau horaire connu"), "{page}");
    assert!(page.contains("value=\"Europe/Pariss\""), "{page}");
    let (s, page) = ui
        .post(
            "/settings/password",
            &[
                ("current", "faux-mot-de-passe"),
                ("new", "nouveau-secret-9"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"pw-current-err\""), "{page}");
    assert!(
        page.contains("Le mot de passe actuel est incorrect"),
        "{page}"
    );
    assert!(
        !page.contains("nouveau-secret-9"),
        "a password is never sent back"
    );
    let (s, page) = ui
        .post(
            "/settings/password",
            &[("current", "agent-password-1"), ("new", "court")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("doit compter de 10 à 256 caractères"),
        "{page}"
    );
    // A canned answer with a shortcut that cannot be typed.
    let (s, page) = ui
        .post(
            "/admin/canned",
            &[
                ("shortcut", "mer ci"),
                ("title", "Merci"),
                ("body", "Merci {{ customer_name }}"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"nca-shortcut-err\""), "{page}");
    assert!(page.contains("value=\"mer ci\""), "{page}");
    assert!(
        page.contains("Merci {{ customer_name }}</textarea>"),
        "{page}"
    );
}

#[tokio::test]
async fn the_register_and_the_relations_panel_keep_their_input_when_refused() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "reg16@guichet.test", "Agent", None).await;
    let ui = Ui::sign_in(&t, "reg16@guichet.test", "agent-password-1").await;
    let ticket = t
        .new_ticket(&t.admin.clone(), "Réclamation", "r@example.com")
        .await;
    let id = ticket["id"].as_i64().unwrap();
    let seen = t
        .store
        .case(id)
        .await
        .unwrap()
        .unwrap()
        .updated_at
        .to_string();
    let (s, page) = ui
        .post(
            &format!("/cases/{id}/complaint"),
            &[
                ("seen", &seen),
                ("agreed_solution", "Remplacement du colis sous 48 h"),
                ("promised_at", "demain"),
                ("root_cause", "Emballage trop fin"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Remplacement du colis sous 48 h</textarea>"),
        "{page}"
    );
    assert!(page.contains("Emballage trop fin</textarea>"), "{page}");
    assert!(page.contains("Saisissez une date et une heure"), "{page}");
    assert!(
        page.contains("<details class=\"card register\" id=\"register\" open>"),
        "{page}"
    );
    // Saved: the page says so.
    let seen = t
        .store
        .case(id)
        .await
        .unwrap()
        .unwrap()
        .updated_at
        .to_string();
    let (s, loc) = ui
        .post(
            &format!("/cases/{id}/complaint"),
            &[
                ("seen", &seen),
                ("agreed_solution", "Remplacement sous 48 h"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let (_, page) = ui.get(&loc).await;
    assert!(page.contains("id=\"notice\">Enregistré."), "{page}");
    // A link to a case that does not exist: said in the panel, not as a missing page.
    let (s, page) = ui
        .post(
            &format!("/cases/{id}/link"),
            &[("other", "#99999"), ("kind", "related")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Aucun dossier ne porte le n°\u{a0}99999"),
        "{page}"
    );
    assert!(page.contains("id=\"rel-error\""), "{page}");
}

#[tokio::test]
async fn a_stored_relay_password_never_goes_to_another_server() {
    let t = spawn_app().await;
    staff(&t, Role::Admin, "relay16@guichet.test", "Admin", None).await;
    let ui = Ui::sign_in(&t, "relay16@guichet.test", "agent-password-1").await;
    let (s, loc) = ui
        .post(
            "/admin/email/relay",
            &[
                ("host", "smtp.example.com"),
                ("port", "587"),
                ("security", "starttls"),
                ("user", "guichet"),
                ("password", "s3cret-relay"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let (_, page) = ui.get("/admin/email").await;
    assert!(!page.contains("s3cret-relay"), "never shown back");
    // Same server, blank password: kept.
    let same = [
        ("host", "smtp.example.com"),
        ("port", "587"),
        ("security", "starttls"),
        ("user", "guichet"),
        ("password", ""),
    ];
    assert_eq!(
        ui.post("/admin/email/relay", &same).await.0,
        StatusCode::SEE_OTHER
    );
    let r = t.app.relay_for_sender().await.unwrap().unwrap();
    assert_eq!(r.password.as_deref(), Some("s3cret-relay"));
    // Another server (or no TLS) with a blank password: refused, the password asked again.
    let (s, page) = ui
        .post(
            "/admin/email/relay",
            &[
                ("host", "smtp.attacker.example"),
                ("port", "587"),
                ("security", "none"),
                ("user", "guichet"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"r-password-err\""), "{page}");
    assert!(page.contains("retapez le mot de passe"), "{page}");
    let r = t.app.relay_for_sender().await.unwrap().unwrap();
    assert_eq!(r.host, "smtp.example.com", "nothing changed");
}
