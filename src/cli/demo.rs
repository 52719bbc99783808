//! `ciss demo`: generate feeds for every source, ingest and resolve them into a
//! fresh embedded store, print queries ready to paste, and serve.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;

use super::{print_ingest, print_resolve};
use crate::config::Settings;
use crate::generate::{GenerateConfig, generate};
use crate::graph::GraphStore;
use crate::ingest::mapping::SourceMapping;
use crate::ingest::{IngestOptions, ingest_file};
use crate::normalize::IdKind;
use crate::resolve::{default_resolver, resolve_store};
use crate::search::Search;
use crate::startup::Application;

/// The sources the generator writes and the demo ingests.
pub(crate) const DEMO_SOURCES: [&str; 7] = [
    "rms",
    "judicial",
    "correction",
    "dmv",
    "cssd",
    "parole",
    "sor",
];

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Number of people to generate.
    #[arg(long, default_value_t = 3_000)]
    people: usize,
    /// Random seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Working directory for the feeds, and for an SQLite store that it
    /// replaces on every run, unless `--store` names the store.
    #[arg(long, default_value = "ciss-demo")]
    dir: PathBuf,
    /// Listen address (overrides the settings); port 0 picks a free port.
    #[arg(long)]
    listen: Option<String>,
    /// Prepare the store and print the queries, then exit without serving.
    #[arg(long)]
    no_serve: bool,
}

/// Runs the demo. `store_named` is whether `--store` named the store, which
/// the demo then uses as given instead of a file in its directory.
pub(crate) async fn run(
    mut settings: Settings,
    args: DemoArgs,
    store_named: bool,
) -> anyhow::Result<ExitCode> {
    // Every mapping loads first, so a wrong sources directory stops the demo
    // before it writes feeds or replaces its store.
    let mappings = DEMO_SOURCES
        .iter()
        .map(|source| SourceMapping::load(&settings.sources_dir, source))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    // Held until the demo ends, so a second demo cannot replace the feeds
    // and the store under this one.
    let created = !args.dir.exists();
    let _running = hold_demo_lock(&args.dir)?;
    // The address is bound and the store checked before any feed is
    // written, so an address in use or a store holding records stops the
    // demo with nothing generated or stored. A directory this run made for
    // its lock is removed again.
    let checked = async {
        let listener = Application::bind(&settings.listen).await?;
        let store = open_demo_store(&mut settings, &args.dir, store_named).await?;
        anyhow::Ok((listener, store))
    }
    .await;
    let (listener, store) = match checked {
        Ok(ready) => ready,
        Err(err) => {
            if created {
                // Best effort: the error to report is the check's.
                let _ = std::fs::remove_file(args.dir.join("demo.lock"));
                let _ = std::fs::remove_dir(&args.dir);
            }
            return Err(err);
        }
    };
    let as_of = chrono::Utc::now().date_naive();
    let feeds = args.dir.join("feeds");
    let config = GenerateConfig {
        people: args.people,
        seed: args.seed,
        as_of,
        out_dir: feeds.clone(),
        progress: true,
    };
    let summary = generate(&config).context("failed to generate feeds")?;
    outln!(
        "generated {} people into {}",
        summary.people,
        feeds.display()
    );

    ingest_all(&settings, &mappings, store.as_ref(), &feeds).await?;
    print_resolve(&resolve_store(store.as_ref(), &default_resolver()).await?);

    let app = Application::with_listener(settings.clone(), std::sync::Arc::clone(&store), listener)
        .await?;
    let url = format!("http://{}/graphql", app.address());
    let search = Search::new(store, settings.summary);
    let featured = read_featured(&feeds.join("featured.json"))?;
    print_queries(&search, &url, &featured, as_of).await?;
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "\nserving on {url} (GraphiQL at http://{}/graphiql); Ctrl-C stops",
        app.address()
    );
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// Locks the demo directory `dir` for this process, creating it if needed,
/// and returns the open lock file, which keeps the lock until it is
/// dropped. Fails when another demo has the lock.
fn hold_demo_lock(dir: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("demo.lock");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match crate::file_lock::flock(&file, crate::file_lock::Lock::ExclusiveNow) {
        Ok(()) => Ok(file),
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => anyhow::bail!(
            "another ciss demo is running in {}; stop it, or give this one another --dir",
            dir.display()
        ),
        Err(err) => Err(err).with_context(|| format!("cannot lock {}", path.display())),
    }
}

/// Opens the demo's store. Unless `--store` names one (`store_named`), an
/// SQLite store is always a new file in the demo directory, replacing the
/// last demo's. A store named with `--store`, and a graph-server store from
/// the settings, is used as given. It is created when missing but must hold
/// no records, so the demo never mixes with other data or deletes it.
async fn open_demo_store(
    settings: &mut Settings,
    dir: &Path,
    store_named: bool,
) -> anyhow::Result<std::sync::Arc<dyn GraphStore>> {
    let sqlite_path = settings.store.strip_prefix("sqlite:").map(PathBuf::from);
    if sqlite_path.is_some() && !store_named {
        let db = dir.join("ciss.db");
        remove_store(&db)?;
        settings.store = format!("sqlite:{}", db.display());
        outln!("storing records in {}", db.display());
        return Ok(settings.open_store().await?);
    }
    let store = settings.open_store().await?;
    let records = store.counts().await?.records;
    match sqlite_path {
        Some(path) if records > 0 => anyhow::bail!(
            "the demo needs an empty store, but {} contains {records} records; name a new file with --store",
            path.display()
        ),
        Some(path) => outln!("storing records in {}", path.display()),
        None if records > 0 => anyhow::bail!(
            "the demo needs an empty store, but the configured graph holds {records} records; name another graph"
        ),
        None => {}
    }
    Ok(store)
}

fn remove_store(db: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("failed to remove {}", path.display()))?;
        }
    }
    Ok(())
}

async fn ingest_all(
    settings: &Settings,
    mappings: &[SourceMapping],
    store: &dyn GraphStore,
    feeds: &Path,
) -> anyhow::Result<()> {
    let options = IngestOptions {
        batch_size: settings.batch_size,
        progress: true,
    };
    for mapping in mappings {
        let file = feeds.join(format!("{}.{}", mapping.name, mapping.format.extension()));
        let report = ingest_file(store, mapping, &file, &options).await?;
        print_ingest(&file, &report);
    }
    Ok(())
}

/// A featured person as the generator lists them in `featured.json`.
#[derive(Debug, serde::Deserialize)]
struct Featured {
    plate: FeaturedPlate,
}

#[derive(Debug, serde::Deserialize)]
struct FeaturedPlate {
    state: String,
    number: String,
}

fn read_featured(path: &Path) -> anyhow::Result<Vec<Featured>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("invalid {}", path.display()))
}

const PERSON_FIELDS: &str = "id name { display } dob identifiers { kind value } \
    status { categories items { category kind agency source recordId date endDate status description } }";

async fn print_queries(
    search: &Search,
    url: &str,
    featured: &[Featured],
    as_of: NaiveDate,
) -> anyhow::Result<()> {
    let first = featured.first().context("featured.json lists no one")?;
    let plate_query = format!(
        "{{ vehicleByPlate(state: \"{}\", number: \"{}\") {{ plate {{ state number }} vin make model year \
         registrationCurrent registration {{ agency recordId date endDate }} owners {{ {PERSON_FIELDS} }} }} }}",
        first.plate.state, first.plate.number
    );
    outln!("\nTry these against {url}:\n");
    outln!(
        "1. The plate of an owner who is wanted, on parole and restrained by a protective order:"
    );
    outln!("{}\n", curl(url, &plate_query));
    let report = search
        .vehicle_by_plate(&first.plate.state, &first.plate.number, as_of)
        .await?;
    let owner = report
        .and_then(|r| r.owners.into_iter().next())
        .context("the featured plate has no resolved owner")?;
    if let (Some(name), Some(dob)) = (&owner.name, owner.dob) {
        let query = format!(
            "{{ searchPersons(name: \"{}, {}\", dob: \"{dob}\") {{ {PERSON_FIELDS} }} }}",
            name.surname, name.given
        );
        outln!("2. The same person by name and date of birth:");
        outln!("{}\n", curl(url, &query));
    }
    if let Some((_, value)) = owner
        .identifiers
        .iter()
        .find(|(kind, _)| *kind == IdKind::StateId)
    {
        let query = format!(
            "{{ personsByIdentifier(kind: STATE_ID, value: \"{value}\") {{ {PERSON_FIELDS} }} }}"
        );
        outln!("3. The same person by state id:");
        outln!("{}\n", curl(url, &query));
    }
    print_association_queries(url, owner.id);
    Ok(())
}

/// Prints the association queries for one person: links two hops out, and
/// the person's records from arrest to release.
fn print_association_queries(url: &str, person: i64) {
    let links = format!(
        "{{ associations(personId: \"{person}\", depth: 2, kinds: [RESTRAINED_BY, PROTECTS, OWNS]) {{ \
         truncated nodes {{ key kind hop }} \
         links {{ from to kind role evidence {{ agency source recordId date }} }} }} }}"
    );
    outln!("4. What links that person to others: protective orders and vehicles, two hops out:");
    outln!("{}\n", curl(url, &links));
    let timeline = format!(
        "{{ caseTimeline(personId: \"{person}\", filter: {{ from: \"2015-01-01\" }}) {{ truncated \
         events {{ date kind roles caseNumber description record {{ agency recordId version }} }} }} }}"
    );
    outln!("5. That person's records in date order, from arrest to release:");
    outln!("{}", curl(url, &timeline));
}

fn curl(url: &str, query: &str) -> String {
    let body = serde_json::json!({ "query": query }).to_string();
    format!("curl -s {url} -H 'content-type: application/json' -d '{body}'")
}
