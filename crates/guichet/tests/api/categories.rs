//! The category tree: admins edit it, everyone reads it, cases refer to it.

use crate::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn admins_build_a_category_tree_that_cases_use() {
    let t = spawn_app().await;
    let (agent, _) = t.user_with_role(Role::Agent, "agent@guichet.test").await;
    let (cust, _) = t.user_with_role(Role::EndUser, "client@exemple.fr").await;
    let create =
        |name: &str, parent: Option<i64>| json!({"category": {"name": name, "parent_id": parent}});
    let (s, liv) = t
        .admin(
            Method::POST,
            "/api/v2/categories.json",
            Some(create("Livraison", None)),
        )
        .await;
    assert_eq!(s, 201, "{liv}");
    let liv_id = liv["category"]["id"].as_i64().expect("id");
    let (s, colis) = t
        .admin(
            Method::POST,
            "/api/v2/categories.json",
            Some(create("Colis abîmé", Some(liv_id))),
        )
        .await;
    assert_eq!(s, 201, "{colis}");
    assert_eq!(colis["category"]["full_name"], "Livraison > Colis abîmé");
    assert_eq!(colis["category"]["depth"], 1);
    let colis_id = colis["category"]["id"].as_i64().expect("id");
    let (s, fac) = t
        .admin(
            Method::POST,
            "/api/v2/categories.json",
            Some(create("Facturation", None)),
        )
        .await;
    assert_eq!(s, 201);
    let fac_id = fac["category"]["id"].as_i64().expect("id");

    // Same name under the same parent is a duplicate; an unknown parent is named.
    let (s, e) = t
        .admin(
            Method::POST,
            "/api/v2/categories.json",
            Some(create("Colis abîmé", Some(liv_id))),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, e) = t
        .admin(
            Method::POST,
            "/api/v2/categories.json",
            Some(create("X", Some(999))),
        )
        .await;
    assert_eq!(s, 422);
    assert!(e["details"]["parent_id"].is_array(), "{e}");
    // Only admins write; everyone reads.
    let (s, _) = t
        .call(
            Method::POST,
            "/api/v2/categories.json",
            &agent,
            Some(create("Y", None)),
        )
        .await;
    assert_eq!(s, 403);
    let (s, list) = t
        .call(Method::GET, "/api/v2/categories.json", &cust, None)
        .await;
    assert_eq!(s, 200);
    let names: Vec<&str> = list["categories"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["full_name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        ["Facturation", "Livraison", "Livraison > Colis abîmé"]
    );

    // Moving a category under its own descendant is refused; moving elsewhere works.
    let (s, e) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/categories/{liv_id}.json"),
            Some(json!({"category": {"parent_id": colis_id}})),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["details"]["parent_id"][0]["code"], "category-cycle");
    let (s, moved) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/categories/{colis_id}.json"),
            Some(json!({"category": {"parent_id": fac_id, "name": "Colis"}})),
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(moved["category"]["full_name"], "Facturation > Colis");

    // A case takes a category; an unknown one is refused; a used category cannot be deleted.
    let (s, c) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(
                json!({"ticket": {"subject": "Colis", "comment": {"body": "abîmé"},
            "requester": {"email": "client@exemple.fr"}, "category_id": colis_id}}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["ticket"]["category_id"], colis_id);
    let (s, _) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(
                json!({"ticket": {"subject": "Colis", "comment": {"body": "x"},
            "requester": {"email": "client@exemple.fr"}, "category_id": 4242}}),
            ),
        )
        .await;
    assert_eq!(s, 422);
    let (s, e) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/categories/{colis_id}.json"),
            None,
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["details"]["id"][0]["code"], "in-use");
    let (s, e) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/categories/{fac_id}.json"),
            None,
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["details"]["id"][0]["code"], "has-children");
    let (s, _) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/categories/{liv_id}.json"),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = t
        .admin(
            Method::GET,
            &format!("/api/v2/categories/{liv_id}.json"),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, e) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/categories/{fac_id}.json"),
            Some(json!({"category": {"colour": "red"}})),
        )
        .await;
    assert_eq!(s, 422, "{e}");
}
