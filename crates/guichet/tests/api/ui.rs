//! The agent web UI over real HTTP: sign-in, sessions, CSRF, and every authorization rule of
//! the pages (an agent without the role gets 403, a customer gets nothing of the agent UI).
//! The browser tests (`tests/browser`) drive the same pages in Chromium.

use crate::{TestApp, spawn_app};
use domain::{Clock, Role};
use reqwest::{Client, StatusCode, header};
use serde_json::json;

/// A browser without a browser: keeps the session cookie and the page's CSRF token.
#[derive(Clone)]
pub struct Ui {
    pub http: Client,
    pub base: String,
    pub cookie: String,
    pub csrf: String,
}

fn no_redirects() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn csrf_of(html: &str) -> String {
    html.split("data-csrf=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string()
}

impl Ui {
    pub async fn sign_in(t: &TestApp, email: &str, password: &str) -> Ui {
        let http = no_redirects();
        let r = http
            .post(format!("{}/login", t.base))
            .form(&[
                ("email", email),
                ("password", password),
                ("next", "/inbox/mine"),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
        let set = r
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .expect("session cookie")
            .to_string();
        let cookie = set.split(';').next().expect("cookie").to_string();
        let mut ui = Ui {
            http,
            base: t.base.clone(),
            cookie,
            csrf: String::new(),
        };
        let (s, html) = ui.get("/inbox/mine").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        ui.csrf = csrf_of(&html);
        assert_eq!(ui.csrf.len(), 40);
        ui
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .expect("get");
        (r.status(), r.text().await.unwrap_or_default())
    }

    /// Post a form as the page would (with the CSRF token).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let mut f: Vec<(&str, &str)> = form.to_vec();
        f.push(("csrf", &self.csrf));
        self.post_raw(path, &f, None).await
    }

    /// Post a multipart form (text fields and files: `(name, file name, bytes)`) with the
    /// session's CSRF token among its parts.
    pub async fn post_files(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> (StatusCode, String) {
        let mut parts: Vec<(&str, Option<&str>, &[u8])> =
            vec![("csrf", None, self.csrf.as_bytes())];
        parts.extend(fields.iter().map(|(k, v)| (*k, None, v.as_bytes())));
        parts.extend(files.iter().map(|(k, n, d)| (*k, Some(*n), *d)));
        let (ctype, body) = crate::multipart(&parts);
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .header(header::CONTENT_TYPE, ctype)
            .body(body)
            .send()
            .await
            .expect("post");
        let s = r.status();
        let loc = r
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = r.text().await.unwrap_or_default();
        (s, loc.unwrap_or(text))
    }

    pub async fn post_raw(
        &self,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> (StatusCode, String) {
        let mut r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, &self.cookie)
            .form(form);
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        let r = r.send().await.expect("post");
        let s = r.status();
        let loc = r
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = r.text().await.unwrap_or_default();
        (s, loc.unwrap_or(text))
    }
}

/// A member of staff with a password and, optionally, a compensation limit (cents).
pub async fn staff(t: &TestApp, role: Role, email: &str, name: &str, limit: Option<i64>) -> i64 {
    let mut user = json!({"name": name, "email": email, "guichet_role": role.as_str(),
        "password": "agent-password-1", "locale": "fr"});
    if let Some(l) = limit {
        user["compensation_limit"] = json!(l as f64 / 100.0);
    }
    let (s, b) = t
        .admin(
            reqwest::Method::POST,
            "/api/v2/users.json",
            Some(json!({ "user": user })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["user"]["id"].as_i64().expect("id")
}

#[tokio::test]
async fn signing_in_sets_an_http_only_lax_cookie_and_shows_the_inbox_in_the_agents_language() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "marie@guichet.test", "Marie Curie", None).await;
    let http = no_redirects();
    let r = http
        .post(format!("{}/login", t.base))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("email", "marie@guichet.test"),
            ("password", "agent-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let c = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(c.starts_with("guichet_session="), "{c}");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(c.contains(attr), "{attr} missing in {c}");
    }
    let ui = Ui::sign_in(&t, "marie@guichet.test", "agent-password-1").await;
    let (s, html) = ui.get("/inbox/unassigned").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Non attribués"), "French inbox expected");
    assert!(html.contains("Marie Curie"));
    // Pages are not cached and cannot be framed.
    let r = ui
        .http
        .get(format!("{}/inbox/mine", t.base))
        .header(header::COOKIE, &ui.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
    assert!(
        r.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn pages_without_a_session_send_the_browser_to_sign_in() {
    let t = spawn_app().await;
    let http = no_redirects();
    let r = http
        .get(format!("{}/cases/1", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/login?next=%2Fcases%2F1");
    let r = http
        .get(format!("{}/inbox/mine", t.base))
        .header(header::COOKIE, "guichet_session=forged-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = http
        .post(format!("{}/cases/1/reply", t.base))
        .form(&[("body", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn wrong_passwords_get_one_answer_and_the_account_locks_after_ten() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "lock@guichet.test", "Lock", None).await;
    let http = no_redirects();
    for i in 0..11 {
        let r = http
            .post(format!("{}/login", t.base))
            .header(header::ACCEPT_LANGUAGE, "en")
            .form(&[
                ("email", "lock@guichet.test"),
                ("password", "wrong-password-x"),
            ])
            .send()
            .await
            .unwrap();
        let s = r.status();
        assert!(r.headers().get(header::SET_COOKIE).is_none());
        let body = r.text().await.unwrap();
        if i < 10 {
            assert_eq!(s, StatusCode::UNAUTHORIZED);
            assert!(body.contains("Wrong email or password."), "{body}");
        } else {
            assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        }
    }
    // Even the right password waits now.
    let r = http
        .post(format!("{}/login", t.base))
        .form(&[
            ("email", "lock@guichet.test"),
            ("password", "agent-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_customer_gets_nothing_of_the_agent_ui() {
    let t = spawn_app().await;
    let (s, b) = t
        .admin(reqwest::Method::POST, "/api/v2/users.json", Some(json!({"user": {"name": "Client", "email": "client@example.com", "password": "customer-password-1"}})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let http = no_redirects();
    let r = http
        .post(format!("{}/login", t.base))
        .form(&[
            ("email", "client@example.com"),
            ("password", "customer-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(header::SET_COOKIE).is_none());
    // Even holding a session (say, a former agent demoted to customer), the pages refuse.
    let customer = b["user"]["id"].as_i64().unwrap();
    let token = "customer-session-token-0123456789abcdefgh";
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_session(&store::SessionRow {
        token_hash: app::auth::hash_token(token),
        user_id: customer,
        csrf_token: "c".repeat(40),
        user_agent: String::new(),
        created_at: t.clock.now().as_millisecond(),
        last_seen_at: t.clock.now().as_millisecond(),
        expires_at: t.clock.now().as_millisecond() + 3_600_000,
        audience: "staff".into(),
        case_id: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for path in ["/inbox/mine", "/cases/1", "/admin", "/live", "/search?q=x"] {
        let r = http
            .get(format!("{}{path}", t.base))
            .header(header::COOKIE, format!("guichet_session={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn every_form_needs_the_session_csrf_token_and_a_same_origin_request() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "csrf@guichet.test", "Csrf", None).await;
    let ticket = t
        .new_ticket(&t.admin.clone(), "Colis", "a@example.com")
        .await;
    let id = ticket["id"].as_i64().unwrap();
    let ui = Ui::sign_in(&t, "csrf@guichet.test", "agent-password-1").await;
    let path = format!("/cases/{id}/reply");
    let (s, _) = ui.post_raw(&path, &[("body", "sans jeton")], None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = ui
        .post_raw(
            &path,
            &[
                ("body", "faux"),
                ("csrf", "0000000000000000000000000000000000000000"),
            ],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = ui
        .post_raw(
            &path,
            &[("body", "autre site"), ("csrf", &ui.csrf)],
            Some("http://evil.example"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (msgs, _) = t
        .app
        .case_messages(
            &t.actor(t.admin_id, Role::Admin),
            id,
            app::model::Page {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(msgs.len(), 1, "no refused form wrote anything");
    let (s, loc) = ui
        .post(
            &path,
            &[("body", "Bonjour, c'est réglé."), ("mode", "reply")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    assert_eq!(loc, format!("/cases/{id}"));
    let (_, html) = ui.get(&loc).await;
    assert!(
        html.contains("Bonjour, c&#39;est réglé.") || html.contains("Bonjour, c'est réglé."),
        "{html}"
    );
}

#[tokio::test]
async fn roles_decide_what_each_page_allows() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "agent@guichet.test", "Agent", Some(5_000)).await;
    staff(&t, Role::Analyst, "analyst@guichet.test", "Analyste", None).await;
    staff(
        &t,
        Role::Supervisor,
        "sup@guichet.test",
        "Superviseur",
        Some(50_000),
    )
    .await;
    let ticket = t
        .new_ticket(&t.admin.clone(), "Réclamation", "b@example.com")
        .await;
    let id = ticket["id"].as_i64().unwrap();
    let agent = Ui::sign_in(&t, "agent@guichet.test", "agent-password-1").await;
    let analyst = Ui::sign_in(&t, "analyst@guichet.test", "agent-password-1").await;
    let sup = Ui::sign_in(&t, "sup@guichet.test", "agent-password-1").await;

    // Administration: supervisors see it, agents do not; only admins change staff.
    assert_eq!(agent.get("/admin").await.0, StatusCode::FORBIDDEN);
    assert_eq!(agent.get("/admin/canned").await.0, StatusCode::FORBIDDEN);
    assert_eq!(agent.get("/inbox/approvals").await.0, StatusCode::FORBIDDEN);
    assert_eq!(sup.get("/admin").await.0, StatusCode::OK);
    let (s, _) = sup
        .post(
            "/admin/agents",
            &[
                ("name", "X"),
                ("email", "x@guichet.test"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = agent
        .post(
            "/admin/canned",
            &[
                ("shortcut", "merci"),
                ("title", "Merci"),
                ("body", "Merci !"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = agent.post("/admin/charter", &[("vision", "Nous")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // An analyst reads but does not write.
    assert_eq!(analyst.get(&format!("/cases/{id}")).await.0, StatusCode::OK);
    let (s, _) = analyst
        .post(&format!("/cases/{id}/reply"), &[("body", "x")])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A compensation above the agent's limit waits; the agent cannot decide it.
    let (s, _) = agent
        .post(
            &format!("/cases/{id}/compensations"),
            &[
                ("kind", "refund"),
                ("amount", "120,00"),
                ("currency", "EUR"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let comps = t.store.compensations(id).await.unwrap();
    assert_eq!(comps[0].status, "requested");
    let cid = comps[0].id;
    let decide = format!("/cases/{id}/compensations/{cid}/decide");
    assert_eq!(
        agent.post(&decide, &[("decision", "approve")]).await.0,
        StatusCode::FORBIDDEN
    );
    // The supervisor finds it among the approvals waiting, and approves it.
    let (s, html) = sup.get("/inbox/approvals").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&format!("data-id=\"{id}\"")), "{html}");
    assert_eq!(
        sup.post(&decide, &[("decision", "approve")]).await.0,
        StatusCode::SEE_OTHER
    );
    let comps = t.store.compensations(id).await.unwrap();
    assert_eq!(comps[0].status, "approved");
    // Deciding again is refused, and says why.
    let (s, body) = sup.post(&decide, &[("decision", "decline")]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    // Unknown ids are 404, never 500.
    assert_eq!(sup.get("/cases/999999").await.0, StatusCode::NOT_FOUND);
    let (s, _) = sup
        .post(
            &format!("/cases/{id}/compensations/999999/decide"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(sup.get("/inbox/nonsense").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_supervisor_cannot_approve_above_their_own_authority() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "a2@guichet.test", "Agent", Some(5_000)).await;
    staff(&t, Role::Supervisor, "s2@guichet.test", "Sup", Some(10_000)).await;
    let id = t
        .new_ticket(&t.admin.clone(), "Gros litige", "c@example.com")
        .await["id"]
        .as_i64()
        .unwrap();
    let agent = Ui::sign_in(&t, "a2@guichet.test", "agent-password-1").await;
    let sup = Ui::sign_in(&t, "s2@guichet.test", "agent-password-1").await;
    agent
        .post(
            &format!("/cases/{id}/compensations"),
            &[("kind", "voucher"), ("amount", "300"), ("currency", "EUR")],
        )
        .await;
    let cid = t.store.compensations(id).await.unwrap()[0].id;
    let (s, body) = sup
        .post(
            &format!("/cases/{id}/compensations/{cid}/decide"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("plafond"), "{body}");
    // Declining is always possible.
    let (s, _) = sup
        .post(
            &format!("/cases/{id}/compensations/{cid}/decide"),
            &[("decision", "decline")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        t.store.compensations(id).await.unwrap()[0].status,
        "declined"
    );
}

#[tokio::test]
async fn canned_answers_render_the_case_and_agent_before_anything_is_sent() {
    let t = spawn_app().await;
    staff(
        &t,
        Role::Supervisor,
        "chef@guichet.test",
        "Chef Équipe",
        None,
    )
    .await;
    staff(&t, Role::Agent, "lea@guichet.test", "Léa Martin", None).await;
    let ticket = t
        .new_ticket(&t.admin.clone(), "Colis abîmé", "renee@example.com")
        .await;
    let id = ticket["id"].as_i64().unwrap();
    let chef = Ui::sign_in(&t, "chef@guichet.test", "agent-password-1").await;
    let (s, body) = chef
        .post("/admin/canned", &[("shortcut", "merci"), ("title", "Remerciement"),
            ("body", "Bonjour {{ customer_first_name }}, merci pour le dossier {{ case_number }}. {{ agent_first_name }}")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    // A template naming an unknown variable is refused on save, with the field named.
    let (s, body) = chef
        .post(
            "/admin/canned",
            &[
                ("shortcut", "oups"),
                ("title", "x"),
                ("body", "{{ inconnu }}"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("body"), "{body}");
    let lea = Ui::sign_in(&t, "lea@guichet.test", "agent-password-1").await;
    let (s, json) = lea.get(&format!("/cases/{id}/canned?shortcut=merci")).await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["text"],
        format!("Bonjour Client, merci pour le dossier {id}. Léa")
    );
    let (s, _) = lea
        .get(&format!("/cases/{id}/canned?shortcut=absent"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Nothing was sent by previewing.
    let n = t.store.count_messages(id, false).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "pw@guichet.test", "Pw", None).await;
    let one = Ui::sign_in(&t, "pw@guichet.test", "agent-password-1").await;
    let two = Ui::sign_in(&t, "pw@guichet.test", "agent-password-1").await;
    let (s, body) = one
        .post(
            "/settings/password",
            &[("current", "not-the-password"), ("new", "new-password-22")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _) = one
        .post(
            "/settings/password",
            &[("current", "agent-password-1"), ("new", "new-password-22")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(one.get("/inbox/mine").await.0, StatusCode::OK);
    assert_eq!(
        two.get("/inbox/mine").await.0,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    Ui::sign_in(&t, "pw@guichet.test", "new-password-22").await;
    // Signing out ends this session too.
    let (s, _) = one.post("/logout", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(one.get("/inbox/mine").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_phone_call_is_logged_as_a_case_in_one_form() {
    let t = spawn_app().await;
    let agent_id = staff(&t, Role::Agent, "tel@guichet.test", "Standard", None).await;
    let ui = Ui::sign_in(&t, "tel@guichet.test", "agent-password-1").await;
    let (s, loc) = ui
        .post(
            "/contact/new",
            &[
                ("channel", "phone"),
                ("name", "Jean Dupont"),
                ("phone", "+33 6 12 34 56 78"),
                ("subject", "Facture en double"),
                ("body", "Le client a reçu deux factures."),
                ("kind", "complaint"),
                ("received_at", "2026-03-02T09:30"),
                ("assign_to_me", "1"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let id: i64 = loc.trim_start_matches("/cases/").parse().unwrap();
    let c = t.store.case(id).await.unwrap().unwrap();
    assert_eq!(c.channel, "phone");
    assert_eq!(c.kind, "complaint");
    assert_eq!(c.received_by_id, Some(agent_id));
    assert_eq!(c.assignee_id, Some(agent_id));
    // 09:30 in the agent's zone (Europe/Paris, UTC+1 in March).
    assert_eq!(
        c.received_at,
        jiff::Timestamp::from_second(1_772_440_200)
            .unwrap()
            .as_millisecond()
    );
    let customer = t.store.user(c.requester_id).await.unwrap().unwrap();
    assert_eq!(customer.name, "Jean Dupont");
    // The same caller again is the same customer.
    let (_, loc2) = ui
        .post(
            "/contact/new",
            &[
                ("channel", "phone"),
                ("phone", "+33612345678"),
                ("subject", "Rappel"),
            ],
        )
        .await;
    let id2: i64 = loc2.trim_start_matches("/cases/").parse().unwrap();
    assert_eq!(
        t.store.case(id2).await.unwrap().unwrap().requester_id,
        c.requester_id
    );
    // A contact without any way to reach the customer is refused, naming the field.
    let (s, body) = ui
        .post("/contact/new", &[("channel", "visit"), ("subject", "?")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("email"), "{body}");
}

#[tokio::test]
async fn the_live_stream_carries_other_agents_changes_on_every_backend() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "live@guichet.test", "Live", None).await;
    let ui = Ui::sign_in(&t, "live@guichet.test", "agent-password-1").await;
    let ticket = t
        .new_ticket(&t.admin.clone(), "Avant", "d@example.com")
        .await;
    let id = ticket["id"].as_i64().unwrap();
    let mut r = ui
        .http
        .get(format!("{}/live", t.base))
        .header(header::COOKIE, &ui.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut seen = String::new();
    let read_until = async |r: &mut reqwest::Response, seen: &mut String, what: &str| {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while !seen.contains(what) {
            let chunk = tokio::time::timeout_at(deadline, r.chunk())
                .await
                .expect("live event in time");
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
        }
    };
    read_until(&mut r, &mut seen, "event: ready").await;
    let (s, _) = t
        .admin(
            reqwest::Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"priority": "urgent"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // The creation's own event may arrive after the stream opened (it is
    // announced after its commit): wait for the update itself.
    read_until(&mut r, &mut seen, "\"what\":\"updated\"").await;
    assert!(seen.contains("event: case"), "{seen}");
    let update = seen
        .split("event: ")
        .find(|e| e.contains("\"what\":\"updated\""))
        .unwrap();
    assert!(update.contains(&format!("\"case_id\":{id}")), "{seen}");
    // Presence is only for staff and names the case.
    let (s, _) = ui
        .post(
            &format!("/cases/{id}/presence"),
            &[("state", "teleporting")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = ui
        .post(&format!("/cases/{id}/presence"), &[("state", "replying")])
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Another agent's page shows it.
    staff(&t, Role::Agent, "other@guichet.test", "Autre Agent", None).await;
    let other = Ui::sign_in(&t, "other@guichet.test", "agent-password-1").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (_, html) = other.get(&format!("/cases/{id}")).await;
        if html.contains("Live est en train de répondre") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "presence not shown");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_inbox_views_hold_what_their_names_say() {
    let t = spawn_app().await;
    let me = staff(&t, Role::Agent, "views@guichet.test", "Vues", None).await;
    let a = t
        .new_ticket(&t.admin.clone(), "Non attribué", "e@example.com")
        .await["id"]
        .as_i64()
        .unwrap();
    let b = t
        .new_ticket(&t.admin.clone(), "À moi", "f@example.com")
        .await["id"]
        .as_i64()
        .unwrap();
    t.admin(
        reqwest::Method::PUT,
        &format!("/api/v2/tickets/{b}.json"),
        Some(json!({"ticket": {"assignee_id": me}})),
    )
    .await;
    let c = t
        .new_ticket(&t.admin.clone(), "Attente", "g@example.com")
        .await["id"]
        .as_i64()
        .unwrap();
    t.admin(
        reqwest::Method::PUT,
        &format!("/api/v2/tickets/{c}.json"),
        Some(json!({"ticket": {"status": "pending", "assignee_id": me}})),
    )
    .await;
    let ui = Ui::sign_in(&t, "views@guichet.test", "agent-password-1").await;
    let has = |html: &str, id: i64| html.contains(&format!("data-id=\"{id}\""));
    let (_, mine) = ui.get("/inbox/mine").await;
    assert!(has(&mine, b) && has(&mine, c) && !has(&mine, a));
    let (_, un) = ui.get("/inbox/unassigned").await;
    assert!(has(&un, a) && !has(&un, b));
    let (_, pend) = ui.get("/inbox/pending").await;
    assert!(has(&pend, c) && !has(&pend, a) && !has(&pend, b));
    let (_, frag) = ui.get("/inbox/mine?partial=1").await;
    assert!(frag.starts_with("<tr"), "{frag}");
    let (s, _) = ui.get("/inbox/mine?priority=bogus").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The search page finds cases by their words.
    let (_, found) = ui.get("/search?q=attente").await;
    assert!(has(&found, c), "{found}");
}

#[tokio::test]
async fn the_authority_limit_is_a_total_per_case_in_the_limit_currency() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "tot@guichet.test", "Agent", Some(5_000)).await;
    let id = t
        .new_ticket(&t.admin.clone(), "Petits gestes", "h@example.com")
        .await["id"]
        .as_i64()
        .unwrap();
    let agent = Ui::sign_in(&t, "tot@guichet.test", "agent-password-1").await;
    let path = format!("/cases/{id}/compensations");
    for (amount, cur) in [("30", "EUR"), ("30", "EUR"), ("10", "KWD")] {
        let (s, _) = agent
            .post(
                &path,
                &[("kind", "voucher"), ("amount", amount), ("currency", cur)],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
    let st: Vec<(String, String)> = t
        .store
        .compensations(id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.currency, c.status))
        .collect();
    assert_eq!(
        st,
        [
            ("EUR".into(), "approved".into()),
            ("EUR".into(), "requested".into()),
            ("KWD".into(), "requested".into())
        ]
    );
}

#[tokio::test]
async fn an_admin_writes_a_standard_down_and_the_case_page_shows_its_clock() {
    let t = spawn_app().await;
    staff(&t, Role::Supervisor, "sup3@guichet.test", "Sup", None).await;
    let admin = Ui::sign_in(&t, "admin@guichet.test", "admin-password-1").await;
    let mut week: Vec<(String, String)> = vec![
        ("name".into(), "Bureau".into()),
        ("time_zone".into(), "Europe/Paris".into()),
    ];
    for d in 1..=5 {
        week.push((format!("d{d}_0_open"), "09:00".into()));
        week.push((format!("d{d}_0_close"), "18:00".into()));
    }
    let form: Vec<(&str, &str)> = week.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let (s, loc) = admin.post("/admin/calendars/new", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let (s, body) = admin
        .post(
            "/admin/calendars/new",
            &[
                ("name", "Mauvais"),
                ("time_zone", "Europe/Paris"),
                ("d1_0_open", "18:00"),
                ("d1_0_close", "09:00"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let cal = t
        .app
        .calendars(&t.actor(t.admin_id, Role::Admin))
        .await
        .unwrap()[0]
        .row
        .id
        .to_string();
    let (s, loc) = admin
        .post(
            &format!("/admin/calendars/{cal}/holidays"),
            &[("name", "Noël"), ("date", "2026-12-25"), ("recurring", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let (s, loc) = admin
        .post(
            "/admin/standards",
            &[
                ("name", "Première réponse e-mail"),
                ("metric", "first_response"),
                ("target", "90"),
                ("threshold", "4"),
                ("unit", "hours"),
                ("unacceptable", "8"),
                ("warn", "75"),
                ("calendar", &cal),
                ("channel", "email"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let (_, html) = admin.get("/admin/standards").await;
    assert!(html.contains("Première réponse e-mail"), "{html}");
    assert!(html.contains("90"), "the sentence names the share");
    let (_, html) = admin.get(&format!("/admin/calendars/{cal}")).await;
    assert!(html.contains("Noël"), "{html}");
    // A threshold that is not a number names its field.
    let (s, body) = admin
        .post(
            "/admin/standards",
            &[
                ("name", "X"),
                ("metric", "first_response"),
                ("target", "90"),
                ("threshold", "quatre"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Named by its label, not its input name (issue 16).
    assert!(body.contains("En moins de"), "{body}");
    assert!(!body.contains("threshold :"), "{body}");
    // Only admins write standards down.
    let sup = Ui::sign_in(&t, "sup3@guichet.test", "agent-password-1").await;
    let (s, _) = sup
        .post(
            "/admin/standards",
            &[
                ("name", "Y"),
                ("metric", "first_response"),
                ("target", "90"),
                ("threshold", "1"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // An email case now carries the clock, shown with its time left.
    t.app.invalidate_standards();
    let (s, b) = t
        .admin(reqwest::Method::POST, "/api/v2/tickets.json", Some(json!({"ticket": {"subject": "Mail", "channel": "email",
            "comment": {"body": "Bonjour"}, "requester": {"name": "R", "email": "r@example.com"}}})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["ticket"]["id"].as_i64().unwrap();
    assert_eq!(t.store.case(id).await.unwrap().unwrap().channel, "email");
    let (_, page) = admin.get(&format!("/cases/{id}")).await;
    assert!(page.contains("Première réponse e-mail"), "{page}");
    assert!(page.contains("class=\"left\""), "time left shown");
    // Deactivating it is one click.
    let std_id = t
        .app
        .standards(&t.actor(t.admin_id, Role::Admin))
        .await
        .unwrap()[0]
        .id;
    let (s, _) = admin
        .post(
            &format!("/admin/standards/{std_id}/active"),
            &[("active", "0")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        !t.app
            .standards(&t.actor(t.admin_id, Role::Admin))
            .await
            .unwrap()[0]
            .active
    );
}

#[tokio::test]
async fn a_stale_form_does_not_undo_a_colleagues_change() {
    let t = spawn_app().await;
    let a_id = staff(&t, Role::Agent, "one@guichet.test", "Un", None).await;
    staff(&t, Role::Supervisor, "two@guichet.test", "Deux", None).await;
    let id = t
        .new_ticket(&t.admin.clone(), "Partagé", "i@example.com")
        .await["id"]
        .as_i64()
        .unwrap();
    let one = Ui::sign_in(&t, "one@guichet.test", "agent-password-1").await;
    let seen = t
        .store
        .case(id)
        .await
        .unwrap()
        .unwrap()
        .updated_at
        .to_string();
    // A colleague assigns the case after the page was shown…
    t.clock.advance(jiff::SignedDuration::from_secs(5));
    t.admin(
        reqwest::Method::PUT,
        &format!("/api/v2/tickets/{id}.json"),
        Some(json!({"ticket": {"assignee_id": a_id, "tags": ["vip"]}})),
    )
    .await;
    // …so saving the old form (no assignee, no tags) is refused instead of undoing it.
    let (s, body) = one
        .post(
            &format!("/cases/{id}/properties"),
            &[
                ("seen", &seen),
                ("status", "open"),
                ("priority", "high"),
                ("kind", "question"),
                ("tags", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("rechargez"), "{body}");
    // The case page comes back as it is now: the colleague's tag shows, not the old form.
    assert!(body.contains("id=\"props-error\""), "{body}");
    assert!(
        body.contains("id=\"p-tags\" name=\"tags\" value=\"vip\""),
        "{body}"
    );
    let c = t.store.case(id).await.unwrap().unwrap();
    assert_eq!(c.assignee_id, Some(a_id));
    assert_eq!(c.tags, "vip");
    // With the fresh page it goes through.
    let seen = c.updated_at.to_string();
    let (s, _) = one
        .post(
            &format!("/cases/{id}/properties"),
            &[
                ("seen", &seen),
                ("status", "open"),
                ("priority", "high"),
                ("kind", "question"),
                ("assignee", &a_id.to_string()),
                ("tags", "vip"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        t.store.case(id).await.unwrap().unwrap().priority.as_deref(),
        Some("high")
    );
    // A second canned answer with a taken shortcut is a field error, not a failure.
    let two = Ui::sign_in(&t, "two@guichet.test", "agent-password-1").await;
    for expected in [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY] {
        let (s, body) = two
            .post(
                "/admin/canned",
                &[("shortcut", "bonjour"), ("title", "B"), ("body", "Bonjour")],
            )
            .await;
        assert_eq!(s, expected, "{body}");
        if s == StatusCode::UNPROCESSABLE_ENTITY {
            // Beside the field, in words (issue 16), never the database's.
            assert!(body.contains("id=\"nca-shortcut-err\""), "{body}");
            assert!(body.contains("cette valeur est déjà utilisée"), "{body}");
            assert!(!body.to_lowercase().contains("unique"), "{body}");
        }
    }
}

#[tokio::test]
async fn a_supervisor_is_notified_of_an_approval_request_and_opening_it_leads_to_the_case() {
    let t = spawn_app().await;
    staff(
        &t,
        Role::Agent,
        "ask@guichet.test",
        "Demandeur",
        Some(1_000),
    )
    .await;
    staff(
        &t,
        Role::Supervisor,
        "boss@guichet.test",
        "Cheffe",
        Some(100_000),
    )
    .await;
    let id = t
        .new_ticket(&t.admin.clone(), "Geste", "j@example.com")
        .await["id"]
        .as_i64()
        .unwrap();
    let agent = Ui::sign_in(&t, "ask@guichet.test", "agent-password-1").await;
    let boss = Ui::sign_in(&t, "boss@guichet.test", "agent-password-1").await;
    let (_, before) = boss.get("/inbox/mine").await;
    assert!(!before.contains("id=\"unread\""), "nothing unread yet");
    agent
        .post(
            &format!("/cases/{id}/compensations"),
            &[("kind", "gift"), ("amount", "25"), ("currency", "EUR")],
        )
        .await;
    let (_, after) = boss.get("/inbox/mine").await;
    assert!(after.contains("id=\"unread\">1<"), "{after}");
    let (s, page) = boss.get("/notifications").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("Un geste commercial attend votre validation"),
        "{page}"
    );
    let nid = page
        .split("class=\"notification unread\" id=\"n")
        .nth(1)
        .and_then(|x| x.split('"').next())
        .unwrap()
        .to_string();
    let (s, loc) = boss.post(&format!("/notifications/{nid}/open"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc, format!("/cases/{id}"));
    let (_, again) = boss.get("/inbox/mine").await;
    assert!(!again.contains("id=\"unread\""), "read now");
    // Someone else's notification is not theirs to open.
    let (s, _) = agent.post(&format!("/notifications/{nid}/open"), &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn agents_are_asked_to_acknowledge_a_new_charter_version_until_they_do() {
    let t = spawn_app().await;
    staff(&t, Role::Agent, "read@guichet.test", "Lectrice", None).await;
    let admin = Ui::sign_in(&t, "admin@guichet.test", "admin-password-1").await;
    let agent = Ui::sign_in(&t, "read@guichet.test", "agent-password-1").await;
    assert!(
        !agent
            .get("/inbox/mine")
            .await
            .1
            .contains("id=\"charter-banner\"")
    );
    let (s, _) = admin
        .post(
            "/admin/charter",
            &[(
                "vision",
                "Chaque client reçoit une réponse claire et rapide.",
            )],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = agent.get("/inbox/mine").await;
    assert!(page.contains("id=\"charter-banner\""), "{page}");
    let (_, charter) = agent.get("/charter").await;
    assert!(charter.contains("Chaque client reçoit une réponse claire et rapide."));
    let (_, acks) = admin.get("/admin/charter").await;
    let pending = acks
        .split("id=\"acks-pending\"")
        .nth(1)
        .unwrap_or("")
        .to_string();
    assert!(
        acks.contains("Lectrice") && pending.contains("Lectrice"),
        "{acks}"
    );
    let (s, _) = agent.post("/charter/1/acknowledge", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        !agent
            .get("/inbox/mine")
            .await
            .1
            .contains("id=\"charter-banner\"")
    );
    assert!(
        agent
            .get("/charter")
            .await
            .1
            .contains("id=\"charter-acked\"")
    );
    // An agent cannot publish.
    assert_eq!(
        agent.post("/admin/charter", &[("vision", "Non")]).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn malformed_addresses_and_forms_get_translated_pages_not_plain_text() {
    let t = spawn_app().await;
    staff(&t, Role::Supervisor, "bad@guichet.test", "Bad", None).await;
    let ui = Ui::sign_in(&t, "bad@guichet.test", "agent-password-1").await;
    let (s, html) = ui.get("/cases/abc").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        html.contains("<html lang=\"fr\"") && html.contains("error-message"),
        "{html}"
    );
    // A form missing a field names it, in the agent's language.
    let (s, html) = ui
        .post("/admin/canned", &[("title", "Sans raccourci")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"nca-shortcut-err\"") && html.contains("Raccourci"),
        "{html}"
    );
    let (s, html) = ui.get("/inbox/mine?page=beaucoup").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("query"), "{html}");
}
