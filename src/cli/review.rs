//! `ciss review`: the queue of possible matches, reviewers' decisions on it,
//! and their history. Records are named `SOURCE:RECORD_ID`, with `#PARTY`
//! (from 1) when the record names more than one person.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::{print_resolve, printable};
use crate::config::{OpenMode, Settings};
use crate::resolve::default_resolver;
use crate::review::{DecisionOutcome, Review};

/// Who decided and why; both are stored with the decision.
#[derive(Debug, Args)]
pub(super) struct Reviewer {
    /// Reviewer's name, stored with the decision.
    #[arg(long = "by", value_name = "NAME")]
    by: String,
    /// Why, stored with the decision.
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

#[derive(Debug, Subcommand)]
pub(super) enum ReviewCommand {
    /// List possible matches waiting for review, most probable first.
    List {
        /// Show at most this many pairs (at least 1).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
        limit: u64,
    },
    /// Confirm that two records name one person; they stay in one entity.
    Confirm {
        /// First record, SOURCE:RECORD_ID[#PARTY].
        a: String,
        /// Second record.
        b: String,
        #[command(flatten)]
        reviewer: Reviewer,
    },
    /// Reject a pair; the two records never share an entity again.
    Reject {
        /// First record, SOURCE:RECORD_ID[#PARTY].
        a: String,
        /// Second record.
        b: String,
        #[command(flatten)]
        reviewer: Reviewer,
    },
    /// Take records out of their entity (undo a wrong merge); they are
    /// remembered as rejected against the rest of it.
    Split {
        /// Records to take out, all from one entity.
        #[arg(required = true)]
        records: Vec<String>,
        #[command(flatten)]
        reviewer: Reviewer,
    },
    /// Show why the resolver scores two records as it does, field by field.
    Explain {
        /// First record, SOURCE:RECORD_ID[#PARTY].
        a: String,
        /// Second record.
        b: String,
    },
    /// List every decision, oldest first, with who, when and why.
    History,
}

/// Runs `ciss review`.
pub(super) async fn run(settings: &Settings, command: ReviewCommand) -> anyhow::Result<ExitCode> {
    // Review reads and decides on stored records, so a mistyped store path
    // is an error rather than a new, empty store.
    let store = settings.open_store_with(OpenMode::Existing).await?;
    let review = Review::new(store, Arc::new(default_resolver()));
    match command {
        ReviewCommand::List { limit } => {
            let queue = review.queue().await?;
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            for pair in queue.iter().take(limit) {
                outln!(
                    "{:.4}  {}  {}  queued {}",
                    pair.probability,
                    printable(&pair.a.to_string()),
                    printable(&pair.b.to_string()),
                    pair.queued_at.format("%Y-%m-%d %H:%M:%S UTC")
                );
            }
            outln!("{} possible matches waiting for review", queue.len());
        }
        ReviewCommand::Confirm { a, b, reviewer } => {
            print_outcome(
                &review
                    .confirm(&a, &b, &reviewer.by, &reviewer.reason)
                    .await?,
            );
        }
        ReviewCommand::Reject { a, b, reviewer } => {
            print_outcome(
                &review
                    .reject(&a, &b, &reviewer.by, &reviewer.reason)
                    .await?,
            );
        }
        ReviewCommand::Split { records, reviewer } => {
            print_outcome(
                &review
                    .split(&records, &reviewer.by, &reviewer.reason)
                    .await?,
            );
        }
        ReviewCommand::Explain { a, b } => out!("{}", review.explain(&a, &b).await?),
        ReviewCommand::History => {
            let decisions = review.history().await?;
            for d in &decisions {
                let records: Vec<String> = d
                    .records
                    .iter()
                    .map(|r| printable(&r.to_string()))
                    .collect();
                outln!(
                    "#{} {} {} by {}: {}\n    {}",
                    d.id,
                    d.decided_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    d.kind.as_str(),
                    printable(&d.who),
                    records.join(" "),
                    printable(&d.why)
                );
            }
            outln!("{} decisions", decisions.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_outcome(outcome: &DecisionOutcome) {
    let d = &outcome.decision;
    outln!(
        "decision #{} ({}) stored; {} pairs constrained",
        d.id,
        d.kind.as_str(),
        d.pairs.len()
    );
    print_resolve(&outcome.resolution);
    for (reference, entity) in &outcome.entities {
        let entity = entity.map_or("unresolved".to_string(), |e| format!("entity {e}"));
        outln!("  {}: {entity}", printable(&reference.to_string()));
    }
}
