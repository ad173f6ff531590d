//! `stampede [serve|migrate]`: a thin binary over the library.
use stampede::config::Settings;
use stampede::startup::Application;

const USAGE: &str = "usage: stampede [serve|migrate|render]

  serve    run the storefront (the default)
  migrate  apply database migrations and exit
  render   read page data (JSON, as embedded in a page) on stdin and print the page's HTML,
           exactly as the origin and the edge render it

Configured by environment variables; see docs/operations.md.";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _log_writer = stampede::telemetry::init();
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".to_string());
    let settings = Settings::from_env()?;
    match command.as_str() {
        "serve" => {
            let app = Application::build(&settings).await?;
            let addr = app.local_addr();
            tracing::info!(%addr, "Stampede is serving");
            println!("Stampede is running at http://{addr}/ (demo event: http://{addr}/e/{})", stampede::demo::DEMO_SLUG);
            app.run_until_stopped().await
        }
        "migrate" => {
            stampede::store::connect(&settings.database).await?;
            println!("migrations applied to {}", settings.database.url);
            Ok(())
        }
        "render" => {
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
            let data: app::document::PageData =
                serde_json::from_str(&input).map_err(|err| anyhow::anyhow!("stdin is not page data: {err}"))?;
            let assets = stampede::http::SiteAssets::load(&settings.site_root);
            print!("{}", app::document::render_document(&data, &assets.urls));
            Ok(())
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("unknown command {other:?}\n\n{USAGE}");
            std::process::exit(2);
        }
    }
}
