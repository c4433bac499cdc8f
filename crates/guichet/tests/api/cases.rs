//! Cases: create/show/update through the API, lifecycle, events, transfers, merge, link,
//! compensation, bulk jobs, idempotency, pagination, roles.

use crate::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn create_returns_ticket_audit_and_location_and_show_works_with_and_without_json() {
    let t = spawn_app().await;
    let r = t
        .req(Method::POST, "/api/v2/tickets.json", &t.admin)
        .json(&json!({"ticket": {"subject": "Colis abîmé", "comment": {"body": "Arrivé cassé"}, "priority": "high",
            "requester": {"name": "Élodie Martin", "email": "Elodie@Exemple.fr"}, "tags": ["colis", "VIP"], "kind": "complaint",
            "channel": "phone", "journey_stage": "post-purchase"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let (_, b) = body_of(r).await;
    let id = b["ticket"]["id"].as_i64().unwrap();
    assert!(
        loc.ends_with(&format!("/api/v2/tickets/{id}.json")),
        "{loc}"
    );
    assert_eq!(b["ticket"]["status"], "new");
    assert_eq!(b["ticket"]["priority"], "high");
    assert_eq!(b["ticket"]["tags"], json!(["colis", "vip"]));
    assert_eq!(b["ticket"]["kind"], "complaint");
    assert_eq!(b["ticket"]["via"]["channel"], "phone");
    assert_eq!(b["audit"]["events"][0]["type"], "Comment");
    assert_eq!(b["audit"]["events"][0]["body"], "Arrivé cassé");
    for path in [
        format!("/api/v2/tickets/{id}.json"),
        format!("/api/v2/tickets/{id}"),
    ] {
        let (s, b) = t.admin(Method::GET, &path, None).await;
        assert_eq!(s, 200);
        assert_eq!(b["ticket"]["subject"], "Colis abîmé");
        assert_eq!(b["ticket"]["description"], "Arrivé cassé");
    }
    // The requester was created as a customer with the lower-cased email.
    let rid = b["ticket"]["requester_id"].as_i64().unwrap();
    let (_, u) = t
        .admin(Method::GET, &format!("/api/v2/users/{rid}.json"), None)
        .await;
    assert_eq!(u["user"]["email"], "elodie@exemple.fr");
    assert_eq!(u["user"]["role"], "end-user");
}

#[tokio::test]
async fn update_is_a_merge_and_every_change_is_an_event() {
    let t = spawn_app().await;
    let tk = t
        .new_ticket(&t.admin, "Facture erronée", "a@client.fr")
        .await;
    let id = tk["id"].as_i64().unwrap();
    let (s, b) = t
        .admin(Method::PUT, &format!("/api/v2/tickets/{id}.json"), Some(json!({"ticket": {"priority": "urgent", "comment": {"body": "Vu en interne", "public": false}}})))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["ticket"]["subject"], "Facture erronée",
        "untouched fields stay"
    );
    assert_eq!(b["ticket"]["priority"], "urgent");
    assert_eq!(
        b["ticket"]["status"], "new",
        "an internal note does not open the case"
    );
    let (_, c) = t
        .admin(
            Method::GET,
            &format!("/api/v2/tickets/{id}/comments.json"),
            None,
        )
        .await;
    assert_eq!(c["count"], 2);
    assert_eq!(c["comments"][1]["public"], false);
    let (_, e) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}/events"), None)
        .await;
    let kinds: Vec<String> = e["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["kind"].as_str().unwrap(),
                e["field"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        ["created:", "comment:", "field_changed:priority", "note:"]
    );
    assert_eq!(e["events"][2]["old_value"], json!(null));
    assert_eq!(e["events"][2]["new_value"], "urgent");
    assert_eq!(e["events"][2]["actor_id"], t.admin_id);
}

#[tokio::test]
async fn lifecycle_customer_reply_reopens_solved_confirm_closes_and_closed_is_final() {
    let t = spawn_app().await;
    let (cust, cust_id) = t.user_with_role(Role::EndUser, "client@exemple.fr").await;
    let tk = t
        .new_ticket(&cust, "Mot de passe perdu", "ignored@x.fr")
        .await;
    let id = tk["id"].as_i64().unwrap();
    assert_eq!(
        tk["requester_id"], cust_id,
        "a customer is always the requester of their case"
    );
    let p = format!("/api/v2/tickets/{id}.json");
    let (_, b) = t
        .admin(
            Method::PUT,
            &p,
            Some(json!({"ticket": {"comment": {"body": "Voici un lien"}}})),
        )
        .await;
    assert_eq!(
        b["ticket"]["status"], "open",
        "first public agent reply opens a new case"
    );
    let (_, b) = t
        .admin(
            Method::PUT,
            &p,
            Some(json!({"ticket": {"status": "solved"}})),
        )
        .await;
    assert_eq!(b["ticket"]["status"], "solved");
    let (s, b) = t
        .call(
            Method::PUT,
            &p,
            &cust,
            Some(json!({"ticket": {"comment": {"body": "Ça ne marche toujours pas"}}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["ticket"]["status"], "open");
    // The reopen count is internal: the customer's view leaves it out; staff see it.
    assert!(b["ticket"].get("reopen_count").is_none());
    let (_, staff) = t.admin(Method::GET, &p, None).await;
    assert_eq!(staff["ticket"]["reopen_count"], 1);
    t.admin(
        Method::PUT,
        &p,
        Some(json!({"ticket": {"status": "solved"}})),
    )
    .await;
    let (s, b) = t
        .admin(Method::POST, &format!("/api/v2/tickets/{id}/confirm"), None)
        .await;
    assert_eq!(s, 403, "only the customer confirms: {b}");
    let (s, b) = t
        .call(
            Method::POST,
            &format!("/api/v2/tickets/{id}/confirm"),
            &cust,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["ticket"]["status"], "closed");
    let (s, b) = t
        .admin(
            Method::PUT,
            &p,
            Some(json!({"ticket": {"priority": "low"}})),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(b["details"]["status"][0]["code"], "case-closed");
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!(
                "/api/v2/tickets/{}.json",
                t.new_ticket(&t.admin, "x", "y@z.fr").await["id"]
            ),
            Some(json!({"ticket": {"status": "closed"}})),
        )
        .await;
    assert_eq!(s, 422, "agents cannot close: {b}");
}

#[tokio::test]
async fn solved_cases_close_after_the_quiet_period() {
    let t = spawn_app().await;
    let id = t.new_ticket(&t.admin, "Retard", "r@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let other = t.new_ticket(&t.admin, "Autre", "r@x.fr").await["id"]
        .as_i64()
        .unwrap();
    t.admin(
        Method::PUT,
        &format!("/api/v2/tickets/{id}"),
        Some(json!({"ticket": {"status": "solved"}})),
    )
    .await;
    t.clock.advance(jiff::SignedDuration::from_hours(95));
    assert_eq!(t.app.close_quiet_solved().await.unwrap(), 0);
    t.clock.advance(jiff::SignedDuration::from_hours(2));
    assert_eq!(t.app.close_quiet_solved().await.unwrap(), 1);
    assert_eq!(t.app.close_quiet_solved().await.unwrap(), 0, "never twice");
    let (_, b) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}"), None)
        .await;
    assert_eq!(b["ticket"]["status"], "closed");
    let (_, b) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{other}"), None)
        .await;
    assert_eq!(b["ticket"]["status"], "new");
}

#[tokio::test]
async fn reassignment_between_agents_or_teams_counts_as_a_transfer() {
    let t = spawn_app().await;
    let (_, a1) = t.user_with_role(Role::Agent, "a1@guichet.test").await;
    let (_, a2) = t.user_with_role(Role::Agent, "a2@guichet.test").await;
    let id = t.new_ticket(&t.admin, "Transfert", "c@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let p = format!("/api/v2/tickets/{id}");
    let (_, b) = t
        .admin(
            Method::PUT,
            &p,
            Some(json!({"ticket": {"assignee_id": a1}})),
        )
        .await;
    assert_eq!(
        b["ticket"]["transfer_count"], 0,
        "first assignment is not a transfer"
    );
    let (_, b) = t
        .admin(
            Method::PUT,
            &p,
            Some(json!({"ticket": {"assignee_id": a2}})),
        )
        .await;
    assert_eq!(b["ticket"]["transfer_count"], 1);
    let (s, b) = t
        .admin(
            Method::PUT,
            &p,
            Some(json!({"ticket": {"assignee_id": 999999}})),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(b["details"]["assignee_id"][0]["error"], "InvalidReference");
}

#[tokio::test]
async fn customers_see_only_their_own_cases_and_never_internal_notes() {
    let t = spawn_app().await;
    let (c1, _) = t.user_with_role(Role::EndUser, "un@client.fr").await;
    let (c2, _) = t.user_with_role(Role::EndUser, "deux@client.fr").await;
    let mine = t.new_ticket(&c1, "Le mien", "x@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let theirs = t.new_ticket(&c2, "Le sien", "x@x.fr").await["id"]
        .as_i64()
        .unwrap();
    t.admin(
        Method::PUT,
        &format!("/api/v2/tickets/{mine}"),
        Some(json!({"ticket": {"comment": {"body": "note secrète", "public": false}}})),
    )
    .await;
    let (s, _) = t
        .call(Method::GET, &format!("/api/v2/tickets/{theirs}"), &c1, None)
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .call(
            Method::PUT,
            &format!("/api/v2/tickets/{theirs}"),
            &c1,
            Some(json!({"ticket": {"comment": {"body": "hack"}}})),
        )
        .await;
    assert_eq!(s, 404);
    let (_, l) = t.call(Method::GET, "/api/v2/tickets.json", &c1, None).await;
    let ids: Vec<i64> = l["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [mine]);
    let (_, c) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/{mine}/comments"),
            &c1,
            None,
        )
        .await;
    assert_eq!(c["count"], 1);
    assert!(!c.to_string().contains("secrète"));
    let (_, s) = t
        .call(
            Method::GET,
            "/api/v2/search.json?query=type:ticket",
            &c1,
            None,
        )
        .await;
    assert_eq!(s["count"], 1);
    let (st, _) = t
        .call(
            Method::PUT,
            &format!("/api/v2/tickets/{mine}"),
            &c1,
            Some(json!({"ticket": {"priority": "urgent"}})),
        )
        .await;
    assert_eq!(st, 403, "customers may only comment");
    for path in [
        "/api/v2/users.json",
        "/api/v2/groups.json",
        "/api/v2/organizations.json",
        &format!("/api/v2/tickets/{mine}/events"),
    ] {
        let (st, _) = t.call(Method::GET, path, &c1, None).await;
        assert_eq!(st, 403, "{path}");
    }
}

#[tokio::test]
async fn roles_are_enforced_and_credentials_are_required() {
    let t = spawn_app().await;
    let (analyst, _) = t.user_with_role(Role::Analyst, "an@guichet.test").await;
    let (agent, _) = t.user_with_role(Role::Agent, "ag@guichet.test").await;
    let id = t.new_ticket(&t.admin, "Lecture", "c@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/{id}"),
            &analyst,
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = t
        .call(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            &analyst,
            Some(json!({"ticket": {"priority": "low"}})),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = t
        .call(
            Method::POST,
            "/api/v2/groups.json",
            &agent,
            Some(json!({"group": {"name": "Support"}})),
        )
        .await;
    assert_eq!(s, 403, "groups are admin-only");
    let (s, _) = t
        .call(
            Method::POST,
            "/api/v2/users.json",
            &agent,
            Some(json!({"user": {"name": "X", "email": "x@guichet.test", "role": "admin"}})),
        )
        .await;
    assert_eq!(s, 403, "agents cannot create staff");
    let r = t
        .http
        .get(format!("{}/api/v2/tickets.json", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = t
        .http
        .get(format!("{}/api/v2/tickets.json", t.base))
        .basic_auth("admin@guichet.test/token", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A valid token presented with another user's email is refused.
    let r = t
        .http
        .get(format!("{}/api/v2/tickets.json", t.base))
        .basic_auth("ag@guichet.test/token", Some(&t.admin.1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = t
        .http
        .get(format!("{}/api/v2/tickets.json", t.base))
        .bearer_auth(&t.admin.1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = t
        .http
        .get(format!("{}/api/v2/tickets.json", t.base))
        .basic_auth("admin@guichet.test", Some("admin-password-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "email + password works too");
    let (s, me) = body_of(
        t.http
            .get(format!("{}/api/v2/users/me.json", t.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        me["user"]["id"],
        json!(null),
        "anonymous user, as Zendesk does"
    );
}

#[tokio::test]
async fn cursor_and_offset_pagination_visit_every_ticket_once() {
    let t = spawn_app().await;
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(
            t.new_ticket(&t.admin, &format!("Page {i}"), "p@x.fr").await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let mut seen = Vec::new();
    let mut url = format!("{}/api/v2/tickets.json?page%5Bsize%5D=3", t.base);
    loop {
        let (s, b) = body_of(
            t.http
                .get(&url)
                .basic_auth(&t.admin.0, Some(&t.admin.1))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        seen.extend(
            b["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_i64().unwrap()),
        );
        if b["meta"]["has_more"] == json!(false) {
            assert_eq!(b["links"]["next"], json!(null));
            break;
        }
        url = b["links"]["next"].as_str().unwrap().to_string();
        assert!(
            url.starts_with(&t.base),
            "links are absolute on the client's host"
        );
    }
    assert_eq!(seen, created);
    let (_, b) = t
        .admin(Method::GET, "/api/v2/tickets.json?page=2&per_page=5", None)
        .await;
    assert_eq!(b["count"], 7);
    assert_eq!(b["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(b["next_page"], json!(null));
    assert!(b["previous_page"].as_str().unwrap().contains("page=1"));
    let (_, b) = t
        .admin(
            Method::GET,
            &format!(
                "/api/v2/tickets/show_many.json?ids={},{}",
                created[0], created[3]
            ),
            None,
        )
        .await;
    assert_eq!(b["count"], 2);
}

#[tokio::test]
async fn bulk_jobs_report_per_item_results() {
    let t = spawn_app().await;
    let (s, b) = t
        .admin(Method::POST, "/api/v2/tickets/create_many.json", Some(json!({"tickets": [
            {"subject": "Un", "comment": {"body": "1"}}, {"subject": "Deux", "comment": {"body": "2"}},
            {"subject": "Trois", "comment": {"body": "3"}, "assignee_id": 424242}]})))
        .await;
    assert_eq!(s, 200, "{b}");
    let job = &b["job_status"];
    assert_eq!(job["status"], "completed");
    let results = job["results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .filter(|r| r["success"] == json!(true))
            .count(),
        2
    );
    assert_eq!(results[2]["success"], false);
    let ids: Vec<i64> = results.iter().filter_map(|r| r["id"].as_i64()).collect();
    let (_, shown) = t
        .admin(
            Method::GET,
            &format!("/api/v2/job_statuses/{}.json", job["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(shown["job_status"]["total"], 3);
    let (_, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/update_many.json?ids={},{}", ids[0], ids[1]),
            Some(json!({"ticket": {"status": "pending"}})),
        )
        .await;
    assert_eq!(b["job_status"]["results"][1]["status"], "Updated");
    let (_, one) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{}", ids[1]), None)
        .await;
    assert_eq!(one["ticket"]["status"], "pending");
    let many: Vec<_> = (0..101)
        .map(|i| json!({"subject": format!("s{i}")}))
        .collect();
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets/create_many.json",
            Some(json!({"tickets": many})),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "TooManyValues");
    let (_, b) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/tickets/destroy_many.json?ids={}", ids[0]),
            None,
        )
        .await;
    assert_eq!(b["job_status"]["results"][0]["success"], true);
    let (s, _) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{}", ids[0]), None)
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn idempotency_key_replays_the_first_create() {
    let t = spawn_app().await;
    let body = json!({"ticket": {"subject": "Une seule fois", "comment": {"body": "x"}}});
    let send = |b: serde_json::Value| {
        t.req(Method::POST, "/api/v2/tickets", &t.admin)
            .header("Idempotency-Key", "k-123")
            .json(&b)
            .send()
    };
    let r1 = send(body.clone()).await.unwrap();
    assert_eq!(r1.status(), 201);
    let (_, b1) = body_of(r1).await;
    let r2 = send(body.clone()).await.unwrap();
    assert_eq!(r2.headers()["idempotent-replayed"], "true");
    let (_, b2) = body_of(r2).await;
    assert_eq!(b1["ticket"]["id"], b2["ticket"]["id"]);
    let (s, b) = body_of(
        send(json!({"ticket": {"subject": "Autre", "comment": {"body": "y"}}}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    let (_, c) = t
        .admin(
            Method::GET,
            "/api/v2/search/count.json?query=type:ticket",
            None,
        )
        .await;
    assert_eq!(c["count"], 1);
}

#[tokio::test]
async fn merge_link_and_compensation_within_and_above_authority() {
    let t = spawn_app().await;
    let (agent, agent_id) = t.user_with_role(Role::Agent, "agent@guichet.test").await;
    let a = t.new_ticket(&t.admin, "Doublon A", "d@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let b = t.new_ticket(&t.admin, "Doublon B", "d@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let c = t.new_ticket(&t.admin, "Lié", "d@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let (s, m) = t
        .call(
            Method::POST,
            &format!("/api/v2/tickets/{a}/merge"),
            &agent,
            Some(json!({"ids": [b]})),
        )
        .await;
    assert_eq!(s, 200, "{m}");
    let (_, src) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{b}"), None)
        .await;
    assert_eq!(src["ticket"]["status"], "closed");
    assert_eq!(src["ticket"]["merged_into_id"], a);
    let (_, com) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{a}/comments"), None)
        .await;
    assert_eq!(com["count"], 2, "comments moved to the target");
    let (s, _) = t
        .call(
            Method::POST,
            &format!("/api/v2/tickets/{a}/links"),
            &agent,
            Some(json!({"link": {"ticket_id": c, "kind": "related"}})),
        )
        .await;
    assert_eq!(s, 201);
    let (_, l) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{c}/links"), None)
        .await;
    assert_eq!(l["links"][0]["ticket_id"], a);
    let (s, small) = t
        .call(
            Method::POST,
            &format!("/api/v2/tickets/{a}/compensations"),
            &agent,
            Some(json!({"compensation": {"kind": "voucher", "amount": 20, "currency": "eur"}})),
        )
        .await;
    assert_eq!(s, 201, "{small}");
    assert_eq!(small["compensation"]["status"], "approved");
    assert_eq!(small["compensation"]["decided_by_id"], agent_id);
    let (_, big) = t
        .call(
            Method::POST,
            &format!("/api/v2/tickets/{a}/compensations"),
            &agent,
            Some(json!({"compensation": {"kind": "refund", "amount": 250.5, "currency": "EUR"}})),
        )
        .await;
    assert_eq!(
        big["compensation"]["status"], "requested",
        "above the agent's 50 € limit"
    );
    assert_eq!(big["compensation"]["amount_cents"], 25050);
    let (s, _) = t
        .call(
            Method::POST,
            &format!("/api/v2/tickets/{a}/compensations"),
            &agent,
            Some(json!({"compensation": {"kind": "refund", "amount": 1, "currency": "EURO"}})),
        )
        .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn complaint_register_fields_round_trip_and_are_logged() {
    let t = spawn_app().await;
    let id = t.new_ticket(&t.admin, "Plainte", "p@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let (s, b) = t
        .admin(Method::PUT, &format!("/api/v2/tickets/{id}"), Some(json!({"ticket": {"kind": "complaint", "complaint": {
            "agreed_solution": "Remplacement du produit", "promised_at": "2026-03-05T12:00:00Z", "follow_up_at": "2026-04-02",
            "root_cause": "Emballage insuffisant"}}})))
        .await;
    assert_eq!(s, 200, "{b}");
    let c = &b["ticket"]["complaint"];
    assert_eq!(c["agreed_solution"], "Remplacement du produit");
    assert_eq!(c["promised_at"], "2026-03-05T12:00:00Z");
    assert_eq!(c["follow_up_at"], "2026-04-02T00:00:00Z");
    let (_, e) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}/events"), None)
        .await;
    assert!(
        e["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "complaint.root_cause")
    );
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}"),
            Some(json!({"ticket": {"complaint": {"promised_at": "demain"}}})),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(
        b["details"]["promised_at"][0]["field"],
        "ticket.complaint.promised_at"
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let t = spawn_app_with(web::WebConfig {
        max_body_bytes: 1024,
        rate_limit_per_minute: 3,
    })
    .await;
    let mut last = None;
    for _ in 0..4 {
        last = Some(
            t.req(Method::GET, "/api/v2/tickets.json", &t.admin)
                .send()
                .await
                .unwrap(),
        );
    }
    let r = last.unwrap();
    assert_eq!(r.status(), 429);
    assert!(
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(r.headers()["x-rate-limit-remaining"], "0");
}

#[tokio::test]
async fn html_comments_keep_formatting_and_lose_active_content() {
    let t = spawn_app().await;
    let (s, b) = t
        .admin(Method::POST, "/api/v2/tickets.json", Some(json!({"ticket": {"subject": "HTML",
            "comment": {"html_body": "<p>Colis <b>abîmé</b></p><script>alert('x')</script><img src=x onerror=alert(1)><a href=\"javascript:alert(2)\">ici</a>"},
            "requester": {"email": "h@exemple.fr"}}})))
        .await;
    assert_eq!(s, 201, "{b}");
    let c = &b["audit"]["events"][0];
    let html = c["html_body"].as_str().expect("html");
    assert!(html.contains("<b>abîmé</b>"), "{html}");
    for bad in ["script", "onerror", "javascript:", "alert"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    let text = c["body"].as_str().expect("text");
    assert!(text.contains("Colis abîmé"), "{text}");
    assert!(!text.contains("alert"), "{text}");
}
