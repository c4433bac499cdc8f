//! Users, organizations, groups and memberships; migrations.

use crate::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn users_have_several_identities_and_duplicates_are_rejected() {
    let t = spawn_app().await;
    let (s, b) = t
        .admin(Method::POST, "/api/v2/users.json", Some(json!({"user": {"name": "Jean Dupont", "emails": ["jean@exemple.fr", "j.dupont@travail.fr"],
            "phones": ["+33 1 23 45 67 89"], "locale": "fr-FR", "time_zone": "Europe/Paris", "postal_address": "1 rue de la Paix, 75002 Paris"}})))
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["user"]["email"], "jean@exemple.fr");
    assert_eq!(
        b["user"]["emails"],
        json!(["jean@exemple.fr", "j.dupont@travail.fr"])
    );
    assert_eq!(b["user"]["phone"], "+33123456789");
    assert_eq!(b["user"]["locale"], "fr");
    let (s, d) = t
        .admin(
            Method::POST,
            "/api/v2/users.json",
            Some(json!({"user": {"name": "Autre", "email": "J.Dupont@travail.fr"}})),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(d["details"]["email"][0]["error"], "DuplicateValue");
    let (s, d) = t
        .admin(
            Method::POST,
            "/api/v2/users.json",
            Some(json!({"user": {"name": "Tz", "email": "tz@x.fr", "time_zone": "Mars/Base"}})),
        )
        .await;
    assert_eq!(s, 422, "{d}");
    let (_, found) = t
        .admin(Method::GET, "/api/v2/users/search.json?query=dupont", None)
        .await;
    assert_eq!(found["count"], 1);
    let id = b["user"]["id"].as_i64().unwrap();
    let (_, u) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/users/{id}.json"),
            Some(json!({"user": {"name": "Jean Dupont-Martin"}})),
        )
        .await;
    assert_eq!(u["user"]["name"], "Jean Dupont-Martin");
    assert_eq!(
        u["user"]["emails"].as_array().unwrap().len(),
        2,
        "identities untouched by a name change"
    );
    let (s, u) = t
        .admin(Method::DELETE, &format!("/api/v2/users/{id}.json"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(u["user"]["active"], false);
}

#[tokio::test]
async fn organizations_and_groups_crud_and_memberships() {
    let t = spawn_app().await;
    let (s, o) = t.admin(Method::POST, "/api/v2/organizations.json", Some(json!({"organization": {"name": "ACME", "external_id": "crm-1", "domain_names": ["acme.fr"]}}))).await;
    assert_eq!(s, 201, "{o}");
    let oid = o["organization"]["id"].as_i64().unwrap();
    let (s, _) = t
        .admin(
            Method::POST,
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": "acme"}})),
        )
        .await;
    assert_eq!(s, 422, "names are unique, case-insensitively");
    let (_, found) = t
        .admin(
            Method::GET,
            "/api/v2/organizations/search.json?external_id=crm-1",
            None,
        )
        .await;
    assert_eq!(found["organizations"][0]["id"], oid);
    let (_, by_name) = t
        .admin(
            Method::GET,
            "/api/v2/organizations/search.json?name=acm",
            None,
        )
        .await;
    assert_eq!(by_name["count"], 0, "the name must match whole: {by_name}");
    let (_, by_name) = t
        .admin(
            Method::GET,
            "/api/v2/organizations/search.json?name=%20Acm%C3%A9",
            None,
        )
        .await;
    assert_eq!(by_name["organizations"][0]["id"], oid, "{by_name}");
    let (s, _) = t
        .admin(Method::GET, "/api/v2/organizations/search.json", None)
        .await;
    assert_eq!(s, 400);
    let (_, g) = t
        .admin(
            Method::POST,
            "/api/v2/groups.json",
            Some(json!({"group": {"name": "Niveau 1", "description": "Premier niveau"}})),
        )
        .await;
    let gid = g["group"]["id"].as_i64().unwrap();
    let (_, agent_id) = t.user_with_role(Role::Agent, "n1@guichet.test").await;
    let (s, _) = t
        .admin(
            Method::POST,
            "/api/v2/group_memberships.json",
            Some(json!({"group_membership": {"user_id": agent_id, "group_id": gid}})),
        )
        .await;
    assert_eq!(s, 201);
    let (_, members) = t
        .admin(
            Method::GET,
            &format!("/api/v2/groups/{gid}/users.json"),
            None,
        )
        .await;
    assert_eq!(members["users"][0]["id"], agent_id);
    // A ticket for a user of the organization inherits it.
    let (_, u) = t
        .admin(
            Method::POST,
            "/api/v2/users.json",
            Some(
                json!({"user": {"name": "Employé", "email": "e@acme.fr", "organization_id": oid}}),
            ),
        )
        .await;
    let (_, tk) = t.admin(Method::POST, "/api/v2/tickets.json", Some(json!({"ticket": {"subject": "Orga", "comment": {"body": "b"}, "requester_id": u["user"]["id"], "group_id": gid}}))).await;
    assert_eq!(tk["ticket"]["organization_id"], oid);
    assert_eq!(tk["ticket"]["group_id"], gid);
    let (s, _) = t
        .admin(Method::DELETE, &format!("/api/v2/groups/{gid}.json"), None)
        .await;
    assert_eq!(s, 204);
    let (s, _) = t
        .admin(Method::GET, &format!("/api/v2/groups/{gid}.json"), None)
        .await;
    assert_eq!(s, 404);
    let (s, _) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/organizations/{oid}.json"),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (_, tk2) = t
        .admin(
            Method::GET,
            &format!("/api/v2/tickets/{}", tk["ticket"]["id"]),
            None,
        )
        .await;
    assert_eq!(
        tk2["ticket"]["organization_id"],
        json!(null),
        "the case stays, detached"
    );
}

#[tokio::test]
async fn migrations_are_recorded_and_idempotent() {
    let t = spawn_app().await;
    let expected: Vec<i64> = store::MIGRATIONS_SQLITE.iter().map(|m| m.version).collect();
    assert_eq!(t.store.applied_migrations().await.unwrap(), expected);
    assert!(
        t.store.migrate(0).await.unwrap().is_empty(),
        "nothing left to apply"
    );
}

#[tokio::test]
async fn openapi_document_is_served_and_lists_the_ticket_routes() {
    let t = spawn_app().await;
    let r = t
        .http
        .get(format!("{}/api/v2/openapi.json", t.base))
        .basic_auth(&t.admin.0, Some(&t.admin.1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/api/v2/tickets",
        "/api/v2/tickets/{id}",
        "/api/v2/search",
        "/api/v2/users/me",
        "/api/v2/uploads",
        "/api/v2/categories/{id}",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} documented");
    }
    // Every documented operation is routed (placeholders point at records that do not exist).
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        let url = path
            .replace("{id}", "999999")
            .replace("{email_id}", "999999")
            .replace("{token}", "nope")
            .replace("{key}", "ack")
            .replace("{locale}", "fr");
        for m in ["get", "post", "put", "delete"] {
            if item.get(m).is_none() {
                continue;
            }
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).expect("method");
            let (s, b) =
                body_of(t.req(method, &url, &t.admin).send().await.expect("request")).await;
            assert!(
                s != 405 && b["error"] != "InvalidEndpoint",
                "{m} {path} is documented but not routed ({s} {b})"
            );
        }
    }
    let (s, h) = body_of(
        t.http
            .get(format!("{}/readyz", t.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert!(h["database"].is_string());
}

#[tokio::test]
async fn a_customer_updates_their_own_profile_through_users_me() {
    let t = spawn_app().await;
    let (cust, cust_id) = t.user_with_role(Role::EndUser, "moi@client.fr").await;
    let (s, b) = t
        .call(
            Method::PUT,
            "/api/v2/users/me.json",
            &cust,
            Some(json!({"user": {"name": "Moi Même", "locale": "en"}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["user"]["id"], cust_id);
    assert_eq!(b["user"]["name"], "Moi Même");
    assert_eq!(b["user"]["locale"], "en");
    let (s, _) = t
        .call(
            Method::PUT,
            "/api/v2/users/me.json",
            &cust,
            Some(json!({"user": {"role": "admin"}})),
        )
        .await;
    assert_eq!(s, 403, "a customer cannot promote themself");
}
