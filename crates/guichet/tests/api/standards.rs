//! Service standards through the API with a controllable clock: calendars, clocks paused
//! and resumed, next-response instances, warnings and breaches fired once across restarts
//! and nodes, attainment of a hand-built population, the charter.

use crate::{TestApp, spawn_app};
use domain::{Clock, Role};
use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const MIN: i64 = 60;

async fn standard(t: &TestApp, body: Value) -> i64 {
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/standards.json",
            Some(json!({ "standard": body })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["standard"]["id"].as_i64().unwrap()
}

async fn clocks(t: &TestApp, id: i64) -> Vec<Value> {
    let (s, b) = t
        .admin(
            Method::GET,
            &format!("/api/v2/tickets/{id}/clocks.json"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["clocks"].as_array().unwrap().clone()
}

fn of(clocks: &[Value], metric: &str) -> Vec<Value> {
    clocks
        .iter()
        .filter(|c| c["metric"] == metric)
        .cloned()
        .collect()
}

async fn put(t: &TestApp, who: &(String, String), id: i64, ticket: Value) -> Value {
    let (s, b) = t
        .call(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            who,
            Some(json!({ "ticket": ticket })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["ticket"].clone()
}

fn minutes(t: &TestApp, m: i64) {
    t.clock.advance(SignedDuration::from_secs(m * MIN));
}

fn at(t: &TestApp, plus_minutes: i64) -> String {
    (t.clock.now() + SignedDuration::from_secs(plus_minutes * MIN))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

async fn events_of_kind(t: &TestApp, id: i64, kind: &str) -> usize {
    let (_, b) = t
        .admin(
            Method::GET,
            &format!("/api/v2/tickets/{id}/events.json"),
            None,
        )
        .await;
    b["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .count()
}

#[tokio::test]
async fn pending_pauses_customer_wait_but_not_resolution() {
    let t = spawn_app().await;
    standard(&t, json!({"name": "Attente", "metric": "customer_wait", "threshold_minutes": 60, "target_percent": 90})).await;
    standard(&t, json!({"name": "Résolution", "metric": "resolution", "threshold_minutes": 60, "target_percent": 90})).await;
    let start = at(&t, 0);
    let id = t
        .new_ticket(&t.admin.clone(), "Colis abîmé", "c1@exemple.fr")
        .await["id"]
        .as_i64()
        .unwrap();
    let c = clocks(&t, id).await;
    assert_eq!(of(&c, "customer_wait")[0]["due_at"], at(&t, 60));
    minutes(&t, 10);
    put(&t, &t.admin.clone(), id, json!({"status": "pending"})).await;
    let c = clocks(&t, id).await;
    let wait = &of(&c, "customer_wait")[0];
    assert_eq!(wait["state"], "paused");
    assert_eq!(
        wait["due_at"],
        Value::Null,
        "a paused clock has no deadline"
    );
    assert_eq!(of(&c, "resolution")[0]["state"], "active");
    minutes(&t, 30);
    put(&t, &t.admin.clone(), id, json!({"status": "open"})).await;
    minutes(&t, 5);
    let c = clocks(&t, id).await;
    let wait = &of(&c, "customer_wait")[0];
    assert_eq!(wait["state"], "active");
    assert_eq!(wait["elapsed_business_minutes"], 15);
    assert_eq!(wait["elapsed_calendar_minutes"], 15);
    assert_eq!(wait["paused_spans"].as_array().unwrap().len(), 1);
    assert_eq!(wait["started_at"], start);
    // 10 minutes before the pause + 50 after resuming at +40 = due at +90.
    assert_eq!(wait["due_at"], at(&t, 90 - 45));
    let res = &of(&c, "resolution")[0];
    assert_eq!(res["due_at"], at(&t, 60 - 45), "resolution never pauses");
    assert_eq!(res["elapsed_business_minutes"], 45);
    // The case's inbox order follows its earliest deadline.
    let (_, b) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}.json"), None)
        .await;
    assert_eq!(b["ticket"]["due_at"], Value::Null);
    minutes(&t, 1);
    put(&t, &t.admin.clone(), id, json!({"status": "solved"})).await;
    let c = clocks(&t, id).await;
    assert_eq!(of(&c, "customer_wait")[0]["state"], "achieved");
    assert_eq!(of(&c, "resolution")[0]["state"], "achieved");
}

#[tokio::test]
async fn reopen_starts_a_next_response_instance_and_notes_never_answer() {
    let t = spawn_app().await;
    standard(&t, json!({"name": "Réponse suivante", "metric": "next_response", "threshold_minutes": 30, "target_percent": 90})).await;
    standard(&t, json!({"name": "Première réponse", "metric": "first_response", "threshold_minutes": 60, "target_percent": 90})).await;
    let (cust, _) = t.user_with_role(Role::EndUser, "c2@exemple.fr").await;
    let id = t.new_ticket(&cust, "Facture fausse", "x@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let admin = t.admin.clone();
    minutes(&t, 5);
    put(
        &t,
        &admin,
        id,
        json!({"comment": {"body": "Note interne", "public": false}}),
    )
    .await;
    let c = clocks(&t, id).await;
    assert_eq!(
        of(&c, "first_response")[0]["state"],
        "active",
        "a note is not a response"
    );
    assert!(of(&c, "next_response").is_empty());
    minutes(&t, 5);
    put(
        &t,
        &admin,
        id,
        json!({"comment": {"body": "Nous corrigeons."}, "status": "solved"}),
    )
    .await;
    let c = clocks(&t, id).await;
    assert_eq!(of(&c, "first_response")[0]["state"], "achieved");
    assert_eq!(of(&c, "first_response")[0]["elapsed_calendar_minutes"], 10);
    minutes(&t, 60);
    // The customer answers a solved case: it reopens and waits for a next response.
    let tk = put(&t, &cust, id, json!({"comment": {"body": "Toujours faux"}})).await;
    assert_eq!(tk["status"], "open");
    let c = clocks(&t, id).await;
    let next = of(&c, "next_response");
    assert_eq!(next.len(), 1);
    assert_eq!(next[0]["instance"], 1);
    assert_eq!(next[0]["state"], "active");
    assert_eq!(next[0]["due_at"], at(&t, 30));
    // A second customer message before any answer does not start another instance.
    minutes(&t, 2);
    put(
        &t,
        &cust,
        id,
        json!({"comment": {"body": "Vous êtes là ?"}}),
    )
    .await;
    assert_eq!(of(&clocks(&t, id).await, "next_response").len(), 1);
    minutes(&t, 40);
    put(&t, &admin, id, json!({"comment": {"body": "Corrigé."}})).await;
    let next = of(&clocks(&t, id).await, "next_response");
    assert_eq!(
        next[0]["state"], "breached",
        "answered 42 minutes after a 30-minute standard"
    );
    minutes(&t, 1);
    put(
        &t,
        &cust,
        id,
        json!({"comment": {"body": "Merci, et l'avoir ?"}}),
    )
    .await;
    let next = of(&clocks(&t, id).await, "next_response");
    assert_eq!(next.len(), 2);
    assert_eq!(next[1]["instance"], 2);
    assert_eq!(next[1]["state"], "active");
}

#[tokio::test]
async fn business_hours_deadlines_skip_nights_weekends_and_holidays() {
    let t = spawn_app().await;
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/business_hours/schedules.json",
            Some(json!({"schedule": {"name": "Bureau Paris", "time_zone": "Europe/Paris",
                "intervals": [{"start_time": 1980, "end_time": 2460}, {"start_time": 3420, "end_time": 3900},
                              {"start_time": 4860, "end_time": 5340}, {"start_time": 6300, "end_time": 6780},
                              {"start_time": 7740, "end_time": 8220}]}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let cal = b["schedule"]["id"].as_i64().unwrap();
    let sid = standard(
        &t,
        json!({"name": "Premier e-mail", "metric": "first_response", "threshold_minutes": 60,
        "target_percent": 95, "unacceptable_minutes": 480, "calendar_id": cal,
        "scope": {"channels": ["email"]}}),
    )
    .await;
    let (_, b) = t
        .admin(Method::GET, &format!("/api/v2/standards/{sid}.json"), None)
        .await;
    assert_eq!(
        b["standard"]["sentences"]["fr"],
        "95\u{202f}% des demandes reçoivent une première réponse en moins d’une heure \
         ouvrée, pour les e-mails\u{202f}; au-delà de 8 heures ouvrées, c’est inacceptable."
    );
    // Friday 6 March 2026, 16:30 in Paris (UTC+1).
    t.clock.set("2026-03-06T15:30:00Z".parse().unwrap());
    let mk = |subject: &'static str| {
        json!({"ticket": {"subject": subject, "channel": "email", "comment": {"body": "Bonjour"},
            "requester": {"name": "Client", "email": "c3@exemple.fr"}}})
    };
    let (_, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(mk("Vendredi soir")),
        )
        .await;
    let friday = b["ticket"]["id"].as_i64().unwrap();
    let c = clocks(&t, friday).await;
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0]["due_at"], "2026-03-09T08:30:00Z",
        "Monday 09:30 in Paris"
    );
    assert_eq!(c[0]["warn_at"], "2026-03-09T08:15:00Z");
    // A case on another channel is outside the standard's scope.
    let (_, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "API", "comment": {"body": "x"}}})),
        )
        .await;
    assert!(
        clocks(&t, b["ticket"]["id"].as_i64().unwrap())
            .await
            .is_empty()
    );
    // Monday becomes a holiday: cases created from now on are due Tuesday.
    let (s, b) = t
        .admin(
            Method::POST,
            &format!("/api/v2/business_hours/schedules/{cal}/holidays.json"),
            Some(json!({"holiday": {"name": "Fermeture", "start_date": "2026-03-09", "end_date": "2026-03-09"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(mk("Vendredi soir, après le congé")),
        )
        .await;
    let c = clocks(&t, b["ticket"]["id"].as_i64().unwrap()).await;
    assert_eq!(
        c[0]["due_at"], "2026-03-10T08:30:00Z",
        "Tuesday 09:30 in Paris"
    );
    // An agent reply Monday 09:20 (before the holiday existed, the first case was due 09:30).
    t.clock.set("2026-03-09T08:20:00Z".parse().unwrap());
    put(
        &t,
        &t.admin.clone(),
        friday,
        json!({"comment": {"body": "Réponse"}}),
    )
    .await;
    let c = clocks(&t, friday).await;
    assert_eq!(c[0]["state"], "achieved");
    assert_eq!(c[0]["elapsed_calendar_minutes"], 3890);
    // The schedule reads back in Zendesk's shape.
    let (_, b) = t
        .admin(Method::GET, "/api/v2/business_hours/schedules.json", None)
        .await;
    assert_eq!(b["schedules"][0]["intervals"][0]["start_time"], 1980);
    assert_eq!(b["schedules"][0]["holidays"][0]["start_date"], "2026-03-09");
    let (_, b) = t
        .admin(Method::GET, "/api/v2/slas/policies.json", None)
        .await;
    assert_eq!(
        b["sla_policies"][0]["policy_metrics"][0]["metric"],
        "first_reply_time"
    );
    assert_eq!(
        b["sla_policies"][0]["policy_metrics"][0]["business_hours"],
        true
    );
}

#[tokio::test]
async fn warning_breach_and_unacceptable_fire_exactly_once_across_restarts_and_nodes() {
    let t = spawn_app().await;
    let (agent, agent_id) = t.user_with_role(Role::Agent, "agent@guichet.test").await;
    let (sup, sup_id) = t
        .user_with_role(Role::Supervisor, "chef@guichet.test")
        .await;
    let (_, b) = t
        .admin(
            Method::POST,
            "/api/v2/groups.json",
            Some(json!({"group": {"name": "Niveau 1"}})),
        )
        .await;
    let team = b["group"]["id"].as_i64().unwrap();
    for u in [agent_id, sup_id] {
        let (s, b) = t
            .admin(
                Method::POST,
                "/api/v2/group_memberships.json",
                Some(json!({"group_membership": {"group_id": team, "user_id": u}})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    standard(
        &t,
        json!({"name": "Réponse rapide", "metric": "first_response", "threshold_minutes": 10,
        "unacceptable_minutes": 20, "target_percent": 90, "warn_percent": 80,
        "actions": {"raise_priority": true}}),
    )
    .await;
    let (_, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(
                json!({"ticket": {"subject": "Panne", "comment": {"body": "Rien ne marche"},
            "group_id": team, "assignee_id": agent_id, "priority": "normal",
            "requester": {"name": "Client", "email": "c4@exemple.fr"}}}),
            ),
        )
        .await;
    let id = b["ticket"]["id"].as_i64().unwrap();
    assert_eq!(t.app.run_due_jobs(100).await.unwrap(), 0, "nothing due yet");
    minutes(&t, 8);
    assert_eq!(t.app.run_due_jobs(100).await.unwrap(), 1);
    assert_eq!(events_of_kind(&t, id, "standard_warning").await, 1);
    assert_eq!(events_of_kind(&t, id, "standard_breached").await, 0);
    minutes(&t, 3);
    // A restart: new nodes over the same database, two of them at once, twice.
    for _ in 0..2 {
        let store = store::Store::connect(&t._db.url, &store::StoreOptions::default())
            .await
            .unwrap();
        let node = app::App::new(store, t.clock.clone(), app::AppConfig::default());
        let (a, b) = tokio::join!(node.run_due_jobs(100), t.app.run_due_jobs(100));
        a.unwrap();
        b.unwrap();
    }
    assert_eq!(
        events_of_kind(&t, id, "standard_breached").await,
        1,
        "breach fires exactly once"
    );
    assert_eq!(events_of_kind(&t, id, "standard_warning").await, 1);
    let (_, b) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}.json"), None)
        .await;
    assert_eq!(
        b["ticket"]["priority"], "high",
        "breach action raises the priority"
    );
    let c = clocks(&t, id).await;
    assert_eq!(c[0]["state"], "active");
    assert_eq!(c[0]["breached"], true);
    assert!(c[0]["breached_at"].is_string());
    for who in [&agent, &sup] {
        let (s, b) = t
            .call(Method::GET, "/api/v2/notifications.json", who, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let kinds: Vec<&str> = b["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["standard_breached", "standard_warning"]);
    }
    minutes(&t, 10);
    t.app.run_due_jobs(100).await.unwrap();
    t.app.run_due_jobs(100).await.unwrap();
    assert_eq!(events_of_kind(&t, id, "standard_unacceptable").await, 1);
    let (_, b) = t
        .admin(Method::GET, "/api/v2/notifications.json?unread=true", None)
        .await;
    assert_eq!(
        b["notifications"][0]["kind"], "standard_unacceptable",
        "management (admins) hears of it"
    );
    let nid = b["notifications"][0]["id"].as_i64().unwrap();
    let (s, _) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/notifications/{nid}/read"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, b) = t
        .admin(Method::GET, "/api/v2/notifications.json?unread=true", None)
        .await;
    assert_eq!(b["notifications"].as_array().unwrap().len(), 0);
    // Nothing is left to fire; the job is gone.
    minutes(&t, 600);
    assert_eq!(t.app.run_due_jobs(100).await.unwrap(), 0);
}

#[tokio::test]
async fn attainment_of_a_hand_built_population_matches_a_hand_computed_share() {
    let t = spawn_app().await;
    let (a1, a1_id) = t.user_with_role(Role::Agent, "a1@guichet.test").await;
    let (a2, a2_id) = t.user_with_role(Role::Agent, "a2@guichet.test").await;
    let sid = standard(
        &t,
        json!({"name": "Une heure", "metric": "first_response", "threshold_minutes": 60,
        "target_percent": 80}),
    )
    .await;
    // Six cases: a1 answers three in time and one late; a2 answers one in time; one stays
    // unanswered past its deadline.
    let mut ids = vec![];
    for (i, who) in [a1_id, a1_id, a1_id, a1_id, a2_id, a2_id]
        .iter()
        .enumerate()
    {
        let (_, b) = t
            .admin(
                Method::POST,
                "/api/v2/tickets.json",
                Some(json!({"ticket": {"subject": format!("Cas {i}"),
                "comment": {"body": "?"}, "assignee_id": who,
                "requester": {"name": "Client", "email": format!("p{i}@exemple.fr")}}})),
            )
            .await;
        ids.push(b["ticket"]["id"].as_i64().unwrap());
    }
    minutes(&t, 30);
    for (id, who) in [(ids[0], &a1), (ids[1], &a1), (ids[2], &a1), (ids[4], &a2)] {
        put(&t, who, id, json!({"comment": {"body": "Réponse"}})).await;
    }
    minutes(&t, 60);
    put(
        &t,
        &a1,
        ids[3],
        json!({"comment": {"body": "Réponse tardive"}}),
    )
    .await;
    let (s, b) = t
        .admin(
            Method::GET,
            &format!("/api/v2/standards/{sid}/attainment.json?window=day&group_by=agent"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let a = &b["attainment"];
    assert_eq!(a["achieved"], 4);
    assert_eq!(a["breached"], 1);
    assert_eq!(a["share_percent"], 80.0);
    assert_eq!(a["open"], 1);
    assert_eq!(a["overdue"], 1);
    assert_eq!(a["below_target"], false);
    assert_eq!(
        a["at_risk"], true,
        "the overdue case pulls the share to 4/6"
    );
    let groups = a["groups"].as_array().unwrap();
    let g1 = groups.iter().find(|g| g["agent_id"] == a1_id).unwrap();
    assert_eq!(
        (g1["achieved"].as_i64(), g1["breached"].as_i64()),
        (Some(3), Some(1))
    );
    assert_eq!(g1["share_percent"], 75.0);
    assert_eq!(g1["below_target"], true);
    let g2 = groups.iter().find(|g| g["agent_id"] == a2_id).unwrap();
    assert_eq!(
        (g2["achieved"].as_i64(), g2["overdue"].as_i64()),
        (Some(1), Some(1))
    );
    // A window in the past has nothing.
    let (_, b) = t
        .admin(
            Method::GET,
            &format!("/api/v2/standards/{sid}/attainment.json?start_time=1000&end_time=2000"),
            None,
        )
        .await;
    assert_eq!(b["attainment"]["achieved"], 0);
    assert_eq!(b["attainment"]["share_percent"], Value::Null);
    let (s, b) = t
        .admin(
            Method::GET,
            &format!("/api/v2/standards/{sid}/attainment.json?window=year"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
}

#[tokio::test]
async fn the_charter_is_published_acknowledged_and_tracked_per_agent() {
    let t = spawn_app().await;
    let (agent, agent_id) = t.user_with_role(Role::Agent, "ag@guichet.test").await;
    let (sup, _) = t.user_with_role(Role::Supervisor, "sup@guichet.test").await;
    standard(
        &t,
        json!({"name": "Appels", "metric": "first_response", "threshold_minutes": 2,
        "target_percent": 90, "scope": {"channels": ["phone"]}}),
    )
    .await;
    let (s, _) = t
        .call(
            Method::POST,
            "/api/v2/charter/versions.json",
            &agent,
            Some(json!({"charter": {"vision": "x"}})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only administrators publish");
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/charter/versions.json",
            Some(json!({"charter": {"vision": "Chaque client compte."}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(b["charter"]["version"], 1);
    let r = t
        .req(Method::GET, "/api/v2/charter.json", &agent)
        .header("Accept-Language", "fr-FR,fr;q=0.9")
        .send()
        .await
        .unwrap();
    let (_, b) = crate::body_of(r).await;
    assert_eq!(b["charter"]["vision"], "Chaque client compte.");
    assert_eq!(
        b["charter"]["standards"][0]["sentence"],
        "90\u{202f}% des demandes reçoivent une première réponse en moins de 2 minutes, pour le téléphone."
    );
    assert_eq!(b["charter"]["acknowledged_at"], Value::Null);
    let (_, b) = t
        .call(Method::GET, "/api/v2/notifications.json", &agent, None)
        .await;
    assert_eq!(b["notifications"][0]["kind"], "charter_published");
    let (_, b) = t
        .call(
            Method::GET,
            "/api/v2/charter/versions/1/acknowledgements.json",
            &sup,
            None,
        )
        .await;
    let pending: Vec<i64> = b["acknowledgements"]["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_id"].as_i64().unwrap())
        .collect();
    assert!(pending.contains(&agent_id), "{b}");
    assert_eq!(
        b["acknowledgements"]["acknowledged"][0]["user_id"],
        t.admin_id
    );
    let (s, b) = t
        .call(
            Method::POST,
            "/api/v2/charter/versions/1/acknowledge.json",
            &agent,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, b) = t
        .call(
            Method::GET,
            "/api/v2/charter/versions/1/acknowledgements.json",
            &sup,
            None,
        )
        .await;
    assert!(
        b["acknowledgements"]["acknowledged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["user_id"] == agent_id)
    );
    let (s, _) = t
        .call(
            Method::GET,
            "/api/v2/charter/versions/1/acknowledgements.json",
            &agent,
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "agents do not see who acknowledged"
    );
    let (s, _) = t
        .call(
            Method::POST,
            "/api/v2/charter/versions/9/acknowledge.json",
            &agent,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A new version asks again.
    t.admin(
        Method::POST,
        "/api/v2/charter/versions.json",
        Some(json!({"charter": {"vision": "Version 2"}})),
    )
    .await;
    let (_, b) = t
        .call(Method::GET, "/api/v2/charter.json", &agent, None)
        .await;
    assert_eq!(b["charter"]["version"], 2);
    assert_eq!(b["charter"]["acknowledged_at"], Value::Null);
}

#[tokio::test]
async fn standards_and_schedules_reject_bad_input_and_enforce_roles() {
    let t = spawn_app().await;
    let (agent, _) = t.user_with_role(Role::Agent, "ag2@guichet.test").await;
    let (cust, _) = t.user_with_role(Role::EndUser, "cu@exemple.fr").await;
    let post = |b: Value| {
        t.admin(
            Method::POST,
            "/api/v2/standards.json",
            Some(json!({"standard": b})),
        )
    };
    let (s, b) = post(json!({"name": "x", "metric": "telepathy", "threshold_minutes": 5})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("metric"), "{b}");
    let (s, b) = post(json!({"name": "x", "metric": "resolution", "threshold_minutes": 0})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["details"]["threshold_minutes"].is_array(), "{b}");
    let (s, b) = post(json!({"name": "x", "metric": "resolution", "threshold_minutes": 60, "unacceptable_minutes": 30})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["details"]["unacceptable_minutes"].is_array(), "{b}");
    let (s, b) = post(
        json!({"name": "x", "metric": "resolution", "threshold_minutes": 60, "calendar_id": 999}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = post(json!({"name": "x", "metric": "resolution", "threshold_minutes": 60, "scope": {"channels": ["pigeon"]}})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let sched = |b: Value| {
        t.admin(
            Method::POST,
            "/api/v2/business_hours/schedules.json",
            Some(json!({"schedule": b})),
        )
    };
    let (s, b) = sched(json!({"name": "x", "time_zone": "Mars/Olympus"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["details"]["time_zone"].is_array(), "{b}");
    let (s, b) = sched(json!({"name": "x", "time_zone": "Europe/Paris", "intervals": [{"start_time": 1400, "end_time": 1500}]})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an interval may not cross midnight: {b}"
    );
    let (s, b) = sched(json!({"name": "Ok", "time_zone": "America/New_York"})).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let cal = b["schedule"]["id"].as_i64().unwrap();
    let (s, b) = t
        .admin(
            Method::POST,
            &format!("/api/v2/business_hours/schedules/{cal}/holidays.json"),
            Some(json!({"holiday": {"name": "x", "start_date": "2026-13-01"}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let sid = standard(&t, json!({"name": "Résolution", "metric": "resolution", "threshold_minutes": 60, "calendar_id": cal})).await;
    let (s, b) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/business_hours/schedules/{cal}.json"),
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a schedule in use stays: {b}"
    );
    let (s, _) = t
        .call(
            Method::POST,
            "/api/v2/standards.json",
            &agent,
            Some(
                json!({"standard": {"name": "x", "metric": "resolution", "threshold_minutes": 5}}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t
        .call(Method::GET, "/api/v2/standards.json", &agent, None)
        .await;
    assert_eq!(s, StatusCode::OK, "agents read the standards");
    for path in [
        "/api/v2/standards.json",
        "/api/v2/business_hours/schedules.json",
        "/api/v2/charter.json",
        "/api/v2/notifications.json",
        &format!("/api/v2/standards/{sid}/attainment.json"),
    ] {
        let (s, _) = t.call(Method::GET, path, &cust, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "customers see nothing of {path}");
    }
    let tk = t.new_ticket(&cust, "Mon cas", "x@x.fr").await;
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/{}/clocks.json", tk["id"]),
            &cust,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "customers do not see clocks");
    // Deleting the standard stops its clocks.
    let (s, _) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/standards/{sid}.json"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    put(
        &t,
        &t.admin.clone(),
        tk["id"].as_i64().unwrap(),
        json!({"priority": "high"}),
    )
    .await;
    let c = clocks(&t, tk["id"].as_i64().unwrap()).await;
    assert_eq!(c[0]["state"], "cancelled");
}

#[tokio::test]
async fn a_standard_created_later_measures_existing_cases_from_their_history() {
    let t = spawn_app().await;
    let (cust, _) = t.user_with_role(Role::EndUser, "c9@exemple.fr").await;
    let admin = t.admin.clone();
    let id = t.new_ticket(&cust, "Garantie", "x@x.fr").await["id"]
        .as_i64()
        .unwrap();
    minutes(&t, 20);
    put(
        &t,
        &admin,
        id,
        json!({"comment": {"body": "Envoyez la facture."}}),
    )
    .await;
    minutes(&t, 10);
    put(&t, &admin, id, json!({"status": "pending"})).await;
    minutes(&t, 20);
    standard(&t, json!({"name": "Première réponse", "metric": "first_response", "threshold_minutes": 60, "target_percent": 90})).await;
    standard(&t, json!({"name": "Attente", "metric": "customer_wait", "threshold_minutes": 60, "target_percent": 90})).await;
    assert!(
        clocks(&t, id).await.is_empty(),
        "untouched cases are measured at their next event"
    );
    minutes(&t, 5);
    // +55: the customer answers; the clocks are rebuilt from the case's history.
    put(&t, &cust, id, json!({"comment": {"body": "La voici."}})).await;
    let c = clocks(&t, id).await;
    let first = &of(&c, "first_response")[0];
    assert_eq!(first["state"], "achieved");
    assert_eq!(first["elapsed_calendar_minutes"], 20);
    let wait = &of(&c, "customer_wait")[0];
    assert_eq!(wait["state"], "active", "{wait}");
    assert_eq!(
        wait["elapsed_business_minutes"], 30,
        "pending from +30 to +55 does not count"
    );
    assert_eq!(wait["due_at"], at(&t, 30));
}

/// A write refreshes the cached standards before it takes its connection: with as many
/// concurrent writers as the pool has connections, a refresh inside the transaction would
/// wait for a connection none of them gives back (found by `bench ui` on PostgreSQL).
#[tokio::test]
async fn concurrent_writes_with_a_cold_standards_cache_do_not_exhaust_a_small_pool() {
    let db = crate::fresh_database().await;
    let store = store::Store::connect(
        &db.url,
        &store::StoreOptions {
            max_connections: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    store.migrate(0).await.unwrap();
    let app = app::App::new(
        store,
        std::sync::Arc::new(domain::SystemClock),
        app::AppConfig::default(),
    );
    let admin = app
        .create_admin("pool@guichet.test", "Pool", "admin-password-1")
        .await
        .unwrap();
    let actor = app::Actor {
        user_id: admin.user.id,
        role: domain::Role::Admin,
        name: "Pool".into(),
    };
    app.invalidate_standards();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (app, actor) = (app.clone(), actor.clone());
        tasks.push(tokio::spawn(async move {
            app.create_case(
                &actor,
                app::cases::NewCase {
                    subject: Some(format!("Concurrent {i}")),
                    requester: Some(app::cases::RequesterRef::Email {
                        email: domain::EmailAddress::parse(&format!("p{i}@example.com")).unwrap(),
                        name: None,
                        locale: None,
                    }),
                    ..Default::default()
                },
                None,
            )
            .await
        }));
    }
    let all = tokio::time::timeout(std::time::Duration::from_secs(8), async {
        let mut out = vec![];
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    })
    .await
    .expect("no write waits for a connection it holds");
    assert!(
        all.iter().all(|r| r.is_ok()),
        "{:?}",
        all.iter().find(|r| r.is_err())
    );
}
