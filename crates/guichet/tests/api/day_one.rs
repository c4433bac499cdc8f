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
                Some(json!({"standard": {"name": name, "metric": "first_response",
                    "threshold_minutes": 120, "target_percent": 90,
                    "scope": {"team_ids": [team]}}})),
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
    assert!(sentences[0].ends_with(", for Facturation."), "{sentences:?}");
    assert!(sentences[1].ends_with(", for Livraison."), "{sentences:?}");
}
