//! Regression tests for the security review (issue 14), one or more per finding; each runs
//! on SQLite and, with `GUICHET_TEST_DATABASE_URL`, on PostgreSQL.

use crate::*;
use domain::Clock;
use reqwest::Method;
use serde_json::{Value, json};

/// A customer with API credentials, and a ticket an agent opened for them whose first
/// comment is an internal note.
async fn customer_with_internal_first_note(t: &TestApp) -> ((String, String), i64, i64) {
    let (cust, cid) = t.user_with_role(Role::EndUser, "cliente@client.fr").await;
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(
                json!({"ticket": {"subject": "Appel du client", "requester_id": cid,
                "comment": {"body": "Note interne zebre: client difficile", "public": false}}}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    (cust, cid, b["ticket"]["id"].as_i64().unwrap())
}

fn no_leak(v: &Value, secrets: &[&str], what: &str) {
    let text = v.to_string();
    for s in secrets {
        assert!(!text.contains(s), "{what} leaks {s:?}: {text}");
    }
}

// ---------- the customer view is built by app (issue 15) ----------

#[tokio::test]
async fn a_case_on_hold_reads_open_for_its_customer_and_tags_and_team_never_show() {
    let t = spawn_app().await;
    let (cust, _, id) = customer_with_internal_first_note(&t).await;
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(
                json!({"ticket": {"status": "hold", "tags": ["vip_interne"], "priority": "high"}}),
            ),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["ticket"]["status"], "hold");
    for path in [
        format!("/api/v2/tickets/{id}.json"),
        "/api/v2/tickets.json".to_string(),
        format!("/api/v2/tickets/show_many.json?ids={id}"),
    ] {
        let (s, b) = t.call(Method::GET, &path, &cust, None).await;
        assert_eq!(s, 200, "{path}: {b}");
        let ticket = if b["ticket"].is_object() {
            b["ticket"].clone()
        } else {
            b["tickets"][0].clone()
        };
        assert_eq!(ticket["id"], id, "{path}: {b}");
        assert_eq!(ticket["status"], "open", "{path}: {b}");
        assert_eq!(ticket["priority"], "high", "{path}: {b}");
        assert!(ticket.get("tags").is_none(), "{path}: {b}");
        assert!(ticket.get("group_id").is_none(), "{path}: {b}");
        no_leak(&b, &["vip_interne", "zebre"], &path);
    }
    // Another customer never gets it, even by id.
    let (other, _) = t.user_with_role(Role::EndUser, "autre@client.fr").await;
    let (s, b) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/show_many.json?ids={id}"),
            &other,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["tickets"], json!([]), "{b}");
}

// ---------- 1. internal note as description ----------

#[tokio::test]
async fn a_case_opened_with_an_internal_note_never_shows_it_to_the_customer() {
    let t = spawn_app().await;
    let (cust, _, id) = customer_with_internal_first_note(&t).await;
    let (_, staff) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}.json"), None)
        .await;
    assert_eq!(
        staff["ticket"]["description"],
        "Note interne zebre: client difficile"
    );
    for path in [
        format!("/api/v2/tickets/{id}.json"),
        "/api/v2/tickets.json".to_string(),
        format!("/api/v2/tickets/show_many.json?ids={id}"),
        "/api/v2/search.json?query=type:ticket".to_string(),
        format!("/api/v2/tickets/{id}/comments.json"),
    ] {
        let (s, b) = t.call(Method::GET, &path, &cust, None).await;
        assert_eq!(s, 200, "{path}: {b}");
        no_leak(&b, &["zebre", "difficile"], &path);
    }
    let (_, b) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/{id}.json"),
            &cust,
            None,
        )
        .await;
    assert_eq!(b["ticket"]["description"], "");
    // The first public message becomes the customer's description.
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"comment": {"body": "Bonjour, nous avons bien noté votre appel"}}})),
        )
        .await;
    assert_eq!(s, 200);
    let (_, b) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/{id}.json"),
            &cust,
            None,
        )
        .await;
    assert_eq!(
        b["ticket"]["description"],
        "Bonjour, nous avons bien noté votre appel"
    );
    let (_, l) = t
        .call(Method::GET, "/api/v2/tickets.json", &cust, None)
        .await;
    assert_eq!(
        l["tickets"][0]["description"],
        "Bonjour, nous avons bien noté votre appel"
    );
}

// ---------- 6. end-user view ----------

#[tokio::test]
async fn a_customer_gets_the_end_user_view_without_internal_fields() {
    let t = spawn_app().await;
    let (cust, cid) = t.user_with_role(Role::EndUser, "vue@client.fr").await;
    let (_, agent_id) = t.user_with_role(Role::Agent, "agent@guichet.test").await;
    let (s, g) = t
        .admin(
            Method::POST,
            "/api/v2/groups.json",
            Some(json!({"group": {"name": "Litiges"}})),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    let gid = g["group"]["id"].as_i64().unwrap();
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "Réclamation colis", "requester_id": cid,
                "comment": {"body": "Mon colis est arrivé ouvert"},
                "tags": ["client_penible"], "assignee_id": agent_id, "group_id": gid,
                "received_by_id": agent_id, "kind": "complaint",
                "custom_fields": [{"id": 1, "value": "score_interne_12"}],
                "complaint": {"root_cause": "erreur entrepot Lyon", "prevention_suggestion": "former equipe nuit",
                              "agreed_solution": "Remplacement du colis"}}})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["ticket"]["id"].as_i64().unwrap();
    let secrets = [
        "client_penible",
        "score_interne_12",
        "erreur entrepot",
        "former equipe",
    ];
    for path in [
        format!("/api/v2/tickets/{id}.json"),
        "/api/v2/tickets.json".to_string(),
        format!("/api/v2/tickets/show_many.json?ids={id}"),
        "/api/v2/search.json?query=colis".to_string(),
    ] {
        let (s, b) = t.call(Method::GET, &path, &cust, None).await;
        assert_eq!(s, 200, "{path}: {b}");
        no_leak(&b, &secrets, &path);
        let tk = b
            .get("ticket")
            .cloned()
            .or_else(|| b["tickets"].get(0).cloned())
            .or_else(|| b["results"].get(0).cloned())
            .unwrap_or_else(|| panic!("{path}: no ticket in {b}"));
        assert_eq!(tk["id"], id, "{path}");
        for k in [
            "tags",
            "assignee_id",
            "group_id",
            "received_by_id",
            "kind",
            "transfer_count",
        ] {
            assert!(tk.get(k).is_none(), "{path}: {k} in the end-user view");
        }
        assert!(tk["complaint"].get("root_cause").is_none());
        assert!(tk["complaint"].get("prevention_suggestion").is_none());
        assert_eq!(tk["custom_fields"], json!([]));
        assert_eq!(tk["complaint"]["agreed_solution"], "Remplacement du colis");
        assert_eq!(tk["subject"], "Réclamation colis");
    }
    // A customer's own comment gets the end-user audit back: no internal field changes.
    let (s, b) = t
        .call(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            &cust,
            Some(json!({"ticket": {"comment": {"body": "Merci"}}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    no_leak(&b, &secrets, "customer update");
    assert!(b["ticket"].get("tags").is_none());
    // The staff view keeps everything.
    let (_, b) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}.json"), None)
        .await;
    assert_eq!(b["ticket"]["tags"], json!(["client_penible"]));
    assert_eq!(b["ticket"]["group_id"], gid);
    assert_eq!(
        b["ticket"]["complaint"]["root_cause"],
        "erreur entrepot Lyon"
    );
    // The customer's own profile leaves out the staff's notes about them.
    t.admin(
        Method::PUT,
        &format!("/api/v2/users/{cid}.json"),
        Some(json!({"user": {"notes": "rembourse deux fois deja", "tags": ["surveille"]}})),
    )
    .await;
    for path in [
        "/api/v2/users/me.json".to_string(),
        format!("/api/v2/users/{cid}.json"),
    ] {
        let (s, u) = t.call(Method::GET, &path, &cust, None).await;
        assert_eq!(s, 200);
        no_leak(&u, &["rembourse", "surveille"], &path);
        assert_eq!(u["user"]["id"], cid);
    }
}

// ---------- 5. customer search covers public text only ----------

#[tokio::test]
async fn a_customer_search_never_matches_words_only_in_internal_notes() {
    let t = spawn_app().await;
    let (cust, cid, first_note) = customer_with_internal_first_note(&t).await;
    let (s, b) = t
        .call(
            Method::POST,
            "/api/v2/tickets.json",
            &cust,
            Some(json!({"ticket": {"subject": "Facture", "comment": {"body": "Ma facture est fausse"}}})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["ticket"]["id"].as_i64().unwrap();
    t.admin(
        Method::PUT,
        &format!("/api/v2/tickets/{id}.json"),
        Some(json!({"ticket": {"comment": {"body": "Ornithorynque: geste refuse", "public": false}}})),
    )
    .await;
    let count = |who: (String, String), q: &'static str| {
        let t = &t;
        async move {
            let (s, b) = t
                .call(
                    Method::GET,
                    &format!("/api/v2/search.json?query={q}"),
                    &who,
                    None,
                )
                .await;
            assert_eq!(s, 200, "{q}: {b}");
            b["count"].as_i64().unwrap()
        }
    };
    assert_eq!(count(cust.clone(), "facture").await, 1);
    assert_eq!(count(cust.clone(), "ornithorynque").await, 0);
    assert_eq!(count(cust.clone(), "zebre").await, 0);
    assert_eq!(count(cust.clone(), "description:ornithorynque").await, 0);
    assert_eq!(count(t.admin.clone(), "ornithorynque").await, 1);
    assert_eq!(count(t.admin.clone(), "zebre").await, 1);
    // A rebuilt document (the requester changes its subject through staff) stays public.
    t.admin(
        Method::PUT,
        &format!("/api/v2/tickets/{id}.json"),
        Some(json!({"ticket": {"subject": "Facture de mars"}})),
    )
    .await;
    t.admin(
        Method::PUT,
        &format!("/api/v2/tickets/{first_note}.json"),
        Some(json!({"ticket": {"requester_id": cid, "subject": "Appel"}})),
    )
    .await;
    assert_eq!(count(cust.clone(), "ornithorynque").await, 0);
    assert_eq!(count(cust.clone(), "zebre").await, 0);
    assert_eq!(count(cust.clone(), "mars").await, 1);
    assert_eq!(count(t.admin.clone(), "ornithorynque").await, 1);
    // Keywords on internal fields are refused to customers (they would probe them).
    for q in ["tags:vip", "assignee:me", "group:none", "priority:high"] {
        let (s, b) = t
            .call(
                Method::GET,
                &format!("/api/v2/search.json?query={q}"),
                &cust,
                None,
            )
            .await;
        assert_eq!(s, 422, "{q}: {b}");
    }
}

// ---------- 9. staff-only fields on a customer's new case ----------

#[tokio::test]
async fn a_customer_creating_a_case_gets_a_422_naming_each_staff_only_field() {
    // Decision: a 422 naming the field rather than Zendesk's silent drop, so a client
    // learns what was refused.
    let t = spawn_app().await;
    let (cust, _) = t.user_with_role(Role::EndUser, "champ@client.fr").await;
    let (_, agent_id) = t.user_with_role(Role::Agent, "recu@guichet.test").await;
    let (_, o) = t
        .admin(
            Method::POST,
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": "Concurrent SA"}})),
        )
        .await;
    let org = o["organization"]["id"].as_i64().unwrap();
    let fields: Vec<(&str, Value)> = vec![
        ("priority", json!("urgent")),
        ("channel", json!("phone")),
        ("received_at", json!("2020-01-01T00:00:00Z")),
        ("organization_id", json!(org)),
        ("received_by_id", json!(agent_id)),
        ("custom_fields", json!([{"id": 1, "value": "x"}])),
        ("complaint", json!({"root_cause": "x"})),
        ("tags", json!(["vip"])),
        ("kind", json!("complaint")),
        ("due_at", json!("2030-01-01T00:00:00Z")),
        ("external_id", json!("crm-1")),
    ];
    for (k, v) in fields {
        let mut tk = json!({"subject": "Aide", "comment": {"body": "Bonjour"}});
        tk[k] = v;
        let (s, b) = t
            .call(
                Method::POST,
                "/api/v2/tickets.json",
                &cust,
                Some(json!({ "ticket": tk })),
            )
            .await;
        assert_eq!(s, 422, "{k}: {b}");
        assert_eq!(b["details"][k][0]["code"], "end-user-field", "{k}: {b}");
    }
    let (s, b) = t
        .call(
            Method::POST,
            "/api/v2/tickets.json",
            &cust,
            Some(json!({"ticket": {"subject": "Aide", "comment": {"body": "Bonjour"}}})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["ticket"]["id"].as_i64().unwrap();
    let (_, b) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}.json"), None)
        .await;
    assert_eq!(b["ticket"]["priority"], Value::Null);
    assert_eq!(b["ticket"]["channel"], "web");
    assert_eq!(b["ticket"]["received_by_id"], Value::Null);
    assert_eq!(b["ticket"]["received_at"], b["ticket"]["created_at"]);
}

// ---------- 2. identity claiming ----------

#[tokio::test]
async fn a_customer_cannot_claim_an_address_phone_or_external_id_through_their_profile() {
    let t = spawn_app().await;
    let (cust, cid) = t.user_with_role(Role::EndUser, "moi@client.fr").await;
    for (path, user) in [
        (
            "/api/v2/users/me.json".to_string(),
            json!({"email": "pdg@victime.fr"}),
        ),
        (
            format!("/api/v2/users/{cid}.json"),
            json!({"emails": ["moi@client.fr", "pdg@victime.fr"]}),
        ),
        (
            "/api/v2/users/me.json".to_string(),
            json!({"phone": "+33612345678"}),
        ),
        (
            format!("/api/v2/users/{cid}.json"),
            json!({"external_id": "crm-42"}),
        ),
    ] {
        let (s, b) = t
            .call(Method::PUT, &path, &cust, Some(json!({ "user": user })))
            .await;
        assert_eq!(s, 403, "{path} {user}: {b}");
    }
    let (_, u) = t
        .admin(Method::GET, &format!("/api/v2/users/{cid}.json"), None)
        .await;
    assert_eq!(u["user"]["emails"], json!(["moi@client.fr"]));
    assert_eq!(u["user"]["phones"], json!([]));
    assert_eq!(u["user"]["external_id"], Value::Null);
    // Mail to the address still creates a new customer, not a case in this account.
    let (s, _) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "x", "comment": {"body": "x"}, "requester": {"email": "pdg@victime.fr"}}})),
        )
        .await;
    assert_eq!(s, 201);
    let (_, l) = t
        .call(Method::GET, "/api/v2/tickets.json", &cust, None)
        .await;
    assert_eq!(l["count"], 0);
    // Other profile fields, and sending back one's own address, are fine.
    let (s, b) = t
        .call(
            Method::PUT,
            "/api/v2/users/me.json",
            &cust,
            Some(json!({"user": {"name": "Moi Même", "email": "moi@client.fr"}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["user"]["name"], "Moi Même");
    // Staff still add an address they have checked.
    let (agent, _) = t.user_with_role(Role::Agent, "ag@guichet.test").await;
    let (s, b) = t
        .call(
            Method::PUT,
            &format!("/api/v2/users/{cid}.json"),
            &agent,
            Some(json!({"user": {"emails": ["moi@client.fr", "moi.pro@client.fr"]}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["user"]["emails"],
        json!(["moi@client.fr", "moi.pro@client.fr"])
    );
}

// ---------- 17. who sets a password ----------

#[tokio::test]
async fn only_an_admin_or_the_user_sets_a_password() {
    let t = spawn_app().await;
    let (agent, _) = t.user_with_role(Role::Agent, "ag@guichet.test").await;
    let (sup, _) = t.user_with_role(Role::Supervisor, "sup@guichet.test").await;
    let (_, cid) = t.user_with_role(Role::EndUser, "victime@client.fr").await;
    for who in [&agent, &sup] {
        let (s, b) = t
            .call(
                Method::PUT,
                &format!("/api/v2/users/{cid}.json"),
                who,
                Some(json!({"user": {"password": "je-suis-le-client-1"}})),
            )
            .await;
        assert_eq!(s, 403, "{b}");
    }
    let mut basic = t
        .http
        .get(format!("{}/api/v2/users/me.json", t.base))
        .basic_auth("victime@client.fr", Some("je-suis-le-client-1"))
        .send()
        .await
        .unwrap();
    let (_, me) = body_of(basic).await;
    assert_eq!(
        me["user"]["id"],
        Value::Null,
        "the agent's password did not take"
    );
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/users/{cid}.json"),
            Some(json!({"user": {"password": "mot-de-passe-admin-1"}})),
        )
        .await;
    assert_eq!(s, 200);
    basic = t
        .http
        .get(format!("{}/api/v2/users/me.json", t.base))
        .basic_auth("victime@client.fr", Some("mot-de-passe-admin-1"))
        .send()
        .await
        .unwrap();
    let (_, me) = body_of(basic).await;
    assert_eq!(me["user"]["id"], cid);
}

// ---------- 16. credential lifecycle ----------

#[tokio::test]
async fn an_admin_password_reset_ends_the_users_sessions() {
    let t = spawn_app().await;
    let (_, aid) = t.user_with_role(Role::Agent, "sess@guichet.test").await;
    t.admin(
        Method::PUT,
        &format!("/api/v2/users/{aid}.json"),
        Some(json!({"user": {"password": "premier-mot-de-passe"}})),
    )
    .await;
    let (cookie, _) = t
        .app
        .sign_in("sess@guichet.test", "premier-mot-de-passe", "test")
        .await
        .unwrap();
    assert!(t.app.session(&cookie).await.is_ok());
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/users/{aid}.json"),
            Some(json!({"user": {"password": "second-mot-de-passe"}})),
        )
        .await;
    assert_eq!(s, 200);
    assert!(
        t.app.session(&cookie).await.is_err(),
        "the reset must end the session"
    );
}

#[tokio::test]
async fn changing_ones_own_password_through_the_api_needs_the_current_one() {
    let t = spawn_app().await;
    let (agent, aid) = t.user_with_role(Role::Agent, "moi@guichet.test").await;
    t.admin(
        Method::PUT,
        &format!("/api/v2/users/{aid}.json"),
        Some(json!({"user": {"password": "ancien-mot-de-passe"}})),
    )
    .await;
    let (s, b) = t
        .call(
            Method::PUT,
            "/api/v2/users/me.json",
            &agent,
            Some(json!({"user": {"password": "nouveau-mot-de-passe"}})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["details"]["current_password"][0]["code"], "required");
    let (s, b) = t
        .call(
            Method::PUT,
            "/api/v2/users/me.json",
            &agent,
            Some(json!({"user": {"password": "nouveau-mot-de-passe", "current_password": "pas-le-bon-du-tout"}})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        b["details"]["current_password"][0]["code"],
        "password-wrong"
    );
    assert!(
        t.app
            .authenticate_password("moi@guichet.test", "ancien-mot-de-passe")
            .await
            .is_ok()
    );
    let (s, b) = t
        .call(
            Method::PUT,
            "/api/v2/users/me.json",
            &agent,
            Some(json!({"user": {"password": "nouveau-mot-de-passe", "current_password": "ancien-mot-de-passe"}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(
        t.app
            .authenticate_password("moi@guichet.test", "nouveau-mot-de-passe")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn api_tokens_are_listed_revoked_expire_and_end_with_deactivation() {
    let t = spawn_app().await;
    let (agent, aid) = t.user_with_role(Role::Agent, "jeton@guichet.test").await;
    let (other, _) = t.user_with_role(Role::Agent, "autre@guichet.test").await;
    let (s, l) = t
        .call(Method::GET, "/api/v2/api_tokens.json", &agent, None)
        .await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(l["count"], 1);
    assert_eq!(l["api_tokens"][0]["user_id"], aid);
    no_leak(&l, &[agent.1.as_str()], "token list");
    let tid = l["api_tokens"][0]["id"].as_i64().unwrap();
    // An admin sees everyone's; an agent cannot see or revoke another's.
    let (_, all) = t.admin(Method::GET, "/api/v2/api_tokens.json", None).await;
    assert_eq!(all["count"], 3);
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v2/api_tokens.json?user_id={}", t.admin_id),
            &agent,
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .call(
            Method::DELETE,
            &format!("/api/v2/api_tokens/{tid}.json"),
            &other,
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .call(Method::GET, "/api/v2/tickets.json", &agent, None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = t
        .call(
            Method::DELETE,
            &format!("/api/v2/api_tokens/{tid}.json"),
            &agent,
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = t
        .call(Method::GET, "/api/v2/tickets.json", &agent, None)
        .await;
    assert_eq!(s, 401, "a revoked token is refused");
    // Expiry.
    let now = t.clock.now();
    let (_, tok) = t
        .app
        .create_token_expiring(
            "jeton@guichet.test",
            "court",
            Some(
                now.checked_add(jiff::SignedDuration::from_hours(1))
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    let short = ("jeton@guichet.test/token".to_string(), tok);
    let (s, _) = t
        .call(Method::GET, "/api/v2/tickets.json", &short, None)
        .await;
    assert_eq!(s, 200);
    t.clock.advance(jiff::SignedDuration::from_hours(2));
    let (s, _) = t
        .call(Method::GET, "/api/v2/tickets.json", &short, None)
        .await;
    assert_eq!(s, 401, "an expired token is refused");
    // Deactivation ends tokens for good: reactivating does not revive them.
    let (s, _) = t
        .call(Method::GET, "/api/v2/tickets.json", &other, None)
        .await;
    assert_eq!(s, 200);
    let oid = t
        .store
        .user_by_identity("email", "autre@guichet.test")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (s, _) = t
        .admin(Method::DELETE, &format!("/api/v2/users/{oid}.json"), None)
        .await;
    assert_eq!(s, 200);
    t.admin(
        Method::PUT,
        &format!("/api/v2/users/{oid}.json"),
        Some(json!({"user": {"active": true}})),
    )
    .await;
    let (s, _) = t
        .call(Method::GET, "/api/v2/tickets.json", &other, None)
        .await;
    assert_eq!(s, 401);
    let (_, l) = t
        .admin(
            Method::GET,
            &format!("/api/v2/api_tokens.json?user_id={oid}"),
            None,
        )
        .await;
    assert_eq!(l["count"], 0);
}

// ---------- 14. compensation authority ----------

#[tokio::test]
async fn a_supervisor_never_decides_their_own_request_and_the_case_total_counts() {
    let t = spawn_app().await;
    let (agent, _) = t.user_with_role(Role::Agent, "ag@guichet.test").await;
    let (sup, sup_id) = t.user_with_role(Role::Supervisor, "sup@guichet.test").await;
    let (_, sup2_id) = t
        .user_with_role(Role::Supervisor, "sup2@guichet.test")
        .await;
    let id = t.new_ticket(&t.admin, "Geste", "geste@client.fr").await["id"]
        .as_i64()
        .unwrap();
    let comp = |who: &(String, String), amount: f64| {
        let who = who.clone();
        let t = &t;
        async move {
            let (s, b) = t
                .call(
                    Method::POST,
                    &format!("/api/v2/tickets/{id}/compensations.json"),
                    &who,
                    Some(json!({"compensation": {"kind": "refund", "amount": amount, "currency": "EUR"}})),
                )
                .await;
            assert_eq!(s, 201, "{b}");
            b["compensation"].clone()
        }
    };
    // Within the agent's 50 EUR: approved at once.
    assert_eq!(comp(&agent, 40.0).await["status"], "approved");
    // 480 is within the supervisor's 500 alone, but the case total would be 520.
    let own = comp(&sup, 480.0).await;
    assert_eq!(own["status"], "requested");
    let own_id = own["id"].as_i64().unwrap();
    let sup_actor = t.actor(sup_id, Role::Supervisor);
    let e = t
        .app
        .decide_compensation(&sup_actor, id, own_id, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, app::AppError::Invalid(v) if v[0].code == "own-request"),
        "{e:?}"
    );
    let e = t
        .app
        .decide_compensation(&sup_actor, id, own_id, false)
        .await
        .unwrap_err();
    assert!(matches!(&e, app::AppError::Invalid(v) if v[0].code == "own-request"));
    let sup2 = t.actor(sup2_id, Role::Supervisor);
    let e = t
        .app
        .decide_compensation(&sup2, id, own_id, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, app::AppError::Invalid(v) if v[0].code == "over-authority"),
        "the case total (520) is above 500: {e:?}"
    );
    // A smaller request fits the total: 40 + 300 ≤ 500.
    let small = comp(&agent, 300.0).await;
    assert_eq!(small["status"], "requested");
    let ok = t
        .app
        .decide_compensation(&sup2, id, small["id"].as_i64().unwrap(), true)
        .await
        .unwrap();
    assert_eq!(ok.status, "approved");
    assert_eq!(ok.decided_by_id, Some(sup2_id));
    // The admin (no limit) decides the supervisor's request.
    let admin = t.actor(t.admin_id, Role::Admin);
    let ok = t
        .app
        .decide_compensation(&admin, id, own_id, true)
        .await
        .unwrap();
    assert_eq!(ok.status, "approved");
    let _ = sup;
}

// ---------- 8. merging across customers ----------

#[tokio::test]
async fn merging_cases_of_two_customers_is_refused_unless_merged_as_internal() {
    let t = spawn_app().await;
    let (ca, _) = t.user_with_role(Role::EndUser, "a@client.fr").await;
    let (cb, _) = t.user_with_role(Role::EndUser, "b@client.fr").await;
    let new = |who: &(String, String), body: &'static str| {
        let who = who.clone();
        let t = &t;
        async move {
            let (s, b) = t
                .call(
                    Method::POST,
                    "/api/v2/tickets.json",
                    &who,
                    Some(json!({"ticket": {"subject": "Commande", "comment": {"body": body}}})),
                )
                .await;
            assert_eq!(s, 201, "{b}");
            b["ticket"]["id"].as_i64().unwrap()
        }
    };
    let a1 = new(&ca, "Commande A premiere").await;
    let a2 = new(&ca, "Commande A seconde").await;
    let b1 = new(&cb, "Adresse secrete de B: 12 rue des Lilas").await;
    let (s, b) = t
        .admin(
            Method::POST,
            &format!("/api/v2/tickets/{a1}/merge.json"),
            Some(json!({"ids": [b1]})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["details"]["ids"][0]["code"], "merge-requesters");
    // Nothing moved: B still has their message.
    let (_, c) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/{b1}/comments.json"),
            &cb,
            None,
        )
        .await;
    assert_eq!(c["count"], 1);
    // Same customer: fine.
    let (s, b) = t
        .admin(
            Method::POST,
            &format!("/api/v2/tickets/{a1}/merge.json"),
            Some(json!({"ids": [a2]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // Explicitly as internal: B's messages arrive as internal notes A never sees.
    let (s, b) = t
        .admin(
            Method::POST,
            &format!("/api/v2/tickets/{a1}/merge.json"),
            Some(json!({"ids": [b1], "as_internal": true})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, c) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/{a1}/comments.json"),
            &ca,
            None,
        )
        .await;
    assert_eq!(c["count"], 2, "{c}");
    no_leak(&c, &["Lilas"], "A's comments");
    let (_, c) = t
        .admin(
            Method::GET,
            &format!("/api/v2/tickets/{a1}/comments.json"),
            None,
        )
        .await;
    assert!(
        c.to_string().contains("Lilas"),
        "staff keep B's text as a note"
    );
    let (s, _) = t
        .call(Method::GET, "/api/v2/search.json?query=lilas", &ca, None)
        .await;
    assert_eq!(s, 200);
    let (_, r) = t
        .call(Method::GET, "/api/v2/search.json?query=lilas", &ca, None)
        .await;
    assert_eq!(r["count"], 0);
}

// ---------- 21. safe update ----------

#[tokio::test]
async fn a_safe_update_with_an_old_stamp_is_a_409() {
    let t = spawn_app().await;
    let tk = t.new_ticket(&t.admin, "Sûr", "sur@client.fr").await;
    let id = tk["id"].as_i64().unwrap();
    let stamp = tk["updated_at"].as_str().unwrap().to_string();
    t.clock.advance(jiff::SignedDuration::from_secs(5));
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"priority": "high"}})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(
                json!({"ticket": {"priority": "low", "safe_update": true, "updated_stamp": stamp}}),
            ),
        )
        .await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["error"], "UpdateConflict");
    let (_, cur) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}.json"), None)
        .await;
    assert_eq!(cur["ticket"]["priority"], "high");
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"priority": "low", "safe_update": true, "updated_stamp": cur["ticket"]["updated_at"]}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"priority": "low", "safe_update": true}})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["details"]["updated_stamp"][0]["code"], "required");
}

#[tokio::test]
async fn concurrent_stale_saves_of_one_form_let_exactly_one_through() {
    let t = spawn_app().await;
    let tk = t.new_ticket(&t.admin, "Course", "course@client.fr").await;
    let id = tk["id"].as_i64().unwrap();
    let seen = t.store.case(id).await.unwrap().unwrap().updated_at;
    t.clock.advance(jiff::SignedDuration::from_secs(1));
    let admin = t.actor(t.admin_id, Role::Admin);
    let mut tasks = Vec::new();
    for p in [
        domain::Priority::Low,
        domain::Priority::Normal,
        domain::Priority::High,
        domain::Priority::Urgent,
    ] {
        let app = t.app.clone();
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            app.update_case(
                &admin,
                id,
                app::cases::CaseChanges {
                    priority: Some(Some(p)),
                    unchanged_since: Some(seen),
                    ..Default::default()
                },
            )
            .await
        }));
    }
    let mut ok = 0;
    for h in tasks {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(app::AppError::Conflict(f)) => assert_eq!(f.code, "stale"),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 1, "the check runs on the locked row");
}

// ---------- 19. idempotency fingerprint ----------

#[tokio::test]
async fn an_idempotency_key_reused_with_other_fields_is_a_422() {
    let t = spawn_app().await;
    let body = json!({"ticket": {"subject": "Une fois", "comment": {"body": "Bonjour"}, "priority": "low",
        "requester": {"email": "idem@client.fr"}}});
    let send = |b: Value| {
        let t = &t;
        async move {
            body_of(
                t.req(Method::POST, "/api/v2/tickets.json", &t.admin)
                    .header("Idempotency-Key", "cle-1")
                    .json(&b)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (s, first) = send(body.clone()).await;
    assert_eq!(s, 201);
    let (s, again) = send(body.clone()).await;
    assert_eq!(s, 201);
    assert_eq!(again["ticket"]["id"], first["ticket"]["id"]);
    for (k, v) in [
        ("priority", json!("urgent")),
        ("tags", json!(["vip"])),
        ("kind", json!("complaint")),
        ("comment", json!({"body": "Bonjour", "public": false})),
    ] {
        let mut b = body.clone();
        b["ticket"][k] = v;
        let (s, r) = send(b).await;
        assert_eq!(s, 422, "{k}: {r}");
        assert_eq!(
            r["details"]["Idempotency-Key"][0]["code"],
            "idempotency-mismatch"
        );
    }
}

// ---------- 22. search page overflow ----------

#[tokio::test]
async fn a_huge_search_page_is_a_4xx_never_a_5xx() {
    let t = spawn_app().await;
    t.new_ticket(&t.admin, "Page", "page@client.fr").await;
    for q in [
        "page=9223372036854775807",
        "page=9223372036854775807&per_page=100",
        "page=4611686018427387904&per_page=2",
        "page=1001&per_page=1",
    ] {
        let (s, b) = t
            .admin(
                Method::GET,
                &format!("/api/v2/search.json?query=page&{q}"),
                None,
            )
            .await;
        assert_eq!(s, 422, "{q}: {b}");
    }
    let (s, _) = t
        .admin(Method::GET, "/api/v2/search.json?query=page&page=1", None)
        .await;
    assert_eq!(s, 200);
}

// ---------- 24. subject LIKE wildcards ----------

#[tokio::test]
async fn subject_search_takes_percent_and_underscore_literally() {
    let t = spawn_app().await;
    for s in ["Remise 50% ete", "Remise 50 euros", "code a_b", "code axb"] {
        t.new_ticket(&t.admin, s, "like@client.fr").await;
    }
    let subjects = |q: &'static str| {
        let t = &t;
        async move {
            let (s, b) = t
                .admin(
                    Method::GET,
                    &format!("/api/v2/search.json?query={}", urlencode(q)),
                    None,
                )
                .await;
            assert_eq!(s, 200, "{q}: {b}");
            let mut v: Vec<String> = b["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["subject"].as_str().unwrap().to_string())
                .collect();
            v.sort();
            v
        }
    };
    assert_eq!(subjects("subject:50%").await, ["Remise 50% ete"]);
    assert_eq!(subjects("subject:a_b").await, ["code a_b"]);
    assert_eq!(subjects("subject:%").await, ["Remise 50% ete"]);
    assert_eq!(subjects("subject:_").await, ["code a_b"]);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
