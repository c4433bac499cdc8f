//! The Help Center API (issue 17) beyond what zenpy drives (tests/interop step 12): the
//! raw shapes clients read (`result_type`, echoed locales), injection made inert, what a
//! customer and an anonymous caller may see and do, precise errors, and deletes that take
//! the search with them.

use crate::*;
use reqwest::Method;
use serde_json::{Value, json};

fn anon() -> (String, String) {
    (String::new(), String::new())
}

async fn article(t: &TestApp, section: i64, body: Value) -> Value {
    let (s, b) = t
        .admin(
            Method::POST,
            &format!("/api/v2/help_center/sections/{section}/articles.json"),
            Some(body),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b["article"].clone()
}

fn ids(v: &Value, key: &str) -> Vec<i64> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_help_center_api_answers_zendesk_shapes_and_keeps_private_articles_private() {
    let t = spawn_app().await;
    let (s, c) = t
        .admin(
            Method::POST,
            "/api/v2/help_center/categories.json",
            Some(json!({"category": {"name": "Livraisons", "locale": "fr"}})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let cat = c["category"]["id"].as_i64().unwrap();
    assert_eq!(c["category"]["locale"], "fr");
    let (s, sec) = t
        .admin(
            Method::POST,
            &format!("/api/v2/help_center/categories/{cat}/sections.json"),
            Some(json!({"section": {"name": "Retards", "locale": "fr-FR"}})),
        )
        .await;
    assert_eq!(s, 201, "{sec}");
    let sec = sec["section"]["id"].as_i64().unwrap();
    // HTML is sanitised; Markdown-looking text is not turned into a link to a script.
    let public = article(
        &t,
        sec,
        json!({"article": {"title": "Colis en retard <img src=x onerror=alert(1)>",
            "body": "<p onclick=\"x()\">Le <b>colis</b> arrive.</p><script>alert(1)</script>[lien](javascript:alert(1))",
            "locale": "fr", "permission_group_id": 1, "label_names": ["retard"]}}),
    )
    .await;
    let pid = public["id"].as_i64().unwrap();
    let body = public["body"].as_str().unwrap();
    assert!(
        !body.contains("<script")
            && !body.contains("onclick")
            && !body.contains("href=\"javascript"),
        "{body}"
    );
    assert!(body.contains("<b>colis</b>"), "{body}");
    assert_eq!(public["user_segment_id"], Value::Null);
    assert_eq!(public["permission_group_id"], 1);
    assert_eq!(public["draft"], false);
    let internal = article(
        &t,
        sec,
        json!({"article": {"title": "Colis : procédure transporteur", "body": "<p>colis SECRET-DEPOT-42</p>",
            "locale": "fr", "permission_group_id": 1, "user_segment_id": 1}}),
    )
    .await;
    let iid = internal["id"].as_i64().unwrap();
    assert_eq!(internal["user_segment_id"], 1);

    // The search answers results with result_type and a snippet; staff find both.
    let (s, r) = t
        .admin(
            Method::GET,
            "/api/v2/help_center/articles/search.json?query=colis&locale=fr",
            None,
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let mut found = ids(&r, "results");
    found.sort();
    assert_eq!(found, vec![pid, iid]);
    assert!(
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["result_type"] == "article")
    );
    assert_eq!(r["count"], 2);
    // Filters narrow it, with or without words.
    for (q, want) in [
        (format!("query=colis&section={sec}"), vec![pid, iid]),
        (
            format!("query=colis&category={cat}&label_names=retard"),
            vec![pid],
        ),
        ("label_names=retard".to_string(), vec![pid]),
        ("query=colis&category=999999".to_string(), vec![]),
    ] {
        let (s, r) = t
            .admin(
                Method::GET,
                &format!("/api/v2/help_center/articles/search.json?locale=fr&{q}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{q}: {r}");
        let mut got = ids(&r, "results");
        got.sort();
        assert_eq!(got, want, "{q}");
    }

    // A customer and an anonymous caller: the public article only, never the internal
    // one's words, in lists, search, or by its id.
    let (cust, _) = t.user_with_role(Role::EndUser, "lecteur@client.fr").await;
    for who in [&cust, &anon()] {
        let (s, r) = t
            .call(
                Method::GET,
                "/api/v2/help_center/articles/search.json?query=colis&locale=fr",
                who,
                None,
            )
            .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(ids(&r, "results"), vec![pid]);
        let (_, l) = t
            .call(
                Method::GET,
                &format!("/api/v2/help_center/fr/sections/{sec}/articles.json"),
                who,
                None,
            )
            .await;
        assert_eq!(ids(&l, "articles"), vec![pid]);
        assert!(!l.to_string().contains("SECRET-DEPOT"), "{l}");
        let (s, _) = t
            .call(
                Method::GET,
                &format!("/api/v2/help_center/articles/{iid}.json"),
                who,
                None,
            )
            .await;
        assert_eq!(s, 404);
        let (s, _) = t
            .call(
                Method::GET,
                &format!("/api/v2/help_center/articles/{iid}/translations.json"),
                who,
                None,
            )
            .await;
        assert_eq!(s, 404);
    }
    // Nobody votes anonymously through the API; a customer votes once, and changes it.
    let (s, _) = t
        .call(
            Method::POST,
            &format!("/api/v2/help_center/articles/{pid}/up.json"),
            &anon(),
            None,
        )
        .await;
    assert_eq!(s, 401);
    let (s, v1) = t
        .call(
            Method::POST,
            &format!("/api/v2/help_center/articles/{pid}/up.json"),
            &cust,
            None,
        )
        .await;
    assert_eq!(s, 200, "{v1}");
    let (_, v2) = t
        .call(
            Method::POST,
            &format!("/api/v2/help_center/articles/{pid}/up.json"),
            &cust,
            None,
        )
        .await;
    assert_eq!(v1["vote"]["id"], v2["vote"]["id"]);
    let (_, a) = t
        .admin(
            Method::GET,
            &format!("/api/v2/help_center/articles/{pid}.json"),
            None,
        )
        .await;
    assert_eq!(a["article"]["vote_count"], 1, "{a}");
    assert_eq!(a["article"]["vote_sum"], 1);

    // Precise errors: the permission group, an unknown segment, an unknown locale, a
    // translation that exists.
    let (s, e) = t
        .admin(
            Method::POST,
            &format!("/api/v2/help_center/sections/{sec}/articles.json"),
            Some(
                json!({"article": {"title": "Sans groupe", "locale": "fr", "user_segment_id": 99}}),
            ),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(
        e["details"]["permission_group_id"].is_array()
            && e["details"]["user_segment_id"].is_array(),
        "{e}"
    );
    let (s, e) = t
        .admin(Method::GET, "/api/v2/help_center/de/articles.json", None)
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("locale"), "{e}");
    let (s, e) = t
        .admin(
            Method::POST,
            &format!("/api/v2/help_center/articles/{pid}/translations.json"),
            Some(json!({"translation": {"locale": "fr", "title": "Doublon"}})),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["details"]["locale"].is_array(), "{e}");
    // A refused text writes nothing: no article without a text.
    let before = t
        .app
        .kb_articles(&t.actor(t.admin_id, Role::Admin))
        .await
        .unwrap()
        .len();
    let (s, _) = t
        .admin(
            Method::POST,
            &format!("/api/v2/help_center/sections/{sec}/articles.json"),
            Some(json!({"article": {"title": "x".repeat(300), "locale": "fr", "permission_group_id": 1}})),
        )
        .await;
    assert_eq!(s, 422);
    let after = t
        .app
        .kb_articles(&t.actor(t.admin_id, Role::Admin))
        .await
        .unwrap()
        .len();
    assert_eq!(before, after, "a refused article left a row behind");

    // Deflection, counted per visitor: shown (once, however often the suggestion comes
    // back), opened from it, the form left after it, and a case filed anyway.
    let http = reqwest::Client::new();
    let v = "0123456789abcdef0123456789abcdef";
    for _ in 0..2 {
        let r = http
            .get(format!(
                "{}/help/suggest?lang=fr&q=colis%20retard&v={v}&src=portal",
                t.base
            ))
            .send()
            .await
            .unwrap();
        let (s, j) = body_of(r).await;
        assert_eq!(s, 200);
        assert_eq!(j["articles"][0]["id"], pid, "{j}");
    }
    let r = http
        .get(format!(
            "{}/help/articles/{pid}?lang=fr&v={v}&src=portal",
            t.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .post(format!("{}/help/track", t.base))
        .form(&[("v", v), ("src", "portal"), ("kind", "abandoned")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Forged sources and tokens count nothing and break nothing.
    let r = http
        .post(format!("{}/help/track", t.base))
        .form(&[("v", "x"), ("src", "<script>"), ("kind", "abandoned")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let counts = |d: &Value| {
        let a = d["deflection"]["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["article_id"] == pid)
            .cloned()
            .unwrap_or_else(|| panic!("{d}"));
        (
            a["shown"].clone(),
            a["opened"].clone(),
            a["abandoned"].clone(),
            a["cases"].clone(),
        )
    };
    let (s, d) = t
        .admin(Method::GET, "/api/v2/help_center/deflection.json", None)
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(counts(&d), (json!(1), json!(1), json!(1), json!(0)), "{d}");
    assert_eq!(d["deflection"]["sources"][0]["source"], "portal");
    // The visitor files a case anyway: not deflected.
    let ticket = t
        .new_ticket(&t.admin.clone(), "Colis", "lecteur2@client.fr")
        .await;
    t.app
        .kb_track_case(v, "portal", ticket["id"].as_i64().unwrap())
        .await
        .unwrap();
    let (_, d) = t
        .admin(Method::GET, "/api/v2/help_center/deflection.json", None)
        .await;
    assert_eq!(counts(&d).3, json!(1), "{d}");
    let (s, _) = t
        .call(
            Method::GET,
            "/api/v2/help_center/deflection.json",
            &cust,
            None,
        )
        .await;
    assert_eq!(s, 403);
    // A script forging visitors from one address soon goes uncounted (the suggestions
    // still answer).
    for i in 0..70 {
        let r = http
            .get(format!(
                "{}/help/suggest?lang=fr&q=colis%20retard&v={i:032x}&src=portal",
                t.base
            ))
            .send()
            .await
            .unwrap();
        let (s, j) = body_of(r).await;
        assert_eq!(s, 200);
        assert_eq!(j["articles"][0]["id"], pid);
    }
    let (_, d) = t
        .admin(Method::GET, "/api/v2/help_center/deflection.json", None)
        .await;
    let shown = counts(&d).0.as_i64().unwrap();
    assert!(
        (40..70).contains(&shown),
        "forged visitors counted: {shown}"
    );

    // The help centre's home shows five titles a section and links to the section's page,
    // which lists them all (never the internal one).
    for i in 1..=5 {
        article(
            &t,
            sec,
            json!({"article": {"title": format!("Retard numéro {i}"), "body": "<p>Patience.</p>",
                "locale": "fr", "permission_group_id": 1}}),
        )
        .await;
    }
    let home = http
        .get(format!("{}/help?lang=fr", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Voir les 6 articles"), "{home}");
    assert!(
        !home.contains("Retard numéro 5"),
        "only five titles on the home"
    );
    let r = http
        .get(format!("{}/help/sections/{sec}?lang=fr", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Retard numéro 5") && page.contains("Colis en retard"),
        "{page}"
    );
    assert!(!page.contains("procédure transporteur"), "{page}");
    let r = http
        .get(format!("{}/help/sections/999999?lang=fr", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The English text, then the missing list is empty; drafts through PUT translations.
    let (s, tr) = t
        .admin(
            Method::POST,
            &format!("/api/v2/help_center/articles/{pid}/translations.json"),
            Some(json!({"translation": {"locale": "en-gb", "title": "Late parcel", "body": "<p>It comes.</p>"}})),
        )
        .await;
    assert_eq!(s, 201, "{tr}");
    assert_eq!(tr["translation"]["locale"], "en-us");
    let (_, m) = t
        .admin(
            Method::GET,
            &format!("/api/v2/help_center/articles/{pid}/translations/missing.json"),
            None,
        )
        .await;
    assert_eq!(m["locales"], json!([]));
    let (s, tr) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/help_center/articles/{pid}/translations/en-us.json"),
            Some(json!({"translation": {"draft": true}})),
        )
        .await;
    assert_eq!(s, 200, "{tr}");
    assert_eq!(tr["translation"]["draft"], true);
    assert_eq!(tr["translation"]["title"], "Late parcel");
    let (_, r) = t
        .call(
            Method::GET,
            "/api/v2/help_center/articles/search.json?query=colis&locale=fr",
            &cust,
            None,
        )
        .await;
    assert_eq!(
        ids(&r, "results"),
        Vec::<i64>::new(),
        "a draft is never found"
    );

    // Deleting the category takes its articles out of the search too.
    let (s, _) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/help_center/categories/{cat}.json"),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (_, r) = t
        .admin(
            Method::GET,
            "/api/v2/help_center/articles/search.json?query=colis&locale=fr",
            None,
        )
        .await;
    assert_eq!(ids(&r, "results"), Vec::<i64>::new());
    let (s, _) = t
        .admin(
            Method::GET,
            &format!("/api/v2/help_center/sections/{sec}.json"),
            None,
        )
        .await;
    assert_eq!(s, 404);
}

/// Upload a file to `path` as `who` (multipart `file` and `inline`, as zenpy sends them).
async fn upload(
    t: &TestApp,
    path: &str,
    who: &(String, String),
    name: &str,
    data: &[u8],
    inline: bool,
) -> (reqwest::StatusCode, Value) {
    let flag: &[u8] = if inline { b"true" } else { b"false" };
    let (ctype, body) = multipart(&[("inline", None, flag), ("file", Some(name), data)]);
    let mut r = t
        .http
        .post(format!("{}{path}", t.base))
        .header("content-type", ctype)
        .body(body);
    if !who.0.is_empty() {
        r = r.basic_auth(&who.0, Some(&who.1));
    }
    body_of(r.send().await.unwrap()).await
}

/// GET a file's content as `who`: status, content type and bytes.
async fn content(t: &TestApp, url: &str, who: &(String, String)) -> (u16, String, Vec<u8>) {
    let mut r = t.http.get(url);
    if !who.0.is_empty() {
        r = r.basic_auth(&who.0, Some(&who.1));
    }
    let r = r.send().await.unwrap();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        r.status().as_u16(),
        ctype,
        r.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn article_files_are_read_by_whoever_reads_the_article_and_by_nobody_else() {
    let t = spawn_app().await;
    let admin = t.admin.clone();
    let (cust, _) = t.user_with_role(Role::EndUser, "lectrice@client.fr").await;
    let (agent, _) = t
        .user_with_role(Role::Agent, "redactrice@guichet.test")
        .await;
    let (_, c) = t
        .admin(
            Method::POST,
            "/api/v2/help_center/categories.json",
            Some(json!({"category": {"name": "Compte", "locale": "fr"}})),
        )
        .await;
    let cat = c["category"]["id"].as_i64().unwrap();
    let (_, sec) = t
        .admin(
            Method::POST,
            &format!("/api/v2/help_center/categories/{cat}/sections.json"),
            Some(json!({"section": {"name": "Connexion", "locale": "fr"}})),
        )
        .await;
    let sec = sec["section"]["id"].as_i64().unwrap();
    let mk = |title: &str, draft: bool, segment: Option<i64>| {
        json!({"article": {"title": title, "body": "<p>Texte</p>", "locale": "fr",
            "permission_group_id": 1, "draft": draft, "user_segment_id": segment}})
    };
    let public = article(&t, sec, mk("Changer son mot de passe", false, None)).await["id"]
        .as_i64()
        .unwrap();
    let draft = article(&t, sec, mk("Brouillon", true, None)).await["id"]
        .as_i64()
        .unwrap();
    let internal = article(&t, sec, mk("Procédure interne", false, Some(1))).await["id"]
        .as_i64()
        .unwrap();

    // A picture shown in the text, and a PDF listed under the article.
    let files = format!("/api/v2/help_center/articles/{public}/attachments.json");
    let (s, pic) = upload(&t, &files, &agent, "écran.png", SCREEN_PNG, true).await;
    assert_eq!(s, 201, "{pic}");
    let pic = pic["article_attachment"].clone();
    assert_eq!(pic["article_id"], public);
    assert_eq!(pic["content_type"], "image/png");
    assert_eq!(pic["inline"], true);
    assert_eq!(pic["size"], SCREEN_PNG.len());
    assert_eq!(pic["file_name"], "écran.png");
    let pic_id = pic["id"].as_i64().unwrap();
    let pic_url = pic["content_url"].as_str().unwrap().to_string();
    assert_eq!(
        pic["relative_path"],
        format!("/help/files/{pic_id}/%C3%A9cran.png")
    );
    let (s, pdf) = upload(&t, &files, &admin, "notice.pdf", b"%PDF-1.4 notice", false).await;
    assert_eq!(s, 201, "{pdf}");
    assert_eq!(pdf["article_attachment"]["content_type"], "application/pdf");
    let pdf_id = pdf["article_attachment"]["id"].as_i64().unwrap();
    // A picture that is not one (an SVG can carry scripts) is refused as a picture, and
    // stored as a plain download when attached.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>";
    let (s, e) = upload(&t, &files, &agent, "logo.svg", svg, true).await;
    assert_eq!(s, 422, "{e}");
    assert!(e.to_string().contains("file"), "{e}");
    let (s, b) = upload(&t, &files, &agent, "logo.svg", svg, false).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        b["article_attachment"]["content_type"],
        "application/octet-stream"
    );
    let svg_url = b["article_attachment"]["content_url"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, ctype, _) = content(&t, &svg_url, &anon()).await;
    assert_eq!(ctype, "application/octet-stream");

    // Lists: all, pictures, attachments; anyone reads those of a public article.
    let (s, all) = t.call(Method::GET, &files, &anon(), None).await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(ids(&all, "article_attachments").len(), 3);
    let (_, inl) = t
        .call(
            Method::GET,
            &format!("/api/v2/help_center/articles/{public}/attachments/inline.json"),
            &anon(),
            None,
        )
        .await;
    assert_eq!(ids(&inl, "article_attachments"), vec![pic_id]);
    let (_, blk) = t
        .call(
            Method::GET,
            &format!("/api/v2/help_center/articles/{public}/attachments/block.json"),
            &cust,
            None,
        )
        .await;
    assert_eq!(ids(&blk, "article_attachments").len(), 2);
    let (s, one) = t
        .call(
            Method::GET,
            &format!("/api/v2/help_center/articles/attachments/{pic_id}.json"),
            &anon(),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(one["article_attachment"]["id"], pic_id);

    // The picture's bytes, for anyone, sandboxed.
    let r = t.http.get(&pic_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), SCREEN_PNG);

    // Files of a draft and of an internal article: staff only, 404 to everyone else
    // (the API's credentials count on the page's address too).
    for hidden in [draft, internal] {
        let path = format!("/api/v2/help_center/articles/{hidden}/attachments.json");
        let (s, b) = upload(&t, &path, &agent, "plan.png", SCREEN_PNG, true).await;
        assert_eq!(s, 201, "{b}");
        let url = b["article_attachment"]["content_url"]
            .as_str()
            .unwrap()
            .to_string();
        let id = b["article_attachment"]["id"].as_i64().unwrap();
        for who in [anon(), cust.clone()] {
            assert_eq!(content(&t, &url, &who).await.0, 404, "{url} as {}", who.0);
            let (s, _) = t.call(Method::GET, &path, &who, None).await;
            assert_eq!(s, 404);
            let (s, _) = t
                .call(
                    Method::GET,
                    &format!("/api/v2/help_center/articles/attachments/{id}.json"),
                    &who,
                    None,
                )
                .await;
            assert_eq!(s, 404);
        }
        let (s, _, bytes) = content(&t, &url, &agent).await;
        assert_eq!((s, bytes.as_slice()), (200, SCREEN_PNG));
    }

    // Only agents write: a customer is refused, a stranger asked to sign in.
    assert_eq!(
        upload(&t, &files, &cust, "x.png", SCREEN_PNG, true).await.0,
        403
    );
    assert_eq!(
        upload(&t, &files, &anon(), "x.png", SCREEN_PNG, true)
            .await
            .0,
        401
    );
    let (s, _) = t
        .call(
            Method::DELETE,
            &format!("/api/v2/help_center/articles/attachments/{pic_id}.json"),
            &cust,
            None,
        )
        .await;
    assert_eq!(s, 403);

    // Bad input: no file part, a bad inline flag, a file over the limit, an unknown article.
    let (ctype, body) = multipart(&[("inline", None, b"true")]);
    let r = t
        .req(Method::POST, &files, &agent)
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    let (s, e) = body_of(r).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["details"]["file"].is_array(), "{e}");
    let (ctype, body) = multipart(&[
        ("inline", None, b"peut-etre"),
        ("file", Some("a.png"), SCREEN_PNG),
    ]);
    let r = t
        .req(Method::POST, &files, &agent)
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    let (s, e) = body_of(r).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["details"]["inline"].is_array(), "{e}");
    let big = vec![b'x'; ATTACHMENT_LIMIT + 10];
    let (s, e) = upload(&t, &files, &agent, "gros.bin", &big, false).await;
    assert_eq!(s, 422, "{e}");
    assert!(e.to_string().contains("file"), "{e}");
    let (s, _) = upload(
        &t,
        "/api/v2/help_center/articles/999999/attachments.json",
        &agent,
        "a.png",
        SCREEN_PNG,
        true,
    )
    .await;
    assert_eq!(s, 404);
    let r = t
        .req(Method::POST, &files, &agent)
        .json(&json!({"file": "pas un formulaire"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // A file uploaded before its article, then linked to it (all or none).
    let (s, early) = upload(
        &t,
        "/api/v2/help_center/articles/attachments",
        &agent,
        "avant.png",
        SCREEN_PNG,
        true,
    )
    .await;
    assert_eq!(s, 201, "{early}");
    assert_eq!(early["article_attachment"]["article_id"], Value::Null);
    let early_id = early["article_attachment"]["id"].as_i64().unwrap();
    let early_url = early["article_attachment"]["content_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(content(&t, &early_url, &anon()).await.0, 404);
    let bulk = format!("/api/v2/help_center/articles/{public}/bulk_attachments.json");
    let (s, e) = t
        .call(
            Method::POST,
            &bulk,
            &agent,
            Some(json!({"attachment_ids": [early_id, pic_id]})),
        )
        .await;
    assert_eq!(s, 422, "a file already linked: {e}");
    assert!(e.to_string().contains("attachment_ids"), "{e}");
    assert_eq!(content(&t, &early_url, &anon()).await.0, 404, "all or none");
    let (s, linked) = t
        .call(
            Method::POST,
            &bulk,
            &agent,
            Some(json!({"attachment_ids": [early_id]})),
        )
        .await;
    assert_eq!(s, 200, "{linked}");
    assert_eq!(ids(&linked, "article_attachments").len(), 4);
    assert_eq!(content(&t, &early_url, &anon()).await.0, 200);
    let (s, _) = t
        .call(
            Method::POST,
            &bulk,
            &agent,
            Some(json!({"attachment_ids": (1..=21).collect::<Vec<i64>>()})),
        )
        .await;
    assert_eq!(s, 422);

    // The picture goes in the text by its address; the PDF is listed under the article.
    let (s, b) = t
        .call(
            Method::PUT,
            &format!("/api/v2/help_center/articles/{public}/translations/fr.json"),
            &agent,
            Some(json!({"translation": {"body": format!(
                "<p>Ouvrez vos réglages :</p><p><img src=\"{}\" alt=\"Réglages\"></p>",
                pic["relative_path"].as_str().unwrap())}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let page = t
        .http
        .get(format!("{}/help/articles/{public}?lang=fr", t.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("src=\"/help/files/{pic_id}/%C3%A9cran.png\"")),
        "{page}"
    );
    assert!(page.contains("id=\"article-files\""), "{page}");
    assert!(page.contains(&format!("/help/files/{pdf_id}/notice.pdf")));
    assert!(page.contains(">notice.pdf</a>"));

    // Deleting a file takes its bytes when nothing else uses them.
    let (s, _) = t
        .call(
            Method::DELETE,
            &format!("/api/v2/help_center/articles/attachments/{pdf_id}.json"),
            &agent,
            None,
        )
        .await;
    assert_eq!(s, 204);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"%PDF-1.4 notice"));
    assert!(t.store.blob(&sha).await.unwrap().is_none());
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v2/help_center/articles/attachments/{pdf_id}.json"),
            &agent,
            None,
        )
        .await;
    assert_eq!(s, 404);
    // The picture is used twice (two articles): deleting one keeps the bytes.
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(SCREEN_PNG));
    let (s, _) = t
        .call(
            Method::DELETE,
            &format!("/api/v2/help_center/articles/attachments/{pic_id}.json"),
            &agent,
            None,
        )
        .await;
    assert_eq!(s, 204);
    assert!(t.store.blob(&sha).await.unwrap().is_some());
}

#[tokio::test]
async fn categories_and_sections_are_translated_one_language_at_a_time() {
    let t = spawn_app().await;
    let (agent, _) = t.user_with_role(Role::Agent, "agent-tr@guichet.test").await;
    let (_, c) = t
        .admin(
            Method::POST,
            "/api/v2/help_center/categories.json",
            Some(json!({"category": {"name": "Livraisons", "description": "Colis et délais", "locale": "fr"}})),
        )
        .await;
    let cat = c["category"]["id"].as_i64().unwrap();
    let (_, sec) = t
        .admin(
            Method::POST,
            &format!("/api/v2/help_center/categories/{cat}/sections.json"),
            Some(json!({"section": {"name": "Retards", "locale": "fr"}})),
        )
        .await;
    let sec = sec["section"]["id"].as_i64().unwrap();
    let base = format!("/api/v2/help_center/categories/{cat}/translations");
    let (s, l) = t.admin(Method::GET, &format!("{base}.json"), None).await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(l["translations"][0]["locale"], "fr");
    assert_eq!(l["translations"][0]["title"], "Livraisons");
    assert_eq!(l["translations"][0]["body"], "Colis et délais");
    assert_eq!(l["translations"][0]["source_type"], "Category");
    assert_eq!(l["translations"].as_array().unwrap().len(), 1);
    let (_, m) = t
        .admin(Method::GET, &format!("{base}/missing.json"), None)
        .await;
    assert_eq!(m["locales"], json!(["en-us"]));
    // Only supervisors name it; an empty name is refused, naming the field.
    let en = json!({"translation": {"locale": "en-us", "title": "Deliveries", "body": "Parcels and delays"}});
    let (s, _) = t
        .call(
            Method::POST,
            &format!("{base}.json"),
            &agent,
            Some(en.clone()),
        )
        .await;
    assert_eq!(s, 403);
    let (s, e) = t
        .admin(
            Method::POST,
            &format!("{base}.json"),
            Some(json!({"translation": {"locale": "en", "title": " "}})),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(
        e["details"]["title"][0]["field"], "translation.title",
        "{e}"
    );
    let (s, tr) = t
        .admin(Method::POST, &format!("{base}.json"), Some(en.clone()))
        .await;
    assert_eq!(s, 201, "{tr}");
    assert_eq!(tr["translation"]["locale"], "en-us");
    let en_id = tr["translation"]["id"].as_i64().unwrap();
    let (s, e) = t
        .admin(Method::POST, &format!("{base}.json"), Some(en))
        .await;
    assert_eq!(s, 422, "a second English name: {e}");
    assert_eq!(
        e["details"]["locale"][0]["field"], "translation.locale",
        "{e}"
    );
    // The category now reads in English.
    let (_, shown) = t
        .admin(
            Method::GET,
            &format!("/api/v2/help_center/en-us/categories/{cat}.json"),
            None,
        )
        .await;
    assert_eq!(shown["category"]["name"], "Deliveries");
    // PUT changes one key and keeps the other.
    let (s, up) = t
        .admin(
            Method::PUT,
            &format!("{base}/fr.json"),
            Some(json!({"translation": {"body": "Suivi des colis"}})),
        )
        .await;
    assert_eq!(s, 200, "{up}");
    assert_eq!(
        (&up["translation"]["title"], &up["translation"]["body"]),
        (&json!("Livraisons"), &json!("Suivi des colis"))
    );
    let (s, _) = t
        .admin(
            Method::GET,
            &format!("/api/v2/help_center/sections/{sec}/translations/en-us.json"),
            None,
        )
        .await;
    assert_eq!(s, 404, "the section is not named in English");
    let (s, st) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/help_center/sections/{sec}/translations/fr.json"),
            Some(json!({"translation": {"title": "Colis en retard"}})),
        )
        .await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["translation"]["source_type"], "Section");
    assert_eq!(st["translation"]["source_id"], sec);
    let sec_fr = st["translation"]["id"].as_i64().unwrap();
    // Deleting: the English name goes; the last language stays.
    let (s, _) = t
        .call(
            Method::DELETE,
            &format!("/api/v2/help_center/translations/{en_id}.json"),
            &agent,
            None,
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/help_center/translations/{en_id}.json"),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (_, m) = t
        .admin(Method::GET, &format!("{base}/missing.json"), None)
        .await;
    assert_eq!(m["locales"], json!(["en-us"]));
    let (s, e) = t
        .admin(
            Method::DELETE,
            &format!("/api/v2/help_center/translations/{sec_fr}.json"),
            None,
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, _) = t
        .admin(
            Method::DELETE,
            &format!(
                "/api/v2/help_center/translations/{}.json",
                en_id + 4_000_000
            ),
            None,
        )
        .await;
    assert_eq!(s, 404, "a derived id of no group");
    // A category holding no public article is nobody's business but staff's.
    let (s, _) = t
        .call(Method::GET, &format!("{base}.json"), &anon(), None)
        .await;
    assert_eq!(s, 404);
}
