//! Uploads and attachments: the Zendesk two-step flow, authorization, limits, expiry.

use crate::*;
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

async fn upload(
    t: &TestApp,
    who: &(String, String),
    query: &str,
    ctype: &str,
    data: Vec<u8>,
) -> (StatusCode, Value) {
    let r = t
        .req(Method::POST, &format!("/api/v2/uploads.json?{query}"), who)
        .header("content-type", ctype)
        .body(data)
        .send()
        .await
        .expect("upload");
    body_of(r).await
}

async fn content(t: &TestApp, who: &(String, String), id: i64) -> reqwest::Response {
    t.req(
        Method::GET,
        &format!("/api/v2/attachments/{id}/content"),
        who,
    )
    .send()
    .await
    .expect("content")
}

#[tokio::test]
async fn files_upload_attach_to_a_comment_and_download_for_those_allowed() {
    let t = spawn_app().await;
    let (cust, _) = t.user_with_role(Role::EndUser, "client@exemple.fr").await;
    let (other, _) = t.user_with_role(Role::EndUser, "autre@exemple.fr").await;
    let pdf: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let (s, up) = upload(
        &t,
        &t.admin,
        "filename=facture%20mars.pdf",
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(s, 201, "{up}");
    let token = up["upload"]["token"].as_str().expect("token").to_string();
    let a1 = &up["upload"]["attachment"];
    assert_eq!(a1["file_name"], "facture mars.pdf");
    assert_eq!(a1["content_type"], "application/pdf");
    assert_eq!(a1["size"], 70_000);
    assert_eq!(a1["sha256"], hex::encode(Sha256::digest(&pdf)));
    // A second file joins the same upload; the content type is guessed from the name.
    let (s, up2) = upload(
        &t,
        &t.admin,
        &format!("filename=../../photo.PNG&token={token}"),
        "application/octet-stream; junk",
        b"\x89PNG fake".to_vec(),
    )
    .await;
    assert_eq!(s, 201, "{up2}");
    assert_eq!(up2["upload"]["token"], token.as_str());
    assert_eq!(
        up2["upload"]["attachments"].as_array().map(|a| a.len()),
        Some(2)
    );
    assert_eq!(up2["upload"]["attachment"]["file_name"], "photo.PNG");
    assert_eq!(
        up2["upload"]["attachment"]["content_type"],
        "application/octet-stream"
    );

    // Not attached yet: only the uploader sees it.
    let a1_id = a1["id"].as_i64().expect("id");
    assert_eq!(content(&t, &cust, a1_id).await.status(), 404);

    let (s, created) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "Facture", 
            "comment": {"body": "Voici la facture", "uploads": [token]},
            "requester": {"name": "Client", "email": "client@exemple.fr"}}})),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let atts = &created["audit"]["events"][0]["attachments"];
    assert_eq!(atts.as_array().map(|a| a.len()), Some(2), "{created}");
    let id = created["ticket"]["id"].as_i64().expect("id");

    // The customer reads the comment with its files and downloads them intact.
    let (s, comments) = t
        .call(
            Method::GET,
            &format!("/api/v2/tickets/{id}/comments.json"),
            &cust,
            None,
        )
        .await;
    assert_eq!(s, 200);
    let listed = &comments["comments"][0]["attachments"];
    assert_eq!(listed[0]["file_name"], "facture mars.pdf");
    let url = listed[0]["content_url"].as_str().expect("url");
    assert!(url.starts_with(&t.base), "{url}");
    let r = t
        .http
        .get(url)
        .basic_auth(&cust.0, Some(&cust.1))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("filename*=UTF-8''facture%20mars%2Epdf")
    );
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), pdf);
    let png = content(&t, &cust, listed[1]["id"].as_i64().expect("id")).await;
    assert!(
        png.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment;")
    );

    // Another customer, and anonymous callers, cannot.
    assert_eq!(content(&t, &other, a1_id).await.status(), 404);
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v2/attachments/{a1_id}.json"),
            &other,
            None,
        )
        .await;
    assert_eq!(s, 404);
    let anon = t
        .http
        .get(format!("{}/api/v2/attachments/{a1_id}/content", t.base))
        .send()
        .await
        .expect("get");
    assert_eq!(anon.status(), 401);

    // A token is used once: reusing it fails the whole update, nothing is written.
    let (s, e) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"comment": {"body": "encore", "uploads": [token]}}})),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["details"]["uploads"].is_array(), "{e}");
    let (_, comments) = t
        .admin(
            Method::GET,
            &format!("/api/v2/tickets/{id}/comments.json"),
            None,
        )
        .await;
    assert_eq!(comments["count"], 1);

    // A file on an internal note stays hidden from the customer.
    let (_, up3) = upload(
        &t,
        &t.admin,
        "filename=interne.txt",
        "text/plain",
        b"secret".to_vec(),
    )
    .await;
    let (s, upd) = t
        .admin(Method::PUT, &format!("/api/v2/tickets/{id}.json"), Some(json!({"ticket": {"comment": {"body": "note", "public": false, "uploads": [up3["upload"]["token"]]}}})))
        .await;
    assert_eq!(s, 200, "{upd}");
    let note_att = up3["upload"]["attachment"]["id"].as_i64().expect("id");
    assert_eq!(content(&t, &cust, note_att).await.status(), 404);
    assert_eq!(content(&t, &t.admin, note_att).await.status(), 200);

    // The customer attaches a file to their own reply.
    let (s, up4) = upload(
        &t,
        &cust,
        "filename=photo.jpg",
        "image/jpeg",
        vec![0xff, 0xd8, 0xff],
    )
    .await;
    assert_eq!(s, 201, "{up4}");
    let (s, upd) = t
        .call(Method::PUT, &format!("/api/v2/tickets/{id}.json"), &cust, Some(json!({"ticket": {"comment": {"body": "La photo", "uploads": [up4["upload"]["token"]]}}})))
        .await;
    assert_eq!(s, 200, "{upd}");
    assert_eq!(
        upd["audit"]["events"][0]["attachments"][0]["content_type"],
        "image/jpeg"
    );
    // Someone else's token cannot be claimed.
    let (_, up5) = upload(&t, &other, "filename=x.txt", "text/plain", b"x".to_vec()).await;
    let (s, _) = t
        .admin(Method::PUT, &format!("/api/v2/tickets/{id}.json"), Some(json!({"ticket": {"comment": {"body": "vol", "uploads": [up5["upload"]["token"]]}}})))
        .await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn uploads_are_limited_validated_deleted_and_expire() {
    let t = spawn_app().await;
    let (s, e) = upload(
        &t,
        &t.admin,
        "filename=big.bin",
        "application/octet-stream",
        vec![7; ATTACHMENT_LIMIT + 1],
    )
    .await;
    assert_eq!(s, 413, "{e}");
    let (s, e) = upload(&t, &t.admin, "", "text/plain", b"x".to_vec()).await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("filename"), "{e}");
    let (s, e) = upload(
        &t,
        &t.admin,
        "filename=a.txt&token=nope",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["details"]["token"].is_array(), "{e}");
    let anon = t
        .http
        .post(format!("{}/api/v2/uploads.json?filename=a.txt", t.base))
        .body("x")
        .send()
        .await
        .expect("post");
    assert_eq!(anon.status(), 401);

    // Delete an upload: its files go, and the token can no longer be claimed.
    let (_, up) = upload(
        &t,
        &t.admin,
        "filename=a.txt",
        "text/plain",
        b"abc".to_vec(),
    )
    .await;
    let token = up["upload"]["token"].as_str().expect("token").to_string();
    let r = t
        .req(
            Method::DELETE,
            &format!("/api/v2/uploads/{token}.json"),
            &t.admin,
        )
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let (s, _) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(
                json!({"ticket": {"subject": "S", "comment": {"body": "b", "uploads": [token]},
            "requester": {"email": "c@exemple.fr"}}}),
            ),
        )
        .await;
    assert_eq!(s, 422);
    let (_, list) = t.admin(Method::GET, "/api/v2/tickets.json", None).await;
    assert_eq!(list["count"], 0, "a failed create leaves no case");
    let r = t
        .req(
            Method::DELETE,
            &format!("/api/v2/uploads/{token}.json"),
            &t.admin,
        )
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 404);

    // Unclaimed uploads expire after the TTL; claimed ones stay.
    let (_, stale) = upload(
        &t,
        &t.admin,
        "filename=old.txt",
        "text/plain",
        b"old".to_vec(),
    )
    .await;
    let (_, kept) = upload(
        &t,
        &t.admin,
        "filename=kept.txt",
        "text/plain",
        b"kept".to_vec(),
    )
    .await;
    let tk = t.new_ticket(&t.admin, "Avant", "c@exemple.fr").await;
    let (s, _) = t
        .admin(Method::PUT, &format!("/api/v2/tickets/{}.json", tk["id"]), Some(json!({"ticket": {"comment": {"body": "pj", "uploads": [kept["upload"]["token"]]}}})))
        .await;
    assert_eq!(s, 200);
    t.clock.advance(jiff::SignedDuration::from_hours(25));
    assert_eq!(t.app.purge_stale_uploads().await.expect("purge"), 1);
    let stale_id = stale["upload"]["attachment"]["id"].as_i64().expect("id");
    assert_eq!(content(&t, &t.admin, stale_id).await.status(), 404);
    let kept_id = kept["upload"]["attachment"]["id"].as_i64().expect("id");
    let r = content(&t, &t.admin, kept_id).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), b"kept");
}
