//! `guichet bench kb`: knowledge-base search and the suggestions a customer sees while
//! writing, over N published articles in French and in English (each article in both),
//! recorded in BENCHMARKS.md. Seeds through the editors' use cases (once), serves the
//! pages in this process on loopback, and times `/help/suggest` and `/help?q=` end to end.

use crate::config::Config;
use anyhow::{Result, anyhow};

fn err(e: app::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

/// Words the seeded articles are made of (a support vocabulary in both languages).
const FR: &[&str] = &[
    "commande",
    "livraison",
    "colis",
    "facture",
    "remboursement",
    "mot",
    "passe",
    "compte",
    "abonnement",
    "résiliation",
    "garantie",
    "retour",
    "échange",
    "paiement",
    "carte",
    "adresse",
    "suivi",
    "retard",
    "produit",
    "taille",
    "couleur",
    "magasin",
    "réduction",
    "code",
    "client",
];
const EN: &[&str] = &[
    "order",
    "delivery",
    "parcel",
    "invoice",
    "refund",
    "password",
    "account",
    "subscription",
    "cancel",
    "warranty",
    "return",
    "exchange",
    "payment",
    "card",
    "address",
    "tracking",
    "delay",
    "product",
    "size",
    "colour",
    "store",
    "discount",
    "code",
    "customer",
    "reset",
];

fn text(words: &[&str], n: usize, len: usize) -> String {
    (0..len)
        .map(|i| words[(n * 7 + i * 13 + i * i) % words.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn run(cfg: Config, articles: i64, requests: usize) -> Result<()> {
    let (app, store) = crate::open_app(&cfg).await?;
    let email = "bench-kb@example.com";
    if store.user_by_identity("email", email).await?.is_none() {
        app.create_admin(email, "Bench KB", "bench-kb-password-1")
            .await
            .map_err(err)?;
    }
    let admin = app
        .authenticate_password(email, "bench-kb-password-1")
        .await
        .map_err(err)?;
    let (cats, secs) = app.kb_groups().await.map_err(err)?;
    let section = match secs.first() {
        Some(s) => s.id,
        None => {
            let cat = match cats.first() {
                Some(c) => c.id,
                None => app
                    .kb_save_category(
                        &admin,
                        None,
                        app::kb::KbGroup {
                            id: 0,
                            parent_id: None,
                            position: 0,
                            name_fr: "Aide".into(),
                            name_en: "Help".into(),
                            description_fr: String::new(),
                            description_en: String::new(),
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(err)?,
            };
            app.kb_save_section(
                &admin,
                None,
                app::kb::KbGroup {
                    id: 0,
                    parent_id: Some(cat),
                    position: 0,
                    name_fr: "Questions".into(),
                    name_en: "Questions".into(),
                    description_fr: String::new(),
                    description_en: String::new(),
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?
        }
    };
    let have = app.kb_articles(&admin).await.map_err(err)?.len() as i64;
    if have < articles {
        println!(
            "seeding {} articles in French and English …",
            articles - have
        );
        for n in have..articles {
            let id = app
                .kb_save_article(
                    &admin,
                    None,
                    app::kb::ArticleInput {
                        section_id: section,
                        visibility: if n % 10 == 0 { "internal" } else { "public" }.into(),
                        state: "published".into(),
                        publish_at: None,
                        labels: vec![],
                        position: 0,
                    },
                )
                .await
                .map_err(err)?;
            let n = n as usize;
            app.kb_save_translation(
                &admin,
                id,
                domain::Locale::Fr,
                &format!("{} {n}", text(FR, n, 5)),
                &text(FR, n + 1, 120),
            )
            .await
            .map_err(err)?;
            app.kb_save_translation(
                &admin,
                id,
                domain::Locale::En,
                &format!("{} {n}", text(EN, n, 5)),
                &text(EN, n + 1, 120),
            )
            .await
            .map_err(err)?;
        }
    }
    store.analyze().await?;
    let state = web::state(app.clone(), &web::WebConfig::default());
    let router = web::router(state.clone()).merge(portal::router(state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(web::serve_router(
        listener,
        router,
        std::future::pending(),
        Default::default(),
    ));
    // Suggestions are limited per client address (a few a second after a burst of 120):
    // the timed requests come from 250 loopback addresses in turn, as many visitors would.
    let clients = (0..250u8)
        .map(|i| {
            reqwest::Client::builder()
                .local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(
                    127,
                    0,
                    2,
                    i + 1,
                )))
                .build()
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    println!(
        "{} articles on {} (each in French and English, one in ten internal)",
        app.kb_articles(&admin).await.map_err(err)?.len(),
        store.backend()
    );
    let cases = [
        (
            "suggest, fr, a sentence as typed",
            "/help/suggest?lang=fr&q=j%27ai%20un%20retard%20de%20livraison%20sur%20ma%20commande",
        ),
        (
            "suggest, en, three words",
            "/help/suggest?lang=en&q=refund%20my%20order",
        ),
        (
            "suggest, fr, one frequent word",
            "/help/suggest?lang=fr&q=commande",
        ),
        (
            "search page, fr, two words",
            "/help?lang=fr&q=facture%20remboursement",
        ),
    ];
    for (name, path) in cases {
        let h =
            crate::bench::time_gets(&clients, &format!("{base}{path}"), requests, |r| r).await?;
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "{name:<36} p50 {:>6.2} ms  p99 {:>6.2} ms",
            ms(0.5),
            ms(0.99)
        );
    }
    Ok(())
}
