//! `guichet bench portal`: the customer side at scale, recorded in BENCHMARKS.md.
//! Seeds one organisation that shares its cases (N cases from ten customers, one case with
//! 50 messages), serves the pages in this process on loopback and times a signed-in
//! customer's page loads end to end (request to last byte: an upper bound of the server's
//! time); then contact-form submissions per second with every spam check on (each from its
//! own loopback address, as many visitors are, with a token shown 3 s earlier and its proof
//! of work found beforehand); and the bytes a site's visitor downloads for the form.

use crate::config::Config;
use anyhow::{Context, Result, anyhow};
use hdrhistogram::Histogram;
use std::io::Write;
use std::time::{Duration, Instant};

fn err(e: app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

pub async fn run(cfg: Config, cases: i64, requests: usize, submissions: usize) -> Result<()> {
    let (app, store) = crate::open_app(&cfg).await?;
    std::fs::create_dir_all(&cfg.data_dir)?;
    let admin_email = "bench-portal-admin@example.com";
    if store
        .user_by_identity("email", admin_email)
        .await?
        .is_none()
    {
        app.create_admin(admin_email, "Bench Admin", "bench-portal-password-1")
            .await
            .map_err(err)?;
    }
    let admin = app
        .authenticate_password(admin_email, "bench-portal-password-1")
        .await
        .map_err(err)?;
    let org = match app
        .org_by_name(&admin, "Bench Portal Org")
        .await
        .map_err(err)?
        .first()
    {
        Some(o) => o.id,
        None => {
            app.create_org(
                &admin,
                app::model::OrgFields {
                    name: "Bench Portal Org".into(),
                    external_id: None,
                    domain_names: "[]".into(),
                    details: None,
                    notes: None,
                    tags: String::new(),
                    shared_tickets: true,
                },
            )
            .await
            .map_err(err)?
            .id
        }
    };
    let password = "bench-customer-password-1";
    let mut customers = Vec::new();
    for i in 0..10 {
        let email = format!("bench-portal-{i}@example.com");
        let id = match store.user_by_identity("email", &email).await? {
            Some(u) => u.id,
            None => {
                app.create_user(
                    Some(&admin),
                    app::people::NewUser {
                        name: Some(format!("Client {i}")),
                        emails: vec![domain::EmailAddress::parse(&email)?],
                        organization_id: Some(org),
                        password: Some(password.into()),
                        ..Default::default()
                    },
                )
                .await
                .map_err(err)?
                .user
                .id
            }
        };
        customers.push((id, email));
    }
    let have = app
        .portal_cases(
            &app::portal::Viewer::from(
                &app.authenticate_password(&customers[0].1, password)
                    .await
                    .map_err(err)?,
            ),
            app::portal::PortalScope::Organisation,
            false,
            0,
            1,
        )
        .await
        .map_err(err)?
        .total;
    if have < cases {
        println!("seeding {} cases for one organisation …", cases - have);
        for n in have..cases {
            let (cid, _) = &customers[(n % 10) as usize];
            app.create_case(
                &admin,
                app::cases::NewCase {
                    subject: Some(format!("Demande {n} : livraison et facture")),
                    comment: Some(app::cases::CommentInput {
                        body: format!("Bonjour, ma commande {n} n’est pas arrivée."),
                        ..Default::default()
                    }),
                    requester: Some(app::cases::RequesterRef::Id(*cid)),
                    organization_id: Some(org),
                    ..Default::default()
                },
                None,
            )
            .await
            .map_err(err)?;
        }
    }
    // The long case: 50 public messages and a few notes, for customer 0.
    let long_id = match std::fs::read_to_string(cfg.data_dir.join("bench-portal-case")) {
        Ok(s) => s.trim().parse::<i64>()?,
        Err(_) => {
            let c = app
                .create_case(
                    &admin,
                    app::cases::NewCase {
                        subject: Some("Dossier suivi de près".into()),
                        comment: Some(app::cases::CommentInput {
                            body: "Premier message.".into(),
                            ..Default::default()
                        }),
                        requester: Some(app::cases::RequesterRef::Id(customers[0].0)),
                        organization_id: Some(org),
                        ..Default::default()
                    },
                    None,
                )
                .await
                .map_err(err)?;
            for i in 1..60 {
                let body = format!(
                    "Message {i} : où en est ma demande ? Voici quelques précisions utiles."
                );
                if i % 6 == 0 {
                    app.add_note(&admin, c.case.id, &body).await.map_err(err)?;
                } else {
                    app.reply(&admin, c.case.id, &body).await.map_err(err)?;
                }
            }
            std::fs::write(
                cfg.data_dir.join("bench-portal-case"),
                c.case.id.to_string(),
            )?;
            c.case.id
        }
    };
    store.analyze().await?;
    let (token, _) = app
        .sign_in_customer(&customers[0].1, password, "bench")
        .await
        .map_err(err)?;
    let state = web::state(app.clone(), &web::WebConfig::default());
    let router = web::router(state.clone())
        .merge(ui::router(state.clone()))
        .merge(portal::router(state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    tokio::spawn(web::serve_router(
        listener,
        router,
        std::future::pending(),
        Default::default(),
    ));
    // The API with a token (a password would time Argon2id, by design slow).
    let api_token = app
        .create_token(&customers[0].1, "bench")
        .await
        .map_err(err)?;
    let http = reqwest::Client::new();
    let cookie = format!("guichet_customer_session={token}");
    println!(
        "{} cases on {}; the organisation's customers each request ~{}",
        store.case_total().await?,
        store.backend(),
        cases / 10
    );
    let pages = [
        ("my cases (25 of ~1,000)", "/portal/cases".to_string()),
        (
            "my organisation's cases (25 of all)",
            "/portal/cases?scope=organisation".to_string(),
        ),
        (
            "my organisation's cases, page 200",
            "/portal/cases?scope=organisation&page=200".to_string(),
        ),
        (
            "case page, 50 public messages",
            format!("/portal/cases/{long_id}"),
        ),
        (
            "Requests API, GET requests.json",
            "/api/v2/requests.json".to_string(),
        ),
    ];
    for (name, path) in &pages {
        let h = crate::bench::time_gets(
            std::slice::from_ref(&http),
            &format!("{base}{path}"),
            requests,
            |rq| {
                if path.starts_with("/api/") {
                    rq.basic_auth(format!("{}/token", customers[0].1), Some(&api_token))
                } else {
                    rq.header("cookie", &cookie)
                }
            },
        )
        .await?;
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "{name:<40} p50 {:>6.2} ms  p99 {:>6.2} ms",
            ms(0.5),
            ms(0.99)
        );
    }
    forms(&app, &admin, &base, submissions).await?;
    Ok(())
}

async fn forms(app: &app::App, admin: &app::Actor, base: &str, n: usize) -> Result<()> {
    let form = app
        .save_contact_form(
            admin,
            None,
            app::portal::forms::ContactFormInput {
                name: "Bench".into(),
                locale: domain::Locale::Fr,
                allowed_origins: vec![],
                topics: vec![app::portal::forms::Topic {
                    key: "question".into(),
                    label_fr: "Une question".into(),
                    label_en: "A question".into(),
                    team_id: None,
                    category_id: None,
                    fields: vec![],
                }],
                active: true,
                chat: true,
            },
        )
        .await
        .map_err(err)?;
    // Each visitor from their own loopback address (127.0.1.x–127.0.4.x).
    let client = |i: usize| -> Result<reqwest::Client> {
        let ip = std::net::Ipv4Addr::new(127, 0, 1 + (i / 250) as u8 % 4, 1 + (i % 250) as u8);
        Ok(reqwest::Client::builder()
            .local_address(std::net::IpAddr::V4(ip))
            .build()?)
    };
    print!("showing the form {n} times and finding the proofs of work … ");
    std::io::stdout().flush()?;
    let mut ready = Vec::with_capacity(n);
    for i in 0..n {
        let page = client(i)?
            .get(format!("{base}/form/{}", form.key))
            .send()
            .await?
            .text()
            .await?;
        let token = page
            .split("name=\"token\" value=\"")
            .nth(1)
            .and_then(|x| x.split('"').next())
            .context("token")?
            .to_string();
        ready.push(token);
    }
    let proofs: Vec<(String, String)> = tokio::task::spawn_blocking(move || {
        ready
            .into_iter()
            .map(|t| {
                let nonce = (0u64..)
                    .find(|k| {
                        app::portal::forms::pow_ok(&t, &k.to_string(), app::portal::forms::POW_BITS)
                    })
                    .unwrap_or(0)
                    .to_string();
                (t, nonce)
            })
            .collect()
    })
    .await?;
    println!("done");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    let per = proofs.len().div_ceil(8);
    for (w, chunk) in proofs.chunks(per.max(1)).enumerate() {
        let chunk = chunk.to_vec();
        let base = base.to_string();
        let key = form.key.clone();
        let clients: Vec<reqwest::Client> = (0..chunk.len())
            .map(|j| client(w * per + j))
            .collect::<Result<_>>()?;
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3).expect("histogram");
            let mut ok = 0;
            for ((token, nonce), c) in chunk.iter().zip(clients) {
                let t = Instant::now();
                let boundary = "bench-boundary";
                let mut body = String::new();
                for (k, v) in [
                    ("token", token.as_str()),
                    ("nonce", nonce.as_str()),
                    ("topic", "question"),
                    ("name", "Visiteur"),
                    ("email", "visiteur@example.org"),
                    ("body", "Bonjour, une question sur ma commande."),
                ] {
                    body.push_str(&format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                    ));
                }
                body.push_str(&format!("--{boundary}--\r\n"));
                let r = c
                    .post(format!("{base}/form/{key}"))
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(body)
                    .send()
                    .await;
                if let Ok(r) = r
                    && r.status().is_success()
                {
                    ok += 1;
                }
                h.record(t.elapsed().as_micros() as u64).ok();
            }
            (ok, h)
        }));
    }
    let mut ok = 0;
    let mut h = Histogram::<u64>::new(3)?;
    for t in tasks {
        let (k, hh) = t.await?;
        ok += k;
        h.add(hh)?;
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "contact form, 8 clients, spam checks on: {ok}/{} accepted, {:.0}/s, p50 {:.1} ms, p99 {:.1} ms",
        proofs.len(),
        ok as f64 / secs,
        h.value_at_quantile(0.5) as f64 / 1000.0,
        h.value_at_quantile(0.99) as f64 / 1000.0
    );
    // What a site's visitor downloads for the form (gzip, as a server would send it).
    let http = reqwest::Client::new();
    let form_files = [
        ("embed.js", format!("/form/{}/embed.js", form.key)),
        ("form page", format!("/form/{}?embed=1", form.key)),
        ("portal.css", "/portal/static/portal.css".to_string()),
        ("form.js", "/portal/static/form.js".to_string()),
        ("brand.css", "/portal/brand.css".to_string()),
    ];
    let total = weigh(&http, base, &form_files).await?;
    println!("the form's whole first load: {total} bytes gzipped");
    // The same for the chat widget beside it (issue 18).
    let chat_files = [
        ("chat.js tag", format!("/form/{}/chat.js", form.key)),
        ("chat frame", format!("/form/{}/chat", form.key)),
        ("chat.css", "/portal/static/chat.css".to_string()),
        ("chat.js", "/portal/static/chat.js".to_string()),
        ("brand.css", "/portal/brand.css".to_string()),
    ];
    let total = weigh(&http, base, &chat_files).await?;
    println!("the chat widget's whole first load: {total} bytes gzipped");
    Ok(())
}

/// Print each file's bytes, raw and gzipped (as a server would send it); the gzipped total.
async fn weigh(http: &reqwest::Client, base: &str, files: &[(&str, String)]) -> Result<usize> {
    let mut total = 0;
    for (name, path) in files {
        let r = http.get(format!("{base}{path}")).send().await?;
        anyhow::ensure!(r.status().is_success(), "{path}: {}", r.status());
        let bytes = r.bytes().await?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&bytes)?;
        let z = gz.finish()?.len();
        total += z;
        println!("{name:<12} {:>6} bytes, {:>6} gzipped", bytes.len(), z);
    }
    Ok(total)
}
