//! Bad input gets a precise 4xx naming the field and writes nothing; random bodies never
//! produce a 5xx.

use crate::*;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};

async fn count(t: &TestApp) -> i64 {
    t.store.case_total().await.unwrap()
}

#[tokio::test]
async fn malformed_wrong_typed_missing_and_oversized_bodies_are_rejected_without_writes() {
    let t = spawn_app().await;
    let r = t
        .req(Method::POST, "/api/v2/tickets.json", &t.admin)
        .header("content-type", "application/json")
        .body("{\"ticket\": {")
        .send()
        .await
        .unwrap();
    let (s, b) = body_of(r).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "InvalidJSON");
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": ["x"]}})),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(b["details"]["subject"][0]["field"], "ticket.subject");
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"priority": "asap", "comment": {"body": "x"}}})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        b["details"]["priority"][0]["description"]
            .as_str()
            .unwrap()
            .contains("urgent"),
        "{b}"
    );
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"tiquet": {}})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(b["details"].to_string().contains("ticket"), "{b}");
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"priority": "low"}})),
        )
        .await;
    assert_eq!(s, 422, "no subject and no comment: {b}");
    assert_eq!(b["details"]["comment"][0]["error"], "BlankValue");
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "x", "requester": {"email": "pas-une-adresse"}}})),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(b["details"]["email"][0]["field"], "ticket.requester.email");
    let huge = "x".repeat(70 * 1024);
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "gros", "comment": {"body": huge}}})),
        )
        .await;
    assert_eq!(s, 413);
    assert_eq!(b["error"], "PayloadTooLarge");
    for q in [
        "page=0",
        "per_page=101",
        "page=abc",
        "page%5Bsize%5D=0",
        "page%5Bafter%5D=notacursor",
        "sort_by=mood",
    ] {
        let (s, b) = t
            .admin(Method::GET, &format!("/api/v2/tickets.json?{q}"), None)
            .await;
        assert_eq!(s, 400, "{q}: {b}");
        assert!(b["details"].is_object(), "{q}: {b}");
    }
    let (s, _) = t.admin(Method::GET, "/api/v2/tickets/abc", None).await;
    assert_eq!(s, 404);
    let (s, b) = t
        .admin(Method::GET, "/api/v2/nothing-here.json", None)
        .await;
    assert_eq!(
        (s.as_u16(), b["error"].as_str()),
        (404, Some("InvalidEndpoint"))
    );
    let (s, _) = t.admin(Method::PATCH, "/api/v2/tickets.json", None).await;
    assert_eq!(s, 405);
    assert_eq!(count(&t).await, 0, "nothing was written");
}

#[tokio::test]
async fn errors_are_translated_to_french_on_request() {
    let t = spawn_app().await;
    let r = t
        .req(Method::GET, "/api/v2/tickets/4242", &t.admin)
        .header("Accept-Language", "fr-FR,fr;q=0.9")
        .send()
        .await
        .unwrap();
    let (s, b) = body_of(r).await;
    assert_eq!(s, 404);
    assert_eq!(b["description"], "Introuvable");
    let r = t
        .req(Method::POST, "/api/v2/users", &t.admin)
        .header("Accept-Language", "fr")
        .json(&json!({"user": {"name": "A", "email": "admin@guichet.test"}}))
        .send()
        .await
        .unwrap();
    let (s, b) = body_of(r).await;
    assert_eq!(s, 422);
    assert!(
        b["details"]["email"][0]["description"]
            .as_str()
            .unwrap()
            .contains("déjà utilisé"),
        "{b}"
    );
}

fn random_value(rng: &mut impl Rng, depth: u32) -> Value {
    match rng.gen_range(0..if depth > 2 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.r#gen::<bool>()),
        2 => json!(rng.r#gen::<i64>()),
        3 => json!(rng.r#gen::<f64>() * 1e6),
        4 => {
            let pool = [
                "",
                "open",
                "solved",
                "closed",
                "urgent",
                "x@y.z",
                "not an email",
                "2026-01-01",
                "é\u{0}\u{202e}<script>",
                "9223372036854775807",
                "-1",
            ];
            json!(pool[rng.gen_range(0..pool.len())])
        }
        5 => Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "subject",
                "comment",
                "body",
                "status",
                "priority",
                "requester",
                "email",
                "name",
                "tags",
                "assignee_id",
                "group_id",
                "type",
                "kind",
                "due_at",
                "complaint",
                "promised_at",
                "id",
                "ids",
                "user",
                "role",
                "organization",
                "group",
                "link",
                "ticket_id",
                "compensation",
                "amount",
                "currency",
                "group_membership",
                "user_id",
                "tickets",
                "ticket",
            ];
            let mut m = serde_json::Map::new();
            for _ in 0..rng.gen_range(0..6) {
                m.insert(
                    keys[rng.gen_range(0..keys.len())].into(),
                    random_value(rng, depth + 1),
                );
            }
            Value::Object(m)
        }
    }
}

#[tokio::test]
async fn random_bodies_to_every_write_endpoint_never_cause_a_server_error() {
    let t = spawn_app().await;
    let id = t.new_ticket(&t.admin, "Cible", "f@x.fr").await["id"]
        .as_i64()
        .unwrap();
    let (_, cat) = t
        .admin(
            Method::POST,
            "/api/v2/categories",
            Some(json!({"category": {"name": "Cible"}})),
        )
        .await;
    let cat = cat["category"]["id"].as_i64().unwrap();
    let endpoints: Vec<(Method, String, &str)> = vec![
        (Method::POST, "/api/v2/categories".into(), "category"),
        (Method::PUT, format!("/api/v2/categories/{cat}"), "category"),
        (Method::POST, "/api/v2/tickets".into(), "ticket"),
        (Method::PUT, format!("/api/v2/tickets/{id}"), "ticket"),
        (
            Method::POST,
            "/api/v2/tickets/create_many".into(),
            "tickets",
        ),
        (
            Method::PUT,
            format!("/api/v2/tickets/update_many?ids={id}"),
            "ticket",
        ),
        (Method::POST, format!("/api/v2/tickets/{id}/merge"), ""),
        (Method::POST, format!("/api/v2/tickets/{id}/links"), "link"),
        (
            Method::POST,
            format!("/api/v2/tickets/{id}/compensations"),
            "compensation",
        ),
        (Method::POST, "/api/v2/users".into(), "user"),
        (Method::PUT, format!("/api/v2/users/{}", t.admin_id), "user"),
        (Method::POST, "/api/v2/organizations".into(), "organization"),
        (Method::POST, "/api/v2/groups".into(), "group"),
        (
            Method::POST,
            "/api/v2/group_memberships".into(),
            "group_membership",
        ),
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6e1c4e7);
    for round in 0..25 {
        for (m, path, wrap) in &endpoints {
            let inner = random_value(&mut rng, 0);
            let body = if wrap.is_empty() || round % 5 == 0 {
                inner
            } else {
                json!({ *wrap: inner })
            };
            let r = t
                .req(m.clone(), path, &t.admin)
                .json(&body)
                .send()
                .await
                .unwrap();
            let s = r.status();
            assert!(
                !s.is_server_error(),
                "{m} {path} with {body} → {s}: {}",
                r.text().await.unwrap_or_default()
            );
        }
        // Uploads take any bytes under any name; the name is cleaned, never trusted.
        let name: String = (0..rng.gen_range(0..12))
            .map(|_| char::from(rng.gen_range(0x20u8..0x7f)))
            .collect();
        let r = t
            .req(Method::POST, "/api/v2/uploads", &t.admin)
            .query(&[("filename", name.as_str())])
            .body(random_value(&mut rng, 0).to_string())
            .send()
            .await
            .unwrap();
        assert!(
            r.status() == 201 || r.status() == 400 || r.status() == 422,
            "upload named {name:?} → {}",
            r.status()
        );
        // Raw garbage too.
        let junk: Vec<u8> = (0..rng.gen_range(0..64)).map(|_| rng.r#gen()).collect();
        let r = t
            .req(Method::POST, "/api/v2/tickets", &t.admin)
            .header("content-type", "application/json")
            .body(junk)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }
    // The target survived every attempt in one piece.
    let (s, b) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{id}"), None)
        .await;
    assert_eq!(s, 200);
    assert!(b["ticket"]["subject"].is_string());
}
