//! Zendesk search syntax over the in-database full-text index.

use crate::*;
use reqwest::Method;
use serde_json::json;

async fn ids(t: &TestApp, q: &str) -> Vec<i64> {
    let url = format!("/api/v2/search.json?query={}", urlencode(q));
    let (s, b) = t.admin(Method::GET, &url, None).await;
    assert_eq!(s, 200, "{q}: {b}");
    let mut v: Vec<i64> = b["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r["result_type"].is_string());
            r["id"].as_i64().unwrap()
        })
        .collect();
    v.sort();
    v
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)])
        .unwrap()
        .trim_start_matches("q=")
        .to_string()
}

#[tokio::test]
async fn search_by_text_status_requester_tags_dates_and_sort() {
    let t = spawn_app().await;
    let (_, a) = t.admin(Method::POST, "/api/v2/tickets", Some(json!({"ticket": {"subject": "Colis abîmé à la livraison", "comment": {"body": "Le carton était déchiré"},
        "requester": {"name": "Héloïse Fèvre", "email": "heloise@exemple.fr"}, "tags": ["colis", "vip"], "priority": "high"}}))).await;
    let (_, b) = t.admin(Method::POST, "/api/v2/tickets", Some(json!({"ticket": {"subject": "Facture en double", "comment": {"body": "Deux prélèvements"},
        "requester": {"name": "Marc", "email": "marc@exemple.fr"}, "tags": ["facture"], "priority": "low"}}))).await;
    let (a, b) = (
        a["ticket"]["id"].as_i64().unwrap(),
        b["ticket"]["id"].as_i64().unwrap(),
    );
    t.admin(
        Method::PUT,
        &format!("/api/v2/tickets/{b}"),
        Some(json!({"ticket": {"status": "solved"}})),
    )
    .await;
    t.admin(
        Method::PUT,
        &format!("/api/v2/tickets/{a}"),
        Some(json!({"ticket": {"comment": {"body": "Nous envoyons un remplacement"}}})),
    )
    .await;
    assert_eq!(ids(&t, "abime").await, [a], "accent-insensitive");
    assert_eq!(ids(&t, "ABÎMÉ livraison").await, [a]);
    assert_eq!(
        ids(&t, "remplacement").await,
        [a],
        "replies are indexed in the same transaction"
    );
    assert_eq!(ids(&t, "heloise").await, [a], "customer names are indexed");
    assert_eq!(ids(&t, "\"carton etait dechire\"").await, [a], "phrases");
    assert_eq!(ids(&t, "type:ticket status<solved").await, [a]);
    assert_eq!(ids(&t, "status:solved").await, [b]);
    assert_eq!(ids(&t, "status>=open").await, [a, b]);
    assert_eq!(ids(&t, "requester:marc@exemple.fr").await, [b]);
    assert_eq!(ids(&t, "tags:vip").await, [a]);
    assert_eq!(ids(&t, "-tags:vip type:ticket").await, [b]);
    assert_eq!(ids(&t, "priority>normal").await, [a]);
    assert_eq!(
        ids(&t, "created>2026-03-01 created<2026-03-03").await,
        [a, b]
    );
    assert_eq!(ids(&t, "created:2026-03-02").await, [a, b]);
    assert!(ids(&t, "created>2026-03-02").await.is_empty());
    assert_eq!(ids(&t, "assignee:none").await, [a, b]);
    let (_, s) = t
        .admin(
            Method::GET,
            "/api/v2/search.json?query=type%3Aticket&sort_by=priority&sort_order=desc",
            None,
        )
        .await;
    assert_eq!(s["results"][0]["id"], a);
    let (_, s) = t
        .admin(
            Method::GET,
            "/api/v2/search.json?query=type%3Aticket%20order_by%3Apriority%20sort%3Aasc",
            None,
        )
        .await;
    assert_eq!(s["results"][0]["id"], b);
    let (_, c) = t
        .admin(
            Method::GET,
            "/api/v2/search/count.json?query=type%3Aticket",
            None,
        )
        .await;
    assert_eq!(c["count"], 2);
    let (s, e) = t
        .admin(
            Method::GET,
            "/api/v2/search.json?query=status%3Aperhaps",
            None,
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(e["details"]["query"][0]["code"], "search-query");
    let (s, _) = t
        .admin(
            Method::GET,
            "/api/v2/search.json?query=x&page=11&per_page=100",
            None,
        )
        .await;
    assert_eq!(s, 422, "past the first 1000 results");
    let (_, u) = t
        .admin(
            Method::GET,
            "/api/v2/search.json?query=type%3Auser%20marc",
            None,
        )
        .await;
    assert_eq!(u["results"][0]["result_type"], "user");
}

/// Frequent terms take another plan on SQLite (walk the order's index, probe the matches);
/// both plans must give the same pages as the plain definition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frequent_and_rare_terms_page_in_the_same_order() {
    let t = spawn_app().await;
    let admin = t.actor(t.admin_id, Role::Admin);
    let mut tasks = Vec::new();
    for w in 0..4 {
        let app = t.app.clone();
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..4_200).step_by(4) {
                let subject = if i % 2 == 0 {
                    format!("Colis abîmé {i}")
                } else if i % 1000 == 1 {
                    format!("Remboursement rare {i}")
                } else {
                    format!("Facture {i}")
                };
                app.create_case(
                    &admin,
                    app::cases::NewCase {
                        subject: Some(subject),
                        comment: Some(app::cases::CommentInput {
                            body: "texte".into(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    None,
                )
                .await
                .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let all = t
        .store
        .cases(
            &store::CaseFilter::default(),
            store::Page {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let subject_of: std::collections::HashMap<i64, String> =
        all.iter().map(|c| (c.id, c.subject.clone())).collect();
    for (word, sort, dir) in [
        ("colis", store::CaseSort::UpdatedAt, store::SortDir::Desc),
        ("colis", store::CaseSort::Id, store::SortDir::Desc),
        ("colis", store::CaseSort::CreatedAt, store::SortDir::Asc),
        (
            "remboursement",
            store::CaseSort::UpdatedAt,
            store::SortDir::Desc,
        ),
    ] {
        let mut f = store::CaseFilter::default();
        f.push(store::Cond::Text {
            words: vec![word.to_string()],
            phrase: false,
            negated: false,
        });
        f.sort = sort;
        f.dir = dir;
        let got: Vec<i64> = t
            .store
            .cases(
                &f,
                store::Page {
                    limit: 25,
                    offset: 5,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        // Same clock for every case: updated_at and created_at tie, so id decides.
        let mut want: Vec<i64> = subject_of
            .iter()
            .filter(|(_, s)| s.to_lowercase().contains(word))
            .map(|(id, _)| *id)
            .collect();
        want.sort();
        if dir == store::SortDir::Desc {
            want.reverse();
        }
        let want: Vec<i64> = want.into_iter().skip(5).take(25).collect();
        assert_eq!(got, want, "{word} {sort:?} {dir:?}");
    }
}
