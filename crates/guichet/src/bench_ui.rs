//! `guichet bench ui`: server time of the agent pages at scale, recorded in BENCHMARKS.md.
//! Seeds N cases (through `create_case`, like `bench query`), gives one case 200 messages,
//! serves the pages in this process on loopback and times signed-in page loads end to end
//! (request to last byte, so an upper bound of the server's time), and reports the bytes
//! of CSS and JavaScript a page loads.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;
use std::time::Instant;

pub async fn run(cfg: Config, cases: i64, requests: usize) -> Result<()> {
    let (app, store) = crate::open_app(&cfg).await?;
    let have = store.case_total().await?;
    if have < cases {
        println!("seeding {} cases into {} …", cases - have, store.backend());
        crate::bench::seed(&app, &store, cases - have).await?;
    }
    store.analyze().await?;
    let email = "bench-ui@example.com";
    let password = "bench-ui-password-1";
    if store.user_by_identity("email", email).await?.is_none() {
        app.create_admin(email, "Bench Agent", password)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let agent = app
        .authenticate_password(email, password)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The agent belongs to one team (of the seed's ten, each with ~60,000 open cases).
    if let Some(team) = store.teams(0, 1).await?.first() {
        let members = store.team_member_ids(team.id).await?;
        if !members.contains(&agent.user_id) {
            app.add_team_member(&agent, team.id, agent.user_id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    // The long case: 200 messages (replies and notes), made once.
    let long_id = match std::fs::read_to_string(cfg.data_dir.join("bench-ui-case")) {
        Ok(s) => s.trim().parse::<i64>()?,
        Err(_) => {
            let c = app
                .create_case(
                    &agent,
                    app::cases::NewCase {
                        subject: Some("Dossier au long cours".into()),
                        comment: Some(app::cases::CommentInput {
                            body: "Premier message du client.".into(),
                            ..Default::default()
                        }),
                        requester: Some(app::cases::RequesterRef::Email {
                            email: domain::EmailAddress::parse("long@example.com")?,
                            name: Some("Client Fidèle".into()),
                            locale: None,
                        }),
                        ..Default::default()
                    },
                    None,
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for i in 1..200 {
                let body = format!(
                    "Message {i} : suivi du dossier, avec assez de texte pour ressembler à un vrai échange entre le client et le service."
                );
                let r = if i % 4 == 0 {
                    app.add_note(&agent, c.case.id, &body).await
                } else {
                    app.reply(&agent, c.case.id, &body).await
                };
                r.map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            std::fs::write(cfg.data_dir.join("bench-ui-case"), c.case.id.to_string())?;
            c.case.id
        }
    };
    let (token, _) = app
        .sign_in(email, password, "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let state = web::state(app.clone(), &web::WebConfig::default());
    let router = web::router(state.clone()).merge(ui::router(state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(web::serve_router(
        listener,
        router,
        std::future::pending(),
        Default::default(),
    ));
    let http = reqwest::Client::new();
    let cookie = format!("guichet_session={token}");
    println!(
        "{} cases on {}; case #{long_id} has {} messages",
        store.case_total().await?,
        store.backend(),
        store.count_messages(long_id, false).await?
    );
    let pages = [
        (
            "inbox, unassigned (50 rows + 8 view counts)",
            "/inbox/unassigned".to_string(),
        ),
        ("inbox, my teams", "/inbox/teams".to_string()),
        ("inbox, due soon", "/inbox/due-soon".to_string()),
        ("case page, 200 messages", format!("/cases/{long_id}")),
    ];
    for (name, path) in &pages {
        let mut h = Histogram::<u64>::new(3)?;
        let mut bytes = 0;
        for i in 0..requests + 10 {
            let t0 = Instant::now();
            let r = http
                .get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send()
                .await
                .context("page")?;
            if !r.status().is_success() {
                bail!("{path}: {}", r.status());
            }
            bytes = r.bytes().await?.len();
            // The first requests warm the caches; they are not counted.
            if i >= 10 {
                h.record(t0.elapsed().as_micros() as u64)?;
            }
        }
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "{name:<46} p50 {:>6.2} ms  p99 {:>6.2} ms  ({} KB of HTML)",
            ms(0.5),
            ms(0.99),
            bytes / 1024
        );
    }
    let css_js: usize = ui::assets::page_weight();
    println!(
        "CSS + JavaScript per page: {css_js} bytes ({:.1} KB)",
        css_js as f64 / 1024.0
    );
    Ok(())
}
